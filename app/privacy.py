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
dept.   a county department: no household; the demands assigned to it,
        in full, to work on and answer (#12)
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

*Nothing withheld can be worked out by subtraction*: `app.suppression` decides which areas'
counts a reader may see. A cadre's own villages are known to them exactly and count as published.
"""

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


# --- who does what in the 民情 work (#11) ---------------------------------------


def may_enter_measures(user, village_id: int) -> bool:
    """Say whether `user` may enter the help measures of households in village `village_id` (#11)."""
    role = getattr(user, "role_name", None)
    return role == "admin" or (role == "cadre" and village_id in user.village_ids)


def may_edit_members(user, village_id: int) -> bool:
    """Say whether `user` may add, change or remove members of households in village `village_id` (#13)."""
    return household_detail(user, village_id) is Detail.FULL


def may_read_cadres(user, village_id: int) -> bool:
    """Say whether `user` may read village `village_id`'s cadre register (names, phones, patches).

    The patches tell who looks after which households: leaders, admins and the village's cadres.
    """
    return household_detail(user, village_id) in _SENSITIVE_SHOWN


def may_edit_cadres(user, village_id: int, secretary_of: frozenset[int]) -> bool:
    """Say whether `user` may change village `village_id`'s cadre register (#11).

    Administrators, and the village's own secretary: a cadre user whose active cadre of that
    village holds a secretary's post (`secretary_of`, from `app.queries.cadres.secretary_villages`).
    """
    role = getattr(user, "role_name", None)
    if role == "admin":
        return True
    return role == "cadre" and village_id in user.village_ids and village_id in secretary_of


# --- people's demands (#12) --------------------------------------------------

DEMANDS_FORBIDDEN = "demands one by one are not for your role; see the demand list for counts"
# What a county department's user may do with a demand assigned to it: work on it and answer.
DEPARTMENT_ACTIONS = frozenset({"progress", "answer"})


def demand_department(user) -> str | None:
    """Return the county department whose assigned demands `user` reads, None for every other role."""
    if getattr(user, "role_name", None) != "department":
        return None
    return getattr(user, "department", None) or None


def _assigned_to(user, department: str | None) -> bool:
    return department is not None and department == demand_department(user)


def may_read_demand(user, village_id: int, *, department: str | None = None) -> bool:
    """Say whether `user` may read who raised a demand in village `village_id` and what it says.

    A demand's text is as sensitive as visit findings: leaders, admins and the village's cadres,
    and the county department it is assigned to (`department`: the demand's department assignee).
    """
    return household_detail(user, village_id) in _SENSITIVE_SHOWN or _assigned_to(user, department)


def may_handle_demand(
    user, village_id: int, *, department: str | None = None, action: str | None = None
) -> bool:
    """Say whether `user` may register or move on a demand in village `village_id`.

    Admins and the village's cadres take every action; the county department a demand is
    assigned to (`department`) only works on it and answers it (DEPARTMENT_ACTIONS).
    """
    if household_detail(user, village_id) is Detail.FULL:
        return True
    return _assigned_to(user, department) and action in DEPARTMENT_ACTIONS


def demand_scope(user) -> tuple[bool, frozenset[int] | None]:
    """Return whether `user` may list demands one by one (else counts only), and their villages.

    A department user lists demands one by one in no village: only those assigned to their
    department (`demand_department`), which the lists add to the villages.
    """
    if demand_department(user) is not None:
        return True, frozenset()
    detail, villages = household_scope(user)
    return detail in _SENSITIVE_SHOWN, villages


# --- photos (#11, #12) ----------------------------------------------------------


def may_read_visit_notes(user, village_id: int) -> bool:
    """Say whether `user` may read the notes (and see the photo) of a visit to a household in `village_id`."""
    detail = household_detail(user, village_id)
    return detail is not Detail.AGGREGATE and field_rules(detail)[VISIT_NOTES] is Rule.SHOW
