"""The monthly analysis (民情分析会) of a village or township (#12): who may have it, its figures, its XLSX.

A report names people (the overdue list), so only readers of every demand in the area get it:
admins, leaders, and a cadre for their own village. Others (gis, a cadre for a township with
villages not theirs) are refused and see the counts of the dashboard instead.
"""

from __future__ import annotations

import calendar
import datetime
import io
import re

import openpyxl

from .. import privacy
from ..errors import AppError, bad_parameter, not_found
from ..exports.cells import neutralise
from ..exports.workbook import SHARE_FORMAT
from ..i18n import Text
from ..printing.demand_report import ASSIGNEE_ZH, STATE_ZH, figure_lines, title
from ..queries import demand_stats as queries
from ..queries.printing import atlas_index
from .deadlines import is_working_day

FORMATS = ("pdf", "xlsx")
FIRST_YEAR = 2000


def parse_month(value: str | None, *, today: datetime.date) -> queries.Month:
    """Return the month `value` (YYYY-MM; this month when empty) read up to its end or today."""
    value = value or f"{today:%Y-%m}"
    match = re.fullmatch(r"([0-9]{4})-([0-9]{2})", value)
    year, number = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
    if not match or not 1 <= number <= 12 or year < FIRST_YEAR or (year, number) > (today.year, today.month):
        raise bad_parameter("month", value, Text("a month YYYY-MM from 2000 to this one"))
    first = datetime.date(year, number, 1)
    last = first.replace(day=calendar.monthrange(year, number)[1])
    return queries.Month(first, last, min(last, today))


def gather(user, code: str, month: queries.Month, *, zone: str) -> dict:
    """Return the report of township or village `code` for `month`, if `user` may read all its demands.

    Raises
    ------
    AppError
        404 when there is no such township or village; 403 when `user` may not read a demand of it.
    """
    unit = atlas_index(code)
    if unit is None:
        raise not_found("township or village", code)
    unit["villages"] = sorted({n["village_id"] for n in unit["natural_villages"]})
    if not unit["villages"] or not all(privacy.may_read_demand(user, v) for v in unit["villages"]):
        raise AppError(
            403,
            "Forbidden",
            Text(
                "The monthly report names people: only readers of all its demands get it; see the dashboard."
            ),
        )
    villages = unit["villages"]
    days = (month.cutoff - month.first).days + 1
    working = [d for d in (month.first + datetime.timedelta(n) for n in range(days)) if is_working_day(d)]
    return {
        "unit": unit,
        "month": month,
        "summary": queries.month_summary(villages, month, zone=zone, working_days=working),
        "kinds": queries.by_kind_and_state(villages, month, zone=zone),
        "overdue": queries.overdue(villages, month, zone=zone),
        "points": queries.month_points(villages, month, zone=zone, srid=unit["srid"]),
    }


def filename(report: dict, extension: str) -> str:
    """Return the download name: code, name, month."""
    unit = report["unit"]
    return f"{unit['code']}-{unit['name']}-民情分析会-{report['month'].label}.{extension}"


def _number(value):
    """Return a figure as a spreadsheet number (Decimal from SQL becomes float), None as an empty cell."""
    return None if value is None else float(value) if not isinstance(value, int) else value


def workbook(report: dict) -> bytes:
    """Return the report as XLSX: key figures, counts by kind and state, overdue demands (Chinese headers)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "主要指标"
    summary = report["summary"]
    sheet.append([neutralise(title(report))])
    sheet.append(["统计截至", report["month"].cutoff])
    sheet.append(["指标", "数值"])
    numbers = {
        "本月新增诉求 Raised": summary["raised"],
        "已答复或办结 Solved": summary["solved"],
        "办结率 Solved share": summary["solved_share"],
        "平均答复用时（工作日）Days to answer, working": summary["working_days"],
        "平均答复用时（自然日）Days to answer, calendar": summary["calendar_days"],
        "按期答复 Answered in time": summary["answered_in_time"],
        "逾期未办结 Overdue (all months)": summary["overdue"],
        "本月评价 Ratings given": summary["rated"],
        "满意率（满意+基本满意）Satisfaction": summary["satisfaction"],
        "不满意 Not satisfied": summary["displeased"],
    }
    for label, _ in figure_lines(summary):
        sheet.append([label, _number(numbers[label])])
        if "率" in label:
            sheet.cell(sheet.max_row, 2).number_format = SHARE_FORMAT
    sheet.column_dimensions["A"].width = 44

    kinds = book.create_sheet("按类别和状态")
    kinds.append(["类别", "新增", *STATE_ZH.values(), "已答复或办结", "办结率"])
    for k in report["kinds"]:
        share = k["solved"] / k["raised"] if k["raised"] else None
        kinds.append([k["kind_zh"], k["raised"], *(k[s] for s in STATE_ZH), k["solved"], share])
        kinds.cell(kinds.max_row, kinds.max_column).number_format = SHARE_FORMAT

    overdue = book.create_sheet("逾期诉求")
    overdue.append(
        ["编号", "类别", "诉求人", "行政村", "自然寨", "登记日期", "办理期限", "逾期天数", "状态", "承办"]
    )
    for r in report["overdue"]:
        assignee = f"{ASSIGNEE_ZH.get(r['assignee_kind'] or '', '')} {r['assignee'] or ''}".strip()
        overdue.append(
            [
                r["id"],
                r["kind_zh"],
                neutralise(r["person_name"]),
                neutralise(r["village"]),
                neutralise(r["natural_village"]),
                r["raised_on"],
                r["due_on"],
                r["days_overdue"],
                STATE_ZH[r["state"]],
                neutralise(assignee),
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
