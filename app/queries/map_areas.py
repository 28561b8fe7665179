"""The areas a map page colours: their outlines, simplified once per page, and one indicator's values.

A map page draws its areas once, with outlines simplified to about a pixel of its first view;
switching the indicator or the classes reads only the values, keyed by area code, from the
statistics view `natural_village_stats`, so neither touches the household table.
"""

import math

from sqlalchemy import text

from .. import indicators
from ..extensions import db
from ..suppression import Suppression
from . import _rollup, _values, stats
from .disclosure import Hide, disclosure_params

# Per level shown: the alias (over natural_village nv, admin_unit v, admin_unit t) whose rows
# the map colours, and the condition that keeps them to the area shown.
_AREAS = {
    "county": ("nv", "t.parent_id = :parent"),
    "township": ("v", "v.parent_id = :parent"),
    "village": ("nv", "nv.village_id = :parent"),
}
_FROM = """natural_village nv
        JOIN admin_unit v ON v.id = nv.village_id
        JOIN admin_unit t ON t.id = v.parent_id
        LEFT JOIN {stats} s ON s.natural_village_id = nv.id"""
# The households of the areas a map colours, for statistics computed as of a past day.
_HOUSEHOLDS = """WHERE h.natural_village_id IN (
    SELECT nv.id FROM natural_village nv JOIN admin_unit v ON v.id = nv.village_id
    JOIN admin_unit t ON t.id = v.parent_id WHERE {where})"""

# The first view is about this many pixels across: outlines keep what one pixel shows.
VIEW_PIXELS = 1200


def simplification(unit: dict, *, pixels: int = VIEW_PIXELS) -> tuple[float, int]:
    """Return the tolerance (degrees) and decimals of about one pixel on a map of `unit` `pixels` wide."""
    span = max(unit["east"] - unit["west"], unit["north"] - unit["south"], 1e-6)
    tolerance = span / pixels
    return tolerance, max(2, math.ceil(-math.log10(tolerance)))


def shapes(unit: dict) -> str:
    """Return the areas `unit`'s map colours as GeoJSON: outline, code, name and households only.

    Outlines are simplified to about a pixel of the map's first view (`simplification`).
    """
    alias, where = _AREAS[unit["level"]]
    tolerance, decimals = simplification(unit)
    sql = f"""
        WITH a AS (
            SELECT {alias}.code, {alias}.name, {alias}.geom, coalesce(sum(s.households), 0) AS households
            FROM {_FROM.format(stats=stats.TABLE)}
            WHERE {where}
            GROUP BY {alias}.id)
        SELECT json_build_object(
            'type', 'FeatureCollection',
            'features', coalesce(json_agg(json_build_object(
                'type', 'Feature',
                'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(a.geom, :tolerance), {decimals})::json,
                'properties', json_build_object('code', a.code, 'name', a.name, 'households', a.households))
                ORDER BY a.code), '[]'::json))::text
        FROM a"""
    return db.session.execute(text(sql), {"parent": unit["id"], "tolerance": tolerance}).scalar_one()


def outlines(*, tolerance: float, decimals: int) -> str:
    """Return the townships' outlines, simplified by `tolerance` degrees, with names and label points."""
    return db.session.execute(
        text(f"""
            SELECT json_build_object(
                'type', 'FeatureCollection',
                'features', coalesce(json_agg(json_build_object(
                    'type', 'Feature',
                    'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom, :tolerance), {decimals})::json,
                    'properties', json_build_object(
                        'code', code, 'name', name,
                        'label_x', round(ST_X(ST_PointOnSurface(geom))::numeric, 5),
                        'label_y', round(ST_Y(ST_PointOnSurface(geom))::numeric, 5)))
                    ORDER BY code), '[]'::json))::text
            FROM admin_unit WHERE level = 'township'"""),
        {"tolerance": tolerance},
    ).scalar_one()


def values(
    unit: dict, indicator: indicators.Indicator, *, suppression: Suppression, as_of=None
) -> list[tuple]:
    """Return (code, value, count, withheld) of every area `unit`'s map colours, by code (as of `as_of`).

    The value is the share (or the mean) the map colours by; the count is the share's number of
    households (None for a mean). Both are None, and withheld true, where `suppression` (the
    reader's) withholds them.
    """
    alias, where = _AREAS[unit["level"]]
    hide = Hide(suppression, "x.id", "natural_village" if alias == "nv" else "unit")
    published = dict(_values("x", [indicator], hide=hide))
    share = indicator.kind == "share"
    value = published[f"{indicator.key}_share" if share else indicator.key]
    count = published[indicator.key] if share else "NULL"
    withheld = published.get(f"{indicator.key}_suppressed", "false")
    sql = f"""
        SELECT x.code, {value} AS value, {count} AS count, {withheld} AS withheld
        FROM (SELECT {alias}.id, {alias}.code, {_rollup("s", [indicator])}
              FROM {_FROM.format(stats=stats.source(as_of, _HOUSEHOLDS.format(where=where), [indicator]))}
              WHERE {where}
              GROUP BY {alias}.id) x
        ORDER BY x.code"""
    params = {"parent": unit["id"], **disclosure_params(suppression)}
    return [tuple(r) for r in db.session.execute(text(sql), params)]
