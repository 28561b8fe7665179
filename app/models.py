"""Tables: administrative units, natural villages, households, members, users and audit.

Geometries are stored in CGCS2000 (EPSG:4490), longitude first. Codes are the
stable keys every import and export speaks; the integer ids are internal.
"""

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Table,
    Text,
    false,
    func,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from .extensions import db

SRID = 4490
LEVELS = ("county", "township", "village")
POVERTY_STATUSES = ("none", "registered", "lifted", "monitored")
ROLES = ("admin", "leader", "cadre", "gis", "department")


def _created():
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


class AdminUnit(db.Model):
    """A county, township or administrative village, keyed by its 12-digit division code."""

    __tablename__ = "admin_unit"
    __table_args__ = (
        CheckConstraint("level IN ('county', 'township', 'village')", name="level"),
        CheckConstraint("code ~ '^[0-9]{12}$'", name="code_digits"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=SRID), nullable=False)


class NaturalVillage(db.Model):
    """A natural village (自然寨 / 村民组): its administrative village's code plus a suffix."""

    __tablename__ = "natural_village"
    __table_args__ = (CheckConstraint("code ~ '^[0-9]{14}$'", name="code_digits"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(14), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    village_id: Mapped[int] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=SRID), nullable=False)


class Household(db.Model):
    """A household (户) with its location and the attributes the indicators read."""

    __tablename__ = "household"
    __table_args__ = (
        CheckConstraint("members >= 1", name="members_positive"),
        CheckConstraint(
            "poverty_status IN ('none', 'registered', 'lifted', 'monitored')",
            name="poverty_status",
        ),
        CheckConstraint("id_number ~ '^[0-9]{17}[0-9X]$'", name="id_number_format"),
        CheckConstraint(
            "left_behind_children >= 0 AND disabled_members >= 0 AND migrant_workers >= 0",
            name="counts_non_negative",
        ),
        CheckConstraint(
            "poverty_registered_year BETWEEN 1980 AND 2100"
            " AND poverty_lifted_year >= poverty_registered_year",
            name="poverty_years",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    head_name: Mapped[str] = mapped_column(String(32))
    id_number: Mapped[str | None] = mapped_column(String(18))
    address: Mapped[str | None] = mapped_column(String(200))
    geom = mapped_column(Geometry("POINT", srid=SRID), nullable=False)
    # Filled by a trigger with ST_Covers when an import does not name it.
    natural_village_id: Mapped[int] = mapped_column(ForeignKey("natural_village.id"), index=True)
    members: Mapped[int] = mapped_column(Integer, server_default="1")
    poverty_status: Mapped[str] = mapped_column(String(16), server_default="none")
    dibao: Mapped[bool] = mapped_column(server_default=false())
    wubao: Mapped[bool] = mapped_column(server_default=false())
    family_planning: Mapped[bool] = mapped_column(server_default=false())
    left_behind_children: Mapped[int] = mapped_column(Integer, server_default="0")
    left_behind_elderly: Mapped[bool] = mapped_column(server_default=false())
    empty_nest_elderly: Mapped[bool] = mapped_column(server_default=false())
    disabled_members: Mapped[int] = mapped_column(Integer, server_default="0")
    dilapidated_house: Mapped[bool] = mapped_column(server_default=false())
    migrant_workers: Mapped[int] = mapped_column(Integer, server_default="0")
    income_per_capita: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _created()
    # Year registered poor (建档立卡) and year lifted out (脱贫), kept as columns: a county's files began in
    # 2014, long before any version here.
    poverty_registered_year: Mapped[int | None] = mapped_column(SmallInteger)
    poverty_lifted_year: Mapped[int | None] = mapped_column(SmallInteger)


# A member's relation to the head of the household, in the order a card lists them (#13).
RELATIONS = (
    "head",
    "spouse",
    "son",
    "daughter",
    "daughter_in_law",
    "son_in_law",
    "grandson",
    "granddaughter",
    "father",
    "mother",
    "grandfather",
    "grandmother",
    "sibling",
    "other",
)


class Member(db.Model):
    """One person of a household (#13). Where a household has members, its member count and the
    counts of left-behind children, disabled members and migrant workers are derived from them by the
    database (migration 0010_members), whoever writes."""

    __tablename__ = "member"
    __table_args__ = (
        CheckConstraint("id_number ~ '^[0-9]{17}[0-9X]$'", name="id_number_format"),
        CheckConstraint("sex IN ('M', 'F')", name="sex"),
        CheckConstraint(f"relation IN ({', '.join(repr(r) for r in RELATIONS)})", name="relation"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(32))
    id_number: Mapped[str | None] = mapped_column(String(18))
    relation: Mapped[str | None] = mapped_column(String(16))  # one of RELATIONS
    sex: Mapped[str | None] = mapped_column(String(1))
    birth_date: Mapped[datetime | None] = mapped_column(db.Date)
    disabled: Mapped[bool] = mapped_column(server_default=false())
    left_behind_child: Mapped[bool] = mapped_column(server_default=false())
    migrant_worker: Mapped[bool] = mapped_column(server_default=false())
    migrant_place: Mapped[str | None] = mapped_column(String(64))  # where a migrant worker works
    student: Mapped[bool] = mapped_column(server_default=false())
    insured: Mapped[bool] = mapped_column(server_default=false())  # 参保: in the health insurance


class Role(db.Model):
    """A role; what each may see is decided in app.privacy."""

    __tablename__ = "role"

    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    label_zh: Mapped[str] = mapped_column(String(32))
    label_en: Mapped[str] = mapped_column(String(32))


user_village = Table(
    "user_village",
    db.metadata,
    Column("user_id", ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True),
    Column("village_id", ForeignKey("admin_unit.id", ondelete="CASCADE"), primary_key=True),
)


class User(db.Model):
    """A person who logs in; a cadre is scoped to the villages assigned here."""

    __tablename__ = "app_user"
    __table_args__ = (
        CheckConstraint("department IS NULL OR role_name = 'department'", name="department_role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64), default="")
    password_hash: Mapped[str] = mapped_column(String(256))
    role_name: Mapped[str] = mapped_column(ForeignKey("role.name"))
    active: Mapped[bool] = mapped_column(server_default=true())
    created_at: Mapped[datetime] = _created()
    # A session cookie names the version it was made under; logging out, a new password, a new role or
    # deactivation raise it, so every earlier session ends at once (app.accounts.end_sessions).
    session_version: Mapped[int] = mapped_column(Integer, server_default="1")
    # A county department's user (role department) reads and answers the demands assigned to this
    # name (demand.assignee where assignee_kind is 'department', #12).
    department: Mapped[str | None] = mapped_column(String(100))

    villages: Mapped[list[AdminUnit]] = relationship(secondary=user_village, lazy="selectin")

    # Flask-Login protocol.
    @property
    def is_active(self) -> bool:
        return self.active

    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def village_ids(self) -> frozenset[int]:
        return frozenset(v.id for v in self.villages)


class ApiToken(db.Model):
    """A token a program (or QGIS) sends instead of a password; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = _created()
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(lazy="joined")


class LoginThrottle(db.Model):
    """Recent failed logins of one account name or one address, and until when further tries wait.

    Keyed by the name as typed, whether or not such a user exists, so the answers do not tell which do.
    """

    __tablename__ = "login_throttle"
    __table_args__ = (CheckConstraint("scope IN ('account', 'address')", name="scope"),)

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, server_default="0")
    last_failure_at: Mapped[datetime] = _created()
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEvent(db.Model):
    """Who viewed or exported what, and when. The username is copied so the log outlives users."""

    __tablename__ = "audit_event"
    __table_args__ = (
        # One row per user, village and hour for household tiles read (app.audit.tile_read).
        Index(
            "uq_audit_event_tile_read_hour",
            "user_id",
            "target",
            text("date_trunc('hour', at AT TIME ZONE 'UTC')"),
            unique=True,
            postgresql_where=text("action = 'view_tiles'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = _created()
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32), index=True)
    target: Mapped[str] = mapped_column(String(128), default="")
    detail: Mapped[dict] = mapped_column(JSONB, default=dict)
    ip: Mapped[str | None] = mapped_column(String(64))


class Job(db.Model):
    """One long task (an atlas, an export, an import): who asked, what, how far it got, and its result."""

    __tablename__ = "job"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),
        CheckConstraint("kind IN ('atlas', 'export', 'import')", name="kind"),
        Index("ix_job_queued", "id", postgresql_where=text("status = 'queued'")),
        # One job per submitted form: a form sent twice (a double click, four tabs) queues it once.
        Index(
            "uq_job_user_id_submission",
            "user_id",
            "submission",
            unique=True,
            postgresql_where=text("submission IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    target: Mapped[str] = mapped_column(Text)
    options: Mapped[dict] = mapped_column(JSONB, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    # The result can be large (a county GeoPackage); load it only when it is downloaded.
    result: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    result_type: Mapped[str] = mapped_column(Text, default="")
    result_name: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[dict] = mapped_column(JSONB, default=dict)
    created_at: Mapped[datetime] = _created()
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # How many times a worker took the job up: a job whose workers keep dying fails rather than loops.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    submission: Mapped[str | None] = mapped_column(String(64))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(lazy="joined")

    def as_dict(self) -> dict:
        """Return the job's state as a program (or a terminal) reads it."""
        return {
            "id": self.id,
            "kind": self.kind,
            "target": self.target,
            "status": self.status,
            "done": self.done,
            "total": self.total,
            "message": self.message,
            "summary": self.summary,
            "result_name": self.result_name,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
        }


# The 民情 work's tables (#11, #12), photos and the history tables (#13) live in their own modules;
# importing puts them in the metadata.
from . import demand_models, history_models, photo_models, work_models  # noqa: E402, F401
