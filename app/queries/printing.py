"""Spatial SQL behind printed maps: one natural village's sheet, its households, an atlas's index.

Geometries leave the database already projected to a CGCS2000 3-degree
Gauss-Kruger zone (metres), so a printed scale is true; the zone is the one
whose central meridian is nearest the printed area. Household fields follow
the privacy rules through `app.queries.household_fields`, so a masked name is
masked in SQL and its clear value never reaches the renderer.
"""

import datetime
from collections.abc import Iterable

import shapely
from sqlalchemy import text

from .. import indicators, localtime
from ..extensions import db
from ..privacy import Rule
from . import asof, household_fields

# CGCS2000 3-degree Gauss-Kruger zones with central meridians 75E..135E are
# EPSG:4534..4554, so the code is 4509 + the central meridian / 3.
_GK_ZONE_SQL = "(4509 + round(ST_X(ST_Centroid({geom})) / 3))::int"

# Neighbours are fetched within this many extents of the natural village on
# every side: enough to fill a page whose frame is wider than the village.
_NEIGHBOUR_REACH = 1.5


def _geometry(wkb: bytes | memoryview | None):
    return None if wkb is None else shapely.from_wkb(bytes(wkb))


def natural_village_sheet(code: str, *, srid: int | None = None) -> dict | None:
    """Return what a printed page of natural village `code` shows around its households, or None.

    Parameters
    ----------
    code
        The natural village's 14-digit code.
    srid
        The projected CRS to return geometries in; the nearest Gauss-Kruger zone when None
        (an atlas passes one zone for all its pages).

    Returns
    -------
    dict
        ``id, code, name, village_id, village_code, village, township_code, township, county,
        srid, geom`` (shapely, metres), ``neighbours`` (list of ``code, name, geom``) and
        ``data_date`` (the last time one of its households changed).
    """
    row = (
        db.session.execute(
            text(f"""
            WITH nv AS (
                SELECT nv.*, coalesce(:srid, {_GK_ZONE_SQL.format(geom="nv.geom")}) AS srid
                FROM natural_village nv WHERE nv.code = :code)
            SELECT nv.id, nv.code, nv.name, nv.srid, v.id AS village_id, v.code AS village_code,
                   v.name AS village, t.code AS township_code, t.name AS township,
                   c.name AS county, ST_AsBinary(ST_Transform(nv.geom, nv.srid)) AS geom,
                   ((SELECT max(h.updated_at) FROM household h
                     WHERE h.natural_village_id = nv.id) AT TIME ZONE :zone)::date AS data_date
            FROM nv
            JOIN admin_unit v ON v.id = nv.village_id
            LEFT JOIN admin_unit t ON t.id = v.parent_id
            LEFT JOIN admin_unit c ON c.id = t.parent_id"""),
            {"code": code, "srid": srid, "zone": localtime.zone().key},
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    sheet = dict(row)
    sheet["geom"] = _geometry(sheet["geom"])
    sheet["neighbours"] = _neighbours(sheet["id"], sheet["srid"])
    return sheet


def _neighbours(natural_village_id: int, srid: int) -> list[dict]:
    """Return the natural villages near `natural_village_id` (not itself), projected to `srid`."""
    rows = db.session.execute(
        text(f"""
            WITH me AS (SELECT geom, ST_Envelope(geom) AS box FROM natural_village WHERE id = :id),
            reach AS (
                SELECT ST_Expand(box, {_NEIGHBOUR_REACH} * greatest(
                    ST_XMax(box) - ST_XMin(box), ST_YMax(box) - ST_YMin(box))) AS box
                FROM me)
            SELECT nv.code, nv.name, ST_AsBinary(ST_Transform(nv.geom, :srid)) AS geom
            FROM natural_village nv, reach
            WHERE nv.geom && reach.box AND nv.id <> :id
            ORDER BY nv.code"""),
        {"id": natural_village_id, "srid": srid},
    ).mappings()
    return [{"code": r["code"], "name": r["name"], "geom": _geometry(r["geom"])} for r in rows]


def _flag_sql(rules: dict[str, Rule], only: Iterable[indicators.Indicator]) -> str:
    """Return an SQL text[] of the keys of `only` a household matches, leaving out what `rules` hide."""
    cases = [
        f"CASE WHEN {i.sql} THEN '{i.key}' END"
        for i in only
        if i.kind == "share" and rules.get(i.column, Rule.SHOW) is Rule.SHOW
    ]
    if not cases:
        return "ARRAY[]::text[]"
    return f"array_remove(ARRAY[{', '.join(cases)}]::text[], NULL)"


def households_for_print(
    natural_village_id: int,
    rules: dict[str, Rule],
    *,
    srid: int,
    only: Iterable[indicators.Indicator] = indicators.INDICATORS,
    as_of: datetime.date | None = None,
) -> list[dict]:
    """Return a natural village's households, numbered 1..n by code, with what a print may show.

    Parameters
    ----------
    natural_village_id
        The natural village.
    rules
        Privacy rules (``privacy.field_rules``, possibly tightened by the print's options).
    srid
        The projected CRS of ``x`` and ``y``.
    only
        The indicators whose flags to return (``share`` ones; sensitive ones only if `rules` show them).
    as_of
        The households, their pairings and last visits as they were at the end of this day; today's when None.

    Returns
    -------
    list of dict
        ``number, code, x, y, members, flags``, ``helper`` (the cadres paired with the household
        that day, 、-separated) and ``last_visit`` (YYYY-MM-DD), and ``head_name`` and ``address``
        unless `rules` omit them.
    """
    moment = localtime.end_of(as_of) if as_of else None
    day = "CAST(:day AS date)" if as_of else "current_date"
    wanted = ("code", "head_name", "address", "members")
    fields = [(name, sql) for name, sql in household_fields(rules) if name in wanted]
    select = ", ".join(f"{sql} AS {name}" for name, sql in fields)
    rows = db.session.execute(
        text(f"""
            SELECT row_number() OVER (ORDER BY code) AS number, {select},
                   {_flag_sql(rules, only)} AS flags,
                   ST_X(p) AS x, ST_Y(p) AS y,
                   (SELECT string_agg(c.name, '、' ORDER BY c.name)
                    FROM pairing pr JOIN cadre c ON c.id = pr.cadre_id
                    WHERE pr.household_id = h.id AND pr.valid @> {day}) AS helper,
                   {_last_visit(as_of)} AS last_visit
            FROM (SELECT *, ST_Transform(geom, :srid) AS p FROM {asof.households(moment)} h
                  WHERE natural_village_id = :id) h
            ORDER BY code"""),
        {"id": natural_village_id, "srid": srid, "day": as_of},
    ).mappings()
    return [dict(r) for r in rows]


def _last_visit(as_of: datetime.date | None) -> str:
    """Return SQL for household h's last visit (YYYY-MM-DD): the kept one now, else the last up to `as_of`."""
    if as_of is None:
        return """(SELECT to_char(w.last_visit_on, 'YYYY-MM-DD')
                   FROM household_work w WHERE w.household_id = h.id)"""
    return """(SELECT to_char(max(v.visited_on), 'YYYY-MM-DD') FROM visit v
               WHERE v.household_id = h.id AND v.visited_on <= CAST(:day AS date))"""


def atlas_index(code: str) -> dict | None:
    """Return a village's or township's outline and its natural villages for an atlas, or None.

    Returns
    -------
    dict
        ``id, code, name, level, township, county, srid, geom`` (shapely, metres) and
        ``natural_villages`` (list of ``code, name, village_id, village, geom``, by code).
    """
    row = (
        db.session.execute(
            text(f"""
            SELECT u.id, u.code, u.name, u.level, {_GK_ZONE_SQL.format(geom="u.geom")} AS srid,
                   CASE WHEN u.level = 'village' THEN p.name ELSE u.name END AS township,
                   CASE WHEN u.level = 'village' THEN pp.name ELSE p.name END AS county
            FROM admin_unit u
            LEFT JOIN admin_unit p ON p.id = u.parent_id
            LEFT JOIN admin_unit pp ON pp.id = p.parent_id
            WHERE u.code = :code AND u.level IN ('village', 'township')"""),
            {"code": code},
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    index = dict(row)
    index["geom"] = _geometry(
        db.session.execute(
            text("SELECT ST_AsBinary(ST_Transform(geom, :srid)) FROM admin_unit WHERE id = :id"),
            {"id": index["id"], "srid": index["srid"]},
        ).scalar_one()
    )
    rows = db.session.execute(
        text("""
            SELECT nv.code, nv.name, nv.village_id, v.name AS village,
                   ST_AsBinary(ST_Transform(nv.geom, :srid)) AS geom
            FROM natural_village nv JOIN admin_unit v ON v.id = nv.village_id
            WHERE v.id = :id OR v.parent_id = :id
            ORDER BY nv.code"""),
        {"id": index["id"], "srid": index["srid"]},
    ).mappings()
    index["natural_villages"] = [{**r, "geom": _geometry(r["geom"])} for r in rows]
    return index


def area_outlines(unit_id: int, *, steps: int) -> dict:
    """Return an area's outline and its children's for a small map, simplified to `steps` across.

    Both are projected to the area's Gauss-Kruger zone and simplified by its extent / `steps`
    metres (about what the printed frame can show), so a county's map stays a few hundred KB.

    Returns
    -------
    dict
        ``srid``, ``geom`` (shapely, metres) and ``children`` (list of ``code, name, geom``, by code).
    """
    sql = f"""
        WITH u AS (SELECT id, {_GK_ZONE_SQL.format(geom="geom")} AS srid, geom
                   FROM admin_unit WHERE id = :id),
        p AS (SELECT id, srid, ST_Transform(geom, srid) AS geom FROM u),
        t AS (SELECT p.*, greatest(ST_XMax(geom) - ST_XMin(geom), ST_YMax(geom) - ST_YMin(geom)) / :steps
                         AS tolerance FROM p)
        SELECT NULL AS code, NULL AS name, t.srid,
               ST_AsBinary(ST_SimplifyPreserveTopology(t.geom, t.tolerance)) AS geom
        FROM t
        UNION ALL
        SELECT c.code, c.name, t.srid,
               ST_AsBinary(ST_SimplifyPreserveTopology(ST_Transform(c.geom, t.srid), t.tolerance))
        FROM admin_unit c JOIN t ON c.parent_id = t.id
        ORDER BY code NULLS FIRST"""
    rows = [dict(r) for r in db.session.execute(text(sql), {"id": unit_id, "steps": steps}).mappings()]
    outline, children = rows[0], rows[1:]
    return {
        "srid": outline["srid"],
        "geom": _geometry(outline["geom"]),
        "children": [{"code": c["code"], "name": c["name"], "geom": _geometry(c["geom"])} for c in children],
    }
