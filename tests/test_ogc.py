"""OGC API - Features: GDAL's OAPIF driver against a live server; every bad input through the test client."""

import base64
import json
import re
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pyogrio
import pyproj
import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import delete, select

from app.extensions import db
from app.models import ApiToken, AuditEvent, Household
from app.ogc import chains
from tests.conftest import cadre_village, log_in

ID_MASKED = re.compile(r"^[0-9]{4}\*{10}[0-9]{3}[0-9X]$")
ITEMS = "/ogc/collections/households/items"

# --- GDAL against a live server -------------------------------------------------


@pytest.fixture(scope="module")
def server(live_server):
    """Return the OAPIF dataset name of the live server."""
    return f"OAPIF:{live_server}/ogc"


@pytest.fixture
def gdal_as(accounts):
    """Return a function that makes GDAL authenticate as a role with HTTP Basic; reset afterwards."""

    def as_role(role: str) -> None:
        username, password = accounts[role]
        pyogrio.set_gdal_config_options(
            {
                "GDAL_HTTP_USERPWD": f"{username}:{password}",
                "GDAL_HTTP_AUTH": "BASIC",
                "GDAL_HTTP_HEADERS": None,
            }
        )

    yield as_role
    pyogrio.set_gdal_config_options(
        {"GDAL_HTTP_USERPWD": None, "GDAL_HTTP_AUTH": None, "GDAL_HTTP_HEADERS": None}
    )


def by_code(frame):
    return frame.set_index("code").sort_index()


@pytest.mark.live
def test_gdal_lists_the_four_collections(server, gdal_as):
    gdal_as("gis")
    layers = dict(pyogrio.list_layers(server).tolist())
    assert layers == {
        "townships": "MultiPolygon",
        "villages": "MultiPolygon",
        "natural_villages": "MultiPolygon",
        "households": "Point",
    }


@pytest.mark.live
@pytest.mark.parametrize("page_size", [700, 20_000])  # above OGC_MAX_LIMIT: clamped, not refused
def test_gdal_reads_every_page_of_households_masked_for_gis(server, gdal_as, county, page_size):
    gdal_as("gis")
    frame = pyogrio.read_dataframe(server, layer="households", page_size=page_size, crs="OGC:CRS84")
    assert len(frame) == len(county.households) and frame.code.is_unique
    assert set(frame.code) == set(county.households.code)
    assert frame.head_name.str.fullmatch(r".\*").all()
    # Members and migrant workers would give left-behind children away (#10).
    assert not {"id_number", "address", "left_behind_children", "members", "migrant_workers"} & set(
        frame.columns
    )
    ours, theirs = by_code(frame), by_code(county.households)
    assert np.allclose(ours.geometry.x, theirs.geometry.x, atol=1e-6)
    assert np.allclose(ours.geometry.y, theirs.geometry.y, atol=1e-6)
    assert (ours.dibao == theirs.dibao).all()


@pytest.mark.live
def test_gdal_reads_epsg_4490_and_a_gauss_kruger_zone_in_the_right_axis_order(server, gdal_as, county):
    gdal_as("leader")
    theirs = by_code(county.households)
    frame = by_code(pyogrio.read_dataframe(server, layer="households", crs="EPSG:4490", page_size=5000))
    assert frame.crs.to_epsg() == 4490
    # GDAL hands coordinates back east first; they match only if the server sent latitude first.
    assert np.allclose(frame.geometry.x, theirs.geometry.x, atol=1e-6)
    assert np.allclose(frame.geometry.y, theirs.geometry.y, atol=1e-6)
    zone = by_code(pyogrio.read_dataframe(server, layer="households", crs="EPSG:4545", page_size=5000))
    east, north = pyproj.Transformer.from_crs(4490, 4545, always_xy=True).transform(
        theirs.geometry.x.values, theirs.geometry.y.values
    )
    assert np.allclose(zone.geometry.x, east, atol=0.05) and np.allclose(zone.geometry.y, north, atol=0.05)


def audit_rows(app, username: str) -> list[AuditEvent]:
    """Return the user's household-listing audit rows, oldest first."""
    with app.app_context():
        return db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "ogc_households", AuditEvent.username == username)
            .order_by(AuditEvent.id)
        ).all()


