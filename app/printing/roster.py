"""The household table (农户名册) that follows a natural village's map."""

import math
from collections.abc import Sequence

from reportlab.lib.colors import HexColor
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from .. import indicators
from . import frame, symbols
from .frame import FOOTER_HEIGHT, MARGIN, TITLE_HEIGHT, Page

ROW_HEIGHT = 4.6 * mm
TABLE_COLUMN_WIDTH = 92 * mm


def table_geometry(size) -> tuple[int, int]:
    """Return (columns, rows per column) of the household table on a page of `size`."""
    width, height = size
    columns = max(1, int((width - 2 * MARGIN + 4 * mm) // (TABLE_COLUMN_WIDTH + 4 * mm)))
    rows = int((height - 2 * MARGIN - TITLE_HEIGHT - FOOTER_HEIGHT - ROW_HEIGHT) // ROW_HEIGHT)
    return columns, rows


def table_pages(households: int, size) -> int:
    """Return how many pages the table of `households` households takes on pages of `size`."""
    columns, rows = table_geometry(size)
    return math.ceil(households / (columns * rows)) if households else 0


def _flag_text(flags: Sequence[str]) -> str:
    return "、".join(indicators.BY_KEY[k].zh.removesuffix("户") for k in flags)


def draw(
    canvas: Canvas, sheet: dict, *, size, keys: Sequence[str], names: str, page: Page, heading: str
) -> None:
    """Draw the household table in columns, continuing on as many pages as it needs."""
    households = sheet["households"]
    columns, rows = table_geometry(size)
    per_page = columns * rows
    show_names = names != "omitted"
    widths = (9 * mm, 18 * mm if show_names else 0, 12 * mm)
    flags_width = TABLE_COLUMN_WIDTH - sum(widths)
    total = table_pages(len(households), size)
    for part in range(total):
        head = "户主 Head" + (" (masked)" if names == "masked" else "")
        frame.title(
            canvas,
            size,
            heading,
            f"农户名册 Household list ({part + 1}/{total}) · 自然寨代码 Code {sheet['code']}",
        )
        chunk = households[part * per_page : (part + 1) * per_page]
        for column in range(columns):
            rows_here = chunk[column * rows : (column + 1) * rows]
            if not rows_here:
                break
            x = MARGIN + column * (TABLE_COLUMN_WIDTH + 4 * mm)
            y = size[1] - MARGIN - TITLE_HEIGHT - ROW_HEIGHT + 1.3 * mm
            headers = ("编号 No.", head if show_names else "", "人口 Members", "标注 Flags")
            _table_row(canvas, x, y, headers, widths, flags_width, header=True)
            for n, household in enumerate(rows_here, start=1):
                flags = symbols.shown_flags(household, keys)
                cells = (
                    str(household["number"]),
                    household.get("head_name") or "" if show_names else "",
                    str(household["members"]),
                    _flag_text(flags),
                )
                _table_row(canvas, x, y - n * ROW_HEIGHT, cells, widths, flags_width, shade=n % 2 == 0)
        frame.footer(canvas, size, page)
        canvas.showPage()


def _table_row(canvas: Canvas, x, y, cells, widths, flags_width, *, header=False, shade=False) -> None:
    if header or shade:
        canvas.setFillColor(HexColor("#d9d9d9" if header else "#f2f2f2"))
        canvas.rect(x, y - 1.3 * mm, TABLE_COLUMN_WIDTH, ROW_HEIGHT, stroke=0, fill=1)
    offset = x + 1 * mm
    for value, width in zip(cells, (*widths, flags_width), strict=True):
        if width:
            frame.text(canvas, offset, y, value, size=frame.fit_text(value, width - 1.5 * mm, 7))
        offset += width
