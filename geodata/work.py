"""Generate a year of 民情 work for a generated county: cadres, patches, pairings, visits, measures (#11).

Everything is invented and deterministic: the same county, seed and `as_of` give
the same work (`numpy.random.default_rng` is the only source of randomness). The
year ends on `as_of`, so a demo loaded today shows this year's coverage.

- Cadres: one per 40-60 households of a village, at least two; most from the
  village committee (村两委), some resident (驻村) or from a county department.
- Patches: every natural village is one cadre's, balanced by households; a
  cadre left without one takes the poor households of the village's largest.
- Pairings: about 95 % of poor households (registered, lifted, monitored) have
  a helper; about one in seven pairings was ended and handed to another cadre.
- Visits: most households 2-4 in the year, with peaks before Spring Festival,
  Dragon Boat and Mid-Autumn for the vulnerable (poor, 低保/五保, empty-nest or
  left-behind elders, left-behind children); a few villages clearly behind.
- Measures: the six 到户 measures that apply to each poor household, most done.
"""

from __future__ import annotations

import dataclasses
import datetime
import json

import numpy as np
import pandas as pd

from app.work.holidays import holidays as holiday_days

from . import generator
from .names import GIVEN_FEMALE, GIVEN_MALE, SURNAMES

ROLE_P = {"committee": 0.6, "resident": 0.3, "department": 0.1}
DEPARTMENTS = (
    "县农业农村局",
    "县教育局",
    "县卫生健康局",
    "县住房和城乡建设局",
    "县人力资源和社会保障局",
    "县民政局",
    "县水务局",
    "县乡村振兴局",
    "县财政局",
    "县交通运输局",
)
PHONE_PREFIXES = ("135", "136", "137", "138", "139", "150", "151", "152", "158", "159", "182", "187", "188")
HOUSEHOLDS_PER_CADRE = (40, 60)
PAIRED_SHARE = 0.95
HANDED_OVER_SHARE = 0.15
BEHIND_SHARE = 0.08  # villages clearly behind with their visits
FINDINGS = (
    "家中一切正常",
    "老人身体尚可，药品充足",
    "子女在外务工，按时寄钱回家",
    "反映饮水管道老化，需维修",
    "住房屋顶漏雨，已登记",
    "孩子在校表现良好",
    "申请产业扶持资金，已转村委",
    "医保已续缴",
    "家中有病人，已联系村医",
    "反映道路泥泞，出行不便",
)
FAR_SHARE = 0.005  # visits logged kilometres away (a photo taken elsewhere)
TICKS = ("housing_safe", "drinking_water", "medical_insurance", "schooling", "income_stable", "demand_raised")


@dataclasses.dataclass(frozen=True)
class Work:
    """A year of work as five tables keyed by codes and cadres' phones (what imports speak too).

    Attributes
    ----------
    cadres : pandas.DataFrame
        ``name, unit, phone, role, village_code``.
    patches : pandas.DataFrame
        ``phone, natural_village_code, household_code`` (one of the two codes empty).
    pairings : pandas.DataFrame
        ``phone, household_code, start, end`` (``end`` None while the pairing goes on).
    visits : pandas.DataFrame
        ``uid, household_code, phone, visited_on, kind, findings, ticks`` (JSON array),
        ``lon, lat`` (NaN when no point was logged).
    measures : pandas.DataFrame
        ``household_code, kind, status, status_on``.
    """

    cadres: pd.DataFrame
    patches: pd.DataFrame
    pairings: pd.DataFrame
    visits: pd.DataFrame
    measures: pd.DataFrame


def holidays(as_of: datetime.date) -> list[datetime.date]:
    """Return the Spring Festival, Dragon Boat and Mid-Autumn days of the 12 months up to `as_of`."""
    return [day for _, day in holiday_days(as_of)]


