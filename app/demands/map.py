"""Demands on the maps (#12): points on the natural-village map; the area maps' tile layer and filters."""

from flask import current_app, url_for
from flask_login import current_user

from .. import localtime, privacy
from ..errors import bad_parameter, one_of
from ..i18n import gettext as _
from ..queries import demands as queries
from . import tiles
from .lifecycle import STATE_COLOURS


def layer(unit: dict, layers: dict, *, lang: str) -> dict | None:
    """Add the natural village's demands to `layers` if the reader may see them; return their legend."""
    if not privacy.may_read_demand(current_user, unit["village_id"]):
        return None
    collection = queries.natural_village_geojson(unit["id"], today=localtime.today(), lang=lang)
    if not collection["features"]:
        return None
    layers["mq-demands"] = collection
    return {
        "title": _("Demands"),
        "states": [{"state": s, "label": _("state " + s), "color": c} for s, c in STATE_COLOURS.items()],
        "overdue": _("overdue"),
        "href": url_for("demands.demand", demand_id=0).removesuffix("0"),
    }


# The area maps' demand layer (#12): whether it is on, and its filters, as the page's URL says.
PARAMETERS = ("demands", *tiles.FILTERS)


def tiles_layer(args, *, lang: str) -> dict:
    """Return what the area maps need to draw demand tiles, from the page's (validated) parameters."""
    if args.get("demands", "") not in ("", "1"):
        raise bad_parameter("demands", args["demands"], one_of(("1",)))
    tiles.map_filters(args)  # a bad filter is a 400 naming it, on the page as on its tiles
    label = "label_zh" if lang == "zh" else "label_en"
    return {
        "url": tiles.url_template(),
        "on": args.get("demands") == "1",
        "filters": {name: args.get(name, "").strip() for name in tiles.FILTERS},
        "kinds": [(k["key"], k[label]) for k in queries.kinds()],
        "states": [("open", _("state open")), *((s, _("state " + s)) for s in STATE_COLOURS)],
        "colours": STATE_COLOURS,
        "min_zoom": current_app.config["TILE_POINT_MIN_ZOOM"],
        "href": url_for("demands.demand", demand_id=0).removesuffix("0"),
        "text": {
            "title": _("Demands"),
            "open": _("open"),
            "overdue": _("overdue"),
            "withheld": _("withheld"),
        },
    }
