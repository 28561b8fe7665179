"""Spreadsheet cells that stay text: formula-looking values are neutralised in every CSV and XLSX we write.

Excel, WPS and LibreOffice run a cell whose text begins with = + - or @ (and,
after a leading tab or carriage return, the same) as a formula: an address
typed as ``=HYPERLINK("http://…", "点击")`` would become a live link, or worse,
when a leader opens an export. As OWASP advises, such text is written with a
single quote in front, which the spreadsheet shows as text; numbers stay
numbers. The importers drop that quote again (`restored`), so an export
re-imports unchanged.
"""

from __future__ import annotations

import pandas as pd

# First characters that make a spreadsheet program read a cell as a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def neutralise(value):
    """Return `value` with a quote in front when it is text a spreadsheet would run; anything else as is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return QUOTE + value
    return value


def neutralised(table: pd.DataFrame) -> pd.DataFrame:
    """Return `table` with its formula-looking text neutralised; numeric columns are left untouched."""
    out = table.copy()
    for name in out.columns:
        column = out[name]
        if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            continue
        try:
            risky = column.str.startswith(FORMULA_STARTS).fillna(False).astype(bool)
        except AttributeError:  # no text in this column (dates, geometries)
            continue
        if risky.any():
            out.loc[risky, name] = QUOTE + column[risky]
    return out


def restored(values: pd.Series) -> pd.Series:
    """Return text cells with the quote `neutralise` put before a formula start dropped again."""
    quoted = values.str.startswith(QUOTE).fillna(False).to_numpy(bool)
    if not quoted.any():
        return values
    ours = quoted.copy()
    ours[quoted] = values[quoted].str.slice(1).str.startswith(FORMULA_STARTS).to_numpy(bool)
    return values.where(~ours, values.str.slice(1))
