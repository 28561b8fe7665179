"""The leaders' dashboard: county totals of every indicator and areas ranked by any of them.

`/dashboard` answers "which natural villages have the most left-behind children?" or "which
villages have the highest share of dilapidated houses in this township?": every row links to its
map, and the same table downloads as XLSX (Chinese headers, numbers as numbers). Counts are the
drill-down's, withheld for the reader exactly as the maps withhold them.
"""

import io
from datetime import UTC, datetime

import openpyxl
from flask import Blueprint, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from . import api, area_maps, audit, disclosure, indicators, localtime, params, queries, trends
from .demands import figures
from .errors import AppError
from .exports.cells import neutralise
from .exports.workbook import SHARE_FORMAT
from .extensions import db
from .i18n import gettext as _
from .i18n import language
from .maps.choropleth import format_value
from .printing import summary as printing_summary
from .printing import summary_map
from .printing.documents import printed_by
from .queries import areas, printing, rankings

bp = Blueprint("dashboard", __name__)

PARAMETERS = ("level", "indicator", "by", "order", "township", "since")
ROWS_SHOWN = 100
ROWS_DOWNLOADED = 20_000  # more than a prefecture's natural villages


def _choices(args) -> dict:
    """Return the ranking asked for by the query string (each value checked)."""
    params.only(args, PARAMETERS)
    township = args.get("township") or None
    return {
        "level": params.choice(args, "level", rankings.LEVELS[::-1]),
        "indicator": params.indicator(args),
        "by": params.choice(args, "by", ("count", "share")),
        "order": params.choice(args, "order", ("desc", "asc")),
        "township": api.township(township) if township else None,
    }


def _ranked(choice: dict, limit: int) -> list[dict]:
    return rankings.ranked(
        choice["level"],
        choice["indicator"],
        by_share=choice["by"] == "share",
        descending=choice["order"] == "desc",
        township=choice["township"]["id"] if choice["township"] else None,
        suppression=disclosure.for_user(current_user),
        limit=limit,
    )


def _shown(choice: dict) -> list[dict]:
    """Return the rows the page shows, kept per data version and disclosure scope (app.area_maps.kept)."""
    township = choice["township"]["code"] if choice["township"] else None
    key = ("ranked", disclosure.scope(current_user), choice["level"], choice["indicator"].key)
    key += (choice["by"], choice["order"], township)
    return area_maps.kept(key, lambda: _ranked(choice, ROWS_SHOWN))


def _link(level: str, code: str, indicator: indicators.Indicator) -> str:
    endpoint = "pages.natural_village" if level == "natural_village" else "pages.area"
    return url_for(endpoint, code=code, indicator=indicator.key)


def _totals(township: dict | None) -> tuple[dict, dict, object, dict | None]:
    """Return the area (the county, or `township`), its totals now, ``?since=`` and its totals then.

    "What changed since D": the same totals over the households as they were at D's end (#13).
    """
    county = queries.county()
    if county is None:
        raise AppError(503, "NoData", _("No county is loaded yet. Run: flask --app app demo"))
    unit = areas.area(township["code"] if township else county["code"])
    known = disclosure.scope(current_user)
    since = params.as_of(request.args, today=localtime.today(), name="since")
    then = area_maps.table(unit, known, as_of=localtime.end_of(since))[-1] if since else None
    return unit, area_maps.table(unit, known)[-1], since, then


def _trend_areas(choice: dict, lang: str, county: tuple[dict, dict]) -> list[dict]:
    """Return the trend of the county (its area and totals, from `_totals`), and of the chosen township.

    Each is the area's name and points (app.trends).
    """
    known = disclosure.scope(current_user)
    shown = [county, _totals(choice["township"])[:2]] if choice["township"] else [county]
    return [{"name": unit["name"], "points": trends.series(unit, known, now, lang)} for unit, now in shown]


@bp.get("/dashboard")
@login_required
def dashboard():
    """County totals with their trend, then the areas of one level ranked by one indicator."""
    choice = _choices(request.args)
    lang = language()
    unit, totals, since, then = _totals(None)
    args = {k: v for k, v in request.args.items() if k in PARAMETERS}
    return render_template(
        "dashboard.html",
        choice=choice,
        totals=totals,
        since=since,
        then=then,
        today=localtime.today(),
        rows=_shown(choice),
        indicators=indicators.INDICATORS,
        townships=rankings.townships(),
        levels=rankings.LEVELS,
        link=lambda code: _link(choice["level"], code, choice["indicator"]),
        sort_url=lambda **change: url_for("dashboard.dashboard", **{**args, **change}),
        xlsx_url=url_for("dashboard.spreadsheet", **args),
        pdf_url=url_for("dashboard.summary", **args),
        fmt=lambda ind, value: format_value(ind, value, lang),
        demand_figures=figures.figures(
            current_user, today=localtime.today(), zone=localtime.zone().key, township=choice["township"]
        ),
        share=lambda value, withheld: _("withheld") if withheld else "—" if value is None else f"{value:.1%}",
        trend_areas=_trend_areas(choice, lang, (unit, totals)),
        sparkline=lambda ind, points: trends.sparkline(ind, points, lang),
    )


def _header(level: str, lang: str) -> list[str]:
    names = [_("Code"), _(level), _("Township"), _("Village"), _("All households")]
    for ind in indicators.INDICATORS:
        label = ind.label(lang)
        names += [label, f"{label} {_('Share')}"] if ind.kind == "share" else [label]
    return names


