"""Help measures in (六个到户, .xlsx or .csv): per poor household, each measure's status and date.

One row per household and measure, matched on both: a newer status replaces the
older one; a row that changes nothing is counted unchanged.
"""

from __future__ import annotations

import datetime
import pathlib

from ..queries import stats
from ..queries import work as sql
from .households import ImportResult
from .rows import read_rows, recogniser
from .visits import dates

HEADERS = {
    "户编号": "household_code",
    "户号": "household_code",
    "帮扶措施": "kind",
    "措施": "kind",
    "措施类型": "kind",
    "状态": "status",
    "进度": "status",
    "日期": "status_on",
    "状态日期": "status_on",
    "完成日期": "status_on",
}
FIELDS = ("household_code", "kind", "status", "status_on")
REQUIRED = {"household_code": "户编号", "kind": "帮扶措施", "status": "状态", "status_on": "日期"}
KINDS = {
    **dict.fromkeys(("结对帮扶", "结对", "pairing"), "pairing"),
    **dict.fromkeys(("产业扶持", "产业", "industry"), "industry"),
    **dict.fromkeys(("教育培训", "教育", "培训", "education"), "education"),
    **dict.fromkeys(("危房改造", "危改", "housing"), "housing"),
    **dict.fromkeys(("易地搬迁", "生态移民", "搬迁", "relocation"), "relocation"),
    **dict.fromkeys(("基础设施", "基础设施到户", "infrastructure"), "infrastructure"),
}
STATUSES = {
    **dict.fromkeys(("计划", "计划中", "未开始", "planned"), "planned"),
    **dict.fromkeys(("实施中", "进行中", "推进中", "under_way"), "under_way"),
    **dict.fromkeys(("已完成", "完成", "done"), "done"),
}

field_of = recogniser(HEADERS, FIELDS)


def import_measures(
    path: str | pathlib.Path,
    *,
    today: datetime.date,
    valid_only: bool = False,
    max_bytes: int = 200 * 1024**2,
    name: str | None = None,
    updated_by: int | None = None,
) -> ImportResult:
    """Import help measures into the caller's transaction, which the caller commits.

    Every row is checked (household, measure, status, a date not in the future); by default one
    problem refuses the file, with `valid_only` the rows without one are written.
    """
    result, rows = read_rows(
        path, name=name, field_of=field_of, fields=FIELDS, required=REQUIRED, max_bytes=max_bytes
    )
    if rows is None:
        return result
    f = rows.frame
    kind, status, day = f.kind.map(KINDS), f.status.map(STATUSES), dates(f.status_on)
    rows.flag(
        kind.isna(), "kind", "one of the six measures expected", "应为六个到户措施之一（结对帮扶、产业扶持…）"
    )
    rows.flag(status.isna(), "status", "planned, under way or done expected", "应为计划、实施中或已完成")
    rows.flag(day.isna(), "status_on", "date expected (2026-03-05)", "应为日期（如 2026-03-05）")
    rows.flag(day.dt.date > today, "status_on", "the date is in the future", "日期晚于今天")
    rows.flag(
        ~f.household_code.isin(sql.codes("household")),
        "household_code",
        "no household has this code",
        "户编号不存在",
    )
    rows.flag(
        f.duplicated(["household_code", "kind"], keep="last") & kind.notna(),
        "kind",
        "measure listed twice for the household",
        "同一户的同一措施重复",
    )
    rows.finish()
    if result.rejected and not valid_only:
        return result
    good = f.assign(kind=kind, status=status, status_on=day.dt.date)[~rows.bad]
    sql.stage("measure", good)
    counts = sql.upsert_staged_measures(updated_by=updated_by)
    result.inserted, result.updated = counts["inserted"], counts["updated"]
    result.unchanged = len(good) - result.inserted - result.updated
    result.written = True
    if result.inserted or result.updated:
        stats.refresh()  # measures done on tiles and OGC layers
    return result
