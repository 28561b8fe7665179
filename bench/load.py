"""Fifty users against the real stack (#15): nginx, gunicorn and the job worker on loopback, wrk.

    python -m bench.load [--users 50] [--seconds 120] [--gunicorn "-w 3 -k sync"] [--suffix _load]

The mix the issue measured: leaders opening the overview and switching indicators, drilling down to
natural villages and households, panning vector tiles; GIS users paging OGC API - Features; one admin
exporting the county's households as a browser does (the 303 to the job's page, which refreshes until
the file is ready, then the file). One wrk process per group, all at once, each connection a user
with a think time between requests (wrk's Lua `delay`), browsers asking for gzip or brotli. Then the
cached tiles per second through nginx (beside gunicorn alone), and how much 50 slow clients delay a
normal request. Every figure is printed beside its target, with gunicorn's resident memory before
and after. Runs on the 170,000-household county `bench.foundation` loads (loaded here when missing).
"""

import argparse
import json
import math
import os
import random
import re
import secrets
import shlex
import shutil
import statistics
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text

from bench import database, foundation, stack

TARGET_P95_MS = 300
TARGET_TILES_PER_S = 3000
TARGET_SLOW_DELAY_MS = 100
TARGET_WORKER_MIB = 400  # each web worker, after the mix (which includes the admin's county export)
BROWSER = {"Accept-Encoding": "gzip, deflate, br"}
# Its own database, so other benchmarks that make theirs afresh never drop it mid-run.
SUFFIX = "_load"


@dataclass
class Group:
    """Users doing one thing: `share` of the users, `think` seconds between two requests, these paths."""

    name: str
    share: float
    think: float
    paths: list[str]
    headers: dict[str, str]


# wrk runs this per group: a random path per request, a think time, and one JSON line at the end.
# wrk's delay() comes before a connection's first request too, on a connection already open; nginx
# closes one that sends nothing for client_header_timeout (10 s, the slowloris guard), which wrk
# counts as a read error. So a think time here stays under 10 s / 1.5 (`lua_script` checks).
LUA = """
local paths = {%(paths)s}
local headers = {%(headers)s}
local think = %(think_ms)d
function request() return wrk.format("GET", paths[math.random(#paths)], headers) end
function delay() return math.random(think / 2, think * 3 / 2) end
function response(status, headers, body) if status >= 300 and status ~= 303 then bad = bad + 1 end end
"""

# The admin's export as a browser makes it (#15): GET /export/<…> answers 303 to the job's page,
# which refreshes itself every 2 s until the job is done, then its link downloads the file; a think
# time, and again. The first request goes at once: a browser sends one as soon as it connects.
# The page is read without compression, to find its status (what a person reads on it).
FOLLOW_LUA = """
local start = %(paths)s
local headers = {%(headers)s}
local page = {%(page_headers)s}
local think = %(think_ms)d
local path, wait = start, 0
function request()
  if path:match("^/jobs/%%d+$") then return wrk.format("GET", path, page) end
  return wrk.format("GET", path, headers)
end
function delay() return wait end
local function again(failed)
  if failed then bad = bad + 1 else files = files + 1 end
  path, wait = start, math.random(think / 2, think * 3 / 2)
end
function response(status, got, body)
  if status == 303 and path == start then
    path, wait = got["Location"], 0
  elseif status == 200 and path:match("^/jobs/%%d+$") then
    local state = body:match('data%%-status="(%%a+)"')
    if state == "done" then path, wait = path .. "/result", 0
    elseif state == "queued" or state == "running" then wait = 2000
    else again(true) end
  else
    again(status ~= 200)
  end
end
"""

# Both end with one JSON line: errors are socket errors, timeouts and unexpected statuses.
LUA_DONE = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0; files = 0; math.randomseed(%(seed)d) end
function done(summary, latency, requests)
  local bad_status, files_got = 0, 0
  for _, thread in ipairs(threads) do
    bad_status = bad_status + thread:get("bad"); files_got = files_got + thread:get("files")
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %%d, "bytes": %%d, "p50": %%d, "p95": %%d, "p99": %%d, "max": %%d, "errors": %%d, '
    .. '"socket_errors": "connect %%d, read %%d, write %%d, timeout %%d", "files": %%d}\\n',
    summary.requests, summary.bytes, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.connect + e.read + e.write + e.timeout + bad_status,
    e.connect, e.read, e.write, e.timeout, files_got))
