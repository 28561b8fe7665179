"""History tables: every version of a household and of a member row, with when it held (#13).

`household_history` and `member_history` carry the versioned table's columns, in
its order, after three of their own: `valid` (the time range the version held;
the current version's is open-ended), `actor_id` (the app user who wrote it,
NULL for a program or psql) and `source` (which form, import job or command).
One statement-level trigger per table writes them (migration 0011_history), so
no writer can forget it; the writer's identity reaches it through transaction-
local settings (`app.versions`). A column added to a versioned table is added to
its history table in the same migration (the trigger copies rows by position).
"""

from geoalchemy2 import Geometry
from sqlalchemy import Column, Index, Integer, Table, Text, text
from sqlalchemy.dialects.postgresql import TSTZRANGE

from .extensions import db
from .models import Household, Member


def _history(table: Table, *indexed: str) -> Table:
    """Return the history table of `table`: the version columns, then a copy of each of its columns."""
    copies = [
        Column(c.name, Geometry(c.type.geometry_type, srid=c.type.srid, spatial_index=False), nullable=False)
        if isinstance(c.type, Geometry)
        else Column(c.name, c.type, nullable=c.nullable)
        for c in table.columns
    ]
    name = f"{table.name}_history"
    return Table(
        name,
        db.metadata,
        Column("valid", TSTZRANGE, nullable=False),
        Column("actor_id", Integer),
        Column("source", Text, nullable=False),
        *copies,
        # One current version per row, found at once when the next one closes it. Versions never overlap
        # because only the trigger writes them; an exclusion constraint (GiST on id and range) would check
        # that again at 8 s per 100,000 versions, 7 minutes for a prefecture's five years (bench/history.py).
        Index(f"uq_{name}_current", "id", unique=True, postgresql_where=text("upper_inf(valid)")),
        Index(f"ix_{name}_id_valid", "id", "valid"),  # a row's versions in order: the card's timeline
        *(Index(f"ix_{name}_{column}", column) for column in indexed),
    )


household_history = _history(Household.__table__, "natural_village_id")
member_history = _history(Member.__table__, "household_id")
