"""Demands on the natural-village map (#12): points coloured by state, overdue ones ringed."""

from flask import url_for
from flask_login import current_user

from .. import localtime, privacy
from ..i18n import gettext as _
from ..queries import demands as queries
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
