"""Household spreadsheets in: read → check → repair → reproject → upsert.

A cadre's form (一户一表 summary, .xlsx or .csv in UTF-8 or GBK) is read as
text (`spreadsheets`), its columns recognised (`household_columns`), every
value checked (`household_checks`), GCJ-02 converted when asked, and the rows
upserted by household code in the caller's transaction. Every problem is
reported as (file, row, column, value, reason); row numbers are those a
spreadsheet program shows.

Modes: all or nothing (the default: any problem and nothing is written) or
valid rows only (problem rows are skipped and listed).
"""

from __future__ import annotations

import dataclasses
import datetime
import pathlib
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from ..exports.cells import neutralise
from ..queries import imports as sql
from .household_checks import Reason, check
from .household_columns import FIELDS, HEADERS, LABELS, REQUIRED, is_header, recognise
from .problems import Problem
from .spreadsheets import UNZIP_RATIO_LIMIT, read_into, visible

__all__ = [
    "FIELDS",
    "HEADERS",
    "REQUIRED",
    "UNZIP_RATIO_LIMIT",
    "ImportResult",
    "Problem",
    "import_households",
    "preview",
]

# A point this close to the natural village its code names is fine: a house by a shared edge, a GPS
# reading a little off. Farther, the code or the point is wrong.
NATURAL_VILLAGE_TOLERANCE_M = 200
NO_ROWS: Reason = (
    "the sheet has no data rows; fill in the households under the header",
    "表中没有数据行；请在表头下逐行填写各户",
)
OUTSIDE_NATURAL_VILLAGES: Reason = (
    "point lies outside every natural village; check the longitude and latitude",
    "坐标点不在任何自然寨内；请核对经纬度",
)
UNKNOWN_NATURAL_VILLAGE: Reason = (
    "no natural village has this code; copy the code from the natural-village list, or leave it empty "
    "to place the household by its point",
    "没有这个编码的自然寨；请从自然寨名录复制编码，或留空（按坐标确定所在自然寨）",
)
OUTSIDE_YOUR_VILLAGES: Reason = (
    "household is outside the villages you may edit; ask an administrator or that village's cadre "
    "to import it",
    "该户不在您负责的行政村内；请由管理员或该村干部导入",
)


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
        """Write the rejected rows (original values, row number, reasons in Chinese and English) to an XLSX.

        Values are written as text a spreadsheet program will not run (a cell
        '=HYPERLINK(…)' stays text) and control characters are spelled out.
        """
        from openpyxl import Workbook

        reasons: dict[int | None, list[tuple[str, str]]] = {}
        for p in self.problems:
            where = f"{p.column}: " if p.column else ""
            reasons.setdefault(p.row, []).append((where + p.text("zh"), where + p.reason))
        book = Workbook(write_only=True)
        sheet = book.create_sheet("rejected 被拒绝的行")
        sheet.append(["行号 row", *map(_cell, self.header), "问题", "problems (English)"])
        for row, values in self.rejected_rows:
            found = reasons.get(row, [])
            sheet.append([row, *map(_cell, values), *("\n".join(r[k] for r in found) for k in (0, 1))])
        if None in reasons:
            blank = [None] * (1 + len(self.header))
            sheet.append([*blank, *("\n".join(r[k] for r in reasons[None]) for k in (0, 1))])
        book.save(path)


def _cell(value: str) -> str:
    """Return a file's value as a cell of the rejected-rows workbook: text, never a formula."""
    return neutralise(visible(value))


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
    result = ImportResult(file=name or pathlib.Path(path).name)
    report = progress or (lambda stage, done, total: None)
    read = _read(pathlib.Path(path), result, mapping=mapping or {}, max_bytes=max_bytes)
    if read is None:
        return result
    header_row, rows, fields = read
    report("read", 1, 4)
    frame, bad, result.swapped_fixed = check(
        rows,
        result.header,
        header_row,
        fields,
        file=result.file,
        problems=result.problems,
        gcj02_input=gcj02_input,
        swap_fix=swap_fix,
        today=today,
    )
    # Rows reported while reading (formula cells, truncated rows) are refused too.
    for problem in result.problems:
        if problem.row is not None and problem.row > header_row:
            bad.iloc[problem.row - header_row - 1] = True
    report("check", 2, 4)
    good, columns = _stage(frame[~bad], fields)
    misplaced = _misplaced(good, fields, result, allowed_villages=allowed_villages)
    for row in misplaced:
        bad.iloc[row - header_row - 1] = True
    report("place", 3, 4)
    result.problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    result.rejected = int(bad.sum())
    result.rejected_rows = [(header_row + 1 + int(i), rows[i]) for i in np.flatnonzero(bad.to_numpy())]
    if result.problems and not valid_only:
        sql.drop_stage()
        return result
    counts = sql.upsert_staged(columns=columns, skip_rows=sorted(misplaced))
    sql.drop_stage()
    result.written = True
    result.inserted, result.updated = counts["inserted"], counts["updated"]
    result.unchanged = len(good) - len(misplaced) - result.inserted - result.updated
    report("upsert", 4, 4)
    return result


