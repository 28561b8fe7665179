"""Reads from a streaming replica (#15): a real primary and a real standby made with pg_basebackup.

What a reader notices: pages are read from the replica (with its replay paused, a change made on
the primary is not there yet); a form's writer sees their own change at once; a replica too far
behind, or gone, is skipped and pages come from the primary.
"""

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import flask_migrate
import pytest
from sqlalchemy import create_engine, literal, select, text

from app import create_app, queries
from app.auth import create_user
from app.extensions import db
from app.replica import is_read
from tests.conftest import csrf_token, log_in

pytestmark = pytest.mark.live

BINARIES = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_basebackup"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(*command: str) -> None:
    """Run a PostgreSQL program as the `postgres` OS user when we are root (the server refuses root)."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run([*prefix, *command], check=True, capture_output=True, cwd="/")


@dataclass
class Clusters:
    bin: Path
    folder: Path
    primary: str
    standby: str
    standby_data: Path

    def pg_ctl(self, action: str, data: Path) -> None:
        log = f"{data}.log"
        _as_postgres(str(self.bin / "pg_ctl"), action, "-D", str(data), "-l", log, "-w", "-m", "fast")


def _settings(data: Path, port: int, folder: Path) -> None:
    with open(data / "postgresql.conf", "a") as conf:
        conf.write(
            f"\nport = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{folder}'\n"
            "fsync = off\nshared_buffers = 32MB\nwal_level = replica\nmax_wal_senders = 4\n"
        )


@pytest.fixture(scope="module")
def clusters(county, accounts):
    """A primary holding the test county and a standby streaming from it, each on a free port."""
    if not BINARIES:
        pytest.skip("PostgreSQL server binaries are not installed")
    bin_ = Path(BINARIES[-1]).parent
    folder = Path(tempfile.mkdtemp(prefix="minqing-replica-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    primary, standby = folder / "primary", folder / "standby"
    ports = _free_port(), _free_port()
    made = Clusters(bin_, folder, *(f"postgresql://postgres@127.0.0.1:{p}/minqing" for p in ports), standby)
    try:
        initdb = (str(bin_ / "initdb"), "-D", str(primary), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        _as_postgres(*initdb, "--no-sync")
        _settings(primary, ports[0], folder)
        made.pg_ctl("start", primary)
        admin = create_engine(made.primary.replace("/minqing", "/postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("CREATE DATABASE minqing"))
        admin.dispose()
        _load(made.primary, county, accounts)
        # -R: the copy starts as a standby streaming from the primary; -c fast: no spread checkpoint first.
        _as_postgres(str(bin_ / "pg_basebackup"), "-d", made.primary, "-D", str(standby), "-R", "-c", "fast")
        _settings(standby, ports[1], folder)
        made.pg_ctl("start", standby)
        yield made
    finally:
        for data in (standby, primary):
            if (data / "postmaster.pid").exists():
                made.pg_ctl("stop", data)
        shutil.rmtree(folder, ignore_errors=True)


def _load(url: str, county, accounts) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "replica"})
    with app.app_context():
        db.session.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
        db.session.commit()
        flask_migrate.upgrade()
        queries.load_county(county)
        for role in ("leader", "admin"):
            create_user(*accounts[role], role=role)
        db.session.commit()
        db.engine.dispose()


def replicated_app(clusters: Clusters, **settings):
    """Return an app reading from the standby; its readers' own writes show for `READ_YOUR_WRITES_SECONDS`."""
    config = {
        "SQLALCHEMY_DATABASE_URI": clusters.primary,
        "DATABASE_URL_READ": clusters.standby,
        "SECRET_KEY": secrets.token_hex(16),
        "AUTH_CACHE_SECONDS": 0,
        "READ_YOUR_WRITES_SECONDS": 0.5,
        "DATABASE_READ_MAX_LAG": 3600.0,
        **settings,
    }
    return create_app(config)