def _names(rng: np.random.Generator, n: int) -> list[str]:
    """Return `n` cadres' names: a surname by Guizhou frequency, one or two given characters."""
    surnames = list(SURNAMES)
    weights = np.array(list(SURNAMES.values()))
    picked = rng.choice(len(surnames), size=n, p=weights / weights.sum())
    female = rng.random(n) < 0.3
    two = rng.random(n) < 0.7
    names = []
    for i in range(n):
        pool = GIVEN_FEMALE if female[i] else GIVEN_MALE
        given = "".join(pool[j] for j in rng.integers(0, len(pool), 1 + int(two[i])))
        names.append(surnames[picked[i]] + given)
    return names


def _phones(rng: np.random.Generator, n: int) -> list[str]:
    """Return `n` distinct mobile numbers."""
    prefixes = rng.choice(PHONE_PREFIXES, size=n)
    numbers = rng.choice(10**8, size=n, replace=False)
    return [f"{p}{x:08d}" for p, x in zip(prefixes, numbers, strict=True)]


def _cadres(rng: np.random.Generator, county: generator.County) -> pd.DataFrame:
    """Return the cadre register: per village one per 40-60 households, at least two."""
    villages = county.admin_units.query("level == 'village'").sort_values("code")
    per_village = county.households.natural_village_code.str.slice(0, 12).value_counts()
    counts = per_village.reindex(villages.code, fill_value=0).to_numpy()
    n = np.maximum(2, np.round(counts / rng.uniform(*HOUSEHOLDS_PER_CADRE, len(counts)))).astype(int)
    village_code = np.repeat(villages.code.to_numpy(), n)
    village_name = np.repeat(villages.name.to_numpy(), n)
    total = int(n.sum())
    roles = rng.choice(list(ROLE_P), size=total, p=list(ROLE_P.values()))
    roles[np.r_[0, np.cumsum(n)[:-1]]] = "committee"  # every village has its committee
    units = np.where(
        roles == "committee",
        np.char.add(village_name.astype(str), "两委"),
        rng.choice(DEPARTMENTS, size=total),
    )
    return pd.DataFrame(
        {
            "name": _names(rng, total),
            "unit": units,
            "phone": _phones(rng, total),
            "role": roles,
            # The village's first cadre, of its committee, is its party secretary (村党支部书记).
            "duty": np.where(np.isin(np.arange(total), np.r_[0, np.cumsum(n)[:-1]]), "书记", ""),
            "village_code": village_code,
        }
    )


