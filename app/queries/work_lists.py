"""SQL of the 民情 work's lists (#11): a cadre's overdue households, poor households without a helper.

A household is due for a visit unless it was visited twice in the last 12 months
and once in the last 6 (visits at least twice a year, no half year skipped); the
dates come from `household_work`, so a list reads one row per household.
"""

from __future__ import annotations

import datetime

import pandas as pd
from sqlalchemy import text

from ..extensions import db
from ..models import SRID
from ..privacy import Rule
from . import household_fields


def coverage_cutoffs(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Return the first days inside the last 12 and the last 6 months up to `today`."""
    year = pd.Timestamp(today) - pd.DateOffset(months=12)
    half = pd.Timestamp(today) - pd.DateOffset(months=6)
    return year.date() + datetime.timedelta(days=1), half.date() + datetime.timedelta(days=1)


def cadre(*, user_id: int | None = None, phone: str | None = None) -> dict | None:
    """Return the active cadre logged in as `user_id`, or with mobile `phone`; None when there is none."""
    where = "c.user_id = :user_id" if user_id is not None else "c.phone = :phone"
    row = db.session.execute(
        text(f"""
            SELECT c.id, c.name, c.unit, c.phone, c.role, c.village_id, v.code AS village_code,
                   v.name AS village_name
            FROM cadre c JOIN admin_unit v ON v.id = c.village_id
            WHERE {where} AND c.active"""),
        {"user_id": user_id, "phone": phone},
    ).mappings()
    found = row.first()
    return dict(found) if found else None


def _named(rules: dict[str, Rule]) -> str:
    return ", ".join(
        f"h.{sql} AS {name}" if sql == name else f"{sql} AS {name}"
        for name, sql in household_fields(rules)
        if name in ("code", "head_name", "address")
    )


PATCH = """
    SELECT h.id FROM cadre_patch p JOIN household h ON h.natural_village_id = p.natural_village_id
    WHERE p.cadre_id = :cadre
    UNION
    SELECT p.household_id FROM cadre_patch p WHERE p.cadre_id = :cadre AND p.household_id IS NOT NULL"""


def overdue(
    cadre_id: int,
    rules: dict[str, Rule],
    *,
    today: datetime.date,
    near: tuple[float, float] | None = None,
) -> list[dict]:
    """Return the households of a cadre's patch due for a visit, nearest first (or longest unseen first).

    Parameters
    ----------
    rules
        What of each household may be shown (`app.privacy.field_rules`).
    near
        (lon, lat) in CGCS2000 where the cadre stands; rows then carry ``distance_m`` and come nearest first.
    """
    year, half = coverage_cutoffs(today)
    distance = "NULL::float8"
    order = "w.last_visit_on NULLS FIRST, h.code"
    if near is not None:
        distance = f"ST_Distance(h.geom::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), {SRID})::geography)"
        order = "distance_m, h.code"
    rows = db.session.execute(
        text(f"""
            WITH patch AS ({PATCH})
            SELECT {_named(rules)}, nv.code AS natural_village_code, nv.name AS natural_village_name,
                   w.last_visit_on, w.previous_visit_on, round({distance}) AS distance_m,
                   round(ST_X(h.geom)::numeric, 6)::float8 AS lon,
                   round(ST_Y(h.geom)::numeric, 6)::float8 AS lat,
                   CASE WHEN w.last_visit_on IS NULL THEN 'never'
                        WHEN w.last_visit_on < :half THEN 'half_year'
                        ELSE 'once' END AS reason
            FROM patch JOIN household h ON h.id = patch.id
            JOIN natural_village nv ON nv.id = h.natural_village_id
            LEFT JOIN household_work w ON w.household_id = h.id
            WHERE NOT coalesce(w.previous_visit_on >= :year AND w.last_visit_on >= :half, false)
            ORDER BY {order}"""),
        {"cadre": cadre_id, "year": year, "half": half, "lon": near and near[0], "lat": near and near[1]},
    ).mappings()
    return [dict(r) for r in rows]


def patch_size(cadre_id: int) -> int:
    """Return how many households a cadre is responsible for."""
    return db.session.execute(text(f"SELECT count(*) FROM ({PATCH}) p"), {"cadre": cadre_id}).scalar_one()


def unpaired_per_township() -> list[dict]:
    """Return every township with its poor households and how many of them have no helper today."""
    rows = db.session.execute(
        text("""
            SELECT t.code, t.name, count(h.id) AS poor,
                   count(h.id) FILTER (WHERE NOT coalesce(w.paired @> current_date, false)) AS unpaired
            FROM admin_unit t
            JOIN admin_unit v ON v.parent_id = t.id AND v.level = 'village'
            JOIN natural_village nv ON nv.village_id = v.id
            JOIN household h ON h.natural_village_id = nv.id AND h.poverty_status <> 'none'
            LEFT JOIN household_work w ON w.household_id = h.id
            WHERE t.level = 'township'
            GROUP BY t.code, t.name ORDER BY t.code""")
    ).mappings()
    return [dict(r) for r in rows]


UNPAIRED = """
    FROM admin_unit v
    JOIN natural_village nv ON nv.village_id = v.id
    JOIN household h ON h.natural_village_id = nv.id AND h.poverty_status <> 'none'
    LEFT JOIN household_work w ON w.household_id = h.id
    WHERE v.parent_id = :township AND NOT coalesce(w.paired @> current_date, false)"""


def unpaired(
    township_id: int, rules: dict[str, Rule] | None, *, villages: frozenset[int] | None
) -> tuple[list[dict], list[dict]]:
    """Return a township's poor households without a helper today, and per-village counts of the rest.

    Parameters
    ----------
    rules
        What of each household may be shown (`app.privacy.field_rules`); None: counts only.
    villages
        The administrative villages whose households may be listed (None: all); elsewhere, counts.
    """
    scope = "TRUE" if villages is None else "v.id = ANY(:villages)"
    if rules is None:
        scope = "FALSE"
    bind = {"township": township_id, "villages": sorted(villages or ())}
    listed = []
    if rules is not None:
        listed = db.session.execute(
            text(f"""
                SELECT {_named(rules)}, v.code AS village_code, v.name AS village_name,
                       nv.code AS natural_village_code, nv.name AS natural_village_name,
                       coalesce(w.paired <> '{{}}'::datemultirange, false) AS was_paired
                {UNPAIRED} AND {scope}
                ORDER BY v.code, nv.code, h.code"""),
            bind,
        ).mappings()
    counted = db.session.execute(
        text(f"""
            SELECT v.code AS village_code, v.name AS village_name, count(*) AS households
            {UNPAIRED} AND NOT ({scope})
            GROUP BY v.code, v.name ORDER BY v.code"""),
        bind,
    ).mappings()
    return [dict(r) for r in listed], [dict(r) for r in counted]


RESPONSIBLE = f"""(h.id IN ({PATCH})
    OR EXISTS (SELECT FROM pairing p WHERE p.household_id = h.id AND p.cadre_id = :cadre
               AND p.valid @> current_date))"""


def find_household(query: str, cadre_id: int) -> list[dict]:
    """Return the households coded `query`, or whose head is named `query`, the cadre's own first.

    Each row says whether the cadre is responsible for it (in their patch, or paired with them now).
    """
    rows = db.session.execute(
        text(f"""
            SELECT h.id, h.code, h.head_name, nv.village_id, {RESPONSIBLE} AS responsible
            FROM household h JOIN natural_village nv ON nv.id = h.natural_village_id
            WHERE h.code = :q OR h.head_name = :q
            ORDER BY responsible DESC, h.code LIMIT 10"""),
        {"q": query, "cadre": cadre_id},
    ).mappings()
    return [dict(r) for r in rows]


def my_households(cadre_id: int) -> list[dict]:
    """Return the households a cadre is responsible for (code, head's name), for the form's suggestions."""
    rows = db.session.execute(
        text(f"""
            SELECT h.code, h.head_name FROM household h WHERE {RESPONSIBLE} ORDER BY h.code"""),
        {"cadre": cadre_id},
    ).mappings()
    return [dict(r) for r in rows]


def battle_map(*, today: datetime.date, township_id: int | None = None) -> list[dict]:
    """Return how far the work is in each administrative village (作战图), of a township or all.

    Counts of households, poor, paired, visited twice in 12 months, due for a visit, measures and
    measures done, visit photos flagged in 12 months, the village's cadres and its lead (a committee
    member first). Only counts leave
    the database (no household is named), so every role may read it.
    """
    year, half = coverage_cutoffs(today)
    where = "AND v.parent_id = :township" if township_id is not None else ""
    rows = db.session.execute(
        text(f"""
            WITH hh AS (
                SELECT nv.village_id, count(*) AS households,
                       count(*) FILTER (WHERE h.poverty_status <> 'none') AS poor,
                       count(*) FILTER (WHERE h.poverty_status <> 'none'
                                        AND w.paired @> current_date) AS paired,
                       count(*) FILTER (WHERE w.previous_visit_on >= :year) AS covered,
                       count(*) FILTER (WHERE NOT coalesce(w.previous_visit_on >= :year
                                                           AND w.last_visit_on >= :half, false)) AS overdue,
                       coalesce(sum(w.measures), 0) AS measures, coalesce(sum(w.measures_done), 0) AS done
                FROM household h JOIN natural_village nv ON nv.id = h.natural_village_id
                LEFT JOIN household_work w ON w.household_id = h.id
                GROUP BY nv.village_id),
            ph AS (  -- visit photos of the last 12 months kept but flagged (far, off day, no EXIF)
                SELECT nv.village_id, count(*) AS photos_flagged
                FROM photo p JOIN visit vi ON vi.id = p.visit_id JOIN household h ON h.id = vi.household_id
                JOIN natural_village nv ON nv.id = h.natural_village_id
                WHERE cardinality(p.flags) > 0 AND vi.visited_on >= :year GROUP BY nv.village_id),
            c AS (
                SELECT village_id, count(*) AS cadres,
                       (array_agg(name ORDER BY role <> 'committee', id))[1] AS lead
                FROM cadre WHERE active GROUP BY village_id)
            SELECT t.code AS township_code, t.name AS township_name, v.code, v.name,
                   coalesce(hh.households, 0) AS households, coalesce(hh.poor, 0) AS poor,
                   coalesce(hh.paired, 0) AS paired, coalesce(hh.covered, 0) AS covered,
                   coalesce(hh.overdue, 0) AS overdue, coalesce(hh.measures, 0) AS measures,
                   coalesce(hh.done, 0) AS done, coalesce(c.cadres, 0) AS cadres, c.lead,
                   coalesce(ph.photos_flagged, 0) AS photos_flagged
            FROM admin_unit v JOIN admin_unit t ON t.id = v.parent_id
            LEFT JOIN hh ON hh.village_id = v.id LEFT JOIN c ON c.village_id = v.id
            LEFT JOIN ph ON ph.village_id = v.id
            WHERE v.level = 'village' {where}
            ORDER BY v.code"""),
        {"year": year, "half": half, "township": township_id},
    ).mappings()
    return [dict(r) for r in rows]


# Households every holiday round must reach (全覆盖走访慰问): poor, 低保, 五保, elders alone, children left.
VULNERABLE = """(h.poverty_status <> 'none' OR h.dibao OR h.wubao OR h.empty_nest_elderly
                 OR h.left_behind_elderly OR h.left_behind_children > 0)"""


def holiday_coverage(rounds: list[tuple[str, datetime.date]], *, days: int) -> list[dict]:
    """Return per township and holiday the vulnerable households and how many were visited in its round.

    Parameters
    ----------
    rounds
        (key, day) of each holiday; its round is the `days` days up to and including the holiday.
    """
    if not rounds:
        return []
    values = ", ".join(f"(:key{i}, CAST(:day{i} AS date))" for i in range(len(rounds)))
    bind = {f"key{i}": key for i, (key, _) in enumerate(rounds)}
    bind |= {f"day{i}": day for i, (_, day) in enumerate(rounds)}
    rows = db.session.execute(
        text(f"""
            WITH vulnerable AS (
                SELECT h.id, v.parent_id AS township_id
                FROM household h JOIN natural_village nv ON nv.id = h.natural_village_id
                JOIN admin_unit v ON v.id = nv.village_id
                WHERE {VULNERABLE})
            SELECT t.code, t.name, r.key, r.day, count(*) AS vulnerable,
                   count(*) FILTER (WHERE EXISTS (
                       SELECT FROM visit x WHERE x.household_id = vh.id
                       AND x.visited_on BETWEEN r.day - :days + 1 AND r.day)) AS visited
            FROM vulnerable vh JOIN admin_unit t ON t.id = vh.township_id
            CROSS JOIN (VALUES {values}) AS r(key, day)
            GROUP BY t.code, t.name, r.key, r.day
            ORDER BY t.code, r.day"""),
        {**bind, "days": days},
    ).mappings()
    return [dict(r) for r in rows]


def pairings(cadre_id: int, rules: dict[str, Rule], *, villages: frozenset[int] | None) -> list[dict]:
    """Return a cadre's pairings (结对), current ones first, each with its household as `rules` allow.

    Only households in `villages` (None: anywhere) are listed.
    """
    scope = "" if villages is None else "AND nv.village_id = ANY(:villages)"
    rows = db.session.execute(
        text(f"""
            SELECT {_named(rules)}, nv.name AS natural_village_name, lower(p.valid) AS start,
                   upper(p.valid) AS "end", upper_inf(p.valid) AS current
            FROM pairing p JOIN household h ON h.id = p.household_id
            JOIN natural_village nv ON nv.id = h.natural_village_id
            WHERE p.cadre_id = :cadre {scope}
            ORDER BY upper_inf(p.valid) DESC, h.code, lower(p.valid)"""),
        {"cadre": cadre_id, "villages": sorted(villages or ())},
    ).mappings()
    return [dict(r) for r in rows]
