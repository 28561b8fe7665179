"""The page around a map: paper, the embedded CJK font, text, title and footer.

Every page of a print shares these: one subset TrueType font (so Chinese prints
without missing glyphs and stays selectable), the title band at the top and
the footer that says who printed it, when, from data of which date.
"""

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

import pyproj
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A3, A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from .. import indicators

FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"  # Debian fonts-wqy-zenhei
FONT = "WenQuanYiZenHei"

PAPERS = {"A4": A4, "A3": A3}  # portrait (width, height) in points
ORIENTATIONS = ("auto", "portrait", "landscape")

MARGIN = 10 * mm
TITLE_HEIGHT = 16 * mm
FOOTER_HEIGHT = 7 * mm
LEGEND_HEIGHT = 24 * mm

INK = HexColor(indicators.MARK_INK)
GRID = HexColor("#bdbdbd")
BOUNDARY = HexColor("#b2182b")
BOUNDARY_FILL = HexColor("#fff7ec")
NEIGHBOUR = HexColor("#969696")
NEIGHBOUR_FILL = HexColor("#f0f0f0")
CONFIDENTIAL = "内部资料 注意保密 Internal — confidential"


@dataclass(frozen=True)
class Style:
    """Sizes that grow with the paper: an A3 print is easier to read, not only wider."""

    number: float  # household numbers on the map, in points (at least 7 on A4)
    cell: float  # a household symbol's height; each flag adds a cell of this width
    reach: float  # how far a number may stand from its house, on a leader line
    gap: float  # space kept around every number
    legend: float  # the legend's text, in points


STYLES = {
    "A4": Style(number=7.0, cell=2.8 * mm, reach=11 * mm, gap=0.6, legend=6.5),
    "A3": Style(number=9.0, cell=3.6 * mm, reach=14 * mm, gap=0.75, legend=8.0),
}


@lru_cache(maxsize=1)
def font() -> str:
    """Register the CJK font once per process and return its name."""
    pdfmetrics.registerFont(TTFont(FONT, FONT_PATH, subfontIndex=0))
    return FONT


@lru_cache(maxsize=8)
def crs_label(srid: int) -> str:
    """Return the CRS as a Chinese reader names it (CGCS2000 3度带高斯-克吕格投影 中央经线 108°E)."""
    crs = pyproj.CRS.from_epsg(srid)
    if srid == 4490:
        return f"CGCS2000 经纬度（EPSG:{srid}）"
    origin = {p.name: p.value for p in crs.coordinate_operation.params}.get("Longitude of natural origin")
    if crs.name.startswith("CGCS2000 / 3-degree Gauss-Kruger CM") and origin is not None:
        return f"CGCS2000 3度带高斯-克吕格投影 中央经线 {origin:g}°E（EPSG:{srid}）"
    return f"{crs.name}（EPSG:{srid}）"


def page_size(paper: str, orientation: str) -> tuple[float, float]:
    """Return (width, height) in points of `paper` in a fixed `orientation`."""
    width, height = PAPERS[paper]
    return (height, width) if orientation == "landscape" else (width, height)


def text(canvas: Canvas, x: float, y: float, value: str, *, size: float, colour=INK, anchor="left"):
    """Write `value` with its baseline at `y`, starting, centred or ending at `x`."""
    canvas.setFont(font(), size)
    canvas.setFillColor(colour)
    if anchor == "centre":
        canvas.drawCentredString(x, y, value)
    elif anchor == "right":
        canvas.drawRightString(x, y, value)
    else:
        canvas.drawString(x, y, value)


def percent(value) -> str:
    """Return a share as a percentage with one decimal, a dash when there is none."""
    return "—" if value is None else f"{value * 100:.1f}%"


def fit_text(value: str, width: float, size: float) -> float:
    """Return a font size not above `size` at which `value` fits in `width` points."""
    actual = pdfmetrics.stringWidth(value, font(), size)
    return size if actual <= width else max(size * width / actual, 4)


@dataclass
class Page:
    """What every page shares: paper, the footer's facts, and its number."""

    printed_by: str
    printed_at: datetime
    data_date: date | None
    total: int
    number: int = 0
    as_of: date | None = None  # a print of the households as they were at the end of this day (#13)


def footer(canvas: Canvas, size: tuple[float, float], page: Page) -> None:
    """Write the footer (data date or the day it is as of, who printed it and when, page n of m); count it."""
    page.number += 1
    data_date = page.data_date.isoformat() if page.data_date else "—"
    facts = f"截至 As of {page.as_of.isoformat()}" if page.as_of else f"数据日期 Data date {data_date}"
    left = (
        f"{facts} · 打印人 Printed by {page.printed_by} · "
        f"打印时间 Printed {page.printed_at:%Y-%m-%d %H:%M} ({page.printed_at.tzinfo})"
    )
    y = MARGIN + 1.5 * mm
    text(canvas, MARGIN, y, left, size=7)
    text(
        canvas,
        size[0] - MARGIN,
        y,
        f"第 {page.number}/{page.total} 页 Page {page.number} of {page.total}",
        size=7,
        anchor="right",
    )
    text(canvas, size[0] / 2, y + 3.2 * mm, CONFIDENTIAL, size=6, colour=NEIGHBOUR, anchor="centre")


def title(canvas: Canvas, size: tuple[float, float], heading: str, subtitle: str) -> None:
    """Write the page's title and subtitle in the band at its top."""
    top = size[1] - MARGIN
    width = size[0] - 2 * MARGIN
    text(canvas, MARGIN, top - 6.5 * mm, heading, size=fit_text(heading, width, 15))
    text(canvas, MARGIN, top - 11.5 * mm, subtitle, size=fit_text(subtitle, width, 7.5))


def new_canvas(buffer, *, heading: str, printed_by: str) -> Canvas:
    """Return a canvas writing a PDF into `buffer`, its metadata naming the print and who made it."""
    # The CJK font from the start, so no unembedded base font (Helvetica) is referenced.
    canvas = Canvas(buffer, pageCompression=1, initialFontName=font())
    canvas.setTitle(heading)
    canvas.setAuthor(printed_by)
    canvas.setCreator("Minqing Map 民情地图")
    return canvas
