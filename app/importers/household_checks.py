"""Household values checked: each cell parsed, each problem reported by row and column in zh-CN and English.

`check` turns the text rows of a household file into typed columns and a mask
of refused rows; the database is asked only for the county's extent. Every
reason says what to do about it, so a cadre can correct the file alone.
"""

from __future__ import annotations

import dataclasses
import datetime
import itertools
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .. import fields, idnumber, queries
from ..exports.cells import QUOTE, restored
from . import gcj02
from .household_columns import REQUIRED
from .problems import Problem
from .spreadsheets import CONTROL, visible

Reason = tuple[str, str]  # (English, zh-CN)

BOOLEAN_FIELDS = (
    "dibao",
    "wubao",
    "family_planning",
    "left_behind_elderly",
    "empty_nest_elderly",
    "dilapidated_house",
)
COUNT_FIELDS = ("left_behind_children", "disabled_members", "migrant_workers")
BOOLEANS = {
    **dict.fromkeys(("是", "Y", "YES", "1", "TRUE", "T", "√", "✓", "有"), True),
    **dict.fromkeys(("否", "N", "NO", "0", "FALSE", "F", "×", "无", ""), False),
}
POVERTY = {
    **dict.fromkeys(("脱贫户", "已脱贫", "已脱贫户", "脱贫不稳定户", "LIFTED"), "lifted"),
    **dict.fromkeys(
        ("建档立卡户", "贫困户", "未脱贫", "未脱贫户", "建档立卡贫困户", "REGISTERED"), "registered"
    ),
    **dict.fromkeys(("监测户", "边缘易致贫户", "突发严重困难户", "监测对象", "MONITORED"), "monitored"),
    **dict.fromkeys(("一般户", "非贫困户", "普通户", "否", "", "NONE"), "none"),
    # The words of our own English XLSX export.
    **{english.upper(): status for status, (_, english) in fields.POVERTY_STATUS.items()},
}
MAX_LENGTHS = {"code": 32, "head_name": 32, "address": 200}
# The text of a number that Excel held as a number: 5.2269910020101e+16, 5.22699E+16, 522699100201001.0.
EXCEL_NUMBER = r"[0-9]+\.[0-9]*|[0-9]+(?:\.[0-9]*)?[eE][+-]?[0-9]+"
_AS_TEXT: Reason = (
    "format the column as text (文本) in Excel and re-enter the values, "
    "or re-export them from the source system",
    "请在 Excel 中把该列设为“文本”格式后重新录入，或从原系统重新导出",
)
EXCEL_CODE: Reason = (
    "Excel stored this code as a number, which keeps 15 digits at most, so digits were lost; " + _AS_TEXT[0],
    "Excel 把编码存成了数字，数字最多保留 15 位，多出的位已丢失；" + _AS_TEXT[1],
)
EXCEL_ID: Reason = (
    "Excel stored this ID number as a number, which keeps 15 digits at most, so its last digits were lost; "
    + _AS_TEXT[0],
    "Excel 把身份证号存成了数字，数字最多保留 15 位，后几位已丢失；" + _AS_TEXT[1],
)
_CHECK_ID_CARD: Reason = ("check it against the ID card (身份证)", "请对照身份证核对")
# idnumber.problem's English sentences, in Chinese.
_ID_ZH = (
    (r"18 characters expected, got (\d+)", "应为 18 位，实为 {0} 位"),
    (r"only digits \(and a final X\) allowed", "只能是数字（末位可为 X）"),
    (r"birth date (\S+) is not a date", "出生日期 {0} 不是有效日期"),
    (r"birth date (\S+) is in the future", "出生日期 {0} 晚于今天"),
    (r"check digit should be (\S), got (\S)", "校验码应为 {0}，实为 {1}"),
)
_CONTROL_NAMES = {
    0x00: ("NUL", "空字符"),
    0x0A: ("line break", "换行符"),
    0x0D: ("carriage return", "回车符"),
}


