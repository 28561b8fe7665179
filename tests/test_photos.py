"""Photos of visits and demands (#11, #12): checked against the household, served without EXIF, per role.

The photos are real JPEGs made here with Pillow, carrying EXIF GPS and DateTimeOriginal as a
phone writes them.
"""

import datetime
import io
import re
import uuid

import pyogrio
import pytest
from PIL import ExifTags, Image
from sqlalchemy import select, text

from app import exports
from app.accounts import create_user
from app.extensions import db
from app.models import User
from tests import test_demands, test_visit_form
from tests.conftest import csrf_token, log_in
from tests.test_demands import page_of, registered
from tests.test_visit_form import post_json, visit

# Fixtures shared with the visit form's and the demands' tests.
mine, places = test_visit_form.mine, test_demands.places

NEAR = 0.0003  # degrees of latitude: about 33 m
FAR = 0.02  # about 2.2 km


@pytest.fixture(autouse=True)
def photo_folder(app, tmp_path, monkeypatch):
    """Keep this test's photo files in a folder of its own."""
    monkeypatch.setitem(app.config, "PHOTO_FOLDER", str(tmp_path))
    return tmp_path


def dms(degrees: float) -> tuple[float, float, float]:
    minutes, seconds = divmod(abs(degrees) * 3600, 60)
    return float(int(minutes // 60)), float(int(minutes % 60)), round(seconds, 4)


def photo(
    at: tuple[float, float] | None = None,
    taken: datetime.datetime | None = None,
    *,
    fmt: str = "JPEG",
    size=(1200, 900),
) -> bytes:
    """Return an image as a phone camera writes it: EXIF GPS at `at` (lon, lat) and DateTimeOriginal."""
    image = Image.new("RGB", size, (90, 140, 60))
    exif = Image.Exif()
    if taken is not None:
        exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = taken.strftime("%Y:%m:%d %H:%M:%S")
    if at is not None:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps[ExifTags.GPS.GPSLongitudeRef], gps[ExifTags.GPS.GPSLongitude] = "E", dms(at[0])
        gps[ExifTags.GPS.GPSLatitudeRef], gps[ExifTags.GPS.GPSLatitude] = "N", dms(at[1])
    out = io.BytesIO()
    image.save(out, fmt, exif=exif)
    return out.getvalue()


def today_at(hour: int, *, days: int = 0) -> datetime.datetime:
    """Return a clock time `days` from the day the tests date their visits, as a camera records it."""
    return datetime.datetime.combine(
        datetime.date.today() + datetime.timedelta(days=days), datetime.time(hour)
    )


def send_photo(client, uid: str, data: bytes, *, name: str = "IMG_0001.jpg"):
    token = csrf_token(client.get("/demands").get_data(as_text=True))
    return client.post(
        f"/work/visits/{uid}/photo",
        data={"photo": (io.BytesIO(data), name)},
        headers={"X-CSRFToken": token, "Accept": "application/json", "Accept-Language": "zh-CN"},
        content_type="multipart/form-data",
    )


def recorded(client, household: str) -> str:
    body = visit(household)
    response = post_json(client, body)
    assert response.status_code == 201, response.get_json()
    return body["uid"]


def rows(app) -> list[dict]:
    with app.app_context():
        found = db.session.execute(text("SELECT id, visit_id, demand_id, flags, distance_m FROM photo"))
        return [dict(r) for r in found.mappings()]


def files(folder) -> list:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def where(house) -> tuple[float, float]:
    return house.geometry.x, house.geometry.y


@pytest.mark.parametrize(
    ("offset", "taken", "flags", "warning"),
    [
        (NEAR, today_at(10), [], None),
        (FAR, today_at(10), ["far"], "照片位置距农户 2.2 公里"),
        (NEAR, today_at(10, days=-3), ["off_day"], "距走访日期 3 天"),
        (None, None, ["no_location", "no_time"], "照片没有位置信息"),
    ],
    ids=["at-the-household", "far", "days-before", "no-exif"],
)
def test_a_visit_photo_is_kept_and_flagged_when_far_or_off_day(
    app, client, login, mine, offset, taken, flags, warning
):
    house = mine[0]
    login("cadre")
    uid = recorded(client, house.code)
    lon, lat = where(house)
    data = photo(None if offset is None else (lon, lat + offset), taken)
    response = send_photo(client, uid, data)
    assert response.status_code == 201, response.get_data(as_text=True)
    answer = response.get_json()
    assert answer["flags"] == flags
    assert [r["flags"] for r in rows(app)] == [flags]
    card = client.get(f"/households/{house.code}").get_data(as_text=True)
    if warning is None:
        assert answer["warnings"] == [] and "photo-warning" not in card
    else:
        assert any(warning in w for w in answer["warnings"]), answer["warnings"]
        assert warning in card  # shown on the visit where the household card lists it
    assert 'class="photo-link"' in card


@pytest.mark.parametrize(("offset", "flags"), [("+00:00", []), ("+08:00", ["off_day"])])
def test_the_day_a_photo_was_taken_is_the_countys(app, client, login, mine, offset, flags):
    """20:00 UTC two days before the visit is the next morning in the county: one day off, not flagged."""
    login("cadre")
    uid = recorded(client, mine[0].code)
    image = Image.open(io.BytesIO(photo(where(mine[0]), today_at(20, days=-2))))
    exif = image.getexif()
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.OffsetTimeOriginal] = offset
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    assert send_photo(client, uid, out.getvalue()).get_json()["flags"] == flags


def test_the_served_copy_has_no_exif_and_the_original_is_kept_whole(app, client, login, mine, photo_folder):
    login("cadre")
    uid = recorded(client, mine[0].code)
    data = photo(where(mine[0]), today_at(9), size=(4000, 3000))
    photo_id = send_photo(client, uid, data).get_json()["photo"]
    served = client.get(f"/photos/{photo_id}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert "no-store" in served.headers["Cache-Control"]
    copy = Image.open(io.BytesIO(served.data))
    assert len(copy.getexif()) == 0 and "exif" not in copy.info
    assert max(copy.size) == 1600
    originals = [p for p in files(photo_folder) if p.read_bytes() == data]
    assert len(originals) == 1 and uid not in originals[0].name and "IMG" not in originals[0].name
    with app.app_context():
        viewed = db.session.execute(
            text("SELECT username FROM audit_event WHERE action = 'view_photo' AND target = :id"),
            {"id": photo_id},
        ).scalars()
        assert list(viewed) == ["test-cadre"]


def test_a_photo_sent_twice_is_kept_once(app, client, login, mine, photo_folder):
    login("cadre")
    uid = recorded(client, mine[0].code)
    data = photo(where(mine[0]), today_at(9))
    first, again = send_photo(client, uid, data), send_photo(client, uid, data)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["photo"] == first.get_json()["photo"] and again.get_json()["stored"] is False
    assert len(rows(app)) == 1 and len(files(photo_folder)) == 2  # the original and its served copy


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (b"%PDF-1.4 not a photo at all\n" * 40, "IMG_0002.jpg", "不是可以读取的图片"),
        (photo(fmt="GIF"), "IMG_0003.gif", "应为 JPEG 或 PNG 照片"),
        (photo()[:400], "IMG_0004.jpg", "不是可以读取的图片"),  # cut off on the way
        (b"", "IMG_0005.jpg", "文件为空"),
    ],
    ids=["renamed-pdf", "gif", "truncated", "empty"],
)
def test_a_file_that_is_no_photo_is_refused_naming_the_field(
    app, client, login, mine, photo_folder, data, name, reason
):
    login("cadre")
    uid = recorded(client, mine[0].code)
    response = send_photo(client, uid, data, name=name)
    assert response.status_code == 400
    message = response.get_json()["message"]
    assert "photo" in message and reason in message, message
    assert rows(app) == [] and files(photo_folder) == []


