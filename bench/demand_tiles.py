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


def _xy(lon: float, lat: float, z: int) -> tuple[int, int]:
    size = 2**z
    x = int((lon + 180) / 360 * size)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * size)
    return x, y


def _county_tiles(box: tuple[float, float, float, float], z: int, n: int = 9) -> list[tuple[int, int, int]]:
    """Return the `n` tiles at zoom `z` over the county's box (W, S, E, N) nearest its centre.

    Only tiles with natural villages in them: empty tiles around a small county would make the
    median a measure of nothing.
    """
    west, south, east, north = box
    (x0, y0), (x1, y1) = _xy(west, north, z), _xy(east, south, z)
    cx, cy = _xy((west + east) / 2, (south + north) / 2, z)
    spots = [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    spots.sort(key=lambda xy: (xy[0] - cx) ** 2 + (xy[1] - cy) ** 2)
    return [(z, x, y) for x, y in spots[:n]]


def _times_ms(call, tiles, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        for tile in tiles:
            t0 = time.perf_counter()
            call(*tile)
            times.append((time.perf_counter() - t0) * 1000)
    return times


# The peer: the tiles as 0018 made them, adding up its tally by due day whole.
OLD_TALLY = "demand_tally d"


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

    old = demand_tiles.Source(OLD_TALLY, OLD_TALLY)
    peers = {
        "old query": _times_ms(functools.partial(demand_tile, counted=old), spots, repeat),
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
    from app.queries import tiles
    from app.queries.demands import kinds
    from app.suppression import Suppression

    url = database.fresh(SUFFIX)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_hex(16)})
    _load(app, households, demands)
    with app.app_context():
        # As autovacuum leaves them after a load: the index-only scans need the visibility map.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE demand_count, demand_tally")
        box = db.session.execute(
            text(
                "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) e"
                " FROM admin_unit WHERE level = 'county') q"
            )
        ).one()
        common = {
            "keys": [k["key"] for k in kinds()],
            "suppression": Suppression(app.config["DISCLOSURE_MIN_COUNT"]),
            "today": datetime.date.today(),
        }
        print(f"demands: {demands:,} over {households:,} households; uncached, × {repeat} per line")
        # One tile first, untimed: a connection's first ST_Transform loads PROJ's database.
        tiles.tile(
            *_county_tiles(tuple(box), 10)[0],
            points=False,
            villages=None,
            flags=[],
            suppression=common["suppression"],
        )
        for z, points in ((8, False), (10, False), (11, False), (12, False), (15, True)):
            spots = _county_tiles(tuple(box), z)
            print(f" z{z}: {len(spots)} tiles over the county")
            _zoom(z, points, spots, repeat=repeat, **common)
        db.engine.dispose()
    database.drop(SUFFIX)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    for name, default in (("households", 20_000), ("demands", DEMANDS), ("repeat", 5)):
        parser.add_argument(f"--{name}", type=int, default=default)
    run(**vars(parser.parse_args()))
