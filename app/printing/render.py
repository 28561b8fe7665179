"""Draw printed maps as PDF with ReportLab: a natural village's sheet, and an atlas of them.

Nothing here knows about Flask or the database: the functions take plain query
results (`app.queries.printing`: geometries already projected to a CGCS2000
Gauss-Kruger zone in metres, households already masked as the role requires)
and layout options, and return PDF bytes. Everything is drawn as vectors;
Chinese text uses one embedded (subset) TrueType font, so it prints without
missing glyphs and stays selectable.

This module lays out documents; its parts live beside it: `frame` (paper, font,
title, footer), `mapview` (frame, scale, area shown), `drawing` (polygons, grid),
`symbols` (households and their flags), `furniture` (legend, scale bar, north
arrow, locator) and `roster` (the household table).
"""

import io
from collections.abc import Sequence
from datetime import date, datetime

from reportlab.lib.colors import white
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from . import drawing, frame, furniture, roster, symbols
from .frame import (
    BOUNDARY,
    BOUNDARY_FILL,
    CONFIDENTIAL,
    FONT_PATH,
    INK,
    MARGIN,
    NEIGHBOUR,
    NEIGHBOUR_FILL,
    ORIENTATIONS,
    PAPERS,
    Page,
    page_size,
)
from .mapview import View, focus, nice_length, nice_scale, plan_view
from .symbols import COLOURS, DEFAULT_INDICATORS, FLAGS, SYMBOL_RADIUS

__all__ = [
    "COLOURS",
    "DEFAULT_INDICATORS",
    "FLAGS",
    "FONT_PATH",
    "NAMES",
    "ORIENTATIONS",
    "PAPERS",
    "atlas_pdf",
    "focus",
    "nice_length",
    "nice_scale",
    "page_size",
    "plan_view",
    "village_pdf",
]

NAMES = ("masked", "shown", "omitted")

# --- a natural village's map page ---------------------------------------------


def _map_page(
    canvas: Canvas, sheet: dict, *, size, view: View, keys: Sequence[str], page: Page, atlas: str = ""
) -> None:
    """Draw the map page of one natural village: title, map, legend, scale, north, footer."""
    households = sheet["households"]
    frame.title(canvas, size, _sheet_title(sheet), _sheet_subtitle(sheet, view, atlas=atlas))

    canvas.saveState()
    drawing.clip(canvas, view)
    drawing.polygons(
        canvas,
        view,
        (n["geom"] for n in sheet["neighbours"]),
        stroke=NEIGHBOUR,
        fill=NEIGHBOUR_FILL,
        width=0.5,
    )
    drawing.polygons(canvas, view, [sheet["geom"]], stroke=BOUNDARY, fill=BOUNDARY_FILL, width=1.4)
    drawing.grid(canvas, view)
    for neighbour in sheet["neighbours"]:
        drawing.label_polygon(canvas, view, neighbour["geom"], neighbour["name"], size=8, colour=NEIGHBOUR)
    for household in households:
        px, py = view.to_page(household["x"], household["y"])
        symbols.symbol(canvas, px, py, symbols.shown_flags(household, keys))
        frame.text(canvas, px + SYMBOL_RADIUS + 0.2 * mm, py + 0.4 * mm, str(household["number"]), size=5)
    canvas.restoreState()

    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.8)
    canvas.rect(view.x, view.y, view.width, view.height, stroke=1, fill=0)
    furniture.north_arrow(canvas, view, sheet["srid"])
    furniture.locator(canvas, sheet, view)
    furniture.legend(canvas, size, view, households, keys)
    frame.footer(canvas, size, page)
    canvas.showPage()


def _sheet_title(sheet: dict) -> str:
    parts = (sheet.get("county"), sheet.get("township"), sheet.get("village"), sheet["name"])
    return " · ".join(p for p in parts if p) + "  民情地图"


def _sheet_subtitle(sheet: dict, view: View, *, atlas: str = "") -> str:
    prefix = f"{atlas} · " if atlas else ""
    return (
        f"{prefix}People's sentiment map · 自然寨代码 Code {sheet['code']} · 户数 Households "
        f"{len(sheet['households'])} · 比例尺 Scale 1:{view.scale:,} · "
        f"坐标系 CRS {frame.crs_label(sheet['srid'])}"
    )


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