@dataclasses.dataclass
class _Sheet:
    """The rows under check and what was found in them: problems, and a mask of refused rows."""

    file: str
    raw: pd.DataFrame
    header: list[str]
    index_of: dict[str, int]  # field → column index
    row_numbers: np.ndarray
    problems: list[Problem]
    bad: np.ndarray

    def values(self, field: str) -> pd.Series:
        return self.raw[self.index_of[field]]

    def report(self, i: int, column: int, reason: Reason, value: str | None = None) -> None:
        """Refuse data row `i` for `reason`, naming the column and the value found (by default the cell)."""
        found = self.raw[column].iat[i] if value is None else value
        where = int(self.row_numbers[i])
        self.problems.append(Problem(self.file, where, self.header[column], visible(found), *reason))
        self.bad[i] = True

    def flag(self, mask: np.ndarray, field: str, reason: Reason | Sequence[Reason | None]) -> None:
        """Refuse `field` in each row of `mask` for `reason` (one for all, or one per row)."""
        for i in np.flatnonzero(mask):
            self.report(i, self.index_of[field], reason if isinstance(reason, tuple) else reason[i])


def check(
    rows: list[list[str]],
    header: list[str],
    header_row: int,
    fields: dict[str, str],
    *,
    file: str,
    problems: list[Problem],
    gcj02_input: bool = False,
    swap_fix: bool = False,
    today: datetime.date | None = None,
) -> tuple[pd.DataFrame, pd.Series, int]:
    """Parse and check every value, adding to `problems`.

    Returns
    -------
    (DataFrame, Series, int)
        The parsed rows (``row`` and one column per field), a mask of the
        refused rows, and how many swapped coordinates were fixed.
    """
    raw = pd.DataFrame(rows, columns=range(len(header)), dtype=object)
    n = len(raw)
    row_numbers = np.arange(header_row + 1, header_row + 1 + n)
    index_of = {field: header.index(h) for h, field in fields.items()}
    sheet = _Sheet(file, raw, header, index_of, row_numbers, problems, np.zeros(n, dtype=bool))
    # One pass over every cell finds the rare files worth a closer look, cell by cell.
    cells = "\t" + "\t".join(itertools.chain.from_iterable(rows))
    if CONTROL.search(cells):
        _check_cells(sheet)
    if "\t" + QUOTE in cells:
        for column in raw.columns:
            raw[column] = restored(raw[column])
    out = pd.DataFrame({"row": row_numbers})
    _check_texts(sheet, out)
    _check_ids(sheet, out, today or datetime.date.today())
    _check_natural_village_codes(sheet, out)
    _check_categories(sheet, out)
    _check_numbers(sheet, out)
    swapped = _check_coordinates(sheet, out, gcj02_input=gcj02_input, swap_fix=swap_fix)
    return out, pd.Series(sheet.bad), swapped


def _check_cells(sheet: _Sheet) -> None:
    """Refuse every cell holding a control character: a NUL breaks the database, a line break the row."""
    for column in sheet.raw.columns:
        values = sheet.raw[column]
        for i in np.flatnonzero(values.map(lambda v: CONTROL.search(v) is not None).to_numpy(bool)):
            sheet.report(i, column, control_reason(values.iat[i]))


def control_reason(text: str) -> Reason:
    """Say which control character `text` holds first, where, and how to remove it."""
    found = CONTROL.search(text)
    code, position = ord(found.group()), found.start() + 1
    surrogate = ("lone surrogate", "不成对的代理字符")
    name, name_zh = _CONTROL_NAMES.get(
        code, surrogate if 0xD800 <= code <= 0xDFFF else ("control character", "控制字符")
    )
    return (
        f"character {position} is U+{code:04X} ({name}), which no cell may hold; delete it "
        "(Excel's Find and Replace finds it; Ctrl+J types a line break there) and save the file again",
        f"第 {position} 个字符是 U+{code:04X}（{name_zh}），单元格中不能有它；请删除"
        "（可用 Excel 的“查找和替换”，在查找框按 Ctrl+J 即为换行符）后重新保存文件",
    )


