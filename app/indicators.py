"""The indicator registry: every overlay defined once.

Maps, legends, tables, APIs (and later prints, OGC queryables and exports) read
this list; adding an indicator is one entry here, plus a migration when it
needs a new household column.

Each indicator is a SQL predicate over one household row (alias-free column
names of table ``household``). It aggregates per area as the number of
households matching and their share of all households; ``mean`` indicators
aggregate as the average of a numeric expression instead.

A sensitive indicator also names what would give it away (see `app.privacy`): the
household columns correlated with it, omitted per household wherever it is, and the
indicators whose flag rules it out, so that small-count suppression counts only the
households a reader cannot already exclude.

Work indicators (#11) also read the household's derived work state, table
``household_work`` as alias ``w`` (`reads="work"`). They are rates over a
population: the mean of 100 for a household that counts, 0 for one that does not
and NULL for one outside the population, so every output shows them as a mean
in per cent with no code of its own. ``current_date`` in an indicator's SQL is the day
its figures are of: a past view ("as of" a day) puts that day in its place and reads the
work state from the pairings, visits and measures of then (`app.queries.asof.work`).
"""

from dataclasses import dataclass
from typing import Literal

# ColorBrewer sequential ramps, five classes, light to dark.
RAMPS = {
    "reds": ("#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15"),
    "oranges": ("#feedde", "#fdbe85", "#fd8d3c", "#e6550d", "#a63603"),
    "purples": ("#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f"),
    "blues": ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"),
    "greens": ("#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c"),
    "greys": ("#f7f7f7", "#cccccc", "#969696", "#636363", "#252525"),
    "browns": ("#f6e8c3", "#dfc27d", "#bf812d", "#8c510a", "#543005"),
}


# The dark colour of marks on light symbols (the prints' ink).
MARK_INK = "#252525"


