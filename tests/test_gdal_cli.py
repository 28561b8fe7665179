"""The README's GDAL command lines, run as written with Debian's GDAL 3.6 tools against the live server."""

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pyogrio
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent
from tests.conftest import cadre_village

README = Path(__file__).parents[1] / "README.md"

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(shutil.which("ogr2ogr") is None, reason="no ogr2ogr: install gdal-bin (make deps)"),
]


def readme_commands() -> list[str]:
    """Return the command lines of the README's "GDAL / QGIS" section."""
    section = README.read_text(encoding="utf-8").split("### GDAL / QGIS", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, flags=re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def audited(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "ogc_households", AuditEvent.username == username)
        )


def test_the_readme_lines_count_and_copy_a_cadres_households_audited_once(
    live_server, accounts, county, app, tmp_path
):
    username, password = accounts["cadre"]  # no other live test reads as cadre
    nvs = county.natural_villages[county.natural_villages.village_code == cadre_village(county)].code
    own = county.households[county.households.natural_village_code.isin(nvs)]
    before = audited(app, username)
    outputs = []
    for line in readme_commands():
        line = line.replace("http://<host>", live_server).replace("user:password", f"{username}:{password}")
        done = subprocess.run(
            shlex.split(line), cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False
        )
        assert done.returncode == 0, done.stderr[-2000:]
        outputs.append(done.stdout)
    summary, _ = outputs
    assert f"Feature Count: {len(own)}" in summary
    copied = pyogrio.read_dataframe(tmp_path / "households.gpkg")
    assert sorted(copied.code) == sorted(own.code)
    # ogrinfo's look and ogr2ogr's copy moments later are one reading.
    assert audited(app, username) == before + 1