@pytest.mark.live
def test_gdal_reading_every_household_writes_one_audit_row(server, gdal_as, county, app, accounts):
    gdal_as("admin")  # no other live test reads as admin: no listing of theirs to continue
    before = len(audit_rows(app, accounts["admin"][0]))
    # GDAL reads a first page for the fields, then starts over and follows 5 next links.
    frame = pyogrio.read_dataframe(server, layer="households", page_size=700)
    assert len(frame) == len(county.households)
    rows = audit_rows(app, accounts["admin"][0])
    assert len(rows) == before + 1
    with app.app_context():
        db.session.execute(delete(AuditEvent).where(AuditEvent.id == rows[-1].id))
        db.session.commit()


@pytest.mark.live
def test_gdal_filters_on_the_server(server, gdal_as, county, app):
    gdal_as("leader")
    frame = pyogrio.read_dataframe(
        server, layer="households", where="poverty_status = 'registered' AND members > 3", page_size=5000
    )
    expected = county.households.query("poverty_status == 'registered' and members > 3")
    assert sorted(frame.code) == sorted(expected.code)
    with app.app_context():
        queries = db.session.scalars(
            select(AuditEvent.detail["query"].astext).where(AuditEvent.action == "ogc_households")
        ).all()
    # GDAL sends the equality as a queryable argument and evaluates the comparison itself.
    assert any("poverty_status=registered" in query for query in queries)


@pytest.mark.live
def test_what_gdal_read_writes_to_a_geopackage_that_opens_again(server, gdal_as, tmp_path, county):
    gdal_as("gis")
    villages = pyogrio.read_dataframe(server, layer="natural_villages")
    households = pyogrio.read_dataframe(server, layer="households", page_size=5000)
    path = tmp_path / "minqing.gpkg"
    pyogrio.write_dataframe(villages, path, layer="natural_villages")
    pyogrio.write_dataframe(households, path, layer="households")
    again = pyogrio.read_dataframe(path, layer="natural_villages")
    assert sorted(again.code) == sorted(county.natural_villages.code)
    assert again.households.sum() == len(county.households)
    assert len(pyogrio.read_dataframe(path, layer="households")) == len(county.households)


@pytest.mark.live
def test_gdal_authenticates_with_a_bearer_token_and_not_without(server, app, accounts, tmp_path):
    from app.auth import authenticate, create_token

    with app.app_context():
        token = create_token(authenticate(*accounts["gis"]), name="OAPIF test")
        db.session.commit()
    try:
        # The OAPIF driver sets its own Accept header, which replaces GDAL_HTTP_HEADERS; a header
        # file is added to it.
        headers = tmp_path / "headers.txt"
        headers.write_text(f"Authorization: Bearer {token}\n")
        pyogrio.set_gdal_config_options({"GDAL_HTTP_HEADER_FILE": str(headers)})
        frame = pyogrio.read_dataframe(server, layer="townships")
        assert len(frame) == 2
        headers.write_text("X-API-Token: wrong\n")
        with pytest.raises(pyogrio.errors.DataSourceError, match="401"):
            pyogrio.read_dataframe(server, layer="townships")
    finally:
        pyogrio.set_gdal_config_options({"GDAL_HTTP_HEADER_FILE": None})
        with app.app_context():
            db.session.execute(delete(ApiToken).where(ApiToken.name == "OAPIF test"))
            db.session.commit()


# --- documents ------------------------------------------------------------------


