"""Foundation figures: load a full county; serve the county overview.

Each is quoted beside a peer measured in the same run on the same data:
- loading: ours (COPY of hex EWKB through staging tables) vs geopandas `to_postgis`;
- overview: ours (GeoJSON built by PostGIS) vs reading with geopandas and `GeoDataFrame.to_json()`.
"""

import os
import resource
import secrets
import statistics
import subprocess
import sys
import time

from sqlalchemy import create_engine, text

from bench import database


def database_url() -> str:
    """Return the URL of the bench database (loaded by `run`)."""
    return database.url()


def in_subprocess(code: str, url: str) -> tuple[str, float]:
    """Run `code` in a fresh interpreter; return its last output line and its peak RSS in MiB."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise SystemExit(result.stderr)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return result.stdout.strip().splitlines()[-1], max(peak, before) / 1024


LOAD = """
import time
from app import create_app, queries
from app.extensions import db
from geodata.generator import generate_county
import flask_migrate
app = create_app()
with app.app_context():
    flask_migrate.upgrade()
    t0 = time.perf_counter()
    county = generate_county(households={households}, seed=7)
    t1 = time.perf_counter()
    queries.load_county(county)
    db.session.commit()
    queries.analyze()
    db.session.commit()
    t2 = time.perf_counter()
print(f"{{t1 - t0:.2f}} {{t2 - t1:.2f}}")
"""

PEER_LOAD = """
import time
from sqlalchemy import create_engine
import os
from geodata.generator import generate_county
county = generate_county(households={households}, seed=7)
engine = create_engine(os.environ["DATABASE_URL"])
t0 = time.perf_counter()
frame = county.households.rename_geometry("geom")
frame.to_postgis("peer_household", engine, if_exists="replace", chunksize=10000)
print(f"{{time.perf_counter() - t0:.2f}}")
"""


def run(*, households: int, repeat: int) -> None:
    url = database.fresh()
    print(f"# Foundation benchmarks: {households:,} households, median of {repeat} runs where timed")

    line, peak = in_subprocess(LOAD.format(households=households), url)
    generated, loaded = (float(x) for x in line.split())
    print(
        f"generate + load county: {generated + loaded:.1f} s (generate {generated:.1f} s, "
        f"load {loaded:.1f} s), peak memory {peak:,.0f} MiB   [target < 60 s, < 2048 MiB]"
    )
    line, _ = in_subprocess(PEER_LOAD.format(households=households), url)
    peer = float(line)
    print(
        f"  peer geopandas to_postgis of the households alone, no keys or indexes: {peer:.1f} s "
        f"(ratio ours/peer {loaded / peer:.2f}; ours also loads polygons, constraints, GiST indexes)"
    )

    overview(url, repeat=repeat)


def overview(url: str, *, repeat: int) -> None:
    """Time the overview page as a logged-in leader, and the GeoDataFrame.to_json() peer."""
    import folium
    import geopandas

    from app import create_app
    from app.auth import create_user
    from app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    password = secrets.token_urlsafe(12)
    with app.app_context():
        create_user("bench-leader", password, role="leader")
        db.session.commit()
        villages = db.session.execute(text("SELECT count(*) FROM natural_village")).scalar_one()
    client = app.test_client()
    from tests.conftest import log_in

    log_in(client, "bench-leader", password)
    times, size = [], 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        response = client.get("/")
        times.append(time.perf_counter() - t0)
        size = len(response.data)
        assert response.status_code == 200
    ours = statistics.median(times)
    print(
        f"overview page, {villages:,} natural villages: median {ours * 1000:.0f} ms, "
        f"HTML {size / 1e6:.2f} MB   [target < 1000 ms, < 5 MB]"
    )

    engine = create_engine(url)
    peer_times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        frame = geopandas.read_postgis(
            "SELECT code, name, geom FROM natural_village", engine, geom_col="geom"
        )
        fmap = folium.Map(tiles=None)
        folium.GeoJson(frame.to_json()).add_to(fmap)
        html = fmap.get_root().render()
        peer_times.append(time.perf_counter() - t0)
    peer = statistics.median(peer_times)
    print(
        f"  peer read_postgis + to_json + Folium, geometry only, no statistics: median "
        f"{peer * 1000:.0f} ms, HTML {len(html) / 1e6:.2f} MB (ratio ours/peer {ours / peer:.2f})"
    )
