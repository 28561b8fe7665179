"""Who may see what: one policy for every output.

The policy answers three questions:

1. How much of a household may this user see in this administrative village?
   (`household_detail`): nothing but aggregates, a masked record, a named
   record, or the full record.
2. For that level, what happens to each personal field (`field_rules`): shown,
   masked (张*, 5226**********1234) or omitted.
3. Which counts of a sensitive indicator may this user read, area by area
   (`suppress`)?

`app.queries` turns the answers into SQL, so values a user may not see never
leave the database. Roles:

======  ==========================================================
admin   everything
leader  county-wide household records; names shown, ID numbers masked
cadre   full records in assigned villages; aggregates elsewhere
gis     county-wide layers; names masked, no ID numbers, no address,
        no sensitive indicators at household level
======  ==========================================================

No inference (issue #10)
------------------------
A reader who may not see a sensitive indicator per household (gis anywhere, a
cadre outside their villages) must not be able to work it out either.

*Correlated fields are dropped.* Each sensitive indicator names the household
columns that would pin it down (`Indicator.correlated`: left-behind children need
a parent who migrates and someone at home, so ``migrant_workers`` and
``members``). Wherever the indicator is omitted so are they, and every indicator
read from them (the migrant-workers flag): in household GeoJSON, pages, cards,
tiles, OGC items, queryables and filters (naming one is a 400), exports and
prints. They are dropped, not coarsened: a band of ``members`` that separates
one or two from three or more still rules families out, and a coarser one is of
no use.

*Small counts are withheld.* For such a reader the number c of households with
the indicator in an area (natural village, village, township, county) is
published only when ``k <= c <= U - k``: k is the configured DISCLOSURE_MIN_COUNT
(default 5) and U the area's *candidates*, its households not ruled out by a flag
the reader does see (`Indicator.ruled_out_by`: a five-guarantee or empty-nest
household has no children at home). So neither "no family" (c = 0) nor "every
candidate family" is published, nor any count below k. The share goes with the
count. A withheld value is null in JSON, OGC, tiles and exports, with
``<key>_suppressed`` true, and "withheld" on pages.

*Nothing withheld can be worked out by subtraction.* A published area count minus
its published parts gives the sum over its withheld natural villages not inside a
published area in between: the area's *remainder*. An area is published only if
its remainder is empty or safe (`_safe`): the sum itself obeys the rule above, and
every natural village in it keeps at least two possible counts given the sum and
what a reader knows of each (withheld as small: 0 to k-1; as large: U-k+1 to U;
withheld to protect another: k to U-k). A village whose remainder is unsafe first
withholds one more of its natural villages (the smallest count that makes it safe:
secondary suppression); failing that the village is withheld too and its remainder
goes to the township, and a township's to the county. Known limit: a reader who
reasons about *why* an area was withheld learns slightly more than these ranges.
A cadre's own villages are known to them exactly and count as published.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum, IntEnum

from . import indicators


class Detail(IntEnum):
    """How much of a household record a user may receive, least to most."""

    AGGREGATE = 0  # counts per natural village only
    MASKED = 1
    NAMED = 2
    FULL = 3


class Rule(Enum):
    """What happens to one field on its way out."""

    SHOW = "show"
    MASK = "mask"
    OMIT = "omit"


# Personal fields and the sensitive indicator columns, per detail level.
_RULES = {
    Detail.FULL: {"head_name": Rule.SHOW, "id_number": Rule.SHOW, "address": Rule.SHOW},
    Detail.NAMED: {"head_name": Rule.SHOW, "id_number": Rule.MASK, "address": Rule.SHOW},
    Detail.MASKED: {"head_name": Rule.MASK, "id_number": Rule.OMIT, "address": Rule.OMIT},
}
_SENSITIVE_SHOWN = {Detail.FULL, Detail.NAMED}
SENSITIVE_COLUMNS = frozenset(i.column for i in indicators.SENSITIVE)
# The columns that would give a sensitive indicator away, dropped wherever it is.
CORRELATED_COLUMNS = frozenset(column for i in indicators.SENSITIVE for column in i.correlated)
# What a cadre found in a family on a visit (#11): as sensitive as the sensitive flags.
VISIT_NOTES = "visit_findings"


def household_detail(user, village_id: int) -> Detail:
    """Return how much of a household in administrative village `village_id` `user` may see."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Detail.AGGREGATE
    role = user.role_name
    if role == "admin":
        return Detail.FULL
    if role == "leader":
        return Detail.NAMED
    if role == "gis":
        return Detail.MASKED
    if role == "cadre":
        return Detail.FULL if village_id in user.village_ids else Detail.AGGREGATE
    return Detail.AGGREGATE


