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

from ..queries import imports as sql
from .household_checks import check
from .household_columns import FIELDS, HEADERS, LABELS, REQUIRED, is_header, recognise
from .problems import Problem
from .problems import Refused as _Refused
from .spreadsheets import UNZIP_RATIO_LIMIT, read_table

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
            path, result.file, max_bytes=max_bytes, problems=result.problems, is_header=is_header
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

    frame, bad = check(rows, header, header_row, fields, result, gcj02_input, swap_fix, today)
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
            path, result.file, max_bytes=max_bytes, problems=result.problems, is_header=is_header
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


def _recognise(header: list[str], mapping: Mapping[str, str], result: ImportResult) -> dict[str, str]:
    """Return header → field for the recognised columns; note them and the ignored ones in `result`."""
    result.columns, result.ignored_columns = recognise(header, mapping)
    return result.columns
