"""SQL of the Open311 GeoReport v2 requests (#12): the demands layer filtered the spec's way.

The rows are `demand_layers.demands` (scoped and masked per reader), so Open311 gives no
more than the OGC collection and the exports give the same reader.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text

from ..extensions import db
from .demand_layers import PROPERTIES
from .work_layers import Layer

# The spec's default cap on one answer.
LIMIT = 1000


@dataclass(frozen=True)
class Query:
    """What a GET requests.json asks for. Ids, when given, override every other filter (as the spec says)."""

    start: datetime
    end: datetime
    ids: tuple[str, ...] | None = None
    service_code: str | None = None
    states: tuple[str, ...] | None = None  # the states an Open311 status stands for


def _where(q: Query, params: dict) -> str:
    if q.ids is not None:
        params["ids"] = list(q.ids)
        return "q.__key = ANY(:ids)"
    clauses = ["q.__time >= :start", "q.__time <= :end"]
    params.update(start=q.start, end=q.end)
    if q.service_code is not None:
        clauses.append("q.demand_kind = :service_code")
        params["service_code"] = q.service_code
    if q.states is not None:
        clauses.append("q.state = ANY(:states)")
        params["states"] = list(q.states)
    return " AND ".join(clauses)


def requests(layer: Layer, q: Query, *, limit: int = LIMIT) -> list[dict]:
    """Return the demands of `layer` matching `q`, newest first, with their key, time and lon/lat."""
    params = dict(layer.params)
    names = ", ".join(f'q."{name}"' for name in PROPERTIES)
    sql = f"""
        SELECT q.__key AS key, q.__time AS requested_at, ST_X(q.__geom) AS lon, ST_Y(q.__geom) AS lat, {names}
        FROM ({layer.sql}) q
        WHERE {_where(q, params)}
        ORDER BY q.__time DESC, q.__key DESC
        LIMIT :limit"""
    rows = db.session.execute(text(sql), {**params, "limit": limit}).mappings()
    return [dict(r) for r in rows]


def exists(demand_id: int) -> bool:
    """Say whether there is a demand numbered `demand_id` (whoever may read it)."""
    return (
        db.session.execute(text("SELECT 1 FROM demand WHERE id = :id"), {"id": demand_id}).first() is not None
    )
