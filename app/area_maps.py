"""Coloured area maps, light at prefecture scale: outlines fetched once, values per indicator as small JSON.

A map page (the county overview, a township, a village) carries the chosen indicator's values;
its areas' simplified outlines come from ``/areas/<code>/shapes.json?v=<data version>``, which a
browser keeps until the data change. Switching the indicator fetches ``/areas/<code>/values.json``
(values keyed by area code, withheld for the reader as everywhere else); the page classes and
colours them itself (static/js/choropleth.js), so no switch reloads the page. Outlines, values and
tables are kept per process until the statistics are rebuilt; the values carry an ETag, so a
browser revalidates them for free.
"""

import hashlib
import json

from flask import Blueprint, Response, current_app, g, request, url_for
from flask_login import current_user, login_required

from . import disclosure, indicators, localtime, params, queries
from .errors import bad_parameter, not_found
from .i18n import Text
from .maps.choropleth import Classes, classify
from .queries import areas, map_areas, stats
from .tiles import TileCache

bp = Blueprint("area_maps", __name__)

_KEPT = 64  # outlines, value documents and tables kept per process
MINIMAP_PIXELS = 140  # the corner overview's width (static/js/minqing-map.js)


def _cache() -> TileCache:
    cache = current_app.extensions.get("area_maps")
    if cache is None:
        cache = current_app.extensions["area_maps"] = TileCache(_KEPT)
    return cache


def _version():
    """Return the statistics' version, asked once per request."""
    if "stats_version" not in g:
        g.stats_version = stats.version()
    return g.stats_version


def kept(key: tuple, build):
    """Return the cached value of `key` for the data's version, building it when missing.

    `key` holds everything else the value depends on (the area, the reader's disclosure scope …).
    """
    key = (_version(), *key)
    cache = _cache()
    value = cache.get(key)
    if value is None:
        value = build()
        cache.put(key, value)
    return value


def shapes(unit: dict) -> bytes:
    """Return the GeoJSON of the areas `unit`'s map colours (outlines, codes, names, households)."""
    return kept(("shapes", unit["code"]), lambda: map_areas.shapes(unit).encode())


def shapes_url(unit: dict) -> str:
    """Return the URL of `unit`'s outlines for the data as they are now (a browser may keep it)."""
    return url_for("area_maps.area_shapes", code=unit["code"], v=_version())


def outlines(unit: dict) -> str:
    """Return the townships' outlines simplified for `unit`'s map (the county's)."""
    tolerance, decimals = map_areas.simplification(unit)
    return kept(
        ("outlines", unit["code"]),
        lambda: map_areas.outlines(tolerance=tolerance, decimals=decimals),
    )


def values(unit: dict, indicator: indicators.Indicator, known: tuple, *, as_of=None) -> str:
    """Return the values document of `indicator` over `unit`'s map for a reader of disclosure scope `known`.

    ``{"indicator": key, "areas": {code: [value, count]}}``: value is the share (or mean) the map
    colours by, count the share's households (null for a mean); an area whose figures are withheld
    for this reader is null.
    """

    def build() -> str:
        rows = map_areas.values(unit, indicator, suppression=disclosure.for_scope(known), as_of=as_of)
        document = {
            "indicator": indicator.key,
            "areas": {code: None if hid else [_number(v), _number(n)] for code, v, n, hid in rows},
        }
        return json.dumps(document, ensure_ascii=False, separators=(",", ":"))

    return kept(("values", known, unit["code"], indicator.key, as_of), build)


def minimap() -> str:
    """Return the townships' outlines for the corner overview map, simplified to its pixels."""

    def build() -> str:
        tolerance, decimals = map_areas.simplification(queries.county(), pixels=MINIMAP_PIXELS)
        return map_areas.outlines(tolerance=tolerance, decimals=decimals)

    return kept(("minimap",), build)


def classes(unit: dict, indicator: indicators.Indicator, known: tuple, method: str, *, as_of=None) -> Classes:
    """Return the classes of `indicator` over `unit`'s map as the reader sees the values."""

    def build() -> Classes:
        shown = json.loads(values(unit, indicator, known, as_of=as_of))["areas"].values()
        return classify(indicator, [v[0] if v else None for v in shown], method=method)

    return kept(("classes", known, unit["code"], indicator.key, method, as_of), build)


def table(unit: dict, known: tuple, *, as_of=None) -> list[dict]:
    """Return `unit`'s children table (`queries.areas.children_table`) for a reader of scope `known`."""
    return kept(
        ("table", known, unit["code"], as_of),
        lambda: areas.children_table(unit, suppression=disclosure.for_scope(known), as_of=as_of),
    )


def _number(value):
    """Return a NUMERIC from PostgreSQL as a JSON number (int when whole)."""
    if value is None:
        return None
    number = float(value)
    return int(number) if number.is_integer() else number


def rows_json(rows: list[dict]) -> list[dict]:
    """Return table rows with their numbers as JSON numbers."""
    return [
        {
            k: _number(v) if k not in ("code", "name") and not isinstance(v, bool) else v
            for k, v in row.items()
        }
        for row in rows
    ]


def _unit(code: str) -> dict:
    unit = areas.area(params.code(code, what="township"))
    if unit is None or unit["level"] not in ("county", "township", "village"):
        raise not_found("county, township or village", code)
    return unit


@bp.get("/areas/<code>/shapes.json")
@login_required
def area_shapes(code: str):
    """The outlines of the areas an area's map colours, simplified for its first view.

    With ``v`` the data version the page was made from, the browser keeps them: the URL changes with
    the data. Outlines carry no indicator, so every reader gets the same.
    """
    params.only(request.args, ("v",))
    version = request.args.get("v", "")
    if version and not params.is_number(version):
        raise bad_parameter("v", version, Text("the data version the page gives"))
    unit = _unit(code)
    response = Response(shapes(unit), mimetype="application/geo+json")
    kept_for = "max-age=31536000, immutable" if version == str(_version()) else "no-cache"
    response.headers["Cache-Control"] = f"private, {kept_for}"
    return response


@bp.get("/areas/<code>/values.json")
@login_required
def area_values(code: str):
    """One indicator's values over an area's map, keyed by area code, as the reader may see them."""
    params.only(request.args, ("indicator", "as_of"))
    indicator = params.indicator(request.args)
    day = params.as_of(request.args, today=localtime.today())
    unit = _unit(code)
    known = disclosure.scope(current_user)
    body = values(unit, indicator, known, as_of=day and localtime.end_of(day))
    tag = hashlib.sha256(body.encode()).hexdigest()[:24]
    response = Response(body, mimetype="application/json")
    response.set_etag(tag)
    # Per reader (the scope decides what is withheld); revalidated against the data version.
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["Vary"] = "Cookie, Authorization"
    return response.make_conditional(request)
