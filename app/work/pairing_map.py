"""The pairing map of a village (结对帮扶图): who is paired, who is not, who helps whom."""

from flask import render_template, request
from flask_login import current_user, login_required

from .. import audit, params, privacy
from ..errors import not_found
from ..extensions import db
from ..i18n import gettext as _
from ..i18n import language
from ..maps.page import base_map, bounds_of, page
from ..pages import _basemap, _link, local_assets
from ..queries import areas, pairing
from . import bp

# Status -> marker colour; the legend lists them in this order.
COLOURS = {"paired": "#2ca02c", "unpaired": "#d62728", "ended": "#ff7f0e"}


def _feature(row: dict) -> dict:
    lon, lat = row.pop("lon"), row.pop("lat")
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": row}


@bp.get("/pairing-map/<code>")
@login_required
def pairing_map(code: str):
    """A village's poor households coloured paired / unpaired / pairing ended, lines to their helpers.

    Readers without household detail in the village get the counts and the helpers' counts only.
    """
    params.only(request.args)
    unit = areas.area(params.code(code, what="village"))
    if unit is None or unit["level"] != "village":
        raise not_found("village", code)
    detail = privacy.household_detail(current_user, unit["id"])
    helpers = pairing.helpers(unit["id"])
    layers: dict[str, object] = {"mq-outline": pairing.outlines(unit["id"])}
    if detail is not privacy.Detail.AGGREGATE:
        rows = pairing.households(unit["id"], privacy.field_rules(detail))
        layers["mq-pairing"] = {"type": "FeatureCollection", "features": [_feature(r) for r in rows]}
        layers["mq-helpers"] = helpers
        audit.record("view_pairing_map", code, households=len(rows))
        db.session.commit()
    fmap = base_map(bounds_of(unit), assets=local_assets(), lang=language(), **_basemap())
    return render_template(
        "work/pairing_map.html",
        area=unit,
        trail=areas.lineage(unit),
        map=page(fmap, layers),
        detail=detail,
        counts=pairing.counts(unit["id"]),
        colours=COLOURS,
        legend=[{"status": s, "color": c, "label": _("pairing " + s)} for s, c in COLOURS.items()],
        helpers=helpers,
        card_link=_link("pages.household"),
    )
