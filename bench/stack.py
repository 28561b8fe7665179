"""The real production stack on loopback, for tests/test_stack.py and bench/load.py (#15).

nginx (the site deploy/nginx/render.sh prints, under a main configuration like Debian's) in front of
gunicorn (deploy/gunicorn.conf.py), and optionally the job worker: every process started here, with
its pid, temporary files, logs and caches in one folder, stopped by its own pid.
"""

import getpass
import http.client
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def nginx_binary() -> str | None:
    """Return the nginx executable (Debian puts it in /usr/sbin, often not on a user's PATH)."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _main_conf(folder: Path, site: Path) -> str:
    """Return an nginx.conf like Debian's, with every path inside `folder`, including `site`."""
    # A root master drops its workers to `user` (Debian: www-data, which cannot enter a test's
    # private temporary folder); anyone else runs them as themselves.
    user = f"user {getpass.getuser()};" if os.geteuid() == 0 else ""
    enabled = Path("/etc/nginx/modules-enabled")
    modules = f"include {enabled}/*.conf;" if enabled.is_dir() else ""
    kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    temp = "\n".join(f"    {kind}_temp_path {folder}/temp/{kind};" for kind in kinds)
    return f"""{user}
worker_processes auto;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
{modules}
events {{
    worker_connections 1024;
}}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    access_log {folder}/access.log combined buffer=64k flush=1s;
{temp}
    include {site};
}}
"""


def write_nginx_conf(folder: Path, *, port: int, upstream: str) -> Path:
    """Render the repository's site for this folder and port; return the main configuration's path."""
    values = {
        "MINQING_LISTEN": f"127.0.0.1:{port}",
        "MINQING_UPSTREAM": upstream,
        "MINQING_STATIC": str(ROOT / "app" / "static"),
        "MINQING_CACHE": str(folder / "cache"),
    }
    rendered = subprocess.run(
        ["sh", str(DEPLOY / "nginx" / "render.sh")],
        env={**os.environ, **values},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    site = folder / "minqing.conf"
    site.write_text(rendered)
    (folder / "temp").mkdir(exist_ok=True)
    (folder / "cache").mkdir(exist_ok=True)
    main = folder / "nginx.conf"
    main.write_text(_main_conf(folder, site))
    return main


def _wait_for_port(port: int, process: subprocess.Popen, *, seconds: float, log: Path) -> None:
    name = log.stem
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{name} exited with status {process.returncode} before listening:\n{tail}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{name} is not listening on {port} after {seconds:.0f} s")


def _start(command: list[str], log: Path, **options) -> subprocess.Popen:
    """Start `command` with its output appended to `log` (the child keeps the file open, not we)."""
    with open(log, "ab") as out:
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, **options)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def children(pid: int) -> list[int]:
    """Return the child processes of `pid` (gunicorn's workers, nginx's workers)."""
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def rss_mib(pid: int, field: str = "VmRSS") -> float:
    """Return the resident memory of process `pid` in MiB (0 for a process that is gone); VmHWM: its peak."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@dataclass
class Stack:
    """Running processes and where to reach them."""

    folder: Path
    port: int  # nginx
    app_port: int  # gunicorn, the peer nginx is measured against
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def app_url(self) -> str:
        return f"http://127.0.0.1:{self.app_port}"

    def gunicorn_workers(self) -> list[int]:
        return children(self.processes["gunicorn"].pid)

    def memory(self) -> dict[str, float]:
        """Return resident MiB of each gunicorn worker and of the job worker, by name."""
        found = {f"gunicorn worker {i + 1}": rss_mib(pid) for i, pid in enumerate(self.gunicorn_workers())}
        if "worker" in self.processes:
            found["job worker"] = rss_mib(self.processes["worker"].pid)
        return found


@contextmanager
def running(
    database_url: str,
    folder: Path,
    *,
    job_worker: bool = False,
    gunicorn_args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
) -> Iterator[Stack]:
    """Start gunicorn, nginx in front of it and (if asked) the job worker; stop all three afterwards."""
    nginx = nginx_binary()
    if nginx is None:
        raise RuntimeError("nginx is not installed (make deps installs Debian's)")
    folder.mkdir(parents=True, exist_ok=True)
    stack = Stack(folder, free_port(), free_port())
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": os.environ.get("SECRET_KEY", "stack-" + folder.name),
        "PROXY_HOPS": "1",
        "IMPORT_UPLOAD_FOLDER": str(folder / "uploads"),
        "JOB_RESULT_FOLDER": str(folder / "job-results"),
        **(env or {}),
    }
    try:
        stack.processes["gunicorn"] = _start(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                str(DEPLOY / "gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{stack.app_port}",
                *gunicorn_args,
            ],
            folder / "gunicorn.log",
            cwd=ROOT,
            env=environment,
        )
        conf = write_nginx_conf(folder, port=stack.port, upstream=f"127.0.0.1:{stack.app_port}")
        stack.processes["nginx"] = _start(
            [nginx, "-c", str(conf), "-e", str(folder / "error.log"), "-g", "daemon off;"],
            folder / "nginx.log",
        )
        if job_worker:
            stack.processes["worker"] = _start(
                [sys.executable, "-m", "flask", "--app", "app", "worker", "--poll", "0.5"],
                folder / "worker.log",
                cwd=ROOT,
                env=environment,
            )
        _wait_for_port(stack.app_port, stack.processes["gunicorn"], seconds=60, log=folder / "gunicorn.log")
        _wait_for_port(stack.port, stack.processes["nginx"], seconds=20, log=folder / "nginx.log")
        # gunicorn listens before its workers have imported the app: wait for a real answer.
        status, _, _ = request(stack.app_url + "/login", timeout=60)
        if status != 200:
            raise RuntimeError(f"gunicorn answered /login with {status}; see {folder / 'gunicorn.log'}")
        yield stack
    finally:
        for name in ("worker", "nginx", "gunicorn"):
            if name in stack.processes:
                _stop(stack.processes[name])


# --- a small HTTP client: exact bytes on the wire, no decompression, no hidden retries ---------


def request(
    url: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 30,
) -> tuple[int, dict[str, str], bytes]:
    """Send one request on a new connection; return status, headers (lower-case names) and raw body."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        names: dict[str, str] = {}
        for name, value in response.getheaders():
            key = name.lower()
            names[key] = f"{names[key]}, {value}" if key in names else value
        return response.status, names, data
    finally:
        connection.close()


