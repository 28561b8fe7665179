"""Where everything on a natural village's map frame goes, decided before anything is drawn.

Household numbers are placed by `labels.place`: beside their house, else on a
leader line. Houses whose numbers still find no room form crowds. A crowd that
fits, zoomed, into free space of the same page becomes an inset there (the
crowd outlined and tagged A, B … on the map, the inset numbering its houses
further apart). What is left goes to enlargement sheets: following pages at
twice the scale (again, if need be) over the crowded part, which number every
house they show. Tests read the same layout to check that nothing overlaps.
"""

import itertools
import math
import string
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from . import drawing, furniture, labels, symbols
from .frame import Style
from .labels import Box, Label, Occupied
from .mapview import View, nice_scale

# Zoom factors an inset tries, smallest first: the least zoom that numbers every house in it.
ZOOMS = (2, 3, 4)
# Enlargement sheets halve the scale at each level, at most this many times (1:8 of the map's scale).
MAX_DEPTH = 3
# The share of an enlargement's frame its tile of the crowd fills: the rest is room for numbers.
TILE_SHARE = 0.8
_ROUNDS = 3


@dataclass
class Inset:
    """A zoomed copy of a crowd of houses, drawn in `box`; `area` is the crowd on the main map."""

    tag: str
    area: Box
    box: Box
    view: View
    members: list[int]
    symbols: list[Box]
    labels: list[Label]
    caption: Label


@dataclass
class Layout:
    """Everything placed on a map page's frame, in page points, and the enlargement sheets that follow."""

    view: View
    households: list[dict]
    symbols: list[Box]
    labels: list[Label | None]
    insets: list[Inset] = field(default_factory=list)
    furniture: list[Box] = field(default_factory=list)
    tags: list[Label] = field(default_factory=list)
    locator: View | None = None
    grid: list[tuple[float, float, str]] = field(default_factory=list)
    # (tag, outline on this page, the sheet's layout) of each enlargement of part of this frame.
    enlargements: list[tuple[str, Box, "Layout"]] = field(default_factory=list)
    tag: str = ""
    # Everything placed so far, for what comes last (tags, neighbours' names).
    occupied: Occupied = field(default_factory=Occupied, repr=False)

    def boxes(self) -> list[Box]:
        """Return the boxes of every text placed for households: numbers, inset numbers, tags."""
        placed = [label.box for label in self.labels if label is not None]
        for inset in self.insets:
            placed += [label.box for label in inset.labels] + [inset.caption.box]
        return placed + [tag.box for tag in self.tags]

    def sheets(self) -> list["Layout"]:
        """Return this page's layout and every enlargement's, in page order."""
        return [self, *(page for _, _, sheet in self.enlargements for page in sheet.sheets())]


def frame_box(view: View) -> Box:
    """Return the box of `view`'s frame on its page."""
    return Box(view.x, view.y, view.x + view.width, view.y + view.height)


def plan(
    sheet: dict, view: View, keys: Sequence[str], style: Style, *, depth: int = 0, tag: str = ""
) -> Layout:
    """Return the layout of a natural village's map frame: furniture, then houses and numbers."""
    locator = furniture.locator_view(sheet, view) if depth == 0 else None
    grid = drawing.grid_labels(view)
    size = drawing.GRID_LABEL_SIZE
    furniture_boxes = [
        *(labels.label_at(value, x, y - labels.descent(size), size).box for x, y, value in grid),
        furniture.north_arrow_box(view),
        *([frame_box(locator).grown(1)] if locator else []),
    ]
    households = sheet["households"]
    if depth:
        x0, y0, x1, y1 = view.world_bounds
        households = [h for h in households if x0 <= h["x"] <= x1 and y0 <= h["y"] <= y1]
    placed = _layout(households, view, keys, style, furniture_boxes)
    placed.locator, placed.grid, placed.tag = locator, grid, tag
    missing = [n for n, label in enumerate(placed.labels) if label is None and not _in_inset(placed, n)]
    if missing and depth < MAX_DEPTH:
        _enlarge(placed, sheet, missing, keys, style, depth=depth, tag=tag)
    return placed


def _in_inset(placed: Layout, n: int) -> bool:
    """Say whether house `n` is numbered in one of the page's insets."""
    return any(n in inset.members for inset in placed.insets)


