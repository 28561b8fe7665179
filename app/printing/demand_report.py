"""The monthly analysis report (民情分析会报告, #12) as an A4 PDF: figures, the month's map, the overdue list.

Drawn with the village maps' page furniture (`frame`: font, title band, footer with who printed
it and when in the county's zone; `furniture`: scale bar and north arrow; `roster`: the ruled
table), from plain data gathered by `app.demands.report`.
"""

import io
import math
from collections import Counter

from reportlab.lib.colors import HexColor, white
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from ..demands.lifecycle import OVERDUE_RING as RING
from ..demands.lifecycle import STATE_COLOURS
from . import drawing, frame, furniture, roster
from .frame import BOUNDARY, BOUNDARY_FILL, FOOTER_HEIGHT, INK, MARGIN, NEIGHBOUR, TITLE_HEIGHT, Page, percent
from .mapview import plan_view

STATE_ZH = {
    "registered": "已登记",
    "accepted": "已受理",
    "assigned": "已交办",
    "in_progress": "办理中",
    "reopened": "已重新办理",
    "answered": "已答复",
    "closed": "已办结",
}
ASSIGNEE_ZH = {"cadre": "干部", "village": "村", "township": "乡镇", "department": "县直部门"}
SIZE = frame.page_size("A4", "portrait")
ROW = 6.5 * mm
TEXT = 8.0
OVERDUE_RING = HexColor(RING)

_KIND_COLUMNS = [roster.Column("类别 Kind", 24, "kind_zh"), roster.Column("新增 Raised", 16, "raised")]
_KIND_COLUMNS += [roster.Column(zh, 16, state) for state, zh in STATE_ZH.items()]
_KIND_COLUMNS += [roster.Column("办结率 Solved", 0, "solved_share", weight=1.0)]
_OVERDUE_COLUMNS = (
    roster.Column("编号 No.", 14, "id"),
    roster.Column("类别 Kind", 16, "kind_zh"),
    roster.Column("诉求人 Person", 20, "person_name"),
    roster.Column("地点 Where", 0, "where", weight=1.0),
    roster.Column("登记 Raised", 20, "raised_on"),
    roster.Column("期限 Due", 20, "due_on"),
    roster.Column("逾期天数 Days", 16, "days_overdue"),
    roster.Column("状态 State", 18, "state_zh"),
    roster.Column("承办 Assignee", 30, "assignee_zh"),
)


def title(report: dict) -> str:
    """Return the report's heading: where, which month."""
    unit = report["unit"]
    parts = (unit["county"], unit["township"], unit["name"] if unit["level"] == "village" else None)
    month = report["month"].first
    return " · ".join(p for p in parts if p) + f"  民情分析会报告 {month.year}年{month.month}月"


