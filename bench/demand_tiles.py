"""Demand vector tiles (#12), uncached, over 1,000,000 demands: counts at county and township zoom, points.

Peers measured in the same run on the same tiles: the old query (0018's tally by due day added up
whole, every open demand a row), and the household tiles (natural-village aggregates from the
statistics table, household points from zoom 14), which the web map loads beside them.
Run alone: `python -m bench.demand_tiles --households 20000 --demands 1000000`.
"""

import argparse
import datetime
import functools
import math
import secrets
import statistics
import time

from sqlalchemy import text

from bench import database
from bench.demands import DEMANDS, _load

SUFFIX = "_bench_demand_tiles"


def _tiles_around(lon: float, lat: float, z: int, n: int = 3) -> list[tuple[int, int, int]]:
    """Return the n×n tiles at zoom `z` centred on (lon, lat)."""
    size = 2**z
    x = int((lon + 180) / 360 * size)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * size)
    half = n // 2
    return [(z, x + dx, y + dy) for dx in range(-half, half + 1) for dy in range(-half, half + 1)]


def _times_ms(call, tiles, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        for tile in tiles:
            t0 = time.perf_counter()
            call(*tile)
            times.append((time.perf_counter() - t0) * 1000)
    return times


# The peer: the tiles as 0018 made them, adding up the tally by due day whole.
OLD = ("demand_tally d", "demand_tally d")


def _line(label: str, times: list[float], peers: dict[str, list[float]]) -> None:
    p50, p95 = statistics.median(times), statistics.quantiles(times, n=20)[-1]
    ratios = "  ".join(f"×{p50 / statistics.median(peer):5.2f} of {name}" for name, peer in peers.items())
    print(f"  {label:<30} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  {ratios}")


def _zoom(z: int, points: bool, spots: list, *, repeat: int, **common) -> None:
    """Print the lines of zoom `z`: the peers, then the demand tiles by role and filter."""
    from app.queries import demand_tiles, tiles
    from app.queries.demand_tiles import MapFilters

    def households_tile(z, x, y):
        tiles.tile(z, x, y, points=points, villages=None, flags=[], suppression=common["suppression"])

    def demand_tile(z, x, y, *, readable=None, filters=None, counted=demand_tiles.COUNTED):
        demand_tiles.tile(
            z,
            x,
            y,
            filters=filters or MapFilters(),
            readable=readable,
            points=points and readable is None,
            today=common["today"],
            min_count=common["suppression"].min_count,
            kinds=common["keys"],
            counted=counted,
        )

    peers = {
        "old query": _times_ms(functools.partial(demand_tile, counted=OLD), spots, repeat),
        "household tiles": _times_ms(households_tile, spots, repeat),
    }
    _line(f"z{z} leader, old query", peers["old query"], peers)
    for role, readable in (("leader", None), ("gis", frozenset())):
        for label, filters in (("", MapFilters()), (" open water", MapFilters(kind="water", state="open"))):
            call = functools.partial(demand_tile, readable=readable, filters=filters)
            _line(f"z{z} {role}{label}", _times_ms(call, spots, repeat), peers)


def run(*, households: int, demands: int, repeat: int) -> None:
    from app import create_app
    from app.extensions import db
    from app.queries.demands import kinds
    from app.suppression import Suppression

    url = database.fresh(SUFFIX)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_hex(16)})
    _load(app, households, demands)
    with app.app_context():
        # As autovacuum leaves them after a load: the index-only scans need the visibility map.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE demand_count, demand_tally")
        lon, lat = db.session.execute(
            text(
                "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(geom) c FROM admin_unit"
                " WHERE level = 'county') q"
            )
        ).one()
        common = {
            "keys": [k["key"] for k in kinds()],
            "suppression": Suppression(app.config["DISCLOSURE_MIN_COUNT"]),
            "today": datetime.date.today(),
        }
        print(f"demands: {demands:,} over {households:,} households; 9 tiles × {repeat} per line, uncached")
        for z, points in ((8, False), (10, False), (11, False), (12, False), (15, True)):
            _zoom(z, points, _tiles_around(lon, lat, z), repeat=repeat, **common)
        db.engine.dispose()
    database.drop(SUFFIX)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    for name, default in (("households", 20_000), ("demands", DEMANDS), ("repeat", 5)):
        parser.add_argument(f"--{name}", type=int, default=default)
    run(**vars(parser.parse_args()))
