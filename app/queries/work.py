"""SQL of the 民情 work (#11): loading cadres, patches, pairings, visits and measures; overdue lists.

Rows arrive keyed as people and files name them (household codes, natural
village codes, cadres' phones); they are COPYed into temporary staging tables
and written by one INSERT … SELECT each that turns codes into ids. A visit's
distance from its household is measured on the ellipsoid (geography), so it is
in metres whatever the storage CRS.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import pandas as pd
from sqlalchemy import text

from ..extensions import db
from ..models import SRID
from . import _copy

# Staging tables: the columns a frame brings, as text where the database checks the value.
STAGES = {
    "cadre": "name text, unit text, phone text, role text, duty text, village_code text",
    "patch": "phone text, natural_village_code text, household_code text",
    "pairing": 'phone text, household_code text, start date, "end" date',
    "visit": (
        "row int, uid uuid, household_code text, phone text, visited_on date, kind text, "
        "findings text, ticks jsonb, lon float8, lat float8"
    ),
    "measure": "household_code text, kind text, status text, status_on date",
}


def stage(name: str, frame: pd.DataFrame) -> None:
    """COPY `frame` (its columns named and ordered as in STAGES[name]) into a new `stage_<name>`."""
    table = f"stage_{name}"
    db.session.execute(text(f"DROP TABLE IF EXISTS pg_temp.{table}"))
    db.session.execute(text(f"CREATE TEMP TABLE {table} ({STAGES[name]}) ON COMMIT DROP"))
    columns = [c.split()[0].strip('"') for c in STAGES[name].split(", ")]
    cursor = db.session.connection().connection.cursor()
    _copy(cursor, table, frame[columns].rename(columns={"end": '"end"'}))


VISIT_COLUMNS = """visit (uid, household_id, cadre_id, visited_on, kind, findings, ticks, geom,
                   distance_m, source, created_by)"""
# Where a visit was logged (`p.geom`, may be NULL), and how far from its household `h`, in metres.
VISIT_POINT = "p.geom, round(ST_Distance(p.geom::geography, h.geom::geography))"


# A staged visit without a uid (an imported row) gets one made from its content: the same row
# imported twice is the same visit.
CONTENT_UID = "md5(concat_ws('|', s.household_code, s.phone, s.visited_on, s.kind, s.findings))::uuid"


def insert_staged_visits(*, source: str, created_by: int | None, skip_rows: Sequence[int] = ()) -> int:
    """Write the staged visits whose household and cadre exist, but the `skip_rows`; return how many were new.

    A visit whose `uid` is stored already (sent or imported twice) is skipped, not an error; a staged
    row without a uid gets one made from its content.
    """
    return db.session.execute(
        text(f"""
        INSERT INTO {VISIT_COLUMNS}
        SELECT coalesce(s.uid, {CONTENT_UID}), h.id, c.id, s.visited_on, s.kind, coalesce(s.findings, ''),
               coalesce(s.ticks, '[]'::jsonb), {VISIT_POINT}, :source, :created_by
        FROM stage_visit s
        JOIN household h ON h.code = s.household_code
        JOIN cadre c ON c.phone = s.phone
        CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(s.lon, s.lat), {SRID}) AS geom) p
        WHERE s.row <> ALL(:skip)
        ORDER BY s.visited_on, h.id
        ON CONFLICT (uid) DO NOTHING"""),
        {"source": source, "created_by": created_by, "skip": list(skip_rows)},
    ).rowcount


def check_staged_visits(*, far_metres: float) -> list[dict]:
    """Return the staged visits' problems: ``row``, ``problem`` and, for a far one, ``distance_m``.

    Problems: ``household`` (no such code), ``cadre`` (no such phone), ``responsible`` (the cadre
    neither has the household in their patch nor was paired with it on the day), ``far`` (logged
    more than `far_metres` from the household).
    """
    rows = db.session.execute(
        text(f"""
        SELECT s.row,
               CASE WHEN h.id IS NULL THEN 'household' WHEN c.id IS NULL THEN 'cadre'
                    WHEN NOT (
                        EXISTS (SELECT FROM cadre_patch p WHERE p.cadre_id = c.id
                                AND (p.household_id = h.id OR p.natural_village_id = h.natural_village_id))
                        OR EXISTS (SELECT FROM pairing p WHERE p.cadre_id = c.id AND p.household_id = h.id
                                   AND p.valid @> s.visited_on))
                    THEN 'responsible' ELSE 'far' END AS problem,
               ST_Distance(ST_SetSRID(ST_MakePoint(s.lon, s.lat), {SRID})::geography, h.geom::geography)
                   AS distance_m
        FROM stage_visit s
        LEFT JOIN household h ON h.code = s.household_code
        LEFT JOIN cadre c ON c.phone = s.phone
        ORDER BY s.row""")
    ).mappings()
    return [
        dict(r)
        for r in rows
        if r["problem"] != "far" or (r["distance_m"] is not None and r["distance_m"] > far_metres)
    ]


def upsert_staged_cadres(*, with_duty: bool = True) -> dict[str, int]:
    """Write the staged cadres, matched by phone (a cadre met again is updated and active); return counts.

    Without `with_duty` (a register without a 职务 column) a known cadre keeps their post.
    """
    duty = "EXCLUDED.duty" if with_duty else "cadre.duty"
    rows = db.session.execute(
        text(f"""
        INSERT INTO cadre (name, unit, phone, role, duty, village_id)
        SELECT s.name, coalesce(s.unit, ''), s.phone, s.role, coalesce(s.duty, ''), v.id
        FROM stage_cadre s JOIN admin_unit v ON v.code = s.village_code AND v.level = 'village'
        ORDER BY s.village_code, s.phone
        ON CONFLICT (phone) DO UPDATE SET name = EXCLUDED.name, unit = EXCLUDED.unit, role = EXCLUDED.role,
            duty = {duty}, village_id = EXCLUDED.village_id, active = true
        RETURNING xmax = 0 AS inserted""")
    ).all()
    inserted = sum(r.inserted for r in rows)
    return {"inserted": inserted, "updated": len(rows) - inserted}


def replace_staged_patches() -> None:
    """Make the staged patches the whole patch of each cadre the staged cadres' phones name."""
    db.session.execute(
        text("""
        DELETE FROM cadre_patch WHERE cadre_id IN (
            SELECT c.id FROM cadre c JOIN pg_temp.stage_cadre s ON s.phone = c.phone)""")
    )
    db.session.execute(
        text("""
        INSERT INTO cadre_patch (cadre_id, natural_village_id, household_id)
        SELECT DISTINCT c.id, nv.id, h.id
        FROM stage_patch s
        JOIN cadre c ON c.phone = s.phone
        LEFT JOIN natural_village nv ON nv.code = s.natural_village_code
        LEFT JOIN household h ON h.code = s.household_code
        WHERE num_nonnulls(nv.id, h.id) = 1
        ORDER BY c.id, nv.id, h.id""")
    )