def _cells(row: dict) -> list:
    """Return one ranked row as spreadsheet values: numbers as numbers, a withheld count as text."""
    cells = [row["code"], *(neutralise(row[k]) for k in ("name", "township_name", "village_name"))]
    cells.append(row["households"])
    for ind in indicators.INDICATORS:
        if ind.kind != "share":
            cells.append(None if row[ind.key] is None else float(row[ind.key]))
        elif row.get(f"{ind.key}_suppressed"):
            cells += [_("withheld"), _("withheld")]
        else:
            share = row[f"{ind.key}_share"]
            cells += [row[ind.key], None if share is None else float(share)]
    return cells


@bp.get("/dashboard.xlsx")
@login_required
def spreadsheet():
    """The ranking as an XLSX workbook: every area of the level, every indicator."""
    choice = _choices(request.args)
    lang = language()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = choice["indicator"].label(lang)[:31]
    header = _header(choice["level"], lang)
    sheet.append(header)
    shares = [i for i, name in enumerate(header) if name.endswith(_("Share"))]
    for row in _ranked(choice, ROWS_DOWNLOADED):
        sheet.append(_cells(row))
        for i in shares:
            sheet.cell(sheet.max_row, i + 1).number_format = SHARE_FORMAT
    sheet.freeze_panes = "B2"
    sheet.column_dimensions["A"].width = 16
    trends.add_sheet(book, _trend_areas(choice, lang, _totals(None)[:2]), lang)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    name = f"{_('Rankings')}-{_(choice['level'])}-{choice['indicator'].label(lang)}.xlsx"
    return send_file(out, as_attachment=True, download_name=name, mimetype=XLSX)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- the one-page summary (#13) ------------------------------------------------------------


def _total_row(ind: indicators.Indicator, now: dict, then: dict | None, lang: str, points: list) -> dict:
    """Return one indicator's line of the summary: its count and share (or mean), its change and trend."""
    fmt = lambda value: format_value(ind, value, lang)  # noqa: E731
    withheld = now.get(f"{ind.key}_suppressed") or (then or {}).get(f"{ind.key}_suppressed")
    if ind.kind == "share":
        count = "不公开" if now.get(f"{ind.key}_suppressed") else f"{now[ind.key]:,}"
        value = "—" if now.get(f"{ind.key}_suppressed") else fmt(now[f"{ind.key}_share"])
        change = "" if then is None else "不公开" if withheld else f"{now[ind.key] - then[ind.key]:+,}"
    else:
        count, value = "", fmt(now[ind.key])
        change = "" if then is None else f"{fmt(then[ind.key])} → {value}"
    years = trends.in_words(points)
    return {"label": ind.label(lang), "count": count, "value": value, "change": change, "years": years}


def _ranked_row(n: int, row: dict, choice: dict, lang: str) -> dict:
    ind = choice["indicator"]
    parent = " · ".join(p for p in (row.get("township_name"), row.get("village_name")) if p)
    if row.get(f"{ind.key}_suppressed"):
        value = "不公开"
    elif ind.kind == "share":
        value = f"{row[ind.key]:,} ({format_value(ind, row[f'{ind.key}_share'], lang)})"
    else:
        value = format_value(ind, row[ind.key], lang)
    households = f"{row['households']:,}"
    return {"rank": str(n), "name": row["name"], "parent": parent, "households": households, "value": value}


def _summary_map(unit: dict, choice: dict) -> summary_map.AreaMap:
    """Return the summary's map of `unit`'s children, shaded as the reader's dashboard shows them."""
    children = area_maps.table(unit, disclosure.scope(current_user))[:-1]
    outlines = printing.area_outlines(unit["id"], steps=summary_map.STEPS)
    return summary_map.area_map(outlines, children, choice["indicator"], by=choice["by"])


@bp.get("/dashboard.pdf")
@login_required
def summary():
    """The county's (or a township's) figures on one A4 page: totals, their change, the ranking."""
    choice = _choices(request.args)
    lang = language()
    unit, now, since, then = _totals(choice["township"])
    points = trends.series(unit, disclosure.scope(current_user), now, lang)
    today = localtime.today()
    demand = figures.figures(
        current_user, today=today, zone=localtime.zone().key, township=choice["township"]
    )
    order = "前" if choice["order"] == "desc" else "后"
    body = printing_summary.summary_pdf(
        {
            "heading": f"{unit['name']} 概况 Summary",
            "subtitle": f"截至 {today}" + (f" · 变化较 {since}" if since else "") + " · "
            f"{choice['indicator'].label(lang)}排名{order}{printing_summary.RANKED}位的{_(choice['level'])}",
            "data_date": today,
            "totals": [
                _total_row(ind, now, then, lang, points.get(ind.key, [])) for ind in indicators.INDICATORS
            ],
            "ranking_title": f"{choice['indicator'].label(lang)} · {_(choice['level'])} {_('Rankings')}",
            "ranking": [
                _ranked_row(n, row, choice, lang)
                for n, row in enumerate(_ranked(choice, printing_summary.RANKED), start=1)
            ],
            "demands": printing_summary.demand_lines(demand),
            "map": _summary_map(unit, choice),
        },
        printed_by=printed_by(current_user),
        printed_at=datetime.now(UTC).astimezone(localtime.zone()),
    )
    audit.record("print_summary", unit["code"], since=str(since) if since else None)
    db.session.commit()
    name = f"{unit['name']}-概况-{today}.pdf"
    return send_file(io.BytesIO(body), mimetype="application/pdf", as_attachment=False, download_name=name)
