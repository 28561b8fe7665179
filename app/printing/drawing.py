"""Drawing the map itself: polygons, clipping, the coordinate grid, area labels."""

import math
from collections.abc import Iterable

import shapely
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from . import frame
from .frame import GRID, NEIGHBOUR
from .mapview import View, nice_length

GRID_LABEL_SIZE = 5.5


def ring_path(canvas: Canvas, view: View, geometry):
    """Return a canvas path of a (Multi)Polygon's rings in page coordinates."""
    path = canvas.beginPath()
    for polygon in getattr(geometry, "geoms", [geometry]):
        for ring in (polygon.exterior, *polygon.interiors):
            coords = shapely.get_coordinates(ring)
            k = view.points_per_metre
            xs = view.x + view.width / 2 + (coords[:, 0] - view.centre[0]) * k
            ys = view.y + view.height / 2 + (coords[:, 1] - view.centre[1]) * k
            path.moveTo(xs[0], ys[0])
            for px, py in zip(xs[1:].tolist(), ys[1:].tolist(), strict=True):
                path.lineTo(px, py)
            path.close()
    return path


def clip(canvas: Canvas, view: View) -> None:
    """Clip what follows to the map frame of `view`."""
    path = canvas.beginPath()
    path.rect(view.x, view.y, view.width, view.height)
    canvas.clipPath(path, stroke=0, fill=0)


def _grid_lines(view: View) -> tuple[list[float], list[float]]:
    """Return the projected x and y of a round-interval grid over `view`."""
    x0, y0, x1, y1 = view.world_bounds
    step = nice_length((x1 - x0) / 5)
    xs = [step * n for n in range(math.ceil(x0 / step), math.floor(x1 / step) + 1)]
    ys = [step * n for n in range(math.ceil(y0 / step), math.floor(y1 / step) + 1)]
    return xs, ys


def grid_labels(view: View) -> list[tuple[float, float, str]]:
    """Return the grid's labels as (x, baseline y, text), inside the frame's bottom and left edges."""
    xs, ys = _grid_lines(view)
    placed = [(view.to_page(x, 0)[0] + 0.6 * mm, view.y + 1 * mm, f"{x:.0f}E") for x in xs]
    return placed + [(view.x + 1 * mm, view.to_page(0, y)[1] + 0.6 * mm, f"{y:.0f}N") for y in ys]


def grid(canvas: Canvas, view: View, labels: Iterable[tuple[float, float, str]] | None = None) -> None:
    """Draw a round-interval grid of projected coordinates, labelled inside the frame's edges."""
    xs, ys = _grid_lines(view)
    canvas.setStrokeColor(GRID)
    canvas.setLineWidth(0.3)
    canvas.setDash(2, 2)
    for x in xs:
        px, _ = view.to_page(x, 0)
        canvas.line(px, view.y, px, view.y + view.height)
    for y in ys:
        _, py = view.to_page(0, y)
        canvas.line(view.x, py, view.x + view.width, py)
    canvas.setDash()
    for x, y, value in grid_labels(view) if labels is None else labels:
        frame.text(canvas, x, y, value, size=GRID_LABEL_SIZE, colour=NEIGHBOUR)


def polygons(canvas: Canvas, view: View, geometries: Iterable, *, stroke, fill, width: float) -> None:
    """Draw (Multi)Polygons outlined in `stroke` and filled with `fill`; skip missing ones."""
    canvas.setStrokeColor(stroke)
    canvas.setFillColor(fill)
    canvas.setLineWidth(width)
    for geometry in geometries:
        if geometry is not None and not geometry.is_empty:
            canvas.drawPath(ring_path(canvas, view, geometry), stroke=1, fill=1, fillMode=1)


def label_point(view: View, geometry) -> tuple[float, float] | None:
    """Return the page point where `geometry`'s name goes, or None when it is too near the frame's edge."""
    point = geometry.representative_point()
    px, py = view.to_page(point.x, point.y)
    if (
        view.x + 5 * mm < px < view.x + view.width - 5 * mm
        and view.y + 3 * mm < py < view.y + view.height - 3 * mm
    ):
        return px, py
    return None


def label_polygon(canvas: Canvas, view: View, geometry, label: str, *, size: float, colour) -> None:
    """Write `label` at a point inside `geometry` when that point is inside the frame."""
    point = label_point(view, geometry)
    if point is not None:
        frame.text(canvas, *point, label, size=size, colour=colour, anchor="centre")