def upsert_staged_measures(*, updated_by: int | None) -> dict[str, int]:
    """Write the staged measures, one per household and kind (a newer status replaces the older); counts."""
    rows = db.session.execute(
        text("""
        INSERT INTO measure (household_id, kind, status, status_on, updated_by)
        SELECT h.id, s.kind, s.status, s.status_on, :updated_by
        FROM stage_measure s JOIN household h ON h.code = s.household_code
        ORDER BY h.id, s.kind
        ON CONFLICT (household_id, kind) DO UPDATE SET status = EXCLUDED.status,
            status_on = EXCLUDED.status_on, updated_by = EXCLUDED.updated_by, updated_at = now()
        WHERE (measure.status, measure.status_on) IS DISTINCT FROM (EXCLUDED.status, EXCLUDED.status_on)
        RETURNING xmax = 0 AS inserted"""),
        {"updated_by": updated_by},
    ).all()
    inserted = sum(r.inserted for r in rows)
    return {"inserted": inserted, "updated": len(rows) - inserted}


def codes(table: str, *, level: str | None = None) -> set[str]:
    """Return every code of `table` (admin_unit of `level`, natural_village or household)."""
    where = "WHERE level = :level" if level else ""
    return set(db.session.execute(text(f"SELECT code FROM {table} {where}"), {"level": level}).scalars())


