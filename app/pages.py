"""Pages for people: the county overview, and the language switch."""

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import login_required

from . import indicators, params, queries
from .errors import AppError
from .i18n import LANGUAGES, language
from .i18n import gettext as _
from .maps.choropleth import format_value
from .maps.overview import Assets
from .maps.overview import overview as overview_map

bp = Blueprint("pages", __name__)


def local_assets() -> Assets:
    """Return Leaflet as served by this app, so the page works with no internet."""
    return Assets(
        js=(("leaflet", url_for("static", filename="vendor/leaflet/leaflet.js")),),
        css=(("leaflet_css", url_for("static", filename="vendor/leaflet/leaflet.css")),),
    )


@bp.get("/")
@login_required
def overview():
    params.only(request.args, ("indicator",))
    indicator = params.indicator(request.args)
    county = queries.county()
    if county is None:
        raise AppError(503, "NoData", _("No county is loaded yet. Run: flask --app app demo"))
    lang = language()
    page, classes = overview_map(
        county,
        queries.natural_villages_geojson(only=[indicator]),
        queries.townships_geojson(),
        indicator,
        lang=lang,
        assets=local_assets(),
        basemap=current_app.config["BASEMAP_URL"],
        attribution=current_app.config["BASEMAP_ATTRIBUTION"],
    )
    labels = {
        "name": _("Natural village"),
        "village": _("Village"),
        "township": _("Township"),
        "households": _("Households"),
        "value": indicator.label(lang),
    }
    return render_template(
        "overview.html",
        county=county,
        indicator=indicator,
        indicators=indicators.INDICATORS,
        map=page,
        labels=labels,
        classes=classes,
        rows=queries.township_table(),
        fmt=lambda ind, value: format_value(ind, value, lang),
    )


@bp.get("/lang/<code>")
def set_language(code: str):
    if code not in LANGUAGES:
        raise AppError(404, "NotFound", f"language {code!r} is not offered ({', '.join(LANGUAGES)})")
    session["lang"] = code
    back = request.referrer or ""
    return redirect(back if back.startswith(request.host_url) else url_for("pages.overview"))
