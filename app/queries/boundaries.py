"""Spatial SQL of boundary imports: stage features, check them against what is stored, upsert them.

Everything runs in the caller's transaction. Features are COPYed into a
temporary staging table and checked there against the stored units: each
against its parent (staged in the same file, else stored), each replacement
against the households and child units it would leave outside. Only then are
they upserted into ``natural_village`` or ``admin_unit`` with one INSERT … ON
CONFLICT per level that rewrites a row only when something changed.

"Outside" allows digitising noise: a part is outside a whole when its farthest
vertex lies more than ``metres`` beyond it, or more than ``share`` of its area
lies outside and more than ``noise`` metres beyond it (see
`app.importers.boundary_checks` for the values).
"""

from collections.abc import Sequence

from sqlalchemy import text

from ..extensions import db
from . import _copy, _ewkb
from .imports import _counted

BOUNDARY_STAGE = "stage_import_boundary"
LEFT_OUT = "stage_import_boundary_left_out"  # households a changed unit no longer covers
CONVERTED = "stage_import_boundary_converted"  # new features as they would be if converted
# Overlaps and gaps smaller than this (m²) are digitising noise, not worth a report.
SLIVER_M2 = 1.0
# Below this share of its area a difference is rounding (a reprojection's last digits): no distance
# is measured for it, which keeps a re-import of a whole county fast.
NOISE_SHARE = 1e-6
# How far outside a part must lie to be outside (`_outside` measures share and metres).
_TOO_FAR = "(o.metres > :metres OR (o.share > :share AND o.metres > :noise))"
# Household and unit codes quoted as examples in a message.
EXAMPLES = 5

# Every stored unit, one shape for both tables.
_STORED = """
    SELECT 'natural_village' AS level, nv.id, nv.code, nv.name, nv.geom FROM natural_village nv
    UNION ALL
    SELECT a.level, a.id, a.code, a.name, a.geom FROM admin_unit a"""

# Every administrative unit as it would be after the import: staged ones replace stored ones.
_PARENTS = f"""
    SELECT s.level, s.code, s.name, s.feature, s.geom FROM {BOUNDARY_STAGE} s
    WHERE s.level <> 'natural_village'
    UNION ALL
    SELECT a.level, a.code, a.name, NULL, a.geom FROM admin_unit a
    WHERE a.code NOT IN (SELECT code FROM {BOUNDARY_STAGE} WHERE level <> 'natural_village')"""


def stored_outlines(codes: Sequence[str]) -> list[dict]:
    """Return the stored units of these codes: ``level``, ``code`` and ``wkb`` (their outline)."""
    rows = db.session.execute(
        text(f"SELECT level, code, ST_AsBinary(geom) AS wkb FROM ({_STORED}) u WHERE code = ANY(:codes)"),
        {"codes": list(codes)},
    ).mappings()
    return [dict(r) for r in rows]


def stage_boundaries(frame) -> None:
    """Create the staging table and COPY `frame` in, indexed for the checks.

    `frame` has ``feature``, ``level``, ``parent_level``, ``code``, ``name``, ``parent_code`` and an
    EPSG:4490 geometry.
    """
    session = db.session
    # The checks' plans look costly (geometry functions per row), so PostgreSQL would JIT-compile
    # them: about 2 s of compiling for queries that run in well under one on a county's units.
    session.execute(text("SET LOCAL jit = off"))
    session.execute(text(f"DROP TABLE IF EXISTS {BOUNDARY_STAGE}"))
    session.execute(
        text(f"""
        CREATE TEMP TABLE {BOUNDARY_STAGE} (feature integer, level text, parent_level text, code text,
                                            name text, parent_code text, geom geometry) ON COMMIT DROP""")
    )
    columns = ["feature", "level", "parent_level", "code", "name", "parent_code"]
    staged = frame[columns].assign(geom=_ewkb(frame.geometry.values))
    _copy(session.connection().connection.cursor(), BOUNDARY_STAGE, staged)
    session.execute(text(f"CREATE INDEX ON {BOUNDARY_STAGE} USING gist (geom)"))
    session.execute(text(f"ANALYZE {BOUNDARY_STAGE}"))


