"""Generate the members of the synthetic county's households (#13): families that agree with the flags.

Each household of `geodata.generator` gets exactly its member count of people: the
head (whose name, sex and ID number the household already has), a spouse, then
children and grandchildren or the head's parents, as the head's age makes likely.
The counts a household states are met exactly, so the counts the database derives
from the members equal the generated ones: its migrant workers are working-age
adults (a left-behind child's parents first), its left-behind children are under
16 with a parent away, its disabled members lean old, an empty-nest household is
an elderly head with an elderly spouse. Ages are as of `generator.AS_OF`.

Run by `flask demo` after the households are generated; one pass in plain Python
(about 1 s per 50,000 households).
"""

from __future__ import annotations

import datetime
import random

import pandas as pd

from app.idnumber import check_digit

from .facts import AS_OF, COUNTY_CODE
from .names import GIVEN_FEMALE, GIVEN_MALE, SURNAMES

COLUMNS = (
    "household_code",
    "name",
    "id_number",
    "relation",
    "sex",
    "birth_date",
    "disabled",
    "left_behind_child",
    "migrant_worker",
    "migrant_place",
    "student",
    "insured",
)
# Where Guizhou's migrant workers go, most often first.
MIGRANT_PLACES = (
    "广东东莞",
    "广东深圳",
    "浙江宁波",
    "浙江温州",
    "福建厦门",
    "贵阳",
    "江苏苏州",
    "上海",
    "本县县城",
)
_PLACE_WEIGHTS = (18, 15, 12, 8, 8, 14, 8, 5, 12)
FEMALE_RELATIONS = {"daughter", "daughter_in_law", "granddaughter", "mother", "grandmother"}
INSURED_SHARE = 0.97


class _Family:
    """One household's people as they are drawn: relation, sex, age in years, flags."""

    def __init__(self, rnd: random.Random, head: dict):
        self.rnd, self.head = rnd, head
        self.people: list[dict] = [{"relation": "head", "sex": head["sex"], "age": head["age"], "head": True}]

    def add(self, relation: str, age: float, *, sex: str | None = None) -> dict:
        if sex is None:
            sex = "F" if relation in FEMALE_RELATIONS else "M" if relation != "spouse" else "F"
        if age < 0.5:  # a child the parents' ages leave no room for: a baby, on a day of its own
            age = self.rnd.uniform(0.5, 4)
        person = {"relation": relation, "sex": sex, "age": min(age, 99.0)}
        self.people.append(person)
        return person

    def spouse(self) -> dict:
        sex = "M" if self.head["sex"] == "F" else "F"
        return self.add("spouse", self.head["age"] + self.rnd.uniform(-4, 3), sex=sex)

    def child(self, parent_age: float, *, young: bool = False, grand: bool = False) -> dict:
        boy = self.rnd.random() < 0.53
        relation = ("grandson" if boy else "granddaughter") if grand else ("son" if boy else "daughter")
        # A young child is under 14 on AS_OF, so still under 16 (a left-behind child) for a while after.
        age = self.rnd.uniform(1, 13.5) if young else parent_age - self.rnd.uniform(21, 32)
        return self.add(relation, age)


def _household_people(rnd: random.Random, h: dict) -> list[dict]:
    """Return the people of household `h` (its head's age and sex and its stated counts)."""
    n, age = h["members"], h["age"]
    left, migrants, disabled = h["left_behind_children"], h["migrant_workers"], h["disabled_members"]
    family = _Family(rnd, h)
    away: list[dict] = []
    children: list[dict] = []
    if left and age >= 45:  # grandparents raise the children of a son working away
        son = family.add("son", max(age - rnd.uniform(21, 32), 22 + rnd.uniform(0, 8)))
        away.append(son)
        if migrants >= 2 and len(family.people) < n - left:
            away.append(family.add("daughter_in_law", son["age"] + rnd.uniform(-3, 2)))
        children = [family.child(son["age"], young=True, grand=True) for _ in range(left)]
    elif left:  # the parents work away; a grandparent at home looks after the children
        away.append(family.people[0])
        if migrants >= 2:
            away.append(family.spouse())
        children = [family.child(age, young=True) for _ in range(left)]
        family.add("mother", age + rnd.uniform(22, 30))
    elif n >= 2 and not h["wubao"]:
        spouse = family.spouse()
        if h["empty_nest_elderly"]:
            spouse["age"] = max(spouse["age"], 60 + rnd.uniform(0, 5))
    while len(family.people) < n:
        _add_relative(rnd, family, age)
    del family.people[n:]
    _flag(rnd, family.people, away, children, migrants=migrants, disabled=disabled)
    return family.people


