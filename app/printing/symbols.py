"""Households on paper: which flags a print may draw, and the symbol that shows them."""

from collections.abc import Sequence

from reportlab.lib.colors import HexColor, white
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from .. import indicators
from .frame import INK

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
SYMBOL_RADIUS = 1.4 * mm

# Each flag drawn in its registry symbol colour, the same as on the web map.
COLOURS = {indicator.key: indicator.symbol for indicator in FLAGS}


def shown_flags(household: dict, keys: Sequence[str]) -> list[str]:
    """Return the flags among `keys` that `household` carries, in the order of `keys`."""
    present = set(household["flags"])
    return [k for k in keys if k in present]


def symbol(canvas: Canvas, x: float, y: float, flags: Sequence[str], radius: float = SYMBOL_RADIUS):
    """Draw a household: a circle split into one wedge per flag, white when it has none."""
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.35)
    if not flags:
        canvas.setFillColor(white)
        canvas.circle(x, y, radius, stroke=1, fill=1)
        return
    sweep = 360 / len(flags)
    for n, key in enumerate(flags):
        canvas.setFillColor(HexColor(COLOURS[key]))
        if len(flags) == 1:
            canvas.circle(x, y, radius, stroke=0, fill=1)
        else:
            canvas.wedge(
                x - radius, y - radius, x + radius, y + radius, 90 + n * sweep, sweep, stroke=0, fill=1
            )
    canvas.circle(x, y, radius, stroke=1, fill=0)
