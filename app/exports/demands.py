"""The demands export layer (#12): points with their state, deadline, who raised them and what they say.

Who exports what follows the demand pages (`privacy.demand_scope`): admin and leader every
demand, a cadre those of their villages, a county department those assigned to it; gis counts
only, so the layer is not offered to gis at all.
"""

import pandas as pd

from .. import privacy
from ..queries import demand_layers
from ..queries import exports as sql

LAYER = "demands"


def allowed(user) -> bool:
    """Say whether `user` may export demands one by one."""
    return privacy.demand_scope(user)[0]


def _source(user) -> demand_layers.Layer:
    rows, villages = privacy.demand_scope(user)
    if not rows:
        raise PermissionError(f"{LAYER}: not for the {user.role_name} role (counts only)")
    return demand_layers.demands(villages=villages, department=privacy.demand_department(user))


def count(*, user) -> int:
    """Return how many demands `user` may export (0 for a role that may not)."""
    return sql.layer_count(_source(user)) if allowed(user) else 0


def rows(*, user, srid: int) -> pd.DataFrame:
    """Return the demands `user` may export, WKB geometry in `srid`, with x and y."""
    return sql.work_layer(_source(user), srid=srid, point=True)
