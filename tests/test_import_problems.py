"""Bad household files: every problem refused by file, row and column, its reason in Chinese and English.

Each case is written as a user would meet it: a CSV or XLSX made from the
synthetic county, imported all-or-nothing (nothing written) and valid-only
(the rest written), through `import_households` and the command line.
"""

import itertools
import math
import re
import zipfile

import numpy as np
import pytest
import shapely
from openpyxl import Workbook, load_workbook
from sqlalchemy import text

from app import idnumber
from app.extensions import db
from app.importers.households import NATURAL_VILLAGE_TOLERANCE_M, import_households
from tests.test_imports import problems_at, rows_of, snapshot, write_csv, write_xlsx

pytestmark = pytest.mark.usefixtures("app_context")


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


# --- the parts ------------------------------------------------------------------


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


# --- values Excel mangled, in the cells of a workbook -----------------------------


def excel_number(digits: str) -> float:
    """Return the number Excel keeps of a long code typed into a General cell: 15 significant digits."""
    return float(f"{int(digits):.14e}")


@pytest.mark.parametrize(
    ("column", "value", "english"),
    [
        ("户编号", lambda h: excel_number(h.code), "Excel stored this code as a number"),
        ("户编号", lambda h: excel_number(h.code[:16]), "Excel stored this code as a number"),
        ("身份证号", lambda h: excel_number(h.id_number), "Excel stored this ID number as a number"),
        ("户编号", lambda h: float(h.code[:15]), None),  # under 1e15 a number is exact: its digits stand
        ("自然寨编码", lambda h: float(h.natural_village_code), None),
    ],
)
def test_a_number_cell_past_15_digits_is_refused_as_mangled(tmp_path, county, column, value, english):
    rows = with_natural_villages(county, rows_of(county))
    household = county.households.iloc[3]
    rows[3][column] = value(household)
    before = snapshot()
    result = import_households(write_xlsx(tmp_path / "h.xlsx", rows))
    if english is None:
        assert result.problems == [] and result.inserted == 8
        return
    assert reported(result, 5, column, english, "存成了数字"), result.problems
    assert snapshot() == before
    assert import_households(write_xlsx(tmp_path / "h.xlsx", rows), valid_only=True).inserted == 7


def test_a_nul_in_a_workbook_cell_is_refused_by_row(tmp_path, county):
    rows = rows_of(county)
    rows[2]["住址"] = "某村NUL号"
    path = write_xlsx(tmp_path / "h.xlsx", rows)
    # openpyxl refuses to write a NUL; Excel writes one as _x0000_ (OOXML's escape), as here.
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts = {name: data.replace(b"NUL", b"_x0000_") for name, data in parts.items()}
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    before = snapshot()
    result = import_households(path)
    assert [(p.row, p.column, p.value) for p in result.problems] == [(4, "住址", "某村[U+0000]号")]
    assert reported(result, 4, "住址", "U+0000 (NUL)", "空字符")
    assert snapshot() == before
    assert import_households(path, valid_only=True).inserted == 7


def test_a_lone_surrogate_is_refused_by_row():
    from app.importers.household_checks import check

    problems = []
    rows = [["T1", "张\ud800三", "107.0", "26.5"], ["T2", "李四", "107.0", "26.5"]]
    fields = {"户编号": "code", "户主姓名": "head_name", "经度": "lon", "纬度": "lat"}
    _, bad, _ = check(rows, list(fields), 1, fields, file="h.csv", problems=problems)
    assert list(bad) == [True, False]
    assert [(p.row, p.column, p.value) for p in problems] == [(2, "户主姓名", "张[U+D800]三")]
    assert "U+D800 (lone surrogate)" in problems[0].reason and "不成对的代理字符" in problems[0].reason_zh


def test_every_id_number_reason_has_its_chinese():
    from app.importers.household_checks import _id_reason

    today = idnumber.datetime.date(2025, 6, 30)
    valid = "11010519491231002X"
    typed = [valid[:-1], valid[:-1] + "Y", "110105194913310028", "110105202601010022", valid[:-1] + "1"]
    reasons = [_id_reason(v, idnumber.problem(v, today=today)) for v in typed]
    assert len({en.split(" ")[0] for en, _ in reasons}) == 4  # length, characters, birth date (×2), check
    for (en, zh), value in zip(reasons, typed, strict=True):
        assert not re.search("[a-z]{3}", zh.replace("Excel", "")), (value, zh)
        assert "请对照身份证核对" in zh and "check it against the ID card" in en