def luminance(colour: str) -> float:
    """Return the relative luminance of a #rrggbb colour (sRGB, 0 black to 1 white)."""
    channels = []
    for n in (1, 3, 5):
        c = int(colour[n : n + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


@dataclass(frozen=True)
class Indicator:
    """One overlay: how a household is counted, how it is labelled and drawn, who may see it."""

    key: str
    zh: str
    en: str
    sql: str
    ramp: str
    kind: Literal["share", "mean"] = "share"
    unit_zh: str = ""
    unit_en: str = ""
    # Sensitive indicators are shown at household level only to roles allowed to
    # (app.privacy); everyone else gets natural-village aggregates.
    sensitive: bool = False
    # The household column a household-level output carries for this indicator.
    column: str = ""
    # The colour of this flag on a household symbol (marker chips, print wedges, tile and QGIS
    # styles): distinct for every indicator, unlike the ramps, which areas share.
    symbol: str = "#7f7f7f"
    # Household columns that would let a reader pin a sensitive indicator down (left-behind
    # children need a parent who migrates and someone at home): omitted per household
    # wherever the indicator is.
    correlated: tuple[str, ...] = ()
    # Keys of indicators whose flag rules a sensitive one out (a five-guarantee or an
    # empty-nest household has no children at home): such households are not candidates.
    ruled_out_by: tuple[str, ...] = ()
    # The one character drawn in that colour on a household symbol, so a flag is told apart
    # without colour (black-and-white printers, colour-blind readers): distinct for every flag;
    # prints draw it, and web markers, tiles and QGIS styles are to read it from here too.
    mark: str = ""
    # What `sql` reads: household columns only, or also the household's work state (alias ``w``).
    reads: Literal["household", "work"] = "household"

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    @property
    def mark_colour(self) -> str:
        """Return the colour of the mark on the symbol colour: white or ink, whichever contrasts more."""
        fill = luminance(self.symbol)
        # WCAG contrast ratios (lighter + 0.05) / (darker + 0.05) against white and against the ink.
        on_white = 1.05 / (fill + 0.05)
        on_ink = (fill + 0.05) / (luminance(MARK_INK) + 0.05)
        return "#ffffff" if on_white >= on_ink else MARK_INK

    @property
    def colors(self) -> tuple[str, ...]:
        return RAMPS[self.ramp]


# Households the work indicators' poverty rates are over: registered, lifted and monitored (#11).
POOR = "poverty_status <> 'none'"

INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "registered_poor",
        "建档立卡户",
        "Registered poor",
        "poverty_status IN ('registered', 'lifted')",
        "reds",
        column="poverty_status",
        symbol="#d62728",
        mark="贫",
    ),
    Indicator(
        "lifted",
        "已脱贫户",
        "Lifted out of poverty",
        "poverty_status = 'lifted'",
        "oranges",
        column="poverty_status",
        symbol="#ff7f0e",
        mark="脱",
    ),
    Indicator(
        "monitored",
        "监测户",
        "Monitored (risk of return)",
        "poverty_status = 'monitored'",
        "reds",
        column="poverty_status",
        symbol="#8c564b",
        mark="监",
    ),
    Indicator(
        "dibao",
        "低保户",
        "Low-income allowance (dibao)",
        "dibao",
        "oranges",
        column="dibao",
        symbol="#e377c2",
        mark="低",
    ),
    Indicator(
        "wubao",
        "五保户",
        "Five-guarantee (wubao)",
        "wubao",
        "purples",
        column="wubao",
        symbol="#9467bd",
        mark="五",
    ),
    Indicator(
        "family_planning",
        "计生重点帮扶户",
        "Family-planning assistance",
        "family_planning",
        "purples",
        column="family_planning",
        symbol="#bcbd22",
        mark="计",
    ),
    Indicator(
        "left_behind_children",
        "留守儿童户",
        "Left-behind children",
        "left_behind_children > 0",
        "blues",
        sensitive=True,
        column="left_behind_children",
        symbol="#1f77b4",
        correlated=("migrant_workers", "members"),
        ruled_out_by=("wubao", "empty_nest_elderly"),
        mark="童",
    ),
    Indicator(
        "left_behind_elderly",
        "留守老人户",
        "Left-behind elderly",
        "left_behind_elderly",
        "blues",
        column="left_behind_elderly",
        symbol="#17becf",
        mark="老",
    ),
    Indicator(
        "empty_nest_elderly",
        "空巢老人户",
        "Empty-nest elderly",
        "empty_nest_elderly",
        "blues",
        column="empty_nest_elderly",
        symbol="#7f7f7f",
        mark="巢",
    ),
    Indicator(
        "disabled",
        "残疾人户",
        "Disabled members",
        "disabled_members > 0",
        "greys",
        column="disabled_members",
        symbol="#2ca02c",
        mark="残",
    ),
    Indicator(
        "dilapidated_house",
        "危房户",
        "Dilapidated house",
        "dilapidated_house",
        "browns",
        column="dilapidated_house",
        symbol="#000000",
        mark="危",
    ),
    Indicator(
        "migrant_workers",
        "外出务工户",
        "Migrant workers",
        "migrant_workers > 0",
        "greens",
        column="migrant_workers",
        symbol="#98df8a",
        mark="工",
    ),
    Indicator(
        "income_per_capita",
        "人均纯收入",
        "Income per capita",
        "income_per_capita",
        "greens",
        kind="mean",
        unit_zh="元",
        unit_en="yuan",
        column="income_per_capita",
        symbol="#9edae5",
    ),
    # --- work (#11): rates over a population, in per cent --------------------------------
    Indicator(
        "paired",
        "结对帮扶率",
        "Poor households paired",
        f"CASE WHEN {POOR} THEN CASE WHEN w.paired @> current_date THEN 100 ELSE 0 END END",
        "purples",
        kind="mean",
        unit_zh="%",
        unit_en="%",
        symbol="#393b79",
        reads="work",
    ),
    Indicator(
        "visit_coverage",
        "走访覆盖率",
        "Visited twice in 12 months",
        "CASE WHEN w.previous_visit_on > current_date - interval '12 months' THEN 100 ELSE 0 END",
        "blues",
        kind="mean",
        unit_zh="%",
        unit_en="%",
        symbol="#637939",
        reads="work",
    ),
    Indicator(
        "measures_done",
        "帮扶措施完成率",
        "Help measures done",
        f"CASE WHEN {POOR} AND w.measures > 0 THEN 100.0 * w.measures_done / w.measures END",
        "greens",
        kind="mean",
        unit_zh="%",
        unit_en="%",
        symbol="#8c6d31",
        reads="work",
    ),
)

BY_KEY = {indicator.key: indicator for indicator in INDICATORS}
# The flags a household symbol carries as chips, in the registry's order: a flag's place in this
# row is its chip's slot beside the house wherever a style cannot pack chips (tiles, QGIS).
MARKED = tuple(i for i in INDICATORS if i.kind == "share" and i.mark)
SENSITIVE = tuple(i for i in INDICATORS if i.sensitive)
# Small-count suppression (app.privacy) guards counts of households; a sensitive mean would need its own.
if any(i.kind != "share" for i in SENSITIVE):
    raise ValueError("a sensitive indicator must be a share (a count of households)")
DEFAULT = "registered_poor"


def ruled_out_sql(indicator: Indicator) -> str:
    """Return SQL true for a household whose flags rule `indicator` out (false when none do)."""
    return " OR ".join(f"({BY_KEY[key].sql})" for key in indicator.ruled_out_by) or "false"


def get(key: str) -> Indicator:
    """Return the indicator named `key`; raise KeyError naming the known keys otherwise."""
    try:
        return BY_KEY[key]
    except KeyError:
        raise KeyError(f"unknown indicator {key!r}; known: {', '.join(BY_KEY)}") from None
