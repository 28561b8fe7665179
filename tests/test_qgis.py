"""QGIS (Debian's 3.22, offscreen) opens the downloaded project: right CRS, every layer valid and drawn.

QGIS runs in Debian's /usr/bin/python3 (its bindings are not in the venv) against the
live server, signing in with the Basic authentication configuration ``minqing`` that
users create once. The Makefile installs python3-qgis and qgis-providers.
"""

import datetime
import json
import os
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.request import Request, urlopen

import pytest

from app.maps.choropleth import NO_DATA

QGIS_PYTHON = "/usr/bin/python3"
PROBE = Path(__file__).with_name("qgis_open_project.py")


def _qgis_importable() -> bool:
    try:
        found = subprocess.run(
            [QGIS_PYTHON, "-c", "import qgis.core"], capture_output=True, timeout=60, check=False
        )
    except FileNotFoundError:
        return False
    return found.returncode == 0


pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not _qgis_importable(),
        reason=f"{QGIS_PYTHON} cannot import qgis.core: install python3-qgis qgis-providers (make deps)",
    ),
]


def download(url: str, username: str, password: str) -> bytes:
    """GET `url` with HTTP Basic, as a user's browser or script would."""
    import base64

    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    with urlopen(Request(url, headers={"Authorization": f"Basic {token}"}), timeout=60) as response:
        return response.read()


@pytest.fixture(scope="module")
def opened(live_server, accounts, county, tmp_path_factory):
    """Download the project as gis, open it in QGIS; return (report, project XML root)."""
    return open_project(live_server, *accounts["gis"], county, tmp_path_factory.mktemp("qgis"))


