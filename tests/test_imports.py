"""Household spreadsheet imports: good files imported, upserts idempotent, coordinates fixed and converted."""

import csv
import math

import pytest
from openpyxl import Workbook
from sqlalchemy import text

from app.extensions import db
from app.importers import gcj02
from app.importers.households import import_households

pytestmark = pytest.mark.usefixtures("app_context")


HEADERS = {
    "code": "户编号",
    "head_name": "户主姓名",
    "id_number": "身份证号",
    "members": "家庭人口",
    "lon": "经度",
    "lat": "纬度",
    "address": "住址",
    "poverty_status": "贫困户属性",
    "dibao": "是否低保",
    "left_behind_children": "留守儿童人数",
    "income_per_capita": "人均纯收入（元）",
}
STATUS_ZH = {"none": "一般户", "registered": "建档立卡户", "lifted": "脱贫户", "monitored": "监测户"}


def rows_of(county, n: int = 8, *, new: bool = True) -> list[dict]:
    """Return `n` households of the county as form rows (Chinese headers); new codes unless `new` is False."""
    out = []
    for h in county.households.head(n).itertuples():
        out.append(
            {
                "户编号": f"T{h.code}" if new else h.code,
                "户主姓名": h.head_name,
                "身份证号": h.id_number,
                "家庭人口": h.members,
                "经度": repr(h.geometry.x),
                "纬度": repr(h.geometry.y),
                "住址": h.address,
                "贫困户属性": STATUS_ZH[h.poverty_status],
                "是否低保": "是" if h.dibao else "否",
                "留守儿童人数": h.left_behind_children,
                "人均纯收入（元）": h.income_per_capita,
            }
        )
    return out


