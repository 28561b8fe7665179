"""Draw printed maps as PDF with ReportLab: a natural village's sheet, and an atlas of them.

Nothing here knows about Flask or the database: the functions take plain query
results (`app.queries.printing`: geometries already projected to a CGCS2000
Gauss-Kruger zone in metres, households already masked as the role requires)
and layout options, and return PDF bytes. Everything is drawn as vectors;
Chinese text uses one embedded (subset) TrueType font, so it prints without
missing glyphs and stays selectable.
"""

import io
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

import pyproj
import shapely
from reportlab.lib.colors import HexColor, white
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
NAMES = ("masked", "shown", "omitted")
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

POINTS_PER_METRE = 72 / 0.0254
MARGIN = 10 * mm
TITLE_HEIGHT = 16 * mm
FOOTER_HEIGHT = 7 * mm
LEGEND_HEIGHT = 24 * mm
ROW_HEIGHT = 4.6 * mm
TABLE_COLUMN_WIDTH = 92 * mm
SYMBOL_RADIUS = 1.4 * mm
# Round scale denominators (times a power of ten) a page may use; the best is
# the smallest that fits the natural village on the page.
NICE_SCALES = (1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5)
# The area around a natural village a page shows, as a share of its extent.
PADDING = 0.08
MIN_EXTENT_M = 200.0
# Show only the houses (and a locator inset) when their extent is this many times smaller than the polygon's.
CLUSTER_RATIO = 2.5
INSET_SIZE = 38 * mm

INK = HexColor("#252525")
GRID = HexColor("#bdbdbd")
BOUNDARY = HexColor("#b2182b")
BOUNDARY_FILL = HexColor("#fff7ec")
NEIGHBOUR = HexColor("#969696")
NEIGHBOUR_FILL = HexColor("#f0f0f0")
CONFIDENTIAL = "内部资料 注意保密 Internal — confidential"


# Each flag drawn in its registry symbol colour, the same as on the web map.
COLOURS = {indicator.key: indicator.symbol for indicator in FLAGS}


@lru_cache(maxsize=1)
def _font() -> str:
    """Register the CJK font once per process and return its name."""
    pdfmetrics.registerFont(TTFont(FONT, FONT_PATH, subfontIndex=0))
    return FONT


@lru_cache(maxsize=8)
def _to_lonlat(srid: int) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(srid, 4490, always_xy=True)


@lru_cache(maxsize=8)
def _crs_label(srid: int) -> str:
    """Return the CRS as a Chinese reader names it (CGCS2000 3度带高斯-克吕格投影 中央经线 108°E)."""
    crs = pyproj.CRS.from_epsg(srid)
    if srid == 4490:
        return f"CGCS2000 经纬度（EPSG:{srid}）"
    origin = {p.name: p.value for p in crs.coordinate_operation.params}.get("Longitude of natural origin")
    if crs.name.startswith("CGCS2000 / 3-degree Gauss-Kruger CM") and origin is not None:
        return f"CGCS2000 3度带高斯-克吕格投影 中央经线 {origin:g}°E（EPSG:{srid}）"
    return f"{crs.name}（EPSG:{srid}）"


# --- geometry of a page ------------------------------------------------------


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


def page_size(paper: str, orientation: str) -> tuple[float, float]:
    """Return (width, height) in points of `paper` in a fixed `orientation`."""
    width, height = PAPERS[paper]
    return (height, width) if orientation == "landscape" else (width, height)


def _map_box(size: tuple[float, float], *, legend: bool = True) -> tuple[float, float, float, float]:
    width, height = size
    bottom = MARGIN + FOOTER_HEIGHT + (LEGEND_HEIGHT if legend else 0)
    return MARGIN, bottom, width - 2 * MARGIN, height - MARGIN - TITLE_HEIGHT - bottom