def _check_texts(sheet: _Sheet, out: pd.DataFrame) -> None:
    """Check code, head's name and address: given where required, not too long; codes whole and unique."""
    for field in ("code", "head_name", "address"):
        if field not in sheet.index_of:
            continue
        values = sheet.values(field)
        if field in REQUIRED:
            sheet.flag((values == "").to_numpy(), field, ("value required; fill it in", "必填；请填写"))
        limit = MAX_LENGTHS[field]
        too_long = (f"longer than {limit} characters; shorten it", f"超过 {limit} 个字符；请缩短")
        sheet.flag((values.str.len() > limit).to_numpy(), field, too_long)
        out[field] = values.to_numpy()
    codes = out["code"]
    sheet.flag(codes.str.fullmatch(EXCEL_NUMBER).to_numpy(bool), "code", EXCEL_CODE)
    duplicated = codes.duplicated(keep=False).to_numpy() & (codes != "").to_numpy()
    rows_of = pd.Series(sheet.row_numbers[duplicated]).groupby(codes[duplicated].to_numpy()).agg(list)
    reasons: list[Reason | None] = [None] * len(codes)
    for i in np.flatnonzero(duplicated):
        rows = [str(r) for r in rows_of[codes.iat[i]]]
        reasons[i] = (
            f"duplicate household code in the file (rows {', '.join(rows)}); keep one row per household",
            f"文件中户编号重复（第 {'、'.join(rows)} 行）；每户只保留一行",
        )
    sheet.flag(duplicated, "code", reasons)


def _check_ids(sheet: _Sheet, out: pd.DataFrame, today: datetime.date) -> None:
    """Check ID numbers: Excel's lost digits first, then length, characters, birth date, check character."""
    if "id_number" not in sheet.index_of:
        return
    values = sheet.values("id_number").str.upper()
    reasons = id_reasons(values, today=today)
    sheet.flag(np.array([r is not None for r in reasons], dtype=bool), "id_number", reasons)
    out["id_number"] = values.where(values != "", None).to_numpy()


def id_reasons(values: pd.Series, *, today: datetime.date) -> list[Reason | None]:
    """Return what is wrong with each (upper-cased) ID number in both languages, None where valid or empty.

    Excel's lost digits first, then length, characters, birth date and check character.
    """
    mangled = values.str.fullmatch(EXCEL_NUMBER).to_numpy(bool)
    problems = id_problems(values.where(~mangled, ""), today=today)
    return [
        EXCEL_ID if bad else None if p is None else _id_reason(v, p)
        for v, p, bad in zip(values, problems, mangled, strict=True)
    ]


def _id_reason(value: str, problem: str) -> Reason:
    """Return `idnumber.problem`'s sentence in both languages, with what to do about it."""
    zh = problem
    for pattern, template in _ID_ZH:
        if match := re.fullmatch(pattern, problem):
            zh = template.format(*match.groups())
            break
    if problem.startswith("check digit") and value.endswith("00"):
        # 18 digits whose last ones are zeros: what Excel leaves of an ID number it held as a number.
        return (
            f"{problem}: it ends in 00, as an ID number does when Excel stored it as a number and lost "
            f"its last digits; {_AS_TEXT[0]}",
            f"{zh}：末尾是 00，像是 Excel 把身份证号存成数字后丢失了后几位；{_AS_TEXT[1]}",
        )
    return f"{problem}; {_CHECK_ID_CARD[0]}", f"{zh}；{_CHECK_ID_CARD[1]}"


