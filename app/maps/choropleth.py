"""Classing indicator values into colours, and the legend that explains them."""

from bisect import bisect_right
from dataclasses import dataclass

import numpy as np

from ..indicators import Indicator

NO_DATA = "#d9d9d9"


@dataclass(frozen=True)
class LegendClass:
    color: str
    low: float
    high: float
    count: int


@dataclass(frozen=True)
class Classes:
    """Quantile classes of one indicator over a set of areas."""

    indicator: Indicator
    breaks: tuple[float, ...]  # upper bounds of all classes but the last
    legend: tuple[LegendClass, ...]
    no_data: int

    def color(self, value: float | None) -> str:
        """Return the fill colour of `value`."""
        if value is None:
            return NO_DATA
        return self.legend[bisect_right(self.breaks, value)].color if self.legend else NO_DATA


def value_of(indicator: Indicator, properties: dict) -> float | None:
    """Return the value an area is coloured by: the share, or the mean."""
    key = f"{indicator.key}_share" if indicator.kind == "share" else indicator.key
    value = properties.get(key)
    return None if value is None else float(value)


METHODS = ("quantile", "jenks")


def classify(
    indicator: Indicator, values: list[float | None], *, method: str = "quantile", k: int = 5
) -> Classes:
    """Class `values` into at most `k` classes by quantiles or natural breaks (fewer when values repeat)."""
    present = np.array([v for v in values if v is not None], dtype=float)
    if present.size == 0:
        return Classes(indicator, (), (), len(values))
    if method == "jenks":
        cuts = natural_breaks(present, k)
    else:
        cuts = np.unique(np.quantile(present, np.linspace(0, 1, k + 1)[1:-1]))
    breaks = tuple(sorted({float(c) for c in cuts if present.min() < c <= present.max()}))
    bounds = (float(present.min()), *breaks, float(present.max()))
    counts = np.bincount(np.searchsorted(breaks, present, side="right"), minlength=len(bounds) - 1)
    colors = _spread(indicator.colors, len(bounds) - 1)
    legend = tuple(
        LegendClass(colors[i], bounds[i], bounds[i + 1], int(counts[i])) for i in range(len(bounds) - 1)
    )
    return Classes(indicator, breaks, legend, len(values) - int(present.size))


def quantiles(indicator: Indicator, values: list[float | None], *, k: int = 5) -> Classes:
    """Class `values` into at most `k` quantile classes."""
    return classify(indicator, values, method="quantile", k=k)


def natural_breaks(values: np.ndarray, k: int, *, sample: int = 500) -> list[float]:
    """Return the k-1 cut points minimising the within-class squared deviation (Fisher–Jenks).

    Each cut is the lowest value of the class above it. Beyond `sample` values, the
    optimisation runs on evenly spaced quantiles of them (exact up to the sampling).
    """
    x = np.sort(values)
    if x.size > sample:
        x = np.quantile(x, np.linspace(0, 1, sample))
    n = x.size
    k = min(k, len(np.unique(x)))
    if k < 2:
        return []
    s1 = np.concatenate(([0.0], np.cumsum(x)))
    s2 = np.concatenate(([0.0], np.cumsum(x * x)))
    cost = np.full((k + 1, n + 1), np.inf)
    start = np.zeros((k + 1, n + 1), dtype=int)
    cost[0, 0] = 0.0
    for c in range(1, k + 1):
        for j in range(c, n + 1):
            i = np.arange(c - 1, j)  # where the last class, x[i:j], starts
            total = cost[c - 1, i] + (s2[j] - s2[i]) - (s1[j] - s1[i]) ** 2 / (j - i)
            best = int(np.argmin(total))
            cost[c, j], start[c, j] = total[best], i[best]
    cuts, j = [], n
    for c in range(k, 1, -1):
        j = start[c, j]
        cuts.append(float(x[j]))
    return sorted(cuts)


def _spread(ramp: tuple[str, ...], n: int) -> list[str]:
    """Pick `n` colours evenly from `ramp`, always keeping its darkest."""
    if n >= len(ramp):
        return list(ramp)
    return [ramp[round(i * (len(ramp) - 1) / max(n - 1, 1))] for i in range(n)]


def format_value(indicator: Indicator, value: float | None, lang: str) -> str:
    """Format a class bound or table value: a percentage, or an amount with its unit."""
    if value is None:
        return "–"
    if indicator.kind == "share":
        return f"{value * 100:.1f}%"
    unit = indicator.unit_zh if lang == "zh" else indicator.unit_en
    return f"{value:,.0f} {unit}".strip()