def staged_without_parent() -> list[dict]:
    """Return staged features whose parent code names no unit of their parent level, staged or stored."""
    rows = db.session.execute(
        text(f"""
        WITH parents AS ({_PARENTS})
        SELECT s.feature, s.parent_code, s.parent_level FROM {BOUNDARY_STAGE} s
        WHERE NOT EXISTS (SELECT 1 FROM parents p WHERE p.code = s.parent_code AND p.level = s.parent_level)
        ORDER BY s.feature""")
    ).mappings()
    return [dict(r) for r in rows]


def _metres(geom: str, latitude: str) -> str:
    """Return SQL scaling lon/lat `geom` to metres around `latitude` (degrees): an equirectangular plane.

    Within a county of the same latitude, distances on it are within 0.1 % of geodesic ones, and
    an affine scaling costs nothing beside projecting or casting to geography for every vertex.
    """
    parallel = f"(111412.84 * cos(radians({latitude})) - 93.5 * cos(radians(3 * {latitude})))"
    meridian = f"(111132.954 - 559.822 * cos(radians(2 * {latitude})) + 1.175 * cos(radians(4 * {latitude})))"
    return f"ST_Scale({geom}, {parallel}, {meridian})"


def _outside(part: str, whole: str) -> str:
    """Return FROM-clause laterals measuring how far `part` lies outside `whole` (``o.share``, ``o.metres``).

    Parts a whole covers exactly never reach them (the caller filters with ST_CoveredBy first).
    """
    # OFFSET 0 keeps each lateral a subquery computed once per row: pulled up into the query,
    # the difference would be recomputed wherever it is used. The whole is scaled once per part,
    # not once per vertex measured against it.
    return f"""
        CROSS JOIN LATERAL (SELECT ST_Difference({part}, {whole}) AS geom,
                                   ST_Y(ST_Centroid({whole})) AS latitude OFFSET 0) d
        CROSS JOIN LATERAL (SELECT ST_Area(d.geom) / nullif(ST_Area({part}), 0) AS share OFFSET 0) a
        CROSS JOIN LATERAL (
            SELECT a.share, CASE WHEN a.share > {NOISE_SHARE} THEN (
                SELECT max(ST_Distance(v.geom, m.whole))
                FROM (SELECT {_metres("d.geom", "d.latitude")} AS outside,
                             {_metres(whole, "d.latitude")} AS whole) m
                CROSS JOIN LATERAL ST_DumpPoints(m.outside) v)
                ELSE 0 END AS metres) o"""


def outside_parents(*, share: float, metres: float, noise: float) -> list[dict]:
    """Return staged features lying outside their parent (the staged one if the file holds it, else stored).

    Returns
    -------
    list of dict
        ``feature``, ``parent_code``, ``parent_name``, ``parent_feature`` (None: stored), ``share``
        of the feature's area outside, ``metres`` its farthest vertex lies outside.
    """
    rows = db.session.execute(
        text(f"""
        WITH parents AS ({_PARENTS})
        SELECT s.feature, p.code AS parent_code, p.name AS parent_name, p.feature AS parent_feature,
               o.share, o.metres
        FROM {BOUNDARY_STAGE} s JOIN parents p ON p.code = s.parent_code AND p.level = s.parent_level
        {_outside("s.geom", "p.geom")}
        WHERE NOT ST_CoveredBy(s.geom, p.geom) AND {_TOO_FAR}
        ORDER BY s.feature"""),
        {"share": share, "metres": metres, "noise": noise},
    ).mappings()
    return [dict(r) for r in rows]