end
"""
# nginx's client_header_timeout (deploy/nginx): an open connection must send its request within it.
HEADER_TIMEOUT_S = 10


def _lua_strings(values) -> str:
    for value in values:
        assert value.isascii() and '"' not in value and "\\" not in value, value
    return ", ".join(f'"{v}"' for v in values)


def _lua_table(headers: dict[str, str]) -> str:
    return ", ".join(f'["{k}"] = "{v}"' for k, v in headers.items())


def lua_script(group: Group, folder: Path, seed: int) -> Path:
    """Write the wrk script of `group` into `folder` and return its path.

    The export group (one path, /export/…) follows its 303 to the job and downloads the file.
    """
    follow = group.paths[0].startswith("/export/")
    if not follow and group.think * 1.5 >= HEADER_TIMEOUT_S:
        raise ValueError(f"group {group.name}: nginx would close a connection thinking {group.think} s")
    page = {k: v for k, v in group.headers.items() if k != "Accept-Encoding"}
    values = {
        "paths": _lua_strings(group.paths),
        "headers": _lua_table(group.headers),
        "page_headers": _lua_table(page),
        "think_ms": group.think * 1000,
        "seed": seed,
    }
    script = folder / f"{group.name}.lua"
    script.write_text((FOLLOW_LUA if follow else LUA) % values + LUA_DONE % values)
    return script


def tile_of(lon: float, lat: float, z: int) -> str:
    n = 2**z
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return f"/tiles/{z}/{int((lon + 180) / 360 * n)}/{y}.mvt"


def county_paths(url: str) -> dict[str, list[str]]:
    """Return the pages, tiles and OGC pages the users visit, drawn from the loaded county."""
    from app import indicators

    engine = create_engine(url)
    with engine.connect() as connection:
        areas = connection.execute(
            text("SELECT code FROM admin_unit WHERE level <> 'county' ORDER BY random() LIMIT 40")
        ).scalars()
        places = [f"/areas/{code}" for code in areas]
        villages = connection.execute(
            text("SELECT code FROM natural_village ORDER BY random() LIMIT 60")
        ).scalars()
        places += [f"/natural-villages/{code}" for code in villages]
        homes = connection.execute(
            text("SELECT code, ST_X(geom), ST_Y(geom) FROM household ORDER BY random() LIMIT 200")
        ).all()
    engine.dispose()
    places += [f"/households/{code}" for code, _, _ in homes[:60]]
    # A pan at zoom 12 to 16 around a household: the browser asks for the tiles next to each other.
    tiles = sorted({tile_of(lon, lat, z) for _, lon, lat in homes[:40] for z in range(12, 17)})
    return {
        "overview": [f"/?indicator={i.key}" for i in indicators.INDICATORS],
        "drill-down": places,
        "tiles": tiles,
    }


def ogc_pages(base: str, headers: dict[str, str], *, pages: int = 30) -> list[str]:
    """Follow `next` links through the households collection; return the pages' paths."""
    path = "/ogc/collections/households/items?limit=1000"
    found = [path, "/ogc/collections/natural_villages/items?limit=500"]
    plain = {k: v for k, v in headers.items() if k != "Accept-Encoding"}  # read here, not measured
    for _ in range(pages):
        status, _, body = stack.request(base + path, headers=plain, timeout=120)
        assert status == 200, (status, body[:300])
        following = [link["href"] for link in json.loads(body)["links"] if link["rel"] == "next"]
        if not following:
            break
        path = re.sub(r"^https?://[^/]+", "", following[0])
        found.append(path)
    return found


