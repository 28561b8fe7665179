"""Place household numbers on a map so that no two overlap and none covers a house.

A number goes first in one of eight places touching its house's symbol (right,
then the other sides and corners); a house whose eight places are all taken
gets its number further out, on rings of 16 directions (the ones facing away
from the crowd first), joined to the house by a thin leader line that crosses
no other house, number or leader. `app.printing.mappage` decides what happens to
houses left without a place (a zoomed inset of their cluster).

Everything is in page points. A text's box is the one PDF readers report for it
(`pdftotext -bbox-layout`): its advance width, from the font's descent below the
baseline to its ascent above.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from reportlab.pdfbase import pdfmetrics

from . import frame

# Candidate places touching the symbol, in order of preference: unit vectors from the symbol's centre.
_AROUND = ((1, 0), (1, 1), (1, -1), (-1, 0), (-1, 1), (-1, -1), (0, 1), (0, -1))
_DIRECTIONS = 16
# The spatial index's cell, in points: about a label's size, so a query touches few cells.
_CELL = 12.0


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle on the page, in points."""

    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: "Box") -> bool:
        """Say whether the two boxes share some area (touching edges do not count)."""
        return self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1

    def grown(self, by: float) -> "Box":
        return Box(self.x0 - by, self.y0 - by, self.x1 + by, self.y1 + by)

    def shifted(self, dx: float, dy: float) -> "Box":
        return Box(self.x0 + dx, self.y0 + dy, self.x1 + dx, self.y1 + dy)

    def inside(self, other: "Box") -> bool:
        return self.x0 >= other.x0 and self.y0 >= other.y0 and self.x1 <= other.x1 and self.y1 <= other.y1

    @property
    def centre(self) -> tuple[float, float]:
        return (self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0


Segment = tuple[float, float, float, float]


@dataclass(frozen=True)
class Label:
    """A text placed on the page: its baseline start, size, box, and leader line if any."""

    text: str
    x: float
    y: float
    size: float
    box: Box
    leader: Segment | None = None

    def shifted(self, dx: float, dy: float) -> "Label":
        leader = self.leader
        if leader is not None:
            leader = (leader[0] + dx, leader[1] + dy, leader[2] + dx, leader[3] + dy)
        return Label(self.text, self.x + dx, self.y + dy, self.size, self.box.shifted(dx, dy), leader)


@lru_cache(maxsize=1)
def _extents() -> tuple[float, float]:
    face = pdfmetrics.getFont(frame.font()).face
    return face.ascent / 1000, -face.descent / 1000


def descent(size: float) -> float:
    """Return how far a text's box reaches below its baseline at font `size`."""
    return _extents()[1] * size


def text_size(value: str, size: float) -> tuple[float, float]:
    """Return (width, height) of `value`'s box at font `size`."""
    ascent, descent = _extents()
    return pdfmetrics.stringWidth(value, frame.font(), size), (ascent + descent) * size


def label_at(value: str, x0: float, y0: float, size: float, leader: Segment | None = None) -> Label:
    """Return `value` at `size` placed with its box's lower left corner at (x0, y0)."""
    width, height = text_size(value, size)
    _, descent = _extents()
    return Label(value, x0, y0 + descent * size, size, Box(x0, y0, x0 + width, y0 + height), leader)


class Occupied:
    """What is already on the page: boxes and segments in a grid index, each with an owner."""

    def __init__(self) -> None:
        self._boxes: dict[tuple[int, int], list[tuple[Box, object]]] = {}
        self._segments: dict[tuple[int, int], list[tuple[Segment, object]]] = {}
        self.boxes: list[Box] = []
        self.segments: list[Segment] = []

    @staticmethod
    def _cells(x0: float, y0: float, x1: float, y1: float) -> Iterable[tuple[int, int]]:
        for i in range(math.floor(x0 / _CELL), math.floor(x1 / _CELL) + 1):
            for j in range(math.floor(y0 / _CELL), math.floor(y1 / _CELL) + 1):
                yield i, j

    def add(self, box: Box, owner: object = None) -> None:
        self.boxes.append(box)
        for cell in self._cells(box.x0, box.y0, box.x1, box.y1):
            self._boxes.setdefault(cell, []).append((box, owner))

    def add_segment(self, segment: Segment, owner: object = None) -> None:
        self.segments.append(segment)
        x0, y0, x1, y1 = segment
        for cell in self._cells(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)):
            self._segments.setdefault(cell, []).append((segment, owner))

    def free(self, box: Box) -> bool:
        """Say whether `box` overlaps nothing placed and is crossed by no segment."""
        for cell in self._cells(box.x0, box.y0, box.x1, box.y1):
            for other, _ in self._boxes.get(cell, ()):
                if box.overlaps(other):
                    return False
            for segment, _ in self._segments.get(cell, ()):
                if _crosses_box(segment, box):
                    return False
        return True

    def clear_path(self, segment: Segment, owner: object) -> bool:
        """Say whether `segment` crosses no box (but `owner`'s own) and no other segment."""
        x0, y0, x1, y1 = segment
        for cell in self._cells(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)):
            for box, who in self._boxes.get(cell, ()):
                if who != owner and _crosses_box(segment, box):
                    return False
            for other, _ in self._segments.get(cell, ()):
                if _crosses(segment, other):
                    return False
        return True


