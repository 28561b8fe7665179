"""Vector tiles decode, carry what each role may see, and stay fresh after data changes."""

import io
import json
import math
import time

import mapbox_vector_tile
import pyogrio
import pytest
from sqlalchemy import text

from app.extensions import db
from app.queries import stats
from tests.conftest import cadre_village


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    """Return the XYZ tile containing (lon, lat) at zoom `z`."""
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def decode(client, z, x, y) -> dict:
    response = client.get(f"/tiles/{z}/{x}/{y}.mvt")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/vnd.mapbox-vector-tile"
    return mapbox_vector_tile.decode(response.data)


def household_tile(county, code: str, z: int = 16):
    row = county.households.set_index("code").loc[code]
    return tile_of(row.geometry.x, row.geometry.y, z)


def props(layer: dict) -> dict[str, dict]:
    return {f["properties"]["code"]: f["properties"] for f in layer["features"]}


def test_a_county_tile_holds_every_natural_village_and_no_point(client, login, county):
    login("leader")
    centre = county.admin_units[county.admin_units.level == "county"].geometry.iloc[0].centroid
    tile = decode(client, *tile_of(centre.x, centre.y, 9))
    assert "households" not in tile
    villages = props(tile["natural_villages"])
    assert set(villages) == set(county.natural_villages.code)
    code = sorted(villages)[0]
    mine = county.households[county.households.natural_village_code == code]
    assert villages[code]["households"] == len(mine)
    assert villages[code]["dibao"] == int(mine.dibao.sum())


def test_a_leader_sees_points_with_their_flags_from_zoom_14(client, login, county):
    login("leader")
    row = county.households[county.households.left_behind_children > 0].iloc[0]
    points = props(decode(client, *household_tile(county, row.code))["households"])
    assert points[row.code]["left_behind_children"] is True
    assert points[row.code]["dibao"] is bool(row.dibao)
    assert "head_name" not in points[row.code] and "id_number" not in points[row.code]


def test_gis_points_never_carry_left_behind_children(client, login, county):
    login("gis")
    row = county.households[county.households.left_behind_children > 0].iloc[0]
    points = props(decode(client, *household_tile(county, row.code))["households"])
    assert row.code in points
    assert all("left_behind_children" not in p for p in points.values())


def test_a_cadre_gets_points_only_in_assigned_villages(client, login, county):
    login("cadre")
    households = county.households
    own = households[households.natural_village_code.str.startswith(cadre_village(county))].iloc[0]
    foreign = households[~households.natural_village_code.str.startswith(cadre_village(county))].iloc[0]
    assert own.code in props(decode(client, *household_tile(county, own.code))["households"])
    tile = decode(client, *household_tile(county, foreign.code))
    assert foreign.code not in props(tile.get("households", {"features": []}))
    assert foreign.natural_village_code in props(tile["natural_villages"])


def test_a_cached_tile_follows_a_change_in_the_data(app, client, login, county, monkeypatch):
    monkeypatch.setitem(app.config, "TILE_VERSION_SECONDS", 0)
    app.extensions.pop("tile_version", None)  # forget a version an earlier test's request read
    login("admin")
    row = county.households[~county.households.dibao].iloc[0]
    z, x, y = household_tile(county, row.code, z=12)
    before = props(decode(client, z, x, y)["natural_villages"])[row.natural_village_code]["dibao"]
    assert decode(client, z, x, y)  # served again, from the cache
    with app.app_context():
        db.session.execute(text("UPDATE household SET dibao = true WHERE code = :c"), {"c": row.code})
        stats.refresh()
        db.session.commit()
    after = props(decode(client, z, x, y)["natural_villages"])[row.natural_village_code]["dibao"]
    assert after == before + 1


@pytest.mark.parametrize(
    ("path", "words"),
    [("/tiles/21/0/0.mvt", "z='21'"), ("/tiles/3/8/0.mvt", "x='8': 0 to 7"), ("/tiles/3/1/9.mvt", "y='9'")],
)
def test_tiles_outside_the_grid_are_named(client, login, path, words):
    login("gis")
    response = client.get(path)
    assert response.status_code == 400 and words in response.json["message"]


