"""Drill-down: an area, its lineage, its children with statistics, one household.

Levels go county → township → village → natural village → household. Every
child's statistics are rolled up from per-natural-village aggregates, limited
to the parent's households so a village page reads only that village's rows.
"""

import datetime
from collections.abc import Iterable

from sqlalchemy import text

from .. import indicators
from ..extensions import db
from ..privacy import Rule
from ..suppression import Suppression
from . import (
    POINT_PRECISION,
    POLYGON_PRECISION,
    _rollup,
    _values,
    asof,
    household_fields,
    stats,
)
from .disclosure import Hide, disclosure_params

CHILD_LEVEL = {"county": "township", "township": "village", "village": "natural_village"}

# Per parent level: the alias whose rows are the children (over natural_village nv,
# admin_unit v, admin_unit t joined below), the children's condition, and the households'
# condition that keeps an as-of aggregate (computed from history) to the parent's own rows.
_CHILDREN = {
    "county": ("t", "t.parent_id = :parent", ""),
    "township": (
        "v",
        "v.parent_id = :parent",
        """WHERE h.natural_village_id IN (
               SELECT nv.id FROM natural_village nv JOIN admin_unit v ON v.id = nv.village_id
               WHERE v.parent_id = :parent)""",
    ),
    "village": (
        "nv",
        "nv.village_id = :parent",
        "WHERE h.natural_village_id IN (SELECT id FROM natural_village WHERE village_id = :parent)",
    ),
}


