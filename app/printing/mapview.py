"""Where the world lands on paper: the map frame, its round scale and the area it shows.

Geometries arrive projected to a Gauss-Kruger zone in metres, so a scale is
true: one point on paper is `scale` points on the ground.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .frame import FOOTER_HEIGHT, LEGEND_HEIGHT, MARGIN, TITLE_HEIGHT, page_size

POINTS_PER_METRE = 72 / 0.0254
# Round scale denominators (times a power of ten) a page may use; the best is
# the smallest that fits the natural village on the page.
NICE_SCALES = (1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5)
# The area around a natural village a page shows, as a share of its extent.
PADDING = 0.08
MIN_EXTENT_M = 200.0
# Show only the houses (and a locator inset) when their extent is this many times smaller than the polygon's.
CLUSTER_RATIO = 2.5


@dataclass(frozen=True)
class View:
    """A map frame on a page: where the world rectangle lands, at what scale."""

    x: float
    y: float
    width: float
    height: float
    centre: tuple[float, float]  # world metres at the frame's centre
    scale: int  # denominator: 1 point on paper is `scale` points on the ground

    @property
    def points_per_metre(self) -> float:
        return POINTS_PER_METRE / self.scale

    def to_page(self, x: float, y: float) -> tuple[float, float]:
        k = self.points_per_metre
        return (
            self.x + self.width / 2 + (x - self.centre[0]) * k,
            self.y + self.height / 2 + (y - self.centre[1]) * k,
        )

    @property
    def world_bounds(self) -> tuple[float, float, float, float]:
        half_w, half_h = self.width / 2 / self.points_per_metre, self.height / 2 / self.points_per_metre
        cx, cy = self.centre
        return cx - half_w, cy - half_h, cx + half_w, cy + half_h


def nice_scale(denominator: float) -> int:
    """Return the smallest round scale denominator not below `denominator`."""
    exponent = 10 ** math.floor(math.log10(max(denominator, 1)))
    for step in (*NICE_SCALES, 10):
        if step * exponent >= denominator - 1e-9:
            return round(step * exponent)
    raise AssertionError("unreachable")


def nice_length(target: float) -> float:
    """Return the largest 1, 2 or 5 times a power of ten not above `target` (at least 1)."""
    exponent = 10 ** math.floor(math.log10(max(target, 1)))
    return max(step * exponent for step in (1, 2, 5) if step * exponent <= max(target, 1))


def map_box(size: tuple[float, float], *, legend: bool = True) -> tuple[float, float, float, float]:
    """Return (x, y, width, height) of the map frame on a page of `size`, above the legend if any."""
    width, height = size
    bottom = MARGIN + FOOTER_HEIGHT + (LEGEND_HEIGHT if legend else 0)
    return MARGIN, bottom, width - 2 * MARGIN, height - MARGIN - TITLE_HEIGHT - bottom


def padded(bounds: Sequence[float]) -> tuple[float, float, float, float]:
    """Return `bounds` padded, and grown to a minimum size, around their centre."""
    x0, y0, x1, y1 = bounds
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half_w = max((x1 - x0) * (1 + 2 * PADDING), MIN_EXTENT_M) / 2
    half_h = max((y1 - y0) * (1 + 2 * PADDING), MIN_EXTENT_M) / 2
    return cx - half_w, cy - half_h, cx + half_w, cy + half_h


def _fit(box, extent) -> float:
    _, _, width, height = box
    x0, y0, x1, y1 = extent
    return max((x1 - x0) * POINTS_PER_METRE / width, (y1 - y0) * POINTS_PER_METRE / height)


def plan_view(
    bounds: Sequence[float], *, paper: str, orientation: str, legend: bool = True
) -> tuple[tuple[float, float], View]:
    """Choose the page orientation (when "auto") and round scale that best show `bounds`.

    Returns
    -------
    (page size in points, View of the map frame)
    """
    extent = padded(bounds)
    choices = ("portrait", "landscape") if orientation == "auto" else (orientation,)
    # The orientation that allows the larger scale (smaller denominator) fits the area better.
    best = min(choices, key=lambda o: _fit(map_box(page_size(paper, o), legend=legend), extent))
    size = page_size(paper, best)
    return size, fitted(bounds, map_box(size, legend=legend))


def fitted(bounds: Sequence[float], box: tuple[float, float, float, float]) -> View:
    """Return the view of `bounds` (padded) in the frame `box` (x, y, width, height) at a round scale."""
    extent = padded(bounds)
    centre = ((extent[0] + extent[2]) / 2, (extent[1] + extent[3]) / 2)
    return View(*box, centre=centre, scale=nice_scale(_fit(box, extent)))


def focus(sheet: dict) -> tuple[float, float, float, float]:
    """Return the area a natural village's page shows: the whole village, or its houses when they cluster.

    Houses often huddle in a small part of the natural village's land; fitting the
    whole polygon would print their numbers on top of each other. When the
    houses' extent is much smaller than the polygon's, the page shows the houses
    and a locator inset shows the whole natural village.
    """
    bounds = sheet["geom"].bounds
    if len(sheet["households"]) < 2:
        return bounds
    xs = [h["x"] for h in sheet["households"]]
    ys = [h["y"] for h in sheet["households"]]
    houses = padded((min(xs), min(ys), max(xs), max(ys)))
    area = (houses[2] - houses[0]) * (houses[3] - houses[1])
    whole = (bounds[2] - bounds[0]) * (bounds[3] - bounds[1])
    return houses if area * CLUSTER_RATIO < whole else bounds