@pytest.mark.parametrize(("role", "sensitive"), [("leader", True), ("gis", False), ("cadre", True)])
def test_tilejson_describes_what_the_role_receives(client, login, role, sensitive):
    login(role)
    document = client.get("/tiles.json").json
    assert document["tiles"][0].endswith("/tiles/{z}/{x}/{y}.mvt")
    fields = {layer["id"]: layer["fields"] for layer in document["vector_layers"]}
    assert ("left_behind_children" in fields["households"]) == sensitive
    assert len(document["bounds"]) == 4


def test_tiles_need_a_login(client):
    assert client.get("/tiles/0/0/0.mvt").status_code == 401


def test_a_revoked_token_stops_working_once_the_login_cache_expires(
    app, client, accounts, county, monkeypatch
):
    from app.auth import create_token
    from app.models import ApiToken, User

    monkeypatch.setitem(app.config, "AUTH_CACHE_SECONDS", 0.3)
    with app.app_context():
        user = db.session.query(User).filter_by(username=accounts["gis"][0]).one()
        token = create_token(user, name="soon revoked")
        db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/tiles/0/0/0.mvt", headers=headers).status_code == 200
    with app.app_context():
        db.session.query(ApiToken).filter_by(name="soon revoked").delete()
        db.session.commit()
    time.sleep(0.4)
    assert client.get("/tiles/0/0/0.mvt", headers=headers).status_code == 401


def test_an_import_refreshes_the_tile_statistics_only_when_it_changed_something(app, app_context):
    from app.queries.imports import _restat
    from app.queries.stats import version as stats_version

    before = stats_version()
    _restat({"inserted": 0, "updated": 0})
    assert stats_version() == before
    _restat({"inserted": 0, "updated": 1})
    assert stats_version() != before


def test_every_layer_is_in_the_tiles_with_database_ids(app, client, login, county):
    login("admin")
    row = county.households.sort_values("code").iloc[0]
    tile = decode(client, *household_tile(county, row.code, z=15))
    assert {"townships", "villages", "natural_villages", "households"} <= set(tile)
    with app.app_context():
        ids = dict(db.session.execute(text("SELECT code, id FROM household")).tuples().all())
    for feature in tile["households"]["features"]:
        assert feature["id"] == feature["properties"]["fid"] == ids[feature["properties"]["code"]]
    township = row.code[:9] + "000"
    assert township in props(tile["townships"])


def matches(condition: list, properties: dict) -> bool:
    """Evaluate a Mapbox GL filter in the legacy syntax (the only one the style uses) on a feature."""
    op, *args = condition
    if op == "all":
        return all(matches(part, properties) for part in args)
    if op in ("has", "!has"):
        return (args[0] in properties) == (op == "has")
    key, value = args
    if key not in properties:
        return False
    compare = {"==": float.__eq__, "<": float.__lt__, ">=": float.__ge__}[op]
    return compare(float(properties[key]), float(value))


def style_layers(style: dict, source_layer: str) -> list[dict]:
    return [layer for layer in style["layers"] if layer["source-layer"] == source_layer]


@pytest.mark.parametrize(("role", "sensitive"), [("leader", True), ("gis", False), (None, False)])
def test_the_style_document_matches_the_tiles_and_the_role(client, login, role, sensitive):
    if role:
        login(role)
    style = client.get("/tiles/style.json").json  # QGIS fetches it without authentication
    assert style["version"] == 8
    assert style["sources"]["minqing"]["url"].endswith("/tiles.json")
    text = json.dumps(style)
    assert '"step"' not in text and '"case"' not in text  # QGIS 3.22 skips both
    households = {layer["id"] for layer in style_layers(style, "households")}
    assert ("households_left_behind_children" in households) is sensitive
    assert {"households", "households_registered_poor", "households_dibao"} <= households