# --- a point far from the natural village its code names ---------------------------


def _local_metres(lat: float):
    """Return a function mapping lon/lat coordinates to metres east and north (good to 1% in a county)."""
    scale = (111_320.0 * math.cos(math.radians(lat)), 110_574.0)
    return lambda xy: xy * scale


def across_a_shared_edge(county, metres: float) -> tuple[str, str, float, float]:
    """Return (code of A, code of B, lon, lat): a point in natural village B, `metres` from neighbour A."""
    villages = list(county.natural_villages.itertuples())
    to_metres = _local_metres(villages[0].geometry.centroid.y)
    for a, b in itertools.permutations(villages, 2):
        edge = shapely.intersection(a.geometry.boundary, b.geometry.boundary)
        if edge.is_empty or edge.length * 100_000 < 300:
            continue
        start, inside = edge.interpolate(0.5, normalized=True), b.geometry.point_on_surface()
        a_metric = shapely.transform(a.geometry, to_metres)
        for t in np.linspace(0, 1, 400):
            point = shapely.Point(start.x + t * (inside.x - start.x), start.y + t * (inside.y - start.y))
            if shapely.distance(a_metric, shapely.transform(point, to_metres)) >= metres:
                if b.geometry.contains(point):
                    return a.code, b.code, point.x, point.y
                break
    raise AssertionError(f"no natural village reaches {metres} m from a neighbour")


@pytest.mark.parametrize(("metres", "accepted"), [(50, True), (400, False)])
def test_a_point_near_a_shared_edge_passes_and_one_farther_is_refused(tmp_path, county, metres, accepted):
    assert NATURAL_VILLAGE_TOLERANCE_M == 200
    stated, lies_in, lon, lat = across_a_shared_edge(county, metres)
    rows = with_natural_villages(county, rows_of(county))
    rows[0].update(经度=repr(lon), 纬度=repr(lat), 自然寨编码=stated)
    before = snapshot()
    result = import_households(write_csv(tmp_path / "h.csv", rows))
    if accepted:
        assert result.problems == [] and result.inserted == 8
        stored = db.session.execute(
            text("""SELECT nv.code FROM household h JOIN natural_village nv ON nv.id = h.natural_village_id
                    WHERE h.code = :code"""),
            {"code": rows[0]["户编号"]},
        ).scalar_one()
        assert stored == stated  # the code wins over the point within the tolerance
        return
    assert [(p.row, p.column, p.value) for p in result.problems] == [(2, "自然寨编码", stated)]
    problem = result.problems[0]
    assert f"the natural village it lies in: {lies_in} " in problem.reason
    assert f"坐标点所在的自然寨：{lies_in} " in problem.reason_zh
    distance = int(re.search(r"lies ([0-9,]+) m outside", problem.reason).group(1).replace(",", ""))
    assert 0.9 * metres <= distance <= 1.1 * metres
    assert snapshot() == before


def test_a_point_in_no_natural_village_far_from_its_stated_one_says_so(tmp_path, county):
    rows = with_natural_villages(county, rows_of(county))
    far = far_natural_village(county, 0)
    rows[0].update(经度=_corner(county)[0], 纬度=_corner(county)[1], 自然寨编码=far)
    result = import_households(write_csv(tmp_path / "h.csv", rows))
    english, chinese = "it lies in: none (no natural village)", "坐标点所在的自然寨：无（不在任何自然寨内）"
    assert reported(result, 2, "自然寨编码", english, chinese), result.problems


# --- the rejected-rows workbook -----------------------------------------------------


def test_the_rejected_rows_workbook_runs_no_formula_and_spells_out_control_characters(tmp_path, county):
    rows = rows_of(county)
    rows[0].update(住址='=HYPERLINK("http://example.invalid","点击")', 身份证号="1")
    rows[1].update(住址="某村\x00号")
    result = import_households(write_csv(tmp_path / "h.csv", rows))
    result.write_rejected_xlsx(tmp_path / "rejected.xlsx")
    sheet = load_workbook(tmp_path / "rejected.xlsx").active
    cells = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    address = list(rows[0]).index("住址") + 1
    assert set(cells) == {2, 3}
    assert cells[2][address].data_type == "s"
    assert cells[2][address].value == "'" + rows[0]["住址"]
    assert cells[3][address].value == "某村[U+0000]号"
    assert all(c.data_type != "f" for row in cells.values() for c in row)
