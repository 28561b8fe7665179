"""Spreadsheets in as text: .xlsx, .xls and .csv (UTF-8 or GBK), each cell a string.

Finds the header row under a title block, reports formula cells and
truncated rows, and refuses files that are too large, unreadable or zip
bombs; every reason is in English and Chinese and says what to do. Row
numbers are those a spreadsheet program shows.
"""

from __future__ import annotations

import csv
import datetime
import html
import io
import pathlib
import re
import zipfile
from collections.abc import Callable

from .problems import Problem, Refused

HEADER_SEARCH_ROWS = 10  # a title block above the header is at most this tall
UNZIP_RATIO_LIMIT = 100  # an .xlsx expanding more than this is treated as a zip bomb
# Characters no cell may hold: C0 controls but tab, DEL and C1 controls, lone surrogates.
CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff]")
_RESAVE = ("save it again from Excel and upload that copy", "请用 Excel 重新保存后再上传")


def visible(text: str | None) -> str | None:
    """Return `text` with each control character spelled [U+XXXX]: safe for a page, JSON and a workbook."""
    return CONTROL.sub(lambda m: f"[U+{ord(m.group()):04X}]", text) if text else text


def refused(file: str, value: str | None, reason: str, reason_zh: str) -> Refused:
    """Return the refusal of a whole `file`: the `value` found, the reason in English and Chinese."""
    return Refused(Problem(file, None, None, value, reason, reason_zh))


def unreadable(file: str, error: Exception | str) -> Refused:
    """Return the refusal of a file that cannot be read (truncated, corrupt, not a spreadsheet)."""
    return refused(
        file,
        None,
        f"unreadable or truncated file: {visible(str(error))}; {_RESAVE[0]}",
        f"文件无法读取或不完整：{visible(str(error))}；{_RESAVE[1]}",
    )


def read_table(
    path: pathlib.Path,
    file: str,
    *,
    max_bytes: int,
    problems: list[Problem],
    is_header: Callable[[str], bool],
) -> tuple[int, list[str], list[list[str]]]:
    """Return (header row number, header, data rows as strings), adding formula cells to `problems`.

    The header row is the first of the top rows with the most cells `is_header` recognises.
    Raises `Refused` when the file as a whole cannot be read.
    """
    table, formulas = _read_cells(path, file, max_bytes=max_bytes)
    index = _header_index(table, is_header)
    header = [visible(h.strip()) for h in table[index]]
    width = len(header)
    rows = []
    for i, row in enumerate(table[index + 1 :], start=index + 2):
        if len(row) < width and any(row):
            problems.append(
                Problem(
                    file,
                    i,
                    None,
                    None,
                    f"row has {len(row)} of {width} fields (truncated?); complete the row",
                    f"该行只有 {len(row)} 个字段，应有 {width} 个（是否被截断？）；请补全该行",
                )
            )
        rows.append([*row[:width], *([""] * (width - len(row)))])
    for (row, column), formula in sorted(formulas.items()):
        name = header[column] if column < width else None
        if row > index + 1:
            problems.append(
                Problem(
                    file,
                    row,
                    name,
                    "=" + formula,
                    "formula cell (enter the value instead: copy, then Paste Special → Values)",
                    "公式单元格（请改为填写数值：复制后“选择性粘贴 → 数值”）",
                )
            )
    return index + 1, header, rows


def read_into(result, path: pathlib.Path, *, max_bytes: int, is_header: Callable[[str], bool]):
    """Read `path` as `read_table` does into an import's `result` (its ``header``, ``problems``).

    Returns (header row number, data rows), or None after noting in ``result.problems`` why the
    file as a whole cannot be read.
    """
    try:
        header_row, header, rows = read_table(
            path, result.file, max_bytes=max_bytes, problems=result.problems, is_header=is_header
        )
    except Refused as refused:
        result.problems.append(refused.problem)
        return None
    result.header = header
    return header_row, rows