@pytest.mark.parametrize(("role", "sensitive"), [("leader", True), ("gis", False)])
def test_each_flag_the_role_sees_is_a_chip_from_the_sprite_told_apart_in_grey(client, login, role, sensitive):
    from PIL import Image

    from app import indicators

    login(role)
    style = client.get("/tiles/style.json").json
    chips = [layer for layer in style["layers"] if layer["type"] == "symbol"]
    assert ("chips_left_behind_children" in {c["id"] for c in chips}) is sensitive
    assert {"chips_registered_poor", "chips_dibao"} <= {c["id"] for c in chips}
    assert len({tuple(c["layout"]["icon-offset"]) for c in chips}) == len(chips)  # a slot each
    for ratio in ("", "@2x"):
        index = client.get(f"{style['sprite']}{ratio}.json").json
        image = Image.open(io.BytesIO(client.get(f"{style['sprite']}{ratio}.png").data)).convert("RGB")
        greys = set()
        for chip in chips:
            flag = indicators.BY_KEY[chip["id"].removeprefix("chips_")]
            assert chip["filter"] == ["==", flag.key, True]
            box = index[chip["layout"]["icon-image"]]
            assert box["pixelRatio"] == (2 if ratio else 1) and box["width"] == 12 * box["pixelRatio"]
            corner = image.getpixel((box["x"] + box["pixelRatio"], box["y"] + box["pixelRatio"]))
            assert "#{:02x}{:02x}{:02x}".format(*corner) == flag.symbol
            crop = image.crop((box["x"], box["y"], box["x"] + box["width"], box["y"] + box["height"]))
            greys.add(crop.convert("L").tobytes())
        assert len(greys) == len(chips)  # in black and white, every chip still differs (its mark)


def test_every_natural_village_matches_one_class_of_the_style_in_the_web_maps_colour(
    app, client, login, county
):
    from app import indicators
    from app.maps.choropleth import quantiles, value_of
    from app.queries.tiles import share_values

    indicator = indicators.BY_KEY[indicators.DEFAULT]
    with app.app_context():
        classes = quantiles(indicator, share_values(indicator))
    assert len(classes.legend) >= 3
    style = client.get("/tiles/style.json").json
    fills = style_layers(style, "natural_villages")
    login("gis")
    centre = county.admin_units[county.admin_units.level == "county"].geometry.iloc[0].centroid
    villages = decode(client, *tile_of(centre.x, centre.y, 9))["natural_villages"]["features"]
    assert len(villages) == len(county.natural_villages)
    for feature in villages:
        properties = feature["properties"]
        matching = [layer for layer in fills if matches(layer["filter"], properties)]
        assert len(matching) == 1, properties
        colour = matching[0]["paint"]["fill-color"]
        assert colour == classes.color(value_of(indicator, properties))


def test_the_style_holds_no_household_nor_place(client, county):
    text = client.get("/tiles/style.json").get_data(as_text=True)
    households = county.households.sort_values("code").head(200)
    for value in [*households.code, *households.head_name, *county.natural_villages.name]:
        assert value not in text


def test_tiles_carry_shares_and_means_as_numbers_and_counts_as_integers(client, login, county):
    login("admin")
    centre = county.admin_units[county.admin_units.level == "county"].geometry.iloc[0].centroid
    tile = decode(client, *tile_of(centre.x, centre.y, 9))
    for layer in ("townships", "villages", "natural_villages"):
        for feature in tile[layer]["features"]:
            properties = feature["properties"]
            assert type(properties["households"]) is int and type(properties["dibao"]) is int
            if properties["households"]:
                assert type(properties["dibao_share"]) is float
                assert 0 <= properties["dibao_share"] <= 1
            if "income_per_capita" in properties:
                assert type(properties["income_per_capita"]) is float


def test_gdal_reads_a_tile_with_its_mvt_driver(client, login, county, tmp_path):
    login("gis")
    row = county.households.sort_values("code").iloc[0]
    z, x, y = household_tile(county, row.code, z=14)
    response = client.get(f"/tiles/{z}/{x}/{y}.mvt")
    path = tmp_path / str(z) / str(x) / f"{y}.pbf"  # GDAL georeferences a tile by its z/x/y path
    path.parent.mkdir(parents=True)
    path.write_bytes(response.data)
    layers = dict(pyogrio.list_layers(path).tolist())
    assert {"natural_villages", "households"} <= set(layers)
    points = pyogrio.read_dataframe(path, layer="households")
    assert points.crs.to_epsg() == 3857 and row.code in set(points.code)
    point = points.to_crs(4490).set_index("code").loc[row.code].geometry
    assert point.distance(row.geometry) < 1e-5  # a z14 tile's grid: about 0.6 m
    villages = pyogrio.read_dataframe(path, layer="natural_villages")
    assert villages.dibao_share.dtype.kind == "f" and villages.households.dtype.kind == "i"
