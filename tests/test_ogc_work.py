"""Pairings and visits in QGIS and exports (#11): OGC collections read by GDAL, export layers read by pyogrio.

Each is masked like households: admin and leader everywhere, a cadre in their own
village only, gis not at all (counts only: absent from /collections, 403 when asked).
"""

import datetime
import uuid

import pandas as pd
import pyogrio
import pytest
import shapely
from sqlalchemy import select

from app import exports, privacy
from app.extensions import db
from app.models import AuditEvent, User
from app.queries import exports as export_sql
from app.queries import work_layers
from tests import test_ogc, test_qgis
from tests.conftest import cadre_village

WORK = ("pairings", "visits")
server, gdal_as = test_ogc.server, test_ogc.gdal_as  # the live server's fixtures


def own_households(county) -> set[str]:
    """Return the codes of the households in the test cadre's village."""
    nvs = county.natural_villages[county.natural_villages.village_code == cadre_village(county)].code
    return set(county.households[county.households.natural_village_code.isin(nvs)].code)


def points(county) -> dict[str, shapely.Point]:
    return dict(zip(county.households.code, county.households.geometry, strict=True))


def open_pairings(work, day: datetime.date) -> pd.DataFrame:
    """Return the pairings valid on `day` (end is the first day no longer paired)."""
    starts = pd.to_datetime(work.pairings.start).dt.date
    ends = pd.to_datetime(work.pairings.end).dt.date
    return work.pairings[(starts <= day) & (work.pairings.end.isna() | (ends > day))]


# --- GDAL against a live server -------------------------------------------------


@pytest.mark.live
def test_gdal_reads_visits_and_pairings_with_their_geometry(server, gdal_as, county, work):
    gdal_as("leader")
    layers = dict(pyogrio.list_layers(server).tolist())
    assert (layers["pairings"], layers["visits"]) == ("LineString", "Point")
    at = points(county)

    visits = pyogrio.read_dataframe(server, layer="visits")
    assert len(visits) == len(work.visits)
    assert sorted(visits.household_code) == sorted(work.visits.household_code)
    assert set(visits.findings) <= set(work.visits.findings) and visits.findings.str.len().gt(0).any()
    assert set(visits.kind) == {"routine", "holiday", "follow_up"}
    unlogged = visits[~visits.logged.astype(bool)]
    assert len(unlogged) == work.visits.lon.isna().sum()
    for row in unlogged.head(50).itertuples():  # not logged on site: drawn at the household
        assert row.geometry.distance(at[row.household_code]) < 1e-6

    pairings = pyogrio.read_dataframe(server, layer="pairings")
    assert len(pairings) == len(work.pairings)
    assert sorted(pairings.household_code) == sorted(work.pairings.household_code)
    assert pairings.current.astype(bool).sum() == len(open_pairings(work, datetime.date.today()))
    for row in pairings.head(50).itertuples():  # from the cadre's patch to the household
        start, end = shapely.get_point(row.geometry, 0), shapely.get_point(row.geometry, -1)
        assert end.distance(at[row.household_code]) < 1e-6 and start.distance(end) > 0


@pytest.mark.live
@pytest.mark.skipif(not test_qgis._qgis_importable(), reason="QGIS's Python bindings are not installed")
def test_qgis_opens_a_leaders_project_with_visits_and_pairings(live_server, accounts, county, tmp_path):
    report, _ = test_qgis.open_project(live_server, *accounts["leader"], county, tmp_path)
    layers = {layer["name"]: layer for layer in report["layers"]}
    for name in ("走访 Visits", "结对帮扶 Pairings"):
        assert layers[name]["valid"] and layers[name]["has_features"], name
        assert layers[name]["crs"] == "EPSG:4490", name


@pytest.mark.live
def test_gdal_as_gis_finds_no_pairings_or_visits(server, gdal_as):
    gdal_as("gis")
    layers = dict(pyogrio.list_layers(server).tolist())
    assert set(layers) == {"townships", "villages", "natural_villages", "households"}