def _read_cells(path: pathlib.Path, file: str, *, max_bytes: int) -> tuple[list[list[str]], dict]:
    """Return the first sheet's rows as text and its formula cells; refuse files too big, empty or unknown."""
    if not path.exists():
        raise refused(file, str(path), "file not found; upload it again", "找不到文件；请重新上传")
    size = path.stat().st_size
    if size > max_bytes:
        raise refused(
            file,
            f"{size} bytes",
            f"file is over the limit of {max_bytes} bytes; split it into smaller files",
            f"文件超过 {max_bytes} 字节的上限；请拆分成几个较小的文件",
        )
    if size == 0:
        raise refused(
            file,
            None,
            "the file is empty; upload the filled-in file",
            "文件为空；请上传填好的文件",
        )
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        table, formulas = _read_xlsx(path, file, max_bytes=max_bytes)
    elif suffix == ".xls":
        # Legacy binary workbooks: calamine reads the cached values; formulas cannot be told apart.
        table, formulas = _read_xls(path, file), {}
    elif suffix in (".csv", ".txt"):
        table, formulas = _read_csv(path, file), {}
    else:
        raise refused(
            file,
            path.suffix,
            "unsupported file type (.xlsx, .xls or .csv expected); save it from Excel as one of these",
            "不支持的文件类型（应为 .xlsx、.xls 或 .csv）；请用 Excel 另存为其中一种",
        )
    while table and not any(table[-1]):
        table.pop()
    if not table:
        raise refused(
            file,
            None,
            "the sheet is empty (the first sheet is read); put the table on the first sheet",
            "工作表为空（只读取第一个工作表）；请把表格放在第一个工作表",
        )
    return table, formulas


def _header_index(table: list[list[str]], is_header: Callable[[str], bool]) -> int:
    """Return the index of the header row: the first of the top rows with the most recognised headers."""
    best, best_count = 0, 0
    for i, row in enumerate(table[:HEADER_SEARCH_ROWS]):
        count = sum(is_header(v) for v in row if v)
        if count > best_count:
            best, best_count = i, count
    return best


def _cell_text(value) -> str:
    """Return a workbook cell's value as the text a cadre typed (as far as the cell still holds it)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        # Excel keeps 15 significant digits: a whole number below 1e15 is exact, so its digits are the
        # text typed. From 1e15 on digits may be gone; repr keeps the float's form (5.2269910020101e+16,
        # 1000000000000000.0), which the checks refuse as a number Excel mangled.
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
        raise unreadable(file, error) from None
    return [[_cell_text(v) for v in row] for row in table]


def _read_xlsx(path: pathlib.Path, file: str, *, max_bytes: int) -> tuple[list[list[str]], dict]:
    """Return the first sheet's cells as text and its formula cells {(row, column index): formula}."""
    from python_calamine import CalamineWorkbook

    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(i.file_size for i in archive.infolist())
            if unpacked > UNZIP_RATIO_LIMIT * max(path.stat().st_size, 1) or unpacked > 10 * max_bytes:
                raise refused(
                    file,
                    f"{unpacked} bytes unpacked",
                    f"zip bomb refused: the workbook unpacks to over {UNZIP_RATIO_LIMIT} times its size; "
                    + _RESAVE[0],
                    f"疑似压缩炸弹，已拒绝：工作簿解压后超过原大小的 {UNZIP_RATIO_LIMIT} 倍；" + _RESAVE[1],
                )
            formulas = formula_cells(archive)
        book = CalamineWorkbook.from_path(str(path))
        table = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Refused:
        raise
    except Exception as error:  # zipfile, calamine and XML errors all mean the same to the user
        raise unreadable(file, error) from None
    return [[_cell_text(v) for v in row] for row in table], formulas


# A cell and its formula: <c r="C5" …><f …>A5+B5</f> or, for shared formulas, <c r="C6" …><f … si="0"/>.
_CELL_FORMULA = re.compile(rb'<c\b[^>]*?\br="([A-Z]+)([0-9]+)"[^>]*>\s*<f\b[^>]*?(?:/>|>([^<]*)</f>)')


def formula_cells(archive: zipfile.ZipFile) -> dict[tuple[int, int], str]:
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
        raise refused(
            file,
            None,
            "unreadable file: neither UTF-8 nor GBK text; save it from Excel as CSV UTF-8",
            "无法读取：既不是 UTF-8 也不是 GBK 编码的文本；请用 Excel 另存为“CSV UTF-8”",
        )
    try:
        return [[v.strip() for v in row] for row in csv.reader(io.StringIO(content, newline=""), strict=True)]
    except csv.Error as error:
        raise unreadable(file, error) from None