def _sheet_plan(sheet: dict, *, paper: str, orientation: str, table: bool) -> tuple[tuple, View, int]:
    """Return a natural village's map page size, view and number of table pages."""
    size, view = plan_view(focus(sheet), paper=paper, orientation=orientation)
    pages = roster.table_pages(len(sheet["households"]), size) if table else 0
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
    canvas = frame.new_canvas(buffer, heading=_sheet_title(data), printed_by=printed_by)
    canvas.setPageSize(size)
    _map_page(canvas, data, size=size, view=view, keys=indicators, page=page)
    if table:
        roster.draw(
            canvas, data, size=size, keys=indicators, names=names, page=page, heading=_sheet_title(data)
        )
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
    canvas = frame.new_canvas(buffer, heading=title, printed_by=printed_by)
    _cover(canvas, index, sheets, paper=paper, page=page)
    _index_page(canvas, index, first_pages, paper=paper, orientation=orientation, page=page)
    for sheet, (size, view, _) in zip(sheets, plans, strict=True):
        canvas.setPageSize(size)
        _map_page(canvas, sheet, size=size, view=view, keys=indicators, page=page, atlas=title)
        if table:
            roster.draw(
                canvas, sheet, size=size, keys=indicators, names=names, page=page, heading=_sheet_title(sheet)
            )
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
    frame.text(
        canvas,
        width / 2,
        height * 0.62,
        title,
        size=frame.fit_text(title, width - 4 * MARGIN, 26),
        anchor="centre",
    )
    frame.text(
        canvas, width / 2, height * 0.62 - 12 * mm, "People's sentiment atlas", size=14, anchor="centre"
    )
    households = sum(len(s["households"]) for s in sheets)
    lines = (
        f"自然寨 Natural villages: {len(sheets)}",
        f"农户 Households: {households}",
        f"打印人 Printed by: {page.printed_by}",
        f"打印时间 Printed: {page.printed_at:%Y-%m-%d %H:%M %Z}",
    )
    for n, line in enumerate(lines):
        frame.text(canvas, width / 2, height * 0.45 - n * 7 * mm, line, size=11, anchor="centre")
    frame.text(canvas, width / 2, height * 0.2, CONFIDENTIAL, size=12, colour=BOUNDARY, anchor="centre")
    frame.footer(canvas, size, page)
    canvas.showPage()


def _index_page(
    canvas: Canvas, index: dict, first_pages: dict[str, int], *, paper: str, orientation: str, page: Page
) -> None:
    """Draw the index map: every natural village outlined and labelled with its page number."""
    size, view = plan_view(index["geom"].bounds, paper=paper, orientation=orientation, legend=False)
    canvas.setPageSize(size)
    frame.title(
        canvas,
        size,
        _atlas_title(index) + " · 索引图 Index map",
        f"数字为页码 Numbers are page numbers · 比例尺 Scale 1:{view.scale:,} · 坐标系 CRS "
        f"{frame.crs_label(index['srid'])}",
    )
    canvas.saveState()
    drawing.clip(canvas, view)
    drawing.polygons(canvas, view, [index["geom"]], stroke=INK, fill=white, width=1.2)
    drawing.polygons(
        canvas,
        view,
        (n["geom"] for n in index["natural_villages"]),
        stroke=BOUNDARY,
        fill=BOUNDARY_FILL,
        width=0.4,
    )
    drawing.grid(canvas, view)
    label_size = 7 if len(first_pages) < 60 else 5
    for village in index["natural_villages"]:
        number = first_pages.get(village["code"])
        if number is not None:
            drawing.label_polygon(
                canvas, view, village["geom"], f"{number} {village['name']}", size=label_size, colour=INK
            )
    canvas.restoreState()
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.8)
    canvas.rect(view.x, view.y, view.width, view.height, stroke=1, fill=0)
    furniture.north_arrow(canvas, view, index["srid"])
    furniture.scale_bar(canvas, view, view.x + 4 * mm, view.y + 8 * mm, 45 * mm)
    frame.footer(canvas, size, page)
    canvas.showPage()