def test_the_landing_page_links_what_ogc_api_requires(client, login):
    login("gis")
    body = client.get("/ogc/").json
    rels = {link["rel"]: link for link in body["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= set(rels)
    assert rels["service-desc"]["type"].startswith("application/vnd.oai.openapi+json")
    api = client.get("/ogc/api")
    assert api.status_code == 200 and api.json["openapi"].startswith("3.0")
    limit = next(
        p
        for p in api.json["paths"]["/collections/households/items"]["get"]["parameters"]
        if p["name"] == "limit"
    )
    assert limit["schema"]["maximum"] == 10_000
    conforms = client.get("/ogc/conformance").json["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in conforms
    assert not any("tiles" in c or "sorting" in c for c in conforms)


def test_collections_state_a_crs84_extent_and_their_crss(client, login, county):
    login("gis")
    collections = client.get("/ogc/collections").json["collections"]
    assert [c["id"] for c in collections] == ["townships", "villages", "natural_villages", "households"]
    west, south, east, north = county.admin_units.total_bounds
    for c in collections:
        assert c["extent"]["spatial"]["crs"].endswith("CRS84")
        assert np.allclose(c["extent"]["spatial"]["bbox"][0], [west, south, east, north])
        assert "http://www.opengis.net/def/crs/EPSG/0/4545" in c["crs"]
        assert c["storageCrs"] == "http://www.opengis.net/def/crs/EPSG/0/4490"


def test_natural_villages_carry_household_counts_per_indicator(client, login, county):
    login("leader")  # who sees left-behind children per household, so every count of them too
    features = client.get("/ogc/collections/natural_villages/items?limit=1000").json["features"]
    assert sorted(f["id"] for f in features) == sorted(county.natural_villages.code)
    households = county.households
    for feature in features[:5]:
        mine = households[households.natural_village_code == feature["id"]]
        assert feature["properties"]["households"] == len(mine)
        assert feature["properties"]["dibao"] == int(mine.dibao.sum())
        assert feature["properties"]["left_behind_children"] == int((mine.left_behind_children > 0).sum())
    townships = client.get("/ogc/collections/townships/items").json["features"]
    assert sum(f["properties"]["households"] for f in townships) == len(households)


def test_next_links_page_through_every_household_once(client, login, county):
    login("admin")
    url, codes, pages = f"{ITEMS}?limit=700", [], 0
    while url:
        body = client.get(url).json
        if pages == 0:
            assert body["numberMatched"] == len(county.households)
        else:  # counted once per listing: a count carried on would go stale as households change
            assert "numberMatched" not in body
        assert body["numberReturned"] == len(body["features"])
        codes += [f["id"] for f in body["features"]]
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
        pages += 1
        if url:
            assert "offset" not in url and parse_qs(urlsplit(url).query)["limit"] == ["700"]
    assert pages == 5 and codes == sorted(county.households.code)


def test_number_matched_is_exact_right_after_households_are_removed(app, client, login, county):
    # The planner's estimate (reltuples) would still count them until autovacuum runs.
    gone = sorted(county.households.code)[:7]
    with app.app_context():
        db.session.execute(delete(Household).where(Household.code.in_(gone)))
        db.session.commit()
    login("admin")
    assert client.get(f"{ITEMS}?limit=1").json["numberMatched"] == len(county.households) - 7


def test_a_limit_above_the_maximum_is_clamped_and_paging_goes_on(app, client, login, county, monkeypatch):
    monkeypatch.setitem(app.config, "OGC_MAX_LIMIT", 1000)
    login("gis")
    body = client.get(f"{ITEMS}?limit=20000").json
    assert body["numberReturned"] == len(body["features"]) == 1000
    following = next(link["href"] for link in body["links"] if link["rel"] == "next")
    assert parse_qs(urlsplit(following).query)["limit"] == ["1000"]
    second = client.get(following).json
    assert second["numberReturned"] == 1000
    assert second["features"][0]["id"] > body["features"][-1]["id"]


def test_crs_bbox_crs_and_content_crs(client, login, county):
    login("gis")
    plain = client.get(f"{ITEMS}?limit=1").json["features"][0]
    response = client.get(f"{ITEMS}?limit=1&crs=EPSG:4490")
    assert response.headers["Content-Crs"] == "<http://www.opengis.net/def/crs/EPSG/0/4490>"
    assert response.json["features"][0]["geometry"]["coordinates"] == plain["geometry"]["coordinates"][::-1]
    assert client.get(f"{ITEMS}?limit=1").headers["Content-Crs"].endswith("CRS84>")
    village = county.natural_villages.sort_values("code").iloc[0]
    west, south, east, north = village.geometry.bounds
    crs84 = client.get(f"{ITEMS}?limit=10000&bbox={west},{south},{east},{north}").json
    lat_lon = client.get(f"{ITEMS}?limit=10000&bbox={south},{west},{north},{east}&bbox-crs=EPSG:4490").json
    x0, y0 = pyproj.Transformer.from_crs(4490, 3857, always_xy=True).transform(west, south)
    x1, y1 = pyproj.Transformer.from_crs(4490, 3857, always_xy=True).transform(east, north)
    mercator = client.get(f"{ITEMS}?limit=10000&bbox={x0},{y0},{x1},{y1}&bbox-crs=EPSG:3857").json
    inside = county.households.cx[west:east, south:north]
    assert crs84["numberMatched"] == len(inside) > 0
    ids = sorted(f["id"] for f in crs84["features"])
    assert ids == sorted(inside.code)
    assert sorted(f["id"] for f in lat_lon["features"]) == ids
    assert sorted(f["id"] for f in mercator["features"]) == ids


def test_a_single_household_and_its_crs(client, login, county):
    login("leader")
    code = sorted(county.households.code)[0]
    response = client.get(f"{ITEMS}/{code}?crs=EPSG:3857")
    assert response.status_code == 200 and response.json["id"] == code
    assert response.headers["Content-Crs"] == "<http://www.opengis.net/def/crs/EPSG/0/3857>"
    x, _ = response.json["geometry"]["coordinates"]
    assert 1.1e7 < x < 1.3e7  # metres east of Greenwich, not degrees


def test_cql2_filters_and_property_arguments(client, login, county):
    login("leader")
    households = county.households
    cases = {
        "filter=members >= 5 AND dibao = true": households.query("members >= 5 and dibao"),
        "filter=(poverty_status = 'lifted' OR wubao = TRUE) AND NOT members < 2": households.query(
            "(poverty_status == 'lifted' or wubao) and not members < 2"
        ),
        "poverty_status=monitored": households.query("poverty_status == 'monitored'"),
        "filter=income_per_capita IS NULL": households[households.income_per_capita.isna()],
        "filter=updated_at > TIMESTAMP('2000-01-01T00:00:00Z') AND members <> 1": households.query(
            "members != 1"
        ),
    }
    for query, expected in cases.items():
        body = client.get(f"{ITEMS}?limit=10000&{query}").json
        assert sorted(f["id"] for f in body["features"]) == sorted(expected.code), query
        assert body["numberMatched"] == len(expected)
    picked = client.get(f"{ITEMS}?limit=1&properties=members,dibao").json["features"][0]["properties"]
    assert set(picked) == {"members", "dibao"}
    assert client.get(f"{ITEMS}?datetime=2000-01-01T00:00:00Z/..&limit=1").json["numberMatched"] == len(
        households
    )
    assert client.get(f"{ITEMS}?datetime=../2000-01-01T00:00:00Z").json["numberMatched"] == 0


def test_a_filter_on_a_masked_name_cannot_probe_the_clear_one(client, login, county):
    login("gis")
    name = county.households.sort_values("code").iloc[0].head_name
    clear = client.get(f"{ITEMS}?filter=head_name = '{name}'").json
    assert clear["numberMatched"] == 0
    masked = client.get(f"{ITEMS}?filter=head_name = '{name[0]}*'").json
    assert masked["numberMatched"] >= 1


# --- privacy ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "name", "id_number", "address", "sensitive"),
    [
        ("admin", "clear", "clear", True, True),
        ("leader", "clear", "masked", True, True),
        ("gis", "masked", None, False, False),
    ],
)
def test_each_role_gets_the_fields_it_may_see(
    client, login, county, role, name, id_number, address, sensitive
):
    login(role)
    features = client.get(f"{ITEMS}?limit=50").json["features"]
    expected = by_code(county.households)
    for feature in features:
        properties, row = feature["properties"], expected.loc[feature["id"]]
        assert properties["head_name"] == (row.head_name if name == "clear" else row.head_name[0] + "*")
        if id_number is None:
            assert "id_number" not in properties
        elif id_number == "clear":
            assert properties["id_number"] == row.id_number
        else:
            assert ID_MASKED.match(properties["id_number"])
        assert ("address" in properties) is address
        assert ("left_behind_children" in properties) is sensitive
    queryables = client.get("/ogc/collections/households/queryables").json["properties"]
    assert ("id_number" in queryables) is (id_number is not None)


def test_a_cadre_gets_only_households_of_assigned_villages(client, login, county):
    login("cadre")
    village = cadre_village(county)
    nvs = county.natural_villages[county.natural_villages.village_code == village].code
    own = county.households[county.households.natural_village_code.isin(nvs)]
    body = client.get(f"{ITEMS}?limit=10000").json
    assert body["numberMatched"] == len(own) < len(county.households)
    assert sorted(f["id"] for f in body["features"]) == sorted(own.code)
    assert all(ID_MASKED.match(f["properties"]["id_number"]) is None for f in body["features"])
    foreign = sorted(set(county.households.code) - set(own.code))[0]
    assert client.get(f"{ITEMS}/{foreign}").status_code == 404
    assert client.get(f"{ITEMS}?filter=code = '{foreign}'").json["numberMatched"] == 0


@pytest.fixture(autouse=True)
def forget_listings(app):
    """Forget listings begun by earlier tests: their audit rows were rolled back."""
    app.extensions.pop("ogc_listings", None)


def next_href(body: dict) -> str | None:
    return next((link["href"] for link in body["links"] if link["rel"] == "next"), None)


def cursor_of(href: str) -> str:
    return parse_qs(urlsplit(href).query)["cursor"][0]


def test_a_listing_is_audited_once_however_many_pages_and_restarts(app, client, login, county):
    login("gis")
    before = len(audit_rows(app, "test-gis"))  # live tests commit theirs
    url, pages = f"{ITEMS}?limit=700&filter=income_per_capita > 0", 0
    while url:
        url = next_href(client.get(url).json)
        pages += 1
    client.get(
        f"{ITEMS}?limit=20&filter=income_per_capita > 0"
    )  # begun again at once (GDAL does): the same read
    assert pages == 5
    rows = audit_rows(app, "test-gis")[before:]
    assert len(rows) == 1 and "income_per_capita" in rows[0].detail["query"]
    client.get(f"{ITEMS}?limit=20&filter=income_per_capita > 1")  # another query: another read
    assert len(audit_rows(app, "test-gis")) == before + 2


@pytest.mark.parametrize("how", ["another query", "another reader", "altered", "another secret", "expired"])
def test_a_cursor_that_does_not_verify_still_pages_but_is_audited(
    app, client, login, accounts, monkeypatch, how
):
    login("gis")
    first = client.get(f"{ITEMS}?limit=10&filter=income_per_capita >= 6000").json
    cursor = cursor_of(next_href(first))
    query = f"limit=10&filter=income_per_capita >= 6000&cursor={cursor}"
    if how == "another query":
        query = f"limit=10&cursor={cursor}"
    elif how == "another reader":
        client = app.test_client()
        log_in(client, *accounts["leader"])
    elif how == "altered":  # to start after another key
        payload, stamp_and_signature = cursor.split(".", 1)
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        altered = base64.urlsafe_b64encode(json.dumps({"k": data["k"][:-1]}).encode()).decode().rstrip("=")
        query = f"limit=10&filter=income_per_capita >= 6000&cursor={altered}.{stamp_and_signature}"
    elif how == "another secret":
        forged = URLSafeTimedSerializer("not our secret").dumps({"k": "0"})
        query = f"limit=10&filter=income_per_capita >= 6000&cursor={forged}"
    else:  # kept past its time, to read the same pages again
        monkeypatch.setattr(chains, "CURSOR_SECONDS", -1)
    username = accounts["leader" if how == "another reader" else "gis"][0]
    before = len(audit_rows(app, username))
    page = client.get(f"{ITEMS}?{query}")
    assert page.status_code == 200, page.get_data(as_text=True)
    rows = audit_rows(app, username)
    assert len(rows) == before + 1 and rows[-1].detail["cursor"] == "unverified"


def test_reading_households_is_audited(app, client, login):
    login("gis")
    client.get(f"{ITEMS}?limit=3&filter=disabled_members > 0")
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "ogc_households").order_by(AuditEvent.id.desc())
        ).first()
    assert event.username == "test-gis" and "disabled_members" in event.detail["query"]


