"""People's demands as vector tiles (#12): counts per natural village, and points where the reader may.

Layer ``demand_counts``: one point per natural village (on its surface) with how many demands
match the filters (``demands``), how many of them are open and overdue, and per kind
(``kind_<key>``). For a reader who may not read a village's demands (gis, a cadre elsewhere)
a count below the small-count threshold is withheld (absent, with ``<name>_suppressed``) and
the kinds are not broken down. Layer ``demands``: one point per demand with its number, state,
kind and overdue flag — never who raised it or what it says — only in the villages the reader
may read, and only when the tile asks for points.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from sqlalchemy import text

from ..demand_models import STATES
from ..extensions import db
from .demands import OPEN
from .tiles import _mvt, _mvt_geom, layers_sql

COUNTS = ("demands", "open", "overdue")
OPEN_STATES = tuple(s for s in STATES if s not in ("answered", "closed"))  # as `OPEN` says


@dataclass(frozen=True)
class MapFilters:
    """What the demand map is narrowed to: a kind, a state ('open': not yet answered), raised between."""

    kind: str | None = None
    state: str | None = None
    since: datetime.date | None = None
    until: datetime.date | None = None
    assignee: str | None = None  # part of the assignee's name (a cadre's, a unit's) or mobile

    def where(self) -> tuple[str, dict]:
        """Return the SQL condition on demand `d` and its values."""
        clauses, values = ["true"], {}
        for name, sql in _CONDITIONS:
            value = getattr(self, name)
            if value is None:
                continue
            if (name, value) == ("state", "open"):
                clauses.append(OPEN)
                continue
            clauses.append(sql)
            values[f"f_{name}"] = value
        return " AND ".join(clauses), values


# Each filter's condition on demand `d`, reading its value as :f_<name>.
_CONDITIONS = (
    ("kind", "d.kind = :f_kind"),
    ("state", "d.state = :f_state"),
    ("since", "d.raised_on >= :f_since"),
    ("until", "d.raised_on <= :f_until"),
    ("assignee", "strpos(d.assignee, :f_assignee) > 0"),
)


def version() -> int:
    """Return a number that grows with every demand change (the newest event's id; 0 before any)."""
    return db.session.execute(text("SELECT coalesce(max(id), 0) FROM demand_event")).scalar_one()


def _kind_columns(kinds: list[str], n: str) -> tuple[str, dict]:
    """Return the per-kind counts (each row counting `n` demands) and their parameters."""
    columns, values = [], {}
    for i, key in enumerate(kinds):
        if re.fullmatch(r"[a-z][a-z0-9_]{0,30}", key):  # an attribute name; the catalogue's keys are
            columns.append(f', coalesce(sum({n}) FILTER (WHERE d.kind = :kind_{i}), 0) AS "kind_{key}"')
            values[f"kind_{i}"] = key
    return "".join(columns), values


@dataclass(frozen=True)
class Source:
    """What a count tile adds up, each aliased `d`.

    `counts`: a row per demand or per group of `d.n` demands, or (`by_state`) a row per natural
    village and kind with a column per state. `by_due_day`: rows with state, due day and `d.n`,
    whose open ones due today or later are the demands not yet overdue.
    """

    counts: str
    by_due_day: str
    by_state: bool = False

    def sums(self, filters: MapFilters) -> tuple[str, str, str]:
        """Return the condition on `counts` rows and the sums of demands and of open demands in them."""
        if not self.by_state:
            where, _ = filters.where()
            return where, "d.n", f"CASE WHEN {OPEN} THEN d.n ELSE 0 END"
        states = {None: STATES, "open": OPEN_STATES}.get(filters.state, {filters.state} & set(STATES))
        where, _ = MapFilters(kind=filters.kind).where()

        def total(columns) -> str:
            return " + ".join(f"d.{s}" for s in columns) or "0"  # a state names its column

        return where, total(states), total(s for s in states if s in OPEN_STATES)


# Without a date or assignee filter a tile adds up the counts per natural village and kind (kept by
# triggers), and takes as overdue the open ones less those not yet due: the tally's rows due today
# or later, read per natural village from its index on due day. Exact on any day, with no job.
COUNTED = Source("demand_count d", "demand_tally d", by_state=True)
# With a date or assignee filter, every demand counts.
EVERY = Source("(SELECT *, 1 AS n FROM demand) d", "(SELECT *, 1 AS n FROM demand) d")


def tile(
    z: int,
    x: int,
    y: int,
    *,
    filters: MapFilters,
    readable: frozenset[int] | None,
    points: bool,
    today: datetime.date,
    min_count: int,
    kinds: list[str],
    counted: Source = COUNTED,
) -> bytes:
    """Return the MVT tile z/x/y with layers ``demand_counts`` and (when `points`) ``demands``.

    Parameters
    ----------
    readable
        The administrative villages whose demands the reader may read one by one (None: all):
        their counts are exact and broken down by kind, and their demands are points when `points`.
    points
        Whether readable villages get points instead of counts (high zoom).
    counted
        What is added up without a date or assignee filter (`COUNTED`; the bench passes its peer's).
    """
    where, values = filters.where()
    tallied = filters.since is None and filters.until is None and filters.assignee is None
    source = counted if tallied else EVERY
    counts_where, n, n_open = source.sums(filters)
    kind_columns, kind_values = _kind_columns(kinds, n)
    exact = "true" if readable is None else "nv.village_id = ANY(:readable)"
    # Counts for every natural village in the tile, except readable ones when they come as points.
    shown = f"NOT ({exact})" if points else "true"

    def published(name: str) -> str:
        shown = f"exact OR {name} >= :k"
        return f"CASE WHEN {shown} THEN {name} END AS {name}, NOT ({shown}) AS {name}_suppressed"

    kind_names = "".join(f', c."kind_{key}"' for key in kinds if f'"kind_{key}"' in kind_columns)
    kinds_out = "".join(
        f', CASE WHEN exact THEN "kind_{key}" END AS "kind_{key}"'
        for key in kinds
        if f'"kind_{key}"' in kind_columns
    )
    counts = f"""
        SELECT {_mvt_geom("pt")} AS geom, id, id AS fid, code, name,
               {", ".join(published(c) for c in COUNTS)}{kinds_out}
        FROM (
            SELECT nv.id, nv.code, nv.name, ST_PointOnSurface(nv.geom) AS pt, {exact} AS exact,
                   c.demands, c.open, c.open - coalesce(u.not_due, 0) AS overdue{kind_names}
            FROM natural_village nv
            JOIN bounds b ON nv.geom && b.geo
            CROSS JOIN LATERAL (
                SELECT sum({n}) AS demands, coalesce(sum({n_open}), 0) AS open{kind_columns}
                FROM {source.counts} WHERE d.natural_village_id = nv.id AND {counts_where}) c
            CROSS JOIN LATERAL (
                SELECT sum(d.n) AS not_due FROM {source.by_due_day}
                WHERE d.natural_village_id = nv.id AND d.due_on >= :today AND {OPEN} AND {where}) u
            WHERE {shown} AND c.demands > 0) c, bounds b"""
    demand_points = f"""
        SELECT {_mvt_geom("d.geom")} AS geom, d.id, d.id AS fid, d.state, d.kind,
               ({OPEN} AND d.due_on < :today) AS overdue
        FROM demand d
        JOIN natural_village nv ON nv.id = d.natural_village_id
        JOIN bounds b ON d.geom && b.geo
        WHERE {exact} AND {where}"""
    layers = [_mvt("demand_counts", counts)]
    if points:
        layers.append(_mvt("demands", demand_points))
    sql = layers_sql(layers)
    params = {
        "z": z,
        "x": x,
        "y": y,
        "today": today,
        "k": min_count,
        "readable": sorted(readable or ()),
        **values,
        **kind_values,
    }
    return bytes(db.session.execute(text(sql), params).scalar_one())