def _layout(households: list[dict], view: View, keys, style: Style, furniture_boxes: list[Box]) -> Layout:
    """Place the numbers of `households` on one frame: beside or led out, crowds into insets.

    Round one places every number; houses left without one seed crowds. Later rounds place
    the numbers outside the crowds (kept clear) and give each crowd an inset where one fits;
    a crowd without room goes back to the map, and its houses, if still unnumbered, to an
    enlargement sheet.
    """
    points = [view.to_page(h["x"], h["y"]) for h in households]
    boxes = [
        symbols.symbol_box(x, y, len(symbols.shown_flags(h, keys)), style.cell)
        for (x, y), h in zip(points, households, strict=True)
    ]
    texts = [str(h["number"]) for h in households]
    within = frame_box(view)
    crowds: list[Box] = []
    insets: list[Inset] = []
    for round_ in range(_ROUNDS):
        members = {n for n, b in enumerate(boxes) if any(_holds(c, b) for c in crowds)}
        occupied = _occupied(boxes, [*furniture_boxes, *crowds])
        outside = [n for n in range(len(boxes)) if n not in members]
        placed = labels.place(
            [boxes[n] for n in outside],
            [texts[n] for n in outside],
            occupied,
            within=within,
            size=style.number,
            gap=style.gap,
            reach=style.reach,
            owners=outside,
        )
        missing = [n for n, label in zip(outside, placed, strict=True) if label is None]
        if round_ == 0 and missing:
            crowds = _merge([symbol.grown(style.reach / 2) for symbol in (boxes[n] for n in missing)])
            continue
        insets = _insets(crowds, boxes, texts, occupied, within, view, style)
        if len(insets) == len(crowds):
            break
        # Crowds that found no room on the page go back to the map (and on to enlargements).
        crowds = [inset.area for inset in insets]
    result = Layout(view, households, boxes, [None] * len(boxes), insets, list(furniture_boxes))
    for n, label in zip(outside, placed, strict=True):
        result.labels[n] = label
    result.occupied = occupied
    for inset in insets:
        result.tags.append(_tag(inset.tag, inset.area, occupied, within, style))
    result.tags = [t for t in result.tags if t is not None]
    return result


def _insets(crowds, boxes, texts, occupied: Occupied, within: Box, view: View, style: Style) -> list[Inset]:
    """Return the insets of the `crowds` that fit on the page, adding each to `occupied`."""
    insets = []
    for crowd in crowds:
        inside = [n for n, b in enumerate(boxes) if _holds(crowd, b)]
        inset = _inset(
            string.ascii_uppercase[len(insets)], crowd, inside, boxes, texts, occupied, within, view, style
        )
        if inset is not None:
            insets.append(inset)
            occupied.add(inset.box, f"inset {inset.tag}")
    return insets


def _occupied(boxes: Sequence[Box], obstacles: Sequence[Box]) -> Occupied:
    """Return a page's index holding the house symbols (owned by their index) and obstacles."""
    occupied = Occupied()
    for n, box in enumerate(boxes):
        occupied.add(box, n)
    for box in obstacles:
        occupied.add(box, "furniture")
    return occupied


def _holds(crowd: Box, symbol: Box) -> bool:
    """Say whether a house belongs to a crowd: its centre is inside (crowds never overlap)."""
    x, y = symbol.centre
    return crowd.x0 <= x < crowd.x1 and crowd.y0 <= y < crowd.y1


def _merge(boxes: list[Box]) -> list[Box]:
    """Return `boxes` with every overlapping pair replaced by their common bounds, repeatedly."""
    merged = list(boxes)
    changed = True
    while changed:
        changed = False
        for i, j in itertools.combinations(range(len(merged)), 2):
            a, b = merged[i], merged[j]
            if a.overlaps(b):
                merged[i] = Box(min(a.x0, b.x0), min(a.y0, b.y0), max(a.x1, b.x1), max(a.y1, b.y1))
                del merged[j]
                changed = True
                break
    return merged


def _inset(
    tag: str,
    crowd: Box,
    members: list[int],
    boxes: Sequence[Box],
    texts: Sequence[str],
    occupied: Occupied,
    within: Box,
    view: View,
    style: Style,
) -> Inset | None:
    """Return the inset of the houses `members` at the least zoom that numbers them all, or None."""
    caption_height = labels.text_size("A", style.number)[1] + style.gap
    cx, cy = crowd.centre
    for zoom in ZOOMS:
        # The inset in its own coordinates, its lower left corner at (0, 0), the caption above the houses.
        width = crowd.width * zoom + 2 * style.reach
        height = crowd.height * zoom + 2 * style.reach + caption_height
        if width > within.width / 2 or height > within.height / 2:
            return None
        local = _zoomed(boxes, members, crowd, zoom, style)
        inner = Occupied()
        for n, box in zip(members, local, strict=True):
            inner.add(box, n)
        placed = labels.place(
            local,
            [texts[n] for n in members],
            inner,
            within=Box(0, 0, width, height - caption_height),
            size=style.number,
            gap=style.gap,
            reach=style.reach,
            owners=members,
        )
        if any(label is None for label in placed):
            continue
        spot = labels.free_spot(
            occupied.boxes, occupied.segments, within.grown(-style.gap), width, height, near=[(cx, cy)]
        )
        if spot is None:
            return None
        centre = (
            (cx - view.x - view.width / 2) / view.points_per_metre + view.centre[0],
            (cy - view.y - view.height / 2) / view.points_per_metre + view.centre[1],
        )
        zoomed = View(
            spot.x0, spot.y0, spot.width, spot.height - caption_height, centre=centre, scale=view.scale / zoom
        )
        caption = labels.label_at(
            f"{tag} ×{zoom}", spot.x0 + style.gap, spot.y1 - caption_height + style.gap / 2, style.number
        )
        shifted = [label.shifted(spot.x0, spot.y0) for label in placed]
        return Inset(
            tag, crowd, spot, zoomed, members, [b.shifted(spot.x0, spot.y0) for b in local], shifted, caption
        )
    return None


