"""Draw printed maps as PDF with ReportLab: a natural village's sheet, and an atlas of them.

Nothing here knows about Flask or the database: the functions take plain query
results (`app.queries.printing`: geometries already projected to a CGCS2000
Gauss-Kruger zone in metres, households already masked as the role requires)
and layout options, and return PDF bytes. Everything is drawn as vectors;
Chinese text uses one embedded (subset) TrueType font, so it prints without
missing glyphs and stays selectable.

This module lays out documents; its parts live beside it: `frame` (paper, font,
title, footer), `mapview` (frame, scale, area shown), `drawing` (polygons, grid),
`mappage` (a natural village's page), `labels` (numbers placed without overlap),
`symbols` (households and their flags), `furniture` (legend, scale bar, north
arrow, locator) and `roster` (the household table).
"""

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from reportlab.lib.colors import white
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from . import drawing, frame, furniture, mappage, roster
from .frame import (
    BOUNDARY,
    BOUNDARY_FILL,
    CONFIDENTIAL,
    FONT_PATH,
    INK,
    MARGIN,
    ORIENTATIONS,
    PAPERS,
    Page,
    page_size,
)
from .layout import Layout
from .mapview import focus, nice_length, nice_scale, plan_view
from .symbols import COLOURS, DEFAULT_INDICATORS, FLAGS

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


@dataclass(frozen=True)
class SheetPlan:
    """A natural village's pages, laid out: page size, map layout (with enlargements), table pages."""

    size: tuple[float, float]
    layout: Layout
    table_pages: int

    @property
    def pages(self) -> int:
        return len(self.layout.sheets()) + self.table_pages


def sheet_plan(sheet: dict, *, paper: str, orientation: str, keys: Sequence[str], table: bool) -> SheetPlan:
    """Return how a natural village's pages are laid out."""
    size, view = plan_view(focus(sheet), paper=paper, orientation=orientation)
    placed = mappage.plan(sheet, view, keys, frame.STYLES[paper])
    pages = roster.table_pages(len(sheet["households"]), size) if table else 0
    return SheetPlan(size, placed, pages)


def _sheet_pages(canvas: Canvas, sheet: dict, plan: SheetPlan, *, paper, keys, names, page, atlas="") -> None:
    """Draw a natural village's map pages, then its household table when planned."""
    canvas.setPageSize(plan.size)
    style = frame.STYLES[paper]
    mappage.draw(canvas, sheet, plan.layout, size=plan.size, keys=keys, page=page, style=style, atlas=atlas)
    if plan.table_pages:
        heading = mappage.sheet_title(sheet)
        roster.draw(canvas, sheet, size=plan.size, keys=keys, names=names, page=page, heading=heading)


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
    as_of: date | None = None,
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
    as_of
        The day whose households `data` holds: the footer says 截至 (as of) it instead of a data date.
    """
    _check(paper, orientation, names, indicators)
    _check_names(data, names)
    plan = sheet_plan(data, paper=paper, orientation=orientation, keys=indicators, table=table)
    page = Page(printed_by, printed_at, data_date or data.get("data_date"), total=plan.pages, as_of=as_of)
    buffer = io.BytesIO()
    canvas = frame.new_canvas(buffer, heading=mappage.sheet_title(data), printed_by=printed_by)
    _sheet_pages(canvas, data, plan, paper=paper, keys=indicators, names=names, page=page)
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
    as_of: date | None = None,
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
    as_of
        The day whose households `sheets` hold (the footer says so).
    """
    _check(paper, orientation, names, indicators)
    for sheet in sheets:
        _check_names(sheet, names)
    plans = [
        sheet_plan(s, paper=paper, orientation=orientation, keys=indicators, table=table) for s in sheets
    ]
    first_pages, number = {}, 3
    for sheet, plan in zip(sheets, plans, strict=True):
        first_pages[sheet["code"]] = number
        number += plan.pages
    dates = [s["data_date"] for s in sheets if s.get("data_date")]
    page = Page(printed_by, printed_at, max(dates) if dates else None, total=number - 1, as_of=as_of)
    title = _atlas_title(index)
    buffer = io.BytesIO()
    canvas = frame.new_canvas(buffer, heading=title, printed_by=printed_by)
    _cover(canvas, index, sheets, paper=paper, page=page)
    _index_page(canvas, index, first_pages, paper=paper, orientation=orientation, page=page)
    for sheet, plan in zip(sheets, plans, strict=True):
        _sheet_pages(canvas, sheet, plan, paper=paper, keys=indicators, names=names, page=page, atlas=title)
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
        f"数字为页码 · 比例尺 1:{view.scale:,} · 坐标系 {frame.crs_label(index['srid'])}",
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
