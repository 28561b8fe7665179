"""The household file over time (#13): five years of history on disk, extrapolated to 1,000,000 households;
the "as of" township map; what keeping history adds to loading a county.

Peers measured in the same run on the same data:
- disk: the household table itself (rows, indexes, TOAST), beside its history;
- as-of map: the same township page for today;
- as-of tiles: the same tiles today (uncached both);
- load: the same county loaded with the history triggers switched off (as before #13).

    python -m bench.history [HOUSEHOLDS [REPEAT]]
    python -m bench.history --reuse SUFFIX [REPEAT]   # a loaded county with history, e.g. _asof_1000000

`--reuse` measures the disk, the map and the tiles on an existing database beside DATABASE_URL's
(named by its suffix) without loading one: a prefecture takes long to generate.
"""

import datetime
import math
import secrets
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
    from app.queries import work as work_queries
    from app.queries.asof import load_history
    from geodata.generator import generate_county
    from geodata.history import generate_history, with_years
    from geodata.work import generate_work

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
        # A year of pairings, visits and measures, as the demo has: a past map reads them as of its day.
        work_queries.load_work(generate_work(county, seed=7, as_of=localtime.today()))
        queries.analyze()
        work_queries.analyze()
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

    def uncached(url: str):
        # The page keeps its values, classes and table per data version and day: each run builds them,
        # as the first reader of a day does.
        client.application.extensions.pop("area_maps", None)
        assert client.get(url).status_code == 200

    recent_day = datetime.date.today() - datetime.timedelta(days=90)  # within the year of visits
    recent = f"/areas/{township}?indicator=visit_coverage&as_of={recent_day}"
    for url in (past, recent, now):
        uncached(url)
    ours = _median_ms(lambda: uncached(past), repeat)
    in_work = _median_ms(lambda: uncached(recent), repeat)
    peer = _median_ms(lambda: uncached(now), repeat)
    print(
        f"township map as of {AS_OF} ({households:,} households in the county, uncached): "
        f"median {ours:.0f} ms   [target < 500 ms]"
    )
    print(f"  as of {recent_day}, its visits and pairings counted as of then: median {in_work:.0f} ms")
    print(f"  peer: the same township today: median {peer:.0f} ms (as of / today: {ours / peer:.2f}×)")


def _tiles_around(app, township: str) -> list[tuple[int, int, int]]:
    """Return the tiles at zoom 10, 12 and 14 around the household nearest `township`'s centre."""
    from app.extensions import db

    with app.app_context():
        lon, lat = db.session.execute(
            text("""
            SELECT ST_X(h.geom), ST_Y(h.geom) FROM household h, admin_unit t
            WHERE t.code = :code ORDER BY h.geom <-> ST_PointOnSurface(t.geom) LIMIT 1"""),
            {"code": township},
        ).one()
    n = {z: 2**z for z in (10, 12, 14)}
    row = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2
    return [
        (z, int((lon + 180) / 360 * n[z]) + dx, int(row * n[z]) + dy)
        for z in n
        for dx in (-1, 0, 1)
        for dy in (-1, 0, 1)
    ]


def as_of_tiles(client, tiles: list[tuple[int, int, int]], *, repeat: int) -> None:
    """Time the tiles of a past day against the same tiles today, per zoom (each uncached: no cache)."""
    for z in sorted({t[0] for t in tiles}):
        urls = ["/tiles/{}/{}/{}.mvt".format(*t) for t in tiles if t[0] == z]

        def every(suffix: str, urls=urls) -> None:
            for url in urls:
                client.application.extensions.pop("tile_cache", None)  # each tile made, not read back
                assert client.get(url + suffix).status_code == 200

        ours = _median_ms(lambda: every(f"?as_of={AS_OF}"), repeat) / len(urls)
        peer = _median_ms(lambda: every(""), repeat) / len(urls)
        points = "with household points" if z >= 14 else "areas only"
        print(
            f"z{z} tiles as of {AS_OF} ({len(urls)} tiles, {points}): median {ours:.0f} ms a tile; "
            f"peer today {peer:.0f} ms (as of / today: {ours / peer:.2f}×)"
        )


def _biggest_township(app) -> str:
    from app.extensions import db

    with app.app_context():
        return db.session.execute(
            text("""
            SELECT t.code FROM household h JOIN natural_village nv ON nv.id = h.natural_village_id
            JOIN admin_unit v ON v.id = nv.village_id JOIN admin_unit t ON t.id = v.parent_id
            GROUP BY t.code ORDER BY count(*) DESC LIMIT 1""")
        ).scalar_one()


def reuse(suffix: str, *, repeat: int) -> None:
    """Measure the as-of map and tiles on the loaded database `suffix` names (it gets a bench leader)."""
    from app import create_app
    from app.extensions import db

    url = database.url(suffix)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TILE_CACHE_ITEMS": 0})
    with app.app_context():
        households = db.session.execute(text("SELECT count(*) FROM household")).scalar_one()
    print(f"# history (#13) on {suffix}: {households:,} households, median of {repeat} runs")
    disk(url, households)
    township = _biggest_township(app)
    client = _client(app, "leader", username=f"bench-leader-{secrets.token_hex(3)}")  # one per run
    as_of_map(client, township, households, repeat=repeat)
    as_of_tiles(client, _tiles_around(app, township), repeat=repeat)
    with app.app_context():
        db.engine.dispose()


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
    client = _client(app, "leader")
    as_of_map(client, township, households, repeat=repeat)
    as_of_tiles(client, _tiles_around(app, township), repeat=repeat)
    database.close(app, SUFFIX)


if __name__ == "__main__":
    import sys

    if sys.argv[1:2] == ["--reuse"]:
        reuse(sys.argv[2], repeat=int((sys.argv[3:] or [7])[0]))
    else:
        numbers = [int(a) for a in sys.argv[1:3]]
        run(households=(numbers or [170_000])[0], repeat=(numbers[1:] or [7])[0])
