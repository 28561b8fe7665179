"""Photos of visits and demands (#11, #12): checked on the way in, kept whole, served without EXIF.

An upload is taken only when Pillow decodes it as a JPEG or PNG of at most PHOTO_MAX_BYTES;
anything else is a 400 naming the form field and the reason. The original is kept as sent
(its EXIF is the evidence of where and when it was taken) in PHOTO_FOLDER, outside the static
tree, named by a random id; readers only ever get a re-encoded JPEG copy, at most
PHOTO_SERVED_PIXELS on its long side, with no EXIF at all (a GPS position in a family's photo is
personal data). Where and when the EXIF says it was taken is read here; how far that is from the
household is measured in PostGIS (app.queries.photos).

The view serving a photo is here too: it obeys the rule of the text the photo belongs to (a
visit's notes, a demand's description) and every view is audited.
"""

from __future__ import annotations

import io
import math
import pathlib
import uuid
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import Blueprint, current_app, request, send_file
from flask_login import current_user, login_required
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from . import audit, localtime, params, privacy
from .errors import AppError, not_found
from .extensions import db
from .i18n import Text, language, translated
from .queries import photos as queries

bp = Blueprint("photos", __name__, url_prefix="/photos")

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}
MAX_PIXELS = 60_000_000  # a 60-megapixel phone photo at most; more is a decompression bomb
FIELD = "photo"


@dataclass(frozen=True)
class Received:
    """An upload that is an image: its bytes, type and what its EXIF says (None where it says nothing)."""

    data: bytes
    content_type: str
    lon: float | None
    lat: float | None
    taken_at: datetime | None  # aware, in the county's zone unless the EXIF gave its own offset
    served: bytes  # the copy readers get: a JPEG without EXIF (served_copy)

    def columns(self) -> dict:
        """Return what the photo's row keeps of it (app.queries.photos)."""
        return {
            "content_type": self.content_type,
            "size": len(self.data),
            "lon": self.lon,
            "lat": self.lat,
            "taken_at": self.taken_at,
        }


def refused(reason: Text, *, field: str = FIELD) -> AppError:
    """Return the 400 of a photo not taken: the form field and the reason."""
    return AppError(400, "InvalidPhoto", Text("field {field}: {reason}", field=field, reason=reason))


def receive(upload, *, field: str = FIELD, required: bool = False) -> Received | None:
    """Return the photo sent in form field `field` (a werkzeug FileStorage), None when none was sent.

    None sent where one is `required` is refused (400), as is a file that is too large or is no JPEG or
    PNG Pillow can decode (and re-encode as the copy readers get).
    """
    if upload is None or not upload.filename:
        if required:
            raise refused(Text("no photo was sent"), field=field)
        return None
    return _received(upload, field=field)


def _received(upload, *, field: str) -> Received:
    """Return the photo in `upload` once it is checked and its copy made; refused (400) otherwise."""
    limit = current_app.config["PHOTO_MAX_BYTES"]
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise refused(Text("larger than {mib} MiB", mib=f"{limit / 1024**2:.3g}"), field=field)
    if not data:
        raise refused(Text("the file is empty"), field=field)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in FORMATS:
                raise refused(Text("a JPEG or PNG photo expected"), field=field)
            if image.width * image.height > MAX_PIXELS:
                raise refused(Text("more than {mp} megapixels", mp=MAX_PIXELS // 1_000_000), field=field)
            pixels = current_app.config["PHOTO_SERVED_PIXELS"]
            scale = min(1.0, pixels / max(image.size))
            # A JPEG is decoded at 1/2, 1/4 or 1/8 scale when that still covers the copy: every byte of
            # it is read all the same, so a truncated or disguised file fails here.
            image.draft("RGB", (math.ceil(image.width * scale), math.ceil(image.height * scale)))
            image.load()
            served = served_copy(image, pixels=pixels)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombWarning) as err:
        raise refused(Text("not an image Pillow can read"), field=field) from err
    lon, lat = _gps(image.getexif())
    return Received(data, FORMATS[image.format], lon, lat, _taken_at(image.getexif()), served)


def _degrees(values, ref: str | None, negative: str) -> float | None:
    try:
        d, m, s = (float(v) for v in values)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = d + m / 60 + s / 3600
    return -value if ref == negative else value


def _gps(exif: Image.Exif) -> tuple[float | None, float | None]:
    """Return the EXIF GPS longitude and latitude in degrees, (None, None) when absent or nonsense."""
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    lat = _degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef), "S")
    lon = _degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef), "W")
    if lon is None or lat is None or not (-180 <= lon <= 180 and -90 <= lat <= 90) or (lon, lat) == (0, 0):
        return None, None
    return lon, lat


def _taken_at(exif: Image.Exif) -> datetime | None:
    """Return DateTimeOriginal as an aware time: the EXIF's own offset if it gives one, else the county's."""
    tags = exif.get_ifd(ExifTags.IFD.Exif)
    raw = tags.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
    try:
        naive = datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    offset = str(tags.get(ExifTags.Base.OffsetTimeOriginal) or "")
    try:
        sign = -1 if offset[0] == "-" else 1
        hours, minutes = int(offset[1:3]), int(offset[4:6])
        return naive.replace(tzinfo=timezone(sign * timedelta(hours=hours, minutes=minutes)))
    except (IndexError, ValueError):
        return naive.replace(tzinfo=localtime.zone())


