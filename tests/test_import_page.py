"""The upload page: preview, import, problems and rejected rows, who may import."""

import html
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from app.extensions import db
from tests.conftest import cadre_village, csrf_token
from tests.test_import_problems import BAD_ROWS
from tests.test_imports import rows_of, write_csv, write_xlsx


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch):
    """Keep this test's uploads in its own temporary folder."""
    monkeypatch.setitem(app.config, "IMPORT_UPLOAD_FOLDER", str(tmp_path / "uploads"))


def _upload(client, path, **options):
    token = csrf_token(client.get("/import").get_data(as_text=True))
    with open(path, "rb") as f:
        data = {"csrf_token": token, "file": (f, path.name), **options}
        return client.post("/import", data=data, content_type="multipart/form-data")


def run_worker(app) -> str:
    """Run the queued jobs as `flask --app app worker --once` does; return its output."""
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    return result.output


def _run(client, page: str, **options):
    """Queue the import from the preview page, run the worker, and return the job's page."""
    action = re.search(r'action="(/import/[^"]+)"', page).group(1)
    started = client.post(action, data={"csrf_token": csrf_token(page), "mapping": "", **options})
    if started.status_code != 303:
        return started
    job_url = started.headers["Location"]
    assert client.get(job_url, headers={"Accept": "application/json"}).json["status"] == "queued"
    run_worker(client.application)
    assert client.get(job_url, headers={"Accept": "application/json"}).json["status"] == "done"
    return client.get(job_url)


def test_the_upload_page_previews_then_imports(app, client, login, tmp_path, county):
    login("admin")
    path = write_xlsx(tmp_path / "一户一表.xlsx", rows_of(county), title="某村一户一表")
    preview = _upload(client, path)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "<td>户主姓名</td><td>head_name</td>" in page
    assert rows_of(county)[0]["户主姓名"] in page  # the first rows are shown
    done = _run(client, page)
    assert done.status_code == 200
    assert "已导入" in done.get_data(as_text=True) and "8 新增" in done.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.execute(text("SELECT count(*) FROM household WHERE code LIKE 'T%'")).scalar_one() == 8
        )


def test_the_upload_page_lists_problems_and_offers_the_rejected_rows(app, client, login, tmp_path, county):
    login("admin")
    rows = BAD_ROWS["duplicate_code"][0](county, rows_of(county))
    page = _upload(client, write_csv(tmp_path / "h.csv", rows)).get_data(as_text=True)
    done = _run(client, page)
    body = done.get_data(as_text=True)
    assert done.status_code == 422
    assert "未导入任何数据" in body and "文件中户编号重复" in body
    link = re.search(r'href="(/jobs/\d+/result)"', body).group(1)
    download = client.get(link)
    assert download.status_code == 200
    table = list(load_workbook(io.BytesIO(download.data)).active.values)
    assert {r[0] for r in table[1:]} == {2, 9}
    assert all("文件中户编号重复" in r[-2] and "duplicate household code" in r[-1] for r in table[1:])


def _problem_cells(body: str) -> list[list[str]]:
    """Return the cells (row, column, value, reason) of each row of the page's problems table."""
    table = re.search(r'<table class="stats wide" id="problems">(.*?)</table>', body, re.S).group(1)
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]
    return [[html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[1:]] for row in rows]


@pytest.mark.parametrize(
    "case",
    [
        "code_as_excel_writes_a_number",
        "id_with_digits_lost_to_zeros",
        "nul_in_an_address",
        "line_break_in_a_name",
        "point_in_another_natural_village_than_its_code",
    ],
)
def test_the_job_page_gives_the_reason_in_chinese_and_english_one_click_away(
    app, client, login, tmp_path, county, case
):
    login("admin")
    make, row, column, english, chinese = BAD_ROWS[case]
    before = _households(app)
    path = write_csv(tmp_path / "h.csv", make(county, rows_of(county)))
    page = _upload(client, path).get_data(as_text=True)
    assert "\x00" not in page  # the preview spells a NUL out
    assert ("某村[U+0000]号" in page) == (case == "nul_in_an_address")
    done = _run(client, page)
    assert done.status_code == 422
    cells = _problem_cells(done.get_data(as_text=True))
    assert [c[:2] for c in cells] == [[str(row), column]]
    assert chinese in cells[0][3] and english not in cells[0][3]
    assert "\x00" not in cells[0][2]
    client.get("/lang/en")
    in_english = _problem_cells(client.get(done.request.path).get_data(as_text=True))
    assert english in in_english[0][3]
    assert _households(app) == before