def household_scope(user) -> tuple[Detail, frozenset[int] | None]:
    """Return the detail of the households `user` may see anywhere, and their villages (None: all).

    Lists that cross villages (search, tiles) show households at this detail, limited to those villages.
    """
    if user.role_name == "cadre":
        return (Detail.FULL if user.village_ids else Detail.AGGREGATE), user.village_ids
    return household_detail(user, 0), None


WORK_FORBIDDEN = "pairings and visits are not for your role; see villages for counts"


def work_scope(user) -> tuple[dict[str, Rule], frozenset[int] | None] | None:
    """Return the field rules and villages (None: all) of the pairings and visits `user` may see one by one.

    A pairing or a visit names a household and who helps it, so it goes where the household's
    named record goes: admin and leader county-wide, a cadre in their villages. Readers of masked
    records (gis) and cadres without villages get None: counts only (the battle map, indicators).
    Findings go by the rules' VISIT_NOTES.
    """
    detail, villages = household_scope(user)
    if detail < Detail.NAMED:
        return None
    return field_rules(detail), villages


def household_flags(detail: Detail) -> list[indicators.Indicator]:
    """Return the indicators a household may be flagged with at `detail` (none at aggregate detail)."""
    shares = (i for i in indicators.INDICATORS if i.kind == "share")
    return [i for i in shares if may_see_indicator_at_household_level(detail, i)]


def field_rules(detail: Detail) -> dict[str, Rule]:
    """Return the rule for every personal, sensitive and correlated field at `detail`."""
    if detail is Detail.AGGREGATE:
        raise ValueError("no household fields leave the database at aggregate detail")
    rules = dict(_RULES[detail])
    shown = detail in _SENSITIVE_SHOWN
    for indicator in indicators.SENSITIVE:
        for column in (indicator.column, *indicator.correlated):
            rules[column] = Rule.SHOW if shown else Rule.OMIT
    rules[VISIT_NOTES] = Rule.SHOW if shown else Rule.OMIT
    return rules


def may_see_indicator_at_household_level(detail: Detail, indicator: indicators.Indicator) -> bool:
    """Say whether `indicator` may be drawn per household at `detail` (not when its column is withheld)."""
    if detail is Detail.AGGREGATE:
        return False
    return field_rules(detail).get(indicator.column, Rule.SHOW) is Rule.SHOW


# --- small-count suppression -------------------------------------------------


def known_villages(user) -> dict[str, frozenset[int] | None]:
    """Return, per sensitive indicator, the villages where `user` sees it per household (None: all)."""
    outside = household_detail(user, 0)  # 0 is no village: the detail outside any assignment
    own = frozenset(getattr(user, "village_ids", None) or ())
    known: dict[str, frozenset[int] | None] = {}
    for indicator in indicators.SENSITIVE:
        if may_see_indicator_at_household_level(outside, indicator):
            known[indicator.key] = None
        else:
            known[indicator.key] = frozenset(
                v for v in own if may_see_indicator_at_household_level(household_detail(user, v), indicator)
            )
    return known


@dataclass(frozen=True)
class Areas:
    """The areas whose count of one indicator is published: natural village ids and admin unit ids.

    `exact_*` are those the reader knows anyway (a cadre's own villages): published as they are.
    The others are published only while their count still obeys the small-count rule.
    """

    natural_villages: frozenset[int] = frozenset()
    units: frozenset[int] = frozenset()
    exact_natural_villages: frozenset[int] = frozenset()
    exact_units: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Suppression:
    """What one reader may see of each sensitive indicator's counts; made by `suppress`.

    An indicator missing from `shown` is published everywhere.
    """

    min_count: int = 5
    shown: Mapping[str, Areas] = field(default_factory=dict)

    def restricts(self, indicator: indicators.Indicator) -> bool:
        return indicator.key in self.shown


UNSUPPRESSED = Suppression()


@dataclass(frozen=True)
class NaturalVillageCounts:
    """One natural village, where it lies, and per sensitive indicator (households with it, candidates)."""

    id: int
    village: int
    township: int | None
    county: int | None
    counts: Mapping[str, tuple[int, int]]


@dataclass(frozen=True)
class _Cell:
    """A withheld natural village: its count, candidates, and the range a reader knows it lies in."""

    count: int
    candidates: int
    low: int
    high: int


def passes(count: int, candidates: int, min_count: int) -> bool:
    """Say whether a count may be published: at least `min_count`, and at least as many candidates without."""
    return min_count <= count <= candidates - min_count


def _cell(count: int, candidates: int, k: int, *, secondary: bool = False) -> _Cell:
    """Return a withheld count with the range its withholding tells a reader."""
    if secondary:
        return _Cell(count, candidates, k, candidates - k)
    if count < k:
        return _Cell(count, candidates, 0, min(k - 1, candidates))
    return _Cell(count, candidates, max(candidates - k + 1, 0), candidates)


