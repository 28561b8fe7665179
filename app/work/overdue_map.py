"""A cadre's households due for a visit on a map (#11): never visited, not in six months, once in a year."""

from flask import render_template, request
from flask_login import login_required

from ..i18n import gettext as _
from ..i18n import language
from ..maps.page import base_map, bounds_of, page
from ..pages import _basemap, _link, local_assets
from ..queries import areas, pairing, work_lists
from . import bp
from .lists import due

# Why a household is due -> its colour; the legend lists them in this order (most urgent first).
COLOURS = {"never": "#b2182b", "half_year": "#ef8a62", "once": "#fddbc7"}


def _feature(row: dict) -> dict:
    lon, lat = row.pop("lon"), row.pop("lat")
    properties = {"code": row["code"], "head_name": row.get("head_name"), "status": row["reason"]}
    geometry = {"type": "Point", "coordinates": [lon, lat]}
    return {"type": "Feature", "geometry": geometry, "properties": properties}


@bp.get("/overdue-map")
@login_required
def overdue_map():
    """The households of a cadre's patch due for a visit, coloured by why, over the village's map."""
    cadre, rows, near = due("view_overdue_map")
    counts = {reason: sum(r["reason"] == reason for r in rows) for reason in COLOURS}
    features = {"type": "FeatureCollection", "features": [_feature(dict(r)) for r in rows]}
    outline = pairing.outlines(cadre["village_id"])
    village = areas.area(cadre["village_code"])
    fmap = base_map(bounds_of(village), assets=local_assets(), lang=language(), **_basemap())
    return render_template(
        "work/overdue_map.html",
        cadre=cadre,
        map=page(fmap, {"mq-outline": outline, "mq-overdue": features}),
        counts=counts,
        patch=work_lists.patch_size(cadre["id"]),
        colours=COLOURS,
        legend=[{"status": s, "color": c, "label": _("due " + s)} for s, c in COLOURS.items()],
        near=near,
        own=request.args.get("cadre"),
        card_link=_link("pages.household"),
    )