def write_csv(path, rows, *, encoding="utf-8", title: str | None = None):
    with open(path, "w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        if title:
            writer.writerow([title])
        writer.writerow(list(rows[0]))
        for row in rows:
            writer.writerow(list(row.values()))
    return path


def write_xlsx(path, rows, *, title: str | None = None, formula_at: tuple[int, str] | None = None):
    """Write `rows` under an optional merged title row; put a formula in (data row index, header) if asked."""
    book = Workbook()
    sheet = book.active
    header = list(rows[0])
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.append(header)
    for row in rows:
        sheet.append(list(row.values()))
    if formula_at:
        index, name = formula_at
        column = header.index(name) + 1
        sheet.cell(row=(2 if title else 1) + index + 1, column=column, value="=1+2")
    book.save(path)
    return path


def snapshot() -> tuple[int, str]:
    """Return the household count and a checksum of every household row."""
    return tuple(
        db.session.execute(
            text("SELECT count(*), md5(string_agg(h::text, ',' ORDER BY code)) FROM household h")
        ).one()
    )


def problems_at(result):
    return {(p.row, p.column) for p in result.problems}


# --- good files ---------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_a_csv_with_chinese_headers_is_imported(tmp_path, county, encoding):
    rows = rows_of(county)
    path = write_csv(tmp_path / "户.csv", rows, encoding=encoding)
    before = snapshot()
    result = import_households(path)
    assert result.problems == []
    assert (result.inserted, result.updated, result.unchanged) == (8, 0, 0)
    assert set(result.columns.values()) >= {
        "code",
        "head_name",
        "id_number",
        "lon",
        "lat",
        "income_per_capita",
    }
    assert snapshot()[0] == before[0] + 8
    first = county.households.iloc[0]
    stored = db.session.execute(
        text("""SELECT h.head_name, h.id_number, h.members, h.poverty_status, h.dibao, h.income_per_capita,
                       nv.code AS nv FROM household h JOIN natural_village nv ON nv.id = h.natural_village_id
                WHERE h.code = :code"""),
        {"code": f"T{first.code}"},
    ).one()
    assert tuple(stored) == (
        first.head_name,
        first.id_number,
        first.members,
        first.poverty_status,
        bool(first.dibao),
        first.income_per_capita,
        first.natural_village_code,
    )


def test_an_xlsx_under_a_merged_title_row_is_imported(tmp_path, county):
    path = write_xlsx(tmp_path / "一户一表.xlsx", rows_of(county), title="某某村一户一表汇总")
    result = import_households(path)
    assert result.problems == []
    assert result.inserted == 8


def test_importing_the_same_file_twice_changes_nothing(tmp_path, county):
    path = write_csv(tmp_path / "h.csv", rows_of(county, 20))
    assert import_households(path).inserted == 20
    ctids = db.session.execute(text("SELECT code, ctid::text, updated_at FROM household ORDER BY code")).all()
    again = import_households(path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 20)
    # An UPDATE writes a new row version (new ctid) even inside one transaction: none happened.
    assert (
        db.session.execute(text("SELECT code, ctid::text, updated_at FROM household ORDER BY code")).all()
        == ctids
    )


def test_a_corrected_file_updates_only_the_changed_rows(tmp_path, county):
    rows = rows_of(county, 10, new=False)
    assert import_households(write_csv(tmp_path / "a.csv", rows)).unchanged == 10
    # A household with a member list counts its members (#13); this one's list is not kept.
    db.session.execute(
        text("DELETE FROM member USING household h WHERE h.id = household_id AND h.code = :c"),
        {"c": rows[3]["户编号"]},
    )
    rows[3]["家庭人口"] = 9
    rows[5]["是否低保"] = "是" if rows[5]["是否低保"] == "否" else "否"
    ctid = dict(db.session.execute(text("SELECT code, ctid::text FROM household")).all())
    result = import_households(write_csv(tmp_path / "b.csv", rows))
    assert (result.inserted, result.updated, result.unchanged) == (0, 2, 8)
    after = dict(db.session.execute(text("SELECT code, ctid::text FROM household")).all())
    changed = {code for code in ctid if ctid[code] != after[code]}
    assert changed == {rows[3]["户编号"], rows[5]["户编号"]}
    assert (
        db.session.execute(
            text("SELECT members FROM household WHERE code = :c"), {"c": rows[3]["户编号"]}
        ).scalar_one()
        == 9
    )


def test_a_user_mapping_names_other_headers(tmp_path, county):
    rows = [
        {("户主" + "名字" if k == "户主姓名" else k): v for k, v in row.items()} for row in rows_of(county, 3)
    ]
    path = write_csv(tmp_path / "h.csv", rows)
    assert ("户主名字" not in import_households(path).columns) and import_households(path).problems
    result = import_households(path, mapping={"户主名字": "head_name"})
    assert result.problems == [] and result.inserted == 3


# --- coordinates ----------------------------------------------------------------


def test_swapped_coordinates_are_fixed_when_asked(tmp_path, county):
    rows = rows_of(county)
    rows[5]["经度"], rows[5]["纬度"] = rows[5]["纬度"], rows[5]["经度"]
    result = import_households(write_csv(tmp_path / "h.csv", rows), swap_fix=True)
    assert result.problems == [] and result.swapped_fixed == 1
    x, y = db.session.execute(
        text("SELECT ST_X(geom), ST_Y(geom) FROM household WHERE code = :c"), {"c": rows[5]["户编号"]}
    ).one()
    assert (x, y) == (county.households.geometry.iloc[5].x, county.households.geometry.iloc[5].y)


def reference_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """The published WGS84 → GCJ-02 forward transform, written out independently of the app."""
    a, ee = 6378245.0, 0.00669342162296594323
    x, y = lon - 105.0, lat - 35.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    d_lat += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d_lat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    d_lat += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    d_lon += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d_lon += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    d_lon += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    rad = lat / 180.0 * math.pi
    magic = 1 - ee * math.sin(rad) ** 2
    d_lat = (d_lat * 180.0) / ((a * (1 - ee)) / (magic * math.sqrt(magic)) * math.pi)
    d_lon = (d_lon * 180.0) / (a / math.sqrt(magic) * math.cos(rad) * math.pi)
    return lon + d_lon, lat + d_lat


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    dy = (a[1] - b[1]) * 111_320.0
    dx = (a[0] - b[0]) * 111_320.0 * math.cos(math.radians(a[1]))
    return math.hypot(dx, dy)


@pytest.mark.parametrize(
    "point", [(107.0, 26.5), (106.7135, 26.5783), (116.391, 39.907), (121.4737, 31.2304)]
)
def test_gcj02_inverse_is_within_a_millimetre(point):
    shifted = reference_gcj02(*point)
    assert 100 < metres(shifted, point) < 1000  # GCJ-02 moves points by a few hundred metres
    back = gcj02.to_wgs84(*shifted)
    assert metres((float(back[0]), float(back[1])), point) < 0.001


def test_gcj02_coordinates_are_converted_on_import(tmp_path, county):
    rows = rows_of(county)
    for row in rows:
        row["经度"], row["纬度"] = map(repr, reference_gcj02(float(row["经度"]), float(row["纬度"])))
    result = import_households(write_csv(tmp_path / "h.csv", rows), gcj02_input=True, valid_only=True)
    assert result.inserted >= 6  # a point near a boundary may, shifted, have been refused; none here expected
    stored = dict(
        db.session.execute(
            text("SELECT code, ST_AsText(geom) FROM household WHERE code LIKE 'T%' ORDER BY code")
        ).all()
    )
    for h, row in zip(county.households.head(8).itertuples(), rows, strict=True):
        if row["户编号"] in stored:
            x, y = map(float, stored[row["户编号"]][6:-1].split())
            assert metres((x, y), (h.geometry.x, h.geometry.y)) < 1.0


# --- command line -----------------------------------------------------------------


def test_the_import_command_imports_with_a_mapping(app, tmp_path, county):
    rows = [{("坐标X" if k == "经度" else k): v for k, v in row.items()} for row in rows_of(county, 5)]
    path = write_csv(tmp_path / "h.csv", rows)
    result = app.test_cli_runner().invoke(args=["import", "households", str(path), "--mapping", "坐标X=lon"])
    assert result.exit_code == 0, result.output
    assert "Imported: 5 inserted, 0 updated, 0 unchanged, 0 rejected." in result.output
