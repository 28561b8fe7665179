"""Pages for people: drill down from the county to one household; search; the language switch."""

import json

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from . import audit, basemap, disclosure, fields, indicators, params, privacy, queries, tiles
from .demands import map as demand_map
from .errors import AppError, not_found
from .extensions import db
from .i18n import LANGUAGES, Text, language
from .i18n import gettext as _
from .maps.choropleth import METHODS, format_value
from .maps.page import Assets, area_map, base_map, bounds_of, page
from .models import RELATIONS
from .printing.render import DEFAULT_INDICATORS as PRINT_DEFAULTS
from .queries import areas, members, pairing, places, work_lists
from .work_models import MEASURE_KINDS

bp = Blueprint("pages", __name__)

# Decimals of the corner overview's outlines: 1e-3 degree (about 100 m) is plenty at its scale.
MINIMAP_PRECISION = 3


def local_assets() -> Assets:
    """Return Leaflet and its plugins as served by this app, so the page works with no internet."""

    def files(*paths: str):
        return tuple(
            (path.rsplit("/", 1)[-1], url_for("static", filename=f"vendor/{path}")) for path in paths
        )

    return Assets(
        js=files("leaflet/leaflet.js", "leaflet-minimap/Control.MiniMap.min.js"),
        css=files("leaflet/leaflet.css", "leaflet-minimap/Control.MiniMap.min.css"),
        plugins={
            "Fullscreen": (
                files("leaflet.fullscreen/Control.FullScreen.js"),
                files("leaflet.fullscreen/Control.FullScreen.css"),
            ),
            "MeasureControl": (
                files("leaflet-measure/leaflet-measure.min.js"),
                files("leaflet-measure/leaflet-measure.css"),
            ),
            "LocateControl": (
                files("leaflet.locatecontrol/L.Control.Locate.min.js"),
                files("leaflet.locatecontrol/L.Control.Locate.min.css"),
            ),
        },
    )


def _basemap() -> dict:
    return {"basemaps": basemap.layer_urls(), "attribution": current_app.config["BASEMAP_ATTRIBUTION"]}


def _link(endpoint: str) -> str:
    """Return the URL of `endpoint` with a literal {code} for the page's script to fill."""
    return url_for(endpoint, code="CODE").replace("CODE", "{code}")


# Per level shown: the endpoint of its children (table rows) and the level of the map's areas.
_CHILD_PAGE = {"county": "pages.area", "township": "pages.area", "village": "pages.natural_village"}
_MAP_LEVEL = {"county": "natural_village", "township": "village", "village": "natural_village"}


def _render_area(area: dict, indicator, areas_geojson: str, suppression, *, outlines=None):
    lang = language()
    method = params.choice(request.args, "classes", METHODS)
    map_page, classes = area_map(
        area,
        areas_geojson,
        indicator,
        lang=lang,
        method=method,
        assets=local_assets(),
        outlines=outlines,
        minimap=queries.townships_geojson(precision=MINIMAP_PRECISION),
        **_basemap(),
    )
    map_level = _MAP_LEVEL[area["level"]]
    detail, _villages = privacy.household_scope(current_user)
    tile_layer = {
        "url": tiles.url_template(),
        "flags": [
            {"key": i.key, "color": i.symbol, "mark": i.mark, "ink": i.mark_colour}
            for i in privacy.household_flags(detail)
        ],
        "min_zoom": current_app.config["TILE_POINT_MIN_ZOOM"],
        "card": _link("pages.household"),
    }
    return render_template(
        "area.html",
        area=area,
        trail=areas.lineage(area),
        indicator=indicator,
        indicators=indicators.INDICATORS,
        map=map_page,
        tooltip={"name": _(map_level), "households": _("Households"), "value": indicator.label(lang)},
        map_level=map_level,
        map_link=_link("pages.natural_village" if map_level == "natural_village" else "pages.area"),
        row_link=_link(_CHILD_PAGE[area["level"]]),
        classes=classes,
        rows=areas.children_table(area, suppression=suppression),
        child_level=areas.CHILD_LEVEL[area["level"]],
        tiles=tile_layer,
        method=method,
        methods=METHODS,
        fmt=lambda ind, value: format_value(ind, value, lang),
        count=_count,
        withheld=_withheld(),
    )