def open_project(
    live_server, username: str, password: str, county, folder, ruled: str = ""
) -> tuple[dict, ET.Element]:
    """Download the project as `username`, open it in QGIS; return (report, project XML root).

    The report counts the features each rule of the layer named `ruled` draws.
    """
    project = folder / "minqing-map.qgs"
    project.write_bytes(download(f"{live_server}/ogc/qgis-project.qgs", username, password))
    profile = folder / "profile"
    profile.mkdir()
    box = ",".join(repr(float(v)) for v in county.admin_units.total_bounds)
    style = f"{live_server}/tiles/style.json"
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "QGIS_AUTH_DB_DIR_PATH": str(profile),
        "XDG_RUNTIME_DIR": str(folder),
        "HOME": str(folder),
    }
    done = subprocess.run(
        [QGIS_PYTHON, str(PROBE), str(project), str(profile), username, password, box, style, ruled],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["signed_in"] and report["read"], done.stderr[-3000:]
    root = ET.fromstring(project.read_text(encoding="utf-8").split("\n", 1)[1])
    return report, root


def test_the_project_opens_in_cgcs2000(opened):
    report, _ = opened
    assert report["crs"] == {
        "valid": True,
        "authid": "EPSG:4490",
        "description": "China Geodetic Coordinate System 2000",
    }


def test_every_layer_is_valid_and_every_vector_layer_has_features(opened):
    report, _ = opened
    layers = {layer["name"]: layer for layer in report["layers"]}
    assert set(layers) == {
        "农户 Households",
        "自然寨 Natural villages",
        "行政村 Administrative villages",
        "乡镇 Townships",
        "民情地图瓦片 Minqing Map tiles",
    }
    for name, layer in layers.items():
        assert layer["valid"], name
        if layer["kind"] == "vector":
            assert layer["has_features"], name
            assert layer["crs"] == "EPSG:4490", name


def test_the_vector_tile_layer_draws_the_classes_it_embeds(opened):
    report, root = opened
    tiles = next(layer for layer in report["layers"] if layer["kind"] == "vector-tile")
    classes = [style for style in tiles["styles"] if style.startswith("建档立卡户")]
    assert len(classes) >= 2 and "无数据 No data" in tiles["styles"]
    assert tiles["labels"] == ["自然寨名称 Natural village names"]
    # Signed in with the project's authentication configuration, QGIS fetched the tiles and
    # drew natural villages in several class colours (not one colour, not an empty map).
    drawn = {colour for colour, pixels in tiles["colours"].items() if pixels >= 20}
    assert len(drawn - {"#ffffff", NO_DATA}) >= 3, tiles["colours"]
    source = root.find("projectlayers/maplayer[@type='vector-tile']/datasource").text
    assert "/tiles/{z}/{x}/{y}.mvt" in source and "authcfg=minqing" in source


def test_the_vector_tile_layer_draws_each_flag_as_a_chip_with_its_mark(opened):
    from app import indicators

    report, _ = opened
    tiles = next(layer for layer in report["layers"] if layer["kind"] == "vector-tile")
    for flag in (indicators.BY_KEY["registered_poor"], indicators.BY_KEY["dibao"]):
        assert tiles["marks"][f"{flag.mark} {flag.zh} {flag.en}"] == [flag.mark]
    assert not any(tiles["marks"][name] for name in tiles["styles"] if name.startswith("建档立卡户"))


def test_a_qgis_vector_tile_connection_gets_classes_from_the_style_url(opened):
    report, _ = opened
    # QGIS fetches the style without the connection's authentication, and converts filters
    # (it would skip `step` and `case` expressions).
    connection = report["connection"]
    assert connection["loaded"], connection["error"]
    classes = {
        name: where for name, where in connection["styles"].items() if name.startswith("natural_villages_")
    }
    assert len(classes) >= 3 and all(classes.values())
    assert connection["styles"]["households_dibao"] == '"dibao" IS TRUE'


DEMANDS_LAYER = "群众诉求 Demands"


def test_gis_gets_no_demands_layer(opened):
    """gis sees demands as counts only (privacy.demand_scope): in the demand tiles, not one by one."""
    report, root = opened
    assert DEMANDS_LAYER not in {layer["name"] for layer in report["layers"]}
    assert root.find("projectlayers/maplayer[id='minqing_demands']") is None


def test_a_cadre_gets_their_villages_demands_coloured_by_state_the_overdue_ringed(
    live_server, accounts, county, client, login, tmp_path
):
    from app.demands.lifecycle import OVERDUE_RING, STATE_COLOURS
    from app.ogc.symbols import rgba
    from tests.conftest import cadre_village
    from tests.test_demands import log_out, registered

    households = county.households.sort_values("code")
    code = households[households.code.str.startswith(cadre_village(county))].code.iloc[1]
    login("admin")
    long_ago = (datetime.date.today() - datetime.timedelta(days=90)).isoformat()
    registered(client, code, raised_on=long_ago)  # overdue
    registered(client, code, kind="roads")
    log_out(client)
    report, root = open_project(live_server, *accounts["cadre"], county, tmp_path, ruled=DEMANDS_LAYER)
    demands = next(layer for layer in report["layers"] if layer["name"] == DEMANDS_LAYER)
    assert demands["valid"] and demands["has_features"] and demands["crs"] == "EPSG:4490"
    # QGIS evaluates each rule over the cadre's demands: both registered, one of them ringed.
    rules = report["rules"][DEMANDS_LAYER]
    assert rules["已登记 Registered"] >= 2 and rules["已超期 Overdue"] >= 1
    assert rules["已超期 Overdue"] < sum(n for label, n in rules.items() if label != "已超期 Overdue")
    layer = root.find("projectlayers/maplayer[id='minqing_demands']")
    assert "typename='demands'" in layer.find("datasource").text
    styled = {rule.get("label"): rule.get("symbol") for rule in layer.iter("rule")}

    def drawn(label: str, key: str) -> str:
        symbol = layer.find(f"renderer-v2/symbols/symbol[@name='{styled[label]}']")
        return symbol.find(f"layer/prop[@k='{key}']").get("v")

    assert drawn("已登记 Registered", "color") == rgba(STATE_COLOURS["registered"])
    assert drawn("已超期 Overdue", "outline_color") == rgba(OVERDUE_RING)
