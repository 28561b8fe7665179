"""Spatial SQL of imports: stage checked rows, place them in natural villages, upsert them.

Everything runs in the caller's transaction. Rows are COPYed into a temporary
staging table, placed (natural village by code, else by ST_Covers, exactly as
the household trigger would), and only then upserted into ``household`` with
one INSERT … ON CONFLICT that rewrites a row only when something changed.
"""

from collections.abc import Sequence

from sqlalchemy import text

from ..extensions import db
from . import _copy, _ewkb, stats

STAGE = "stage_import_household"

# Household columns an import may write, with the staging column type.
COLUMN_TYPES = {
    "code": "text",
    "head_name": "text",
    "id_number": "text",
    "address": "text",
    "members": "integer",
    "poverty_status": "text",
    "dibao": "boolean",
    "wubao": "boolean",
    "family_planning": "boolean",
    "left_behind_children": "integer",
    "left_behind_elderly": "boolean",
    "empty_nest_elderly": "boolean",
    "disabled_members": "integer",
    "dilapidated_house": "boolean",
    "migrant_workers": "integer",
    "income_per_capita": "integer",
}


def stage_households(frame, *, columns: Sequence[str], lon, lat) -> None:
    """Create the staging table and COPY `frame`'s `columns` (plus row, natural village code, point) in.

    Parameters
    ----------
    frame
        A DataFrame with a ``row`` column, the household `columns`, ``natural_village_code`` and
        ``natural_village_id`` (nullable: `place_staged` finds it by location).
    columns
        The household columns the file carries (a subset of COLUMN_TYPES, ``code`` first).
    lon, lat
        Arrays of EPSG:4490 coordinates, one per frame row.
    """
    import shapely

    session = db.session
    definitions = ", ".join(f"{c} {COLUMN_TYPES[c]}" for c in columns)
    session.execute(text(f"DROP TABLE IF EXISTS {STAGE}"))
    session.execute(
        text(f"""
        CREATE TEMP TABLE {STAGE} (row integer, {definitions}, natural_village_code text,
                                   natural_village_id integer, geom geometry) ON COMMIT DROP""")
    )
    staged = frame[["row", *columns, "natural_village_code", "natural_village_id"]]
    staged = staged.assign(geom=_ewkb(shapely.points(lon, lat)))
    cursor = session.connection().connection.cursor()
    _copy(cursor, STAGE, staged)


def natural_village_ids() -> dict[str, int]:
    """Return natural village code → id (a few thousand rows: cheaper than joining every staged row)."""
    return dict(db.session.execute(text("SELECT code, id FROM natural_village")).tuples().all())


def place_staged() -> list[dict]:
    """Place staged rows without a natural village; return the rows that have none, with the reason.

    A natural village code in the file wins (its id is staged already, see
    `natural_village_ids`); otherwise the first natural village (by code) that
    covers the point, as the household trigger does.

    Returns
    -------
    list of dict
        ``row``, ``natural_village_code`` and ``reason`` ('unknown' or 'outside') of each unplaced row.
    """
    session = db.session
    session.execute(
        text(f"""
        UPDATE {STAGE} s SET natural_village_id = (
            SELECT nv.id FROM natural_village nv WHERE ST_Covers(nv.geom, s.geom)
            ORDER BY nv.code LIMIT 1)
        WHERE s.natural_village_id IS NULL AND coalesce(s.natural_village_code, '') = ''""")
    )
    rows = session.execute(
        text(f"""
        SELECT row, natural_village_code,
               CASE WHEN coalesce(natural_village_code, '') = '' THEN 'outside' ELSE 'unknown' END AS reason
        FROM {STAGE} WHERE natural_village_id IS NULL ORDER BY row""")
    ).mappings()
    return [dict(r) for r in rows]


