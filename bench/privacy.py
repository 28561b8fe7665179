"""Privacy figures (#10): the small-count decision, what it withholds, and what auditing tile reads costs.

From `python -m bench` it reads the county `bench.foundation.run` loaded; alone
(`python -m bench.privacy --households 170000`) it loads its own in `<database>_bench_privacy`.
Peers, measured in the same run:
- a township's natural villages (JSON) as a leader, for whom nothing is withheld;
- uncached household tiles whose audit row this process has already written (the common case).
"""

import argparse
import secrets
import statistics
import time

from sqlalchemy import text

from bench import database
from bench.foundation import LOAD, database_url, in_subprocess
from bench.tiles import tile_of


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _timed(call, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return times


def run(*, households: int, repeat: int, url: str | None = None) -> None:
    from app import create_app
    from app.auth import create_user
    from app.extensions import db
    from tests.conftest import log_in

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url or database_url(), "SECRET_KEY": "bench", "TILE_CACHE_ITEMS": 0}
    )
    password, suffix = secrets.token_urlsafe(12), secrets.token_hex(3)
    with app.app_context():
        users = [create_user(f"bench-privacy-{r}-{suffix}", password, role=r) for r in ("gis", "leader")]
        db.session.commit()
        names = [user.username for user in users]
        decision(app, users[0], repeat=repeat)
    clients = []
    for name in names:
        clients.append(app.test_client())
        log_in(clients[-1], name, password)
    township_api(app, *clients, repeat=repeat)
    tile_audit(app, clients[0], names[0])


def decision(app, gis, *, repeat: int) -> None:
    """Time the small-count decision for `gis`; say how much it withholds."""
    from app import disclosure, privacy, suppression
    from app.extensions import db
    from app.queries import disclosure as disclosure_queries

    rows = disclosure_queries.counts()
    known = privacy.known_villages(gis)
    k = app.config["DISCLOSURE_MIN_COUNT"]
    read = _timed(disclosure_queries.counts, repeat)
    decide = _timed(lambda: suppression.suppress(rows, known=known, min_count=k), repeat)
    shown = disclosure.for_user(gis).shown["left_behind_children"]
    units = db.session.execute(text("SELECT count(*) FROM admin_unit")).scalar_one()
    print(f"# Privacy (#10): {len(rows):,} natural villages, k = {k}, median of {repeat} runs")
    print(
        f"small-count decision for gis (cached per process until the statistics change): read "
        f"{_median_ms(read):.0f} ms + decide {_median_ms(decide):.0f} ms   [target < 500 ms]"
    )
    print(
        f"  left-behind children withheld from gis: {len(rows) - len(shown.natural_villages):,} of "
        f"{len(rows):,} natural villages, {units - len(shown.units)} of {units} villages/townships/county"
    )


def township_api(app, gis, leader, *, repeat: int) -> None:
    """Time the largest township's natural villages (JSON) as gis and as a leader."""
    from app.extensions import db

    with app.app_context():
        township = db.session.execute(
            text("""SELECT t.code FROM household h
                    JOIN natural_village nv ON nv.id = h.natural_village_id
                    JOIN admin_unit v ON v.id = nv.village_id JOIN admin_unit t ON t.id = v.parent_id
                    GROUP BY t.code ORDER BY count(*) DESC LIMIT 1""")
        ).scalar_one()
    api = f"/api/townships/{township}/natural-villages"
    assert gis.get(api).status_code == leader.get(api).status_code == 200
    ours, peer = (_timed(lambda c=client: c.get(api), repeat) for client in (gis, leader))
    ratio = statistics.median(ours) / statistics.median(peer)
    print(
        f"a township's natural villages as gis: median {_median_ms(ours):.0f} ms; peer as leader "
        f"(nothing withheld) {_median_ms(peer):.0f} ms (ratio ours/peer {ratio:.2f})"
    )


def tile_audit(app, client, username: str) -> None:
    """Read uncached z14 household tiles twice: first as a new process would (audited), then again."""
    from app.extensions import db

    count = text("SELECT count(*) FROM audit_event WHERE action = 'view_tiles' AND username = :u")
    with app.app_context():
        points = db.session.execute(
            text("SELECT ST_X(geom), ST_Y(geom) FROM household ORDER BY random() LIMIT 200")
        ).all()
        before = db.session.execute(count, {"u": username}).scalar_one()
    tiles = sorted({tile_of(lon, lat, 14) for lon, lat in points})
    fresh, remembered = [], []
    for tile in tiles:
        app.extensions.pop("tile_reads", None)  # as a new process would: the audit row is written
        fresh += _timed(lambda t=tile: client.get("/tiles/{}/{}/{}.mvt".format(*t)), 1)
        remembered += _timed(lambda t=tile: client.get("/tiles/{}/{}/{}.mvt".format(*t)), 1)
    with app.app_context():
        after = db.session.execute(count, {"u": username}).scalar_one()
    print(
        f"uncached z14 household tiles as gis, {len(tiles)} tiles read twice: audited read median "
        f"{_median_ms(fresh):.1f} ms; peer already audited {_median_ms(remembered):.1f} ms; "
        f"{after - before} audit rows (one per village read) for {2 * len(tiles)} tile reads"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=170_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    url = database.fresh("_bench_privacy")
    line, _ = in_subprocess(LOAD.format(households=args.households), url)
    print(f"loaded {args.households:,} households (generate, load: {line} s)")
    try:
        run(households=args.households, repeat=args.repeat, url=url)
    finally:
        database.drop("_bench_privacy")


if __name__ == "__main__":
    main()