def migrations_head() -> str:
    """Return the newest migration of this checkout (what a reused database must be at)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent.parent / "migrations"))
    return ScriptDirectory.from_config(config).get_current_head()


def ensure_county(households: int, suffix: str = SUFFIX) -> str:
    """Return the bench database's URL, loading the county first when it holds none.

    A database left by another checkout whose migrations differ is loaded afresh too.
    """
    url = database.url(suffix)
    try:
        engine = create_engine(url)
        with engine.connect() as connection:
            version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
            count = connection.execute(text("SELECT count(*) FROM household")).scalar_one()
            if version == migrations_head() and count >= households * 0.9:
                return url
    except Exception:  # no database or no schema yet: load it
        pass
    finally:
        engine.dispose()
    url = database.fresh(suffix)
    foundation.in_subprocess(foundation.LOAD.format(households=households), url)
    return url


def accounts(url: str) -> dict[str, tuple[str, str]]:
    """Create a leader, a GIS user and an admin; return role -> (username, password)."""
    from app import create_app
    from app.auth import create_user
    from app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    made = {}
    with app.app_context():
        for role in ("leader", "gis", "admin"):
            username, password = f"bench-load-{role}-{secrets.token_hex(3)}", secrets.token_urlsafe(12)
            create_user(username, password, role=role)
            made[role] = (username, password)
        db.session.commit()
    return made


def groups(running: stack.Stack, url: str, users: dict[str, tuple[str, str]], export: str) -> list[Group]:
    """Return the mix: who does what, how often, with which credentials."""
    import base64

    paths = county_paths(url)
    leader = {**BROWSER, "Cookie": stack.log_in(running.url, *users["leader"])}
    gis = {**BROWSER, "Authorization": "Basic " + base64.b64encode(":".join(users["gis"]).encode()).decode()}
    admin = {**BROWSER, "Cookie": stack.log_in(running.url, *users["admin"])}
    mix = [
        Group("overview", 0.16, 5.0, paths["overview"], leader),
        Group("drill-down", 0.24, 3.0, paths["drill-down"], leader),
        Group("tiles", 0.40, 0.5, paths["tiles"], leader),
        Group("ogc", 0.18, 2.0, ogc_pages(running.url, gis), gis),
    ]
    if export:
        mix.append(Group("export", 0.0, 20.0, [f"/export/{export}"], admin))
    return mix


def run_mix(running: stack.Stack, mix: list[Group], *, users: int, seconds: int) -> dict[str, dict]:
    """Run every group's wrk at once for `seconds`; return the figures per group."""
    wrk = shutil.which("wrk")
    folder = Path(tempfile.mkdtemp(dir=running.folder))
    counts = {g.name: max(1, round(g.share * users)) for g in mix}
    # The biggest group absorbs rounding, so the users add up.
    biggest = max(mix, key=lambda g: g.share).name
    counts[biggest] += users - sum(counts.values())
    launched = {}
    for seed, group in enumerate(mix, start=1):
        command = [wrk, "-t1", f"-c{counts[group.name]}", f"-d{seconds}s", "--timeout", "120s"]
        command += ["-s", str(lua_script(group, folder, seed)), running.url]
        launched[group.name] = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    figures = {}
    for name, process in launched.items():
        out, _ = process.communicate(timeout=seconds + 120)
        figures[name] = json.loads(out.strip().splitlines()[-1]) | {"users": counts[name]}
    return figures


def print_mix(figures: dict[str, dict], *, seconds: int) -> None:
    columns = ("users", "requests", "p50 ms", "p95 ms", "p99 ms", "errors")
    print(f"{'group':<11} " + " ".join(f"{c:>8}" for c in columns) + "  KB/req")
    for name, f in figures.items():
        size = f["bytes"] / max(1, f["requests"]) / 1024
        values = (f["users"], f["requests"], f["p50"] / 1000, f["p95"] / 1000, f["p99"] / 1000, f["errors"])
        print(f"{name:<11} " + " ".join(f"{v:>8.0f}" for v in values) + f"  {size:,.0f}")
    requests = sum(f["requests"] for f in figures.values())
    errors = sum(f["errors"] for f in figures.values())
    worst = max(f["p95"] for f in figures.values()) / 1000
    for name, f in figures.items():
        if f["errors"] or f["files"]:
            print(f"{name}: {f['files']} files downloaded, socket errors {f['socket_errors']}")
    print(
        f"all: {requests:,} requests in {seconds} s ({requests / seconds:,.0f}/s), {errors} errors, "
        f"worst group p95 {worst:.0f} ms   [target p95 < {TARGET_P95_MS} ms, 0 errors]"
    )


