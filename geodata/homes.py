"""Where the generated households stand in their natural villages and who they are: size, hardship,
flags, income, heads' birth days and well-formed ID numbers that belong to nobody."""

from __future__ import annotations

import numpy as np
import shapely

from app.idnumber import check_digit

from .facts import AS_OF, COUNTY_CODE, MAX_HOUSEHOLDS_PER_NATURAL_VILLAGE, MEDIAN_INCOME, RATES

_MEMBERS_P = np.array([0.12, 0.18, 0.20, 0.22, 0.14, 0.08, 0.035, 0.015, 0.01])  # 1..9, mean 3.6

# --- households: where --------------------------------------------------------


def household_counts(rng: np.random.Generator, n_natural: int, total: int) -> np.ndarray:
    """Split `total` households over natural villages: skewed, at least ~5, a few near 300."""
    base = min(5, total // n_natural)
    weights = rng.lognormal(0.0, 0.55, n_natural)
    counts = base + rng.multinomial(total - base * n_natural, weights / weights.sum())
    cap = MAX_HOUSEHOLDS_PER_NATURAL_VILLAGE
    while (excess := np.clip(counts - cap, 0, None).sum()) > 0:  # only for absurd densities
        counts = np.minimum(counts, cap)
        room = cap - counts
        counts += rng.multinomial(excess, room / room.sum())
    return counts


def _inside(polygons: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Return whether each point lies strictly inside the polygon of the same index."""
    return shapely.contains_xy(polygons, x, y)


def _uniform_points(rng: np.random.Generator, polygons: np.ndarray) -> np.ndarray:
    """Return one uniformly random point strictly inside each polygon (rejection from its box)."""
    bounds = shapely.bounds(polygons)
    points = np.empty((len(polygons), 2))
    pending = np.arange(len(polygons))
    while len(pending):
        low, high = bounds[pending, :2], bounds[pending, 2:]
        candidate = rng.uniform(low, high)
        inside = _inside(polygons[pending], *candidate.T)
        points[pending[inside]] = candidate[inside]
        pending = pending[~inside]
    return points


def household_points(
    rng: np.random.Generator, polygons: np.ndarray, counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scatter households in 1-3 hamlets per natural village, each strictly inside its polygon.

    Returns
    -------
    natural_village, hamlet : numpy.ndarray
        Natural village and hamlet index of each household, grouped by natural village.
    points : numpy.ndarray
        (n, 2) longitude, latitude.
    """
    shapely.prepare(polygons)
    n_hamlets = np.clip(1 + rng.poisson(counts / 80), 1, 3)
    hamlet_village = np.repeat(np.arange(len(polygons)), n_hamlets)
    # Pull a random point towards the middle so hamlets rarely hug a boundary.
    middle = shapely.get_coordinates(shapely.point_on_surface(polygons))[hamlet_village]
    anywhere = _uniform_points(rng, polygons[hamlet_village])
    centre = middle + rng.uniform(0.25, 0.85, (len(middle), 1)) * (anywhere - middle)
    outside = ~_inside(polygons[hamlet_village], *centre.T)
    centre[outside] = anywhere[outside]
    spread_m = rng.uniform(40.0, 150.0, len(centre))
    metres_per_degree = np.column_stack(
        [111_320 * np.cos(np.radians(centre[:, 1])), np.full(len(centre), 110_574.0)]
    )
    spread = spread_m[:, None] / metres_per_degree

    natural_village = np.repeat(np.arange(len(polygons)), counts)
    hamlet = _choose_hamlet(rng, natural_village, n_hamlets)
    points = np.empty((len(natural_village), 2))
    pending = np.arange(len(natural_village))
    for attempt in range(60):
        shrink = 0.85 ** max(0, attempt - 10)  # hamlets squeezed against a boundary converge inwards
        candidate = (
            centre[hamlet[pending]] + rng.normal(size=(len(pending), 2)) * spread[hamlet[pending]] * shrink
        )
        inside = _inside(polygons[natural_village[pending]], *candidate.T)
        points[pending[inside]] = candidate[inside]
        pending = pending[~inside]
        if not len(pending):
            break
    points[pending] = centre[hamlet[pending]]  # strictly inside by construction
    return natural_village, hamlet, points


def _choose_hamlet(
    rng: np.random.Generator, natural_village: np.ndarray, n_hamlets: np.ndarray
) -> np.ndarray:
    """Return the hamlet of each household: one of its natural village's, by random hamlet sizes."""
    first = np.r_[0, np.cumsum(n_hamlets)[:-1]]
    weight = rng.gamma(2.0, size=n_hamlets.sum())
    cumulative = np.cumsum(weight)
    before = np.r_[0.0, cumulative][first]
    total = np.r_[0.0, cumulative][first + n_hamlets] - before
    target = before[natural_village] + rng.random(len(natural_village)) * total[natural_village]
    hamlet = np.searchsorted(cumulative, target, side="right")
    return np.clip(hamlet, first[natural_village], (first + n_hamlets - 1)[natural_village])


# --- households: who ----------------------------------------------------------


def _pick(
    rng: np.random.Generator, count: int, score: np.ndarray, eligible: np.ndarray | None = None
) -> np.ndarray:
    """Choose exactly `count` households, more likely the higher their score.

    Sorting score + Gumbel noise draws without replacement with odds
    exp(score), so county totals hit their targets exactly while poorer
    hamlets, older heads and so on get more than their share.
    """
    key = score + rng.gumbel(size=len(score))
    if eligible is not None:
        key = np.where(eligible, key, -np.inf)
        count = min(count, int(eligible.sum()))
    chosen = np.zeros(len(score), dtype=bool)
    chosen[np.argsort(-key, kind="stable")[:count]] = True
    return chosen


def _standardise(values: np.ndarray) -> np.ndarray:
    """Return `values` with mean 0 and standard deviation 1 (all zero if constant)."""
    spread = values.std()
    return (values - values.mean()) / spread if spread > 0 else np.zeros_like(values)


def hardship_scores(
    rng: np.random.Generator,
    village_of_cell: np.ndarray,
    township_of_village: np.ndarray,
    remoteness: np.ndarray,
) -> np.ndarray:
    """Return a standardised hardship score per natural village.

    Part is shared by the township and the village, part is the hamlet's own
    and part grows with distance from the county centre, so poor hamlets
    cluster the way they do in the mountains.
    """
    township = rng.normal(size=township_of_village.max() + 1)[township_of_village]
    village = rng.normal(size=len(township_of_village))
    own = rng.normal(size=len(village_of_cell))
    mixed = 0.5 * (township + village)[village_of_cell] + 0.6 * own + 0.35 * _standardise(remoteness)
    return _standardise(mixed)


def _birth_days(rng: np.random.Generator, members: np.ndarray) -> np.ndarray:
    """Return each head's age in days on AS_OF: 22-90 years, older in one- and two-person homes."""
    youngest = (AS_OF - AS_OF.replace(year=AS_OF.year - 22)).days
    oldest = (AS_OF - AS_OF.replace(year=AS_OF.year - 91)).days - 1
    n = len(members)
    fraction = np.where(members <= 2, rng.beta(3.2, 1.8, n), rng.beta(2.2, 2.4, n))
    return youngest + np.minimum((fraction * (oldest - youngest + 1)).astype(np.int64), oldest - youngest)


def household_attributes(rng: np.random.Generator, hardship: np.ndarray) -> dict[str, np.ndarray]:
    """Draw members, head age and sex, and every indicator, for households of the given hardship.

    The draws happen in one fixed order (the same seed, the same county): the people, what they do,
    the allowances, then who needs care and the income that follows from all of it.
    """
    n = len(hardship)
    share = {key: round(rate * n) for key, rate in RATES.items()}
    h = _people(rng, n)
    h |= _work_and_health(rng, h, share, hardship)
    h |= _poverty(rng, h, share, hardship)
    h |= _care(rng, h, share, hardship)
    status = np.where(
        h["registered"],
        "registered",
        np.where(h["lifted"], "lifted", np.where(h["monitored"], "monitored", "none")),
    )
    return {
        "age_days": h["age_days"],
        "female": h["female"],
        "members": h["members"],
        "poverty_status": status,
        **{key: h[key] for key in _FLAGS_AND_COUNTS},
        "income_per_capita": _income(rng, h, hardship),
    }


_FLAGS_AND_COUNTS = (
    "dibao",
    "wubao",
    "family_planning",
    "left_behind_children",
    "left_behind_elderly",
    "empty_nest_elderly",
    "disabled_members",
    "dilapidated_house",
    "migrant_workers",
)


def _people(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Household size, the head's age in days and sex."""
    members = rng.choice(np.arange(1, 10), size=n, p=_MEMBERS_P)
    age_days = _birth_days(rng, members)
    age = age_days / 365.2425
    female = rng.random(n) < np.where(members == 1, 0.35, 0.08)  # widows live alone
    return {"members": members, "age_days": age_days, "age": age, "elderly": age >= 60, "female": female}


def _work_and_health(rng: np.random.Generator, h: dict, share: dict, hardship: np.ndarray) -> dict:
    """Disabled members and migrant workers."""
    n, members, age = len(hardship), h["members"], h["age"]
    disabled = _pick(rng, share["disabled"], 0.4 * hardship + 0.03 * (age - 55))
    disabled_members = np.where(disabled, 1 + ((rng.random(n) < 0.15) & (members >= 2)), 0)
    migrant = _pick(
        rng,
        share["migrant_workers"],
        0.3 * hardship + 0.6 * (members >= 3) - 1.0 * (age > 75) - 0.5 * disabled,
        eligible=members >= 2,  # someone stays home
    )
    migrant_workers = np.where(migrant, 1 + rng.binomial(np.clip(members - 2, 0, 3), 0.3), 0)
    return {
        "disabled": disabled,
        "disabled_members": disabled_members,
        "migrant": migrant,
        "migrant_workers": migrant_workers,
    }


def _poverty(rng: np.random.Generator, h: dict, share: dict, hardship: np.ndarray) -> dict:
    """Poverty status (registered, lifted, monitored) and the two allowances (五保, 低保)."""
    members, age, elderly, disabled = h["members"], h["age"], h["elderly"], h["disabled"]
    poor = _pick(
        rng,
        share["poor"],
        1.2 * hardship + 0.9 * disabled + 0.4 * (members >= 5) + 0.4 * (age >= 70) - 0.3 * h["migrant"],
    )
    registered = _pick(
        rng, round(RATES["registered_of_poor"] * poor.sum()), 1.0 * hardship + 0.8 * disabled, poor
    )
    lifted = poor & ~registered
    monitored = _pick(rng, share["monitored"], 1.2 * hardship + 0.8 * disabled, eligible=~poor)
    wubao = _pick(
        rng,
        share["wubao"],
        0.5 * hardship + 0.5 * disabled + 0.05 * (age - 60),
        eligible=(members == 1) & elderly,  # 五保: elderly with no one to support them
    )
    dibao = _pick(
        rng,
        share["dibao"],
        2.0 * registered + 1.2 * lifted + 1.4 * monitored + 1.0 * disabled + 0.6 * hardship
        + 0.6 * ((members == 1) & elderly),
        eligible=~wubao,  # the two allowances exclude each other
    )  # fmt: skip
    poverty = {"poor": poor, "registered": registered, "lifted": lifted, "monitored": monitored}
    return poverty | {"wubao": wubao, "dibao": dibao}


def _care(rng: np.random.Generator, h: dict, share: dict, hardship: np.ndarray) -> dict:
    """Family-planning support, left-behind children and elderly, empty nests, dilapidated houses."""
    n, members, age, elderly = len(hardship), h["members"], h["age"], h["elderly"]
    migrant_workers = h["migrant_workers"]
    family_planning = _pick(
        rng,
        share["family_planning"],
        0.3 * hardship + 0.3 * (members <= 2),
        eligible=(age >= 45) & (members <= 4),
    )
    at_home = members - migrant_workers - 1  # besides one carer
    left_behind = _pick(
        rng,
        share["left_behind_children"],
        0.8 * (age >= 50) + 0.3 * hardship + 0.3 * (members >= 4),  # grandparents raise them
        eligible=(migrant_workers > 0) & (at_home >= 1),
    )
    left_behind_children = np.where(left_behind, np.minimum(1 + rng.binomial(2, 0.3, n), at_home), 0)
    left_behind_elderly = _pick(
        rng,
        share["left_behind_elderly"],
        2.0 * (migrant_workers > 0) + 0.3 * hardship + 0.02 * (age - 60),
        elderly,
    )
    empty_nest_elderly = _pick(
        rng, share["empty_nest_elderly"], 0.2 * hardship, eligible=elderly & (members <= 2) & ~h["wubao"]
    )
    dilapidated_house = _pick(
        rng,
        share["dilapidated_house"],
        1.5 * hardship + 1.0 * h["poor"] + 0.5 * (age >= 70) + 0.5 * h["dibao"],
    )
    return {
        "family_planning": family_planning,
        "left_behind_children": left_behind_children,
        "left_behind_elderly": left_behind_elderly,
        "empty_nest_elderly": empty_nest_elderly,
        "dilapidated_house": dilapidated_house,
    }


def _income(rng: np.random.Generator, h: dict, hardship: np.ndarray) -> np.ndarray:
    """Income per person per year, lower with hardship and allowances, around the county's median."""
    log_income = (
        rng.normal(0.0, 0.45, len(hardship)) - 0.25 * hardship - 0.5 * h["registered"]
        - 0.2 * h["lifted"] - 0.15 * h["monitored"] - 0.25 * h["dibao"] - 0.2 * h["wubao"]
        - 0.15 * h["disabled"] + 0.25 * h["migrant_workers"] / h["members"]
    )  # fmt: skip
    income = MEDIAN_INCOME * np.exp(log_income - np.median(log_income))
    return np.maximum(np.round(income, -1), 1_200).astype(np.int64)


def id_numbers(rng: np.random.Generator, age_days: np.ndarray, female: np.ndarray) -> np.ndarray:
    """Return distinct, valid ID numbers: 522699, birth date, sequence (odd for men), check digit."""
    n = len(age_days)
    born = np.datetime64(AS_OF, "D") - age_days.astype("timedelta64[D]")
    # Heads born on one day share 500 odd (men) or 499 even (women) sequences: give each
    # (day, sex) group a run of distinct slots at a random start, members in random order.
    group = born.astype(np.int64) * 2 + female
    order = np.lexsort((rng.random(n), group))
    first = np.r_[True, group[order][1:] != group[order][:-1]]
    start = np.flatnonzero(first)
    group_of = np.cumsum(first) - 1
    size = np.diff(np.r_[start, n])
    spare = np.where(female[order][start], 499, 500) - size
    if (spare < 0).any():
        raise ValueError("too many heads born on one day for distinct ID numbers")
    run_start = (rng.random(len(start)) * (spare + 1)).astype(np.int64)
    slot = np.empty(n, dtype=np.int64)
    slot[order] = run_start[group_of] + np.arange(n) - start[group_of]
    sequence = 2 * slot + np.where(female, 2, 1)  # men 001-999, women 002-998
    first17 = (_yyyymmdd(born) * 1000 + sequence + int(COUNTY_CODE[:6]) * 10**11).astype(str)
    return np.strings.add(first17, np.array([check_digit(number) for number in first17.tolist()]))


def _yyyymmdd(days: np.ndarray) -> np.ndarray:
    """Return datetime64[D] values as integers YYYYMMDD."""
    years, months = days.astype("datetime64[Y]"), days.astype("datetime64[M]")
    return (
        (years.astype(np.int64) + 1970) * 10_000
        + (months - years).astype(np.int64) * 100
        + 100
        + (days - months).astype(np.int64)
        + 1
    )
