"""Pages for people: drill down from the county to one household; search; the language switch."""

import datetime
import json

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from . import (
    area_maps,
    audit,
    basemap,
    disclosure,
    fields,
    file_versions,
    indicators,
    localtime,
    params,
    privacy,
    queries,
    tiles,
)
from .demands import map as demand_map
from .errors import AppError, not_found
from .extensions import db
from .i18n import LANGUAGES, Text, language
from .i18n import gettext as _
from .maps.choropleth import METHODS, format_value
from .maps.page import Assets, area_frame, base_map, bounds_of, page
from .printing.render import DEFAULT_INDICATORS as PRINT_DEFAULTS
from .queries import areas, pairing, places, timeline
from .work_models import MEASURE_KINDS

bp = Blueprint("pages", __name__)


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


def _as_of() -> tuple[datetime.date | None, datetime.datetime | None]:
    """Return the day `?as_of=` asks for and its last moment in the county, (None, None) for now."""
    day = params.as_of(request.args, today=localtime.today())
    return day, localtime.end_of(day) if day else None


def _render_area(area: dict, indicator, *, outlines: bool = False, as_of=None):
    """Render a map page of `area`'s children (natural villages for the county) coloured by `indicator`.

    The page carries the indicator's values and fetches its areas' outlines once (app.area_maps);
    switching the indicator fetches only the new values, and the page classes and colours them itself.
    `as_of` (a day) shows the households as they were at its end (#13).
    """
    lang = language()
    method = params.choice(request.args, "classes", METHODS)
    known = disclosure.scope(current_user)
    moment = as_of and localtime.end_of(as_of)
    values = area_maps.values(area, indicator, known, as_of=moment)
    classes = area_maps.classes(area, indicator, known, method, as_of=moment)
    rows = area_maps.table(area, known, as_of=moment)
    layers = {
        "mq-values": values,
        "mq-rows": area_maps.rows_json(rows),
        "mq-minimap": area_maps.minimap(),
    }
    if outlines:
        layers["mq-outlines"] = area_maps.outlines(area)
    base = _basemap()  # in the key: the frame's tile layers are the configured basemap's
    frame = area_maps.kept(
        ("frame", area["code"], lang, tuple(base["basemaps"]), base["attribution"]),
        lambda: area_frame(area, lang=lang, assets=local_assets(), **base),
    )
    map_page = frame.with_layers(layers)
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
    demand_layer = demand_map.tiles_layer(request.args, lang=lang)
    child_level = areas.CHILD_LEVEL[area["level"]]
    return render_template(
        "area.html",
        area=area,
        trail=areas.lineage(area),
        indicator=indicator,
        indicators=indicators.INDICATORS,
        map=map_page,
        switch=_switch(area, map_level, child_level, lang, as_of),
        map_level=map_level,
        map_link=_link("pages.natural_village" if map_level == "natural_village" else "pages.area"),
        row_link=_link(_CHILD_PAGE[area["level"]]),
        classes=classes,
        rows=rows,
        wide_rows=_wide_rows(rows, lang),
        child_level=child_level,
        tiles=tile_layer,
        demand_layer=demand_layer,
        method=method,
        methods=METHODS,
        fmt=lambda ind, value: format_value(ind, value, lang),
        count=_count,
        withheld=_withheld(),
        as_of=as_of,
        past=f"&as_of={as_of}" if as_of else "",  # a past view's links keep its day
        today=localtime.today(),
    )


def _switch(area: dict, map_level: str, child_level: str, lang: str, as_of) -> dict:
    """Return what the page's script needs to switch indicator and classes in place (in a past view)."""
    return {
        "values": url_for("area_maps.area_values", code=area["code"]),
        "past": f"&as_of={as_of}" if as_of else "",  # a past view's values and links keep its day
        "shapes": area_maps.shapes_url(area),
        "indicators": {
            i.key: {
                "label": i.label(lang),
                "kind": i.kind,
                "unit": i.unit_zh if lang == "zh" else i.unit_en,
                "colors": list(i.colors),
            }
            for i in indicators.INDICATORS
        },
        "text": {
            "name": _(map_level),
            "households": _("Households"),
            "legend": _("Legend"),
            "no_data": _("No data"),
            "count_of": _("count of " + map_level),
            "withheld": _("withheld"),
            "withheld_title": _withheld(),
            "total": _("Total"),
            "child_level": _(child_level),
            "all": _("All households"),
            "share": _("Share"),
            "mean": _("Mean"),
        },
    }