def test_an_oversize_photo_is_refused(app, client, login, mine, monkeypatch):
    monkeypatch.setitem(app.config, "PHOTO_MAX_BYTES", 20_000)
    login("cadre")
    uid = recorded(client, mine[0].code)
    data = Image.effect_noise((400, 400), 80).convert("RGB")
    out = io.BytesIO()
    data.save(out, "PNG")
    response = send_photo(client, uid, out.getvalue(), name="big.png")
    assert response.status_code == 400 and "大于" in response.get_json()["message"]


def test_a_png_is_taken(app, client, login, mine):
    login("cadre")
    uid = recorded(client, mine[0].code)
    response = send_photo(client, uid, photo(fmt="PNG"), name="screen.png")
    assert response.status_code == 201 and rows(app)[0]["visit_id"] is not None


def test_the_plain_form_sends_the_visit_and_its_photo_together(app, client, login, mine):
    login("cadre")
    token = csrf_token(client.get("/work/visits/new").get_data(as_text=True))
    body = visit(mine[0].code, csrf_token=token)
    body["photo"] = (io.BytesIO(photo(where(mine[0]), today_at(8))), "IMG_0006.jpg")
    response = client.post("/work/visits", data=body, content_type="multipart/form-data")
    assert response.status_code == 302
    assert [r["flags"] for r in rows(app)] == [[]]


def test_only_the_visits_cadre_adds_its_photo(app, client, login, mine):
    login("cadre")
    uid = recorded(client, mine[0].code)
    assert send_photo(client, str(uuid.uuid4()), photo()).status_code == 404
    test_demands.log_out(client)
    login("admin")
    assert send_photo(client, uid, photo()).status_code == 403  # the admin is no cadre of the register


