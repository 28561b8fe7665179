"""The dashboard's trend (#13): each household indicator at every past year's end and today, as small charts.

`series` gives an area's points from the year-end figures (`app.queries.trends`) and today's totals,
withheld for the reader exactly as the totals beside them are; `sparkline` draws one indicator's as an
inline SVG (no script, no chart library) whose title lists every point, for a screen reader and on
hover. A year before the history began has no point, and a withheld one is not drawn.
"""

from dataclasses import dataclass

import openpyxl
from markupsafe import Markup, escape

from . import area_maps, disclosure, indicators, localtime
from .exports.workbook import SHARE_FORMAT
from .i18n import gettext as _
from .maps.choropleth import format_value
from .queries import trends

WIDTH, HEIGHT = 120, 30  # px: the chart beside a total
TOP, PAD = 12, 3  # px: the labels' band above the line, and the margin around it


@dataclass(frozen=True)
class Point:
    """One indicator's value at one moment: `value` is drawn (a count, or a mean), None when withheld."""

    label: str  # the year, or "today"
    value: float | None
    share: float | None  # a share indicator's share of all households
    text: str  # the value as the title writes it
    withheld: bool = False

    @property
    def short(self) -> str:
        """Return the value as a chart's label and the printed line write it: the number alone."""
        return self.text.split(" ")[0]


def _point(ind: indicators.Indicator, label: str, row: dict, lang: str) -> Point:
    if row.get(f"{ind.key}_suppressed"):
        return Point(label, None, None, _("withheld"), withheld=True)
    value = row[ind.key]
    if ind.kind != "share":
        return Point(label, None if value is None else float(value), None, format_value(ind, value, lang))
    share = row[f"{ind.key}_share"]
    share = None if share is None else float(share)
    return Point(label, value, share, f"{value:,} ({format_value(ind, share, lang)})")


def series(unit: dict, known: tuple, now: dict, lang: str) -> dict[str, list[Point]]:
    """Return, per traced indicator, `unit`'s points: each past year's end, then today (`now`, its totals)."""

    def build() -> list[dict]:
        trends.fill()  # kept per year: the first reader of a new year adds the one that ended
        return trends.yearly(unit, suppression=disclosure.for_scope(known))

    rows = area_maps.kept(("trend", known, unit["code"], localtime.today().year), build)
    today = _("today")
    return {
        ind.key: [*(_point(ind, str(row["year"]), row, lang) for row in rows), _point(ind, today, now, lang)]
        for ind in trends.traced()
    }


def title(ind: indicators.Indicator, points: list[Point], lang: str) -> str:
    """Return what the chart says in words: every point's label and value."""
    values = "; ".join(f"{p.label}: {p.text}" for p in points)
    return _("{indicator} at each year's end: {values}").format(indicator=ind.label(lang), values=values)


def _xy(points: list[Point]) -> list[tuple[float, float] | None]:
    drawn = [p.value for p in points if p.value is not None]
    low, high = (min(drawn), max(drawn)) if drawn else (0, 0)
    step = (WIDTH - 2 * PAD) / max(len(points) - 1, 1)
    bottom, span = HEIGHT - PAD, HEIGHT - PAD - TOP
    return [
        None
        if p.value is None
        else (PAD + n * step, bottom - (span / 2 if high == low else span * (p.value - low) / (high - low)))
        for n, p in enumerate(points)
    ]


def sparkline(ind: indicators.Indicator, points: list[Point], lang: str) -> Markup:
    """Return `points` as an inline SVG line, its first and last drawn values labelled."""
    xy = _xy(points)
    lines, run = [], []
    for at in [*xy, None]:  # a withheld point breaks the line
        if at is None:
            if len(run) > 1:
                lines.append(" ".join(f"{x:.1f},{y:.1f}" for x, y in run))
            run = []
        else:
            run.append(at)
    drawn = [(p, at) for p, at in zip(points, xy, strict=True) if at is not None]
    marks = []
    for point, (x, y) in drawn[:1] + drawn[1:][-1:]:  # the first and the last drawn
        anchor = "start" if x < WIDTH / 2 else "end"
        marks.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2"/>')
        marks.append(f'<text x="{x:.1f}" y="9" text-anchor="{anchor}">{escape(point.short)}</text>')
    said = escape(title(ind, points, lang))
    body = "".join(f'<polyline points="{line}"/>' for line in lines) + "".join(marks)
    return Markup(
        f'<svg class="sparkline" role="img" aria-label="{said}" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" data-indicator="{ind.key}"><title>{said}</title>{body}</svg>'
    )


def in_words(points: list[Point]) -> str:
    """Return the points on one line, the first year named: "2021 1,234 → 1,180 → … → 990"."""
    return f"{points[0].label} " + " → ".join(p.short for p in points) if len(points) > 1 else ""


def add_sheet(book: openpyxl.Workbook, areas: list[dict], lang: str) -> None:
    """Add the trend of `areas` (names and `series`) to `book`: a row per area and indicator, and share."""
    sheet = book.create_sheet(_("Trend")[:31])
    labels = list(
        dict.fromkeys(p.label for area in areas for points in area["points"].values() for p in points)
    )
    header = [
        _("Area"),
        _("Indicator"),
        *(label if label == _("today") else _("End of {year}").format(year=label) for label in labels),
    ]
    sheet.append(header)
    for area in areas:
        for ind in trends.traced():
            by_label = {p.label: p for p in area["points"][ind.key]}
            cells = [by_label.get(label) for label in labels]
            name = ind.label(lang)
            sheet.append([area["name"], name, *(_cell(p, "value") for p in cells)])
            if ind.kind == "share":
                sheet.append([area["name"], f"{name} {_('Share')}", *(_cell(p, "share") for p in cells)])
                for cell in sheet[sheet.max_row][2:]:
                    cell.number_format = SHARE_FORMAT
    sheet.freeze_panes = "C2"
    sheet.column_dimensions["B"].width = 24


def _cell(point: Point | None, field: str):
    """Return one point's value as a spreadsheet cell: a number, "withheld" as text, empty for none."""
    if point is None:
        return None
    if point.withheld:
        return _("withheld")
    value = getattr(point, field)
    return value if value is None or isinstance(value, int) else float(value)
