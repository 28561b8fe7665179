"""The one job queue: durable across restarts, with progress, private to its owner, run as its user."""

import datetime
import time

import pyogrio
import pytest
from sqlalchemy import func, select, text, update

from app import jobs
from app.extensions import db
from app.importers import jobs as import_jobs
from app.models import AuditEvent, Job, User
from tests.conftest import csrf_token, log_in
from tests.test_exports import GIS_LAYERS
from tests.test_imports import rows_of, write_csv

JSON = {"Accept": "application/json"}
IMPORT_OPTIONS = {"mapping": {}, "valid_only": False, "gcj02": False, "swap_fix": False}


def run_worker(app) -> str:
    """Run the queue as `flask --app app worker --once` does; return the terminal's output."""
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    return result.output


def queue_export(client, layer: str, fmt: str, crs: str = "CRS84") -> str:
    """Queue an export from the /export page; return the job page's URL."""
    form = client.get("/export").get_data(as_text=True)
    response = client.post(
        "/export", data={"csrf_token": csrf_token(form), "layer": layer, "format": fmt, "crs": crs}
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"]


def state(client, job_url: str) -> dict:
    return client.get(job_url, headers=JSON).get_json()


def test_a_job_claimed_by_a_worker_that_died_is_retaken_and_finished(app, login):
    client = login("gis")
    job_url = queue_export(client, "townships", "geojson")
    job_id = int(job_url.rsplit("/", 1)[1])
    with app.app_context():
        taken = jobs.claim()  # a worker takes the job, then its process is killed
        assert taken.id == job_id and taken.status == "running"
    assert "0 job(s) run." in run_worker(app)  # its heartbeat is fresh: nobody else takes it yet
    assert state(client, job_url)["status"] == "running" and not state(client, job_url)["stalled"]
    with app.app_context():
        old = func.now() - jobs.stale_after() - datetime.timedelta(seconds=1)
        db.session.execute(update(Job).where(Job.id == job_id).values(heartbeat_at=old))
        db.session.commit()
    assert state(client, job_url)["stalled"]
    assert "停止响应" in client.get(job_url).get_data(as_text=True)
    output = run_worker(app)
    assert f"job {job_id}: done" in output and "1 job(s) run." in output
    assert state(client, job_url)["status"] == "done"


def test_an_export_job_reports_progress_and_its_geopackage_is_masked_for_gis(app, login, tmp_path, county):
    client = login("gis")
    job_url = queue_export(client, "all", "gpkg")
    queued = state(client, job_url)
    assert (queued["status"], queued["done"], queued["total"]) == ("queued", 0, len(GIS_LAYERS))
    assert "后台导出" in client.get("/export").get_data(as_text=True)
    output = run_worker(app)
    assert [f"{n}/4" in output for n in range(1, 5)] == [True] * 4  # the terminal shows each layer
    done = state(client, job_url)
    assert (done["status"], done["done"]) == ("done", 4)
    assert done["summary"]["features"]["households"] == len(county.households)
    response = client.get(job_url + "/result")
    assert response.status_code == 200 and response.mimetype == "application/geopackage+sqlite3"
    path = tmp_path / "export.gpkg"
    path.write_bytes(response.data)
    assert [name for name, kind in pyogrio.list_layers(path) if kind] == list(GIS_LAYERS)
    households = pyogrio.read_dataframe(path, layer="households")
    assert households.head_name.str.fullmatch(r".\*").all()
    assert not {"id_number", "address", "left_behind_children"} & set(households.columns)
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.target == "all").order_by(AuditEvent.id)
        ).all()
    assert actions[-2:] == ["export", "download"]


def test_a_user_cannot_see_or_download_anothers_job(app, login, accounts):
    client = login("gis")
    job_url = queue_export(client, "villages", "csv")
    run_worker(app)
    assert client.get(job_url + "/result").status_code == 200
    for role, page, download in (("leader", 404, 404), ("cadre", 404, 404), ("admin", 200, 404)):
        other = app.test_client()
        log_in(other, *accounts[role])
        assert other.get(job_url, headers=JSON).status_code == page, role
        assert other.get(job_url + "/result").status_code == download, role
    assert app.test_client().get(job_url).status_code in (302, 401)


def test_a_bad_export_request_is_refused_before_it_is_queued(login):
    client = login("gis")
    form = client.get("/export").get_data(as_text=True)
    response = client.post(
        "/export", data={"csrf_token": csrf_token(form), "layer": "roads", "format": "gpkg"}, headers=JSON
    )
    assert response.status_code == 404 and "roads" in response.get_data(as_text=True)
    response = client.post(
        "/export",
        data={"csrf_token": csrf_token(form), "layer": "villages", "format": "gpkg", "crs": "EPSG:3857"},
        headers=JSON,
    )
    assert response.status_code == 400 and "EPSG:3857" in response.get_data(as_text=True)


def import_then_fail(job, progress, *, user):
    """An import runner that fails after the import wrote its rows (a disk filling up, say)."""
    body = import_jobs.run(job, progress, user=user)
    assert db.session.execute(text("SELECT count(*) FROM household WHERE code LIKE 'T%'")).scalar_one() > 0
    raise RuntimeError(f"failed after writing; result of {len(body[0])} bytes lost")


