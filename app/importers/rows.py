"""A work spreadsheet (visit log, cadre register) as a frame of text fields, and its problems by row.

Work files (#11) share this: the header found among the top rows by the headers
the file kind recognises, one text column per field (empty when the file has
none), the row number a spreadsheet program shows, and problems worded in both
languages that mark their rows refused.
"""

from __future__ import annotations

import pathlib
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from .household_columns import normalise
from .households import ImportResult
from .problems import Problem, Refused
from .spreadsheets import read_table


def recogniser(headers: Mapping[str, str], fields: tuple[str, ...]) -> Callable[[str], str | None]:
    """Return header → field for a file kind: its known headers, or a field's own name."""

    def field_of(header: str) -> str | None:
        key = normalise(header)
        return key if key in fields else headers.get(key)

    return field_of


class Rows:
    """The file's rows as text fields (``row``: the number a spreadsheet shows), and which are refused."""

    def __init__(self, frame: pd.DataFrame, table: list[list[str]], result: ImportResult, column_of: dict):
        self.frame, self.table, self.result, self.column_of = frame, table, result, column_of
        self.bad = pd.Series(False, index=frame.index)
        read = {p.row for p in result.problems if p.row is not None}  # formula cells, truncated rows
        self.bad |= frame.row.isin(read)

    def flag(self, mask, field: str, reason: str, reason_zh: str) -> None:
        """Refuse the rows in `mask`, each with a problem in `field`."""
        mask = pd.Series(mask, index=self.frame.index).fillna(False).astype(bool)
        column = self.column_of.get(field, field)
        for i in np.flatnonzero(mask.to_numpy()):
            row = self.frame.iloc[i]
            problem = Problem(self.result.file, int(row["row"]), column, row.get(field), reason, reason_zh)
            self.result.problems.append(problem)
        self.bad |= mask

    def flag_rows(self, row_numbers, field: str, reason: str, reason_zh: str) -> None:
        """Refuse the rows numbered `row_numbers` (as the spreadsheet shows them)."""
        self.flag(self.frame.row.isin(list(row_numbers)), field, reason, reason_zh)

    def finish(self) -> None:
        """Count the refused rows and keep them, as read, for the rejected-rows workbook."""
        self.result.problems.sort(key=lambda p: (p.row or 0, p.column or ""))
        self.result.rejected = int(self.bad.sum())
        self.result.rejected_rows = [
            (int(self.frame.row.iloc[i]), self.table[i]) for i in np.flatnonzero(self.bad.to_numpy())
        ]


def read_rows(
    path: str | pathlib.Path,
    *,
    name: str | None,
    field_of: Callable[[str], str | None],
    fields: tuple[str, ...],
    required: Mapping[str, str],
    max_bytes: int,
) -> tuple[ImportResult, Rows | None]:
    """Read `path` (called `name` in problems) into `Rows` of `fields`; None when it cannot be imported.

    `required` maps each field a file must have to the header named when it is missing.
    """
    path = pathlib.Path(path)
    result = ImportResult(file=name or path.name)
    try:
        header_row, header, table = read_table(
            path,
            result.file,
            max_bytes=max_bytes,
            problems=result.problems,
            is_header=lambda header: field_of(header) is not None,
        )
    except Refused as refused:
        result.problems.append(refused.problem)
        return result, None
    result.header = header
    result.columns = {h: field_of(h) for h in header if h and field_of(h)}
    missing = [f for f in required if f not in result.columns.values()]
    for field in missing:
        result.problems.append(
            Problem(result.file, header_row, required[field], None, "required column missing", "缺少必需的列")
        )
    if not missing and not table:
        result.problems.append(
            Problem(result.file, None, None, None, "the sheet has no data rows", "没有数据行")
        )
    if missing or not table:
        return result, None
    raw = pd.DataFrame(table, columns=range(len(header)), dtype=str)
    frame = pd.DataFrame({"row": np.arange(header_row + 1, header_row + 1 + len(raw))})
    column_of = {}
    for field in fields:
        index = next((i for i, h in enumerate(header) if result.columns.get(h) == field), None)
        frame[field] = raw[index].fillna("").str.strip().to_numpy() if index is not None else ""
        column_of[field] = header[index] if index is not None else required.get(field, field)
    return result, Rows(frame, table, result, column_of)