def _crosses_box(segment: Segment, box: Box) -> bool:
    """Say whether `segment` passes through the inside of `box` (Liang-Barsky clipping)."""
    x0, y0, x1, y1 = segment
    dx, dy = x1 - x0, y1 - y0
    low, high = 0.0, 1.0
    for p, q in ((-dx, x0 - box.x0), (dx, box.x1 - x0), (-dy, y0 - box.y0), (dy, box.y1 - y0)):
        if p == 0:
            if q <= 0:
                return False
        elif p < 0:
            low = max(low, q / p)
        else:
            high = min(high, q / p)
        if low >= high:
            return False
    return True


def _crosses(a: Segment, b: Segment) -> bool:
    """Say whether two segments cross at a point inside both (sharing an end does not count)."""

    def side(x0, y0, x1, y1, x, y) -> float:
        return (x1 - x0) * (y - y0) - (y1 - y0) * (x - x0)

    return side(*a, b[0], b[1]) * side(*a, b[2], b[3]) < 0 and side(*b, a[0], a[1]) * side(*b, a[2], a[3]) < 0


def place(
    symbols: Sequence[Box],
    texts: Sequence[str],
    occupied: Occupied,
    *,
    within: Box,
    size: float,
    gap: float,
    reach: float,
    owners: Sequence[object] | None = None,
) -> list[Label | None]:
    """Place each text by its symbol without overlap; return the labels (None where none fits).

    Parameters
    ----------
    symbols
        The box of each house's symbol; `occupied` must already hold them (with `owners`).
    texts
        The number to write by each symbol.
    occupied
        Everything already on the page; the placed labels and leaders are added to it.
    within
        The area labels must stay inside (the map frame).
    size
        Font size in points.
    gap
        Space kept between a label and anything else.
    reach
        How far from its symbol's centre a label may go on a leader line.
    owners
        The owner each symbol was added to `occupied` with (default: its index).
    """
    owners = list(range(len(symbols))) if owners is None else owners
    placed: list[Label | None] = [None] * len(symbols)
    bounds = within.grown(-gap)
    for n, (symbol, value) in enumerate(zip(symbols, texts, strict=True)):
        width, height = text_size(value, size)
        for candidate in around(symbol, width, height, gap):
            if candidate.inside(bounds) and occupied.free(candidate.grown(gap)):
                placed[n] = _keep(occupied, value, candidate, size, None, owners[n])
                break
    centres = [s.centre for s in symbols]
    for n in [n for n, label in enumerate(placed) if label is None]:
        width, height = text_size(texts[n], size)
        for candidate, leader in _further(symbols[n], centres, width, height, gap=gap, reach=reach):
            if (
                candidate.inside(bounds)
                and occupied.free(candidate.grown(gap))
                and occupied.clear_path(leader, owners[n])
            ):
                placed[n] = _keep(occupied, texts[n], candidate, size, leader, owners[n])
                break
    return placed


def _keep(occupied: Occupied, value: str, box: Box, size: float, leader: Segment | None, owner) -> Label:
    label = label_at(value, box.x0, box.y0, size, leader)
    occupied.add(box, owner)
    if leader is not None:
        occupied.add_segment(leader, owner)
    return label


