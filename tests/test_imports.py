"""Household spreadsheet imports: bad input reported by row and column, nothing lost, upserts idempotent."""

import csv
import math
import re
import zipfile

import pytest
import shapely
from openpyxl import Workbook, load_workbook
from sqlalchemy import text

from app import idnumber
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


# --- bad input: reported with row and column, nothing written ---------------------


def _bad(rows, index, **changes):
    rows[index].update(changes)
    return rows


def _corner(county):
    """Return a point inside the county's bounding box but in no natural village."""
    west, south, _, _ = county.natural_villages.total_bounds
    return repr(float(west) + 1e-6), repr(float(south) + 1e-6)


def with_natural_villages(county, rows):
    """Give `rows` (from `rows_of`) the 自然寨编码 column, each household's own natural village."""
    for row, code in zip(rows, county.households.natural_village_code, strict=False):
        row["自然寨编码"] = code
    return rows


def excel_text(digits: str) -> str:
    """Return how Excel writes a long number it holds in a CSV (General format): 5.22699E+16."""
    return f"{float(digits):.5E}"


def excel_zeroed(id_number: str) -> str:
    """Return an ID number as Excel leaves it after holding it as a number: 15 digits, then zeros."""
    zeroed = id_number[:15] + "000"
    assert idnumber.problem(zeroed) is not None  # the zeros break the check digit (as they nearly always do)
    return zeroed


def far_natural_village(county, index: int) -> str:
    """Return the code of the natural village farthest from household `index`'s point."""
    point = county.households.geometry.iloc[index]
    villages = county.natural_villages
    return villages.code.iloc[int(shapely.distance(villages.geometry.values, point).argmax())]


# case: (make the rows bad, data row number, column, words of the English reason, words of the Chinese one)
BAD_ROWS = {
    "id_length": (
        lambda c, r: _bad(r, 2, 身份证号="52260119900101123"),
        4,
        "身份证号",
        "18 characters expected",
        "应为 18 位",
    ),
    "id_check_digit": (
        lambda c, r: _bad(
            r, 3, 身份证号=r[3]["身份证号"][:-1] + ("0" if r[3]["身份证号"][-1] != "0" else "1")
        ),
        5,
        "身份证号",
        "check digit should be",
        "校验码应为",
    ),
    "id_birth_in_future": (
        lambda c, r: _bad(r, 1, 身份证号="522601209901011234"),
        3,
        "身份证号",
        "in the future",
        "晚于今天",
    ),
    "id_as_excel_writes_a_number": (
        lambda c, r: _bad(r, 3, 身份证号=excel_text(r[3]["身份证号"])),
        5,
        "身份证号",
        "Excel stored this ID number as a number",
        "Excel 把身份证号存成了数字",
    ),
    "id_with_digits_lost_to_zeros": (
        lambda c, r: _bad(r, 4, 身份证号=excel_zeroed(r[4]["身份证号"])),
        6,
        "身份证号",
        "as an ID number does when Excel stored it as a number",
        "像是 Excel 把身份证号存成数字后丢失了后几位",
    ),
    "code_as_excel_writes_a_number": (
        lambda c, r: _bad(r, 1, 户编号=excel_text(c.households.code.iloc[1])),
        3,
        "户编号",
        "Excel stored this code as a number",
        "Excel 把编码存成了数字",
    ),
    "code_with_a_trailing_decimal": (
        lambda c, r: _bad(r, 2, 户编号=c.households.code.iloc[2][:15] + ".0"),
        4,
        "户编号",
        "Excel stored this code as a number",
        "Excel 把编码存成了数字",
    ),
    "natural_village_code_as_excel_writes_a_number": (
        lambda c, r: _bad(with_natural_villages(c, r), 5, 自然寨编码=excel_text(r[5]["自然寨编码"])),
        7,
        "自然寨编码",
        "Excel stored this code as a number",
        "Excel 把编码存成了数字",
    ),
    "nul_in_an_address": (
        lambda c, r: _bad(r, 6, 住址="某村\x00号"),
        8,
        "住址",
        "U+0000 (NUL)",
        "U+0000（空字符）",
    ),
    "line_break_in_a_name": (
        lambda c, r: _bad(r, 0, 户主姓名="张\n三"),
        2,
        "户主姓名",
        "U+000A (line break)",
        "换行符",
    ),
    "c1_control_in_an_address": (
        lambda c, r: _bad(r, 5, 住址="组\x9b7号"),
        7,
        "住址",
        "U+009B (control character)",
        "控制字符",
    ),
    "outside_county": (
        lambda c, r: _bad(r, 4, 经度="110.5", 纬度="30.2"),
        6,
        "经度",
        "outside the county",
        "本县范围",
    ),
    "swapped": (
        lambda c, r: _bad(r, 5, 经度=r[5]["纬度"], 纬度=r[5]["经度"]),
        7,
        "经度",
        "swapped",
        "填反了",
    ),
    "outside_natural_villages": (
        lambda c, r: _bad(r, 6, 经度=_corner(c)[0], 纬度=_corner(c)[1]),
        8,
        "经度",
        "outside every natural village",
        "不在任何自然寨内",
    ),
    "point_in_another_natural_village_than_its_code": (
        lambda c, r: _bad(with_natural_villages(c, r), 7, 自然寨编码=far_natural_village(c, 7)),
        9,
        "自然寨编码",
        "m outside natural village",
        "米；坐标点所在的自然寨",
    ),
    "unknown_natural_village_code": (
        lambda c, r: _bad(with_natural_villages(c, r), 3, 自然寨编码="52269999999999"),
        5,
        "自然寨编码",
        "no natural village has this code",
        "没有这个编码的自然寨",
    ),
    "duplicate_code": (
        lambda c, r: _bad(r, 7, 户编号=r[0]["户编号"]),
        9,
        "户编号",
        "duplicate household code in the file (rows 2, 9)",
        "文件中户编号重复（第 2、9 行）",
    ),
    "members_not_a_number": (
        lambda c, r: _bad(r, 0, 家庭人口="三"),
        2,
        "家庭人口",
        "whole number",
        "应为整数",
    ),
    "bad_boolean": (lambda c, r: _bad(r, 0, 是否低保="也许"), 2, "是否低保", "是/否", "应填 是 或 否"),
}