def test_who_sees_a_visit_photo(app, client, login, mine, county):
    login("cadre")
    uid = recorded(client, mine[0].code)
    photo_id = send_photo(client, uid, photo(where(mine[0]), today_at(9))).get_json()["photo"]
    for role, status in (("leader", 200), ("admin", 200), ("gis", 403)):
        test_demands.log_out(client)
        login(role)
        assert client.get(f"/photos/{photo_id}").status_code == status, role
    test_demands.log_out(client)
    elsewhere = mine[1].natural_village_code[:12]  # a cadre of another village
    with app.app_context():
        create_user("test-cadre-elsewhere", "elsewhere-pass-1", role="cadre", villages=[elsewhere])
        db.session.commit()
    assert log_in(client, "test-cadre-elsewhere", "elsewhere-pass-1").status_code == 302
    assert client.get(f"/photos/{photo_id}").status_code == 403
    with app.app_context():
        refused = db.session.execute(
            text("SELECT username FROM audit_event WHERE action = 'forbidden' AND target = :p ORDER BY id"),
            {"p": f"/photos/{photo_id}"},
        ).scalars()
        assert list(refused) == ["test-gis", "test-cadre-elsewhere"]


def test_a_demand_has_photos_from_registration_and_from_its_page(app, client, login, places, photo_folder):
    own = places[0]
    login("cadre")
    demand = registered(
        client,
        own.code,
        photo=(io.BytesIO(photo(where(own), today_at(9))), "water.jpg"),
    )
    html = page_of(client, demand)
    token = csrf_token(html)
    added = client.post(
        f"/demands/{demand}/photos",
        data={"csrf_token": token, "photo": (io.BytesIO(photo(fmt="PNG")), "pipe.png")},
        content_type="multipart/form-data",
    )
    assert added.status_code == 302
    html = page_of(client, demand)
    ids = [r["id"] for r in rows(app) if r["demand_id"] == demand]
    assert len(ids) == 2 and all(f"/photos/{i}" in html for i in ids)
    bad = client.post(
        f"/demands/{demand}/photos",
        data={"csrf_token": token, "photo": (io.BytesIO(b"MZ not an image"), "a.jpg")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 400 and "photo" in bad.get_data(as_text=True)
    test_demands.log_out(client)
    login("gis")
    assert client.get(f"/photos/{ids[0]}").status_code == 403


def test_exported_visits_carry_the_photo_flag_not_the_photo(app, client, login, mine, accounts, tmp_path):
    login("cadre")
    uid = recorded(client, mine[0].code)
    lon, lat = where(mine[0])
    send_photo(client, uid, photo((lon, lat + FAR), today_at(9)))
    with app.app_context():
        leader = db.session.scalars(select(User).where(User.username == accounts["leader"][0])).one()
        content, summary = exports.export("visits", "gpkg", user=leader, crs="EPSG:4490")
    path = tmp_path / summary["file_name"]
    path.write_bytes(content)
    frame = pyogrio.read_dataframe(path, layer="visits")
    shown = frame[frame.photo.astype(bool)]
    assert list(shown.household_code) == [mine[0].code] and list(shown.photo_flags) == ["far"]
    assert set(frame[~frame.photo.astype(bool)].photo_flags) == {""}
    assert b"\xff\xd8\xff" not in content  # no JPEG inside the file
    values = frame.drop(columns="geometry").to_numpy().ravel()
    assert not any(isinstance(v, bytes | bytearray) for v in values)


def test_the_battle_map_counts_each_villages_flagged_visit_photos(client, login, mine, county):
    house = mine[0]
    lon, lat = where(house)
    login("cadre")
    for at in ((lon, lat + FAR), None, (lon, lat)):  # far, no EXIF, at the household
        send_photo(client, recorded(client, house.code), photo(at, today_at(9)))
    test_demands.log_out(client)
    login("leader")
    html = client.get("/work/battle").get_data(as_text=True)
    counts = dict(re.findall(r'<tr data-code="(\d+)">.*?data-key="photos_flagged">(\d+)<', html, re.S))
    village = house.natural_village_code[:12]
    assert counts[village] == "2" and set(counts) == set(county.admin_units.query("level == 'village'").code)


def test_a_demand_registered_with_a_file_that_is_no_photo_is_refused_on_its_form(app, client, login, places):
    login("cadre")
    with app.app_context():
        before = db.session.execute(text("SELECT count(*) FROM demand")).scalar()
    response = test_demands.register(
        client, places[0].code, photo=(io.BytesIO(b"GIF89a but not really"), "photo.jpg")
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'data-field="photo"' in html and "不是可以读取的图片" in html
    assert "自来水管冬季冻裂" in html  # the form comes back filled in
    with app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM demand")).scalar() == before


def test_a_photo_request_without_a_photo_is_refused_naming_the_field(client, login, mine):
    login("cadre")
    uid = recorded(client, mine[0].code)
    token = csrf_token(client.get("/demands").get_data(as_text=True))
    response = client.post(
        f"/work/visits/{uid}/photo",
        data={"note": "x"},
        headers={"X-CSRFToken": token, "Accept": "application/json", "Accept-Language": "zh-CN"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and response.get_json()["message"] == "字段 photo：没有上传照片"
