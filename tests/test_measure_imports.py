"""Help measures from XLSX (#11): a newer status replaces the older, each bad row named in Chinese."""

import datetime

import pytest
from sqlalchemy import text

from app import localtime
from app.extensions import db
from app.importers.measures import import_measures
from tests.test_imports import write_xlsx

pytestmark = pytest.mark.usefixtures("app_context")


@pytest.fixture
def sheet(work, tmp_path):
    planned = work.measures[work.measures.status != "done"].sort_values(["household_code", "kind"])
    first, other = planned.iloc[0], planned.iloc[1]
    today = localtime.today()
    names = {
        "pairing": "结对帮扶",
        "industry": "产业扶持",
        "education": "教育培训",
        "housing": "危房改造",
        "relocation": "易地搬迁",
        "infrastructure": "基础设施",
    }

    def row(code, kind, status, day):
        return {"户编号": code, "帮扶措施": kind, "状态": status, "日期": day}

    rows = [
        row(first.household_code, names[first.kind], "已完成", today.isoformat()),
        row(
            other.household_code,
            names[other.kind],
            other.status.replace("under_way", "实施中").replace("planned", "计划"),
            other.status_on.isoformat(),
        ),
        row("52269999999999999", "产业扶持", "已完成", today.isoformat()),
        row(first.household_code, "修路", "已完成", today.isoformat()),
        row(first.household_code, "教育培训", "差不多", today.isoformat()),
        row(first.household_code, "产业扶持", "已完成", (today + datetime.timedelta(days=3)).isoformat()),
    ]
    return write_xlsx(tmp_path / "帮扶措施.xlsx", rows), first


def status_of(code: str, kind: str) -> str:
    return db.session.execute(
        text(
            "SELECT m.status FROM measure m JOIN household h ON h.id = m.household_id "
            "WHERE h.code = :c AND m.kind = :k"
        ),
        {"c": code, "k": kind},
    ).scalar_one()


def test_bad_rows_are_named_in_chinese_and_valid_ones_update_the_measures(sheet):
    path, first = sheet
    refused = import_measures(path, today=localtime.today())
    assert not refused.written and status_of(first.household_code, first.kind) == first.status
    assert {(p.row, p.column, p.reason_zh) for p in refused.problems} == {
        (4, "户编号", "户编号不存在"),
        (5, "帮扶措施", "应为六个到户措施之一（结对帮扶、产业扶持…）"),
        (6, "状态", "应为计划、实施中或已完成"),
        (7, "日期", "日期晚于今天"),
    }
    result = import_measures(path, today=localtime.today(), valid_only=True)
    assert result.written and (result.inserted, result.updated, result.unchanged) == (0, 1, 1)
    assert status_of(first.household_code, first.kind) == "done"