def reported(result, row, column, english: str, chinese: str) -> bool:
    """Return whether `result` refuses (row, column) with a reason carrying both wordings."""
    return any(
        p.row == row and p.column == column and english in p.reason and chinese in p.reason_zh
        for p in result.problems
    )


@pytest.mark.parametrize("case", list(BAD_ROWS))
def test_a_bad_row_is_reported_and_nothing_is_written(tmp_path, county, case):
    make, row, column, english, chinese = BAD_ROWS[case]
    rows = make(county, rows_of(county))
    path = write_csv(tmp_path / "h.csv", rows)
    before = snapshot()
    result = import_households(path)
    assert not result.written
    assert reported(result, row, column, english, chinese), result.problems
    assert {p.file for p in result.problems} == {"h.csv"}
    assert snapshot() == before


@pytest.mark.parametrize("case", list(BAD_ROWS))
def test_valid_only_imports_the_good_rows(tmp_path, county, case):
    make, row, _, _, _ = BAD_ROWS[case]
    rows = make(county, rows_of(county))
    before = snapshot()
    result = import_households(write_csv(tmp_path / "h.csv", rows), valid_only=True)
    assert result.written
    rejected = {r for r, _ in result.rejected_rows}
    assert rejected == ({2, row} if case == "duplicate_code" else {row})  # both rows of a duplicate
    assert result.inserted == 8 - len(rejected)
    assert snapshot()[0] == before[0] + result.inserted


def test_the_rejected_rows_download_as_xlsx_with_chinese_reasons(tmp_path, county):
    rows = BAD_ROWS["id_length"][0](county, rows_of(county))
    result = import_households(write_csv(tmp_path / "h.csv", rows))
    result.write_rejected_xlsx(tmp_path / "rejected.xlsx")
    sheet = load_workbook(tmp_path / "rejected.xlsx").active
    table = list(sheet.values)
    assert table[0][0] == "行号 row" and table[0][-2:] == ("问题", "problems (English)")
    assert table[1][0] == 4 and table[1][1:-2] == tuple(str(v) for v in rows[2].values())
    assert table[1][-2] == "身份证号: 应为 18 位，实为 17 位；请对照身份证核对"
    assert "18 characters expected" in table[1][-1] and "身份证号" in table[1][-1]


def test_a_formula_cell_is_reported(tmp_path, county):
    path = write_xlsx(tmp_path / "f.xlsx", rows_of(county), title="汇总表", formula_at=(2, "家庭人口"))
    before = snapshot()
    result = import_households(path)
    # Title row 1, header row 2, data from row 3: the third data row is row 5.
    assert (5, "家庭人口") in problems_at(result)
    assert any("formula" in p.reason and p.value == "=1+2" for p in result.problems)
    assert snapshot() == before