def _safe(cells: list[_Cell], k: int) -> bool:
    """Say whether publishing the sum of withheld `cells` leaves each with two or more possible counts."""
    if not cells:
        return True
    if not passes(sum(c.count for c in cells), sum(c.candidates for c in cells), k):
        return False
    # A count has another possible value iff it can move by one while another moves the other way.
    ups = sum(c.count < c.high for c in cells)
    downs = sum(c.count > c.low for c in cells)
    for c in cells:
        up, down = c.count < c.high, c.count > c.low
        if not ((up and downs - down > 0) or (down and ups - up > 0)):
            return False
    return True


def _decide(rows: list[NaturalVillageCounts], key: str, known: frozenset[int], k: int) -> Areas:
    """Return the areas whose count of indicator `key` a reader who knows villages `known` may see."""
    shown = {r.id for r in rows if r.village in known or passes(*r.counts[key], k)}
    by_village: dict[int, list[NaturalVillageCounts]] = defaultdict(list)
    parent: dict[int, int | None] = {}  # village -> township -> county (all admin unit ids)
    for row in rows:
        by_village[row.village].append(row)
        parent[row.village] = row.township
        if row.township is not None:
            parent[row.township] = row.county
    townships = {parent[v] for v in by_village} - {None}
    levels = (townships, {parent[t] for t in townships} - {None})

    units: set[int] = set()
    remainder: dict[int | None, list[_Cell]] = defaultdict(list)
    for village, members in by_village.items():
        if village in known:
            units.add(village)
            continue
        # A natural village with no candidate hides nothing: a reader knows its count is 0.
        cells = [_cell(*r.counts[key], k) for r in members if r.id not in shown and r.counts[key][1]]
        if not _safe(cells, k):
            for row in sorted((r for r in members if r.id in shown), key=lambda r: r.counts[key]):
                trial = [*cells, _cell(*row.counts[key], k, secondary=True)]
                if _safe(trial, k):
                    shown.discard(row.id)
                    cells = trial
                    break
        if _safe(cells, k):
            units.add(village)
        else:
            remainder[parent[village]].extend(cells)
    # Townships, then the county: each takes the remainders the level below could not publish.
    for level in levels:
        for area in level:
            cells = remainder.pop(area, [])
            if _safe(cells, k):
                units.add(area)
            else:
                remainder[parent.get(area)].extend(cells)

    exact = set(known)
    for level in levels:
        exact |= {a for a in level if all(c in exact for c, up in parent.items() if up == a)}
    return Areas(
        frozenset(shown),
        frozenset(units),
        frozenset(r.id for r in rows if r.village in known),
        frozenset(exact),
    )


def suppress(
    rows: Iterable[NaturalVillageCounts], *, known: Mapping[str, frozenset[int] | None], min_count: int
) -> Suppression:
    """Decide which areas' counts of each sensitive indicator a reader may see.

    Parameters
    ----------
    rows
        Every natural village with its counts (from `app.queries.disclosure.counts`).
    known
        Per sensitive indicator, the villages where the reader sees it per household
        (`known_villages`); None: everywhere, so nothing is withheld.
    min_count
        The threshold k of the rule ``k <= count <= candidates - k``.
    """
    if min_count < 1:
        raise ValueError(f"DISCLOSURE_MIN_COUNT={min_count}: at least 1 (0 would publish 'no family has it')")
    rows = list(rows)
    restricted = {key: villages for key, villages in known.items() if villages is not None}
    shown = {key: _decide(rows, key, villages, min_count) for key, villages in restricted.items()}
    return Suppression(min_count, shown)


def may_enter_measures(user, village_id: int) -> bool:
    """Say whether `user` may enter the help measures of households in village `village_id` (#11)."""
    role = getattr(user, "role_name", None)
    return role == "admin" or (role == "cadre" and village_id in user.village_ids)


def may_edit_members(user, village_id: int) -> bool:
    """Say whether `user` may add, change or remove members of households in village `village_id` (#13)."""
    return household_detail(user, village_id) is Detail.FULL


# --- people's demands (#12) --------------------------------------------------


def may_read_demand(user, village_id: int) -> bool:
    """Say whether `user` may read who raised a demand in village `village_id` and what it says.

    A demand's text is as sensitive as visit findings: leaders, admins and the village's cadres.
    """
    return household_detail(user, village_id) in _SENSITIVE_SHOWN


def may_handle_demand(user, village_id: int) -> bool:
    """Say whether `user` may register or move on a demand in village `village_id` (admins, its cadres)."""
    return household_detail(user, village_id) is Detail.FULL


def demand_scope(user) -> tuple[bool, frozenset[int] | None]:
    """Return whether `user` may list demands one by one (else counts only), and their villages."""
    detail, villages = household_scope(user)
    return detail in _SENSITIVE_SHOWN, villages