def _check_natural_village_codes(sheet: _Sheet, out: pd.DataFrame) -> None:
    """Check natural-village codes: 14 digits (or empty: placed by location), not mangled by Excel."""
    if "natural_village_code" not in sheet.index_of:
        return
    values = sheet.values("natural_village_code")
    mangled = values.str.fullmatch(EXCEL_NUMBER).to_numpy(bool)
    sheet.flag(mangled, "natural_village_code", EXCEL_CODE)
    malformed = ~mangled & ~values.str.fullmatch(r"([0-9]{14})?").to_numpy(bool)
    reason = (
        "14 digits expected (the village's 12-digit code and 2 more); copy it from the natural-village "
        "list, or leave it empty to place the household by its point",
        "应为 14 位数字（行政村 12 位代码加 2 位）；请从自然寨名录复制，或留空（按坐标确定所在自然寨）",
    )
    sheet.flag(malformed, "natural_village_code", reason)
    out["natural_village_code"] = values.to_numpy()


def _check_categories(sheet: _Sheet, out: pd.DataFrame) -> None:
    """Check the yes/no columns and the poverty status against the words cadres use."""
    for field in BOOLEAN_FIELDS:
        if field in sheet.index_of:
            values = lookup(sheet.values(field), BOOLEANS)
            reason = ("是/否 (yes/no, Y/N, 1/0) expected", "应填 是 或 否（也可填 Y/N、1/0）")
            sheet.flag(values.isna().to_numpy(), field, reason)
            out[field] = values.fillna(False).astype(bool).to_numpy()
    if "poverty_status" in sheet.index_of:
        values = lookup(sheet.values("poverty_status"), POVERTY)
        reason = (
            "one of 脱贫户, 监测户, 建档立卡户, 一般户 expected",
            "应为 脱贫户、监测户、建档立卡户、一般户 之一",
        )
        sheet.flag(values.isna().to_numpy(), "poverty_status", reason)
        out["poverty_status"] = values.fillna("none").to_numpy()


def _check_numbers(sheet: _Sheet, out: pd.DataFrame) -> None:
    """Check the member count, the other counts (whole, not negative) and the income (a number)."""
    for field, minimum, default in (
        ("members", 1, 1),
        *((f, 0, 0) for f in COUNT_FIELDS),
        ("income_per_capita", None, None),
    ):
        if field not in sheet.index_of:
            continue
        text_values = sheet.values(field)
        numbers = pd.to_numeric(text_values.str.replace(",", ""), errors="coerce")
        empty = (text_values == "").to_numpy()
        invalid = numbers.isna().to_numpy() & ~empty
        if field != "income_per_capita":
            invalid |= ~empty & ~numbers.isna().to_numpy() & (numbers.to_numpy() % 1 != 0)
            sheet.flag(invalid, field, ("a whole number expected", "应为整数"))
            below = ~empty & ~invalid & (numbers.fillna(minimum).to_numpy() < minimum)
            sheet.flag(below, field, (f"at least {minimum} expected", f"不能小于 {minimum}"))
        else:
            sheet.flag(invalid, field, ("a number expected (yuan, digits only)", "应为数字（元，只填数字）"))
        numbers = numbers.round().where(~(invalid | empty), default)
        out[field] = pd.array(numbers, dtype="Int64")


def lookup(values: pd.Series, table: dict) -> pd.Series:
    """Map `values` through `table`, trying upper case only for the few that miss (y, yes, true…)."""
    mapped = values.map(table)
    missing = mapped.isna()
    if missing.any():
        mapped[missing] = values[missing].str.upper().map(table)
    return mapped


