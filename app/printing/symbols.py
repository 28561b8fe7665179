"""Households on paper: which flags a print may draw, and the symbol that shows them.

A household with no flag is a white circle. A flagged one is a row of round-ended
cells, one per flag, each filled with the flag's registry colour and carrying
its registry mark (贫, 低, 童 …) in white or ink, whichever stands out from that
colour. The mark is what survives a black-and-white printer: red 贫 and blue
童 print as nearly the same grey, but never as the same character.
"""

from collections.abc import Sequence

from reportlab.lib.colors import HexColor, white

from .. import indicators
from . import frame
from .frame import INK
from .labels import Box

# Only yes/no indicators mark a household; `mean` ones (income) are not flags.
FLAGS = tuple(i for i in indicators.INDICATORS if i.kind == "share")
DEFAULT_INDICATORS = (
    "registered_poor",
    "monitored",
    "dibao",
    "wubao",
    "left_behind_children",
    "dilapidated_house",
)

# Each flag drawn in its registry symbol colour, the same as on the web map.
COLOURS = {indicator.key: indicator.symbol for indicator in FLAGS}
MARKS = {indicator.key: indicator.mark for indicator in FLAGS}
MARK_COLOURS = {indicator.key: HexColor(indicator.mark_colour) for indicator in FLAGS}
# The mark's size as a share of its cell: a CJK character this size stays inside the round cell.
MARK_SHARE = 0.68
OUTLINE = 0.35


def shown_flags(household: dict, keys: Sequence[str]) -> list[str]:
    """Return the flags among `keys` that `household` carries, in the order of `keys`."""
    present = set(household["flags"])
    return [k for k in keys if k in present]


def symbol_box(x: float, y: float, flags: int, cell: float) -> Box:
    """Return the box of a household symbol with `flags` cells centred on (x, y)."""
    half_w, half_h = max(flags, 1) * cell / 2 + OUTLINE / 2, cell / 2 + OUTLINE / 2
    return Box(x - half_w, y - half_h, x + half_w, y + half_h)


def symbol(
    canvas,
    x: float,
    y: float,
    flags: Sequence[str],
    *,
    cell: float,
) -> None:
    """Draw a household centred on (x, y): a white circle, or one marked cell per flag.

    Parameters
    ----------
    flags
        The flag keys it carries, in the order to draw them.
    cell
        The symbol's height (a circle's diameter), in points.
    """
    radius = cell / 2
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(OUTLINE)
    if not flags:
        canvas.setFillColor(white)
        canvas.circle(x, y, radius, stroke=1, fill=1)
        return
    box = symbol_box(x, y, len(flags), cell).grown(-OUTLINE / 2)
    outline = canvas.beginPath()
    outline.roundRect(box.x0, box.y0, box.width, box.height, radius)
    canvas.saveState()
    canvas.clipPath(outline, stroke=0, fill=0)
    size = cell * MARK_SHARE
    for n, key in enumerate(flags):
        left = box.x0 + n * cell
        canvas.setFillColor(HexColor(COLOURS[key]))
        canvas.rect(left, box.y0, cell, cell, stroke=0, fill=1)
        # A CJK character sits in the middle of its em box, which spans -0.2 to 0.8 of the size.
        frame.text(
            canvas,
            left + radius,
            y - 0.3 * size,
            MARKS[key],
            size=size,
            colour=MARK_COLOURS[key],
            anchor="centre",
        )
    canvas.restoreState()
    canvas.drawPath(outline, stroke=1, fill=0)
