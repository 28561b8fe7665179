"""Households as they were at a past moment, and one household's versions (#13).

Every version of a household is a row of `household_history` with the range of
time it held (`app.history_models`). `households(as_of)` is the table expression
a query reads households from: the table itself for now, or the versions that
held at `as_of`, with the very columns of `household`, so every statistic,
card and export written over `household h` answers "as of" unchanged.
"""

import datetime

from sqlalchemy import text

from ..extensions import db
from ..models import Household
from ..privacy import Rule
from . import WORK_JOIN, _copy, household_fields, trends

# Columns of the poverty record the card and the timeline show besides a household's fields.
YEARS = ("poverty_registered_year", "poverty_lifted_year")
YEARS_SQL = tuple((year, year) for year in YEARS)
_COLUMNS = tuple(c.name for c in Household.__table__.columns)


def households(as_of: datetime.datetime | None) -> str:
    """Return the table expression of households now (None), or of their versions at moment `as_of`."""
    if as_of is None:
        return "household"
    if as_of.tzinfo is None:
        raise ValueError("as_of must carry its time zone")
    # A datetime's ISO form is a literal PostgreSQL reads exactly; nothing else reaches the SQL.
    return f"""(SELECT {", ".join(_COLUMNS)} FROM household_history
                WHERE valid @> '{as_of.isoformat()}'::timestamptz)"""


def day(as_of: datetime.datetime | None) -> str:
    """Return the county's day of moment `as_of` as a date literal, or "" for now.

    An indicator's ``current_date`` is the day its figures are of: a past view puts this in its place.
    `as_of` is the last moment of a day in the county's zone (`localtime.end_of`).
    """
    return f"DATE '{as_of.date().isoformat()}'" if as_of is not None else ""


def work(as_of: datetime.datetime | None) -> str:
    """Return the join that gives each household ``h`` its work state ``w``, now or as of `as_of`.

    Now, the derived `household_work`. At a past moment, the same columns from its kept dates: the
    pairings' ranges (a pairing is ended, never deleted, so ``paired @> day`` answers for any day),
    the two last of the visits by then and the measures done by then (``width_bucket`` counts the
    ascending dates up to the day; a measure's earlier statuses are not kept, so one done later
    counts as not yet done). One row per household, no lookup per household.
    """
    if as_of is None:
        return WORK_JOIN
    on = day(as_of)
    return f"""LEFT JOIN household_work now ON now.household_id = h.id
        LEFT JOIN LATERAL (
            SELECT now.paired, now.visit_dates[k.visits] AS last_visit_on,
                   now.visit_dates[k.visits - 1] AS previous_visit_on,
                   now.measures, width_bucket({on}, now.done_dates) AS measures_done
            FROM (SELECT width_bucket({on}, now.visit_dates) AS visits) k) w ON true"""


def versions(household_id: int, rules: dict[str, Rule]) -> list[dict]:
    """Return one household's versions, oldest first, with its fields as `rules` let them out.

    Each carries ``at`` (when it began), ``actor`` (the user's display name or
    username, None for none) and ``source``. A masked field is masked here, in
    SQL, and an omitted one never read, so comparing versions shows no more than the card.
    """
    fields = [*household_fields(rules), *YEARS_SQL]
    sql = f"""
        SELECT v.*, coalesce(nullif(u.display_name, ''), u.username) AS actor
        FROM (SELECT lower(valid) AS at, actor_id, source, {", ".join(f"{s} AS {n}" for n, s in fields)}
              FROM household_history WHERE id = :id) v
        LEFT JOIN app_user u ON u.id = v.actor_id
        ORDER BY v.at"""
    return [dict(r) for r in db.session.execute(text(sql), {"id": household_id}).mappings()]


# --- the generator's history ------------------------------------------------------------------


def load_history(history, *, zone: datetime.tzinfo) -> int:
    """Replace the loaded county's history with `history` (a `geodata.history.History`); return versions.

    The county was loaded with its poverty years (`geodata.history.with_years`). Each household's
    versions are its current row with that year's poverty status, lifted year and income; a version
    begins at midnight of its day in `zone` and ends where the next begins. The members loaded with
    the county were on file since their household's first version. The yearly figures the
    dashboard's trend reads are rebuilt from them (`app.queries.trends`).
    """
    session = db.session
    session.execute(
        text("""
        CREATE TEMP TABLE stage_version (code text, valid_from date, poverty_status text,
                                         poverty_lifted_year smallint, income_per_capita integer)
            ON COMMIT DROP""")
    )
    _copy(session.connection().connection.cursor(), "stage_version", history.versions)
    # The versions the load just wrote give way to the whole five years.
    session.execute(text("TRUNCATE household_history"))
    overridden = ("poverty_status", "poverty_lifted_year", "income_per_capita")
    values = ", ".join(f"v.{c}" if c in overridden else f"h.{c}" for c in _COLUMNS)
    written = session.execute(
        text(f"""
        INSERT INTO household_history (valid, actor_id, source, {", ".join(_COLUMNS)})
        SELECT tstzrange(v.valid_from::timestamp AT TIME ZONE :zone,
                         lead(v.valid_from) OVER w::timestamp AT TIME ZONE :zone),
               NULL, CASE WHEN lead(v.valid_from) OVER w IS NULL THEN 'demo' ELSE 'history' END,
               {values}
        FROM stage_version v JOIN household h ON h.code = v.code
        WINDOW w AS (PARTITION BY v.code ORDER BY v.valid_from)"""),
        {"zone": str(zone)},
    ).rowcount
    # The families were on file as long as their households: each member's version begins with its
    # household's first, from the same source, so the card tells no member "added" at the load.
    session.execute(
        text("""
        UPDATE member_history m SET valid = tstzrange(f.first, upper(m.valid)), source = f.source
        FROM (SELECT DISTINCT ON (id) id, lower(valid) AS first, source
              FROM household_history ORDER BY id, lower(valid)) f
        WHERE f.id = m.household_id""")
    )
    trends.rebuild()
    return written