def _add_relative(rnd: random.Random, family: _Family, age: float) -> None:
    """Add the next most likely relative for a head of `age`: spouse, children, grandchildren or parents."""
    relations = {p["relation"] for p in family.people}
    if "spouse" not in relations and not family.head["wubao"] and rnd.random() < 0.8:
        family.spouse()
    elif age >= 55:
        adults = [p for p in family.people if p["relation"] == "son"]
        if adults and "daughter_in_law" not in relations:
            family.add("daughter_in_law", adults[0]["age"] + rnd.uniform(-3, 2))
        elif adults:
            family.child(adults[0]["age"], grand=True)
        else:
            family.child(age)
    elif age < 42 and "mother" not in relations and rnd.random() < 0.5:
        family.add("mother" if rnd.random() < 0.6 else "father", age + rnd.uniform(22, 30))
    else:
        family.child(age)


def _flag(
    rnd: random.Random,
    people: list[dict],
    away: list[dict],
    children: list[dict],
    *,
    migrants: int,
    disabled: int,
) -> None:
    """Set the flags so the household's stated counts are met exactly."""
    for p in people:
        p.update(left_behind_child=False, migrant_worker=False, disabled=False)
    for child in children:
        child["left_behind_child"] = True
    # Working age first, then whoever is nearest to it; never a left-behind child.
    gone = {id(p) for p in away}
    candidates = [p for p in people if id(p) not in gone and not p["left_behind_child"]]
    candidates.sort(key=lambda p: (not 18 <= p["age"] < 56, abs(p["age"] - 32)))
    for p in (away + candidates)[:migrants]:
        p["migrant_worker"] = True
    # Disability leans old and stays at home.
    at_home = sorted(people, key=lambda p: (p["migrant_worker"], -p["age"] + rnd.uniform(0, 30)))
    for p in at_home[:disabled]:
        p["disabled"] = True
    for p in people:
        p["student"] = 6 <= p["age"] < 18 or (
            18 <= p["age"] < 22 and not p["migrant_worker"] and rnd.random() < 0.3
        )
        p["insured"] = rnd.random() < INSURED_SHARE
        p["migrant_place"] = rnd.choices(MIGRANT_PLACES, _PLACE_WEIGHTS)[0] if p["migrant_worker"] else None


class _Numbers:
    """Distinct valid ID numbers of the county: birth date, sequence (odd for men), check digit."""

    def __init__(self, rnd: random.Random, taken: set[str]):
        self.rnd, self.taken = rnd, {number[:17] for number in taken}

    def number(self, born: datetime.date, sex: str) -> str:
        stem = f"{COUNTY_CODE[:6]}{born:%Y%m%d}"
        first = 1 if sex == "M" else 2
        start = self.rnd.randrange(0, 499)
        for step in range(499):
            first17 = f"{stem}{(start + step) % 499 * 2 + first:03d}"
            if first17 not in self.taken:
                break
        else:  # every number of the day is taken: born the day before
            return self.number(born - datetime.timedelta(days=1), sex)
        self.taken.add(first17)
        return first17 + check_digit(first17)


def _born(id_number: str) -> datetime.date:
    return datetime.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def generate_members(households: pd.DataFrame, *, seed: int) -> pd.DataFrame:
    """Return the members of `households` (a `generator.County.households` frame), heads first.

    Every household gets exactly ``members`` people whose left-behind children, disabled members and
    migrant workers number exactly as the household states.
    """
    rnd = random.Random(seed)
    numbers = _Numbers(rnd, set(households["id_number"]))
    surnames, weights = list(SURNAMES), list(SURNAMES.values())
    rows = []
    frame = households[
        [
            *("code", "head_name", "head_sex", "id_number", "members", "wubao", "empty_nest_elderly"),
            *("left_behind_children", "migrant_workers", "disabled_members"),
        ]
    ]
    for h in frame.itertuples(index=False):
        born = _born(h.id_number)
        head = {**h._asdict(), "sex": h.head_sex, "age": (AS_OF - born).days / 365.2425}
        surname, spouse_surname = h.head_name[0], rnd.choices(surnames, weights)[0]
        for p in _household_people(rnd, head):
            if p["relation"] == "head":
                name, id_number, birth = h.head_name, h.id_number, born
            else:
                birth = AS_OF - datetime.timedelta(days=int(p["age"] * 365.2425))
                id_number = numbers.number(birth, p["sex"])
                birth = _born(id_number)  # a day earlier when the day's numbers ran out
                family_name = (
                    spouse_surname if p["relation"] in ("spouse", "daughter_in_law", "mother") else surname
                )
                pool = GIVEN_FEMALE if p["sex"] == "F" else GIVEN_MALE
                name = family_name + rnd.choice(pool) + (rnd.choice(pool) if rnd.random() < 0.6 else "")
            rows.append(
                (h.code, name, id_number, p["relation"], p["sex"], birth, *(p[f] for f in COLUMNS[6:]))
            )
    return pd.DataFrame.from_records(rows, columns=COLUMNS)
