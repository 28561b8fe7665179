"""Five years of a generated county's household files (2021–2025): who was lifted, who fell back (#13).

Post-processes a `generator.County` (whose households are the files as they
stand after the 2025 yearly check) into the versions before: each household is
checked once a year (年度动态调整) on a day of its own, and each check is a
version with that year's poverty status and income. Deterministic from the seed.

- Registered poor (建档立卡) households were registered in 2014–2016; those
  lifted out (已脱贫) mostly left poverty in 2016–2020, some 15 % during
  2021–2024, the years before holding them as still registered.
- Monitored households (监测户): about three in ten are lifted households that
  fell back (返贫) in 2022–2025; the rest were found at risk (边缘易致贫) in a
  year of 2021–2025, not poor before.
- Some households now not poor were monitored for a while and had the risk
  removed (风险消除) within 2021–2025.
- Incomes grow 4–12 % a year, so each earlier year's is a little lower.
"""

from __future__ import annotations

import dataclasses
import datetime

import numpy as np
import pandas as pd

from .generator import County

YEARS = np.arange(2021, 2026)
FIRST_DAY = datetime.date(2021, 1, 1)  # the files as carried over from the poverty-alleviation years
REGISTERED_YEARS = ((2014, 0.6), (2015, 0.25), (2016, 0.15))
LIFTED_YEARS = (
    (2016, 0.08), (2017, 0.15), (2018, 0.22), (2019, 0.25), (2020, 0.15),
    (2021, 0.06), (2022, 0.04), (2023, 0.03), (2024, 0.02),
)  # fmt: skip
FELL_BACK_SHARE = 0.3  # of monitored households: lifted ones that fell back
RISK_REMOVED_PER_MONITORED = 0.4  # households once monitored, now not, per monitored household now
GROWTH = (1.04, 1.12)


@dataclasses.dataclass(frozen=True)
class History:
    """A county's household files over 2021–2025.

    Attributes
    ----------
    years : pandas.DataFrame
        Per household ``code``: ``poverty_registered_year`` and ``poverty_lifted_year`` (nullable).
    versions : pandas.DataFrame
        One row per household and year (2021–2025): ``code``, ``valid_from`` (a date; the 2021
        version's is 2021-01-01), ``poverty_status``, ``poverty_lifted_year`` as it stood then, and
        ``income_per_capita``. The 2025 rows are the households as generated.
    """

    years: pd.DataFrame
    versions: pd.DataFrame


def with_years(county: County, history: History) -> County:
    """Return `county` with each household's poverty registration and lifting years from `history`."""
    households = county.households.merge(history.years, on="code", how="left", validate="one_to_one")
    return dataclasses.replace(county, households=households)


def _choice(rng: np.random.Generator, table, size: int) -> np.ndarray:
    values, p = zip(*table, strict=True)
    return rng.choice(values, size=size, p=np.array(p) / sum(p))


def _statuses(rng: np.random.Generator, current: np.ndarray, income: np.ndarray):
    """Return (status per household and year, registered year, lifted year) ending in `current`."""
    n = len(current)
    status = np.repeat(current[:, None], len(YEARS), axis=1).astype(object)
    registered_year = np.full(n, -1)
    lifted_year = np.full(n, -1)

    poor = np.isin(current, ("registered", "lifted"))
    registered_year[poor] = _choice(rng, REGISTERED_YEARS, int(poor.sum()))
    lifted = current == "lifted"
    lifted_year[lifted] = np.maximum(_choice(rng, LIFTED_YEARS, int(lifted.sum())), registered_year[lifted])
    status[lifted[:, None] & (YEARS[None, :] < lifted_year[:, None])] = "registered"

    monitored = current == "monitored"
    fell_back = monitored & (rng.random(n) < FELL_BACK_SHARE)
    k = int(fell_back.sum())
    registered_year[fell_back] = _choice(rng, REGISTERED_YEARS, k)
    lifted_year[fell_back] = np.maximum(rng.integers(2016, 2021, k), registered_year[fell_back])
    since = np.where(fell_back, rng.integers(2022, 2026, n), rng.integers(2021, 2026, n))
    before = monitored[:, None] & (YEARS[None, :] < since[:, None])
    earlier = np.repeat(np.where(fell_back, "lifted", "none")[:, None], len(YEARS), axis=1)
    status[before] = earlier[before]

    # Households monitored for a while, the risk then removed: chosen among the poorest not poor now.
    none = np.flatnonzero(current == "none")
    count = min(round(RISK_REMOVED_PER_MONITORED * monitored.sum()), len(none))
    weights = 1.0 / income[none]
    removed = rng.choice(none, size=count, replace=False, p=weights / weights.sum())
    start = rng.integers(2021, 2024, count)
    end = start + rng.integers(1, 3, count)  # the risk removed a year or two later, by 2025
    window = (YEARS[None, :] >= start[:, None]) & (YEARS[None, :] < end[:, None])
    rows = status[removed]
    rows[window] = "monitored"
    status[removed] = rows
    return status, registered_year, lifted_year


def generate_history(county: County, *, seed: int = 7) -> History:
    """Return the households' versions of 2021–2025, the last being `county`'s households as generated."""
    rng = np.random.default_rng([seed, 2021])
    households = county.households
    n = len(households)
    current = households.poverty_status.to_numpy(dtype=object)
    income = households.income_per_capita.to_numpy(dtype=float)
    status, registered_year, lifted_year = _statuses(rng, current, income)

    growth = rng.uniform(*GROWTH, n)
    years_back = YEARS[-1] - YEARS  # 4 … 0
    incomes = np.maximum(np.round(income[:, None] / growth[:, None] ** years_back[None, :], -1), 1_200)
    # Each household's yearly check falls on its own day between March and November.
    day = rng.integers(59, 334, (n, len(YEARS)))
    starts = np.array([np.datetime64(f"{year}-01-01") for year in YEARS])
    valid_from = starts[None, :] + day.astype("timedelta64[D]")
    valid_from[:, 0] = np.datetime64(FIRST_DAY)
    lifted_then = np.where(YEARS[None, :] >= lifted_year[:, None], lifted_year[:, None], -1)

    def nullable(values: np.ndarray) -> pd.Series:
        return pd.Series(values, dtype="Int16").mask(values < 0)

    years = pd.DataFrame(
        {
            "code": households.code.to_numpy(),
            "poverty_registered_year": nullable(registered_year),
            "poverty_lifted_year": nullable(lifted_year),
        }
    )
    versions = pd.DataFrame(
        {
            "code": np.repeat(households.code.to_numpy(), len(YEARS)),
            "valid_from": valid_from.ravel(),
            "poverty_status": status.ravel().astype(str),
            "poverty_lifted_year": nullable(lifted_then.ravel()),
            "income_per_capita": incomes.ravel().astype(np.int64),
        }
    )
    return History(years, versions)
