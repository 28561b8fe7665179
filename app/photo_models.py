"""Photos of visits and demands (#11, #12): the file on disk, what its EXIF says, and the checks' flags.

A photo's bytes live under PHOTO_FOLDER, named by the row's random id (never by the upload's
name); the row keeps what was read from the EXIF (where and when it was taken) and, for a visit's
photo, how far from the household it was taken and why it is flagged. A flagged photo is kept.
"""

import uuid
from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db
from .work_models import SRID, _in, _now

# Why a visit's photo is flagged: no GPS in its EXIF, taken far from the household, no time in
# its EXIF, taken on a day too far from the visit's.
PHOTO_FLAGS = ("no_location", "far", "no_time", "off_day")
CONTENT_TYPES = ("image/jpeg", "image/png")


class Photo(db.Model):
    """One photo of a visit or of a demand, as uploaded; served only as a copy without EXIF."""

    __tablename__ = "photo"
    __table_args__ = (
        CheckConstraint("num_nonnulls(visit_id, demand_id) = 1", name="one_owner"),
        CheckConstraint(_in("content_type", CONTENT_TYPES), name="content_type"),
        CheckConstraint(f"flags <@ ARRAY[{', '.join(map(repr, PHOTO_FLAGS))}]::varchar[]", name="flags"),
        # A visit has one photo: a phone sending it twice stores it once.
        Index("uq_photo_visit_id", "visit_id", unique=True, postgresql_where=text("visit_id IS NOT NULL")),
        Index("ix_photo_demand_id", "demand_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    visit_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("visit.id", ondelete="CASCADE"))
    demand_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("demand.id", ondelete="CASCADE"))
    content_type: Mapped[str] = mapped_column(String(16))
    size: Mapped[int] = mapped_column(Integer)  # bytes of the original
    # From the EXIF: where (GPS) and when (DateTimeOriginal, in the county's zone unless it says its own).
    geom = mapped_column(Geometry("POINT", srid=SRID), nullable=True)
    taken_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    distance_m: Mapped[int | None] = mapped_column(Integer)  # from the household, for a visit's photo
    flags: Mapped[list[str]] = mapped_column(ARRAY(String(16)), server_default=text("'{}'::varchar[]"))
    created_at: Mapped[datetime] = _now()
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