def _extent(bounds: Sequence[float]) -> tuple[float, float, float, float]:
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
    extent = _extent(bounds)
    choices = ("portrait", "landscape") if orientation == "auto" else (orientation,)
    # The orientation that allows the larger scale (smaller denominator) fits the area better.
    best = min(choices, key=lambda o: _fit(_map_box(page_size(paper, o), legend=legend), extent))
    size = page_size(paper, best)
    box = _map_box(size, legend=legend)
    centre = ((extent[0] + extent[2]) / 2, (extent[1] + extent[3]) / 2)
    return size, View(*box, centre=centre, scale=nice_scale(_fit(box, extent)))


# --- drawing primitives ------------------------------------------------------


def _path(canvas: Canvas, view: View, geometry):
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


def _text(canvas: Canvas, x: float, y: float, value: str, *, size: float, colour=INK, anchor="left"):
    canvas.setFont(_font(), size)
    canvas.setFillColor(colour)
    if anchor == "centre":
        canvas.drawCentredString(x, y, value)
    elif anchor == "right":
        canvas.drawRightString(x, y, value)
    else:
        canvas.drawString(x, y, value)


def _fit_text(value: str, width: float, size: float) -> float:
    """Return a font size not above `size` at which `value` fits in `width` points."""
    actual = pdfmetrics.stringWidth(value, _font(), size)
    return size if actual <= width else max(size * width / actual, 4)


def _clip(canvas: Canvas, view: View) -> None:
    path = canvas.beginPath()
    path.rect(view.x, view.y, view.width, view.height)
    canvas.clipPath(path, stroke=0, fill=0)


def _symbol(canvas: Canvas, x: float, y: float, flags: Sequence[str], radius: float = SYMBOL_RADIUS):
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


# --- page parts --------------------------------------------------------------


@dataclass
class Page:
    """What every page shares: paper, the footer's facts, and its number."""

    printed_by: str
    printed_at: datetime
    data_date: date | None
    total: int
    number: int = 0


def _footer(canvas: Canvas, size: tuple[float, float], page: Page) -> None:
    page.number += 1
    data_date = page.data_date.isoformat() if page.data_date else "—"
    left = (
        f"数据日期 Data date {data_date} · 打印人 Printed by {page.printed_by} · "
        f"打印时间 Printed {page.printed_at:%Y-%m-%d %H:%M} ({page.printed_at.tzinfo})"
    )
    y = MARGIN + 1.5 * mm
    _text(canvas, MARGIN, y, left, size=7)
    _text(
        canvas,
        size[0] - MARGIN,
        y,
        f"第 {page.number}/{page.total} 页 Page {page.number} of {page.total}",
        size=7,
        anchor="right",
    )
    _text(canvas, size[0] / 2, y + 3.2 * mm, CONFIDENTIAL, size=6, colour=NEIGHBOUR, anchor="centre")


def _title(canvas: Canvas, size: tuple[float, float], title: str, subtitle: str) -> None:
    top = size[1] - MARGIN
    width = size[0] - 2 * MARGIN
    _text(canvas, MARGIN, top - 6.5 * mm, title, size=_fit_text(title, width, 15))
    _text(canvas, MARGIN, top - 11.5 * mm, subtitle, size=_fit_text(subtitle, width, 7.5))


def _grid(canvas: Canvas, view: View) -> None:
    """Draw a round-interval grid of projected coordinates, labelled inside the frame's edges."""
    x0, y0, x1, y1 = view.world_bounds
    step = nice_length((x1 - x0) / 5)
    canvas.setStrokeColor(GRID)
    canvas.setLineWidth(0.3)
    canvas.setDash(2, 2)
    xs = [step * n for n in range(math.ceil(x0 / step), math.floor(x1 / step) + 1)]
    ys = [step * n for n in range(math.ceil(y0 / step), math.floor(y1 / step) + 1)]
    for x in xs:
        px, _ = view.to_page(x, 0)
        canvas.line(px, view.y, px, view.y + view.height)
    for y in ys:
        _, py = view.to_page(0, y)
        canvas.line(view.x, py, view.x + view.width, py)
    canvas.setDash()
    for x in xs:
        px, _ = view.to_page(x, 0)
        _text(canvas, px + 0.6 * mm, view.y + 1 * mm, f"{x:.0f}E", size=5.5, colour=NEIGHBOUR)
    for y in ys:
        _, py = view.to_page(0, y)
        _text(canvas, view.x + 1 * mm, py + 0.6 * mm, f"{y:.0f}N", size=5.5, colour=NEIGHBOUR)