def _zoomed(boxes: Sequence[Box], members: list[int], crowd: Box, zoom: float, style: Style) -> list[Box]:
    """Return the symbols of `members` spread `zoom` times further apart, in an inset's own coordinates."""
    local = []
    for n in members:
        x, y = boxes[n].centre
        lx = style.reach + (x - crowd.x0) * zoom
        ly = style.reach + (y - crowd.y0) * zoom
        half_w, half_h = boxes[n].width / 2, boxes[n].height / 2
        local.append(Box(lx - half_w, ly - half_h, lx + half_w, ly + half_h))
    return local


def _tag(tag: str, area: Box, occupied: Occupied, within: Box, style: Style) -> Label | None:
    """Return `area`'s tag by its outline (inside a corner, else outside) where it covers nothing.

    The nearest free spot around the area is the last resort; None when there is none.
    """
    width, height = labels.text_size(tag, style.number)
    gap = style.gap
    bounds = within.grown(-gap)
    inner = area.grown(-gap)
    corners = [(inner.x0, inner.y1 - height), (inner.x1 - width, inner.y1 - height), (inner.x0, inner.y0)]
    corners.append((inner.x1 - width, inner.y0))
    candidates = [
        *(Box(x, y, x + width, y + height) for x, y in corners),
        *labels.around(area, width, height, gap),
    ]
    box = next((c for c in candidates if c.inside(bounds) and occupied.free(c.grown(gap))), None)
    if box is None:
        near = area.grown(3 * height)
        region = Box(
            max(near.x0, bounds.x0), max(near.y0, bounds.y0), min(near.x1, bounds.x1), min(near.y1, bounds.y1)
        )
        spot = labels.free_spot(
            occupied.boxes,
            occupied.segments,
            region,
            width + 2 * gap,
            height + 2 * gap,
            near=[(area.x0, area.y1)],
        )
        if spot is None:
            return None
        box = spot.grown(-gap)
    occupied.add(box, f"tag {tag}")
    return labels.label_at(tag, box.x0, box.y0, style.number)


def _enlarge(placed: Layout, sheet: dict, missing: list[int], keys, style: Style, *, depth: int, tag: str):
    """Add enlargement sheets at twice the scale over the houses of `missing`, tiling their extent."""
    view = placed.view
    scale = nice_scale(view.scale / 2 - 1) if view.scale > 2 else 1
    k = scale / view.scale
    tile_w, tile_h = view.width * k * TILE_SHARE, view.height * k * TILE_SHARE
    xs = [placed.symbols[n].centre[0] for n in missing]
    ys = [placed.symbols[n].centre[1] for n in missing]
    columns = math.ceil((max(xs) - min(xs)) / tile_w + 1e-9) or 1
    rows = math.ceil((max(ys) - min(ys)) / tile_h + 1e-9) or 1
    x0 = (min(xs) + max(xs)) / 2 - columns * tile_w / 2
    y0 = (min(ys) + max(ys)) / 2 - rows * tile_h / 2
    for row in range(rows):
        for column in range(columns):
            tile = Box(
                x0 + column * tile_w, y0 + row * tile_h, x0 + (column + 1) * tile_w, y0 + (row + 1) * tile_h
            )
            if not any(
                tile.x0 <= x < tile.x1 and tile.y0 <= y < tile.y1 for x, y in zip(xs, ys, strict=True)
            ):
                continue
            cx, cy = tile.centre
            centre = (
                (cx - view.x - view.width / 2) / view.points_per_metre + view.centre[0],
                (cy - view.y - view.height / 2) / view.points_per_metre + view.centre[1],
            )
            number = len(placed.enlargements) + 1
            name = f"{tag}-{number}" if tag else f"图{number}"
            outline = Box(
                cx - view.width * k / 2,
                cy - view.height * k / 2,
                cx + view.width * k / 2,
                cy + view.height * k / 2,
            )
            enlarged = plan(
                sheet, replace(view, centre=centre, scale=scale), keys, style, depth=depth + 1, tag=name
            )
            placed.enlargements.append((name, outline, enlarged))
            placed.tags.append(_tag(name, outline, placed.occupied, frame_box(view), style))
    placed.tags = [t for t in placed.tags if t is not None]
