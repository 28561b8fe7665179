"""The exported GeoPackage opens in Debian's QGIS 3.22 styled: every flag a chip of its colour and mark."""

import json
import os
import subprocess

import pytest
from PIL import Image

from app import exports, indicators
from tests.test_exports import user
from tests.test_qgis import QGIS_PYTHON, _qgis_importable

PROBE = os.path.join(os.path.dirname(__file__), "qgis_load_style.py")

pytestmark = [
    pytest.mark.usefixtures("app_context"),
    pytest.mark.skipif(
        not _qgis_importable(), reason=f"{QGIS_PYTHON} cannot import qgis.core: install it (make deps)"
    ),
]


def test_households_open_with_a_chip_per_flag(tmp_path, accounts, county):
    path = tmp_path / "households.gpkg"
    exports.export("households", "gpkg", user=user(accounts, "admin"), out=path, crs="CRS84")
    house = county.households[county.households.dibao & (county.households.poverty_status == "none")]
    house = house.iloc[0].geometry
    box = f"{house.x - 0.0004},{house.y - 0.0002},{house.x + 0.0008},{house.y + 0.0004}"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(tmp_path)}
    env["HOME"] = str(tmp_path)
    done = subprocess.run(
        [QGIS_PYTHON, PROBE, str(path), str(tmp_path / "map.png"), box],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["valid"] and report["loaded"] and report["type"] == "RuleRenderer"
    flags = [i for i in indicators.INDICATORS if i.kind == "share"]
    labels = [label for label, _ in report["rules"][1:]]
    assert labels == [f"{i.mark} {i.zh} {i.en}" for i in flags]
    # The dibao household's chip is drawn in dibao's colour.
    dibao = indicators.BY_KEY["dibao"].symbol.lstrip("#")
    wanted = tuple(int(dibao[i : i + 2], 16) for i in (0, 2, 4))
    image = Image.open(tmp_path / "map.png").convert("RGB")
    pixels = [image.getpixel((x, y)) for x in range(image.width) for y in range(image.height)]
    assert sum(1 for p in pixels if max(abs(a - b) for a, b in zip(p, wanted, strict=True)) < 12) >= 6
