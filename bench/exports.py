"""Exports that stream (#15 item 3): memory of the web and job workers around a whole-county export.

    python -m bench.exports [--households 170000] [--export households.csv households.gpkg …] [--no-peer]

Starts the real stack (nginx, gunicorn as deployed, the job worker) over its own county (loaded as
`bench.load` loads one), logs in as an admin and asks GET /export/<export> through nginx: over
EXPORT_SYNC_MAX_ROWS it is answered 303 to a job, which the worker writes to disk and gunicorn
streams back. Prints each gunicorn worker's resident memory before and after and the job worker's
peak (VmHWM), beside the target (< 400 MiB). The peer, in the same run: the same export made
synchronously by a web worker, as every export was before (a second stack with the limit lifted).
Several exports are measured one after another, each on a fresh stack (so each peak is its own), and
the job worker's peaks end the run side by side, as a ratio to the first (the CSV, by default first).
"""

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from bench import load, stack

TARGET_MIB = 400
# Its own county (the schema of this checkout), so a load bench of another checkout never shares it.
SUFFIX = "_exports"
JSON = {"Accept": "application/json"}


def _follow(running: stack.Stack, path: str, cookie: str) -> tuple[int, int, float]:
    """GET `path`; when queued, wait for its job and download the file. Return status, bytes, seconds."""
    started = time.perf_counter()
    status, headers, body = stack.request(running.url + path, headers={"Cookie": cookie}, timeout=900)
    first = status
    if status == 303:
        job = running.url + headers["location"]
        while (state := json.loads(stack.request(job, headers={**JSON, "Cookie": cookie})[2]))["status"] in (
            "queued",
            "running",
        ):
            time.sleep(0.5)
        if state["status"] != "done":
            raise RuntimeError(f"export job ended {state['status']}: {state['message']}")
        status, _, body = stack.request(job + "/result", headers={"Cookie": cookie}, timeout=900)
    if status != 200:
        raise RuntimeError(f"GET {path} answered {status}")
    return first, len(body), time.perf_counter() - started


def _measure(url: str, folder: Path, admin: tuple[str, str], export: str, env: dict[str, str]) -> dict:
    with stack.running(url, folder, job_worker=True, env=env) as running:
        cookie = stack.log_in(running.url, *admin)
        before = running.memory()
        first, size, seconds = _follow(running, f"/export/{export}", cookie)
        after = running.memory()
        peak = stack.rss_mib(running.processes["worker"].pid, "VmHWM")
    return {
        "status": first,
        "bytes": size,
        "seconds": seconds,
        "before": before,
        "after": after,
        "peak": peak,
    }


def _print(label: str, figures: dict) -> None:
    workers = [name for name in figures["after"] if name.startswith("gunicorn")]
    web = max(figures["after"][name] for name in workers)
    print(
        f"{label}: GET answered {figures['status']}, {figures['bytes'] / 1024**2:,.1f} MiB "
        f"in {figures['seconds']:.1f} s"
    )
    print(
        "  gunicorn workers before → after: "
        + ", ".join(f"{figures['before'].get(n, 0):,.0f} → {figures['after'][n]:,.0f} MiB" for n in workers)
        + f"   [target < {TARGET_MIB} MiB: {'met' if web < TARGET_MIB else 'NOT met'}]"
    )
    print(
        f"  job worker peak {figures['peak']:,.0f} MiB   "
        f"[target < {TARGET_MIB} MiB: {'met' if figures['peak'] < TARGET_MIB else 'NOT met'}]"
    )


def run(*, households: int, exports: list[str], peer: bool = True) -> None:
    url = load.ensure_county(households, SUFFIX)
    admin = load.accounts(url)["admin"]
    print(f"load average before: {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    peaks = {}
    with tempfile.TemporaryDirectory(prefix="minqing-exports-") as folder:
        for n, export in enumerate(exports):
            print(f"# A whole-county export ({households:,} households, /export/{export}) through nginx")
            figures = _measure(url, Path(folder) / f"job{n}", admin, export, {})
            _print("as a job (streamed)", figures)
            peaks[export] = figures["peak"]
            if peer:
                lifted = {"EXPORT_SYNC_MAX_ROWS": str(10 * households)}
                sync = _measure(url, Path(folder) / f"sync{n}", admin, export, lifted)
                _print("peer: in the web worker", sync)
    first = next(iter(peaks.values()))
    print(f"job worker peak per export (ratio to /export/{exports[0]}), target < {TARGET_MIB} MiB:")
    for export, peak in peaks.items():
        verdict = "met" if peak < TARGET_MIB else "NOT met"
        print(f"  {export:<24} {peak:6,.0f} MiB  {peak / first:4.2f}  {verdict}")
    print(f"load average after: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--households", type=int, default=170_000)
    parser.add_argument(
        "--export", nargs="+", default=["households.csv"], help="layer.format (/export/<…>), several in turn"
    )
    parser.add_argument("--no-peer", action="store_true", help="skip the synchronous export")
    args = parser.parse_args()
    run(households=args.households, exports=args.export, peer=not args.no_peer)


if __name__ == "__main__":
    main()
