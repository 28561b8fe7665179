"""Every household indicator at the end of each past year, per township: the dashboard's trend (#13).

`township_trend` holds, per year and township, the aggregates `natural_village_stats` holds per
natural village for today, computed from `household_history` as of the year's last moment in the
county and summed per township. A dashboard view reads a township's rows, or sums the county's (a
prefecture's county: about a hundred townships), instead of six as-of aggregations over the history;
at a million households that is 500 rows instead of 100,000 per natural village.

Figures at the end of a past year do not change afterwards: a write versions a household from now
on (the history trigger), closing the version that held at the year's end without changing it. Only
history loaded with backdated versions (`app.queries.asof.load_history`, or SQL by hand: then run
``flask --app app trends``) rewrites them, and `rebuild` follows it. A year that ends while the
table is in use is added by the first reader after it (`fill`), once.

Work indicators (pairings, visits, measures) are not versioned in the history and have no trend.
"""

import datetime

from sqlalchemy import text

from .. import localtime
from ..extensions import db
from ..suppression import Suppression
from . import _natural_village_stats, _rollup, _values, stats
from .disclosure import Hide, disclosure_params

TABLE = "township_trend"
STATE = "township_trend_state"  # one row: the last year built


def traced():
    """Return the indicators with a trend: those read from household columns, which the history versions."""
    return stats.household_indicators()


def _year_sql(year: int) -> str:
    as_of = localtime.end_of(datetime.date(year, 12, 31))
    aggregates = _natural_village_stats(only=traced(), as_of=as_of)
    return f"""
        SELECT CAST({year} AS smallint) AS year, v.parent_id AS township_id, {_rollup("s", traced())}
        FROM ({aggregates}) s
        JOIN natural_village nv ON nv.id = s.natural_village_id
        JOIN admin_unit v ON v.id = nv.village_id
        GROUP BY v.parent_id"""


def _inserts(years) -> str:
    return "".join(f"INSERT INTO {TABLE} {_year_sql(year)};" for year in years)


FIRST_YEAR = (
    """SELECT CAST(extract(year FROM min(lower(valid)) AT TIME ZONE :zone) AS int) FROM household_history"""
)


def rebuild_sql(first: int | None) -> str:
    """Return the SQL that rebuilds the table: each year's end from the first versioned to last year's."""
    last = localtime.today().year - 1
    return f"""
        DROP TABLE IF EXISTS {TABLE};
        CREATE TABLE {TABLE} AS {_year_sql(last)} LIMIT 0;
        ALTER TABLE {TABLE} ADD PRIMARY KEY (year, township_id);
        DROP TABLE IF EXISTS {STATE};
        CREATE TABLE {STATE} AS SELECT CAST({last:d} AS smallint) AS built_through;
        {_inserts(range(first or last + 1, last + 1))}"""


def rebuild() -> None:
    """Rebuild the table from the history in the caller's transaction (after loading or backdating it)."""
    first = db.session.execute(text(FIRST_YEAR), {"zone": localtime.zone().key}).scalar()
    db.session.execute(text(rebuild_sql(first)))
    stats.bump()  # figures derived from the data changed: caches keyed by the version start again


def drop_sql() -> str:
    """Return the SQL that drops the table (a migration's downgrade)."""
    return f"DROP TABLE IF EXISTS {TABLE}; DROP TABLE IF EXISTS {STATE};"


def fill() -> None:
    """Add the years that ended since the table was built, committing them."""
    last = localtime.today().year - 1
    built = db.session.execute(text(f"SELECT built_through FROM {STATE}")).scalar_one()
    if built >= last:
        return
    built = db.session.execute(text(f"SELECT built_through FROM {STATE} FOR UPDATE")).scalar_one()
    if built < last:  # not added meanwhile by another reader
        db.session.execute(text(_inserts(range(built + 1, last + 1))))
        db.session.execute(text(f"UPDATE {STATE} SET built_through = :last"), {"last": last})
    db.session.commit()


def yearly(unit: dict, *, suppression: Suppression) -> list[dict]:
    """Return `unit`'s (the county's or a township's) values at each year's end, oldest first.

    Each row is the year and the values `app.queries.areas.children_table` gives a total, withheld
    for the reader as `unit`'s total is. A year before any household was versioned has no row.
    """
    where = "WHERE t.township_id = :unit" if unit["level"] == "township" else ""
    hide = Hide(suppression, "CAST(:unit AS integer)", "unit")
    values = ", ".join(f"{sql} AS {name}" for name, sql in _values("x", traced(), hide=hide))
    sql = f"""
        SELECT x.year, {values}
        FROM (SELECT t.year, {_rollup("t", traced())} FROM {TABLE} t {where} GROUP BY t.year) x
        ORDER BY x.year"""
    params = {"unit": unit["id"], **disclosure_params(suppression)}
    return [dict(r) for r in db.session.execute(text(sql), params).mappings()]