def _north_arrow(canvas: Canvas, view: View, srid: int) -> None:
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
    _text(canvas, 0, 8.2 * mm, "北 N", size=8, anchor="centre")
    canvas.restoreState()


def _scale_bar(canvas: Canvas, view: View, x: float, y: float, width: float) -> None:
    """Draw a four-segment scale bar of a round length at most `width` points long, and the scale."""
    length = nice_length(width / view.points_per_metre)
    bar = length * view.points_per_metre
    for n in range(4):
        canvas.setFillColor(INK if n % 2 == 0 else white)
        canvas.setStrokeColor(INK)
        canvas.setLineWidth(0.5)
        canvas.rect(x + n * bar / 4, y, bar / 4, 1.6 * mm, stroke=1, fill=1)
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    _text(canvas, x, y + 2.4 * mm, "0", size=6.5, anchor="centre")
    _text(canvas, x + bar, y + 2.4 * mm, label, size=6.5, anchor="centre")
    _text(canvas, x, y - 3.5 * mm, f"比例尺 Scale 1:{view.scale:,}", size=7.5)


def _polygons(canvas: Canvas, view: View, geometries: Iterable, *, stroke, fill, width: float) -> None:
    canvas.setStrokeColor(stroke)
    canvas.setFillColor(fill)
    canvas.setLineWidth(width)
    for geometry in geometries:
        if geometry is not None and not geometry.is_empty:
            canvas.drawPath(_path(canvas, view, geometry), stroke=1, fill=1, fillMode=1)


def _label_polygon(canvas: Canvas, view: View, geometry, label: str, *, size: float, colour) -> None:
    """Write `label` at a point inside `geometry` when that point is inside the frame."""
    point = geometry.representative_point()
    px, py = view.to_page(point.x, point.y)
    if (
        view.x + 5 * mm < px < view.x + view.width - 5 * mm
        and view.y + 3 * mm < py < view.y + view.height - 3 * mm
    ):
        _text(canvas, px, py, label, size=size, colour=colour, anchor="centre")


# --- a natural village's map page ---------------------------------------------


def _shown_flags(household: dict, keys: Sequence[str]) -> list[str]:
    present = set(household["flags"])
    return [k for k in keys if k in present]


def _map_page(
    canvas: Canvas, sheet: dict, *, size, view: View, keys: Sequence[str], page: Page, atlas: str = ""
) -> None:
    """Draw the map page of one natural village: title, map, legend, scale, north, footer."""
    households = sheet["households"]
    _title(canvas, size, _sheet_title(sheet), _sheet_subtitle(sheet, view, atlas=atlas))

    canvas.saveState()
    _clip(canvas, view)
    _polygons(
        canvas,
        view,
        (n["geom"] for n in sheet["neighbours"]),
        stroke=NEIGHBOUR,
        fill=NEIGHBOUR_FILL,
        width=0.5,
    )
    _polygons(canvas, view, [sheet["geom"]], stroke=BOUNDARY, fill=BOUNDARY_FILL, width=1.4)
    _grid(canvas, view)
    for neighbour in sheet["neighbours"]:
        _label_polygon(canvas, view, neighbour["geom"], neighbour["name"], size=8, colour=NEIGHBOUR)
    for household in households:
        px, py = view.to_page(household["x"], household["y"])
        _symbol(canvas, px, py, _shown_flags(household, keys))
        _text(canvas, px + SYMBOL_RADIUS + 0.2 * mm, py + 0.4 * mm, str(household["number"]), size=5)
    canvas.restoreState()

    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.8)
    canvas.rect(view.x, view.y, view.width, view.height, stroke=1, fill=0)
    _north_arrow(canvas, view, sheet["srid"])
    _inset(canvas, sheet, view)
    _legend(canvas, size, view, households, keys)
    _footer(canvas, size, page)
    canvas.showPage()


