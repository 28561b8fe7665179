"""Spatial SQL of boundary imports: stage checked features, compare them with their siblings, upsert them.

Everything runs in the caller's transaction. Features are COPYed into a
temporary staging table, checked there against the stored units, and only then
upserted into ``natural_village`` or ``admin_unit`` with one INSERT … ON
CONFLICT that rewrites a row only when something changed.
"""

from collections.abc import Sequence

from sqlalchemy import text

from ..extensions import db
from . import _copy, _ewkb
from .imports import _counted

BOUNDARY_STAGE = "stage_import_boundary"
# Overlaps and gaps smaller than this (m²) are digitising noise, not worth a report.
SLIVER_M2 = 1.0


def stage_boundaries(frame) -> None:
    """Create the boundary staging table and COPY `frame` (feature, code, name, parent_code, geometry) in."""
    session = db.session
    session.execute(text(f"DROP TABLE IF EXISTS {BOUNDARY_STAGE}"))
    session.execute(
        text(f"""
        CREATE TEMP TABLE {BOUNDARY_STAGE} (feature integer, code text, name text, parent_code text,
                                            geom geometry) ON COMMIT DROP""")
    )
    staged = frame[["feature", "code", "name", "parent_code"]].assign(geom=_ewkb(frame.geometry.values))
    _copy(session.connection().connection.cursor(), BOUNDARY_STAGE, staged)


def staged_without_parent(parent_level: str) -> list[dict]:
    """Return staged features whose parent code names no administrative unit of `parent_level`."""
    rows = db.session.execute(
        text(f"""
        SELECT s.feature, s.parent_code FROM {BOUNDARY_STAGE} s
        LEFT JOIN admin_unit p ON p.code = s.parent_code AND p.level = :level
        WHERE p.id IS NULL ORDER BY s.feature"""),
        {"level": parent_level},
    ).mappings()
    return [dict(r) for r in rows]


def _siblings(level: str) -> str:
    """Return a CTE body of staged features plus the stored units of `level` they leave in place.

    Columns: feature (NULL for stored units), code, parent_code, geom.
    """
    if level == "natural_village":
        stored = """SELECT nv.code, v.code AS parent_code, nv.geom
                    FROM natural_village nv JOIN admin_unit v ON v.id = nv.village_id"""
    else:
        stored = f"""SELECT a.code, p.code AS parent_code, a.geom FROM admin_unit a
                     JOIN admin_unit p ON p.id = a.parent_id WHERE a.level = '{level}'"""
    return f"""
        SELECT feature, code, parent_code, geom FROM {BOUNDARY_STAGE}
        UNION ALL
        SELECT NULL::integer, st.code, st.parent_code, st.geom FROM ({stored}) st
        WHERE st.parent_code IN (SELECT parent_code FROM {BOUNDARY_STAGE})
          AND st.code NOT IN (SELECT code FROM {BOUNDARY_STAGE})"""


def sibling_overlaps(level: str) -> list[dict]:
    """Return staged features overlapping a staged or stored sibling by over a sliver, with the area (m²).

    ``b`` is the other feature's number, or None when it is a stored unit.
    """
    rows = db.session.execute(
        text(f"""
        WITH siblings AS ({_siblings(level)})
        SELECT a.feature AS a, b.feature AS b, a.code AS a_code, b.code AS b_code,
               round(ST_Area(ST_Intersection(a.geom, b.geom)::geography)::numeric, 1) AS area_m2
        FROM {BOUNDARY_STAGE} a JOIN siblings b
          ON a.parent_code = b.parent_code AND a.code <> b.code
         AND (b.feature IS NULL OR a.feature < b.feature) AND ST_Intersects(a.geom, b.geom)
        WHERE ST_Area(ST_Intersection(a.geom, b.geom)::geography) > :sliver
        ORDER BY a.feature, b.code"""),
        {"sliver": SLIVER_M2},
    ).mappings()
    return [dict(r) for r in rows]


def sibling_gaps(level: str) -> list[dict]:
    """Return, per parent of a staged feature, the area (m²) of its outline no sibling would cover."""
    rows = db.session.execute(
        text(f"""
        WITH siblings AS ({_siblings(level)})
        SELECT p.code AS parent_code,
               round(ST_Area(ST_Difference(p.geom, ST_Union(s.geom))::geography)::numeric, 1) AS area_m2
        FROM siblings s JOIN admin_unit p ON p.code = s.parent_code
        GROUP BY p.code, p.geom
        HAVING ST_Area(ST_Difference(p.geom, ST_Union(s.geom))::geography) > :sliver
        ORDER BY p.code"""),
        {"sliver": SLIVER_M2},
    ).mappings()
    return [dict(r) for r in rows]


def upsert_boundaries(level: str, *, skip_features: Sequence[int] = ()) -> dict[str, int]:
    """Upsert staged features as natural villages or administrative units of `level`, by code.

    Rewrites a stored row only when its name, parent or geometry changed.
    """
    session = db.session
    if skip_features:
        session.execute(
            text(f"DELETE FROM {BOUNDARY_STAGE} WHERE feature = ANY(:f)"), {"f": list(skip_features)}
        )
    if level == "natural_village":
        statement = f"""
            INSERT INTO natural_village (code, name, village_id, geom)
            SELECT s.code, s.name, p.id, ST_Multi(s.geom) FROM {BOUNDARY_STAGE} s
            JOIN admin_unit p ON p.code = s.parent_code AND p.level = 'village'
            ORDER BY s.code
            ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, village_id = EXCLUDED.village_id,
                                             geom = EXCLUDED.geom
            WHERE (natural_village.name, natural_village.village_id, natural_village.geom)
                  IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.village_id, EXCLUDED.geom)"""
    else:
        parent = {"village": "township", "township": "county"}[level]
        statement = f"""
            INSERT INTO admin_unit (code, name, level, parent_id, geom)
            SELECT s.code, s.name, '{level}', p.id, ST_Multi(s.geom) FROM {BOUNDARY_STAGE} s
            JOIN admin_unit p ON p.code = s.parent_code AND p.level = '{parent}'
            ORDER BY s.code
            ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, parent_id = EXCLUDED.parent_id,
                                             geom = EXCLUDED.geom
            WHERE (admin_unit.name, admin_unit.parent_id, admin_unit.geom)
                  IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.parent_id, EXCLUDED.geom)"""
    counts = _counted(statement)
    session.execute(text(f"DROP TABLE IF EXISTS {BOUNDARY_STAGE}"))
    return counts
