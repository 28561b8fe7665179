"""Import and export figures: a county's households from CSV and XLSX; the full county as GeoPackage.

Each is quoted beside a peer measured in the same run on the same data:
- import: ours (read → check → stage by COPY → place → one upsert) vs geopandas ``read_file`` (pyogrio)
  of the CSV and ``to_postgis``, which checks nothing and only appends;
- export: ours (`app.exports.export`, masked per role, every layer) vs geopandas ``read_postgis`` of the
  four tables and ``to_file`` to a GeoPackage; then ours as XLSX (Chinese sheets and headers).
Every timed step runs in a fresh interpreter, which prints its own peak RSS.
"""

import os
import statistics
import subprocess
import sys
import tempfile

from bench import database

SUFFIX = "_bench_imports"

# Loads the synthetic county (in the child, `county` is the generated one).
LOAD_COUNTY = """
import flask_migrate, pyogrio, pandas as pd
from sqlalchemy import text
from app import create_app, queries
from app.auth import create_user
from app.extensions import db
from geodata.generator import generate_county
app = create_app()
with app.app_context():
    flask_migrate.upgrade()
    county = generate_county(households={households}, seed=7)
    queries.load_county(county)
    create_user("bench-admin", "bench-password-1", role="admin")
    db.session.commit()
    queries.analyze()
    db.session.commit()
"""

SETUP = (
    LOAD_COUNTY
    + """
h = county.households
status = {{"none": "一般户", "registered": "建档立卡户", "lifted": "脱贫户", "monitored": "监测户"}}
yes = {{True: "是", False: "否"}}
form = pd.DataFrame({{
    "户编号": h.code, "户主姓名": h.head_name, "身份证号": h.id_number, "家庭人口": h.members,
    "住址": h.address, "自然寨编码": h.natural_village_code, "贫困户属性": h.poverty_status.map(status),
    "是否低保": h.dibao.map(yes), "是否五保": h.wubao.map(yes), "留守儿童人数": h.left_behind_children,
    "是否留守老人": h.left_behind_elderly.map(yes), "是否空巢老人": h.empty_nest_elderly.map(yes),
    "残疾人数": h.disabled_members, "是否危房": h.dilapidated_house.map(yes),
    "外出务工人数": h.migrant_workers, "人均纯收入": h.income_per_capita,
    "经度": h.geometry.x, "纬度": h.geometry.y,
}})
form.to_csv(r"{folder}/households.csv", index=False, encoding="utf-8")
pyogrio.write_dataframe(form, r"{folder}/households.xlsx", layer="一户一表", driver="XLSX")
print("ok")
"""
)

IMPORT = """
import resource, time
from sqlalchemy import text
from app import create_app
from app.extensions import db
from app.importers.households import import_households
app = create_app()
with app.app_context():
    if {fresh}:
        db.session.execute(text("TRUNCATE household CASCADE"))
        db.session.commit()
    t0 = time.perf_counter()
    result = import_households(r"{path}", max_bytes=10**9)
    db.session.commit()
    seconds = time.perf_counter() - t0
    assert not result.problems, result.problems[:5]
    done = result.inserted + result.updated + result.unchanged
print(f"{{seconds:.3f}} {{done}} {{result.inserted}} {{result.unchanged}} "
      f"{{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}}")
"""

PEER_IMPORT = """
import os, resource, time
import geopandas
from sqlalchemy import create_engine
engine = create_engine(os.environ["DATABASE_URL"])
t0 = time.perf_counter()
frame = geopandas.read_file(r"{path}", engine="pyogrio", X_POSSIBLE_NAMES="经度", Y_POSSIBLE_NAMES="纬度",
                            crs="EPSG:4490")
frame.rename_geometry("geom").to_postgis("peer_household", engine, if_exists="replace", chunksize=10000)
print(f"{{time.perf_counter() - t0:.3f}} {{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}}")
"""

EXPORT = """
import resource, time
from sqlalchemy import select
from app import create_app, exports
from app.extensions import db
from app.models import User
app = create_app()
with app.app_context():
    user = db.session.scalar(select(User).where(User.username == "bench-admin"))
    t0 = time.perf_counter()
    _, summary = exports.export("all", "{fmt}", user=user, crs="EPSG:4490", out=r"{path}")
print(f"{{time.perf_counter() - t0:.3f}} {{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}}")
"""

