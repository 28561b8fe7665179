"""The path a user takes with a long task: the web page queues it, a real worker process runs it.

These tests commit for real (the worker is another process, as in production) and clean up after
themselves: an import from the page, a worker killed in the middle of one, and one form sent four
times at once.
"""

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from app.extensions import db
from app.queries import stats
from tests.conftest import csrf_token
from tests.test_imports import rows_of, write_csv

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parent.parent
JSON = {"Accept": "application/json"}
STALE_SECONDS = 2.0


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    """Keep uploads where the worker process finds them too."""
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "IMPORT_UPLOAD_FOLDER", str(folder))
    return folder


@pytest.fixture
def committed(app):
    """Remove what a test committed: its jobs, the households it imported (codes T…), and their statistics."""
    yield
    with app.app_context():
        db.session.execute(text("DELETE FROM job"))
        db.session.execute(text("DELETE FROM household WHERE code LIKE 'T%'"))
        stats.refresh()
        db.session.commit()


def worker(database_url: str, uploads: Path, *args: str) -> subprocess.Popen:
    """Start `flask --app app worker` as its own process, as `make run` and docker compose do."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "IMPORT_UPLOAD_FOLDER": str(uploads),
        "JOB_STALE_SECONDS": str(STALE_SECONDS),
    }
    command = [sys.executable, "-m", "flask", "--app", "app", "worker", "--poll", "0.2", *args]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def queue_import(client, path: Path) -> str:
    """Upload `path` on /import, confirm the preview, and return the job page's URL."""
    form = client.get("/import").get_data(as_text=True)
    with open(path, "rb") as f:
        data = {"csrf_token": csrf_token(form), "file": (f, path.name)}
        preview = client.post("/import", data=data, content_type="multipart/form-data").get_data(as_text=True)
    action = re.search(r'action="(/import/[^"]+)"', preview).group(1)
    started = client.post(action, data={"csrf_token": csrf_token(preview), "mapping": ""})
    assert started.status_code == 303, started.get_data(as_text=True)
    return started.headers["Location"]


def wait_for(client, job_url: str, condition, *, seconds: float = 60) -> dict:
    """Poll the job page (as its JSON) until `condition(state)` holds; return that state."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        state = client.get(job_url, headers=JSON).get_json()
        if condition(state):
            return state
        time.sleep(0.1)
    raise AssertionError(f"{job_url} never reached the condition; last state {state}")


def imported(app) -> int:
    with app.app_context():
        return db.session.execute(text("SELECT count(*) FROM household WHERE code LIKE 'T%'")).scalar_one()


def test_a_file_imported_from_the_page_is_run_by_the_worker_process(
    app, client, login, county, uploads, tmp_path, database_url, committed
):
    login("admin")
    job_url = queue_import(client, write_csv(tmp_path / "一户一表.csv", rows_of(county)))
    process = worker(database_url, uploads, "--once")
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 0, output
    assert "1 job(s) run." in output and "failed" not in output, output
    state = client.get(job_url, headers=JSON).get_json()
    assert state["status"] == "done", state
    page = client.get(job_url).get_data(as_text=True)
    assert "已导入" in page and "8 新增" in page
    assert imported(app) == 8


def test_a_worker_killed_mid_import_leaves_nothing_and_the_next_worker_finishes_it(
    app, client, login, county, uploads, tmp_path, database_url, committed
):
    login("admin")
    job_url = queue_import(client, write_csv(tmp_path / "户.csv", rows_of(county)))
    # Another session holds the household table, so the worker stops at its upsert: mid-job, for sure.
    holder = create_engine(database_url).connect()
    holder.execute(text("LOCK TABLE household IN EXCLUSIVE MODE"))
    first = worker(database_url, uploads)
    try:
        wait_for(client, job_url, lambda s: s["status"] == "running" and s["done"] >= 3)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        holder.rollback()
        holder.close()
        first.stdout.close()
    killed_at = time.monotonic()
    stalled = wait_for(client, job_url, lambda s: s["stalled"], seconds=30)
    assert time.monotonic() - killed_at < 30 and stalled["status"] == "running"
    assert "停止响应" in client.get(job_url).get_data(as_text=True)
    assert imported(app) == 0  # the killed run wrote nothing

    second = worker(database_url, uploads, "--once")
    output, _ = second.communicate(timeout=120)
    assert second.returncode == 0, output
    done = client.get(job_url, headers=JSON).get_json()
    assert (done["status"], done["attempts"], done["summary"]["inserted"]) == ("done", 2, 8), done
    assert imported(app) == 8


def test_one_export_form_sent_four_times_at_once_queues_one_job(app, client, login, committed):
    login("gis")
    form = client.get("/export").get_data(as_text=True)
    fields = {
        "csrf_token": csrf_token(form),
        "submission": re.search(r'name="submission" value="([^"]+)"', form).group(1),
        "layer": "townships",
        "format": "geojson",
    }
    cookie = client.get_cookie("session")
    answers, start = [], threading.Barrier(4)

    def send() -> None:
        tab = app.test_client()
        tab.set_cookie(cookie.key, cookie.value)
        start.wait()
        answers.append(tab.post("/export", data=fields))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [303] * 4
    assert len({a.headers["Location"] for a in answers}) == 1
    with app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM job")).scalar_one() == 1
