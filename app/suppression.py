"""Small-count suppression: which areas' counts of a sensitive indicator one reader may see.

`app.privacy` says who sees a sensitive indicator per household and states the rule
``k <= count <= candidates - k``; `suppress` applies it to every area so that no withheld
count can be recovered. `app.disclosure` feeds it the counts and remembers its answer.

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

from . import indicators


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