def log_in(base: str, username: str, password: str) -> str:
    """Log in through the form (CSRF included) at `base`; return the Cookie header to send after."""
    import re

    status, headers, page = request(base + "/login")
    assert status == 200, status
    cookie = headers["set-cookie"].split(";", 1)[0]
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
    form = urllib.parse.urlencode({"username": username, "password": password, "csrf_token": token})
    status, headers, _ = request(
        base + "/login",
        method="POST",
        headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        body=form.encode(),
    )
    if status != 302:
        raise RuntimeError(f"logging in as {username} answered {status}")
    return headers["set-cookie"].split(";", 1)[0]


# --- slow clients --------------------------------------------------------------------------


@contextmanager
def slow_clients(port: int, count: int, *, seconds: float, interval: float = 0.25) -> Iterator[None]:
    """Hold `count` connections to `port` that send request headers a byte every `interval` seconds
    and never finish them (slowloris); each closes after `seconds`, and all are gone on exit."""
    stop = threading.Event()
    opened = threading.Barrier(count + 1)
    line = b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 10_000

    def hold() -> None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=seconds + 5) as s:
                opened.wait(timeout=10)
                deadline = time.monotonic() + seconds
                for byte in line:
                    if stop.is_set() or time.monotonic() >= deadline:
                        break
                    s.sendall(bytes([byte]))
                    stop.wait(interval)
        except (OSError, threading.BrokenBarrierError):
            pass  # a server that drops a slow client is doing its job

    threads = [threading.Thread(target=hold, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    try:
        opened.wait(timeout=10)
        # Let the first bytes arrive, so every connection has been handed to whoever reads it.
        time.sleep(2 * interval)
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=seconds + 10)


def latency(url: str, *, times: int = 5, headers: dict[str, str] | None = None) -> list[float]:
    """Return the seconds each of `times` sequential requests to `url` took (each must answer 200)."""
    took = []
    for _ in range(times):
        started = time.perf_counter()
        status, _, _ = request(url, headers=headers, timeout=60)
        took.append(time.perf_counter() - started)
        if status != 200:
            raise RuntimeError(f"{url} answered {status}")
    return took