def test_programs_must_authenticate(client, accounts):
    response = client.get("/ogc/collections", headers={"Accept": "application/json"})
    assert response.status_code == 401 and "Basic" in response.headers["WWW-Authenticate"]
    assert response.json["code"] == "Unauthorized"
    assert client.get("/ogc/collections", headers={"Accept": "text/html"}).status_code == 302
    username, password = accounts["gis"]
    ok = client.get("/ogc/collections", auth=(username, password))
    assert ok.status_code == 200
    assert client.get("/ogc/collections", auth=(username, "wrong")).status_code == 401


# --- HTML and the QGIS project -----------------------------------------------------


def test_browsers_get_html_pages(client, login, county):
    login("leader")
    landing = client.get("/ogc/", headers={"Accept": "text/html"})
    assert landing.mimetype == "text/html" and "OGC API" in landing.get_data(as_text=True)
    collections = client.get("/ogc/collections?f=html").get_data(as_text=True)
    assert "自然寨" in collections and "农户" in collections
    items = client.get(f"{ITEMS}?f=html&limit=5").get_data(as_text=True)
    assert items.count("<tr>") == 6 and "下一页" in items
    assert f"共 {len(county.households)} 个要素" in items
    following = re.search(r'<a rel="next" href="([^"]+)"', items).group(1).replace("&amp;", "&")
    second = client.get(following).get_data(as_text=True)
    assert second.count("<tr>") == 6 and "本页 5 个要素" in second and "共 " not in second


