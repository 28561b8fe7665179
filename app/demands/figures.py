"""Leaders' demand figures (#12): solved share, satisfaction and overdue count, by month, per area.

Per township (or per village of a chosen township) over the last twelve months, counted by
`app.queries.demand_stats.trend`. A rate over fewer than DISCLOSURE_MIN_COUNT demands (or
ratings) tells about a family, so for readers who may not read every demand (gis, cadres) it is
withheld, as small counts are on the maps; the counts themselves name nobody and are shown.

Counting a county's year of events takes seconds on two cores, so the rows are kept per process
until an event is written or the county reloaded (`demand_stats.version`): views in between are
served from memory, never stale.
"""

from __future__ import annotations

import calendar
import datetime
import threading
from collections import OrderedDict
from collections.abc import Sequence

from flask import current_app

from .. import privacy
from ..queries import demand_stats as queries

MONTHS = 12
_KEPT = 32  # trends kept per process: the county's and each township's
_lock = threading.Lock()
SPARK_WIDTH, SPARK_HEIGHT = 96, 22


def last_months(today: datetime.date, count: int = MONTHS) -> list[queries.Month]:
    """Return the `count` months up to this one, oldest first, each read to its end or today."""
    months, year, number = [], today.year, today.month
    for _ in range(count):
        first = datetime.date(year, number, 1)
        last = first.replace(day=calendar.monthrange(year, number)[1])
        months.append(queries.Month(first, last, min(last, today)))
        year, number = (year, number - 1) if number > 1 else (year - 1, 12)
    return months[::-1]


def _rates(row: dict, min_count: int | None) -> dict:
    """Return `row` with its solved share and satisfaction, None and withheld where the base is too small."""
    solved_hidden = min_count is not None and row["raised"] < min_count
    rated_hidden = min_count is not None and row["rated"] < min_count
    return {
        **row,
        "solved_share": None if solved_hidden or not row["raised"] else row["solved"] / row["raised"],
        "satisfaction": None if rated_hidden or not row["rated"] else row["pleased"] / row["rated"],
        "solved_withheld": solved_hidden and row["raised"] > 0,
        "satisfaction_withheld": rated_hidden and row["rated"] > 0,
    }


def _total(rows: Sequence[dict], month: datetime.date) -> dict:
    keys = ("raised", "solved", "overdue", "rated", "pleased")
    return {"month": month, **{k: sum(r[k] for r in rows) for k in keys}}


def figures(user, *, today: datetime.date, zone: str, township: dict | None = None) -> dict:
    """Return the demand figures `user` may see: the whole (county or `township`) by month, and per area.

    Returns
    -------
    dict
        ``months`` (the whole's rows, oldest first), ``areas`` (per township, or per village of
        `township`: code, name, ``months`` and ``latest``), ``level`` and ``withholding`` (the
        smallest base a rate is shown for, None when nothing is withheld).
    """
    months = last_months(today)
    rows = _trend(months, zone=zone, township=township["id"] if township else None)
    detailed = privacy.demand_scope(user) == (True, None)
    min_count = None if detailed else current_app.config["DISCLOSURE_MIN_COUNT"]
    areas: dict[str, dict] = {}
    for row in rows:
        area = areas.setdefault(row["code"], {"code": row["code"], "name": row["name"], "months": []})
        area["months"].append(_rates(row, min_count))
    for area in areas.values():
        area["latest"] = area["months"][-1]
        area["spark"] = {
            key: sparkline([m[key] for m in area["months"]]) for key in ("solved_share", "satisfaction")
        }
    whole = [
        _rates(_total([a["months"][n] for a in areas.values()], m.first), min_count)
        for n, m in enumerate(months)
    ]
    return {
        "months": whole,
        "areas": list(areas.values()),
        "level": "village" if township else "township",
        "withholding": min_count,
    }


def sparkline(values: Sequence[float | None]) -> str:
    """Return SVG polyline points of shares (0..1) by month; a withheld or empty month is skipped."""
    step = SPARK_WIDTH / max(len(values) - 1, 1)
    points = [
        f"{n * step:.1f},{SPARK_HEIGHT - 1 - v * (SPARK_HEIGHT - 2):.1f}"
        for n, v in enumerate(values)
        if v is not None
    ]
    return " ".join(points)


def _trend(months: list[queries.Month], *, zone: str, township: int | None) -> list[dict]:
    """Return `queries.trend`, from memory while no event has been written since it was counted."""
    cache = current_app.extensions.setdefault("demand_figures", OrderedDict())
    key = (queries.version(), township, months[-1].cutoff, zone)
    with _lock:
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
    rows = queries.trend(months, zone=zone, township=township)
    with _lock:
        cache[key] = rows
        while len(cache) > _KEPT:
            cache.popitem(last=False)
    return rows