def test_valid_only_on_the_page_imports_the_rest(app, client, login, tmp_path, county):
    login("admin")
    rows = BAD_ROWS["nul_in_an_address"][0](county, rows_of(county))
    before = _households(app)
    page = _upload(client, write_csv(tmp_path / "h.csv", rows)).get_data(as_text=True)
    body = _run(client, page, valid_only="1").get_data(as_text=True)
    assert "已导入" in body and "7 新增" in body and "1 拒绝" in body
    assert _households(app) == before + 7


def _households(app) -> int:
    with app.app_context():
        return db.session.execute(text("SELECT count(*) FROM household")).scalar_one()


def test_a_cadre_imports_only_into_assigned_villages(app, client, login, tmp_path, county):
    login("cadre")
    page = _upload(client, write_csv(tmp_path / "h.csv", rows_of(county, 3))).get_data(as_text=True)
    village = cadre_village(county)
    done = _run(client, page, valid_only="1").get_data(as_text=True)
    inside = sum(h.natural_village_code.startswith(village) for h in county.households.head(3).itertuples())
    assert f"{inside} 新增" in done
    if inside < 3:
        assert "outside the villages you may edit" in done


def test_gis_staff_may_not_import(client, login):
    login("gis")
    assert client.get("/import").status_code == 403


def test_an_upload_token_is_only_its_owners(app, client, login, accounts, tmp_path, county):
    login("admin")
    page = _upload(client, write_csv(tmp_path / "h.csv", rows_of(county, 2))).get_data(as_text=True)
    client.post(
        "/logout", data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)}
    )
    login("cadre")
    response = _run(client, page)
    assert response.status_code in (400, 404)


def test_a_queued_import_shows_a_progress_bar_and_survives_the_tab(client, login, tmp_path, county, app):
    login("admin")
    page = _upload(client, write_csv(tmp_path / "h.csv", rows_of(county, 2))).get_data(as_text=True)
    action = re.search(r'action="(/import/[^"]+)"', page).group(1)
    started = client.post(action, data={"csrf_token": csrf_token(page), "mapping": ""})
    # A second click (or a reloaded form) follows the same job instead of importing twice.
    again = client.post(action, data={"csrf_token": csrf_token(page), "mapping": ""})
    assert again.headers["Location"] == started.headers["Location"]
    queued = client.get(started.headers["Location"]).get_data(as_text=True)
    assert '<progress id="progress" max="4" value="0">' in queued
    assert "可关闭后再回来查看" in queued and 'http-equiv="refresh"' in queued
    output = run_worker(app)  # no browser is waiting: the worker alone carries the import through
    assert "3/4" in output and "1 job(s) run." in output
    done = client.get(started.headers["Location"]).get_data(as_text=True)
    assert "已导入" in done and "2 新增" in done and "http-equiv" not in done


def test_the_page_imports_boundaries_and_reports_repairs(client, login, tmp_path, county):
    import json

    login("admin")
    village = county.natural_villages.iloc[1]
    x0, y0, x1, y1 = village.geometry.bounds
    bowtie = {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y1], [x1, y0], [x0, y1], [x0, y0]]]}
    feature = {"type": "Feature", "properties": {"code": village.code, "name": "修"}, "geometry": bowtie}
    path = tmp_path / "nv.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")
    form = client.get("/import").get_data(as_text=True)
    assert 'id="boundaries"' in form
    with open(path, "rb") as f:
        # The bow tie covers less than the natural village did: only forced does it replace it.
        data = {"csrf_token": csrf_token(form), "file": (f, "自然寨.geojson"), "level": "natural_village"}
        data["force"] = "1"
        response = client.post("/import/boundaries", data=data, content_type="multipart/form-data")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "已导入" in body and "1 更新" in body
    assert "Self-intersection" in body and "无效多边形已修复" in body and "已按强制替换自然寨" in body
    assert f"<td>缝隙</td><td>{village.village_code}</td>" in body  # the bow tie leaves part uncovered


def test_a_cadre_may_not_import_boundaries(client, login, tmp_path):
    login("cadre")
    form = client.get("/import").get_data(as_text=True)
    assert 'id="boundaries"' not in form
    response = client.post(
        "/import/boundaries",
        data={"csrf_token": csrf_token(form), "level": "village"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
