"""Large exports never pass through a web worker: a big GET becomes a job, its file streams from disk."""

import csv
import datetime
import io
import re
import xml.etree.ElementTree as ET

import pyogrio
from openpyxl import load_workbook
from sqlalchemy import func, select, text, update

from app import jobs
from app.exports import households
from app.extensions import db
from app.importers.households import import_households
from app.models import Job
from tests.conftest import cadre_village, log_in
from tests.test_exports import unzip
from tests.test_jobs import JSON, queue_import, run_worker, state


def rows(body: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_a_large_export_asked_for_by_get_becomes_a_job_whose_file_streams_and_matches(
    app, login, county, monkeypatch
):
    client = login("gis")
    direct = client.get("/export/households.csv")  # under the limit: the file at once
    assert direct.status_code == 200 and len(rows(direct.data)) == len(county.households)
    monkeypatch.setitem(app.config, "EXPORT_SYNC_MAX_ROWS", len(county.households) - 1)
    response = client.get("/export/households.csv")
    assert response.status_code == 303
    job_url = response.headers["Location"]
    assert "/jobs/" in job_url and client.get("/export/households.csv").headers["Location"] == job_url
    assert state(client, job_url)["status"] == "queued"
    run_worker(app)
    download = client.get(job_url + "/result")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert download.data == direct.data  # the same table, byte for byte
    job_id = int(job_url.rsplit("/", 1)[1])
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert db.session.scalar(select(Job.result.is_(None)).where(Job.id == job_id))  # nothing in the row
        path = jobs.result_file(job)
        assert path.read_bytes() == direct.data  # on disk, where the result streams from


def test_the_limit_counts_the_rows_of_the_users_own_scope(app, login, accounts, county, monkeypatch):
    village = cadre_village(county)
    own = county.households.natural_village_code.str.startswith(village).sum()
    monkeypatch.setitem(app.config, "EXPORT_SYNC_MAX_ROWS", int(own) + 10)
    cadre = login("cadre")
    response = cadre.get("/export/households.csv")
    assert response.status_code == 200 and len(rows(response.data)) == own
    assert app.test_client().get("/export/households.csv").status_code in (302, 401)
    gis = app.test_client()
    log_in(gis, *accounts["gis"])
    assert gis.get("/export/households.geojson").status_code == 303
    assert gis.get("/export/townships.geojson").status_code == 200  # a small layer stays synchronous
    assert gis.get("/export/all.gpkg").status_code == 303


def test_a_csv_streamed_in_small_chunks_is_the_same_file(login, county, monkeypatch):
    client = login("leader")
    monkeypatch.setattr(households, "CHUNK_ROWS", 700)
    chunked = client.get("/export/households.csv?crs=EPSG:4545")
    assert chunked.status_code == 200
    table = rows(chunked.data)
    assert len(table) == len(county.households) and {"x", "y"} <= set(table[0])
    assert all(r["id_number"][4:14] == "*" * 10 for r in table)
    monkeypatch.setattr(households, "CHUNK_ROWS", len(county.households))  # one chunk
    assert client.get("/export/households.csv?crs=EPSG:4545").data == chunked.data


def test_a_pruned_export_file_leaves_the_disk_and_answers_410(app, login, monkeypatch, county):
    monkeypatch.setitem(app.config, "EXPORT_SYNC_MAX_ROWS", 10)
    client = login("gis")
    job_url = client.get("/export/households.csv").headers["Location"]
    run_worker(app)
    job_id = int(job_url.rsplit("/", 1)[1])
    with app.app_context():
        path = jobs.result_file(db.session.get(Job, job_id))
        assert path.is_file()
        db.session.execute(
            update(Job).where(Job.id == job_id).values(finished_at=func.now() - datetime.timedelta(days=8))
        )
        db.session.commit()
        jobs.prune(older_than=datetime.timedelta(days=7), uploads=path.parent / "no-uploads")
    assert not path.exists()
    response = client.get(job_url + "/result", headers=JSON)
    assert response.status_code == 410 and "removed after 7 days" in response.get_json()["message"]


def test_a_geojson_streamed_in_chunks_reads_as_the_geopackage_gdal_wrote(
    login, county, monkeypatch, tmp_path
):
    client = login("cadre")  # the full records of the cadre's own village
    monkeypatch.setattr(households, "CHUNK_ROWS", 100)
    (tmp_path / "h.geojson").write_bytes(client.get("/export/households.geojson?crs=EPSG:4545").data)
    (tmp_path / "h.gpkg").write_bytes(client.get("/export/households.gpkg?crs=EPSG:4545").data)
    streamed = pyogrio.read_dataframe(tmp_path / "h.geojson").set_index("code").sort_index()
    written = pyogrio.read_dataframe(tmp_path / "h.gpkg", layer="households").set_index("code").sort_index()
    assert len(streamed) == len(written) > 100 and streamed.crs.to_epsg() == 4545
    assert set(streamed.columns) == set(written.columns) and "id_number" in streamed.columns
    for name in written.columns.drop("geometry"):
        assert (
            streamed[name].fillna(-1).astype(str).tolist() == written[name].fillna(-1).astype(str).tolist()
        ), name
    assert streamed.geometry.geom_equals_exact(written.geometry, tolerance=0.001).all()


def test_a_job_that_made_no_file_leaves_none_on_disk_and_answers_410(app, login, tmp_path, county, accounts):
    job_id = queue_import(app, tmp_path, county, "admin", accounts)  # every row good: nothing rejected
    client = login("admin")
    run_worker(app)
    assert state(client, f"/jobs/{job_id}")["status"] == "done"
    with app.app_context():
        assert jobs.result_file(db.session.get(Job, job_id)) is None
    assert client.get(f"/jobs/{job_id}/result", headers=JSON).status_code == 410


def test_a_geopackage_written_in_small_chunks_reads_as_one_written_at_once(
    app, login, county, monkeypatch, tmp_path
):
    """A whole county's GeoPackage is appended a chunk at a time; QGIS reads the same layer, nulls too."""
    last = county.households.code.max()
    with app.app_context():  # an income nobody gave, in the last chunk only: still an integer field
        db.session.execute(text("UPDATE household SET income_per_capita = NULL WHERE code = :c"), {"c": last})
        db.session.commit()
    client = login("leader")
    files = {}
    for name, size in (("chunked", 70), ("whole", len(county.households))):
        monkeypatch.setattr(households, "CHUNK_ROWS", size)
        files[name] = tmp_path / f"{name}.gpkg"
        files[name].write_bytes(client.get("/export/households.gpkg?crs=EPSG:4545").data)
    chunked, whole = (pyogrio.read_info(files[n], layer="households") for n in ("chunked", "whole"))
    assert chunked["features"] == whole["features"] == len(county.households)
    assert list(chunked["fields"]) == list(whole["fields"]) and "income_per_capita" in chunked["fields"]
    assert list(chunked["dtypes"]) == list(whole["dtypes"])
    assert dict(zip(chunked["fields"], chunked["dtypes"], strict=True))["income_per_capita"] == "int64"
    assert chunked["geometry_type"] == "Point" and chunked["layer_metadata"]["role"] == "leader"
    assert chunked["dataset_metadata"] == chunked["layer_metadata"]
    read = {n: pyogrio.read_dataframe(files[n], layer="households").set_index("code") for n in files}
    assert read["chunked"].drop(columns="geometry").equals(read["whole"].drop(columns="geometry"))
    assert read["chunked"].geometry.geom_equals_exact(read["whole"].geometry, tolerance=0.001).all()
    assert read["chunked"].income_per_capita.isna().sum() == 1 and read["chunked"].crs.to_epsg() == 4545
    assert (read["chunked"].id_number.str[4:14] == "*" * 10).all()  # masked for a leader, chunk by chunk
    assert "layer_styles" in dict(pyogrio.list_layers(files["chunked"]))  # QGIS's default style


def test_a_geopackage_of_no_households_still_has_their_point_layer(login, tmp_path):
    client = login("leader")
    response = client.get("/export/households.gpkg?as_of=2001-01-01")  # before the county was loaded
    assert response.status_code == 200
    (tmp_path / "none.gpkg").write_bytes(response.data)
    info = pyogrio.read_info(tmp_path / "none.gpkg", layer="households")
    assert info["features"] == 0 and info["geometry_type"] == "Point" and "id_number" in info["fields"]
    assert info["layer_metadata"]["as_of"] == "2001-01-01"


def test_a_kml_written_in_small_chunks_reads_as_one_gdal_wrote_at_once(login, county, monkeypatch, tmp_path):
    """GDAL's KML cannot append: chunks are written apart and joined, and Google Earth reads one file."""
    client = login("cadre")  # full records in the cadre's village
    files = {}
    for name, size in (("chunked", 70), ("whole", len(county.households))):
        monkeypatch.setattr(households, "CHUNK_ROWS", size)
        files[name] = tmp_path / f"{name}.kml"
        files[name].write_bytes(client.get("/export/households.kml").data)
    text = files["chunked"].read_text(encoding="utf-8")
    ids = re.findall(r'<Placemark id="([^"]+)"', text)
    assert len(ids) == len(set(ids)) > 70 and text.count("<Schema ") == 1 and text.endswith("</kml>\n")
    ET.fromstring(text.encode())  # well-formed: one document
    read = {n: pyogrio.read_dataframe(files[n]).set_index("Name") for n in files}
    assert read["chunked"].drop(columns="geometry").equals(read["whole"].drop(columns="geometry"))
    assert read["chunked"].geometry.geom_equals_exact(read["whole"].geometry, tolerance=1e-9).all()
    assert "id_number" in read["chunked"].columns


def test_a_shapefile_appended_in_small_chunks_reads_as_one_written_at_once(
    login, county, monkeypatch, tmp_path
):
    client = login("leader")
    read = {}
    for name, size in (("chunked", 70), ("whole", len(county.households))):
        monkeypatch.setattr(households, "CHUNK_ROWS", size)
        unzip(client.get("/export/households.shp?crs=EPSG:4545").data, tmp_path / name)
        read[name] = pyogrio.read_dataframe(tmp_path / name / "households.shp").set_index("code")
        assert pyogrio.read_info(tmp_path / name / "households.shp")["encoding"] == "UTF-8"
    assert len(read["chunked"]) == len(county.households) and read["chunked"].crs.to_epsg() == 4545
    assert read["chunked"].drop(columns="geometry").equals(read["whole"].drop(columns="geometry"))
    assert list(read["chunked"].dtypes) == list(read["whole"].dtypes)
    assert (
        all(len(c) <= 10 for c in read["chunked"].columns)
        and (read["chunked"].id_number.str[4:14] == "*" * 10).all()
    )
    table = list(csv.DictReader(io.StringIO((tmp_path / "chunked" / "fields.csv").read_text("utf-8-sig"))))
    assert {"layer": "households", "field": "left_behind_children", "shapefile_field": "l_b_chld"} in table


def test_an_xlsx_written_in_small_chunks_is_the_same_sheet_and_re_imports(
    app, login, county, monkeypatch, tmp_path
):
    """The households' sheet streams a chunk at a time into the workbook; Excel sees the same cells."""
    client = login("admin")
    books = {}
    for name, size in (("chunked", 70), ("whole", len(county.households))):
        monkeypatch.setattr(households, "CHUNK_ROWS", size)
        (tmp_path / f"{name}.xlsx").write_bytes(client.get("/export/all.xlsx").data)
        books[name] = load_workbook(tmp_path / f"{name}.xlsx")
    assert books["chunked"].sheetnames == books["whole"].sheetnames
    cells = {
        n: [[(c.value, c.data_type) for c in row] for row in books[n]["农户"].iter_rows()] for n in books
    }
    assert cells["chunked"] == cells["whole"] and len(cells["chunked"]) == len(county.households) + 1
    header = [value for value, _ in cells["chunked"][0]]
    assert all(row[header.index("家庭人口")][1] == "n" for row in cells["chunked"][1:])
    assert {row[header.index("低保")][0] for row in cells["chunked"][1:]} == {"是", "否"}
    (tmp_path / "农户.xlsx").write_bytes(client.get("/export/households.xlsx").data)  # 70 a chunk
    with app.app_context():
        db.session.execute(text("DELETE FROM household"))
        result = import_households(tmp_path / "农户.xlsx")
        assert result.problems == [] and result.inserted == len(county.households)