def execute(url: str, sql: str, **values) -> list:
    """Run `sql` on the server at `url` in its own transaction; return the rows."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            result = connection.execute(text(sql), values)
            return result.all() if result.returns_rows else []
    finally:
        engine.dispose()


def wait_for(condition, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def catch_up(clusters: Clusters, seconds: float = 60.0) -> None:
    """Write a marker on the primary and wait until the standby has replayed it.

    A marker rather than comparing WAL positions: the primary's current position may lie past a
    page header the standby never reports as replayed, and an idle primary writes nothing more.
    """
    marker = secrets.token_hex(6)
    execute(clusters.primary, "COMMENT ON TABLE admin_unit IS :marker", marker=marker)
    sql = "SELECT obj_description('admin_unit'::regclass, 'pg_class')"
    wait_for(lambda: execute(clusters.standby, sql)[0][0] == marker, seconds)


@pytest.fixture
def paused(clusters):
    """Pause the standby's replay for the test; resume it and wait for it to catch up afterwards."""
    # A transaction replayed just before: the standby knows how far behind it is from then on.
    execute(clusters.primary, "UPDATE admin_unit SET name = name WHERE level = 'county'")
    catch_up(clusters)
    execute(clusters.standby, "SELECT pg_wal_replay_pause()")
    try:
        yield clusters
    finally:
        execute(clusters.standby, "SELECT pg_wal_replay_resume()")
        catch_up(clusters)


def rename_head(clusters: Clusters, code: str) -> str:
    """Give household `code` a new head's name on the primary; return it."""
    name = "复制" + secrets.token_hex(3)
    execute(clusters.primary, "UPDATE household SET head_name = :n WHERE code = :code", n=name, code=code)
    return name


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def logged_in(app, accounts, role: str):
    client = app.test_client()
    assert log_in(client, *accounts[role]).status_code == 302
    time.sleep(0.6)  # past READ_YOUR_WRITES_SECONDS after the login form
    return client


def test_pages_are_read_from_the_replica(paused, county, accounts):
    app = replicated_app(paused)
    client = logged_in(app, accounts, "leader")
    code = county.households.code.iloc[0]
    before = execute(paused.primary, "SELECT head_name FROM household WHERE code = :code", code=code)[0][0]
    new = rename_head(paused, code)
    html = page(client, f"/households/{code}")
    assert before in html and new not in html
    execute(paused.standby, "SELECT pg_wal_replay_resume()")
    catch_up(paused)
    assert new in page(client, f"/households/{code}")


def test_a_writer_sees_their_own_job_at_once(paused, accounts):
    app = replicated_app(paused, READ_YOUR_WRITES_SECONDS=30.0)
    client = logged_in(app, accounts, "admin")
    form = page(client, "/export")
    response = client.post(
        "/export",
        data={"layer": "townships", "format": "geojson", "csrf_token": csrf_token(form)},
    )
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    # The job exists on the primary only (replay is paused), and its page finds it.
    assert client.get(response.headers["Location"]).status_code == 200
    # Someone else, who wrote nothing, reads the replica, where the job is not yet.
    other = logged_in(replicated_app(paused), accounts, "admin")
    [(job,)] = execute(paused.primary, "SELECT max(id) FROM job")
    assert other.get(f"/jobs/{job}", headers={"Accept": "application/json"}).status_code == 404


def test_a_replica_too_far_behind_is_skipped(paused, county, accounts):
    app = replicated_app(paused, DATABASE_READ_MAX_LAG=1.0)
    client = logged_in(app, accounts, "leader")
    code = county.households.code.iloc[1]
    new = rename_head(paused, code)
    time.sleep(1.5)  # the change waits on the primary: the replica falls more than a second behind
    assert new in page(client, f"/households/{code}")


def test_without_a_replica_pages_come_from_the_primary(clusters, county, accounts):
    app = replicated_app(clusters)
    client = logged_in(app, accounts, "leader")
    code = county.households.code.iloc[2]
    clusters.pg_ctl("stop", clusters.standby_data)
    try:
        new = rename_head(clusters, code)
        assert new in page(client, f"/households/{code}")
    finally:
        clusters.pg_ctl("start", clusters.standby_data)


@pytest.mark.parametrize(
    ("statement", "replica"),
    [
        (text("SELECT code, dibao_share, updated_at FROM household"), True),
        (text("  WITH a AS (SELECT 1) SELECT * FROM a"), True),
        (select(literal(1)), True),
        (select(literal(1)).with_for_update(), False),
        (text("SELECT id FROM job WHERE status = 'queued' FOR UPDATE SKIP LOCKED"), False),
        (text("SELECT refresh_stats()"), False),
        (text("SELECT set_config('statement_timeout', '1s', true)"), False),
        (text("WITH moved AS (UPDATE job SET status = 'done' RETURNING id) SELECT * FROM moved"), False),
        (text("INSERT INTO audit_event DEFAULT VALUES"), False),
    ],
)
def test_only_plain_selects_may_go_to_a_standby(statement, replica):
    """A standby refuses writes and locks: anything that might be one goes to the primary, never a 500."""
    assert is_read(statement) is replica
