"""Statistics of people's demands (#12): the monthly analysis (民情分析会) and the leaders' trends.

Every figure is counted here, in SQL, from the append-only events, so a past month reads as it
stood at its end: a demand's state on a day is the state of its last event on or before that day
(in the county's time zone). Definitions, shared by the report and the dashboard:

- raised: demands whose `raised_on` falls in the month;
- solved: of those, the ones answered or closed at the month's end (the deadline clock stops at
  the answer, as for overdue flags); the solved share is solved / raised;
- days to answer: from `raised_on` to the day of the first answer, in calendar days and in
  working days of the Chinese calendar (the caller passes the working days, `chinese_calendar`);
- overdue: demands of any month still open at the month's end whose `due_on` has passed;
- satisfaction: of the closings (ratings) given in the month, the share satisfied or basically
  satisfied (满意 + 基本满意).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import text

from ..extensions import db

OPEN_STATES = ("registered", "accepted", "assigned", "in_progress", "reopened")
SOLVED_STATES = ("answered", "closed")
PLEASED = ("satisfied", "basically")


@dataclass(frozen=True)
class Month:
    """A calendar month read up to `cutoff`: its last day, or today while it runs."""

    first: datetime.date
    last: datetime.date
    cutoff: datetime.date

    @property
    def label(self) -> str:
        return f"{self.first:%Y-%m}"


# A demand's state on :cutoff, from its last event before the next day began (:until); the
# comparison on `at` itself lets the (demand_id, at) index find it.
_STATE_AT = """coalesce((SELECT e.state FROM demand_event e WHERE e.demand_id = d.id AND e.at < :until
          ORDER BY e.at DESC, e.id DESC LIMIT 1), 'registered')"""
_ANSWERED_ON = """(SELECT (min(e.at) AT TIME ZONE :zone)::date FROM demand_event e
          WHERE e.demand_id = d.id AND e.at < :until AND e.state = 'answered')"""

_AT_CUTOFF = f"""
    SELECT d.*, k.label_zh AS kind_zh, k.position AS kind_position,
           {_STATE_AT} AS state_then, {_ANSWERED_ON} AS answered_on
    FROM demand d JOIN demand_kind k ON k.key = d.kind
    WHERE d.village_id = ANY(:villages) AND d.raised_on <= :cutoff"""


def _values(villages: Sequence[int], month: Month, zone: str) -> dict:
    next_day = month.cutoff + datetime.timedelta(days=1)
    return {
        "villages": list(villages),
        "first": month.first,
        "cutoff": month.cutoff,
        "until": datetime.datetime.combine(next_day, datetime.time(), ZoneInfo(zone)),
        "zone": zone,
        "open": list(OPEN_STATES),
        "solved": list(SOLVED_STATES),
        "pleased": list(PLEASED),
    }


def _rows(sql: str, values: dict) -> list[dict]:
    return [dict(r) for r in db.session.execute(text(sql), values).mappings()]


def month_summary(
    villages: Sequence[int], month: Month, *, zone: str, working_days: Sequence[datetime.date]
) -> dict:
    """Return the month's totals: raised, solved and its share, average days to answer, overdue, ratings.

    Parameters
    ----------
    villages
        The administrative villages counted (a village, or a township's).
    working_days
        The working days from the month's first day to its cutoff (to count days to answer).
    """
    sql = f"""
        WITH d AS MATERIALIZED ({_AT_CUTOFF}),
        month AS (SELECT * FROM d WHERE raised_on >= :first),
        ratings AS (  -- the closings of the month, each with its rating
            SELECT e.detail->>'rating' AS rating FROM demand d JOIN demand_event e ON e.demand_id = d.id
            WHERE d.village_id = ANY(:villages) AND e.action = 'close'
              AND e.at >= CAST(:first AS timestamp) AT TIME ZONE :zone AND e.at < :until)
        SELECT (SELECT count(*) FROM month) AS raised,
               (SELECT count(*) FROM month WHERE state_then = ANY(:solved)) AS solved,
               (SELECT count(*) FROM month WHERE answered_on IS NOT NULL) AS answered,
               (SELECT count(*) FROM month WHERE answered_on <= due_on) AS answered_in_time,
               (SELECT round(avg(answered_on - raised_on), 1) FROM month) AS calendar_days,
               (SELECT round(avg((SELECT count(*) FROM unnest(CAST(:working_days AS date[])) w
                                  WHERE w > raised_on AND w <= answered_on)), 1)
                FROM month WHERE answered_on IS NOT NULL) AS working_days,
               (SELECT count(*) FROM d WHERE state_then = ANY(:open) AND due_on < :cutoff) AS overdue,
               (SELECT count(*) FROM ratings) AS rated,
               (SELECT count(*) FROM ratings WHERE rating = ANY(:pleased)) AS pleased,
               (SELECT count(*) FROM ratings WHERE rating = 'not_satisfied') AS displeased"""
    values = {**_values(villages, month, zone), "working_days": list(working_days)}
    row = dict(db.session.execute(text(sql), values).mappings().one())
    row["solved_share"] = row["solved"] / row["raised"] if row["raised"] else None
    row["satisfaction"] = row["pleased"] / row["rated"] if row["rated"] else None
    return row


def by_kind_and_state(villages: Sequence[int], month: Month, *, zone: str) -> list[dict]:
    """Return the month's demands counted per kind (every kind, in catalogue order) and state at its end."""
    states = ", ".join(
        f"count(*) FILTER (WHERE m.state_then = '{s}') AS {s}" for s in (*OPEN_STATES, *SOLVED_STATES)
    )
    sql = f"""
        WITH month AS (SELECT * FROM ({_AT_CUTOFF}) d WHERE raised_on >= :first)
        SELECT k.key AS kind, k.label_zh AS kind_zh, k.label_en AS kind_en, count(m.id) AS raised, {states},
               count(*) FILTER (WHERE m.state_then = ANY(:solved)) AS solved
        FROM demand_kind k LEFT JOIN month m ON m.kind = k.key
        WHERE k.active OR m.id IS NOT NULL
        GROUP BY k.key, k.label_zh, k.label_en, k.position ORDER BY k.position, k.key"""
    return _rows(sql, _values(villages, month, zone))


def overdue(villages: Sequence[int], month: Month, *, zone: str) -> list[dict]:
    """Return the demands open at the month's end past their due day, most overdue first."""
    sql = f"""
        SELECT d.id, d.kind_zh, d.state_then AS state, d.raised_on, d.due_on,
               :cutoff - d.due_on AS days_overdue, d.assignee, d.assignee_kind,
               v.name AS village, nv.name AS natural_village,
               coalesce(nullif(d.person_name, ''), h.head_name) AS person_name
        FROM ({_AT_CUTOFF}) d
        JOIN admin_unit v ON v.id = d.village_id
        JOIN natural_village nv ON nv.id = d.natural_village_id
        LEFT JOIN household h ON h.id = d.household_id
        WHERE d.state_then = ANY(:open) AND d.due_on < :cutoff
        ORDER BY d.due_on, d.id"""
    return _rows(sql, _values(villages, month, zone))


def month_points(villages: Sequence[int], month: Month, *, zone: str, srid: int) -> list[dict]:
    """Return the month's demands and the overdue ones as points in `srid`, with their state at its end."""
    sql = f"""
        SELECT d.id, d.state_then AS state, d.state_then = ANY(:open) AND d.due_on < :cutoff AS overdue,
               ST_X(ST_Transform(d.geom, :srid)) AS x, ST_Y(ST_Transform(d.geom, :srid)) AS y
        FROM ({_AT_CUTOFF}) d
        WHERE d.raised_on >= :first OR (d.state_then = ANY(:open) AND d.due_on < :cutoff)
        ORDER BY d.id"""
    return _rows(sql, {**_values(villages, month, zone), "srid": srid})


def trend(months: Sequence[Month], *, zone: str, township: int | None = None) -> list[dict]:
    """Return per township (or per village of `township`) and month: raised, solved, ratings, overdue.

    One pass over the events in their index's order: each event's state holds from its time until
    the next event's (the first, a registration, from the day the demand was raised), and a month's
    figures count the spans holding when its cutoff day ends.
    """
    group = "v.id" if township is not None else "v.parent_id"
    only = "WHERE e.demand_id IN (SELECT id FROM scoped)" if township is not None else ""
    sql = f"""
        WITH months AS MATERIALIZED (
            SELECT first, cutoff, CAST(first AS timestamp) AT TIME ZONE :zone AS starts,
                   CAST(cutoff + 1 AS timestamp) AT TIME ZONE :zone AS ends
            FROM unnest(CAST(:firsts AS date[]), CAST(:cutoffs AS date[])) AS m(first, cutoff)),
        scoped AS MATERIALIZED (
            SELECT d.id, d.raised_on, d.due_on, {group} AS unit_id FROM demand d
            JOIN admin_unit v ON v.id = d.village_id
            WHERE CAST(:township AS int) IS NULL OR v.parent_id = :township),
        spans AS MATERIALIZED (
            SELECT e.demand_id, e.state,
                   CASE WHEN lag(e.at) OVER w IS NOT NULL THEN e.at END AS since, lead(e.at) OVER w AS until
            FROM demand_event e {only}
            -- events written in one transaction tie on `at`: the id keeps their order
            WINDOW w AS (PARTITION BY e.demand_id ORDER BY e.at, e.id)),
        counted AS (
            SELECT m.first, s.unit_id,
                   count(*) FILTER (WHERE s.raised_on >= m.first AND p.state = ANY(:solved)) AS solved,
                   count(*) FILTER (WHERE p.state = ANY(:open) AND s.due_on < m.cutoff) AS overdue
            FROM spans p JOIN scoped s ON s.id = p.demand_id
            -- the months whose cutoff the span may hold on: from the one it starts in to the one it ends in
            CROSS JOIN LATERAL generate_series(
                date_trunc('month', coalesce(p.since AT TIME ZONE :zone, s.raised_on)),
                date_trunc('month', coalesce(p.until AT TIME ZONE :zone, :last)), interval '1 month'
            ) AS g(month)
            JOIN months m ON m.first = g.month::date
                         AND (p.since < m.ends OR (p.since IS NULL AND s.raised_on <= m.cutoff))
                         AND (p.until IS NULL OR p.until >= m.ends)
            GROUP BY 1, 2),
        rated AS (
            SELECT m.first, s.unit_id, count(*) AS rated,
                   count(*) FILTER (WHERE e.detail->>'rating' = ANY(:pleased)) AS pleased
            FROM months m JOIN demand_event e ON e.action = 'close' AND e.at >= m.starts AND e.at < m.ends
            JOIN scoped s ON s.id = e.demand_id GROUP BY 1, 2),
        raised AS (
            SELECT m.first, s.unit_id, count(*) AS raised
            FROM months m JOIN scoped s ON s.raised_on BETWEEN m.first AND m.cutoff GROUP BY 1, 2)
        SELECT u.id AS unit_id, u.code, u.name, m.first AS month,
               coalesce(n.raised, 0) AS raised, coalesce(c.solved, 0) AS solved,
               coalesce(c.overdue, 0) AS overdue, coalesce(r.rated, 0) AS rated,
               coalesce(r.pleased, 0) AS pleased
        FROM admin_unit u CROSS JOIN months m
        LEFT JOIN raised n ON n.unit_id = u.id AND n.first = m.first
        LEFT JOIN counted c ON c.unit_id = u.id AND c.first = m.first
        LEFT JOIN rated r ON r.unit_id = u.id AND r.first = m.first
        WHERE u.level = :level AND (CAST(:township AS int) IS NULL OR u.parent_id = :township)
        ORDER BY u.code, m.first"""
    values = {
        "firsts": [m.first for m in months],
        "cutoffs": [m.cutoff for m in months],
        "last": months[-1].cutoff,
        "zone": zone,
        "township": township,
        "level": "village" if township is not None else "township",
        "open": list(OPEN_STATES),
        "solved": list(SOLVED_STATES),
        "pleased": list(PLEASED),
    }
    return _rows(sql, values)


def version() -> tuple:
    """Return what the figures depend on: the last event written and the county's statistics build."""
    return tuple(
        db.session.execute(
            text("""
            SELECT (SELECT max(id) FROM demand_event),
                   (SELECT relfilenode FROM pg_class WHERE oid = to_regclass('natural_village_stats'))""")
        ).one()
    )
