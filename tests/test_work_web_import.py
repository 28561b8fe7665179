"""Visit logs and cadre registers uploaded on the web (#11): queued as a job, its page names each problem."""

import pytest
from sqlalchemy import text

from app.extensions import db
from tests.conftest import csrf_token
from tests.test_jobs import run_worker
from tests.test_visit_imports import log  # noqa: F401  (the fixture: a visit log with mistakes)


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_UPLOAD_FOLDER", str(tmp_path / "uploads"))


def upload(client, path, *, kind: str, valid_only: bool):
    form = client.get("/work/import").get_data(as_text=True)
    with open(path, "rb") as f:
        data = {"csrf_token": csrf_token(form), "kind": kind, "file": (f, path.name)}
        if valid_only:
            data["valid_only"] = "1"
        return client.post("/work/import", data=data, content_type="multipart/form-data")


@pytest.mark.usefixtures("uploads")
def test_an_admin_uploads_a_visit_log_and_the_job_page_names_each_problem(app, client, login, log):  # noqa: F811
    path, _ = log
    login("admin")
    response = upload(client, path, kind="visits", valid_only=True)
    assert response.status_code == 303
    job_url = response.headers["Location"]
    run_worker(app)
    page = client.get(job_url).get_data(as_text=True)
    assert "户编号不存在" in page and "走访日期晚于今天" in page and "走访位置距该户较远" in page
    assert "rejected-rows" in page or "下载" in page
    with app.app_context():
        stored = db.session.execute(
            text("SELECT count(*) FROM visit WHERE source = '走访台账.xlsx'")
        ).scalar_one()
    assert stored == 2


@pytest.mark.usefixtures("uploads")
@pytest.mark.parametrize("role", ["leader", "cadre", "gis"])
def test_only_an_admin_uploads_work_files(client, login, role):
    login(role)
    assert client.get("/work/import").status_code == 403