def staged_away_from_stated(*, tolerance_m: float) -> list[dict]:
    """Return staged rows whose point lies over `tolerance_m` metres outside the natural village named.

    Points the named natural village covers, or that lie within the tolerance
    of it (a house by a shared edge), pass. The costly distance (on the
    spheroid) and the search for where the point does lie run only for the
    few points outside; the containment test uses PostGIS's cached polygon
    index, cheap when rows of one natural village follow each other.

    Returns
    -------
    list of dict
        ``row``, ``code`` and ``name`` of the natural village named, ``metres`` from it, and
        ``lies_in_code``, ``lies_in_name`` of the natural village the point lies in (None: none).
    """
    rows = db.session.execute(
        text(f"""
        SELECT away.row, away.code, away.name, away.metres,
               lies.code AS lies_in_code, lies.name AS lies_in_name
        FROM (SELECT s.row, s.geom, nv.code, nv.name,
                     round(ST_Distance(nv.geom::geography, s.geom::geography))::integer AS metres
              FROM {STAGE} s JOIN natural_village nv ON nv.id = s.natural_village_id
              WHERE coalesce(s.natural_village_code, '') <> ''
                AND NOT ST_Covers(nv.geom, s.geom)
                AND NOT ST_DWithin(nv.geom::geography, s.geom::geography, :tolerance)) away
        LEFT JOIN LATERAL (SELECT c.code, c.name FROM natural_village c WHERE ST_Covers(c.geom, away.geom)
                           ORDER BY c.code LIMIT 1) lies ON true
        ORDER BY away.row"""),
        {"tolerance": tolerance_m},
    ).mappings()
    return [dict(r) for r in rows]


def staged_outside(village_ids: Sequence[int]) -> list[dict]:
    """Return staged rows placed, or already stored, outside administrative villages `village_ids`."""
    rows = db.session.execute(
        text(f"""
        SELECT s.row, s.code FROM {STAGE} s
        JOIN natural_village nv ON nv.id = s.natural_village_id
        LEFT JOIN household h ON h.code = s.code
        LEFT JOIN natural_village hv ON hv.id = h.natural_village_id
        WHERE nv.village_id <> ALL(:ids) OR hv.village_id <> ALL(:ids)
        ORDER BY s.row"""),
        {"ids": list(village_ids)},
    ).mappings()
    return [dict(r) for r in rows]


def upsert_staged(*, columns: Sequence[str], skip_rows: Sequence[int] = ()) -> dict[str, int]:
    """Upsert the staged rows (except `skip_rows`) by household code; return inserted and updated counts.

    A row whose values all equal the stored ones is left untouched, so its
    ``updated_at`` (set by the trigger on UPDATE) does not move.
    """
    session = db.session
    if skip_rows:
        session.execute(text(f"DELETE FROM {STAGE} WHERE row = ANY(:rows)"), {"rows": list(skip_rows)})
    written = [*columns, "geom", "natural_village_id"]
    changeable = [c for c in written if c != "code"]
    new = ", ".join(f"EXCLUDED.{c}" for c in changeable)
    staged = ", ".join(f"s.{c}" for c in changeable)
    old = ", ".join(f"household.{c}" for c in changeable)
    return _counted(f"""
            INSERT INTO household ({", ".join(written)})
            SELECT {", ".join(f"s.{c}" for c in written)} FROM {STAGE} s
            LEFT JOIN household ON household.code = s.code
            -- Unchanged rows never reach ON CONFLICT, which would lock (write) each of them.
            WHERE household.id IS NULL OR ({old}) IS DISTINCT FROM ({staged})
            ORDER BY s.code
            ON CONFLICT (code) DO UPDATE SET {", ".join(f"{c} = EXCLUDED.{c}" for c in changeable)}
            WHERE ({old}) IS DISTINCT FROM ({new})""")


def drop_stage() -> None:
    """Drop the staging table now (it would go at commit anyway), so a second import can stage again."""
    db.session.execute(text(f"DROP TABLE IF EXISTS {STAGE}"))


def _counted(upsert: str) -> dict[str, int]:
    """Run an INSERT … ON CONFLICT `upsert`; return how many rows it inserted and updated.

    When it changed anything, the tiles' per-natural-village statistics are rebuilt.
    """
    counts = dict(
        db.session.execute(
            text(f"""
                WITH up AS ({upsert} RETURNING (xmax = 0) AS inserted)
                SELECT count(*) FILTER (WHERE inserted) AS inserted,
                       count(*) FILTER (WHERE NOT inserted) AS updated FROM up""")
        )
        .mappings()
        .one()
    )
    _restat(counts)
    return counts


def _restat(counts) -> None:
    """Rebuild the tiles' per-natural-village statistics when an upsert changed anything."""
    if counts["inserted"] or counts["updated"]:
        stats.refresh()