def tiles_per_second(base: str, path: str, cookie: str, *, seconds: int = 10) -> float:
    """Return the rate wrk (2 threads, 32 connections) gets for one cached tile at `base`."""
    command = ["wrk", "-t2", "-c32", f"-d{seconds}s", "-H", f"Cookie: {cookie}", base + path]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"tiles at {base} answered errors:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def slow_client_delay(running: stack.Stack, *, count: int = 50) -> tuple[float, float]:
    """Return the median ms of a normal request alone and beside `count` slow clients."""
    alone = statistics.median(stack.latency(running.url + "/login", times=20)) * 1000
    with stack.slow_clients(running.port, count, seconds=15):
        beside = statistics.median(stack.latency(running.url + "/login", times=20)) * 1000
    return alone, beside


def print_memory(label: str, memory: dict[str, float], *, target: bool = False) -> None:
    line = f"RSS {label}: " + ", ".join(f"{name} {mib:,.0f} MiB" for name, mib in memory.items())
    if target:
        web = [mib for name, mib in memory.items() if name.startswith("gunicorn")]
        largest = max(web, default=0)
        line += f"   [target web workers < {TARGET_WORKER_MIB} MiB after an export; largest {largest:,.0f}]"
    print(line)


def run(
    *, households: int, users: int, seconds: int, gunicorn: str, export: str, suffix: str = SUFFIX
) -> None:
    url = ensure_county(households, suffix)
    made = accounts(url)
    print(f"# The real stack under {users} users for {seconds} s (gunicorn {gunicorn or 'as configured'})")
    print(
        "load average before: "
        + ", ".join(f"{x:.1f}" for x in os.getloadavg())
        + f" on {os.cpu_count()} cores"
    )
    with tempfile.TemporaryDirectory(prefix="minqing-load-") as folder:
        args = tuple(shlex.split(gunicorn))
        with stack.running(url, Path(folder), job_worker=True, gunicorn_args=args) as running:
            mix = groups(running, url, made, export)
            for group in mix:  # the first overview builds its caches: not what 50 users wait for
                stack.request(running.url + group.paths[0], headers=group.headers, timeout=300)
            print_memory("before", running.memory())
            print_mix(run_mix(running, mix, users=users, seconds=seconds), seconds=seconds)
            print_memory("after", running.memory(), target=True)
            cookie = mix[0].headers["Cookie"]
            # Tiles without households: those nginx keeps (household points always reach the app).
            tile = random.Random(7).choice([p for p in mix[2].paths if p.startswith("/tiles/12/")])
            rate = tiles_per_second(running.url, tile, cookie)
            peer = tiles_per_second(running.app_url, tile, cookie)
            print(
                f"cached tile {tile} through nginx, wrk 2 threads 32 connections: {rate:,.0f} tiles/s   "
                f"[target >= {TARGET_TILES_PER_S:,}/s]"
            )
            print(
                f"  peer gunicorn alone, its per-process cache: {peer:,.0f} tiles/s (ratio {rate / peer:.1f})"
            )
            alone, beside = slow_client_delay(running)
            print(
                f"normal request beside 50 slow clients: median {beside:.0f} ms (alone {alone:.0f} ms, "
                f"delay {beside - alone:.0f} ms)   [target delay < {TARGET_SLOW_DELAY_MS} ms]"
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--households", type=int, default=170_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--gunicorn", default="", help="gunicorn options over deploy/gunicorn.conf.py")
    parser.add_argument("--export", default="households.csv", help="the admin's export ('' for none)")
    parser.add_argument("--suffix", default=SUFFIX, help="the county's database: <DATABASE_URL's><suffix>")
    args = parser.parse_args()
    run(
        households=args.households,
        users=args.users,
        seconds=args.seconds,
        gunicorn=args.gunicorn,
        export=args.export,
        suffix=args.suffix,
    )


if __name__ == "__main__":
    main()
