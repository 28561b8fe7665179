"""Map furniture: the legend, scale bar, north arrow and the locator of the whole natural village."""

import math
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

import pyproj
from reportlab.lib.colors import white
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from .. import indicators
from . import drawing, frame, symbols
from .frame import BOUNDARY, BOUNDARY_FILL, INK, LEGEND_HEIGHT, MARGIN, NEIGHBOUR, NEIGHBOUR_FILL
from .labels import Box
from .mapview import POINTS_PER_METRE, View, nice_length, padded

INSET_SIZE = 38 * mm
LEGEND_ROWS = 5
MIN_LEGEND_TEXT = 5.5  # points: below this a legend label drops its English


@lru_cache(maxsize=8)
def _to_lonlat(srid: int) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(srid, 4490, always_xy=True)


def north_arrow(canvas: Canvas, view: View, srid: int) -> None:
    """Draw a north arrow pointing at true north (grid north differs by the meridian convergence)."""
    lon, lat = _to_lonlat(srid).transform(*view.centre)
    gamma = pyproj.Proj(f"EPSG:{srid}").get_factors(lon, lat).meridian_convergence
    cx, cy = view.x + view.width - 9 * mm, view.y + view.height - 13 * mm
    canvas.saveState()
    canvas.translate(cx, cy)
    canvas.rotate(gamma)
    path = canvas.beginPath()
    path.moveTo(0, 7 * mm)
    path.lineTo(-2.5 * mm, -3 * mm)
    path.lineTo(0, -1.5 * mm)
    path.lineTo(2.5 * mm, -3 * mm)
    path.close()
    canvas.setFillColor(INK)
    canvas.setStrokeColor(white)
    canvas.setLineWidth(0.5)
    canvas.drawPath(path, stroke=1, fill=1)
    frame.text(canvas, 0, 8.2 * mm, "北 N", size=8, anchor="centre")
    canvas.restoreState()


def scale_bar(canvas: Canvas, view: View, x: float, y: float, width: float) -> None:
    """Draw a four-segment scale bar of a round length at most `width` points long, and the scale."""
    length = nice_length(width / view.points_per_metre)
    bar = length * view.points_per_metre
    for n in range(4):
        canvas.setFillColor(INK if n % 2 == 0 else white)
        canvas.setStrokeColor(INK)
        canvas.setLineWidth(0.5)
        canvas.rect(x + n * bar / 4, y, bar / 4, 1.6 * mm, stroke=1, fill=1)
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    frame.text(canvas, x, y + 2.4 * mm, "0", size=6.5, anchor="centre")
    frame.text(canvas, x + bar, y + 2.4 * mm, label, size=6.5, anchor="centre")
    frame.text(canvas, x, y - 3.5 * mm, f"比例尺 Scale 1:{view.scale:,}", size=7.5)


def north_arrow_box(view: View) -> Box:
    """Return the box the north arrow and its letter take in the frame's top right corner."""
    cx, cy = view.x + view.width - 9 * mm, view.y + view.height - 13 * mm
    return Box(cx - 5 * mm, cy - 4.5 * mm, cx + 5 * mm, cy + 11.5 * mm)


def locator_view(sheet: dict, view: View) -> View | None:
    """Return where the locator of the whole natural village goes, or None when the page shows it all.

    It goes in the frame corner that covers the fewest houses.
    """
    x0, y0, x1, y1 = view.world_bounds
    bx0, by0, bx1, by1 = padded(sheet["geom"].bounds)
    if bx0 >= x0 and by0 >= y0 and bx1 <= x1 and by1 <= y1:
        return None
    scale = max(bx1 - bx0, by1 - by0) * POINTS_PER_METRE / INSET_SIZE
    width = (bx1 - bx0) * POINTS_PER_METRE / scale
    height = (by1 - by0) * POINTS_PER_METRE / scale
    gap = 2 * mm
    corners = [
        (view.x + gap, view.y + gap + 4 * mm),  # above the grid labels
        (view.x + view.width - gap - width, view.y + gap + 4 * mm),
        (view.x + gap + 6 * mm, view.y + view.height - gap - height),
        (view.x + view.width - gap - width - 20 * mm, view.y + view.height - gap - height),  # by the arrow
    ]
    points = [view.to_page(h["x"], h["y"]) for h in sheet["households"]]

    def covered(corner) -> int:
        cx, cy = corner
        # Houses under the locator and near enough its edge for their numbers to need the room.
        return sum(
            cx - 5 * mm <= px <= cx + width + 5 * mm and cy - 5 * mm <= py <= cy + height + 5 * mm
            for px, py in points
        )

    left, bottom = min(corners, key=covered)
    return View(left, bottom, width, height, centre=((bx0 + bx1) / 2, (by0 + by1) / 2), scale=round(scale))