def _count(value) -> str:
    """Return a household count as a page shows it; a withheld one (None) as "withheld"."""
    return _("withheld") if value is None else f"{value:,}"


def _withheld() -> str:
    """Return what "withheld" means, with the threshold in force."""
    k = current_app.config["DISCLOSURE_MIN_COUNT"]
    return _(
        "fewer than {k} households have it, or fewer than {k} could have it and do not, "
        "or it could be worked out from the figures shown; withheld to protect the families"
    ).format(k=k)


@bp.get("/")
@login_required
def overview():
    """The county: every natural village coloured by the chosen indicator, townships outlined."""
    if not request.args and _assigned_villages():
        return redirect(url_for("pages.mine"))
    params.only(request.args, ("indicator", "classes"))
    indicator = params.indicator(request.args)
    county = queries.county()
    if county is None:
        raise AppError(503, "NoData", _("No county is loaded yet. Run: flask --app app demo"))
    county = areas.area(county["code"])
    suppression = disclosure.for_user(current_user)
    return _render_area(
        county,
        indicator,
        queries.natural_villages_geojson(suppression=suppression, only=[indicator]),
        suppression,
        outlines=queries.townships_geojson(),
    )


@bp.get("/areas/<code>")
@login_required
def area(code: str):
    """A township or administrative village: its children coloured by the chosen indicator."""
    params.only(request.args, ("indicator", "classes"))
    indicator = params.indicator(request.args)
    unit = areas.area(params.code(code, what="township"))
    if unit is None or unit["level"] not in ("township", "village"):
        raise not_found("township or village", code)
    suppression = disclosure.for_user(current_user)
    areas_geojson = areas.children_geojson(unit, suppression=suppression, only=[indicator])
    return _render_area(unit, indicator, areas_geojson, suppression)


@bp.get("/natural-villages/<code>")
@login_required
def natural_village(code: str):
    """A natural village: every household as a marker showing its flags, as the role allows."""
    params.only(request.args, ("indicator", "classes"))
    params.indicator(request.args)  # carried down from the maps above; validated, every flag is drawn
    unit = areas.area(params.code(code, what="natural village"))
    if unit is None or unit["level"] != "natural_village":
        raise not_found("natural village", code)
    detail = privacy.household_detail(current_user, unit["village_id"])
    lang = language()
    flags = privacy.household_flags(detail)
    layers: dict[str, object] = {
        "mq-outline": areas.area_geojson(unit),
        "mq-minimap": queries.townships_geojson(precision=MINIMAP_PRECISION),
    }
    rules = None
    if detail is not privacy.Detail.AGGREGATE:
        rules = privacy.field_rules(detail)
        collection = json.loads(queries.households_geojson(unit["id"], rules, flags=flags))
        for feature in collection["features"]:
            feature["properties"] = fields.readable(feature["properties"], lang)
        layers["mq-households"] = collection
        audit.record("view_households", code, detail=detail.name.lower())
        db.session.commit()
    demand_legend = demand_map.layer(unit, layers, lang=lang)
    map_page = page(base_map(bounds_of(unit), assets=local_assets(), lang=lang, **_basemap()), layers)
    legend = [
        {"key": i.key, "label": i.label(lang), "color": i.symbol, "mark": i.mark, "ink": i.mark_colour}
        for i in flags
    ]
    return render_template(
        "natural_village.html",
        area=unit,
        trail=areas.lineage(unit),
        map=map_page,
        detail=detail,
        legend=legend,
        card_labels=fields.labels(lang, rules),
        card_link=_link("pages.household"),
        print_defaults=PRINT_DEFAULTS,
        stats=areas.natural_village_stats(unit, suppression=disclosure.for_user(current_user)),
        indicators=indicators.INDICATORS,
        fmt=lambda ind, value: format_value(ind, value, lang),
        count=_count,
        withheld=_withheld(),
        demand_legend=demand_legend,
    )


