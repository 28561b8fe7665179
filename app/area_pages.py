"""The coloured map pages: the county overview, a township, an administrative village (#5, #13, #15).

Each page carries its chosen indicator's values and fetches its areas' outlines once
(`app.area_maps`); switching the indicator fetches only the new values and the page classes
and colours them itself. `?as_of=` shows the households as they were (#13); the demand layer
and its filters ride along (#12). The routes join the pages blueprint.
"""

from flask import current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from . import area_maps, disclosure, indicators, localtime, params, privacy, queries, tiles
from .demands import map as demand_map
from .errors import AppError, not_found
from .i18n import gettext as _
from .i18n import language
from .maps.choropleth import METHODS, format_value
from .maps.page import area_frame
from .pages import _as_of, _basemap, _count, _link, _withheld, bp, landing, local_assets
from .queries import areas

_CHILD_PAGE = {"county": "pages.area", "township": "pages.area", "village": "pages.natural_village"}
_MAP_LEVEL = {"county": "natural_village", "township": "village", "village": "natural_village"}


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
        "url": tiles.url_template() + (f"?as_of={as_of}" if as_of else ""),  # a past view's points too
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


@bp.get("/")
@login_required
def overview():
    """The county: every natural village coloured by the chosen indicator, townships outlined."""
    if not request.args and (start := landing()):
        return redirect(start)
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