def area(code: str) -> dict | None:
    """Return the administrative unit or natural village coded `code` with its CRS84 bounds, or None."""
    row = (
        db.session.execute(
            text("""
            SELECT id, code, name, level, parent_id, village_id,
                   ST_XMin(geom) AS west, ST_YMin(geom) AS south,
                   ST_XMax(geom) AS east, ST_YMax(geom) AS north
            FROM (
                SELECT id, code, name, level, parent_id, NULL::int AS village_id, geom
                FROM admin_unit WHERE code = :code
                UNION ALL
                SELECT id, code, name, 'natural_village', village_id, village_id, geom
                FROM natural_village WHERE code = :code) a"""),
            {"code": code},
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def lineage(unit: dict) -> list[dict]:
    """Return the areas from the county down to `unit` (a row from `area`), each with code, name, level."""
    start = unit["parent_id"] if unit["level"] == "natural_village" else unit["id"]
    rows = db.session.execute(
        text("""
            WITH RECURSIVE up AS (
                SELECT id, code, name, level, parent_id, 0 AS depth FROM admin_unit WHERE id = :id
                UNION ALL
                SELECT a.id, a.code, a.name, a.level, a.parent_id, up.depth + 1
                FROM admin_unit a JOIN up ON a.id = up.parent_id)
            SELECT code, name, level FROM up ORDER BY depth DESC"""),
        {"id": start},
    ).mappings()
    chain = [dict(r) for r in rows]
    if unit["level"] == "natural_village":
        chain.append({"code": unit["code"], "name": unit["name"], "level": "natural_village"})
    return chain


def _children(
    unit: dict, only: Iterable[indicators.Indicator], as_of: datetime.datetime | None = None
) -> str:
    """Return SQL for `unit`'s children with their geometry and aggregates rolled up.

    From the statistics table, or computed from history as of `as_of` (app.queries.stats.source).
    """
    alias, where, households = _CHILDREN[unit["level"]]
    source = stats.source(as_of, households, only)
    return f"""
        SELECT {alias}.id, {alias}.code, {alias}.name, {alias}.geom, {_rollup("s", only)}
        FROM natural_village nv
        JOIN admin_unit v ON v.id = nv.village_id
        JOIN admin_unit t ON t.id = v.parent_id
        LEFT JOIN {source} s ON s.natural_village_id = nv.id
        WHERE {where}
        GROUP BY {alias}.id"""


def _child_hide(unit: dict, suppression: Suppression, alias: str) -> Hide:
    """Return how the sensitive counts of `unit`'s children (rows of `alias`) are withheld."""
    level = "natural_village" if CHILD_LEVEL[unit["level"]] == "natural_village" else "unit"
    return Hide(suppression, f"{alias}.id", level)


def children_table(
    unit: dict, *, suppression: Suppression, as_of: datetime.datetime | None = None
) -> list[dict]:
    """Return one row per child of `unit` with every indicator's values, then the total (code None).

    Values are the households' as they were at `as_of` when given.

    Sensitive counts are withheld as `suppression` (the reader's) says, the total's as `unit`'s.
    """

    def values(hide: Hide) -> str:
        return ", ".join(f"{sql} AS {name}" for name, sql in _values("x", hide=hide))

    child, total = _child_hide(unit, suppression, "x"), Hide(suppression, "CAST(:parent AS integer)", "unit")
    sql = f"""
        WITH c AS ({_children(unit, indicators.INDICATORS, as_of)})
        SELECT * FROM (
            SELECT x.code, x.name, {values(child)} FROM c x ORDER BY x.code) rows
        UNION ALL
        SELECT NULL, NULL, {values(total)} FROM (SELECT {_rollup("c")} FROM c) x"""
    params = {"parent": unit["id"], **disclosure_params(suppression)}
    return [dict(r) for r in db.session.execute(text(sql), params).mappings()]


def household(code: str, rules_for, *, as_of: datetime.datetime | None = None) -> dict | None:
    """Return one household as the privacy rules allow, or None when it does not exist (did not, at `as_of`).

    Parameters
    ----------
    rules_for
        Called with the household's administrative village id; returns the field
        rules, or None when the user may see no household there.
    as_of
        The household as it was at this moment; now when None.
    """
    households = asof.households(as_of)
    place = (
        db.session.execute(
            text(f"""
            SELECT h.id, nv.village_id, nv.code AS natural_village_code, nv.name AS natural_village_name,
                   ST_X(h.geom) AS lon, ST_Y(h.geom) AS lat
            FROM {households} h JOIN natural_village nv ON nv.id = h.natural_village_id
            WHERE h.code = :code"""),
            {"code": code},
        )
        .mappings()
        .first()
    )
    if place is None:
        return None
    rules: dict[str, Rule] | None = rules_for(place["village_id"])
    if rules is None:
        return {**place, "visible": False}
    fields = ", ".join(f"{sql} AS {name}" for name, sql in [*household_fields(rules), *asof.YEARS_SQL])
    row = db.session.execute(text(f"SELECT {fields} FROM {households} h WHERE id = :id"), {"id": place["id"]})
    return {
        **place,
        "lon": round(place["lon"], POINT_PRECISION),
        "lat": round(place["lat"], POINT_PRECISION),
        "visible": True,
        **row.mappings().one(),
    }


def area_geojson(unit: dict) -> str:
    """Return the outline of a natural village and its neighbours' as GeoJSON (own first)."""
    return db.session.execute(
        text(f"""
            SELECT json_build_object('type', 'FeatureCollection', 'features', json_agg(json_build_object(
                'type', 'Feature', 'id', n.code,
                'geometry', ST_AsGeoJSON(n.geom, {POLYGON_PRECISION})::json,
                'properties', json_build_object('code', n.code, 'name', n.name, 'own', n.id = :id))
                ORDER BY n.id <> :id, n.code))::text
            FROM natural_village own
            JOIN natural_village n ON ST_Intersects(n.geom, own.geom)
            WHERE own.id = :id"""),
        {"id": unit["id"]},
    ).scalar_one()


def natural_village_stats(
    unit: dict, *, suppression: Suppression, as_of: datetime.datetime | None = None
) -> dict:
    """Return every indicator's values over one natural village's households (withheld per `suppression`).

    Over the households as they were at `as_of` when given.
    """
    hide = Hide(suppression, "CAST(:id AS integer)", "natural_village")
    values = ", ".join(f"{sql} AS {name}" for name, sql in _values("s", hide=hide))
    source = stats.source(as_of, "WHERE h.natural_village_id = :id")
    sql = f"SELECT {values} FROM {source} s WHERE s.natural_village_id = :id"
    params = {"id": unit["id"], **disclosure_params(suppression)}
    row = db.session.execute(text(sql), params).mappings().first()
    return dict(row) if row else {"households": 0}


def search_households(
    query: str, *, rules: dict[str, Rule], by_name: bool, villages: frozenset[int] | None, limit: int
) -> list[dict]:
    """Find households whose code starts with `query`, or (when `by_name`) whose head is named so.

    Parameters
    ----------
    villages
        Only households in these administrative villages; anywhere when None.
    """
    fields = ", ".join(
        f"h.{sql} AS {name}" if sql == name else f"{sql} AS {name}"
        for name, sql in household_fields(rules)
        if name in ("code", "head_name")
    )
    match = "h.code LIKE :prefix"
    if by_name:
        match += " OR h.head_name LIKE :prefix"
    scope = "AND nv.village_id = ANY(:villages)" if villages is not None else ""
    rows = db.session.execute(
        text(f"""
            SELECT {fields}, nv.code AS natural_village_code, nv.name AS natural_village_name
            FROM household h JOIN natural_village nv ON nv.id = h.natural_village_id
            WHERE ({match}) {scope}
            ORDER BY h.code LIMIT :limit"""),
        {
            "prefix": query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%",
            "villages": sorted(villages or ()),
            "limit": limit,
        },
    ).mappings()
    return [dict(r) for r in rows]