def _inset(canvas: Canvas, sheet: dict, view: View) -> None:
    """Draw a locator of the whole natural village when the page shows only part of it.

    It goes in the frame corner that covers the fewest houses.
    """
    x0, y0, x1, y1 = view.world_bounds
    bx0, by0, bx1, by1 = _extent(sheet["geom"].bounds)
    if bx0 >= x0 and by0 >= y0 and bx1 <= x1 and by1 <= y1:
        return
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
        return sum(cx <= px <= cx + width and cy <= py <= cy + height for px, py in points)

    left, bottom = min(corners, key=covered)
    inset = View(left, bottom, width, height, centre=((bx0 + bx1) / 2, (by0 + by1) / 2), scale=round(scale))
    canvas.saveState()
    canvas.setFillColor(white)
    canvas.rect(left, bottom, width, height, stroke=0, fill=1)
    _clip(canvas, inset)
    _polygons(
        canvas,
        inset,
        (n["geom"] for n in sheet["neighbours"]),
        stroke=NEIGHBOUR,
        fill=NEIGHBOUR_FILL,
        width=0.3,
    )
    _polygons(canvas, inset, [sheet["geom"]], stroke=BOUNDARY, fill=BOUNDARY_FILL, width=0.8)
    (px0, py0), (px1, py1) = inset.to_page(x0, y0), inset.to_page(x1, y1)
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.8)
    canvas.rect(px0, py0, px1 - px0, py1 - py0, stroke=1, fill=0)
    canvas.restoreState()
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.5)
    canvas.rect(left, bottom, width, height, stroke=1, fill=0)
    _text(canvas, left + 1 * mm, bottom + height - 3 * mm, "位置图 Locator", size=5.5)


def _sheet_title(sheet: dict) -> str:
    parts = (sheet.get("county"), sheet.get("township"), sheet.get("village"), sheet["name"])
    return " · ".join(p for p in parts if p) + "  民情地图"


def _sheet_subtitle(sheet: dict, view: View, *, atlas: str = "") -> str:
    prefix = f"{atlas} · " if atlas else ""
    return (
        f"{prefix}民情地图 · 自然寨代码 {sheet['code']} · 户数 {len(sheet['households'])} · "
        f"比例尺 1:{view.scale:,} · 坐标系 {_crs_label(sheet['srid'])}"
    )


