"""The household roster (农户名册) that follows a natural village's map, in single prints and atlases.

One ruled table across the page: who lives in each numbered house and what is
known (flags as their registry marks, address, and phone, helper and last
visit where the data has them), then blank columns 走访日期 / 情况 / 签字 with
rows tall enough to write in by hand during a visit.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.colors import HexColor
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from .. import indicators
from . import frame, symbols
from .frame import FOOTER_HEIGHT, INK, MARGIN, TITLE_HEIGHT, Page

HEADER_HEIGHT = 7 * mm
# Rows tall enough to write in by hand; A3 has the room for more, and larger, writing.
ROW_HEIGHTS = {"A4": 8 * mm, "A3": 9.5 * mm}
TEXT_SIZES = {"A4": 7.5, "A3": 9.5}
RULE = HexColor("#969696")
HEADER_FILL = HexColor("#d9d9d9")


@dataclass(frozen=True)
class Column:
    """A roster column: its heading, its share of the width (fixed mm or a flexible weight), and its field."""

    heading: str
    width: float  # mm when fixed; 0 for a flexible column
    field: str = ""  # the household key it prints; "" for a column left blank for handwriting
    weight: float = 0.0


# The data columns, each printed only when the households carry that field (members are left out
# where the role may not see them: they would give a sensitive flag away).
_DATA = (
    Column("编号 No.", 11, "number"),
    Column("户主 Head", 20, "head_name"),
    Column("人口 Members", 15, "members"),
    Column("标注 Flags", 22, "flags"),
    Column("地址 Address", 0, "address", weight=1.0),
    Column("电话 Phone", 25, "phone"),
    Column("帮扶人 Helper", 18, "helper"),
    Column("最近走访 Last visit", 20, "last_visit"),
)
# Blank columns filled in by hand on a visit.
_BLANK = (
    Column("走访日期 Visit date", 22),
    Column("情况 Notes", 0, weight=2.0),
    Column("签字 Signature", 20),
)


def paper_of(size: tuple[float, float]) -> str:
    """Return the paper name of a page of `size` points."""
    return "A3" if max(size) > 1000 else "A4"


def rows_per_page(size: tuple[float, float]) -> int:
    """Return how many households one roster page of `size` holds."""
    room = size[1] - 2 * MARGIN - TITLE_HEIGHT - FOOTER_HEIGHT - HEADER_HEIGHT - 4 * mm
    return int(room // ROW_HEIGHTS[paper_of(size)])


def table_geometry(size) -> tuple[int, int]:
    """Return (columns, rows per column) of the roster on a page of `size`: one table across the page."""
    return 1, rows_per_page(size)


def table_pages(households: int, size) -> int:
    """Return how many pages the roster of `households` households takes on pages of `size`."""
    return math.ceil(households / rows_per_page(size)) if households else 0


def columns_for(households: Sequence[dict], width: float) -> list[tuple[Column, float]]:
    """Return the columns to print for `households` with their widths in points, filling `width`."""
    chosen = [
        c
        for c in _DATA
        if c.field in ("number", "flags") or any(h.get(c.field) not in (None, "") for h in households)
    ]
    return widths([*chosen, *_BLANK], width)


def widths(columns: Sequence[Column], width: float) -> list[tuple[Column, float]]:
    """Return `columns` with their widths in points: fixed ones in mm, the others share what is left."""
    fixed = sum(c.width * mm for c in columns)
    weights = sum(c.weight for c in columns) or 1
    spare = max(width - fixed, 0)
    return [(c, c.width * mm if c.weight == 0 else spare * c.weight / weights) for c in columns]


def _cell(household: dict, column: Column) -> str:
    if column.field == "flags":
        return " ".join(symbols.MARKS[k] for k in household["shown_flags"])
    value = household.get(column.field)
    return "" if value is None else str(value)


def _flag_key(keys: Sequence[str]) -> str:
    return "标注 Flags: " + " · ".join(f"{symbols.MARKS[k]} {indicators.BY_KEY[k].zh}" for k in keys)


def draw(
    canvas: Canvas, sheet: dict, *, size, keys: Sequence[str], names: str, page: Page, heading: str
) -> None:
    """Draw the roster, continuing on as many pages as it needs.

    Columns follow the data: a field the query left out (a name the role may not see,
    an address) is not printed, and `names` only says so in the subtitle.
    """
    households = [{**h, "shown_flags": symbols.shown_flags(h, keys)} for h in sheet["households"]]
    paper = paper_of(size)
    per_page = rows_per_page(size)
    columns = columns_for(households, size[0] - 2 * MARGIN)
    total = table_pages(len(households), size)
    for part in range(total):
        subtitle = f"农户名册 Household list ({part + 1}/{total}) · 自然寨代码 Code {sheet['code']}"
        if names == "masked":
            subtitle += " · 户主姓名已隐去 Names masked"
        frame.title(canvas, size, heading, subtitle)
        top = size[1] - MARGIN - TITLE_HEIGHT
        chunk = households[part * per_page : (part + 1) * per_page]
        table(canvas, chunk, columns, top=top, row_height=ROW_HEIGHTS[paper], size=TEXT_SIZES[paper])
        below = top - HEADER_HEIGHT - len(chunk) * ROW_HEIGHTS[paper] - 3.5 * mm
        frame.text(canvas, MARGIN, below, _flag_key(keys), size=TEXT_SIZES[paper] - 1)
        frame.footer(canvas, size, page)
        canvas.showPage()


def table(canvas: Canvas, households, columns, *, top: float, row_height: float, size: float) -> float:
    """Draw the ruled table: a shaded header row, then one row per household (or any row of the
    columns' fields), every cell boxed; return the y under it. `columns` pairs each with its width."""
    left = MARGIN
    width = sum(w for _, w in columns)
    canvas.setFillColor(HEADER_FILL)
    canvas.rect(left, top - HEADER_HEIGHT, width, HEADER_HEIGHT, stroke=0, fill=1)
    x = left
    for column, column_width in columns:
        label = column.heading
        fitted = frame.fit_text(label, column_width - 2 * mm, size)
        frame.text(canvas, x + 1 * mm, top - HEADER_HEIGHT + 2.3 * mm, label, size=fitted)
        x += column_width
    for n, household in enumerate(households, start=1):
        baseline = top - HEADER_HEIGHT - n * row_height + (row_height - size) / 2 + 0.5
        x = left
        for column, column_width in columns:
            value = _cell(household, column)
            if value:
                fitted = frame.fit_text(value, column_width - 2 * mm, size)
                frame.text(canvas, x + 1 * mm, baseline, value, size=fitted)
            x += column_width
    _rules(canvas, columns, left=left, top=top, rows=len(households), row_height=row_height)
    return top - HEADER_HEIGHT - len(households) * row_height


def _rules(canvas: Canvas, columns, *, left: float, top: float, rows: int, row_height: float) -> None:
    """Rule every row and column, and frame the table."""
    height = HEADER_HEIGHT + rows * row_height
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.4)
    width = sum(w for _, w in columns)
    for n in range(rows + 1):
        y = top - HEADER_HEIGHT - n * row_height
        canvas.line(left, y, left + width, y)
    x = left
    for _, column_width in columns:
        canvas.line(x, top, x, top - height)
        x += column_width
    canvas.line(x, top, x, top - height)
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.8)
    canvas.rect(left, top - height, width, height, stroke=1, fill=0)
