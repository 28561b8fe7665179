"""Who may see what: one policy for every output.

The policy answers two questions:

1. How much of a household may this user see in this administrative village?
   (`household_detail`): nothing but aggregates, a masked record, a named
   record, or the full record.
2. For that level, what happens to each personal field (`field_rules`): shown,
   masked (张*, 5226**********1234) or omitted.

`app.queries` turns the rules into SQL, so unmasked values never leave the
database for a user who may not see them. Roles:

======  ==========================================================
admin   everything
leader  county-wide household records; names shown, ID numbers masked
cadre   full records in assigned villages; aggregates elsewhere
gis     county-wide layers; names masked, no ID numbers, no address,
        no sensitive indicators at household level
======  ==========================================================
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
SENSITIVE_COLUMNS = frozenset(i.column for i in indicators.INDICATORS if i.sensitive)
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


def household_flags(detail: Detail) -> list[indicators.Indicator]:
    """Return the indicators a household may be flagged with at `detail` (none at aggregate detail)."""
    shares = (i for i in indicators.INDICATORS if i.kind == "share")
    return [i for i in shares if may_see_indicator_at_household_level(detail, i)]


def field_rules(detail: Detail) -> dict[str, Rule]:
    """Return the rule for every personal and sensitive field at `detail`."""
    if detail is Detail.AGGREGATE:
        raise ValueError("no household fields leave the database at aggregate detail")
    rules = dict(_RULES[detail])
    sensitive = Rule.SHOW if detail in _SENSITIVE_SHOWN else Rule.OMIT
    rules.update({column: sensitive for column in SENSITIVE_COLUMNS})
    rules[VISIT_NOTES] = sensitive
    return rules


def may_see_indicator_at_household_level(detail: Detail, indicator: indicators.Indicator) -> bool:
    """Say whether `indicator` may be drawn per household at `detail`."""
    if detail is Detail.AGGREGATE:
        return False
    return not indicator.sensitive or detail in _SENSITIVE_SHOWN
