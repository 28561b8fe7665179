"""Tables of the 民情 work: cadres and their patches, pairings, visits and help measures (#11).

What cadres do is a dated event about a household, appended and kept: a pairing
has a validity range and is ended, not deleted; a visit is written once (its
client-made `uid` makes a second send a no-op). Current state is derived from the
events: `household_work` holds, per household, what the registry's work
indicators read (paired when, last two visit dates, measures done), kept by
statement triggers on the event tables (migration 0008_work), so a coverage map
reads one row per household instead of every visit.
"""

import uuid
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
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY, DATEMULTIRANGE, DATERANGE, JSONB, UUID, ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db

SRID = 4490  # as app.models.SRID (not imported: app.models imports this module)

CADRE_ROLES = ("committee", "resident", "department")  # 村两委, 驻村干部, 部门帮扶干部
# Posts (职务) whose holder keeps the village's cadre register on the web, beside administrators.
SECRETARY_DUTIES = ("书记", "党支部书记", "村党支部书记", "支书", "第一书记")
VISIT_KINDS = ("routine", "holiday", "follow_up")  # 日常走访, 节日慰问, 诉求回访
# The six measures reaching a poor household (六个到村到户).
MEASURE_KINDS = ("pairing", "industry", "education", "housing", "relocation", "infrastructure")
MEASURE_STATUSES = ("planned", "under_way", "done")
# What a cadre may tick on a visit form (走访勾选项); findings beyond these are free text.
VISIT_TICKS = (
    "housing_safe",  # 住房安全
    "drinking_water",  # 饮水安全
    "medical_insurance",  # 参加医保
    "schooling",  # 适龄子女在校
    "income_stable",  # 收入稳定
    "demand_raised",  # 提出诉求
)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _now():
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


class Cadre(db.Model):
    """A person who works in a village (村两委, 驻村 or a department's); optionally a user who logs in."""

    __tablename__ = "cadre"
    __table_args__ = (
        CheckConstraint(_in("role", CADRE_ROLES), name="role"),
        CheckConstraint("phone ~ '^1[3-9][0-9]{9}$'", name="phone_mobile"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32))
    unit: Mapped[str] = mapped_column(String(100), server_default="")
    # A mobile number: how visit logs and the register name a cadre (names repeat in a county).
    phone: Mapped[str] = mapped_column(String(11), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    duty: Mapped[str] = mapped_column(String(16), server_default="")  # 职务: 书记, 主任, 委员, 第一书记 …
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"), unique=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    active: Mapped[bool] = mapped_column(server_default=true())
    created_at: Mapped[datetime] = _now()


class CadrePatch(db.Model):
    """One piece of a cadre's patch (分片包干): a whole natural village, or one household."""

    __tablename__ = "cadre_patch"
    __table_args__ = (
        CheckConstraint("num_nonnulls(natural_village_id, household_id) = 1", name="one_target"),
        UniqueConstraint("cadre_id", "natural_village_id", name="uq_cadre_patch_cadre_id_natural_village"),
        UniqueConstraint("cadre_id", "household_id", name="uq_cadre_patch_cadre_id_household"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadre.id", ondelete="CASCADE"))
    natural_village_id: Mapped[int | None] = mapped_column(
        ForeignKey("natural_village.id", ondelete="CASCADE"), index=True
    )
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("household.id", ondelete="CASCADE"), index=True
    )


class Pairing(db.Model):
    """A cadre paired with a household (结对帮扶) over a date range; ended, never deleted."""

    __tablename__ = "pairing"
    __table_args__ = (
        CheckConstraint("NOT isempty(valid) AND NOT lower_inf(valid)", name="valid_starts"),
        # One pairing of a cadre and a household at a time; earlier ones stay as history.
        ExcludeConstraint(
            ("cadre_id", "="),
            ("household_id", "="),
            ("valid", "&&"),
            name="ex_pairing_one_at_a_time",
            using="gist",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadre.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    valid = mapped_column(DATERANGE, nullable=False)  # [start, end): end is the first day not paired
    created_at: Mapped[datetime] = _now()


class Visit(db.Model):
    """One visit of a cadre to a household (走访): when, why, what was found, where it was logged."""

    __tablename__ = "visit"
    __table_args__ = (
        CheckConstraint(_in("kind", VISIT_KINDS), name="kind"),
        CheckConstraint("jsonb_typeof(ticks) = 'array'", name="ticks_array"),
        # Coverage and overdue lists read a household's visits newest first.
        Index("ix_visit_household_id_visited_on", "household_id", "visited_on"),
        Index("ix_visit_cadre_id_visited_on", "cadre_id", "visited_on"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # Made by the client (a phone form, or from an imported row's content): sent twice, stored once.
    uid: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), unique=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"))
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadre.id"))
    visited_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    # About a family, as sensitive as its flags: only full-detail readers get it (app.privacy).
    findings: Mapped[str] = mapped_column(Text, server_default="")
    ticks: Mapped[list] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    # Where the visit was logged, and how far that is from the household's point.
    geom = mapped_column(Geometry("POINT", srid=SRID), nullable=True)
    distance_m: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(200), server_default="")  # form, or the imported file
    created_at: Mapped[datetime] = _now()
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))


class Measure(db.Model):
    """One of the six help measures reaching a poor household, with its status and the date of it."""

    __tablename__ = "measure"
    __table_args__ = (
        CheckConstraint(_in("kind", MEASURE_KINDS), name="kind"),
        CheckConstraint(_in("status", MEASURE_STATUSES), name="status"),
        UniqueConstraint("household_id", "kind", name="uq_measure_household_id_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    status_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, server_default="")
    updated_at: Mapped[datetime] = _now()
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))


class HouseholdWork(db.Model):
    """Derived, one row per household with any work: what the work indicators read.

    Written only by the triggers on pairing, visit and measure; never by hand.
    """

    __tablename__ = "household_work"

    household_id: Mapped[int] = mapped_column(
        ForeignKey("household.id", ondelete="CASCADE"), primary_key=True
    )
    paired = mapped_column(DATEMULTIRANGE, nullable=False, server_default=text("'{}'::datemultirange"))
    last_visit_on: Mapped[date | None] = mapped_column(Date)
    previous_visit_on: Mapped[date | None] = mapped_column(Date)  # the visit before the last
    measures: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    measures_done: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    # Every visit's date and every done measure's, ascending: a past day's state is read from them.
    visit_dates: Mapped[list[date]] = mapped_column(ARRAY(Date), server_default=text("'{}'"))
    done_dates: Mapped[list[date]] = mapped_column(ARRAY(Date), server_default=text("'{}'"))
