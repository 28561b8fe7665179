"""Visit logs in (走访台账, .xlsx or .csv): each row a visit, checked, then written once per row content.

A row names the household by its code and the cadre by the mobile number of the
register; the visit's uid is made from the row's content, so importing the same
log twice (or a log overlapping an earlier one) stores each visit once. Problems
carry the row number a spreadsheet program shows and are worded in both
languages; a visit logged far from its household is kept and flagged, not refused.
"""

from __future__ import annotations

import datetime
import pathlib

import numpy as np
import pandas as pd

from ..queries import stats
from ..queries import work as sql
from ..work_models import VISIT_TICKS
from .households import ImportResult
from .problems import Problem
from .rows import Rows, read_rows, recogniser

HEADERS = {
    "户编号": "household_code",
    "户号": "household_code",
    "户码": "household_code",
    "走访干部手机号": "phone",
    "干部手机号": "phone",
    "手机号": "phone",
    "联系电话": "phone",
    "走访日期": "visited_on",
    "日期": "visited_on",
    "走访类型": "kind",
    "类型": "kind",
    "走访情况": "findings",
    "情况说明": "findings",
    "发现问题": "findings",
    "勾选项": "ticks",
    "经度": "lon",
    "纬度": "lat",
}
FIELDS = ("household_code", "phone", "visited_on", "kind", "findings", "ticks", "lon", "lat")
REQUIRED = {"household_code": "户编号", "phone": "走访干部手机号", "visited_on": "走访日期"}
KINDS = {
    **dict.fromkeys(("", "日常走访", "日常", "走访", "routine"), "routine"),
    **dict.fromkeys(("节日慰问", "慰问", "节日走访", "holiday"), "holiday"),
    **dict.fromkeys(("诉求回访", "回访", "follow_up", "follow-up"), "follow_up"),
}
TICK_NAMES = {
    "住房安全": "housing_safe",
    "饮水安全": "drinking_water",
    "参加医保": "medical_insurance",
    "适龄子女在校": "schooling",
    "收入稳定": "income_stable",
    "提出诉求": "demand_raised",
    **{t: t for t in VISIT_TICKS},
}
FINDINGS_MAX = 200
FAR_METRES = 1000  # a visit logged further than this from its household is flagged
# What the database finds wrong with a staged row: (field, reason, reason_zh).
STAGED_PROBLEMS = {
    "household": ("household_code", "no household has this code", "户编号不存在"),
    "cadre": ("phone", "no cadre in the register has this mobile number", "干部名册中没有该手机号"),
    "responsible": (
        "household_code",
        "this cadre is not responsible for this household",
        "该干部不负责此户（不在其包片内，也未与其结对）",
    ),
}


field_of = recogniser(HEADERS, FIELDS)


def dates(values: pd.Series) -> pd.Series:
    """Parse 2026-03-05, 2026/3/5, 2026.3.5, 2026年3月5日 and Excel date cells; NaT where none."""
    text = values.str.replace(r"[年月./]", "-", regex=True).str.replace("日", "").str.split(r"[T ]").str[0]
    return pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")


def _ticks(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Return each row's ticks as a JSON array and whether one of them is unknown."""
    lists = values.str.split(r"[,，、;；\s]+").map(lambda items: [i for i in items if i])
    known = lists.map(lambda items: all(i in TICK_NAMES for i in items))
    arrays = lists.map(lambda items: "[" + ",".join(f'"{TICK_NAMES.get(i, i)}"' for i in items) + "]")
    return arrays, ~known


def _check(rows: Rows, today: datetime.date) -> pd.DataFrame:
    """Check every value that needs no database; return the typed columns."""
    f = rows.frame
    phone_ok = f.phone.str.fullmatch(r"1[3-9][0-9]{9}")
    rows.flag(f.household_code == "", "household_code", "household code missing", "缺少户编号")
    rows.flag(~phone_ok, "phone", "a cadre's 11-digit mobile number expected", "应为干部的11位手机号")
    day = dates(f.visited_on)
    rows.flag(day.isna(), "visited_on", "date expected (2026-03-05)", "应为日期（如 2026-03-05）")
    rows.flag(day.dt.date > today, "visited_on", "the visit is dated in the future", "走访日期晚于今天")
    kind = f.kind.map(KINDS)
    rows.flag(kind.isna(), "kind", "routine, holiday or follow-up expected", "应为日常走访、节日慰问或回访")
    rows.flag(
        f.findings.str.len() > FINDINGS_MAX, "findings", "findings over 200 characters", "走访情况超过200字"
    )
    ticks, unknown = _ticks(f.ticks)
    rows.flag(unknown, "ticks", "unknown tick", "未知的勾选项")
    lon = pd.to_numeric(f.lon.replace("", np.nan), errors="coerce")
    lat = pd.to_numeric(f.lat.replace("", np.nan), errors="coerce")
    given = (f.lon != "") | (f.lat != "")
    bad_point = given & (lon.isna() | lat.isna() | ~lon.between(-180, 180) | ~lat.between(-90, 90))
    rows.flag(bad_point, "lon", "longitude and latitude in degrees expected", "应为经纬度（度）")
    return pd.DataFrame(
        {
            "row": f.row,
            "household_code": f.household_code,
            "phone": f.phone,
            "visited_on": day.dt.date,
            "kind": kind,
            "findings": f.findings,
            "ticks": ticks,
            "lon": lon.where(~bad_point),
            "lat": lat.where(~bad_point),
        }
    )


def import_visits(
    path: str | pathlib.Path,
    *,
    today: datetime.date,
    valid_only: bool = False,
    max_bytes: int = 200 * 1024**2,
    name: str | None = None,
    created_by: int | None = None,
) -> ImportResult:
    """Import a visit log into the caller's transaction (the caller commits); return what it did.

    Parameters
    ----------
    today
        The day visits must not be after (the county's today).
    valid_only
        Import the rows without problems; by default any problem means nothing is written.
    """
    result, rows = read_rows(
        path, name=name, field_of=field_of, fields=FIELDS, required=REQUIRED, max_bytes=max_bytes
    )
    if rows is None:
        return result
    frame, column_of = rows.frame, rows.column_of
    checked = _check(rows, today)
    good = checked[~rows.bad]
    sql.stage("visit", good.assign(uid=None))  # uids made from the rows' content by the database
    refused_by_database = {problem: [] for problem in STAGED_PROBLEMS}
    for found in sql.check_staged_visits(far_metres=FAR_METRES):
        if found["problem"] == "far":
            # Kept, not refused: flagged for whoever checks the log.
            value = f"{found['distance_m']:.0f} m"
            reason = ("logged far from the household (kept)", "走访位置距该户较远（已保留）")
            result.problems.append(Problem(result.file, found["row"], column_of["lon"], value, *reason))
        else:
            refused_by_database[found["problem"]].append(found["row"])
    for problem, numbers in refused_by_database.items():
        rows.flag_rows(numbers, *STAGED_PROBLEMS[problem])
    rows.finish()
    refused = result.rejected > 0
    if refused and not valid_only:
        return result
    result.inserted = sql.insert_staged_visits(
        source=result.file, created_by=created_by, skip_rows=frame.row[rows.bad].tolist()
    )
    result.unchanged = len(frame) - result.rejected - result.inserted
    result.written = True
    if result.inserted:
        stats.refresh()  # coverage on tiles and OGC layers
    return result
