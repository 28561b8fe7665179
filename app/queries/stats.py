"""The statistics table `natural_village_stats`: every registry indicator's aggregates per natural village.

Tiles, OGC layers and the disclosure rules read it instead of scanning every household. It is a
table rather than a materialized view so that one web write (a visit from a phone, a measure, a
household changed on its card) refreshes just the natural villages it touched, in milliseconds and
in the writer's transaction, instead of rebuilding the county (0.5 s at 170,000 households, and an
exclusive lock that stalls every tile meanwhile). Bulk writes (imports, the demo) rebuild it whole;
its columns follow the registry, so a registry change is picked up by the next whole rebuild.

`version()` changes with every refresh and is what caches of derived data (tiles, disclosure
decisions, nginx's shared tile cache) are keyed by. It is a row updated in the refreshing
transaction, so readers see the new version exactly when they can see the new data.
"""

from collections.abc import Iterable

from sqlalchemy import text

from .. import indicators
from ..extensions import db
from . import _natural_village_stats

TABLE = "natural_village_stats"
STATE = "natural_village_stats_state"  # one row: the version
# Two-key advisory locks of refreshes of one natural village: (this class, natural village id).
LOCK_CLASS = 4490


def source(as_of=None, where: str = "", only: Iterable[indicators.Indicator] = indicators.INDICATORS) -> str:
    """Return the statistics as a table expression: the table now, or computed as of moment `as_of`.

    A past view's aggregates come from the households' versions (app.queries.asof) over the
    households `where` keeps (a ``WHERE`` on ``h``), since the table holds only today's.
    """
    if as_of is None:
        return TABLE
    return f"({_natural_village_stats(where, only, as_of=as_of)})"


def household_indicators() -> list[indicators.Indicator]:
    """Return the indicators that read household columns only (what migrations before 0008_work can build)."""
    return [i for i in indicators.INDICATORS if i.reads == "household"]


def _bump() -> str:
    return f"UPDATE {STATE} SET version = version + 1;"


def bump() -> None:
    """Change the version in the caller's transaction: data the statistics' caches derive from changed."""
    db.session.execute(text(_bump()))


def build_sql(only: Iterable[indicators.Indicator] = indicators.INDICATORS) -> str:
    """Return the SQL that (re)builds the whole table from the registry (`only` these indicators)."""
    return f"""
        DROP TABLE IF EXISTS {TABLE};
        CREATE TABLE {TABLE} AS {_natural_village_stats(only=only)};
        ALTER TABLE {TABLE} ADD PRIMARY KEY (natural_village_id);
        CREATE TABLE IF NOT EXISTS {STATE} (version bigint NOT NULL);
        INSERT INTO {STATE} SELECT 0 WHERE NOT EXISTS (SELECT FROM {STATE});
        {_bump()}"""


def drop_sql() -> str:
    """Return the SQL that drops the table and its version (a migration's downgrade)."""
    return f"DROP TABLE IF EXISTS {TABLE}; DROP TABLE IF EXISTS {STATE};"


def _columns() -> list[str]:
    return list(
        db.session.execute(
            text("""SELECT attname FROM pg_attribute
                    WHERE attrelid = CAST(:t AS regclass) AND attnum > 0 AND NOT attisdropped
                    ORDER BY attnum"""),
            {"t": TABLE},
        ).scalars()
    )


def refresh(natural_village_ids: Iterable[int] | None = None) -> None:
    """Refresh the statistics in the caller's transaction: of these natural villages, or all of them.

    A partial refresh locks its natural villages first, so two writers in one natural village
    refresh one after the other and the second counts the first's write. A table whose columns
    no longer match the registry is rebuilt whole.
    """
    if natural_village_ids is None:
        db.session.execute(text(build_sql()))
        return
    ids = sorted(set(natural_village_ids))
    if not ids:
        return
    query = _natural_village_stats("WHERE h.natural_village_id = ANY(:ids)")
    columns = _columns()
    fresh = db.session.execute(text(f"SELECT * FROM ({query}) s LIMIT 0"), {"ids": ids}).keys()
    if list(fresh) != columns:
        db.session.execute(text(build_sql()))
        return
    db.session.execute(
        text(f"SELECT pg_advisory_xact_lock({LOCK_CLASS}, i) FROM unnest(CAST(:ids AS int[])) i ORDER BY i"),
        {"ids": ids},
    )
    names = ", ".join(columns)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c != "natural_village_id")
    db.session.execute(
        text(f"""
        INSERT INTO {TABLE} ({names}) {query}
        ON CONFLICT (natural_village_id) DO UPDATE SET {updates}"""),
        {"ids": ids},
    )
    db.session.execute(
        text(f"""
        DELETE FROM {TABLE} s WHERE s.natural_village_id = ANY(:ids)
            AND NOT EXISTS (SELECT FROM household h WHERE h.natural_village_id = s.natural_village_id);
        {_bump()}"""),
        {"ids": ids},
    )


def refresh_households(household_ids: Iterable[int] = (), *, codes: Iterable[str] = ()) -> None:
    """Refresh the statistics of the natural villages of these households, by id or code (a web write)."""
    found = db.session.execute(
        text("SELECT DISTINCT natural_village_id FROM household WHERE id = ANY(:ids) OR code = ANY(:codes)"),
        {"ids": list(household_ids), "codes": list(codes)},
    ).scalars()
    refresh(list(found))


def version() -> int | None:
    """Return a number that changes with every refresh (None before the first build)."""
    if db.session.execute(text("SELECT to_regclass(:t)"), {"t": STATE}).scalar() is None:
        return None
    return db.session.execute(text(f"SELECT version FROM {STATE}")).scalar()
