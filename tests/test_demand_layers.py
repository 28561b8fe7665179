"""Demands in QGIS and exports (#12): the OGC collection `demands` read by GDAL's ogrinfo, the export layer.

Masked as on the demand pages: admin and leader every demand with its text, a cadre their
villages', a county department those assigned to it; gis counts only (absent, 403).
"""

import datetime
import shutil
import subprocess

import pandas as pd
import pyogrio
import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from app import exports, localtime
from app.accounts import find_user
from app.extensions import db
from tests.test_open311 import clear_demands, file, households

DESCRIPTION = "自来水管冬季冻裂，全组停水三天"


@pytest.fixture
def demands(app, accounts, county):
    """File three demands in the test's transaction: two in the cadre's village (one old), one elsewhere."""
    own, other = households(county)
    admin = accounts["admin"][0]
    with app.app_context():
        clear_demands()  # rolled back with the test
        old = str(localtime.today() - datetime.timedelta(days=200))
        ids = {
            "own": file(own, by=admin, kind="water"),
            "own_old": file(own, by=admin, kind="roads", raised_on=old),
            "other": file(other, by=admin, kind="dispute", assign="县水务局"),
        }
        db.session.commit()
    return ids


def items(client, query: str = "") -> dict:
    response = client.get(f"/ogc/collections/demands/items?f=json&{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def test_the_demands_collection_pages_and_filters_like_the_others(client, login, demands, county):
    login("leader")
    listed = [c["id"] for c in client.get("/ogc/collections?f=json").json["collections"]]
    assert "demands" in listed
    every = items(client)
    assert {int(f["id"]) for f in every["features"]} == set(demands.values())
    one = next(f for f in every["features"] if int(f["id"]) == demands["other"])
    props = one["properties"]
    assert props["description"] == DESCRIPTION and props["assignee"] == "县水务局"
    assert (props["demand_kind"], props["demand_kind_zh"], props["state"]) == ("dispute", "纠纷", "assigned")

    first = items(client, "limit=2")
    assert first["numberMatched"] == 3 and len(first["features"]) == 2
    following = next(link["href"] for link in first["links"] if link["rel"] == "next")
    rest = client.get(following).json["features"]
    assert {f["id"] for f in first["features"] + rest} == {str(i) for i in demands.values()}

    since = (datetime.date.today() - datetime.timedelta(days=30)).isoformat()
    recent = {int(f["id"]) for f in items(client, f"datetime={since}T00:00:00Z/..")["features"]}
    assert recent == {demands["own"], demands["other"]}
    x, y = one["geometry"]["coordinates"]
    boxed = items(client, f"bbox={x - 1e-4},{y - 1e-4},{x + 1e-4},{y + 1e-4}")["features"]
    assert [int(f["id"]) for f in boxed] == [demands["other"]]
    assert items(client, "state=assigned")["numberMatched"] == 1


def test_gis_gets_no_demand_one_by_one(app, client, login, demands):
    login("gis")
    listed = [c["id"] for c in client.get("/ogc/collections?f=json").json["collections"]]
    assert "demands" not in listed
    for path in ("", "/items", f"/items/{demands['own']}", "/queryables"):
        assert client.get(f"/ogc/collections/demands{path}?f=json").status_code == 403, path
    with app.app_context():
        assert "demands" not in exports.layers_for(find_user("test-gis"))


def test_a_cadre_gets_the_demands_of_their_villages(client, login, demands):
    login("cadre")
    assert {int(f["id"]) for f in items(client)["features"]} == {demands["own"], demands["own_old"]}
    assert client.get(f"/ogc/collections/demands/items/{demands['other']}?f=json").status_code == 404


@pytest.mark.usefixtures("app_context")
@pytest.mark.parametrize("fmt", ["xlsx", "geojson", "gpkg", "csv", "shp"])
def test_the_demands_export_layer_reads_back(tmp_path, accounts, demands, fmt):
    cadre = find_user(accounts["cadre"][0])
    content, summary = exports.export("demands", fmt, user=cadre)
    path = tmp_path / summary["file_name"]
    path.write_bytes(content)
    assert summary["features"] == {"demands": 2}
    if fmt == "xlsx":
        sheet = load_workbook(path)["群众诉求"]
        header = [cell.value for cell in sheet[1]]
        assert {"诉求类别", "状态", "诉求内容", "诉求人", "办结时限"} <= set(header)
        rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
        assert {r["诉求内容"] for r in rows} == {DESCRIPTION}
        return
    if fmt == "csv":
        frame = pd.read_csv(path)
    elif fmt == "shp":  # a zip; a shapefile has no times: the last change is text in the county's zone
        shutil.unpack_archive(path, tmp_path / "shp", "zip")
        frame = pyogrio.read_dataframe(tmp_path / "shp" / "demands.shp")
        assert all(len(v) == 19 and v[:2] == "20" for v in frame.updated_at)
        frame = frame.rename(columns={c: "description" for c in frame.columns if c.startswith("descript")})
    else:
        frame = pyogrio.read_dataframe(path, layer="demands")
        assert set(frame.geom_type) == {"Point"}
    assert sorted(frame.id.astype(int)) == sorted([demands["own"], demands["own_old"]])
    assert set(frame.description) == {DESCRIPTION}


# --- GDAL against the live server ---------------------------------------------------------


@pytest.fixture
def committed_demands(app, accounts, county):
    """Demands committed for the live server's process to read; removed afterwards."""
    own, other = households(county)
    with app.app_context():
        clear_demands()
        ids = [file(own, by=accounts["admin"][0]), file(other, by=accounts["admin"][0], kind="roads")]
        db.session.commit()
    yield ids
    with app.app_context():
        db.session.execute(text("TRUNCATE demand_event, demand CASCADE"))
        db.session.commit()


@pytest.mark.live
@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="no ogrinfo: install gdal-bin (make deps)")
def test_ogrinfo_reads_the_demands_collection(live_server, accounts, committed_demands):
    def ogrinfo(role: str) -> subprocess.CompletedProcess:
        user, password = accounts[role]
        command = ["ogrinfo", "-ro", "-al", "-oo", "PAGE_SIZE=1000", "--config", "GDAL_HTTP_AUTH", "BASIC"]
        command += [
            "--config",
            "GDAL_HTTP_USERPWD",
            f"{user}:{password}",
            f"OAPIF:{live_server}/ogc",
            "demands",
        ]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)

    read = ogrinfo("leader")
    assert read.returncode == 0, read.stderr[-2000:]
    assert "Geometry: Point" in read.stdout and "Feature Count: 2" in read.stdout
    assert read.stdout.count(f"description (String) = {DESCRIPTION}") == 2
    assert "demand_kind (String) = roads" in read.stdout
    refused = ogrinfo("gis")
    assert refused.returncode != 0 and "Couldn't fetch requested layer demands" in refused.stdout
