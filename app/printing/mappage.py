"""A natural village's map pages, drawn from their layout (`app.printing.layout`).

The first page shows the natural village (or its houses, when they huddle in a
small part of it) with every number placed, crowds in insets; enlargement
sheets follow it when a crowd needs a larger scale. Each page carries the
title, legend, scale, north arrow and footer.
"""

from collections.abc import Sequence

from reportlab.lib.colors import white
from reportlab.pdfgen.canvas import Canvas

from . import drawing, frame, furniture, labels, symbols
from .frame import BOUNDARY, BOUNDARY_FILL, INK, NEIGHBOUR, NEIGHBOUR_FILL, Page, Style
from .labels import Label
from .layout import Inset, Layout, plan
from .mapview import View

LEADER_WIDTH = 0.3

__all__ = ["draw", "plan", "sheet_title"]


def draw(
    canvas: Canvas,
    sheet: dict,
    placed: Layout,
    *,
    size,
    keys: Sequence[str],
    page: Page,
    style: Style,
    atlas: str = "",
) -> None:
    """Draw the map pages of one natural village laid out as `placed`: the map, then its enlargements."""
    for layout in placed.sheets():
        _page(canvas, sheet, layout, size=size, keys=keys, page=page, style=style, atlas=atlas)


def _page(canvas: Canvas, sheet: dict, placed: Layout, *, size, keys, page: Page, style: Style, atlas: str):
    """Draw one map page: title, map, legend, scale, north, footer."""
    view, households = placed.view, placed.households
    subtitle = _sheet_subtitle(sheet, view, atlas=atlas)
    heading = sheet_title(sheet)
    if placed.tag:
        heading += f" · 放大图 {placed.tag} Enlargement"
    frame.title(canvas, size, heading, subtitle)
    canvas.saveState()
    drawing.clip(canvas, view)
    _background(canvas, sheet, view)
    drawing.grid(canvas, view, placed.grid)
    _neighbour_names(canvas, sheet, view, placed)
    flags = [symbols.shown_flags(h, keys) for h in households]
    _houses(canvas, placed.symbols, placed.labels, flags, style)
    for inset in placed.insets:
        _draw_inset(canvas, sheet, inset, flags, style)
    _outlines(canvas, placed)
    for tag in placed.tags:
        frame.text(canvas, tag.x, tag.y, tag.text, size=tag.size)
    canvas.restoreState()

    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.8)
    canvas.rect(view.x, view.y, view.width, view.height, stroke=1, fill=0)
    furniture.north_arrow(canvas, view, sheet["srid"])
    if placed.locator:
        furniture.locator(canvas, sheet, view, placed.locator)
    outlined = bool(placed.insets or placed.enlargements)
    furniture.legend(canvas, size, view, households, keys, style=style, insets=outlined)
    frame.footer(canvas, size, page)
    canvas.showPage()


def _outlines(canvas: Canvas, placed: Layout) -> None:
    """Outline, dashed, each crowd shown in an inset and each area an enlargement sheet shows."""
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.6)
    canvas.setDash(2, 1.5)
    areas = [inset.area for inset in placed.insets] + [outline for _, outline, _ in placed.enlargements]
    for area in areas:
        canvas.rect(area.x0, area.y0, area.width, area.height, stroke=1, fill=0)
    canvas.setDash()


def _background(canvas: Canvas, sheet: dict, view: View) -> None:
    drawing.polygons(
        canvas,
        view,
        (n["geom"] for n in sheet["neighbours"]),
        stroke=NEIGHBOUR,
        fill=NEIGHBOUR_FILL,
        width=0.5,
    )
    drawing.polygons(canvas, view, [sheet["geom"]], stroke=BOUNDARY, fill=BOUNDARY_FILL, width=1.4)


def _neighbour_names(canvas: Canvas, sheet: dict, view: View, placed: Layout) -> None:
    """Name the neighbours where the name covers no house, number or furniture."""
    taken = placed.occupied
    for neighbour in sheet["neighbours"]:
        point = drawing.label_point(view, neighbour["geom"])
        if point is None:
            continue
        width, height = labels.text_size(neighbour["name"], 8)
        name = labels.label_at(neighbour["name"], point[0] - width / 2, point[1] - height / 2, 8)
        if taken.free(name.box):
            taken.add(name.box)
            frame.text(canvas, name.x, name.y, name.text, size=8, colour=NEIGHBOUR)


def _houses(canvas: Canvas, boxes, placed: Sequence[Label | None], flags, style: Style) -> None:
    """Draw leader lines, then symbols over them, then numbers."""
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(LEADER_WIDTH)
    for label in placed:
        if label is not None and label.leader is not None:
            canvas.line(*label.leader)
    for box, shown in zip(boxes, flags, strict=True):
        symbols.symbol(canvas, *box.centre, shown, cell=style.cell)
    for label in placed:
        if label is not None:
            frame.text(canvas, label.x, label.y, label.text, size=label.size)


def _draw_inset(canvas: Canvas, sheet: dict, inset: Inset, flags, style: Style) -> None:
    """Draw the crowd's zoomed copy in the inset's box, framed over everything under it."""
    box = inset.box
    canvas.setFillColor(white)
    canvas.rect(box.x0, box.y0, box.width, box.height, stroke=0, fill=1)
    canvas.saveState()
    drawing.clip(canvas, inset.view)
    _background(canvas, sheet, inset.view)
    _houses(canvas, inset.symbols, inset.labels, [flags[n] for n in inset.members], style)
    canvas.restoreState()
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.8)
    canvas.rect(box.x0, box.y0, box.width, box.height, stroke=1, fill=0)
    caption = inset.caption
    frame.text(canvas, caption.x, caption.y, caption.text, size=caption.size)


def sheet_title(sheet: dict) -> str:
    """Return the title of a natural village's pages."""
    parts = (sheet.get("county"), sheet.get("township"), sheet.get("village"), sheet["name"])
    return " · ".join(p for p in parts if p) + "  民情地图"


def _sheet_subtitle(sheet: dict, view: View, *, atlas: str = "") -> str:
    prefix = f"{atlas} · " if atlas else ""
    return (
        f"{prefix}民情地图 · 自然寨代码 {sheet['code']} · 户数 {len(sheet['households'])} · "
        f"比例尺 1:{view.scale:,} · 坐标系 {frame.crs_label(sheet['srid'])}"
    )