@bp.get("/households/<code>")
@login_required
def household(code: str):
    """One household's card, as the role allows."""
    params.only(request.args)

    def rules_for(village_id: int):
        detail = privacy.household_detail(current_user, village_id)
        return None if detail is privacy.Detail.AGGREGATE else privacy.field_rules(detail)

    record = areas.household(code, rules_for)
    if record is None:
        raise not_found("household", code)
    if not record["visible"]:
        raise AppError(403, "Forbidden", _("You may not see this.") + f" ({code})")
    audit.record("view_household", code)
    db.session.commit()
    unit = areas.area(record["natural_village_code"])
    lang = language()
    labels = fields.labels(lang)
    shown = [(label, fields.display(k, record[k], lang)) for k, label in labels.items() if k in record]
    rules = privacy.field_rules(privacy.household_detail(current_user, record["village_id"]))
    notes = rules[privacy.VISIT_NOTES] is privacy.Rule.SHOW
    visits = work_lists.recent_visits(record["id"], notes=notes)
    return render_template(
        "household.html",
        record=record,
        fields=shown,
        trail=areas.lineage(unit),
        visits=visits,
        notes=notes,
        measures=pairing.measures(record["id"]),
        enter_measures=privacy.may_enter_measures(current_user, record["village_id"]),
        kinds=MEASURE_KINDS,
        members=members.members_of(record["id"], rules),
        edit_members=privacy.may_edit_members(current_user, record["village_id"]),
        relations=RELATIONS,
    )


def _assigned_villages() -> frozenset[int]:
    """Return the villages a cadre is assigned to (none for other roles, who see the county)."""
    return current_user.village_ids if current_user.role_name == "cadre" else frozenset()


@bp.get("/mine")
@login_required
def mine():
    """A cadre's own villages and their natural villages: where a cadre starts, not the county."""
    params.only(request.args, ())
    ids = _assigned_villages()
    villages = places.villages(ids)
    hamlets = places.natural_villages(ids)
    for village in villages:
        village["natural_village_rows"] = [h for h in hamlets if h["village_code"] == village["code"]]
    return render_template("mine.html", villages=villages, default_indicator=indicators.DEFAULT)


@bp.get("/search")
@login_required
def search():
    """Find places by name or code, and households by code or (where the role shows names) head's name."""
    params.only(request.args, ("q",))
    query = request.args.get("q", "").strip()  # app.entry has refused control characters and floods
    detail, villages = privacy.household_scope(current_user)
    shown = detail is not privacy.Detail.AGGREGATE
    by_name = shown and privacy.field_rules(detail)["head_name"] is privacy.Rule.SHOW
    found_places, results = [], []
    if query:
        found_places = places.search(query, limit=20)
    if query and shown:
        results = areas.search_households(
            query, rules=privacy.field_rules(detail), by_name=by_name, villages=villages, limit=50
        )
        audit.record("search", query[:100], results=len(results))
        db.session.commit()
    return render_template(
        "search.html",
        query=query,
        places=found_places,
        results=results,
        by_name=by_name,
        households_shown=shown,
    )


@bp.get("/lang/<code>")
def set_language(code: str):
    if code not in LANGUAGES:
        raise AppError(
            404,
            "NotFound",
            Text("language {code!r} is not offered ({offered})", code=code, offered=", ".join(LANGUAGES)),
        )
    session["lang"] = code
    back = request.referrer or ""
    return redirect(back if back.startswith(request.host_url) else url_for("pages.overview"))