def _without_latitude(tmp_path, county):
    rows = [{k: v for k, v in r.items() if k != "纬度"} for r in rows_of(county)]
    return write_csv(tmp_path / "h.csv", rows)


def _empty_sheet(tmp_path, county):
    Workbook().save(tmp_path / "empty.xlsx")
    return tmp_path / "empty.xlsx"


def _header_only(tmp_path, county):
    path = tmp_path / "h.csv"
    path.write_text(",".join(rows_of(county, 1)[0]) + "\n", encoding="utf-8")
    return path


def _truncated_xlsx(tmp_path, county):
    path = write_xlsx(tmp_path / "h.xlsx", rows_of(county))
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return path


def _truncated_csv(tmp_path, county):
    path = write_csv(tmp_path / "h.csv", rows_of(county))
    content = path.read_text(encoding="utf-8")
    path.write_text(content[: content.rindex("\n", 0, len(content) - 1) + 12], encoding="utf-8")
    return path


def _zip_bomb(tmp_path, county):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 20_000_000)
    return path


def _neither_utf8_nor_gbk(tmp_path, county):
    path = tmp_path / "h.csv"
    path.write_bytes("户编号,户主姓名\n1,张三\n".encode() + b"\xff\xff\n")
    return path


def _bytes_as(name: str):
    def make(tmp_path, county):
        path = tmp_path / name
        path.write_bytes(write_csv(tmp_path / "h.csv", rows_of(county)).read_bytes())
        return path

    return make


# case: (make the file, import options, row, column, words of the English reason, words of the Chinese one)
FILE_PROBLEMS = {
    "required_column_missing": (
        _without_latitude,
        {},
        1,
        "纬度",
        "required column missing; add a column headed 纬度, or map your header to lat",
        "缺少必需的列；请添加表头为“纬度”的列",
    ),
    "empty_sheet": (_empty_sheet, {}, None, None, "the sheet is empty", "工作表为空"),
    "no_data_rows": (_header_only, {}, None, None, "the sheet has no data rows", "表中没有数据行"),
    "truncated_xlsx": (_truncated_xlsx, {}, None, None, "unreadable or truncated", "文件无法读取或不完整"),
    "truncated_csv_row": (_truncated_csv, {}, 9, None, "fields (truncated?)", "是否被截断"),
    "size_limit": (_bytes_as("h.csv"), {"max_bytes": 100}, None, None, "over the limit of 100", "字节的上限"),
    "zip_bomb": (_zip_bomb, {"max_bytes": 1_000_000}, None, None, "zip bomb refused", "压缩炸弹"),
    "unsupported_type": (_bytes_as("h.ods"), {}, None, None, "unsupported file type", "不支持的文件类型"),
    "encoding": (_neither_utf8_nor_gbk, {}, None, None, "neither UTF-8 nor GBK", "既不是 UTF-8 也不是 GBK"),
}


@pytest.mark.parametrize("case", list(FILE_PROBLEMS))
def test_a_file_problem_is_reported_in_both_languages(tmp_path, county, case):
    make, options, row, column, english, chinese = FILE_PROBLEMS[case]
    path = make(tmp_path, county)
    before = snapshot()
    result = import_households(path, **options)
    assert not result.written and result.problems
    assert reported(result, row, column, english, chinese), result.problems
    assert snapshot() == before


def test_every_problem_has_a_chinese_reason(tmp_path, county):
    """The Chinese reason is written out, not the English one standing in for it."""
    results = []
    for case, (make, *_) in BAD_ROWS.items():
        results.append(import_households(write_csv(tmp_path / f"{case}.csv", make(county, rows_of(county)))))
    for make, options, *_ in FILE_PROBLEMS.values():
        results.append(import_households(make(tmp_path, county), **options))
    problems = [p for r in results for p in r.problems]
    assert len(problems) >= len(BAD_ROWS) + len(FILE_PROBLEMS)
    for p in problems:
        assert p.reason_zh and p.reason_zh != p.reason and re.search("[\u4e00-\u9fff]", p.reason_zh), p


# --- coordinates ----------------------------------------------------------------


def test_swapped_coordinates_are_fixed_when_asked(tmp_path, county):
    rows = BAD_ROWS["swapped"][0](county, rows_of(county))
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


