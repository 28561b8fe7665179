"""Every notebook's code cells run against the test database."""

import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_notebook_runs(path, app, monkeypatch, database_url):
    monkeypatch.setenv("DATABASE_URL", database_url)
    namespace: dict = {}
    for cell in json.loads(path.read_text())["cells"]:
        if cell["cell_type"] == "code":
            exec(compile("".join(cell["source"]), f"{path.name}", "exec"), namespace)
    if path.name == "county_in_numbers.ipynb":
        assert namespace["shares"]["建档立卡户"] == pytest.approx(0.15, abs=0.01)
        assert len(namespace["villages"]) > 0
