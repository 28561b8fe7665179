"""The states of a demand and the actions that move it: which action is allowed from which state.

registered → accepted → assigned → in progress → answered → closed (with a rating), and
answered or closed → reopened → accepted or assigned again. Nothing else: a state cannot be
skipped, and a rating comes only after an answer.
"""

from ..demand_models import STATES

# action -> (the states it may start from, the state it leads to)
ACTIONS: dict[str, tuple[frozenset[str], str]] = {
    "accept": (frozenset({"registered", "reopened"}), "accepted"),
    "assign": (frozenset({"accepted", "assigned", "reopened"}), "assigned"),
    "progress": (frozenset({"assigned", "in_progress"}), "in_progress"),
    "answer": (frozenset({"in_progress"}), "answered"),
    "close": (frozenset({"answered"}), "closed"),
    "reopen": (frozenset({"answered", "closed"}), "reopened"),
}
# The deadline clock runs until the demand is answered.
OPEN_STATES = frozenset(STATES) - {"answered", "closed"}


def allowed(state: str) -> list[str]:
    """Return the actions allowed from `state`, in the order of the lifecycle."""
    return [action for action, (sources, _) in ACTIONS.items() if state in sources]


def target(action: str, state: str) -> str | None:
    """Return the state `action` leads to from `state`, None when it may not be taken from there."""
    sources, result = ACTIONS[action]
    return result if state in sources else None


# How the maps draw a demand of each state: waiting red-orange, moving blue, done green.
STATE_COLOURS = {
    "registered": "#e4572e",
    "accepted": "#f29e4c",
    "assigned": "#f1c453",
    "in_progress": "#2e86de",
    "answered": "#54a0ff",
    "closed": "#2a9d8f",
    "reopened": "#9b2226",
}
# The ring round an overdue demand on the prints and in QGIS.
OVERDUE_RING = "#d7191c"
