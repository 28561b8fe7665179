"""Export layers of the 民情 work (#11): pairings as lines, visits as points, only for roles that see them.

What a role sees is `privacy.work_scope`: admin and leader everywhere, a cadre in their
villages, gis nothing one by one (counts only, on the battle map and in the indicators).
"""

import pandas as pd

from .. import privacy
from ..queries import exports as sql
from ..queries import work_layers

LAYERS = ("pairings", "visits")


def allowed(user) -> bool:
    """Say whether `user` may export pairings and visits."""
    return privacy.work_scope(user) is not None


def _source(layer: str, user) -> work_layers.Layer:
    scope = privacy.work_scope(user)
    if scope is None:
        raise PermissionError(f"{layer}: not for the {user.role_name} role (counts only)")
    rules, villages = scope
    return getattr(work_layers, layer)(rules, villages=villages)


def count(layer: str, *, user) -> int:
    """Return how many rows of `layer` `user` may export (0 for a role that may not)."""
    return sql.layer_count(_source(layer, user)) if allowed(user) else 0


def rows(layer: str, *, user, srid: int) -> pd.DataFrame:
    """Return `layer`'s rows as `user` may see them (findings per VISIT_NOTES), WKB geometry in `srid`."""
    return sql.work_layer(_source(layer, user), srid=srid, point=layer == "visits")
