"""The one-page summary's map (#13): the county's townships, or a township's villages, shaded.

Each area is shaded by the dashboard's chosen indicator as the dashboard ranks it (the share, the
count, or the mean), classed and coloured as the overview classes its areas (`classify` over the
indicator's ramp); an area whose figure is withheld for the reader is grey, as on the overview.
Drawn with the village prints' furniture: north arrow, scale bar, legend swatches and labels.
"""

from dataclasses import dataclass

from reportlab.lib.colors import HexColor, white
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from .. import indicators
from ..maps.choropleth import NO_DATA, Classes, classify, format_value
from . import drawing, frame, furniture, mapview
from .frame import INK, percent

# Outlines keep about this many steps across the area: finer than the frame can print.
STEPS = 400
LEGEND_ROW = 3.4 * mm
LEGEND_COLUMNS = 2
LABEL_SIZE = 5.5
DARK = 0.18  # a fill darker than this luminance takes white names


@dataclass(frozen=True)
class Shaded:
    """One area on the map: its outline, its name, and the value it is shaded by (None: no value)."""

    name: str
    geom: object
    value: float | None
    withheld: bool


@dataclass(frozen=True)
class AreaMap:
    """What the summary's map shows: the area, its shaded children, their classes and the legend title."""

    srid: int
    geom: object
    areas: tuple[Shaded, ...]
    classes: Classes
    by: str  # "share", "count" or "mean"
    title: str


def area_map(outlines: dict, rows: list[dict], indicator: indicators.Indicator, *, by: str) -> AreaMap:
    """Join `outlines` (`queries.printing.area_outlines`) to the children's rows the dashboard shows.

    `rows` are `queries.areas.children_table` rows for the reader (withheld counts withheld);
    `by` is the dashboard's ranking ("count" or "share"), a mean indicator is shaded by its mean.
    """
    by = "mean" if indicator.kind == "mean" else by
    key = f"{indicator.key}_share" if by == "share" else indicator.key
    values = {r["code"]: r for r in rows}
    areas = []
    for child in outlines["children"]:
        row = values.get(child["code"], {})
        withheld = bool(row.get(f"{indicator.key}_suppressed"))
        value = None if withheld or row.get(key) is None else float(row[key])
        areas.append(Shaded(child["name"], child["geom"], value, withheld))
    named = {"share": "占比 Share", "count": "户数 Households", "mean": "均值 Mean"}[by]
    return AreaMap(
        outlines["srid"],
        outlines["geom"],
        tuple(areas),
        classify(indicator, [a.value for a in areas]),
        by,
        f"{indicator.zh} {indicator.en} · {named}",
    )


def _bound(figure: AreaMap, value: float) -> str:
    if figure.by == "share":
        return percent(value)
    if figure.by == "count":
        return f"{value:,.0f}"
    return format_value(figure.classes.indicator, value, "zh")


def legend_entries(figure: AreaMap) -> list[tuple[str, str, str]]:
    """Return the legend's entries as (fill colour, Chinese, English): each class, then grey ones."""
    entries = [
        (c.color, f"{_bound(figure, c.low)} – {_bound(figure, c.high)} ({c.count})", "")
        for c in figure.classes.legend
    ]
    withheld = sum(a.withheld for a in figure.areas)
    empty = sum(a.value is None and not a.withheld for a in figure.areas)
    if withheld:
        entries.append((NO_DATA, f"不公开 ({withheld})", "Withheld"))
    if empty:
        entries.append((NO_DATA, f"无数据 ({empty})", "No data"))
    return entries


def legend_height(figure: AreaMap) -> float:
    """Return the height the legend under the frame takes."""
    rows = -(-len(legend_entries(figure)) // LEGEND_COLUMNS)
    return 4 * mm + rows * LEGEND_ROW


def draw(canvas: Canvas, figure: AreaMap, box: tuple[float, float, float, float]) -> None:
    """Draw the map in `box` (x, y, width, height): heading, frame with areas, arrow and scale, legend."""
    x, y, width, height = box
    frame.text(canvas, x, y + height - 3 * mm, "地图 Map", size=10)
    legend = legend_height(figure)
    view = mapview.fitted(figure.geom.bounds, (x, y + legend, width, height - legend - 5.5 * mm))
    canvas.saveState()
    drawing.clip(canvas, view)
    for area in figure.areas:
        drawing.polygons(
            canvas,
            view,
            [area.geom],
            stroke=white,
            fill=HexColor(figure.classes.color(area.value)),
            width=0.4,
        )
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.9)
    canvas.drawPath(drawing.ring_path(canvas, view, figure.geom), stroke=1, fill=0)
    for area in figure.areas:
        dark = indicators.luminance(figure.classes.color(area.value)) < DARK
        drawing.label_polygon(
            canvas, view, area.geom, area.name, size=LABEL_SIZE, colour=white if dark else INK
        )
    canvas.restoreState()
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.6)
    canvas.rect(view.x, view.y, view.width, view.height, stroke=1, fill=0)
    furniture.north_arrow(canvas, view, figure.srid)
    furniture.scale_bar(canvas, view, view.x + 3 * mm, view.y + 6.5 * mm, min(30 * mm, view.width / 3))
    _legend(canvas, figure, x, view.y - 3.5 * mm, width)


def _legend(canvas: Canvas, figure: AreaMap, x: float, top: float, width: float) -> None:
    """Write the legend under the frame: its title, then one swatch and label per class."""
    title = f"图例 Legend · {figure.title}"
    frame.text(canvas, x, top, title, size=frame.fit_text(title, width, 7))
    column_width = width / LEGEND_COLUMNS
    entries = legend_entries(figure)
    rows = -(-len(entries) // LEGEND_COLUMNS)
    for n, (colour, zh, en) in enumerate(entries):
        column, row = divmod(n, rows)
        left, baseline = x + column * column_width, top - 4 * mm - row * LEGEND_ROW
        furniture.swatch(canvas, "area", (INK, HexColor(colour)), left, baseline, LEGEND_ROW)
        furniture.legend_label(
            canvas, left + 5.5 * mm, baseline, zh, en, None, width=column_width - 7 * mm, size=6.5
        )