PEER_EXPORT = """
import os, resource, time
import geopandas
from sqlalchemy import create_engine
engine = create_engine(os.environ["DATABASE_URL"])
t0 = time.perf_counter()
for name, sql in (
    ("townships", "SELECT code, name, geom FROM admin_unit WHERE level = 'township'"),
    ("villages", "SELECT code, name, geom FROM admin_unit WHERE level = 'village'"),
    ("natural_villages", "SELECT code, name, geom FROM natural_village"),
    ("households", "SELECT * FROM household"),
):
    geopandas.read_postgis(sql, engine, geom_col="geom").to_file(r"{path}", layer=name, driver="GPKG")
print(f"{{time.perf_counter() - t0:.3f}} {{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}}")
"""


def child(code: str, url: str) -> list[str]:
    """Run `code` in a fresh interpreter against `url`; return the words of its last output line."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench"}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise SystemExit(result.stderr)
    return result.stdout.strip().splitlines()[-1].split()


def _median(runs: list[list[str]], index: int) -> float:
    return statistics.median(float(r[index]) for r in runs)


def run(*, households: int, repeat: int) -> None:
    """Print import and export figures for a county of `households` (big steps at most 3 times)."""
    url = database.fresh(SUFFIX)
    times = max(1, min(repeat, 3))
    print(f"# Import/export benchmarks: {households:,} households, median of {times} runs")
    with tempfile.TemporaryDirectory(prefix="minqing-bench-") as folder:
        child(SETUP.format(households=households, folder=folder), url)
        for kind, target in (("CSV", 10), ("XLSX", 30)):
            path = f"{folder}/households.{kind.lower()}"
            size = os.path.getsize(path) / 1e6
            runs = [child(IMPORT.format(path=path, fresh=True), url) for _ in range(times)]
            seconds, peak = _median(runs, 0), max(float(r[4]) for r in runs)
            print(
                f"import {kind} ({size:.0f} MB) into an empty table: median {seconds:.1f} s, "
                f"{households / seconds:,.0f} rows/s, peak {peak:,.0f} MiB"
                f"   [target < {target} s, < 2048 MiB]"
            )
            again = [child(IMPORT.format(path=path, fresh=False), url) for _ in range(times)]
            assert all(int(r[3]) == households for r in again), again
            print(
                f"  re-import of the same {kind} (all unchanged, nothing written): "
                f"median {_median(again, 0):.1f} s"
            )
            if kind == "CSV":
                peers = [child(PEER_IMPORT.format(path=path), url) for _ in range(times)]
                peer = _median(peers, 0)
                print(
                    f"  peer geopandas read_file + to_postgis (no checks, no upsert): median {peer:.1f} s, "
                    f"peak {max(float(r[1]) for r in peers):,.0f} MiB "
                    f"(ours is {peer / seconds:.2f}x its speed)"
                )
        runs = [child(EXPORT.format(fmt="gpkg", path=f"{folder}/ours.gpkg"), url) for _ in range(times)]
        ours = _median(runs, 0)
        print(
            f"export the county as GeoPackage (4 layers, statistics, masking): median {ours:.1f} s, "
            f"peak {max(float(r[1]) for r in runs):,.0f} MiB   [target < 15 s]"
        )
        peers = []
        for i in range(times):
            peers.append(child(PEER_EXPORT.format(path=f"{folder}/peer{i}.gpkg"), url))
        peer = _median(peers, 0)
        print(
            f"  peer geopandas read_postgis + to_file (no statistics, no masking): median {peer:.1f} s "
            f"(ours is {peer / ours:.2f}x its speed)"
        )
        runs = [child(EXPORT.format(fmt="xlsx", path=f"{folder}/ours.xlsx"), url) for _ in range(times)]
        print(
            f"export the county as XLSX (4 sheets, Chinese headers, numbers as numbers): "
            f"median {_median(runs, 0):.1f} s, peak {max(float(r[1]) for r in runs):,.0f} MiB"
        )
    database.drop(SUFFIX)