@pytest.mark.parametrize(("role", "sensitive"), [("gis", False), ("leader", True)])
def test_the_qgis_project_names_every_layer_and_connects_it_to_this_service(client, login, role, sensitive):
    login(role)
    response = client.get("/ogc/qgis-project.qgs")
    assert response.status_code == 200
    root = ET.fromstring(response.get_data(as_text=True).split("\n", 1)[1])
    layers = root.findall("projectlayers/maplayer[@type='vector']")
    # gis: counts only (#11, #12): demands in the demand tiles, no work
    work = ["群众诉求 Demands", "走访 Visits", "结对帮扶 Pairings"] if sensitive else []
    assert [layer.findtext("layername") for layer in layers] == [
        *work,
        "农户 Households",
        "自然寨 Natural villages",
        "行政村 Administrative villages",
        "乡镇 Townships",
    ]
    for layer in layers:
        assert layer.findtext("provider") == "OAPIF"
        source = layer.findtext("datasource")
        assert "url='http://localhost/ogc'" in source and "authcfg='minqing'" in source
        assert layer.findtext("srs/spatialrefsys/authid") == "EPSG:4490"
    # QGIS 3.22 trusts a CRS only with its WKT (or its own srsid) and ProjectionsEnabled.
    assert root.findtext("projectCrs/spatialrefsys/wkt").startswith('GEOGCRS["China Geodetic')
    assert root.findtext("projectCrs/spatialrefsys/srsid") != "0"
    assert root.findtext("properties/SpatialRefSys/ProjectionsEnabled") == "1"
    tiles = root.find("projectlayers/maplayer[@type='vector-tile']")
    assert tiles.findtext("srs/spatialrefsys/authid") == "EPSG:3857"
    assert tiles.findtext("datasource").startswith("type=xyz&url=http://localhost/tiles/{z}/{x}/{y}.mvt&")
    tile_layers = {style.get("layer") for style in tiles.iter("style")}
    assert tile_layers == {"natural_villages", "villages", "townships", "households"}
    tile_rules = " ".join(style.get("expression") for style in tiles.iter("style"))
    assert ('"left_behind_children" IS TRUE' in tile_rules) is sensitive
    tree = [leaf.get("name") for leaf in root.iter("layer-tree-layer")]
    assert tree == [layer.findtext("layername") for layer in [*layers, tiles]]
    groups = [group.get("name") for group in root.findall("layer-tree-group/layer-tree-group")]
    assert groups == [
        *(["群众诉求 Demands", "民情工作 Work"] if sensitive else []),
        "农户 Households",
        "行政区 Areas",
        "矢量瓦片 Vector tiles (whole county, fast)",
    ]
    rules = [rule.get("key") for rule in root.iter("rule")]
    assert "registered_poor" in rules and ("left_behind_children" in rules) is sensitive
    ranges = root.findall(".//renderer-v2[@type='graduatedSymbol']/ranges/range")
    assert 1 <= len(ranges) <= 5