# A staged feature whose stored unit (same code and level) it would change.
_CHANGED = f"""
    SELECT s.feature, s.level, s.code, u.id, u.name, u.geom AS old, s.geom AS new
    FROM {BOUNDARY_STAGE} s JOIN ({_STORED}) u ON u.code = s.code AND u.level = s.level
    WHERE u.geom IS DISTINCT FROM ST_Multi(s.geom)"""

# Households of each changed unit its old outline covered and its new one does not.
_LEFT_OUT = """
    SELECT c.feature, c.level, h.code, h.geom FROM changed c
    JOIN household h ON h.natural_village_id = c.id
    WHERE c.level = 'natural_village' AND NOT ST_Covers(c.new, h.geom) AND ST_Covers(c.old, h.geom)
    UNION ALL
    SELECT c.feature, c.level, h.code, h.geom FROM changed c
    JOIN natural_village nv ON nv.village_id = c.id JOIN household h ON h.natural_village_id = nv.id
    WHERE c.level = 'village' AND NOT ST_Covers(c.new, h.geom) AND ST_Covers(c.old, h.geom)
    UNION ALL
    SELECT c.feature, c.level, h.code, h.geom FROM changed c
    JOIN admin_unit v ON v.parent_id = c.id JOIN natural_village nv ON nv.village_id = v.id
    JOIN household h ON h.natural_village_id = nv.id
    WHERE c.level = 'township' AND NOT ST_Covers(c.new, h.geom) AND ST_Covers(c.old, h.geom)"""


def stranded_households() -> dict[int, dict]:
    """Return, per staged feature that changes a stored unit, the households it would strand.

    A natural village strands a household it covered when no natural village covers it after the
    import; a village or township strands its households its new outline no longer covers.

    Returns
    -------
    dict
        feature → ``count`` and ``examples`` (the first household codes).
    """
    session = db.session
    session.execute(text(f"DROP TABLE IF EXISTS {LEFT_OUT}"))
    session.execute(
        text(f"CREATE TEMP TABLE {LEFT_OUT} ON COMMIT DROP AS WITH changed AS ({_CHANGED}) {_LEFT_OUT}")
    )
    if session.execute(
        text(f"SELECT EXISTS (SELECT 1 FROM {LEFT_OUT} WHERE level = 'natural_village')")
    ).scalar():
        # Households another natural village covers after the import are not stranded. Joined
        # polygon by polygon, each outline is prepared once for all the points it is tested against
        # (a test per household against whatever covers it would cost 70 µs a household).
        session.execute(text(f"CREATE INDEX ON {LEFT_OUT} USING gist (geom)"))
        session.execute(text(f"ANALYZE {LEFT_OUT}"))
        session.execute(
            text(f"""
            DELETE FROM {LEFT_OUT} l USING {BOUNDARY_STAGE} s
            WHERE l.level = 'natural_village' AND s.level = 'natural_village'
              AND ST_Covers(s.geom, l.geom)""")
        )
        session.execute(
            text(f"""
            DELETE FROM {LEFT_OUT} l USING natural_village nv
            WHERE l.level = 'natural_village' AND ST_Covers(nv.geom, l.geom)
              AND nv.code NOT IN (SELECT code FROM {BOUNDARY_STAGE} WHERE level = 'natural_village')""")
        )
    rows = session.execute(
        text(f"""
        SELECT feature, count(*) AS count, (array_agg(code ORDER BY code))[1:{EXAMPLES}] AS examples
        FROM {LEFT_OUT} GROUP BY feature""")
    ).mappings()
    found = {r["feature"]: {"count": r["count"], "examples": r["examples"]} for r in rows}
    session.execute(text(f"DROP TABLE {LEFT_OUT}"))
    return found


