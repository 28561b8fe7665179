"""Leaders' map figures (#5): a natural-village page, uncached tiles z10–z16, cached tiles per second.

Runs on the county `bench.foundation.run` loaded. Peers, measured in the same run:
- page: Folium with one marker object and popup per household (what Folium alone would do);
- tiles: the same z10 tiles carrying raw household points instead of natural-village aggregates;
- cached tiles: quoted against the 2,000/s target, from wrk on loopback.
"""

import json
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import time

from sqlalchemy import text

from bench.foundation import database_url


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _p95_ms(samples: list[float]) -> float:
    return sorted(samples)[int(0.95 * (len(samples) - 1))] * 1000


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    import math

    n = 2**z
    return z, int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def run(*, households: int, repeat: int) -> None:
    import folium

    from app import create_app, queries
    from app.auth import create_token, create_user
    from app.extensions import db
    from app.privacy import Detail, field_rules
    from app.queries import tiles as tile_queries
    from app.suppression import UNSUPPRESSED
    from tests.conftest import log_in

    url = database_url()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TILE_CACHE_ITEMS": 0})
    password = secrets.token_urlsafe(12)
    with app.app_context():
        user = create_user(f"bench-tiles-{secrets.token_hex(3)}", password, role="leader")
        token = create_token(user, name="bench")
        db.session.commit()
        username = user.username
        biggest = db.session.execute(
            text("""SELECT nv.id, nv.code, count(*) AS n FROM household h
                    JOIN natural_village nv ON nv.id = h.natural_village_id
                    GROUP BY nv.id ORDER BY n DESC LIMIT 1""")
        ).one()
        points = db.session.execute(
            text("SELECT ST_X(geom), ST_Y(geom) FROM household ORDER BY random() LIMIT 200")
        ).all()
    print(f"# Leaders' map: median of {repeat} runs where timed")

    client = app.test_client()
    log_in(client, username, password)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        assert client.get(f"/natural-villages/{biggest.code}").status_code == 200
        times.append(time.perf_counter() - t0)
    ours = statistics.median(times)
    with app.app_context():
        collection = json.loads(queries.households_geojson(biggest.id, field_rules(Detail.NAMED)))
    peer_times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fmap = folium.Map(tiles=None)
        for f in collection["features"]:
            lon, lat = f["geometry"]["coordinates"]
            card = "<br>".join(f"{k}: {v}" for k, v in f["properties"].items())
            folium.Marker([lat, lon], popup=folium.Popup(card)).add_to(fmap)
        fmap.get_root().render()
        peer_times.append(time.perf_counter() - t0)
    peer = statistics.median(peer_times)
    print(f"natural-village page, {biggest.n} households: median {ours * 1000:.0f} ms   [target < 150 ms]")
    print(
        f"  peer Folium marker + popup per household: median {peer * 1000:.0f} ms "
        f"(ratio ours/peer {ours / peer:.2f})"
    )

    random.seed(7)
    samples: dict[int, list[float]] = {}
    for z in range(10, 17):
        chosen = {tile_of(lon, lat, z) for lon, lat in random.sample(points, 30)}
        for tile in chosen:
            t0 = time.perf_counter()
            assert client.get("/tiles/{}/{}/{}.mvt".format(*tile)).status_code == 200
            samples.setdefault(z, []).append(time.perf_counter() - t0)
    everything = [s for zoom in samples.values() for s in zoom]
    print(
        f"uncached tiles z10-z16 ({len(everything)} tiles): median {_median_ms(everything):.1f} ms, "
        f"p95 {_p95_ms(everything):.1f} ms   [target p95 < 50 ms]"
    )
    print("  by zoom, median ms: " + ", ".join(f"z{z} {_median_ms(v):.1f}" for z, v in samples.items()))
    with app.app_context():
        z10 = sorted({tile_of(lon, lat, 10) for lon, lat in points})
        raw = []
        for z, x, y in z10:
            t0 = time.perf_counter()
            tile_queries.tile(z, x, y, points=True, villages=None, flags=[], suppression=UNSUPPRESSED)
            raw.append(time.perf_counter() - t0)
    print(
        f"  peer z10 tiles with raw household points ({len(z10)} tiles): median {_median_ms(raw):.0f} ms "
        f"(ratio ours/peer {_median_ms(samples[10]) / _median_ms(raw):.2f})"
    )

    cached(url, token, [tile_of(lon, lat, 14) for lon, lat in points[:50]])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cached(url: str, token: str, tiles: list[tuple[int, int, int]]) -> None:
    """Serve with gunicorn (2 workers × 4 threads) and measure cached tiles/s with wrk on loopback."""
    wrk = shutil.which("wrk")
    if wrk is None:
        print("cached tiles: wrk is not installed (make bench installs it); skipped")
        return
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            "2",
            "--threads",
            "4",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "app:create_app()",
        ],
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        path = "/tiles/{}/{}/{}.mvt".format(*tiles[0])
        header = f"Authorization: Bearer {token}"
        subprocess.run(["curl", "-sf", "-o", "/dev/null", "-H", header, base + path], check=True)
        result = subprocess.run(
            [wrk, "-t2", "-c16", "-d10s", "-H", header, base + path],
            capture_output=True,
            text=True,
            check=True,
        )
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", result.stdout).group(1))
        print(
            f"cached tile, gunicorn 2 workers x 4 threads, wrk 2 threads 16 connections, 10 s: "
            f"{rate:,.0f} tiles/s   [target 2,000/s]"
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