def _legend(canvas: Canvas, size, view: View, households: Sequence[dict], keys: Sequence[str]) -> None:
    """Draw the legend strip under the map: symbols, the indicators on this page with counts, scale."""
    counts = Counter(k for h in households for k in _shown_flags(h, keys))
    top = view.y - 4.5 * mm
    _text(canvas, MARGIN, top, "图例 Legend", size=8)
    items: list[tuple[str, object]] = [
        ("本自然寨 This natural village", ("area", (BOUNDARY, BOUNDARY_FILL))),
        ("相邻自然寨 Neighbours", ("area", (NEIGHBOUR, NEIGHBOUR_FILL))),
        (f"农户及编号 Household, number ({len(households)})", ("symbol", [])),
    ]
    items += [
        (f"{indicators.BY_KEY[k].zh} {indicators.BY_KEY[k].en} ({counts[k]})", ("symbol", [k]))
        for k in keys
        if counts[k]
    ]
    scale_width = 55 * mm
    columns = max(1, int((size[0] - 2 * MARGIN - scale_width) // (62 * mm)))
    rows = math.ceil(len(items) / columns)
    row_height = min(3.6 * mm, (LEGEND_HEIGHT - 7 * mm) / max(rows, 1))
    for n, (label, (kind, style)) in enumerate(items):
        column, row = divmod(n, rows)
        x = MARGIN + column * 62 * mm
        y = top - 4 * mm - row * row_height
        if kind == "area":
            canvas.setStrokeColor(style[0])
            canvas.setFillColor(style[1])
            canvas.setLineWidth(1)
            canvas.rect(x, y - 0.4 * mm, 4 * mm, 2.4 * mm, stroke=1, fill=1)
        else:
            _symbol(canvas, x + 2 * mm, y + 0.8 * mm, style, radius=1.2 * mm)
        _text(canvas, x + 5.5 * mm, y, label, size=_fit_text(label, 55 * mm, 6.5))
    _scale_bar(canvas, view, size[0] - MARGIN - scale_width + 3 * mm, top - 9 * mm, scale_width - 8 * mm)


# --- the household table ------------------------------------------------------


def _table_geometry(size) -> tuple[int, int]:
    """Return (columns, rows per column) of the household table on a page of `size`."""
    width, height = size
    columns = max(1, int((width - 2 * MARGIN + 4 * mm) // (TABLE_COLUMN_WIDTH + 4 * mm)))
    rows = int((height - 2 * MARGIN - TITLE_HEIGHT - FOOTER_HEIGHT - ROW_HEIGHT) // ROW_HEIGHT)
    return columns, rows


def table_pages(households: int, size) -> int:
    """Return how many pages the table of `households` households takes on pages of `size`."""
    columns, rows = _table_geometry(size)
    return math.ceil(households / (columns * rows)) if households else 0


def _flag_text(flags: Sequence[str]) -> str:
    return "、".join(indicators.BY_KEY[k].zh.removesuffix("户") for k in flags)


def _table_pages(canvas: Canvas, sheet: dict, *, size, keys: Sequence[str], names: str, page: Page) -> None:
    """Draw the household table in columns, continuing on as many pages as it needs."""
    households = sheet["households"]
    columns, rows = _table_geometry(size)
    per_page = columns * rows
    show_names = names != "omitted"
    widths = (9 * mm, 18 * mm if show_names else 0, 12 * mm)
    flags_width = TABLE_COLUMN_WIDTH - sum(widths)
    total = table_pages(len(households), size)
    for part in range(total):
        heading = "户主 Head" + (" (masked)" if names == "masked" else "")
        _title(
            canvas,
            size,
            _sheet_title(sheet),
            f"农户名册 Household list ({part + 1}/{total}) · 自然寨代码 Code {sheet['code']}",
        )
        chunk = households[part * per_page : (part + 1) * per_page]
        for column in range(columns):
            rows_here = chunk[column * rows : (column + 1) * rows]
            if not rows_here:
                break
            x = MARGIN + column * (TABLE_COLUMN_WIDTH + 4 * mm)
            y = size[1] - MARGIN - TITLE_HEIGHT - ROW_HEIGHT + 1.3 * mm
            headers = ("编号 No.", heading if show_names else "", "人口 Members", "标注 Flags")
            _table_row(canvas, x, y, headers, widths, flags_width, header=True)
            for n, household in enumerate(rows_here, start=1):
                flags = _shown_flags(household, keys)
                cells = (
                    str(household["number"]),
                    household.get("head_name") or "" if show_names else "",
                    str(household["members"]),
                    _flag_text(flags),
                )
                _table_row(canvas, x, y - n * ROW_HEIGHT, cells, widths, flags_width, shade=n % 2 == 0)
        _footer(canvas, size, page)
        canvas.showPage()


def _table_row(canvas: Canvas, x, y, cells, widths, flags_width, *, header=False, shade=False) -> None:
    if header or shade:
        canvas.setFillColor(HexColor("#d9d9d9" if header else "#f2f2f2"))
        canvas.rect(x, y - 1.3 * mm, TABLE_COLUMN_WIDTH, ROW_HEIGHT, stroke=0, fill=1)
    offset = x + 1 * mm
    for value, width in zip(cells, (*widths, flags_width), strict=True):
        if width:
            _text(canvas, offset, y, value, size=_fit_text(value, width - 1.5 * mm, 7))
        offset += width


# --- documents ------------------------------------------------------------------


def _check(paper: str, orientation: str, names: str, keys: Sequence[str]) -> None:
    if paper not in PAPERS:
        raise ValueError(f"paper {paper!r}: one of {', '.join(PAPERS)}")
    if orientation not in ORIENTATIONS:
        raise ValueError(f"orientation {orientation!r}: one of {', '.join(ORIENTATIONS)}")
    if names not in NAMES:
        raise ValueError(f"names {names!r}: one of {', '.join(NAMES)}")
    unknown = [k for k in keys if k not in COLOURS]
    if unknown:
        raise ValueError(f"indicators {unknown}: flags are {', '.join(COLOURS)}")


def _check_names(sheet: dict, names: str) -> None:
    """Refuse data whose names are clearer than `names` allows: the query must have masked them."""
    for household in sheet["households"]:
        name = household.get("head_name")
        if name and (names == "omitted" or (names == "masked" and not name.endswith("*"))):
            raise ValueError(f"names={names!r} but household {household['code']} carries a clear name")


def _canvas(buffer, *, title: str, printed_by: str) -> Canvas:
    # The CJK font from the start, so no unembedded base font (Helvetica) is referenced.
    canvas = Canvas(buffer, pageCompression=1, initialFontName=_font())
    canvas.setTitle(title)
    canvas.setAuthor(printed_by)
    canvas.setCreator("Minqing Map 民情地图")
    return canvas


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
    houses = _extent((min(xs), min(ys), max(xs), max(ys)))
    area = (houses[2] - houses[0]) * (houses[3] - houses[1])
    whole = (bounds[2] - bounds[0]) * (bounds[3] - bounds[1])
    return houses if area * CLUSTER_RATIO < whole else bounds


def _sheet_plan(sheet: dict, *, paper: str, orientation: str, table: bool) -> tuple[tuple, View, int]:
    """Return a natural village's map page size, view and number of table pages."""
    size, view = plan_view(focus(sheet), paper=paper, orientation=orientation)
    pages = table_pages(len(sheet["households"]), size) if table else 0
    return size, view, pages


def village_pdf(
    data: dict,
    *,
    paper: str = "A4",
    orientation: str = "auto",
    indicators: Sequence[str] = DEFAULT_INDICATORS,
    names: str = "masked",
    table: bool = True,
    printed_by: str,
    printed_at: datetime,
    data_date: date | None = None,
) -> bytes:
    """Render one natural village's map (and household table) as PDF bytes.

    Parameters
    ----------
    data
        `app.queries.printing.natural_village_sheet(...)` with ``households`` set to
        `households_for_print(...)`, both in the same projected CRS.
    paper, orientation
        "A4" or "A3"; "portrait", "landscape" or "auto" (the one that fits the area at the larger scale).
    indicators
        Flag keys to draw; the legend lists those present, with counts.
    names
        How head-of-household names appear; the data must already be at least that private.
    table
        Add the household table, on as many pages as it needs.
    printed_by, printed_at, data_date
        The footer's facts (data date defaults to the sheet's).
    """
    _check(paper, orientation, names, indicators)
    _check_names(data, names)
    size, view, extra = _sheet_plan(data, paper=paper, orientation=orientation, table=table)
    page = Page(printed_by, printed_at, data_date or data.get("data_date"), total=1 + extra)
    buffer = io.BytesIO()
    canvas = _canvas(buffer, title=_sheet_title(data), printed_by=printed_by)
    canvas.setPageSize(size)
    _map_page(canvas, data, size=size, view=view, keys=indicators, page=page)
    if table:
        _table_pages(canvas, data, size=size, keys=indicators, names=names, page=page)
    canvas.save()
    return buffer.getvalue()


def atlas_pdf(
    index: dict,
    sheets: Sequence[dict],
    *,
    paper: str = "A4",
    orientation: str = "auto",
    indicators: Sequence[str] = DEFAULT_INDICATORS,
    names: str = "masked",
    table: bool = False,
    printed_by: str,
    printed_at: datetime,
) -> bytes:
    """Render an atlas: a cover, an index map, then each natural village's page at its best scale.

    Parameters
    ----------
    index
        `app.queries.printing.atlas_index(...)` of the village or township.
    sheets
        One `village_pdf` data dict per natural village, in the index's CRS, in page order.
    table
        Follow each map with its household table (then more pages than natural villages).
    """
    _check(paper, orientation, names, indicators)
    for sheet in sheets:
        _check_names(sheet, names)
    plans = [_sheet_plan(s, paper=paper, orientation=orientation, table=table) for s in sheets]
    first_pages, number = {}, 3
    for sheet, (_, _, extra) in zip(sheets, plans, strict=True):
        first_pages[sheet["code"]] = number
        number += 1 + extra
    dates = [s["data_date"] for s in sheets if s.get("data_date")]
    page = Page(printed_by, printed_at, max(dates) if dates else None, total=number - 1)
    title = _atlas_title(index)
    buffer = io.BytesIO()
    canvas = _canvas(buffer, title=title, printed_by=printed_by)
    _cover(canvas, index, sheets, paper=paper, page=page)
    _index_page(canvas, index, first_pages, paper=paper, orientation=orientation, page=page)
    for sheet, (size, view, _) in zip(sheets, plans, strict=True):
        canvas.setPageSize(size)
        _map_page(canvas, sheet, size=size, view=view, keys=indicators, page=page, atlas=title)
        if table:
            _table_pages(canvas, sheet, size=size, keys=indicators, names=names, page=page)
    canvas.save()
    return buffer.getvalue()


def _atlas_title(index: dict) -> str:
    parts = (
        index.get("county"),
        index.get("township"),
        index["name"] if index["level"] == "village" else None,
    )
    return " · ".join(p for p in parts if p) + " 民情地图集"


def _cover(canvas: Canvas, index: dict, sheets: Sequence[dict], *, paper: str, page: Page) -> None:
    size = page_size(paper, "portrait")
    canvas.setPageSize(size)
    width, height = size
    title = _atlas_title(index)
    _text(
        canvas,
        width / 2,
        height * 0.62,
        title,
        size=_fit_text(title, width - 4 * MARGIN, 26),
        anchor="centre",
    )
    _text(canvas, width / 2, height * 0.62 - 12 * mm, "People's sentiment atlas", size=14, anchor="centre")
    households = sum(len(s["households"]) for s in sheets)
    lines = (
        f"自然寨 Natural villages: {len(sheets)}",
        f"农户 Households: {households}",
        f"打印人 Printed by: {page.printed_by}",
        f"打印时间 Printed: {page.printed_at:%Y-%m-%d %H:%M %Z}",
    )
    for n, line in enumerate(lines):
        _text(canvas, width / 2, height * 0.45 - n * 7 * mm, line, size=11, anchor="centre")
    _text(canvas, width / 2, height * 0.2, CONFIDENTIAL, size=12, colour=BOUNDARY, anchor="centre")
    _footer(canvas, size, page)
    canvas.showPage()


def _index_page(
    canvas: Canvas, index: dict, first_pages: dict[str, int], *, paper: str, orientation: str, page: Page
) -> None:
    """Draw the index map: every natural village outlined and labelled with its page number."""
    size, view = plan_view(index["geom"].bounds, paper=paper, orientation=orientation, legend=False)
    canvas.setPageSize(size)
    _title(
        canvas,
        size,
        _atlas_title(index) + " · 索引图 Index map",
        f"数字为页码 · 比例尺 1:{view.scale:,} · 坐标系 {_crs_label(index['srid'])}",
    )
    canvas.saveState()
    _clip(canvas, view)
    _polygons(canvas, view, [index["geom"]], stroke=INK, fill=white, width=1.2)
    _polygons(
        canvas,
        view,
        (n["geom"] for n in index["natural_villages"]),
        stroke=BOUNDARY,
        fill=BOUNDARY_FILL,
        width=0.4,
    )
    _grid(canvas, view)
    label_size = 7 if len(first_pages) < 60 else 5
    for village in index["natural_villages"]:
        number = first_pages.get(village["code"])
        if number is not None:
            _label_polygon(
                canvas, view, village["geom"], f"{number} {village['name']}", size=label_size, colour=INK
            )
    canvas.restoreState()
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.8)
    canvas.rect(view.x, view.y, view.width, view.height, stroke=1, fill=0)
    _north_arrow(canvas, view, index["srid"])
    _scale_bar(canvas, view, view.x + 4 * mm, view.y + 8 * mm, 45 * mm)
    _footer(canvas, size, page)
    canvas.showPage()
