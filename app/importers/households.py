"""Household spreadsheets in: read → check → repair → reproject → upsert.

A cadre's form (一户一表 summary, .xlsx or .csv in UTF-8 or GBK) has Chinese
headers, often under a merged title row. This module finds the header row,
recognises the usual headers (plus a mapping the user gives for others),
checks every value, converts GCJ-02 when asked, and upserts by household code
in the caller's transaction. Every problem is reported as (file, row, column,
value, reason); row numbers are those a spreadsheet program shows.

Modes: all or nothing (the default: any problem and nothing is written) or
valid rows only (problem rows are skipped and listed).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import html
import io
import pathlib
import re
import zipfile
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from .. import idnumber, queries
from ..queries import imports as sql
from . import gcj02
from .problems import Problem
from .problems import Refused as _Refused

# Header (as normalised by normalise) → field. English field names are recognised too.
HEADERS = {
    "户编号": "code",
    "户码": "code",
    "户号": "code",
    "户主姓名": "head_name",
    "户主": "head_name",
    "身份证号": "id_number",
    "身份证号码": "id_number",
    "户主身份证号": "id_number",
    "户主身份证号码": "id_number",
    "家庭人口": "members",
    "人口数": "members",
    "家庭人口数": "members",
    "经度": "lon",
    "纬度": "lat",
    "地址": "address",
    "住址": "address",
    "家庭住址": "address",
    "自然寨编码": "natural_village_code",
    "自然寨代码": "natural_village_code",
    "是否低保": "dibao",
    "是否低保户": "dibao",
    "是否五保": "wubao",
    "是否五保户": "wubao",
    "是否计生重点帮扶": "family_planning",
    "是否计生重点帮扶户": "family_planning",
    "贫困户属性": "poverty_status",
    "脱贫状态": "poverty_status",
    "留守儿童人数": "left_behind_children",
    "是否留守老人": "left_behind_elderly",
    "是否空巢老人": "empty_nest_elderly",
    "残疾人数": "disabled_members",
    "是否危房": "dilapidated_house",
    "外出务工人数": "migrant_workers",
    "人均纯收入": "income_per_capita",
    "longitude": "lon",
    "latitude": "lat",
    "x": "lon",
    "y": "lat",
}
# Every field a file may fill: the personal ones, the place, and the registry's household columns.
FIELDS = (
    "code",
    "head_name",
    "id_number",
    "address",
    "natural_village_code",
    *queries.HOUSEHOLD_COLUMNS,
    "lon",
    "lat",
)
REQUIRED = ("code", "head_name", "lon", "lat")
# How a missing field is named in a problem: its usual header.
LABELS = {field: header for header, field in reversed(HEADERS.items()) if not header.isascii()}
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
}
MAX_LENGTHS = {"code": 32, "head_name": 32, "address": 200}
HEADER_SEARCH_ROWS = 10  # a title block above the header is at most this tall
UNZIP_RATIO_LIMIT = 100  # an .xlsx expanding more than this is treated as a zip bomb


@dataclasses.dataclass
class ImportResult:
    """What an import did (or would have done): counts, problems, and the rejected rows themselves."""

    file: str
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    written: bool = False
    problems: list[Problem] = dataclasses.field(default_factory=list)
    columns: dict[str, str] = dataclasses.field(default_factory=dict)  # header → field
    ignored_columns: list[str] = dataclasses.field(default_factory=list)
    swapped_fixed: int = 0
    header: list[str] = dataclasses.field(default_factory=list)
    rejected_rows: list[tuple[int, list[str]]] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def write_rejected_xlsx(self, path: str | pathlib.Path) -> None:
        """Write the rejected rows (original values, plus row number and reasons) to an XLSX file."""
        from openpyxl import Workbook

        reasons: dict[int | None, list[str]] = {}
        for p in self.problems:
            reasons.setdefault(p.row, []).append(f"{p.column or ''}: {p.reason}" if p.column else p.reason)
        book = Workbook(write_only=True)
        sheet = book.create_sheet("rejected 被拒绝的行")
        sheet.append(["行号 row", *self.header, "问题 problems"])
        for row, values in self.rejected_rows:
            sheet.append([row, *values, "; ".join(reasons.get(row, []))])
        if None in reasons:
            sheet.append([None, *([None] * len(self.header)), "; ".join(reasons[None])])
        book.save(path)


Progress = Callable[[str, int, int], None]


def import_households(
    path: str | pathlib.Path,
    *,
    mapping: Mapping[str, str] | None = None,
    valid_only: bool = False,
    gcj02_input: bool = False,
    swap_fix: bool = False,
    max_bytes: int = 200 * 1024**2,
    name: str | None = None,
    progress: Progress | None = None,
    today: datetime.date | None = None,
    allowed_villages: frozenset[int] | None = None,
) -> ImportResult:
    """Import a household spreadsheet into the caller's transaction; the caller commits.

    Parameters
    ----------
    path
        An .xlsx or .csv (UTF-8 or GBK) file.
    mapping
        Extra header → field pairs for headers the service does not recognise.
    valid_only
        Import the rows without problems; by default any problem means nothing is written.
    gcj02_input
        The coordinates are GCJ-02 (AMap, Tencent); convert them to CGCS2000.
    swap_fix
        Swap longitude and latitude where they are swapped (otherwise each is a problem).
    max_bytes
        Refuse files (and uncompressed .xlsx contents beyond 100 times) larger than this.
    name
        The file name problems carry (default: the path's name).
    progress
        Called as progress(stage, done, total) while working.
    today
        The date birth dates must not be after (default: today).
    allowed_villages
        Ids of the administrative villages the importing user may edit (a cadre's); None: all.

    Returns
    -------
    ImportResult
        Counts, problems and rejected rows; ``written`` says whether households were upserted.
    """
    path = pathlib.Path(path)
    result = ImportResult(file=name or path.name)
    report = progress or (lambda stage, done, total: None)
    try:
        header_row, header, rows = read_table(
            path, result.file, max_bytes=max_bytes, problems=result.problems
        )
    except _Refused as refused:
        result.problems.append(refused.problem)
        return result
    report("read", 1, 4)
    result.header = header
    fields = _recognise(header, mapping or {}, result)
    missing = [f for f in REQUIRED if f not in fields.values()]
    for field in missing:
        result.problems.append(
            Problem(result.file, header_row, LABELS.get(field, field), None, "required column missing")
        )
    if missing or not rows:
        if not rows and not missing:
            result.problems.append(Problem(result.file, None, None, None, "the sheet has no data rows"))
        return result

    frame, bad = _check(rows, header, header_row, fields, result, gcj02_input, swap_fix, today)
    # Rows reported while reading (formula cells, truncated rows) are refused too.
    for problem in result.problems:
        if problem.row is not None and problem.row > header_row:
            bad.iloc[problem.row - header_row - 1] = True
    report("check", 2, 4)
    good = frame[~bad]
    columns = [
        "code",
        *(
            f
            for f in FIELDS
            if f in fields.values() and f not in ("code", "lon", "lat", "natural_village_code")
        ),
    ]
    codes = (
        good["natural_village_code"] if "natural_village_code" in good else pd.Series("", index=good.index)
    )
    good = good.assign(
        natural_village_code=codes, natural_village_id=codes.map(sql.natural_village_ids()).astype("Int64")
    )
    sql.stage_households(good, columns=columns, lon=good["lon"].to_numpy(), lat=good["lat"].to_numpy())
    unplaced = sql.place_staged()
    column_of = {f: h for h, f in fields.items()}
    points = good.set_index("row")[["lon", "lat"]]
    for u in unplaced:
        if u["reason"] == "outside":
            value = f"{points.at[u['row'], 'lon']}, {points.at[u['row'], 'lat']}"
            where, reason = column_of["lon"], "point lies outside every natural village"
        else:
            value = u["natural_village_code"]
            where, reason = column_of["natural_village_code"], "no natural village has this code"
        result.problems.append(Problem(result.file, u["row"], where, value, reason))
        bad.iloc[u["row"] - header_row - 1] = True
    skip = [u["row"] for u in unplaced]
    if allowed_villages is not None:
        for o in sql.staged_outside(sorted(allowed_villages)):
            reason = "household is outside the villages you may edit"
            result.problems.append(Problem(result.file, o["row"], column_of["code"], o["code"], reason))
            bad.iloc[o["row"] - header_row - 1] = True
            skip.append(o["row"])
    report("place", 3, 4)
    result.problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    result.rejected = int(bad.sum())
    result.rejected_rows = [(header_row + 1 + int(i), rows[i]) for i in np.flatnonzero(bad.to_numpy())]
    if result.problems and not valid_only:
        sql.drop_stage()
        return result
    counts = sql.upsert_staged(columns=columns, skip_rows=skip)
    sql.drop_stage()
    result.written = True
    result.inserted, result.updated = counts["inserted"], counts["updated"]
    result.unchanged = len(good) - len(skip) - result.inserted - result.updated
    report("upsert", 4, 4)
    return result


def preview(
    path: str | pathlib.Path,
    *,
    mapping: Mapping[str, str] | None = None,
    rows: int = 10,
    max_bytes: int = 200 * 1024**2,
    name: str | None = None,
) -> ImportResult:
    """Read a file and recognise its columns without checking values or touching the database.

    The result carries the header, the recognised columns, the ignored ones,
    file-level problems and (in ``rejected_rows``, reused here) the first `rows` data rows.
    """
    path = pathlib.Path(path)
    result = ImportResult(file=name or path.name)
    try:
        header_row, header, table = read_table(
            path, result.file, max_bytes=max_bytes, problems=result.problems
        )
    except _Refused as refused:
        result.problems.append(refused.problem)
        return result
    result.header = header
    fields = _recognise(header, mapping or {}, result)
    for field in REQUIRED:
        if field not in fields.values():
            result.problems.append(
                Problem(result.file, header_row, LABELS.get(field, field), None, "required column missing")
            )
    result.rejected_rows = [(header_row + 1 + i, row) for i, row in enumerate(table[:rows])]
    return result


# --- reading ----------------------------------------------------------------


def read_table(
    path: pathlib.Path,
    file: str,
    *,
    max_bytes: int,
    problems: list[Problem],
    field_of: Callable[[str], str | None] | None = None,
) -> tuple[int, list[str], list[list[str]]]:
    """Return (header row number, header, data rows as strings), adding formula cells to `problems`.

    The header is the top row with the most headers `field_of` recognises (a household file's by default).
    """
    if not path.exists():
        raise _Refused(Problem(file, None, None, str(path), "file not found"))
    size = path.stat().st_size
    if size > max_bytes:
        raise _Refused(
            Problem(file, None, None, f"{size} bytes", f"file is over the limit of {max_bytes} bytes")
        )
    if size == 0:
        raise _Refused(Problem(file, None, None, None, "the file is empty"))
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        table, formulas = _read_xlsx(path, file, max_bytes=max_bytes)
    elif suffix == ".xls":
        # Legacy binary workbooks: calamine reads the cached values; formulas cannot be told apart.
        table, formulas = _read_xls(path, file), {}
    elif suffix in (".csv", ".txt"):
        table, formulas = _read_csv(path, file), {}
    else:
        raise _Refused(
            Problem(file, None, None, path.suffix, "unsupported file type (.xlsx, .xls or .csv expected)")
        )
    while table and not any(table[-1]):
        table.pop()
    if not table:
        raise _Refused(Problem(file, None, None, None, "the sheet is empty"))
    index = _header_index(table, field_of or (lambda header: _field_of(header, {})))
    header = [h.strip() for h in table[index]]
    width = len(header)
    rows = []
    for i, row in enumerate(table[index + 1 :], start=index + 2):
        if len(row) < width and any(row):
            problems.append(
                Problem(file, i, None, None, f"row has {len(row)} of {width} fields (truncated?)")
            )
        rows.append([*row[:width], *([""] * (width - len(row)))])
    for (row, column), formula in sorted(formulas.items()):
        name = header[column] if column < width else None
        if row > index + 1:
            problems.append(Problem(file, row, name, "=" + formula, "formula cell (enter the value instead)"))
    return index + 1, header, rows


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value).strip()


def _read_xls(path: pathlib.Path, file: str) -> list[list[str]]:
    """Return the first sheet of a legacy .xls workbook as text."""
    from python_calamine import CalamineWorkbook

    try:
        table = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as error:
        raise _Refused(Problem(file, None, None, None, f"unreadable or truncated file: {error}")) from None
    return [[_cell_text(v) for v in row] for row in table]


def _read_xlsx(path: pathlib.Path, file: str, *, max_bytes: int) -> tuple[list[list[str]], dict]:
    """Return the first sheet's cells as text and its formula cells {(row, column index): formula}."""
    from python_calamine import CalamineWorkbook

    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(i.file_size for i in archive.infolist())
            if unpacked > UNZIP_RATIO_LIMIT * max(path.stat().st_size, 1) or unpacked > 10 * max_bytes:
                raise _Refused(Problem(file, None, None, f"{unpacked} bytes unpacked", "zip bomb refused"))
            formulas = _formula_cells(archive)
        book = CalamineWorkbook.from_path(str(path))
        table = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except _Refused:
        raise
    except Exception as error:  # zipfile, calamine and XML errors all mean the same to the user
        raise _Refused(Problem(file, None, None, None, f"unreadable or truncated file: {error}")) from None
    return [[_cell_text(v) for v in row] for row in table], formulas


# A cell and its formula: <c r="C5" …><f …>A5+B5</f> or, for shared formulas, <c r="C6" …><f … si="0"/>.
_CELL_FORMULA = re.compile(rb'<c\b[^>]*?\br="([A-Z]+)([0-9]+)"[^>]*>\s*<f\b[^>]*?(?:/>|>([^<]*)</f>)')


def _formula_cells(archive: zipfile.ZipFile) -> dict[tuple[int, int], str]:
    """Return the first worksheet's formula cells, found in its XML (calamine gives only cached values)."""
    book = archive.read("xl/workbook.xml")
    first = re.search(rb"<sheet [^>]*r:id=\"([^\"]+)\"", book)
    rels = archive.read("xl/_rels/workbook.xml.rels")
    target = None
    if first:
        for rel in re.finditer(rb"<Relationship [^>]*>", rels):
            if b'Id="' + first.group(1) + b'"' in rel.group(0):
                target = re.search(rb'Target="([^"]+)"', rel.group(0)).group(1).decode()
    target = (target or "worksheets/sheet1.xml").lstrip("/")
    name = target if target.startswith("xl/") else "xl/" + target
    data = archive.read(name)
    if b"<f" not in data:
        return {}
    cells = {}
    for match in _CELL_FORMULA.finditer(data):
        letters, number, formula = match.group(1), match.group(2), match.group(3)
        column = 0
        for ch in letters.decode():
            column = column * 26 + ord(ch) - 64
        cells[(int(number), column - 1)] = html.unescape((formula or b"").decode("utf-8", "replace"))
    return cells


def _read_csv(path: pathlib.Path, file: str) -> list[list[str]]:
    """Return a CSV file's rows, decoding UTF-8 (with or without BOM) or else GBK (GB 18030)."""
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            content = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _Refused(Problem(file, None, None, None, "unreadable file: neither UTF-8 nor GBK text"))
    try:
        return [[v.strip() for v in row] for row in csv.reader(io.StringIO(content, newline=""), strict=True)]
    except csv.Error as error:
        raise _Refused(Problem(file, None, None, None, f"unreadable or truncated file: {error}")) from None


def normalise(header: str) -> str:
    """Return a header without spaces, line breaks or a trailing unit: '人均纯收入（元）' → '人均纯收入'."""
    header = re.sub(r"\s+", "", header)
    header = re.sub(r"[（(][^）)]*[）)]$", "", header)
    return header.lower() if header.isascii() else header


def _field_of(header: str, mapping: Mapping[str, str]) -> str | None:
    if header in mapping:
        return mapping[header]
    key = normalise(header)
    if key in mapping:
        return mapping[key]
    if key in FIELDS:
        return key
    return HEADERS.get(key)


def _header_index(table: list[list[str]], field_of: Callable[[str], str | None]) -> int:
    """Return the index of the header row: the first of the top rows with the most recognised headers."""
    best, best_count = 0, 0
    for i, row in enumerate(table[:HEADER_SEARCH_ROWS]):
        count = sum(field_of(v) is not None for v in row if v)
        if count > best_count:
            best, best_count = i, count
    return best


def _recognise(header: list[str], mapping: Mapping[str, str], result: ImportResult) -> dict[str, str]:
    """Return header → field for the recognised columns; note the others as ignored."""
    fields: dict[str, str] = {}
    for h in header:
        field = _field_of(h, mapping) if h else None
        if field in FIELDS and field not in fields.values():
            fields[h] = field
        elif h:
            result.ignored_columns.append(h)
    result.columns = fields
    return fields


# --- checking ---------------------------------------------------------------


def _check(
    rows: list[list[str]],
    header: list[str],
    header_row: int,
    fields: dict[str, str],
    result: ImportResult,
    gcj02_input: bool,
    swap_fix: bool,
    today: datetime.date | None,
) -> tuple[pd.DataFrame, pd.Series]:
    """Parse and check every value; return the parsed frame and a mask of rows with problems."""
    raw = pd.DataFrame(rows, columns=range(len(header)), dtype=object)
    index_of = {field: header.index(h) for h, field in fields.items()}
    n = len(raw)
    row_numbers = np.arange(header_row + 1, header_row + 1 + n)
    bad = np.zeros(n, dtype=bool)
    problems = result.problems

    def flag(mask: np.ndarray, field: str, reason: str | list) -> None:
        """Report `field` in each row of `mask` with `reason` (one for all, or one per row)."""
        values = raw[index_of[field]]
        for i in np.flatnonzero(mask):
            text = reason if isinstance(reason, str) else reason[i]
            problems.append(
                Problem(result.file, int(row_numbers[i]), header[index_of[field]], values.iat[i], text)
            )
        bad[mask] = True

    out = pd.DataFrame({"row": row_numbers})
    for field in ("code", "head_name", "address"):
        if field not in index_of:
            continue
        values = raw[index_of[field]]
        if field in REQUIRED:
            flag((values == "").to_numpy(), field, "value required")
        flag(
            (values.str.len() > MAX_LENGTHS[field]).to_numpy(),
            field,
            f"longer than {MAX_LENGTHS[field]} characters",
        )
        out[field] = values.to_numpy()
    codes = out["code"]
    duplicated = codes.duplicated(keep=False).to_numpy() & (codes != "").to_numpy()
    flag(duplicated, "code", "duplicate household code in the file")

    if "id_number" in index_of:
        values = raw[index_of["id_number"]].str.upper()
        reasons = _id_problems(values, today=today or datetime.date.today())
        flag(np.array([r is not None for r in reasons], dtype=bool), "id_number", reasons)
        out["id_number"] = values.where(values != "", None).to_numpy()
    if "natural_village_code" in index_of:
        values = raw[index_of["natural_village_code"]]
        flag(
            (~values.str.fullmatch(r"([0-9]{14})?")).to_numpy(), "natural_village_code", "14 digits expected"
        )
        out["natural_village_code"] = values.to_numpy()

    for field in BOOLEAN_FIELDS:
        if field in index_of:
            values = _lookup(raw[index_of[field]], BOOLEANS)
            flag(values.isna().to_numpy(), field, "是/否 (yes/no, Y/N, 1/0) expected")
            out[field] = values.fillna(False).astype(bool).to_numpy()
    if "poverty_status" in index_of:
        values = _lookup(raw[index_of["poverty_status"]], POVERTY)
        flag(values.isna().to_numpy(), "poverty_status", "one of 脱贫户, 监测户, 建档立卡户, 一般户 expected")
        out["poverty_status"] = values.fillna("none").to_numpy()
    for field, minimum, default in (
        ("members", 1, 1),
        *((f, 0, 0) for f in COUNT_FIELDS),
        ("income_per_capita", None, None),
    ):
        if field not in index_of:
            continue
        text_values = raw[index_of[field]]
        numbers = pd.to_numeric(text_values.str.replace(",", ""), errors="coerce")
        empty = (text_values == "").to_numpy()
        invalid = numbers.isna().to_numpy() & ~empty
        if field != "income_per_capita":
            invalid |= ~empty & ~numbers.isna().to_numpy() & (numbers.to_numpy() % 1 != 0)
            flag(invalid, field, "a whole number expected")
            below = ~empty & ~invalid & (numbers.fillna(minimum).to_numpy() < minimum)
            flag(below, field, f"at least {minimum} expected")
        else:
            flag(invalid, field, "a number expected")
        numbers = numbers.round().where(~(invalid | empty), default)
        out[field] = pd.array(numbers, dtype="Int64")

    lon = pd.to_numeric(raw[index_of["lon"]], errors="coerce").to_numpy(float, copy=True)
    lat = pd.to_numeric(raw[index_of["lat"]], errors="coerce").to_numpy(float, copy=True)
    flag(np.isnan(lon), "lon", "a longitude in degrees expected")
    flag(np.isnan(lat) & ~np.isnan(lon), "lat", "a latitude in degrees expected")
    _check_coordinates(lon, lat, result, raw, index_of, header, row_numbers, bad, gcj02_input, swap_fix)
    out["lon"], out["lat"] = lon, lat
    return out, pd.Series(bad)


def _lookup(values: pd.Series, table: dict) -> pd.Series:
    """Map `values` through `table`, trying upper case only for the few that miss (y, yes, true…)."""
    mapped = values.map(table)
    missing = mapped.isna()
    if missing.any():
        mapped[missing] = values[missing].str.upper().map(table)
    return mapped


def _id_problems(values: pd.Series, *, today: datetime.date) -> list[str | None]:
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


def _check_coordinates(
    lon, lat, result, raw, index_of, header, row_numbers, bad, gcj02_input, swap_fix
) -> None:
    """Detect swapped and out-of-county points, fix swaps when asked, convert GCJ-02; all in place.

    Swaps are detected on the values as typed: the GCJ-02 offset (under a
    kilometre) is far smaller than what a swap moves a point in Guizhou.
    """
    county = queries.county()
    if county is None:
        raise RuntimeError("no county is loaded; load boundaries before households")
    west, south, east, north = county["west"], county["south"], county["east"], county["north"]

    def inside(x, y):
        return (x >= west) & (x <= east) & (y >= south) & (y <= north)

    def typed(i: int) -> str:
        return f"{raw[index_of['lon']].iat[i]}, {raw[index_of['lat']].iat[i]}"

    column = header[index_of["lon"]]
    valid = ~(np.isnan(lon) | np.isnan(lat))
    swapped = valid & ~inside(lon, lat) & inside(lat, lon)
    if swap_fix:
        lon[swapped], lat[swapped] = lat[swapped].copy(), lon[swapped].copy()
        result.swapped_fixed = int(swapped.sum())
    else:
        for i in np.flatnonzero(swapped):
            reason = "latitude and longitude are swapped (import with the swap fix to correct them)"
            result.problems.append(Problem(result.file, int(row_numbers[i]), column, typed(i), reason))
        bad[swapped] = True
        valid &= ~swapped
    if gcj02_input:
        lon[valid], lat[valid] = gcj02.to_wgs84(lon[valid], lat[valid])
    outside = valid & ~inside(lon, lat)
    for i in np.flatnonzero(outside):
        reason = f"point is outside the county ({west:.3f}–{east:.3f} E, {south:.3f}–{north:.3f} N)"
        result.problems.append(Problem(result.file, int(row_numbers[i]), column, typed(i), reason))
    bad[outside] = True
