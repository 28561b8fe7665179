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


def quantiles(indicator: Indicator, values: list[float | None], *, k: int = 5) -> Classes:
    """Class `values` into at most `k` quantile classes (fewer when values repeat)."""
    present = np.array([v for v in values if v is not None], dtype=float)
    if present.size == 0:
        return Classes(indicator, (), (), len(values))
    cuts = np.unique(np.quantile(present, np.linspace(0, 1, k + 1)[1:-1]))
    breaks = tuple(float(c) for c in cuts if present.min() <= c < present.max())
    bounds = (float(present.min()), *breaks, float(present.max()))
    counts = np.bincount(np.searchsorted(breaks, present, side="right"), minlength=len(bounds) - 1)
    colors = _spread(indicator.colors, len(bounds) - 1)
    legend = tuple(
        LegendClass(colors[i], bounds[i], bounds[i + 1], int(counts[i])) for i in range(len(bounds) - 1)
    )
    return Classes(indicator, breaks, legend, len(values) - int(present.size))


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