def _stage(good: pd.DataFrame, fields: dict[str, str]) -> tuple[pd.DataFrame, list[str]]:
    """Stage the rows without problems, each with the natural village its code names.

    Returns the staged rows and the household columns the file fills (``code`` first).
    """
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
    return good, columns


def _misplaced(
    good: pd.DataFrame,
    fields: dict[str, str],
    result: ImportResult,
    *,
    allowed_villages: frozenset[int] | None,
) -> set[int]:
    """Place the staged rows; report, and return the row numbers of, those that cannot be written.

    A row is refused when its point lies in no natural village, its natural-village
    code names none, its point lies over NATURAL_VILLAGE_TOLERANCE_M outside the
    natural village its code names, or (for a cadre) it lies outside the user's villages.
    """
    column_of = {f: h for h, f in fields.items()}
    points = good.set_index("row")[["lon", "lat"]]

    def refuse(row: int, field: str, value: str | None, reason: Reason) -> None:
        result.problems.append(Problem(result.file, row, column_of[field], value, *reason))
        refused.add(row)

    refused: set[int] = set()
    for u in sql.place_staged():
        if u["reason"] == "outside":
            point = f"{points.at[u['row'], 'lon']}, {points.at[u['row'], 'lat']}"
            refuse(u["row"], "lon", point, OUTSIDE_NATURAL_VILLAGES)
        else:
            refuse(u["row"], "natural_village_code", u["natural_village_code"], UNKNOWN_NATURAL_VILLAGE)
    for a in sql.staged_away_from_stated(tolerance_m=NATURAL_VILLAGE_TOLERANCE_M):
        refuse(a["row"], "natural_village_code", a["code"], _away_reason(a))
    if allowed_villages is not None:
        for o in sql.staged_outside(sorted(allowed_villages)):
            refuse(o["row"], "code", o["code"], OUTSIDE_YOUR_VILLAGES)
    return refused


def _away_reason(away: Mapping) -> Reason:
    """Say how far a point lies outside the natural village its code names, and where it lies instead."""
    metres, stated = f"{away['metres']:,}", f"{away['code']} {away['name']}"
    if away["lies_in_code"] is None:
        lies_in, lies_in_zh = "none (no natural village)", "无（不在任何自然寨内）"
    else:
        lies_in = lies_in_zh = f"{away['lies_in_code']} {away['lies_in_name']}"
    return (
        f"the point lies {metres} m outside natural village {stated}, which this code names; the natural "
        f"village it lies in: {lies_in}. Correct the natural-village code or the longitude and latitude",
        f"坐标点在本编码所指的自然寨 {stated} 之外 {metres} 米；坐标点所在的自然寨：{lies_in_zh}。"
        "请改正自然寨编码或经纬度",
    )


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
    file-level problems and (in ``rejected_rows``, reused here) the first `rows` data rows,
    control characters spelled out.
    """
    result = ImportResult(file=name or pathlib.Path(path).name)
    read = _read(pathlib.Path(path), result, mapping=mapping or {}, max_bytes=max_bytes, need_rows=False)
    if read is not None:
        header_row, table, _ = read
        result.rejected_rows = [
            (header_row + 1 + i, [visible(v) for v in row]) for i, row in enumerate(table[:rows])
        ]
    return result


def _read(
    path: pathlib.Path,
    result: ImportResult,
    *,
    mapping: Mapping[str, str],
    max_bytes: int,
    need_rows: bool = True,
) -> tuple[int, list[list[str]], dict[str, str]] | None:
    """Read the file and recognise its columns into `result`; None when it cannot be imported at all.

    Returns (header row number, data rows, header → field), or None after
    noting why in ``result.problems``: an unreadable file, a required column
    missing or (when `need_rows`) no data rows.
    """
    if (read := read_into(result, path, max_bytes=max_bytes, is_header=is_header)) is None:
        return None
    header_row, rows = read
    fields, result.ignored_columns = recognise(result.header, mapping)
    result.columns = fields
    missing = [f for f in REQUIRED if f not in fields.values()]
    for field in missing:
        label = LABELS.get(field, field)
        reason = (
            f"required column missing; add a column headed {label}, or map your header to {field}",
            f"缺少必需的列；请添加表头为“{label}”的列，或把您的表头对应到 {field}",
        )
        result.problems.append(Problem(result.file, header_row, label, None, *reason))
    if need_rows and not rows and not missing:
        result.problems.append(Problem(result.file, None, None, None, *NO_ROWS))
    if need_rows and (missing or not rows):
        return None
    return header_row, rows, fields
