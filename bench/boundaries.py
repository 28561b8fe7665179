"""Boundary imports: the county's 3,500 natural villages re-imported, and what the placement checks cost.

Two files of every natural village, in the CGCS2000 zone EPSG:4545 (so each is reprojected):
- as stored (every feature unchanged: the checks run, nothing is written);
- each outline moved 5 m east (every feature updated: the checks measure how far each lies outside
  its village and which households it would strand).
The checks' share is timed inside the same run by wrapping `boundary_checks.placement` and
`boundary_checks.against_stored` (the placement checks before staging, the database checks after).
Peer in the same run: geopandas ``read_file`` + ``to_postgis`` of the same file, which checks nothing.
"""

import os
import tempfile

from bench import database
from bench.imports import LOAD_COUNTY, _median, child

SUFFIX = "_bench_boundaries"

SETUP = (
    LOAD_COUNTY
    + """
villages = county.natural_villages[["code", "name", "geometry"]]
pyogrio.write_dataframe(villages.to_crs(4545), r"{folder}/same.gpkg", layer="自然寨")
moved = villages.to_crs(4545)
moved["geometry"] = moved.geometry.translate(5, 0)
pyogrio.write_dataframe(moved, r"{folder}/moved.gpkg", layer="自然寨")
print(len(villages))
"""
)

IMPORT = """
import resource, time
from app import create_app
from app.extensions import db
from app.importers import boundaries, boundary_checks
spent = []
def timed(function):
    def run(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - t0)
    return run
boundary_checks.placement = timed(boundary_checks.placement)
boundary_checks.against_stored = timed(boundary_checks.against_stored)
app = create_app()
with app.app_context():
    t0 = time.perf_counter()
    result = boundaries.import_boundaries(r"{path}", level="natural_village", force=True, max_bytes=10**9)
    db.session.rollback()  # measured, never kept: the next run starts from the same county
    seconds = time.perf_counter() - t0
    assert not result.problems, result.problems[:5]
print(f"{{seconds:.3f}} {{sum(spent):.3f}} {{result.updated}} {{result.unchanged}} "
      f"{{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}}")
"""

PEER = """
import os, time
import geopandas
from sqlalchemy import create_engine
engine = create_engine(os.environ["DATABASE_URL"])
t0 = time.perf_counter()
frame = geopandas.read_file(r"{path}", engine="pyogrio").to_crs(4490)
frame.rename_geometry("geom").to_postgis("peer_natural_village", engine, if_exists="replace")
print(f"{{time.perf_counter() - t0:.3f}}")
"""


def run(*, households: int, repeat: int) -> None:
    """Print boundary import figures for a county of `households` (each step at most 3 times)."""
    url = database.fresh(SUFFIX)
    times = max(1, min(repeat, 3))
    with tempfile.TemporaryDirectory(prefix="minqing-bench-") as folder:
        [count] = child(SETUP.format(households=households, folder=folder), url)
        print(
            f"# Boundary imports: {int(count):,} natural villages, {households:,} households, "
            f"median of {times} runs"
        )
        for name, label in (("same", "unchanged"), ("moved", "each moved 5 m")):
            path = f"{folder}/{name}.gpkg"
            runs = [child(IMPORT.format(path=path), url) for _ in range(times)]
            seconds, checks = _median(runs, 0), _median(runs, 1)
            print(
                f"re-import the natural villages ({label}; {runs[0][2]} updated, {runs[0][3]} unchanged, "
                f"{os.path.getsize(path) / 1e6:.1f} MB): median {seconds:.2f} s, of which the placement "
                f"checks {checks:.2f} s; peak {max(float(r[4]) for r in runs):,.0f} MiB"
                "   [target: checks < 2 s]"
            )
        peers = [child(PEER.format(path=f"{folder}/moved.gpkg"), url) for _ in range(times)]
        peer = _median(peers, 0)
        print(f"  peer geopandas read_file + to_postgis (no checks, no upsert): median {peer:.2f} s")
    database.drop(SUFFIX)