def queue_import(app, tmp_path, county, role: str, accounts) -> int:
    path = write_csv(tmp_path / "h.csv", rows_of(county, 5))
    with app.app_context():
        owner = db.session.scalar(select(User).where(User.username == accounts[role][0]))
        job = import_jobs.submit(owner, path, name="户.csv", options=IMPORT_OPTIONS)
        db.session.commit()
        return job.id


def new_households(app) -> int:
    with app.app_context():
        return db.session.execute(text("SELECT count(*) FROM household WHERE code LIKE 'T%'")).scalar_one()


def finished(app, job_id: int) -> Job:
    with app.app_context():
        job = db.session.get(Job, job_id)
        db.session.expunge(job)
        return job


def import_audits(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).where(AuditEvent.action == "import"))


def test_an_import_job_imports_in_one_transaction(app, tmp_path, county, accounts, monkeypatch):
    audits = import_audits(app)  # other live tests may have committed imports of their own
    job_id = queue_import(app, tmp_path, county, "admin", accounts)
    monkeypatch.setitem(jobs.RUNNERS, "import", f"{__name__}:import_then_fail")
    output = run_worker(app)
    assert "failed: internal error (RuntimeError)" in output
    job = finished(app, job_id)
    assert job.status == "failed" and "RuntimeError" in job.message
    assert new_households(app) == 0  # the rows written before the failure were rolled back
    assert import_audits(app) == audits

    monkeypatch.undo()
    job_id = queue_import(app, tmp_path, county, "admin", accounts)
    assert "1 job(s) run." in run_worker(app)
    job = finished(app, job_id)
    assert job.status == "done" and job.summary["inserted"] == 5 and job.summary["written"]
    assert new_households(app) == 5


def test_an_import_whose_upload_is_gone_fails_with_a_message(app, tmp_path, county, accounts):
    job_id = queue_import(app, tmp_path, county, "admin", accounts)
    (tmp_path / "h.csv").unlink()
    run_worker(app)
    job = finished(app, job_id)
    assert job.status == "failed" and "户.csv" in job.message and "no longer on the server" in job.message
    assert new_households(app) == 0


@pytest.mark.parametrize("change", ["deactivated", "now gis"])
def test_a_job_runs_as_its_user_is_now(app, tmp_path, county, accounts, change):
    job_id = queue_import(app, tmp_path, county, "cadre", accounts)
    with app.app_context():
        cadre = db.session.scalar(select(User).where(User.username == accounts["cadre"][0]))
        if change == "deactivated":
            cadre.active = False
        else:
            cadre.role_name = "gis"
        db.session.commit()
    run_worker(app)
    job = finished(app, job_id)
    assert job.status == "failed"
    expected = "inactive" if change == "deactivated" else "only administrators and village cadres"
    assert expected in job.message
    assert new_households(app) == 0


def silent_export(job, progress, *, user):
    """A runner that works a while without reporting progress, like an import's final upsert."""
    time.sleep(0.7)
    return b"{}", "application/geo+json", "silent.geojson"


@pytest.mark.live  # the heartbeat thread needs the real engine, not the test's one shared connection
def test_a_silent_runner_still_beats_so_no_other_worker_takes_its_job(app, accounts, monkeypatch):
    monkeypatch.setitem(jobs.RUNNERS, "export", f"{__name__}:silent_export")
    with app.app_context():
        owner = db.session.scalar(select(User).where(User.username == accounts["gis"][0]))
        job_id = jobs.submit(owner, "export", "townships", options={}).id
        db.session.commit()
        job = jobs.claim()
        assert job.id == job_id
        claimed_at = job.heartbeat_at
        jobs.run(job, heartbeat=0.1)
        db.session.expire_all()
        job = db.session.get(Job, job_id)
        assert job.status == "done" and job.result_name == "silent.geojson"
        assert (job.heartbeat_at - claimed_at).total_seconds() >= 0.4
        db.session.delete(job)  # a live test commits: leave the queue as it was
        db.session.commit()


def test_pruning_drops_old_files_and_keeps_what_a_queued_import_needs(app, login, tmp_path, county, accounts):
    import os

    client = login("gis")
    job_url = queue_export(client, "townships", "geojson")
    run_worker(app)
    uploads = tmp_path / "uploads"
    (uploads / "old").mkdir(parents=True)
    stale = uploads / "old" / "户.csv"
    stale.write_text("户编号\n")
    waiting = write_csv(uploads / "waiting.csv", rows_of(county, 2))
    week_ago = time.time() - 8 * 86400
    for path in (stale, waiting):
        os.utime(path, (week_ago, week_ago))
    with app.app_context():
        owner = db.session.scalar(select(User).where(User.username == accounts["admin"][0]))
        import_jobs.submit(owner, waiting, name="waiting.csv", options=IMPORT_OPTIONS)
        db.session.execute(update(Job).values(finished_at=func.now() - datetime.timedelta(days=8)))
        db.session.commit()
        assert jobs.prune(older_than=datetime.timedelta(days=7), uploads=uploads) == (1, 1)
    assert not stale.exists() and not (uploads / "old").exists() and waiting.exists()
    assert state(client, job_url)["status"] == "done"  # the record stays
    response = client.get(job_url + "/result", headers=JSON)
    assert response.status_code == 410 and "removed after 7 days" in response.get_json()["message"]
