"""The household file over time (#13): five years of history on disk, extrapolated to 1,000,000 households;
the "as of" township map; what keeping history adds to loading a county.

Peers measured in the same run on the same data:
- disk: the household table itself (rows, indexes, TOAST), beside its history;
- as-of map: the same township page for today;
- load: the same county loaded with the history triggers switched off (as before #13).

    python -m bench.history [HOUSEHOLDS [REPEAT]]
"""

import datetime
import time

import flask_migrate
from sqlalchemy import create_engine, text

from bench import database
from bench.work import _client, _median_ms

SUFFIX = "_bench_history"
PREFECTURE = 1_000_000
DISK_TARGET = 3 * 1024**3
AS_OF = datetime.date(2023, 6, 30)
GIB = 1024**3


def _load(app, households: int) -> tuple:
    """Load the county twice, history triggers off then on; return the county and both load times (s)."""
    from app import localtime, queries, versions
    from app.extensions import db
    from app.queries.asof import load_history
    from geodata.generator import generate_county
    from geodata.history import generate_history, with_years

    with app.app_context():
        flask_migrate.upgrade()
        county = generate_county(households=households, seed=7)
        started = time.perf_counter()
        history = generate_history(county, seed=7)
        generated = time.perf_counter() - started
        db.session.execute(text("ALTER TABLE household DISABLE TRIGGER household_history_inserted"))
        db.session.commit()
        started = time.perf_counter()
        queries.load_county(county)
        db.session.commit()
        before = time.perf_counter() - started
        db.session.execute(text("ALTER TABLE household ENABLE TRIGGER household_history_inserted"))
        db.session.commit()
        started = time.perf_counter()
        with versions.acting(None, "demo"):
            queries.load_county(with_years(county, history))
            load_history(history, zone=localtime.zone())
            db.session.commit()
        after = time.perf_counter() - started
        queries.analyze()
        db.session.commit()
    return county, generated, before, after


def _sizes(url: str) -> dict[str, int]:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("VACUUM ANALYZE household, household_history"))
        row = connection.execute(
            text("""
            SELECT pg_total_relation_size('household') AS household,
                   pg_total_relation_size('household_history') AS history,
                   pg_relation_size('household_history') AS history_rows,
                   pg_indexes_size('household_history') AS history_indexes,
                   (SELECT count(*) FROM household_history) AS versions""")
        ).mappings()
        sizes = dict(row.one())
    engine.dispose()
    return sizes


def disk(url: str, households: int) -> None:
    sizes = _sizes(url)
    scale = PREFECTURE / households
    history = sizes["history"] * scale
    print(
        f"history of 5 years: {sizes['versions']:,} versions of {households:,} households take "
        f"{sizes['history'] / GIB:.2f} GiB ({sizes['history_rows'] / GIB:.2f} rows, "
        f"{sizes['history_indexes'] / GIB:.2f} indexes); "
        f"at {PREFECTURE:,} households {history / GIB:.2f} GiB   [target < {DISK_TARGET / GIB:.0f} GiB]"
    )
    print(
        f"  peer: the household table now: {sizes['household'] / GIB:.2f} GiB, "
        f"{sizes['household'] * scale / GIB:.2f} GiB at {PREFECTURE:,} "
        f"(history / table: {sizes['history'] / sizes['household']:.1f}×)"
    )


def as_of_map(client, township: str, households: int, *, repeat: int) -> None:
    past = f"/areas/{township}?indicator=lifted&as_of={AS_OF}"
    now = f"/areas/{township}?indicator=lifted"
    for url in (past, now):
        assert client.get(url).status_code == 200
    ours = _median_ms(lambda: client.get(past), repeat)
    peer = _median_ms(lambda: client.get(now), repeat)
    print(
        f"township map as of {AS_OF} ({households:,} households in the county): median {ours:.0f} ms"
        f"   [target < 500 ms]"
    )
    print(f"  peer: the same township today: median {peer:.0f} ms (as of / today: {ours / peer:.2f}×)")


def run(*, households: int, repeat: int) -> None:
    from app import create_app

    url = database.fresh(SUFFIX)
    print(f"# history (#13): {households:,} households, median of {repeat} runs")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    county, generated, before, after = _load(app, households)
    print(
        f"loading the county with its history: {after:.1f} s (+ {generated:.1f} s generating 5 years); "
        f"peer, without history: {before:.1f} s (with / without: {after / before:.2f}×)"
    )
    disk(url, households)
    units = county.admin_units
    townships = units[units.level == "township"].code
    biggest = county.households.code.str[:9].value_counts().index[0]
    township = next(code for code in townships if code.startswith(biggest))
    as_of_map(_client(app, "leader"), township, households, repeat=repeat)
    database.close(app, SUFFIX)


if __name__ == "__main__":
    import sys

    numbers = [int(a) for a in sys.argv[1:3]]
    run(households=(numbers or [170_000])[0], repeat=(numbers[1:] or [7])[0])