def around(symbol: Box, width: float, height: float, gap: float) -> Iterable[Box]:
    """Yield the eight places touching `symbol`'s box, in order of preference, a `gap` away from it."""
    cx, cy = symbol.centre
    half_w, half_h = symbol.width / 2, symbol.height / 2
    for dx, dy in _AROUND:
        x = cx + dx * (half_w + gap)
        y = cy + dy * (half_h + gap)
        x0 = x if dx > 0 else x - width if dx < 0 else x - width / 2
        y0 = y if dy > 0 else y - height if dy < 0 else y - height / 2
        yield Box(x0, y0, x0 + width, y0 + height)


def _further(
    symbol: Box,
    centres: Sequence[tuple[float, float]],
    width: float,
    height: float,
    *,
    gap: float,
    reach: float,
) -> Iterable[tuple[Box, Segment]]:
    """Yield places on rings ever further from `symbol`, each with the leader line that reaches it.

    On each ring the directions facing away from the nearby houses come first.
    """
    cx, cy = symbol.centre
    radius = max(symbol.width, symbol.height) / 2
    near = [(x, y) for x, y in centres if abs(x - cx) < 4 * reach and abs(y - cy) < 4 * reach]
    mx = sum(x for x, _ in near) / len(near)
    my = sum(y for _, y in near) / len(near)
    away = math.atan2(cy - my, cx - mx) if (cx, cy) != (mx, my) else 0.0
    steps = [away + k * 2 * math.pi / _DIRECTIONS for k in range(_DIRECTIONS)]
    steps.sort(key=lambda a: abs(math.remainder(a - away, 2 * math.pi)))
    directions = [(math.cos(a), math.sin(a)) for a in steps]
    distance = radius + gap + height
    while distance <= reach:
        for dx, dy in directions:
            ax, ay = cx + distance * dx, cy + distance * dy
            # The label's side (or corner) facing the house touches the ring.
            x0 = ax if dx > 0.38 else ax - width if dx < -0.38 else ax - width / 2
            y0 = ay if dy > 0.38 else ay - height if dy < -0.38 else ay - height / 2
            box = Box(x0, y0, x0 + width, y0 + height)
            end = (min(max(cx, box.x0), box.x1), min(max(cy, box.y0), box.y1))
            yield box, (cx + radius * dx, cy + radius * dy, *end)
        distance += 0.8 * height


def free_spot(
    obstacles: Iterable[Box],
    segments: Iterable[Segment],
    within: Box,
    width: float,
    height: float,
    *,
    near: Sequence[tuple[float, float]],
    step: float = 2.0,
) -> Box | None:
    """Return the `width` x `height` box inside `within` that overlaps no obstacle, nearest one of `near`.

    The page is rasterised into `step`-point cells (any cell an obstacle or segment
    touches is taken), so every position is tested at once with a summed-area table.
    None when there is no room.
    """
    columns, rows = int(within.width // step), int(within.height // step)
    w, h = math.ceil(width / step), math.ceil(height / step)
    if w > columns or h > rows or w < 1 or h < 1:
        return None
    taken = np.zeros((rows, columns), dtype=np.int32)

    def cells(x0: float, y0: float, x1: float, y1: float) -> tuple[slice, slice]:
        i0 = max(math.floor((y0 - within.y0) / step), 0)
        j0 = max(math.floor((x0 - within.x0) / step), 0)
        return slice(i0, max(math.ceil((y1 - within.y0) / step), i0)), slice(
            j0, max(math.ceil((x1 - within.x0) / step), j0)
        )

    for box in obstacles:
        taken[cells(box.x0, box.y0, box.x1, box.y1)] = 1
    for x0, y0, x1, y1 in segments:
        samples = max(2, math.ceil(math.hypot(x1 - x0, y1 - y0) / (step / 2)) + 1)
        for t in np.linspace(0, 1, samples):
            x, y = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
            taken[cells(x, y, x + 1e-6, y + 1e-6)] = 1
    table = np.zeros((rows + 1, columns + 1), dtype=np.int32)
    table[1:, 1:] = taken.cumsum(0).cumsum(1)
    sums = table[h:, w:] - table[:-h, w:] - table[h:, :-w] + table[:-h, :-w]
    free_i, free_j = np.nonzero(sums == 0)
    if not len(free_i):
        return None
    xs = within.x0 + free_j * step + width / 2
    ys = within.y0 + free_i * step + height / 2
    distance = np.min([np.hypot(xs - px, ys - py) for px, py in near], axis=0)
    best = int(np.argmin(distance))
    x0, y0 = float(xs[best] - width / 2), float(ys[best] - height / 2)
    return Box(x0, y0, x0 + width, y0 + height)