def locator(canvas: Canvas, sheet: dict, view: View, inset: View) -> None:
    """Draw the locator `inset`: the whole natural village, and the area `view` shows on it."""
    x0, y0, x1, y1 = view.world_bounds
    left, bottom, width, height = inset.x, inset.y, inset.width, inset.height
    canvas.saveState()
    canvas.setFillColor(white)
    canvas.rect(left, bottom, width, height, stroke=0, fill=1)
    drawing.clip(canvas, inset)
    drawing.polygons(
        canvas,
        inset,
        (n["geom"] for n in sheet["neighbours"]),
        stroke=NEIGHBOUR,
        fill=NEIGHBOUR_FILL,
        width=0.3,
    )
    drawing.polygons(canvas, inset, [sheet["geom"]], stroke=BOUNDARY, fill=BOUNDARY_FILL, width=0.8)
    (px0, py0), (px1, py1) = inset.to_page(x0, y0), inset.to_page(x1, y1)
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.8)
    canvas.rect(px0, py0, px1 - px0, py1 - py0, stroke=1, fill=0)
    canvas.restoreState()
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.5)
    canvas.rect(left, bottom, width, height, stroke=1, fill=0)
    frame.text(canvas, left + 1 * mm, bottom + height - 3 * mm, "位置图 Locator", size=5.5)


def legend(
    canvas: Canvas,
    size,
    view: View,
    households: Sequence[dict],
    keys: Sequence[str],
    *,
    style: frame.Style,
    insets: bool = False,
) -> None:
    """Draw the legend strip under the map: symbols, the indicators on this page with counts, scale."""
    counts = Counter(k for h in households for k in symbols.shown_flags(h, keys))
    top = view.y - 4.5 * mm
    frame.text(canvas, MARGIN, top, "图例 Legend", size=8)
    # (Chinese, English, count or None, what to draw) of each entry.
    items: list[tuple[str, str, int | None, tuple]] = [
        ("本自然寨", "This natural village", None, ("area", (BOUNDARY, BOUNDARY_FILL))),
        ("相邻自然寨", "Neighbours", None, ("area", (NEIGHBOUR, NEIGHBOUR_FILL))),
        ("农户及编号", "Household, number", len(households), ("symbol", [])),
    ]
    items += [
        (indicators.BY_KEY[k].zh, indicators.BY_KEY[k].en, counts[k], ("symbol", [k]))
        for k in keys
        if counts[k]
    ]
    if insets:
        items.append(
            (
                "虚线框 放大见同名插图或放大图",
                "Dashed box: enlarged in the inset or page named",
                None,
                ("inset", None),
            )
        )
    scale_width = 55 * mm
    room = size[0] - 2 * MARGIN - scale_width
    # As many columns as keep the rows apart, each at least wide enough for the labels at this size.
    columns = max(1, int(room // (62 * mm * style.legend / 6.5)), math.ceil(len(items) / LEGEND_ROWS))
    column_width = room / columns
    rows = math.ceil(len(items) / columns)
    row_height = min(max(3.6 * mm, style.cell + 0.6 * mm), (LEGEND_HEIGHT - 7 * mm) / max(rows, 1))
    cell = min(style.cell, row_height - 0.6 * mm)
    for n, (zh, en, count, (kind, item)) in enumerate(items):
        column, row = divmod(n, rows)
        x = MARGIN + column * column_width
        y = top - 4 * mm - row * row_height
        swatch(canvas, kind, item, x, y, cell)
        legend_label(canvas, x + 5.5 * mm, y, zh, en, count, width=column_width - 7 * mm, size=style.legend)
    scale_bar(canvas, view, size[0] - MARGIN - scale_width + 3 * mm, top - 9 * mm, scale_width - 8 * mm)


def swatch(canvas: Canvas, kind: str, item, x: float, y: float, cell: float) -> None:
    """Draw a legend entry's sample: an area's colours, a dashed box, or a household symbol."""
    if kind == "area":
        canvas.setStrokeColor(item[0])
        canvas.setFillColor(item[1])
        canvas.setLineWidth(1)
        canvas.rect(x, y - 0.4 * mm, 4 * mm, 2.4 * mm, stroke=1, fill=1)
    elif kind == "inset":
        canvas.setStrokeColor(INK)
        canvas.setLineWidth(0.6)
        canvas.setDash(2, 1.5)
        canvas.rect(x, y - 0.4 * mm, 4 * mm, 2.4 * mm, stroke=1, fill=0)
        canvas.setDash()
    else:
        symbols.symbol(canvas, x + max(len(item), 1) * cell / 2, y + 0.8 * mm, item, cell=cell)


def legend_label(canvas: Canvas, x, y, zh: str, en: str, count, *, width: float, size: float) -> None:
    """Write a legend entry in Chinese and English, or in Chinese only where both would be too small."""
    suffix = "" if count is None else f" ({count})"
    label = f"{zh} {en}{suffix}"
    fitted = frame.fit_text(label, width, size)
    if fitted < MIN_LEGEND_TEXT:
        label = zh + suffix
        fitted = frame.fit_text(label, width, size)
    frame.text(canvas, x, y, label, size=fitted)
