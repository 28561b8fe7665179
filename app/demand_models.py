"""Tables of people's demands (诉求, #12): the demand, its append-only events, its kinds and deadlines.

A demand's history is its events: every state change is a `demand_event` row (who, when,
note), never updated or deleted (a trigger refuses both). The demand row holds what is
derived from them — the current state, the assignee, the rating and a version for
optimistic locking — written by the insert trigger on `demand_event` in the same
transaction (migration 0009_demands), never by hand.
"""

from datetime import date, datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Text,
    func,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db
from .work_models import SRID, _in

CHANNELS = ("reception", "visit", "phone", "letter", "hotline")  # 书记接待, 走访, 电话, 来信, 12345 热线
URGENCIES = ("normal", "urgent")
STATES = ("registered", "accepted", "assigned", "in_progress", "answered", "closed", "reopened")
ASSIGNEE_KINDS = ("cadre", "village", "township", "department")
RATINGS = ("satisfied", "basically", "not_satisfied")  # 满意, 基本满意, 不满意


class DemandKind(db.Model):
    """One kind of the configurable catalogue (道路, 饮水, …) with its Chinese and English labels."""

    __tablename__ = "demand_kind"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    label_zh: Mapped[str] = mapped_column(String(32))
    label_en: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    active: Mapped[bool] = mapped_column(server_default=true())


class DemandDeadline(db.Model):
    """How many working days (Chinese calendar) a demand of a kind and urgency has to be answered."""

    __tablename__ = "demand_deadline"
    __table_args__ = (
        CheckConstraint(_in("urgency", URGENCIES), name="urgency"),
        CheckConstraint("working_days BETWEEN 1 AND 250", name="working_days_range"),
    )

    kind: Mapped[str] = mapped_column(ForeignKey("demand_kind.key", ondelete="CASCADE"), primary_key=True)
    urgency: Mapped[str] = mapped_column(String(8), primary_key=True)
    working_days: Mapped[int] = mapped_column(SmallInteger)


class Demand(db.Model):
    """A demand raised by a household or a person not in the registry; its state derives from its events."""

    __tablename__ = "demand"
    __table_args__ = (
        CheckConstraint(_in("channel", CHANNELS), name="channel"),
        CheckConstraint(_in("urgency", URGENCIES), name="urgency"),
        CheckConstraint(_in("state", STATES), name="state"),
        CheckConstraint(
            f"assignee_kind IS NULL OR {_in('assignee_kind', ASSIGNEE_KINDS)}", name="assignee_kind"
        ),
        CheckConstraint(f"rating IS NULL OR {_in('rating', RATINGS)}", name="rating"),
        CheckConstraint("household_id IS NOT NULL OR person_name <> ''", name="raised_by"),
        # The lists read a village's demands newest first.
        Index("ix_demand_village_id_id", "village_id", "id"),
        # A department reads the demands assigned to it (migration 0013_open311).
        Index(
            "ix_demand_assignee_id", "assignee", "id", postgresql_where=text("assignee_kind = 'department'")
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # A household leaving the registry leaves its demands: who raised one is kept in person_name.
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("household.id", ondelete="SET NULL"), index=True
    )
    person_name: Mapped[str] = mapped_column(String(32), server_default="")
    person_phone: Mapped[str] = mapped_column(String(20), server_default="")
    geom = mapped_column(Geometry("POINT", srid=SRID), nullable=False)
    natural_village_id: Mapped[int] = mapped_column(ForeignKey("natural_village.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("admin_unit.id"))
    channel: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(ForeignKey("demand_kind.key"))
    urgency: Mapped[str] = mapped_column(String(8))
    # About a family, as sensitive as visit findings: only detail readers get it (app.privacy).
    description: Mapped[str] = mapped_column(Text)
    raised_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    # Derived from the events by their insert trigger; never written by hand.
    state: Mapped[str] = mapped_column(String(16), server_default="registered")
    version: Mapped[int] = mapped_column(Integer, server_default="0")
    assignee_kind: Mapped[str | None] = mapped_column(String(16))
    assignee: Mapped[str | None] = mapped_column(String(100))
    rating: Mapped[str | None] = mapped_column(String(16))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))


class DemandEvent(db.Model):
    """One change of a demand: the action, the state it led to, who and when, a note. Append-only."""

    __tablename__ = "demand_event"
    __table_args__ = (
        CheckConstraint(_in("state", STATES), name="state"),
        Index("ix_demand_event_demand_id_at", "demand_id", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("demand.id"))
    action: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    username: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, server_default="")
    # The action's particulars: the assignee of an assignment, the rating of a closing.
    detail: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))


class DemandTally(db.Model):
    """How many demands each natural village has per kind, state and (while open) due day.

    Kept by row triggers on `demand` (migration 0018_demand_tally), so the county-zoom demand tiles
    add up a few rows per natural village instead of counting every demand. A demand no longer
    open is tallied without its due day (``-infinity``), so the answered and closed, which are most,
    fold into one row per kind and state.
    """

    __tablename__ = "demand_tally"
    # The open demands not yet due in a natural village (the tiles' overdue), read without the heap.
    __table_args__ = (
        Index(
            "ix_demand_tally_natural_village_id_due_on",
            "natural_village_id",
            "due_on",
            postgresql_include=["kind", "state", "n"],
        ),
    )

    natural_village_id: Mapped[int] = mapped_column(
        ForeignKey("natural_village.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), primary_key=True)
    due_on: Mapped[date] = mapped_column(Date, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class DemandCount(db.Model):
    """How many demands each natural village has of each kind, a column per state.

    Kept by row triggers on `demand` (migration 0019_demand_points): the county-zoom demand tiles
    add up these few rows per natural village, and take from the tally only the open demands not
    yet due, so their overdue count follows the county's day without a job. A new state needs
    its column here and in the triggers.
    """

    __tablename__ = "demand_count"
    # The counts in the key's index: a tile reads a natural village's counts without the heap.
    __table_args__ = (PrimaryKeyConstraint("natural_village_id", "kind", postgresql_include=list(STATES)),)

    natural_village_id: Mapped[int] = mapped_column(
        ForeignKey("natural_village.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    registered: Mapped[int] = mapped_column(Integer, server_default="0")
    accepted: Mapped[int] = mapped_column(Integer, server_default="0")
    assigned: Mapped[int] = mapped_column(Integer, server_default="0")
    in_progress: Mapped[int] = mapped_column(Integer, server_default="0")
    answered: Mapped[int] = mapped_column(Integer, server_default="0")
    closed: Mapped[int] = mapped_column(Integer, server_default="0")
    reopened: Mapped[int] = mapped_column(Integer, server_default="0")