# --- the OGC API through the test client -------------------------------------------


@pytest.mark.parametrize("collection", WORK)
def test_gis_is_refused_pairings_and_visits_and_not_offered_them(client, login, collection):
    login("gis")
    listed = [c["id"] for c in client.get("/ogc/collections?f=json").json["collections"]]
    assert collection not in listed and "households" in listed
    assert not any(collection in path for path in client.get("/ogc/api?f=json").json["paths"])
    base = f"/ogc/collections/{collection}"
    for url in (f"{base}?f=json", f"{base}/items?f=json", f"{base}/queryables?f=json", f"{base}/items/1"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "pairings and visits" in response.json["description"]
    assert client.get(f"/export/{collection}.gpkg").status_code == 403
    form = client.get("/export").get_data(as_text=True)
    assert f'value="{collection}"' not in form
    project = client.get("/ogc/qgis-project.qgs").get_data(as_text=True)
    assert f"typename='{collection}'" not in project


def test_a_cadre_gets_only_the_visits_and_pairings_of_their_village(client, login, county, work):
    login("cadre")
    own = own_households(county)
    for collection, rows in (("visits", work.visits), ("pairings", work.pairings)):
        body = client.get(f"/ogc/collections/{collection}/items?limit=10000").json
        expected = rows[rows.household_code.isin(own)]
        assert body["numberMatched"] == len(expected) < len(rows), collection
        assert sorted(f["properties"]["household_code"] for f in body["features"]) == sorted(
            expected.household_code
        )
    foreign = uuid.UUID(work.visits[~work.visits.household_code.isin(own)].uid.iloc[0])
    assert client.get(f"/ogc/collections/visits/items/{foreign}").status_code == 404
    mine = uuid.UUID(work.visits[work.visits.household_code.isin(own)].uid.iloc[0])
    visit = client.get(f"/ogc/collections/visits/items/{mine}").json
    assert visit["properties"]["household_code"] in own and "findings" in visit["properties"]
    page = client.get("/ogc/collections/visits/items?f=html&limit=5").get_data(as_text=True)
    assert "走访 Visits" in page and "走访情况 Findings" in page


def test_visits_filter_by_date_kind_and_bbox(client, login, work):
    login("admin")
    days = pd.to_datetime(work.visits.visited_on).dt.date
    first, last = sorted(set(days))[len(set(days)) // 3], sorted(set(days))[len(set(days)) // 2]
    items = "/ogc/collections/visits/items"
    body = client.get(f"{items}?limit=1&datetime={first}T00:00:00%2B08:00/{last}T23:59:59%2B08:00").json
    assert body["numberMatched"] == ((days >= first) & (days <= last)).sum() > 0
    holiday = client.get(f"{items}?limit=1&filter=kind = 'holiday'").json
    assert holiday["numberMatched"] == (work.visits.kind == "holiday").sum() > 0
    by_argument = client.get(f"{items}?limit=1&kind=holiday&date={first}").json
    assert by_argument["numberMatched"] == ((work.visits.kind == "holiday") & (days == first)).sum()
    assert client.get(f"{items}?filter=nothing = 1").status_code == 400
    assert client.get(f"{items}?datetime=yesterday").status_code == 400


def test_pairings_match_a_datetime_by_their_validity(client, login, work):
    login("leader")
    starts = sorted(pd.to_datetime(work.pairings.start).dt.date)
    day = starts[len(starts) // 2] + datetime.timedelta(days=30)
    body = client.get(f"/ogc/collections/pairings/items?limit=1&datetime={day}T12:00:00%2B08:00").json
    assert body["numberMatched"] == len(open_pairings(work, day)) > 0
    queryables = client.get("/ogc/collections/pairings/queryables").json["properties"]
    assert set(queryables) == {"cadre", "unit", "household_code", "start", "end", "current"}


def test_reading_visits_is_audited(app, client, login):
    login("leader")
    app.extensions.pop("ogc_listings", None)
    assert client.get("/ogc/collections/visits/items?limit=3&kind=holiday").status_code == 200
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.target, event.username) == ("ogc_visits", "visits", "test-leader")
    assert "kind=holiday" in event.detail["query"]


@pytest.mark.usefixtures("app_context")
def test_findings_leave_the_database_only_where_the_rule_shows_visit_notes():
    masked = privacy.field_rules(privacy.Detail.MASKED)
    assert masked[privacy.VISIT_NOTES] is privacy.Rule.OMIT
    rows = export_sql.work_layer(work_layers.visits(masked, villages=None), srid=4490, point=True)
    assert len(rows) and not {"findings", "ticks"} & set(rows.columns)
    named = privacy.field_rules(privacy.Detail.NAMED)
    rows = export_sql.work_layer(work_layers.visits(named, villages=None), srid=4490, point=True)
    assert rows.findings.str.len().gt(0).any()


# --- exports --------------------------------------------------------------------------


def account(accounts, role: str) -> User:
    return db.session.scalars(select(User).where(User.username == accounts[role][0])).one()


@pytest.mark.usefixtures("app_context")
@pytest.mark.parametrize("fmt", ["gpkg", "geojson", "shp"])
def test_exported_visits_and_pairings_read_back(tmp_path, accounts, county, work, fmt):
    own = own_households(county)
    cadre = account(accounts, "cadre")
    for layer, rows in (("visits", work.visits), ("pairings", work.pairings)):
        content, summary = exports.export(layer, fmt, user=cadre, crs="EPSG:4490")
        path = tmp_path / summary["file_name"]
        path.write_bytes(content)
        source = f"/vsizip/{path}/{layer}.shp" if fmt == "shp" else path
        frame = pyogrio.read_dataframe(source, layer=None if fmt == "shp" else layer)
        expected = rows[rows.household_code.isin(own)]
        code = (
            exports.shapefile_names(["household_code"])["household_code"]
            if fmt == "shp"
            else "household_code"
        )
        assert sorted(frame[code]) == sorted(expected.household_code), (layer, fmt)
        kind = "Point" if layer == "visits" else "LineString"
        assert set(frame.geom_type) == {kind}


@pytest.mark.usefixtures("app_context")
def test_all_holds_pairings_and_visits_only_for_roles_that_see_them(tmp_path, accounts, work):
    for role, expected in (("leader", True), ("gis", False)):
        path = tmp_path / f"{role}.gpkg"
        _, summary = exports.export("all", "gpkg", user=account(accounts, role), out=path)
        names = {name for name, _ in pyogrio.list_layers(path)}
        assert ({"pairings", "visits"} <= names) is expected, role
        assert ("visits" in summary["features"]) is expected
    visits = pyogrio.read_dataframe(tmp_path / "leader.gpkg", layer="visits")
    assert len(visits) == len(work.visits) and "findings" in visits
    with pytest.raises(PermissionError):
        exports.export("visits", "csv", user=account(accounts, "gis"))


@pytest.mark.usefixtures("app_context")
def test_the_export_command_refuses_visits_to_gis_and_writes_them_for_a_leader(app, accounts, tmp_path, work):
    def run(role: str):
        out = tmp_path / f"{role}.geojson"
        args = ["export", "visits", "--format", "geojson", "--user", accounts[role][0], "--out", str(out)]
        return app.test_cli_runner().invoke(args=args), out

    refused, out = run("gis")
    assert refused.exit_code == 2 and "not for the gis role" in refused.output and not out.exists()
    done, out = run("leader")
    assert done.exit_code == 0, done.output
    assert len(pyogrio.read_dataframe(out)) == len(work.visits)


def test_a_leader_is_offered_pairings_and_visits_on_the_export_page(client, login):
    login("leader")
    form = client.get("/export").get_data(as_text=True)
    assert '<option value="pairings">结对帮扶（干部包片中心到农户的连线）</option>' in form
    assert '<option value="visits">走访（点）</option>' in form