def stranded_children(*, share: float, metres: float, noise: float) -> dict[int, dict]:
    """Return, per staged village or township that changes a stored one, the stored children left outside.

    Children the file holds too are checked against it as parents (`outside_parents`); these are the
    ones it does not hold.

    Returns
    -------
    dict
        feature → ``count`` and ``examples`` (the first child codes).
    """
    rows = db.session.execute(
        text(f"""
        WITH changed AS ({_CHANGED}),
        children AS (
            SELECT c.feature, c.new, nv.code, nv.geom FROM changed c
            JOIN natural_village nv ON nv.village_id = c.id WHERE c.level = 'village'
            UNION ALL
            SELECT c.feature, c.new, v.code, v.geom FROM changed c
            JOIN admin_unit v ON v.parent_id = c.id AND v.level = 'village' WHERE c.level = 'township')
        SELECT ch.feature, count(*) AS count, (array_agg(ch.code ORDER BY ch.code))[1:{EXAMPLES}] AS examples
        FROM children ch
        {_outside("ch.geom", "ch.new")}
        WHERE ch.code NOT IN (SELECT code FROM {BOUNDARY_STAGE})
          AND NOT ST_CoveredBy(ch.geom, ch.new) AND {_TOO_FAR}
        GROUP BY ch.feature"""),
        {"share": share, "metres": metres, "noise": noise},
    ).mappings()
    return {r["feature"]: {"count": r["count"], "examples": r["examples"]} for r in rows}


def centroid_pairs() -> list[dict]:
    """Return each staged feature's centroid beside its stored unit's (same code and level), in degrees."""
    rows = db.session.execute(
        text(f"""
        SELECT s.feature, ST_X(ST_Centroid(s.geom)) AS x, ST_Y(ST_Centroid(s.geom)) AS y,
               ST_X(ST_Centroid(u.geom)) AS stored_x, ST_Y(ST_Centroid(u.geom)) AS stored_y
        FROM {BOUNDARY_STAGE} s JOIN ({_STORED}) u ON u.code = s.code AND u.level = s.level
        ORDER BY s.feature""")
    ).mappings()
    return [dict(r) for r in rows]


def _area_outside(part: str, whole: str) -> str:
    """Return SQL for the area of `part` outside `whole` (no overlay when the whole covers it)."""
    return f"CASE WHEN ST_CoveredBy({part}, {whole}) THEN 0 ELSE ST_Area(ST_Difference({part}, {whole})) END"


def area_outside_stored_parents(features: Sequence[int], converted) -> dict[str, float]:
    """Return how much of staged `features` lies outside their stored parents, as drawn and converted.

    `converted` has ``feature`` and an EPSG:4490 geometry: the same features drawn elsewhere.
    Features whose parent the file holds are left out (the parent may be drawn the same way).

    Returns
    -------
    dict
        ``drawn`` and ``converted``: area outside (degrees², as a share of ``total``), ``total``:
        the features' area as drawn.
    """
    session = db.session
    session.execute(text(f"DROP TABLE IF EXISTS {CONVERTED}"))
    session.execute(text(f"CREATE TEMP TABLE {CONVERTED} (feature integer, geom geometry) ON COMMIT DROP"))
    rows = converted[["feature"]].assign(geom=_ewkb(converted.geometry.values))
    _copy(session.connection().connection.cursor(), CONVERTED, rows)
    areas = (
        session.execute(
            text(f"""
            SELECT coalesce(sum({_area_outside("s.geom", "p.geom")}), 0) AS drawn,
                   coalesce(sum({_area_outside("c.geom", "p.geom")}), 0) AS converted,
                   coalesce(sum(ST_Area(s.geom)), 0) AS total
            FROM {BOUNDARY_STAGE} s JOIN {CONVERTED} c ON c.feature = s.feature
            JOIN admin_unit p ON p.code = s.parent_code AND p.level = s.parent_level
            WHERE s.feature = ANY(:features)
              AND s.parent_code NOT IN (SELECT code FROM {BOUNDARY_STAGE})"""),
            {"features": [int(f) for f in features]},
        )
        .mappings()
        .one()
    )
    session.execute(text(f"DROP TABLE {CONVERTED}"))
    return dict(areas)


