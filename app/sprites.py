"""The tiles' sprite: one image per flag chip, for MapLibre's symbol layers (`/tiles/style.json`).

A Mapbox GL sprite is a PNG holding every icon and a JSON index of where each one lies
(https://maplibre.org/maplibre-style-spec/sprite/); clients fetch ``sprite.json``/``sprite.png``
and, on high-density screens, ``sprite@2x.json``/``sprite@2x.png``. Each chip is drawn as on the
prints and QGIS styles: a square of the flag's colour with a thin white edge, carrying the flag's
mark in white or ink, whichever contrasts more.
"""

import io
import json
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from . import indicators
from .printing.frame import FONT_PATH
from .tile_style import CHIP_PX, chip_image


@cache
def sprite(ratio: int) -> tuple[bytes, bytes]:
    """Return the sprite's index (JSON) and image (PNG) at pixel ratio `ratio` (1 or 2)."""
    side = CHIP_PX * ratio
    flags = indicators.MARKED
    image = Image.new("RGBA", (side * len(flags), side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT_PATH, round(side * 0.7))
    index = {}
    for n, flag in enumerate(flags):
        left = n * side
        draw.rectangle((left, 0, left + side - 1, side - 1), fill=flag.symbol, outline="#ffffff", width=ratio)
        draw.text((left + side / 2, side / 2), flag.mark, font=font, fill=flag.mark_colour, anchor="mm")
        index[chip_image(flag)] = {"x": left, "y": 0, "width": side, "height": side, "pixelRatio": ratio}
    png = io.BytesIO()
    image.save(png, format="PNG", optimize=True)
    return json.dumps(index, ensure_ascii=False).encode(), png.getvalue()
