"""Fixtures: a fresh PostGIS test database, a small synthetic county, one user per role.

Each test runs inside a transaction that is rolled back, so tests cannot see
each other's writes. The database is `<DATABASE_URL's database>_test_<pid>`.
"""

import datetime
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import flask_migrate
import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app, queries
from app.auth import create_user
from app.config import Defaults
from app.extensions import db
from app.queries.asof import load_history
from app.queries.members import replace_members
from app.queries.work import link_users_to_cadres, load_work
from geodata.generator import generate_county
from geodata.history import generate_history, with_years
from geodata.members import generate_members
from geodata.work import generate_work

TEST_HOUSEHOLDS = 3000
TEST_SEED = 11
ROOT = Path(__file__).resolve().parent.parent

# The live server runs in its own process: pyogrio keeps the GIL while GDAL reads, so a
# server thread in this process could not write the response GDAL is waiting for.
SERVE = """
from werkzeug.serving import make_server
from app import create_app
app = create_app({"TESTING": True})
httpd = make_server("127.0.0.1", 0, app, threaded=True)
print(httpd.server_port, flush=True)
httpd.serve_forever()
"""


@pytest.fixture(scope="session")
def database_url():
    """Create an empty test database beside the configured one, yield its URL, drop it after.

    The name carries the process id, so test runs side by side never share one.
    """
    base = make_url(os.environ.get("DATABASE_URL", Defaults.SQLALCHEMY_DATABASE_URI))
    test = base.set(database=f"{base.database}_test_{os.getpid()}")
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{test.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{test.database}"'))
    yield test.render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{test.database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def county():
    return generate_county(households=TEST_HOUSEHOLDS, seed=TEST_SEED)


@pytest.fixture(scope="session")
def work(county):
    """The test county's year of work (cadres, patches, pairings, visits, measures), ending today."""
    return generate_work(county, seed=TEST_SEED, as_of=work_day())


@pytest.fixture(scope="session")
def accounts() -> dict[str, tuple[str, str]]:
    """Return role -> (username, password); passwords are made per run, never stored."""
    return {role: (f"test-{role}", secrets.token_urlsafe(12)) for role in ("admin", "leader", "cadre", "gis")}


class ReadingClient(FlaskClient):
    """A test client that reads each response whole and closes it, as a browser does (a file sent from
    disk is closed then, not left to the garbage collector)."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def job_results(tmp_path_factory) -> Path:
    """The folder of finished jobs' files, shared by the test app, the live server and workers."""
    return tmp_path_factory.mktemp("job-results")


@pytest.fixture(scope="session")
def app(database_url, county, work, accounts, job_results):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": secrets.token_hex(16),
            "JOB_RESULT_FOLDER": str(job_results),
        }
    )
    app.test_client_class = ReadingClient
    with app.app_context():
        flask_migrate.upgrade()
        history = generate_history(county, seed=TEST_SEED)
        queries.load_county(with_years(county, history))
        replace_members(generate_members(county.households, seed=TEST_SEED))  # the families (#13)
        load_history(history, zone=ZoneInfo(app.config["TIME_ZONE"]))
        load_work(work)
        db.session.commit()
        queries.analyze()
        for role, (username, password) in accounts.items():
            villages = [cadre_village(county)] if role == "cadre" else []
            create_user(username, password, role=role, villages=villages)
        link_users_to_cadres()  # the test cadre logs in as a cadre of the register (#11)
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(app, database_url, job_results):
    """Serve the (committed) test county from a separate process; yield its root URL.

    For real clients (GDAL, QGIS) in `live` tests, which see only committed data.
    """
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "live-tests",
        "JOB_RESULT_FOLDER": str(job_results),
    }
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        yield f"http://127.0.0.1:{int(process.stdout.readline())}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


def work_day() -> datetime.date:
    """Return the last day of the test county's year of work: today, as the statistics' current_date."""
    return datetime.date.today()


def cadre_village(county) -> str:
    """Return the code of the administrative village the test cadre works in (the first one)."""
    return sorted(county.admin_units.query("level == 'village'").code)[0]


@pytest.fixture(autouse=True)
def rollback(request, app):
    """Run each test in a transaction rolled back at its end (browser tests need real commits).

    No app context stays pushed during the test: each request must get its own,
    as in production, or Flask-Login's per-context user cache would leak
    between requests. Tests touching the database directly use `app_context`.
    """
    if request.node.get_closest_marker("browser") or request.node.get_closest_marker("live"):
        yield
        return
    with app.app_context():
        engines = db.engines  # this app's bind-key -> engine mapping
    engine = engines[None]
    connection = engine.connect()
    transaction = connection.begin()
    # Flask-SQLAlchemy's Session.get_bind() ignores a session-level bind and asks
    # this mapping, so the test connection stands in for the engine there.
    engines[None] = connection
    original = db.session
    db.session = db._make_scoped_session({"join_transaction_mode": "create_savepoint"})
    try:
        yield
    finally:
        # Every app context removed its own session on teardown.
        db.session = original
        engines[None] = engine
        transaction.rollback()
        connection.close()


@pytest.fixture
def app_context(app):
    with app.app_context():
        yield


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def log_in(client, username: str, password: str):
    """Log in through the real form, CSRF token included; return the response."""
    token = csrf_token(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


@pytest.fixture
def login(client, accounts):
    """Return a function that logs the test client in as a role."""

    def as_role(role: str):
        response = log_in(client, *accounts[role])
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return as_role
