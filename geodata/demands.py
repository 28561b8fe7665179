"""Generate a year of people's demands (诉求, #12) for a generated county and its year of work.

Everything is invented and deterministic: the same county, work, seed and `as_of` give the same
demands (`numpy.random.default_rng` is the only source of randomness).

- About three demands per hundred households a month, with seasonal kinds: water when pipes
  freeze (winter) and in the dry spring, roads and housing in the rainy season, employment after
  Spring Festival, education before the school year, medical insurance at renewal time.
- Each goes registered → accepted → assigned (a cadre, the village, the township or a county
  department) → in progress → answered, most within their deadline, some late, a few stuck open
  (overdue); most answers are rated, mostly satisfied; some not satisfied are reopened and
  handled again. Events after `as_of` have not happened yet, so recent demands are still open.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime
import json
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from app.demands.deadlines import is_working_day

from . import generator
from .work import DEPARTMENTS, Work

PER_HUNDRED_A_MONTH = 3.0
CHANNELS = {"reception": 0.35, "visit": 0.35, "phone": 0.2, "letter": 0.1}
URGENT_SHARE = 0.1
# kind: (working days to answer as catalogued by default, weight by month January..December)
KINDS = {
    "roads": (20, (0.6, 0.6, 0.8, 1.0, 1.6, 2.0, 2.0, 1.8, 1.2, 0.8, 0.6, 0.6)),
    "water": (10, (2.2, 1.8, 1.6, 1.4, 0.8, 0.6, 0.6, 0.8, 0.8, 0.9, 1.2, 2.0)),
    "housing": (20, (0.6, 0.6, 0.8, 1.0, 1.5, 1.8, 1.8, 1.5, 1.0, 0.8, 0.6, 0.6)),
    "medical_insurance": (10, (0.8, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.8, 1.6, 2.0, 2.0, 1.8)),
    "education": (10, (0.4, 0.8, 0.6, 0.4, 0.4, 0.6, 1.2, 2.2, 2.0, 0.6, 0.4, 0.4)),
    "employment": (15, (0.8, 2.0, 1.8, 1.0, 0.6, 0.6, 0.6, 0.6, 0.6, 0.8, 0.8, 1.0)),
    "dispute": (5, (0.8,) * 12),
    "dibao": (15, (0.7,) * 12),
    "other": (15, (0.6,) * 12),
}
URGENT_WORKING_DAYS = 3
DESCRIPTIONS = {
    "roads": ("组内道路雨后泥泞，出行困难", "通组路塌方，需清理", "路灯损坏，夜间出行不便"),
    "water": ("自来水管冬季冻裂，全组停水", "水池水量不足，需要清淤", "水质浑浊，请求检测"),
    "housing": ("房屋屋顶漏雨，申请危房改造", "墙体开裂，担心安全", "厨房漏雨，请求维修"),
    "medical_insurance": ("医保缴费不会操作，请求帮助", "住院报销比例有疑问", "慢病卡办理咨询"),
    "education": ("孩子上学路远，询问寄宿条件", "教育资助申请进度", "学前教育报名咨询"),
    "employment": ("希望参加技能培训", "外出务工工资被拖欠", "咨询公益性岗位"),
    "dispute": ("与邻居土地界址纠纷", "宅基地边界有争议", "家庭赡养纠纷请求调解"),
    "dibao": ("申请低保，家庭收入困难", "低保金发放时间咨询", "低保复核结果有异议"),
    "other": ("反映村内垃圾清运不及时", "咨询产业补助政策", "建议增设健身器材"),
}
ASSIGNEES = {"cadre": 0.4, "village": 0.25, "township": 0.2, "department": 0.15}
LATE_SHARE = 0.12  # answered after the deadline
STUCK_SHARE = 0.03  # never answered: overdue
RATED_SHARE = 0.85
RATINGS = {"satisfied": 0.82, "basically": 0.13, "not_satisfied": 0.05}
REOPENED_SHARE = 0.6  # of the not satisfied


@dataclasses.dataclass(frozen=True)
class Demands:
    """A year of demands as two tables (what the loader writes).

    Attributes
    ----------
    demands : pandas.DataFrame
        ``uid`` (1..n), ``household_code, channel, kind, urgency, description, raised_on``.
    events : pandas.DataFrame
        ``uid, seq, action, state, at`` (aware, the county's zone), ``username, note, detail`` (JSON).
    """

    demands: pd.DataFrame
    events: pd.DataFrame


def _pick(rng: np.random.Generator, weights: dict[str, float], size: int | None = None):
    """Return one key of `weights` (or an array of `size`) drawn in proportion to its weight."""
    keys = list(weights)
    cumulative = np.cumsum(list(weights.values()))
    drawn = np.searchsorted(cumulative, rng.random(size) * cumulative[-1], side="right")
    return keys[int(drawn)] if size is None else np.array(keys)[drawn]


def _raised(rng: np.random.Generator, households: pd.DataFrame, as_of: datetime.date) -> pd.DataFrame:
    """Return the demands raised in the year to `as_of`: household, kind and day, by day."""
    rows = []
    month_start = as_of.replace(day=1)
    for back in range(12):
        first = (month_start - pd.DateOffset(months=back)).date()
        last = min((first + pd.DateOffset(months=1)).date() - datetime.timedelta(days=1), as_of)
        weights = {k: w[first.month - 1] for k, (_, w) in KINDS.items()}
        expected = len(households) * PER_HUNDRED_A_MONTH / 100 * sum(weights.values()) / len(KINDS)
        n = rng.poisson(expected * ((last - first).days + 1) / 30)
        days = rng.integers(0, (last - first).days + 1, size=n)
        rows.append(
            pd.DataFrame(
                {
                    "household_code": households.code.to_numpy()[rng.integers(0, len(households), size=n)],
                    "kind": _pick(rng, weights, n),
                    "raised_on": [first + datetime.timedelta(days=int(d)) for d in days],
                }
            )
        )
    raised = pd.concat(rows, ignore_index=True).sort_values(["raised_on", "household_code"], kind="stable")
    return raised.reset_index(drop=True)


def generate_demands(
    county: generator.County, work: Work, *, seed: int = 7, as_of: datetime.date, zone: str = "Asia/Shanghai"
) -> Demands:
    """Generate the year of demands ending on `as_of` for `county`, deterministically from `seed`.

    Parameters
    ----------
    county, work
        A generated county and its year of work (cadres handle the demands of their villages).
    as_of
        The last day of the year; no event happens on or after it.
    """
    rng = np.random.default_rng([seed, 12])
    demands = _raised(rng, county.households, as_of)
    n = len(demands)
    demands["uid"] = np.arange(1, n + 1)
    demands["channel"] = _pick(rng, CHANNELS, n)
    demands["urgency"] = np.where(rng.random(n) < URGENT_SHARE, "urgent", "normal")
    demands["description"] = [
        DESCRIPTIONS[k][i] for k, i in zip(demands.kind, rng.integers(0, 3, n), strict=True)
    ]
    cadres = {
        village: (list(group.name), list(group.phone))
        for village, group in work.cadres.groupby("village_code")
    }
    events = _Lifecycles(rng, cadres, zone=zone, as_of=as_of)
    for row in demands.itertuples():
        events.follow(row)
    columns = ["uid", "household_code", "channel", "kind", "urgency", "description", "raised_on"]
    return Demands(demands[columns], pd.DataFrame(events.rows))


class _Lifecycles:
    """Write each demand's events from registration on, up to the day before `as_of`."""

    def __init__(self, rng, cadres, *, zone: str, as_of: datetime.date):
        self.rng, self.cadres, self.as_of, self.zone = rng, cadres, as_of, ZoneInfo(zone)
        self.rows: list[dict] = []
        # The working days from before the year to beyond its last deadline, to count along.
        first = as_of - datetime.timedelta(days=400)
        self.working = [
            day for day in (first + datetime.timedelta(days=n) for n in range(600)) if is_working_day(day)
        ]

    def _after(self, day: datetime.date, working: int) -> datetime.date:
        """Return the day `working` working days after `day` (`day` itself for 0)."""
        if working <= 0:
            return day
        return self.working[bisect.bisect_right(self.working, day) + working - 1]

    def _add(self, row, seq: int, day: datetime.date, action: str, state: str, who: str, **detail) -> bool:
        if day >= self.as_of:
            return False
        minute = int(self.rng.integers(9 * 60, 17 * 60))
        at = datetime.datetime.combine(day, datetime.time(minute // 60, minute % 60), self.zone)
        if seq and at <= self.rows[-1]["at"]:  # two steps on one day: the later one after the first
            at = self.rows[-1]["at"] + datetime.timedelta(minutes=int(self.rng.integers(5, 90)))
        note = detail.pop("note", "")
        self.rows.append(
            {
                "uid": row.uid,
                "seq": seq,
                "action": action,
                "state": state,
                "at": at,
                "username": who,
                "note": note,
                "detail": json.dumps(detail, ensure_ascii=False),
            }
        )
        return True

    def _assignee(self, row, village: str, staff: tuple[list, list]) -> dict:
        kind = _pick(self.rng, ASSIGNEES)
        if kind == "cadre":
            value = staff[1][int(self.rng.integers(0, len(staff[1])))]
        elif kind == "village":
            value = village
        elif kind == "township":
            value = village[:9] + "000"
        else:
            value = DEPARTMENTS[int(self.rng.integers(0, len(DEPARTMENTS)))]
        return {"assignee_kind": str(kind), "assignee": str(value)}

    def follow(self, row) -> None:
        """Write one demand's events: its handling once, and again when reopened."""
        village = row.household_code[:12]
        staff = self.cadres[village]
        who = staff[0][int(self.rng.integers(0, len(staff[0])))]
        deadline = URGENT_WORKING_DAYS if row.urgency == "urgent" else KINDS[row.kind][0]
        seq = 0
        day = row.raised_on
        if not self._add(row, seq, day, "register", "registered", who):
            return
        for round_ in range(2):
            seq, day, rating = self._round(row, seq, day, deadline, village, staff, who, first=round_ == 0)
            if rating != "not_satisfied" or self.rng.random() >= REOPENED_SHARE:
                return
            day = self._after(day, int(self.rng.integers(1, 4)))
            seq += 1
            if not self._add(row, seq, day, "reopen", "reopened", who, note="群众不满意，重新办理"):
                return

    def _round(self, row, seq, day, deadline, village, staff, who, *, first: bool):
        """Accept, assign, work on, answer and have rated a demand; return (last seq, day, rating or None)."""
        rng = self.rng
        stuck = first and rng.random() < STUCK_SHARE
        late = rng.random() < LATE_SHARE
        answer_in = (
            deadline + int(rng.integers(1, 15)) if late else max(1, int(deadline * rng.uniform(0.3, 1.0)))
        )
        start = day
        steps = [
            ("accept", "accepted", int(rng.integers(0, 2)), {}),
            ("assign", "assigned", int(rng.integers(0, 3)), self._assignee(row, village, staff)),
            ("progress", "in_progress", int(rng.integers(1, 3)), {"note": "已联系相关部门"}),
        ]
        for action, state, wait, detail in steps:
            day = self._after(day, wait)
            seq += 1
            if not self._add(row, seq, day, action, state, who, **detail):
                return seq, day, None
        if stuck:
            return seq, day, None
        day = max(day, self._after(start, answer_in))
        seq += 1
        if not self._add(row, seq, day, "answer", "answered", who, note="已办理并答复群众"):
            return seq, day, None
        if rng.random() >= RATED_SHARE:
            return seq, day, None
        rating = str(_pick(rng, RATINGS)) if first else str(_pick(rng, {"satisfied": 0.7, "basically": 0.3}))
        day = self._after(day, int(rng.integers(1, 6)))
        seq += 1
        if not self._add(row, seq, day, "close", "closed", who, rating=rating, note="回访群众"):
            return seq, day, None
        return seq, day, rating