def _patches(cadres: pd.DataFrame, households: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Return the patches and each household's patch cadre (the phone of the first one responsible).

    Natural villages go, largest first, to the village's cadre with the fewest households so far;
    a cadre left without one takes the poor households of the village's largest natural village.
    """
    sizes = households.natural_village_code.value_counts()
    rows, owner = [], {}
    for village, group in cadres.groupby("village_code", sort=True):
        phones = group.phone.tolist()
        mine = sizes[sizes.index.str.startswith(village)]
        mine = mine.sort_values(ascending=False, kind="stable")
        load = dict.fromkeys(phones, 0)
        for code, size in mine.items():
            phone = min(phones, key=lambda p: (load[p], phones.index(p)))
            load[phone] += int(size)
            owner[code] = phone
            rows.append((phone, code, ""))
        if len(mine):
            largest = mine.index[0]
            poor = households[
                (households.natural_village_code == largest) & (households.poverty_status != "none")
            ]
            for phone in (p for p in phones if load[p] == 0):
                rows.extend((phone, "", code) for code in poor.code)
    patches = pd.DataFrame(rows, columns=["phone", "natural_village_code", "household_code"])
    return patches, households.natural_village_code.map(owner)


def _pairings(
    rng: np.random.Generator, cadres: pd.DataFrame, households: pd.DataFrame, owner: pd.Series, as_of
) -> pd.DataFrame:
    """Return pairings of about 95 % of poor households; some ended and handed to another cadre."""
    poor = households.index[(households.poverty_status != "none").to_numpy()]
    poor = poor[rng.random(len(poor)) < PAIRED_SHARE]
    by_village = cadres.groupby("village_code").phone.agg(list)
    village = households.natural_village_code.str.slice(0, 12)
    rows = []
    for i in poor:
        phones = by_village[village[i]]
        first = owner[i] if rng.random() < 0.6 else phones[rng.integers(len(phones))]
        start = as_of - datetime.timedelta(days=int(rng.integers(60, 5 * 365)))
        code = households.code[i]
        if rng.random() < HANDED_OVER_SHARE and (as_of - start).days > 60:
            handover = start + datetime.timedelta(days=int(rng.integers(30, (as_of - start).days - 20)))
            others = [p for p in phones if p != first] or phones
            rows.append((first, code, start, handover))
            rows.append((others[rng.integers(len(others))], code, handover, None))
        else:
            rows.append((first, code, start, None))
    return pd.DataFrame(rows, columns=["phone", "household_code", "start", "end"])


def _visit_counts(rng: np.random.Generator, vulnerable: np.ndarray, behind: np.ndarray) -> np.ndarray:
    """Return each household's routine visits in the year: 2-4 with the holiday rounds, fewer if behind.

    The vulnerable are reached by every holiday round, so they need fewer routine visits.
    """
    n = len(vulnerable)
    on_track = np.where(
        vulnerable,
        rng.choice([0, 1], size=n, p=[0.6, 0.4]),
        rng.choice([1, 2, 3, 4], size=n, p=[0.05, 0.5, 0.33, 0.12]),
    )
    lagging = rng.choice([0, 1, 2], size=n, p=[0.35, 0.45, 0.2])
    return np.where(behind, lagging, on_track)


def vulnerable_mask(households: pd.DataFrame) -> np.ndarray:
    """Return the households every holiday visit round must reach (全覆盖走访慰问)."""
    return (
        (households.poverty_status != "none")
        | households.dibao
        | households.wubao
        | households.empty_nest_elderly
        | households.left_behind_elderly
        | (households.left_behind_children > 0)
    ).to_numpy()


def _visit_points(rng: np.random.Generator, households: pd.DataFrame, who: np.ndarray):
    """Return where each visit was logged (NaN for the three in ten logged with no point).

    Most are a few metres from the household; a few kilometres away (a photo taken elsewhere).
    """
    m = len(who)
    points = np.column_stack([households.geometry.x.to_numpy()[who], households.geometry.y.to_numpy()[who]])
    logged = rng.random(m) < 0.7
    far = logged & (rng.random(m) < FAR_SHARE)
    metres = np.where(far, rng.uniform(2000, 5000, m), np.abs(rng.normal(0, 15, m)))
    angle = rng.uniform(0, 2 * np.pi, m)
    lat = points[:, 1] + metres * np.sin(angle) / 111_320
    lon = points[:, 0] + metres * np.cos(angle) / (111_320 * np.cos(np.radians(points[:, 1])))
    return np.where(logged, lon, np.nan), np.where(logged, lat, np.nan)


def _visits(
    rng: np.random.Generator,
    households: pd.DataFrame,
    owner: pd.Series,
    pairings: pd.DataFrame,
    behind: np.ndarray,
    as_of: datetime.date,
) -> pd.DataFrame:
    """Return the year's visits: routine ones spread over it, holiday rounds, a few follow-ups."""
    n = len(households)
    index = np.arange(n)
    vulnerable = vulnerable_mask(households)
    routine = _visit_counts(rng, vulnerable, behind)
    who = [np.repeat(index, routine)]
    day = [rng.integers(0, 365, int(routine.sum()))]
    kind = [np.full(int(routine.sum()), "routine")]
    for holiday in holidays(as_of):
        reached = vulnerable & (rng.random(n) < np.where(behind, 0.4, 0.93))
        count = int(reached.sum())
        # 慰问 happens in the ten days before the holiday.
        before = (as_of - holiday).days + rng.integers(0, 10, count)
        who.append(index[reached])
        day.append(np.minimum(before, 364))
        kind.append(np.full(count, "holiday"))
    follow = rng.random(n) < 0.05
    who.append(index[follow])
    day.append(rng.integers(0, 120, int(follow.sum())))
    kind.append(np.full(int(follow.sum()), "follow_up"))
    who, day, kind = np.concatenate(who), np.concatenate(day), np.concatenate(kind)

    # The paired cadre makes about half of a poor household's visits, the patch cadre the rest.
    helper = pairings[pairings.end.isna()].drop_duplicates("household_code").set_index("household_code").phone
    paired = households.code.map(helper).to_numpy()[who]
    patch = owner.to_numpy()[who]
    phone = np.where(pd.notna(paired) & (rng.random(len(who)) < 0.5), paired, patch)

    m = len(who)
    lon, lat = _visit_points(rng, households, who)
    ticks = rng.random((m, 6)) < np.array([0.9, 0.9, 0.95, 0.4, 0.6, 0.1])
    tick_names = np.array(TICKS)
    halves = rng.integers(0, 2**63, (m, 2), dtype=np.int64)
    frame = pd.DataFrame(
        {
            "uid": [f"{a:016x}{b:016x}" for a, b in halves.tolist()],
            "household_code": households.code.to_numpy()[who],
            "phone": phone,
            "visited_on": [as_of - datetime.timedelta(days=int(d)) for d in day],
            "kind": kind,
            "findings": np.array(FINDINGS)[rng.integers(0, len(FINDINGS), m)],
            "ticks": [json.dumps(tick_names[row].tolist()) for row in ticks],
            "lon": lon,
            "lat": lat,
        }
    )
    return frame.sort_values(["visited_on", "household_code"], kind="stable", ignore_index=True)


def _measures(
    rng: np.random.Generator, households: pd.DataFrame, pairings: pd.DataFrame, behind: np.ndarray, as_of
) -> pd.DataFrame:
    """Return the measures that apply to each poor household, with status and date.

    The pairing measure is done exactly when the household is paired now.
    """
    poor = (households.poverty_status != "none").to_numpy()
    paired = households.code.isin(pairings.household_code[pairings.end.isna()]).to_numpy()
    applies = {
        "pairing": np.ones(len(households), dtype=bool),
        "industry": rng.random(len(households)) < 0.8,
        "education": (households.members >= 3).to_numpy() & (rng.random(len(households)) < 0.5),
        "housing": households.dilapidated_house.to_numpy() | (rng.random(len(households)) < 0.2),
        "relocation": rng.random(len(households)) < 0.05,
        "infrastructure": rng.random(len(households)) < 0.6,
    }
    frames = []
    for kind, mask in applies.items():
        rows = np.flatnonzero(poor & mask)
        done_p = np.where(behind[rows], 0.45, 0.8)
        draw = rng.random(len(rows))
        status = np.where(draw < done_p, "done", np.where(draw < done_p + 0.12, "under_way", "planned"))
        if kind == "pairing":
            status = np.where(paired[rows], "done", "planned")
        days = rng.integers(0, 2 * 365, len(rows))
        frames.append(
            pd.DataFrame(
                {
                    "household_code": households.code.to_numpy()[rows],
                    "kind": kind,
                    "status": status,
                    "status_on": [as_of - datetime.timedelta(days=int(d)) for d in days],
                }
            )
        )
    return pd.concat(frames, ignore_index=True).sort_values(["household_code", "kind"], ignore_index=True)


def generate_work(county: generator.County, *, seed: int = 7, as_of: datetime.date) -> Work:
    """Generate a year of work ending on `as_of` for `county`, deterministically from `seed`.

    Parameters
    ----------
    county
        A generated county (`geodata.generator.generate_county`).
    seed
        Seed of the only random generator used (independent of the county's).
    as_of
        The last day of the year of work (a demo passes today in the county's time zone).
    """
    rng = np.random.default_rng([seed, 11])
    households = county.households.reset_index(drop=True)
    cadres = _cadres(rng, county)
    patches, owner = _patches(cadres, households)
    villages = np.sort(cadres.village_code.unique())
    behind_villages = rng.choice(villages, size=max(1, round(BEHIND_SHARE * len(villages))), replace=False)
    behind = households.natural_village_code.str.slice(0, 12).isin(behind_villages).to_numpy()
    pairings = _pairings(rng, cadres, households, owner, as_of)
    visits = _visits(rng, households, owner, pairings, behind, as_of)
    measures = _measures(rng, households, pairings, behind, as_of)
    return Work(cadres, patches, pairings, visits, measures)
