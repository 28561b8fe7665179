"""Loading generated demands (#12) into the tables: the demand rows, then their events in order.

The events go through their trigger like any other, so each demand's state, assignee, rating
and version are derived from them exactly as for demands handled on the web.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import text

from ..demands.deadlines import add_working_days
from ..extensions import db
from . import _copy
from .demands import working_days


def _stage(table: str, columns: str, frame: pd.DataFrame) -> None:
    db.session.execute(text(f"DROP TABLE IF EXISTS pg_temp.{table}"))
    db.session.execute(text(f"CREATE TEMP TABLE {table} ({columns}) ON COMMIT DROP"))
    names = [c.split()[0] for c in columns.split(", ")]
    _copy(db.session.connection().connection.cursor(), table, frame[names])


def load_demands(demands) -> int:
    """Add generated demands (`geodata.demands.Demands`) and their events; return how many demands.

    A demand's id is the largest so far plus its `uid`; its deadline is set from the catalogue
    in the database, in working days of the Chinese calendar, as a registration does.
    """
    frame = demands.demands.copy()
    days = {
        (k, u): working_days(k, u)
        for k, u in frame[["kind", "urgency"]].drop_duplicates().itertuples(index=False)
    }
    frame["due_on"] = [
        add_working_days(raised, days[(kind, urgency)])
        for raised, kind, urgency in zip(frame.raised_on, frame.kind, frame.urgency, strict=True)
    ]
    _stage(
        "stage_demand",
        "uid bigint, household_code text, channel text, kind text, urgency text, description text, "
        "raised_on date, due_on date",
        frame,
    )
    _stage(
        "stage_demand_event",
        "uid bigint, seq int, action text, state text, at timestamptz, username text, note text, "
        "detail jsonb",
        demands.events,
    )
    base = db.session.execute(text("SELECT coalesce(max(id), 0) FROM demand")).scalar_one()
    loaded = db.session.execute(
        text("""
        INSERT INTO demand (id, household_id, person_name, geom, natural_village_id, village_id, channel,
                            kind, urgency, description, raised_on, due_on)
        SELECT :base + s.uid, h.id, h.head_name, h.geom, h.natural_village_id, nv.village_id, s.channel,
               s.kind, s.urgency, s.description, s.raised_on, s.due_on
        FROM stage_demand s JOIN household h ON h.code = s.household_code
        JOIN natural_village nv ON nv.id = h.natural_village_id
        ORDER BY s.uid"""),
        {"base": base},
    ).rowcount
    db.session.execute(
        text("""
        INSERT INTO demand_event (demand_id, action, state, at, username, note, detail)
        SELECT :base + e.uid, e.action, e.state, e.at, e.username, coalesce(e.note, ''), e.detail
        FROM stage_demand_event e WHERE EXISTS (SELECT 1 FROM demand d WHERE d.id = :base + e.uid)
        ORDER BY e.uid, e.seq"""),
        {"base": base},
    )
    db.session.execute(
        text("SELECT setval(pg_get_serial_sequence('demand', 'id'), (SELECT max(id) FROM demand))")
    )
    db.session.execute(text("ANALYZE demand, demand_event"))
    return loaded