def _wide_rows(rows: list[dict], lang: str) -> list[dict]:
    """Return the every-indicator table's rows, formatted once: cells (count, share), (mean, None) or None.

    None is a withheld cell; the template only places the text.
    """

    def cell(row: dict, ind) -> tuple | None:
        if row.get(f"{ind.key}_suppressed"):
            return None
        if ind.kind == "share":
            return _count(row[ind.key]), format_value(ind, row[f"{ind.key}_share"], lang)
        return format_value(ind, row[ind.key], lang), None

    return [
        {
            "code": row["code"],
            "name": row["name"],
            "households": f"{row['households']:,}",
            "cells": [cell(row, ind) for ind in indicators.INDICATORS],
        }
        for row in rows
    ]


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
    params.only(request.args, ("indicator", "classes", "as_of", *demand_map.PARAMETERS))
    indicator = params.indicator(request.args)
    day, _ = _as_of()
    county = queries.county()
    if county is None:
        raise AppError(503, "NoData", _("No county is loaded yet. Run: flask --app app demo"))
    return _render_area(areas.area(county["code"]), indicator, outlines=True, as_of=day)


@bp.get("/areas/<code>")
@login_required
def area(code: str):
    """A township or administrative village: its children coloured by the chosen indicator."""
    params.only(request.args, ("indicator", "classes", "as_of", *demand_map.PARAMETERS))
    indicator = params.indicator(request.args)
    day, _ = _as_of()
    unit = areas.area(params.code(code, what="township"))
    if unit is None or unit["level"] not in ("township", "village"):
        raise not_found("township or village", code)
    return _render_area(unit, indicator, as_of=day)


@bp.get("/natural-villages/<code>")
@login_required
def natural_village(code: str):
    """A natural village: every household as a marker showing its flags, as the role allows (as of a day)."""
    params.only(request.args, ("indicator", "classes", "as_of"))
    day, as_of = _as_of()
    params.indicator(request.args)  # carried down from the maps above; validated, every flag is drawn
    unit = areas.area(params.code(code, what="natural village"))
    if unit is None or unit["level"] != "natural_village":
        raise not_found("natural village", code)
    detail = privacy.household_detail(current_user, unit["village_id"])
    lang = language()
    flags = privacy.household_flags(detail)
    layers: dict[str, object] = {
        "mq-outline": areas.area_geojson(unit),
        "mq-minimap": area_maps.minimap(),
    }
    rules = None
    if detail is not privacy.Detail.AGGREGATE:
        rules = privacy.field_rules(detail)
        collection = json.loads(queries.households_geojson(unit["id"], rules, flags=flags, as_of=as_of))
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
        card_link=_link("pages.household") + (f"?as_of={day}" if day else ""),
        print_defaults=PRINT_DEFAULTS,
        stats=areas.natural_village_stats(unit, suppression=disclosure.for_user(current_user), as_of=as_of),
        as_of=day,
        indicators=indicators.INDICATORS,
        fmt=lambda ind, value: format_value(ind, value, lang),
        count=_count,
        withheld=_withheld(),
        demand_legend=demand_legend,
    )


@bp.get("/households/<code>")
@login_required
def household(code: str):
    """One household's card, as the role allows (as it was on `?as_of=` when asked), with its timeline."""
    params.only(request.args, ("as_of",))
    day, as_of = _as_of()

    def rules_for(village_id: int):
        detail = privacy.household_detail(current_user, village_id)
        return None if detail is privacy.Detail.AGGREGATE else privacy.field_rules(detail)

    record = areas.household(code, rules_for, as_of=as_of)
    if record is None:
        raise not_found("household", code)
    if not record["visible"]:
        raise AppError(403, "Forbidden", _("You may not see this.") + f" ({code})")
    lang = language()
    rules = privacy.field_rules(privacy.household_detail(current_user, record["village_id"]))
    notes = rules[privacy.VISIT_NOTES] is privacy.Rule.SHOW
    # Read with the record, before the audit's write sends this request's reads to the primary (#15): the
    # card, its versions and its timeline come from the same database.
    versions = file_versions.entries(record["id"], rules, lang)
    events = timeline.household_timeline(
        record["id"],
        today=localtime.today(),
        demands=privacy.may_read_demand(current_user, record["village_id"]),
        work=privacy.work_scope(current_user) is not None,
        notes=notes,
        lang=lang,
    )
    audit.record("view_household", code, **({"as_of": str(day)} if day else {}))
    # What a family asked is read here as on the demand's page, and audited alike.
    for demand in (e["ref"] for e in events if e["kind"] == "demand"):
        audit.record("view_demand", str(demand), via="household")
    db.session.commit()
    unit = areas.area(record["natural_village_code"])
    labels = fields.labels(lang)
    shown = [(label, fields.display(k, record[k], lang)) for k, label in labels.items() if k in record]
    return render_template(
        "household.html",
        record=record,
        fields=shown,
        trail=areas.lineage(unit),
        events=events,
        notes=notes,
        measures=pairing.measures(record["id"]),
        enter_measures=privacy.may_enter_measures(current_user, record["village_id"]),
        kinds=MEASURE_KINDS,
        versions=versions,
        as_of=day,
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