def load_work(work, *, source: str = "demo") -> dict[str, int]:
    """Add a generated year of work (`geodata.work.Work`) in the caller's transaction; return counts.

    Codes and phones must name rows loaded already (the county, then the cadres in `work`).
    """
    session = db.session
    stage("cadre", work.cadres)
    upsert_staged_cadres()
    stage("patch", work.patches)
    replace_staged_patches()
    stage("pairing", work.pairings)
    session.execute(
        text("""
        INSERT INTO pairing (cadre_id, household_id, valid)
        SELECT c.id, h.id, daterange(s.start, s."end")
        FROM stage_pairing s JOIN cadre c ON c.phone = s.phone JOIN household h ON h.code = s.household_code
        ORDER BY h.id, s.start""")
    )
    stage("visit", work.visits.assign(row=range(len(work.visits))))
    visits = insert_staged_visits(source=source, created_by=None)
    stage("measure", work.measures)
    upsert_staged_measures(updated_by=None)
    from . import stats  # a sibling that imports this package: imported late

    stats.refresh()
    counts = session.execute(
        text("""
        SELECT (SELECT count(*) FROM cadre) AS cadres, (SELECT count(*) FROM pairing) AS pairings,
               (SELECT count(*) FROM measure) AS measures""")
    ).mappings()
    return {**counts.one(), "visits": visits}


def analyze() -> None:
    """Refresh planner statistics of the work tables after a bulk load."""
    db.session.execute(text("ANALYZE cadre, cadre_patch, pairing, visit, measure, household_work"))


def link_users_to_cadres() -> int:
    """Link each cadre-role user who is no cadre yet to the first unlinked cadre of their first village.

    The demo's cadre users log in as a cadre of the generated register this way; return how many.
    """
    return db.session.execute(
        text("""
        WITH pick AS (
            SELECT DISTINCT ON (u.id) u.id AS user_id, c.id AS cadre_id
            FROM app_user u
            JOIN user_village uv ON uv.user_id = u.id
            JOIN cadre c ON c.village_id = uv.village_id AND c.user_id IS NULL
            WHERE u.role_name = 'cadre' AND NOT EXISTS (SELECT FROM cadre x WHERE x.user_id = u.id)
            ORDER BY u.id, uv.village_id, c.id)
        UPDATE cadre c SET user_id = pick.user_id FROM pick WHERE c.id = pick.cadre_id""")
    ).rowcount


def insert_visit(visit: dict, *, source: str, created_by: int) -> dict:
    """Write one visit (keys as the columns, household by ``household_id``, optional ``lon``/``lat``).

    Return ``{"stored": True, "distance_m": …}`` for a new visit and ``{"stored": False}`` when its
    `uid` is stored already (a phone sending twice).
    """
    row = db.session.execute(
        text(f"""
        INSERT INTO {VISIT_COLUMNS}
        SELECT :uid, h.id, :cadre_id, :visited_on, :kind, :findings, CAST(:ticks AS jsonb), {VISIT_POINT},
               :source, :created_by
        FROM household h
        CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), {SRID}) AS geom) p
        WHERE h.id = :household_id
        ON CONFLICT (uid) DO NOTHING
        RETURNING distance_m"""),
        {
            **visit,
            "ticks": json.dumps(visit["ticks"]),
            "lon": visit.get("lon"),
            "lat": visit.get("lat"),
            "source": source,
            "created_by": created_by,
        },
    ).first()
    return {"stored": False} if row is None else {"stored": True, "distance_m": row.distance_m}