@pytest.mark.parametrize(
    "case",
    [
        "id_check_digit",
        "id_as_excel_writes_a_number",
        "code_as_excel_writes_a_number",
        "nul_in_an_address",
        "point_in_another_natural_village_than_its_code",
    ],
)
def test_the_import_command_prints_chinese_reasons_and_fails(app, tmp_path, county, case):
    make, row, column, english, chinese = BAD_ROWS[case]
    path = write_csv(tmp_path / "h.csv", make(county, rows_of(county)))
    before = snapshot()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import", "households", str(path), "--rejected", str(tmp_path / "r.xlsx")])
    assert result.exit_code == 1, result.output
    line = next(line for line in result.output.splitlines() if line.split()[:2] == [str(row), column])
    assert chinese in line and english not in line
    assert "Nothing imported: 0 inserted" in result.output and "Traceback" not in result.output
    assert (tmp_path / "r.xlsx").exists()
    assert snapshot() == before
    in_english = runner.invoke(args=["import", "households", str(path), "--lang", "en"])
    assert in_english.exit_code == 1 and english in in_english.output and chinese not in in_english.output
    assert snapshot() == before


def test_the_import_command_imports_with_a_mapping(app, tmp_path, county):
    rows = [{("坐标X" if k == "经度" else k): v for k, v in row.items()} for row in rows_of(county, 5)]
    path = write_csv(tmp_path / "h.csv", rows)
    result = app.test_cli_runner().invoke(args=["import", "households", str(path), "--mapping", "坐标X=lon"])
    assert result.exit_code == 0, result.output
    assert "Imported: 5 inserted, 0 updated, 0 unchanged, 0 rejected." in result.output


def test_bulk_id_checks_agree_with_idnumber_problem(county):
    import datetime

    import pandas as pd

    from app import idnumber
    from app.importers.household_checks import id_problems

    today = datetime.date(2025, 6, 30)
    values = list(county.households.id_number.head(300))
    mutated = []
    for i, v in enumerate(values[:120]):
        position = i % 18
        digit = (
            "X"
            if position == 17 and i % 4 == 0
            else str((int(v[position]) + 1 + i) % 10)
            if v[position] != "X"
            else "0"
        )
        mutated.append(v[:position] + digit + v[position + 1 :])
    extra = [
        "",
        "52260119901301123X",
        "5226011990010112",
        "52260120990101123X",
        "５２２６０１１９９００１０１１２３４",
        "x" * 18,
    ]
    sample = pd.Series([*values, *mutated, *extra], dtype=object).str.upper()
    expected = [idnumber.problem(v, today=today) if v else None for v in sample]
    assert id_problems(sample, today=today) == expected
    assert sum(r is not None for r in expected) > 100


def test_shared_and_attribute_first_formulas_are_found(tmp_path):
    from app.importers.spreadsheets import formula_cells

    path = tmp_path / "f.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "xl/workbook.xml",
            '<workbook xmlns:r="r"><sheets><sheet name="表" sheetId="1" r:id="rId7"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships><Relationship Id="rId7" Target="worksheets/sheet9.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/worksheets/sheet9.xml",
            '<sheetData><row r="3"><c r="A3"><v>1</v></c>'
            '<c s="2" r="C3"><f t="shared" ref="C3:C4" si="0">A3+B3</f><v>2</v></c></row>'
            '<row r="4"><c r="C4" s="2"><f t="shared" si="0"/><v>5</v></c>'
            '<c r="AB4" t="str"><f>"x"&amp;A4</f><v>x</v></c></row></sheetData>',
        )
    with zipfile.ZipFile(path) as archive:
        assert formula_cells(archive) == {(3, 2): "A3+B3", (4, 2): "", (4, 27): '"x"&A4'}


def test_valid_only_refuses_formula_and_truncated_rows(tmp_path, county):
    path = write_xlsx(tmp_path / "f.xlsx", rows_of(county), formula_at=(2, "人均纯收入（元）"))
    result = import_households(path, valid_only=True)
    assert [r for r, _ in result.rejected_rows] == [4]
    assert result.inserted == 7 and result.rejected == 1
    rows = rows_of(county, 3)
    path = write_csv(tmp_path / "t.csv", rows)
    content = path.read_text(encoding="utf-8").rstrip("\n")
    path.write_text(content.rsplit(",", 1)[0] + "\n", encoding="utf-8")  # the last row loses its last field
    truncated = import_households(path, valid_only=True)
    assert [r for r, _ in truncated.rejected_rows] == [4] and truncated.unchanged == 2  # imported above