def folder() -> pathlib.Path:
    """Return the folder of photo files: PHOTO_FOLDER, or the instance folder's photos/."""
    configured = current_app.config["PHOTO_FOLDER"]
    return pathlib.Path(configured or pathlib.Path(current_app.instance_path) / "photos")


def _paths(photo_id: uuid.UUID) -> tuple[pathlib.Path, pathlib.Path]:
    """Return where a photo's original and its served copy are kept (spread over 256 subfolders)."""
    base = folder() / photo_id.hex[:2]
    return base / photo_id.hex, base / f"{photo_id.hex}.served.jpg"


def served_copy(image: Image.Image, *, pixels: int) -> bytes:
    """Return `image` as a JPEG of at most `pixels` on its long side, turned upright, with no EXIF."""
    image = ImageOps.exif_transpose(image)  # a copy, upright
    image.thumbnail((pixels, pixels))
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)  # no exif= : none is written
    return out.getvalue()


def write(photo: Received) -> uuid.UUID:
    """Keep a received photo's original and its served copy under a new random id; return the id."""
    photo_id = uuid.uuid4()
    original, served = _paths(photo_id)
    original.parent.mkdir(parents=True, exist_ok=True)
    served.write_bytes(photo.served)
    original.write_bytes(photo.data)
    return photo_id


def discard(photo_id: uuid.UUID) -> None:
    """Remove a photo's files (its row was not stored after all)."""
    for path in _paths(photo_id):
        path.unlink(missing_ok=True)


def attach_to_visit(visit: dict, photo: Received) -> dict:
    """Keep `photo` as the photo of `visit` (app.queries.photos.visit), checked; return its checks.

    A visit that has its photo already keeps it (a phone sending twice): its checks are returned.
    """
    if visit["photo_id"] is not None:
        return {**visit, "stored": False}
    photo_id = write(photo)
    try:
        stored = queries.insert_visit_photo(
            photo_id,
            visit["id"],
            photo.columns(),
            far_metres=current_app.config["PHOTO_FAR_METRES"],
            zone=str(localtime.zone()),
            created_by=current_user.id,
        )
    except Exception:
        discard(photo_id)
        raise
    return {**stored, "visited_on": visit["visited_on"], "stored": True}


def add_to_demand(demand_id: int, photo: Received) -> uuid.UUID:
    """Keep `photo` as one more photo of demand `demand_id`; return its id."""
    photo_id = write(photo)
    try:
        queries.insert_demand_photo(photo_id, demand_id, photo.columns(), created_by=current_user.id)
    except Exception:
        discard(photo_id)
        raise
    return photo_id


def describe(distance_m: int | None, flags, taken_at: datetime | None, visited_on) -> list[Text]:
    """Return the warnings a visit's photo carries, one sentence per flag (照片位置距农户 1.2 公里 …)."""
    said = []
    for flag in flags or ():
        if flag == "far":
            said.append(Text("Photo taken {distance} from the household", distance=distance(distance_m)))
        elif flag == "off_day":
            local = localtime.local(taken_at, "%Y-%m-%d")
            days = abs((datetime.fromisoformat(local).date() - visited_on).days)
            said.append(Text("Photo taken on {day}, {days} days from the visit", day=local, days=days))
        else:
            said.append(Text("photo flag " + flag))
    return said


def distance(metres: int | None) -> Text:
    """Return a distance as people say it: metres below a kilometre, else kilometres to one decimal."""
    if metres is None:
        return Text("unknown distance")
    if metres < 1000:
        return Text("{n} m", n=metres)
    return Text("{n} km", n=f"{metres / 1000:.1f}")


@bp.get("/<uuid:photo_id>")
@login_required
def photo(photo_id: uuid.UUID):
    """Serve a photo's copy without EXIF to a reader of the visit notes or demand text it belongs to."""
    params.only(request.args)
    owner = queries.owner(photo_id)
    if owner is None:
        raise not_found("photo", str(photo_id))
    if owner["visit_uid"] is not None:
        allowed = privacy.may_read_visit_notes(current_user, owner["village_id"])
    else:
        allowed = privacy.may_read_demand(current_user, owner["village_id"])
    if not allowed:
        raise AppError(403, "Forbidden", Text("You may not see this."))
    audit.record("view_photo", str(photo_id), visit=owner["visit_uid"], demand=owner["demand_id"])
    db.session.commit()
    _original, served = _paths(photo_id)
    if not served.exists():
        raise not_found("photo", str(photo_id))
    response = send_file(served, mimetype="image/jpeg", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.app_template_global()
def photo_warnings(distance_m: int | None, flags, taken_at: datetime | None, visited_on) -> list[str]:
    """Return a visit photo's warnings in the reader's language (for pages listing visits)."""
    return [translated(w, language()) for w in describe(distance_m, flags, taken_at, visited_on)]