def id_problems(values: pd.Series, *, today: datetime.date) -> list[str | None]:
    """Return `idnumber.problem` of each non-empty ID number, None where valid or empty.

    Well-formed numbers are recognised in bulk with numpy (digits, check
    character, birth date); only the others go through `idnumber.problem`, which
    words the reason, so both paths agree by construction on what is valid.
    """
    text_values = values.to_numpy(dtype=object)
    reasons: list[str | None] = [None] * len(text_values)
    candidates = np.flatnonzero(values.str.fullmatch(r"[0-9]{17}[0-9X]").fillna(False).to_numpy())
    fine = np.zeros(len(text_values), dtype=bool)
    if len(candidates):
        chars = np.frombuffer("".join(text_values[candidates]).encode("ascii"), dtype=np.uint8)
        chars = chars.reshape(-1, idnumber.LENGTH)
        digits = (chars[:, :-1] - ord("0")).astype(np.int64)
        expected = np.frombuffer(idnumber.CHECK_CHARACTERS.encode(), dtype=np.uint8)[
            digits @ np.array(idnumber.WEIGHTS) % 11
        ]
        born = pd.to_datetime(
            pd.Series(text_values[candidates]).str.slice(6, 14), format="%Y%m%d", errors="coerce"
        )
        good = (expected == chars[:, -1]) & born.notna().to_numpy() & (born <= pd.Timestamp(today)).to_numpy()
        fine[candidates[good]] = True
    for i in np.flatnonzero(~fine):
        if text_values[i]:
            reasons[i] = idnumber.problem(text_values[i], today=today)
    return reasons


def _check_coordinates(sheet: _Sheet, out: pd.DataFrame, *, gcj02_input: bool, swap_fix: bool) -> int:
    """Check the points: numbers, not swapped (or swapped back if asked), in the county; GCJ-02 converted.

    Swaps are detected on the values as typed: the GCJ-02 offset (under a
    kilometre) is far smaller than what a swap moves a point in Guizhou.
    Returns how many swaps were fixed.
    """
    lon = pd.to_numeric(sheet.values("lon"), errors="coerce").to_numpy(float, copy=True)
    lat = pd.to_numeric(sheet.values("lat"), errors="coerce").to_numpy(float, copy=True)
    sheet.flag(
        np.isnan(lon),
        "lon",
        ("a longitude in degrees expected (like 106.71)", "应为经度，单位度（如 106.71）"),
    )
    no_lat = np.isnan(lat) & ~np.isnan(lon)
    sheet.flag(no_lat, "lat", ("a latitude in degrees expected (like 26.58)", "应为纬度，单位度（如 26.58）"))
    county = queries.county()
    if county is None:
        raise RuntimeError("no county is loaded; load boundaries before households")
    west, south, east, north = county["west"], county["south"], county["east"], county["north"]

    def inside(x, y):
        return (x >= west) & (x <= east) & (y >= south) & (y <= north)

    def report(mask: np.ndarray, reason: Reason) -> None:
        lons, lats = sheet.values("lon"), sheet.values("lat")
        for i in np.flatnonzero(mask):
            sheet.report(i, sheet.index_of["lon"], reason, f"{lons.iat[i]}, {lats.iat[i]}")

    valid = ~(np.isnan(lon) | np.isnan(lat))
    swapped = valid & ~inside(lon, lat) & inside(lat, lon)
    fixed = 0
    if swap_fix:
        lon[swapped], lat[swapped] = lat[swapped].copy(), lon[swapped].copy()
        fixed = int(swapped.sum())
    else:
        report(
            swapped,
            (
                "latitude and longitude are swapped (import with the swap fix to correct them)",
                "经度和纬度填反了（导入时勾选“自动纠正经纬度颠倒”即可纠正）",
            ),
        )
        valid &= ~swapped
    if gcj02_input:
        lon[valid], lat[valid] = gcj02.to_wgs84(lon[valid], lat[valid])
    box = f"{west:.3f}–{east:.3f} E, {south:.3f}–{north:.3f} N"
    outside = (
        f"point is outside the county ({box}); check the longitude and latitude",
        f"坐标点在本县范围（{box}）之外；请核对经纬度",
    )
    report(valid & ~inside(lon, lat), outside)
    out["lon"], out["lat"] = lon, lat
    return fixed