def _rows_per_page(top: float) -> int:
    return int((top - MARGIN - FOOTER_HEIGHT - roster.HEADER_HEIGHT - 6 * mm) // ROW)


def report_pdf(report: dict, *, printed_by: str, printed_at) -> bytes:
    """Render the report: a page of figures and counts by kind, the month's map, the overdue list."""
    overdue = [_overdue_row(r) for r in report["overdue"]]
    per_page = _rows_per_page(SIZE[1] - MARGIN - TITLE_HEIGHT)
    overdue_pages = math.ceil(len(overdue) / per_page)
    page = Page(printed_by, printed_at, report["month"].cutoff, total=2 + overdue_pages)
    buffer = io.BytesIO()
    heading = title(report)
    canvas = frame.new_canvas(buffer, heading=heading, printed_by=printed_by)
    _figures_page(canvas, report, heading, page)
    _map_page(canvas, report, heading, page)
    for part in range(overdue_pages):
        frame.title(canvas, SIZE, heading, f"逾期未办结诉求 Overdue demands ({part + 1}/{overdue_pages})")
        chunk = overdue[part * per_page : (part + 1) * per_page]
        _table(canvas, chunk, _OVERDUE_COLUMNS, top=SIZE[1] - MARGIN - TITLE_HEIGHT)
        frame.footer(canvas, SIZE, page)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _table(canvas: Canvas, rows, columns, *, top: float) -> float:
    """Draw a ruled table with `roster`'s look across the page; return the y under it."""
    return roster.table(
        canvas, rows, roster.widths(columns, SIZE[0] - 2 * MARGIN), top=top, row_height=ROW, size=TEXT
    )


def _overdue_row(row: dict) -> dict:
    assignee = row["assignee"] or ""
    kind = ASSIGNEE_ZH.get(row["assignee_kind"] or "", "")
    return {
        **row,
        "where": f"{row['village']} · {row['natural_village']}",
        "state_zh": STATE_ZH[row["state"]],
        "assignee_zh": f"{kind} {assignee}".strip() or "—",
    }


def figure_lines(summary: dict) -> list[tuple[str, str]]:
    """Return the month's key figures as (label, value), in the order a meeting reads them."""
    return [
        ("本月新增诉求 Raised", str(summary["raised"])),
        ("已答复或办结 Solved", str(summary["solved"])),
        ("办结率 Solved share", percent(summary["solved_share"])),
        ("平均答复用时（工作日）Days to answer, working", _days(summary["working_days"])),
        ("平均答复用时（自然日）Days to answer, calendar", _days(summary["calendar_days"])),
        ("按期答复 Answered in time", f"{summary['answered_in_time']}/{summary['answered']}"),
        ("逾期未办结 Overdue (all months)", str(summary["overdue"])),
        ("本月评价 Ratings given", str(summary["rated"])),
        ("满意率（满意+基本满意）Satisfaction", percent(summary["satisfaction"])),
        ("不满意 Not satisfied", str(summary["displeased"])),
    ]


def _days(value) -> str:
    return "—" if value is None else f"{float(value):.1f}"


def _figures_page(canvas: Canvas, report: dict, heading: str, page: Page) -> None:
    month = report["month"]
    frame.title(
        canvas,
        SIZE,
        heading,
        f"统计截至 {month.cutoff:%Y-%m-%d} · 状态为当日状态 · 行政村 {len(report['unit']['villages'])} 个",
    )
    y = SIZE[1] - MARGIN - TITLE_HEIGHT - 4 * mm
    frame.text(canvas, MARGIN, y, "主要指标 Key figures", size=11)
    for n, (label, value) in enumerate(figure_lines(report["summary"])):
        column, row = divmod(n, 5)
        x = MARGIN + column * (SIZE[0] - 2 * MARGIN) / 2
        line_y = y - 7 * mm - row * 6 * mm
        frame.text(canvas, x, line_y, label, size=8.5)
        frame.text(canvas, x + 88 * mm, line_y, value, size=10, anchor="right")
    y -= 7 * mm + 5 * 6 * mm + 4 * mm
    frame.text(canvas, MARGIN, y, "按类别和状态 By kind and state (本月新增诉求的月末状态)", size=11)
    kinds = [
        {**k, "solved_share": percent(k["solved"] / k["raised"] if k["raised"] else None)}
        for k in report["kinds"]
    ]
    total = {c.field: sum(k[c.field] for k in report["kinds"]) for c in _KIND_COLUMNS[1:-1]}
    total |= {"kind_zh": "合计 Total", "solved_share": percent(report["summary"]["solved_share"])}
    y = _table(canvas, [*kinds, total], _KIND_COLUMNS, top=y - 3 * mm)
    notes = (
        "办结率 = 本月新增诉求中月末已答复或已办结的件数 ÷ 本月新增件数；"
        "满意率 = 本月评价中满意与基本满意 ÷ 评价件数。",
        "答复用时自受理日期至首次答复之日；工作日按国务院公布的节假日安排（含调休）计算。",
    )
    for n, note in enumerate(notes):
        frame.text(canvas, MARGIN, y - 6 * mm - n * 4.5 * mm, note, size=7)
    if not report["overdue"]:
        frame.text(canvas, MARGIN, y - 17 * mm, "逾期未办结诉求：无 No overdue demands", size=10)
    frame.footer(canvas, SIZE, page)
    canvas.showPage()


def _map_page(canvas: Canvas, report: dict, heading: str, page: Page) -> None:
    """Draw the month's demands as points coloured by state on the area's natural villages."""
    unit, points = report["unit"], report["points"]
    outline = unit["geom"]
    size, view = plan_view(outline.bounds, paper="A4", orientation="portrait")
    frame.title(
        canvas,
        size,
        heading,
        f"本月诉求分布图 Demands of the month · 比例尺 1:{view.scale:,} · "
        f"坐标系 {frame.crs_label(unit['srid'])}",
    )
    canvas.saveState()
    drawing.clip(canvas, view)
    villages = [(n["name"], n["geom"]) for n in unit["natural_villages"]]
    drawing.polygons(canvas, view, (g for _, g in villages), stroke=BOUNDARY, fill=BOUNDARY_FILL, width=0.4)
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(1.2)
    canvas.drawPath(drawing.ring_path(canvas, view, outline), stroke=1, fill=0)
    drawing.grid(canvas, view)
    for name, geometry in villages:
        drawing.label_polygon(canvas, view, geometry, name, size=6, colour=NEIGHBOUR)
    for demand in points:
        x, y = view.to_page(demand["x"], demand["y"])
        _point(canvas, x, y, STATE_COLOURS[demand["state"]], ringed=demand["overdue"])
    canvas.restoreState()
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.8)
    canvas.rect(view.x, view.y, view.width, view.height, stroke=1, fill=0)
    furniture.north_arrow(canvas, view, unit["srid"])
    _legend(canvas, view, points)
    frame.footer(canvas, size, page)
    canvas.showPage()


def _point(
    canvas: Canvas, x: float, y: float, colour: str, *, ringed: bool, radius: float = 1.3 * mm
) -> None:
    canvas.setFillColor(HexColor(colour))
    canvas.setStrokeColor(white)
    canvas.setLineWidth(0.4)
    canvas.circle(x, y, radius, stroke=1, fill=1)
    if ringed:
        canvas.setStrokeColor(OVERDUE_RING)
        canvas.setLineWidth(0.8)
        canvas.circle(x, y, radius + 0.9 * mm, stroke=1, fill=0)


def _legend(canvas: Canvas, view, demands) -> None:
    """Write the legend under the map: each state with its count, the overdue ring, the scale bar."""
    counts = Counter(d["state"] for d in demands)
    top = view.y - 4.5 * mm
    frame.text(
        canvas,
        MARGIN,
        top,
        f"图例 Legend · 本月诉求及逾期诉求 Demands of the month and overdue ones: {len(demands)}",
        size=8,
    )
    entries = [(STATE_ZH[s], STATE_COLOURS[s], counts[s], False) for s in STATE_ZH]
    entries.append(("逾期（红圈）Overdue", "#ffffff", sum(d["overdue"] for d in demands), True))
    for n, (label, colour, count, ringed) in enumerate(entries):
        column, row = divmod(n, 3)
        x = MARGIN + column * 36 * mm
        y = top - 5 * mm - row * 4.5 * mm
        _point(canvas, x + 1.5 * mm, y + 1 * mm, colour, ringed=ringed, radius=1.1 * mm)
        frame.text(canvas, x + 4.5 * mm, y, f"{label} ({count})", size=7)
    furniture.scale_bar(canvas, view, SIZE[0] - MARGIN - 50 * mm, top - 9 * mm, 45 * mm)
