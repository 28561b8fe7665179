"""Visit logs from XLSX (#11): each row checked and named in Chinese; a log imported twice is stored once."""

import datetime

import pytest
from sqlalchemy import text

from app import localtime
from app.extensions import db
from app.importers.visits import import_visits
from tests.conftest import cadre_village
from tests.test_imports import write_xlsx

pytestmark = pytest.mark.usefixtures("app_context")


@pytest.fixture
def log(app, work, county, tmp_path):
    """A visit log with a title row: two good rows, then one mistake per row after them."""
    cadres = work.cadres[work.cadres.village_code == cadre_village(county)].sort_values("phone")
    phone = cadres.phone.iloc[0]
    patch = work.patches[work.patches.phone == phone]
    households = county.households.sort_values("code")
    own = households[households.natural_village_code.isin(patch.natural_village_code)]
    other = households[~households.code.str.startswith(cadre_village(county))].iloc[0]
    with app.app_context():
        today = localtime.today()
    point = own.geometry.iloc[1]

    def row(code, day, *, who=phone, kind="日常走访", findings="一切正常", lon="", lat=""):
        return {
            "户编号": code,
            "走访干部手机号": who,
            "走访日期": day,
            "走访类型": kind,
            "走访情况": findings,
            "勾选项": "住房安全、饮水安全",
            "经度": lon,
            "纬度": lat,
        }

    rows = [
        row(own.code.iloc[0], today.isoformat()),
        row(
            own.code.iloc[1],
            f"{today.year}年{today.month}月{today.day}日",
            kind="节日慰问",
            lon=point.x + 0.03,
            lat=point.y,
        ),  # about 3 km away: kept and flagged
        row(own.code.iloc[2], (today + datetime.timedelta(days=2)).isoformat()),
        row("52269999999999999", today.isoformat()),
        row(own.code.iloc[3], today.isoformat(), who="13000000000"),
        row(other.code, today.isoformat()),
        row(own.code.iloc[4], "昨天"),
        row(own.code.iloc[5], today.isoformat(), kind="喝酒"),
    ]
    return write_xlsx(tmp_path / "走访台账.xlsx", rows, title="2026年走访台账"), own


def stored(codes) -> int:
    return db.session.execute(
        text(
            "SELECT count(*) FROM visit v JOIN household h ON h.id = v.household_id "
            "WHERE h.code = ANY(:codes) AND v.source = '走访台账.xlsx'"
        ),
        {"codes": list(codes)},
    ).scalar_one()


def test_every_bad_row_is_named_with_its_field_in_chinese_and_nothing_is_written(log):
    path, own = log
    result = import_visits(path, today=localtime.today())
    assert not result.written and result.rejected == 6
    found = {(p.row, p.column): p.reason_zh for p in result.problems}
    # Row 1 is the title, row 2 the header: data rows start at 3.
    assert found == {
        (4, "经度"): "走访位置距该户较远（已保留）",
        (5, "走访日期"): "走访日期晚于今天",
        (6, "户编号"): "户编号不存在",
        (7, "走访干部手机号"): "干部名册中没有该手机号",
        (8, "户编号"): "该干部不负责此户（不在其包片内，也未与其结对）",
        (9, "走访日期"): "应为日期（如 2026-03-05）",
        (10, "走访类型"): "应为日常走访、节日慰问或回访",
    }
    assert stored(own.code) == 0


def test_valid_rows_only_keeps_the_far_visit_and_a_second_import_stores_nothing_new(log):
    path, own = log
    first = import_visits(path, today=localtime.today(), valid_only=True)
    assert first.written and first.inserted == 2 and first.rejected == 6
    assert stored(own.code) == 2
    kept = db.session.execute(
        text(
            "SELECT kind, ticks, distance_m FROM visit WHERE source = '走访台账.xlsx' "
            "ORDER BY distance_m NULLS FIRST"
        )
    ).all()
    assert kept[0].kind == "routine" and kept[0].ticks == ["housing_safe", "drinking_water"]
    assert kept[1].kind == "holiday" and kept[1].distance_m > 2000
    again = import_visits(path, today=localtime.today(), valid_only=True)
    assert again.inserted == 0 and again.unchanged == 2 and stored(own.code) == 2


def test_the_command_line_imports_a_log(app, log):
    path, _ = log
    result = app.test_cli_runner().invoke(args=["import", "visits", str(path), "--valid-only", "--zh"])
    assert "2 new visits" in result.output and "户编号不存在" in result.output
    assert result.exit_code == 1  # rows were refused