def drop_features(features: Sequence[int]) -> None:
    """Remove rejected `features` from the staging table: what stays there is what would be written."""
    if features:
        db.session.execute(
            text(f"DELETE FROM {BOUNDARY_STAGE} WHERE feature = ANY(:f)"), {"f": [int(f) for f in features]}
        )


def _siblings(level: str) -> str:
    """Return a CTE body of staged features of `level` plus the stored units of `level` they leave in place.

    Columns: feature (NULL for stored units), code, parent_code, geom.
    """
    if level == "natural_village":
        stored = """SELECT nv.code, v.code AS parent_code, nv.geom
                    FROM natural_village nv JOIN admin_unit v ON v.id = nv.village_id"""
    else:
        stored = f"""SELECT a.code, p.code AS parent_code, a.geom FROM admin_unit a
                     JOIN admin_unit p ON p.id = a.parent_id WHERE a.level = '{level}'"""
    return f"""
        SELECT feature, code, parent_code, geom FROM {BOUNDARY_STAGE} WHERE level = '{level}'
        UNION ALL
        SELECT NULL::integer, st.code, st.parent_code, st.geom FROM ({stored}) st
        WHERE st.parent_code IN (SELECT parent_code FROM {BOUNDARY_STAGE} WHERE level = '{level}')
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
        WHERE a.level = :level AND ST_Area(ST_Intersection(a.geom, b.geom)::geography) > :sliver
        ORDER BY a.feature, b.code"""),
        {"sliver": SLIVER_M2, "level": level},
    ).mappings()
    return [dict(r) for r in rows]


def sibling_gaps(level: str) -> list[dict]:
    """Return, per parent of a staged feature of `level`, the area (m²) of its outline no sibling would cover.

    The parent's outline is the staged one when the file holds it.
    """
    rows = db.session.execute(
        text(f"""
        WITH siblings AS ({_siblings(level)}), parents AS ({_PARENTS})
        SELECT p.code AS parent_code,
               round(ST_Area(ST_Difference(p.geom, ST_Union(s.geom))::geography)::numeric, 1) AS area_m2
        FROM siblings s JOIN parents p ON p.code = s.parent_code
        GROUP BY p.code, p.geom
        HAVING ST_Area(ST_Difference(p.geom, ST_Union(s.geom))::geography) > :sliver
        ORDER BY p.code"""),
        {"sliver": SLIVER_M2},
    ).mappings()
    return [dict(r) for r in rows]


def upsert_boundaries(level: str) -> dict[str, int]:
    """Upsert the staged features of `level` as natural villages or administrative units, by code.

    Rewrites a stored row only when its name, parent or geometry changed. Parents go first, so
    children find a parent the same file brings.
    """
    table, parent_column = (
        ("natural_village", "village_id") if level == "natural_village" else ("admin_unit", "parent_id")
    )
    level_column, level_value = ("", "") if level == "natural_village" else (", level", f", '{level}'")
    return _counted(f"""
        INSERT INTO {table} (code, name{level_column}, {parent_column}, geom)
        SELECT s.code, s.name{level_value}, p.id, ST_Multi(s.geom) FROM {BOUNDARY_STAGE} s
        JOIN admin_unit p ON p.code = s.parent_code AND p.level = s.parent_level
        WHERE s.level = '{level}'
        ORDER BY s.code
        ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, {parent_column} = EXCLUDED.{parent_column},
                                         geom = EXCLUDED.geom
        WHERE ({table}.name, {table}.{parent_column}, {table}.geom)
              IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.{parent_column}, EXCLUDED.geom)""")


def drop_stage() -> None:
    """Drop the staging table now (it would go at commit anyway), so a second import can stage again."""
    db.session.execute(text(f"DROP TABLE IF EXISTS {BOUNDARY_STAGE}"))
