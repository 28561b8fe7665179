"""The leaders' one-page summary (概况, #13) as an A4 PDF: every indicator's total, its change since a
chosen day and its value at each year's end, and the areas ranked first by the chosen indicator.

Drawn with the village maps' page furniture (`frame`: the font, title band, and the footer with who
printed it and when in the county's zone) and `roster`'s ruled tables, from the figures the
dashboard shows the same reader (withheld counts stay withheld).
"""

import io

from reportlab.lib.units import mm

from . import frame, roster, summary_map
from .frame import MARGIN, TITLE_HEIGHT, Page, percent

SIZE = frame.page_size("A4", "portrait")
ROW = 5.6 * mm
TEXT = 8.0
RANKED = 15  # areas listed under the ranking
MAP_WIDTH = 80 * mm  # the map beside the ranking
GAP = 4 * mm

_TOTAL_COLUMNS = (
    roster.Column("指标 Indicator", 0, "label", weight=1.0),
    roster.Column("户数 Households", 24, "count"),
    roster.Column("占比/均值 Share or mean", 28, "value"),
    roster.Column("变化 Change", 32, "change"),
    roster.Column("历年年底→今天 Year-ends→today", 0, "years", weight=1.6),
)
_RANKED_COLUMNS = (
    roster.Column("名次 No.", 10, "rank"),
    roster.Column("名称 Name", 0, "name", weight=1.0),
    roster.Column("所属 In", 0, "parent", weight=1.0),
    roster.Column("户数 Households", 18, "households"),
    roster.Column("数值 Value", 26, "value"),
)


def _table(canvas, rows: list[dict], columns, *, top: float, width: float = SIZE[0] - 2 * MARGIN) -> float:
    """Draw a ruled table `width` wide from the left margin; return the y under it."""
    return roster.table(canvas, rows, roster.widths(columns, width), top=top, row_height=ROW, size=TEXT)


def _beside_map(canvas, figure: summary_map.AreaMap | None, *, top: float, draw_left) -> float:
    """Draw the map in a column at the right, from `top` down as far as what `draw_left` draws beside it.

    `draw_left(width)` draws the left column `width` wide and returns the y under it; so does this.
    """
    if figure is None:
        return draw_left(SIZE[0] - 2 * MARGIN)
    bottom = draw_left(SIZE[0] - 2 * MARGIN - MAP_WIDTH - GAP)
    x = SIZE[0] - MARGIN - MAP_WIDTH
    summary_map.draw(canvas, figure, (x, bottom, MAP_WIDTH, top - bottom))
    return bottom


def summary_pdf(summary: dict, *, printed_by: str, printed_at) -> bytes:
    """Render `summary` on one A4 page.

    Parameters
    ----------
    summary
        ``heading``, ``subtitle``, ``data_date``, ``totals`` (rows of label, count, value, change, years),
        ``ranking_title`` and ``ranking`` (rows of rank, name, parent, households, value),
        ``demands`` (lines of label and value, or empty) and ``map`` (`summary_map.AreaMap` or None).
    """
    buffer = io.BytesIO()
    canvas = frame.new_canvas(buffer, heading=summary["heading"], printed_by=printed_by)
    page = Page(printed_by, printed_at, summary["data_date"], total=1)
    frame.title(canvas, SIZE, summary["heading"], summary["subtitle"])
    y = SIZE[1] - MARGIN - TITLE_HEIGHT - 4 * mm
    frame.text(canvas, MARGIN, y, "各项指标 Every indicator", size=10)
    y = _table(canvas, summary["totals"], _TOTAL_COLUMNS, top=y - 2.5 * mm) - 7 * mm
    if summary["demands"]:
        frame.text(canvas, MARGIN, y, "群众诉求（本月）Demands this month", size=10)
        for n, (label, value) in enumerate(summary["demands"]):
            column, row = divmod(n, 2)
            x = MARGIN + column * (SIZE[0] - 2 * MARGIN) / 2
            frame.text(canvas, x, y - 5.5 * mm - row * 4.8 * mm, f"{label}：{value}", size=8.5)
        y -= 5.5 * mm + 2 * 4.8 * mm + 4 * mm
    frame.text(canvas, MARGIN, y, summary["ranking_title"], size=10)
    _beside_map(
        canvas,
        summary.get("map"),
        top=y + 3 * mm,
        draw_left=lambda width: _table(
            canvas, summary["ranking"][:RANKED], _RANKED_COLUMNS, top=y - 2.5 * mm, width=width
        ),
    )
    frame.footer(canvas, SIZE, page)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def demand_lines(figures: dict | None) -> list[tuple[str, str]]:
    """Return this month's demand figures of the dashboard (`app.demands.figures`) as (label, value)."""
    if not figures or not figures.get("months"):
        return []
    month = figures["months"][-1]

    def rate(key: str) -> str:
        withheld = month[f"{key.removesuffix('_share')}_withheld"]
        return "不公开 withheld" if withheld else percent(month[key])

    return [
        ("本月新增诉求 Raised this month", str(month["raised"])),
        ("逾期未办结 Overdue", str(month["overdue"])),
        ("办结率 Solved share", rate("solved_share")),
        ("满意率 Satisfaction", rate("satisfaction")),
    ]
