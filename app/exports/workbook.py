"""XLSX written a row at a time (#15): openpyxl's write-only mode keeps each sheet's rows in a temporary
file as they come, where GDAL's XLSX driver holds the whole workbook in memory until it closes (about
550 MiB for a county's households), so a county's sheet costs the worker one chunk.
"""

from __future__ import annotations

import datetime
import math
import pathlib
from collections.abc import Iterable

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from .. import localtime

# How every workbook the service writes shows a share (0.125 → 12.5%).
SHARE_FORMAT = "0.0%"


class Workbook:
    """A workbook whose sheets are added in turn, each from tables (its chunks) with the same columns."""

    def __init__(self, path: pathlib.Path):
        self.path = path
        self._book = openpyxl.Workbook(write_only=True)

    def add(self, name: str, tables: Iterable[pd.DataFrame]) -> int:
        """Add sheet `name`: the first table's headers, then every table's rows; return the row count."""
        sheet = self._book.create_sheet(name)
        rows = -1
        for table in tables:
            if rows < 0:
                sheet.append([str(c) for c in table.columns])
                rows = 0
            for row in table.itertuples(index=False, name=None):
                sheet.append([_cell(sheet, value) for value in row])
            rows += len(table)
        return max(rows, 0)

    def save(self) -> None:
        self._book.save(self.path)


def _cell(sheet, value):
    """Return `value` as a cell takes it: numbers as numbers, text always text, moments in the county's
    zone (a spreadsheet has no zones), missing values empty."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters XML cannot hold
        if value.startswith("="):  # openpyxl would write a formula; `cells.neutralised` quotes these anyway
            cell = WriteOnlyCell(sheet, value)
            cell.data_type = "s"
            return cell
        return value
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.astimezone(localtime.zone()).replace(tzinfo=None)
    return value
