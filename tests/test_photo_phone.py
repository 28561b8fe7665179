"""A visit's photo from the phone (390 × 844), with and without signal (#11): checked, flagged, never lost."""

import pytest
from sqlalchemy import text

from app.extensions import db
from tests import test_browser, test_visit_phone
from tests.conftest import cadre_village
from tests.test_browser import log_in
from tests.test_phone import PHONE
from tests.test_photos import FAR, photo, today_at, where

# Fixtures shared with the other browser tests, not made twice over.
browser, server, phone = test_browser.browser, test_browser.server, test_visit_phone.phone

pytestmark = pytest.mark.browser


@pytest.fixture
def house(work, county):
    """The last household of the test cadre's patch: this test commits, so not one other tests count."""
    cadres = work.cadres[work.cadres.village_code == cadre_village(county)].sort_values("phone")
    patch = work.patches[work.patches.phone == cadres.phone.iloc[0]]
    households = county.households
    own = households[households.natural_village_code.isin(patch.natural_village_code)]
    return own.sort_values("code").iloc[-1]


@pytest.fixture(autouse=True)
def photo_folder(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "PHOTO_FOLDER", str(tmp_path / "photos"))


def photos_of(app, code: str) -> list:
    with app.app_context():
        return db.session.execute(
            text("""SELECT v.findings, p.flags FROM photo p JOIN visit v ON v.id = p.visit_id
                    JOIN household h ON h.id = v.household_id WHERE h.code = :code ORDER BY v.id"""),
            {"code": code},
        ).all()


def attach(page, tmp_path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    page.set_input_files("input[name=photo]", str(path))


def test_a_photo_attached_on_the_phone_is_sent_with_its_visit_and_flagged_far(
    phone, server, accounts, app, house, tmp_path
):
    context, page = phone
    lon, lat = where(house)
    log_in(page, server, accounts, "cadre")
    page.goto(f"{server}/work/visits/new")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.locator("input[name=photo]").bounding_box()["x"] >= 0

    attach(page, tmp_path, "IMG_0101.jpg", photo((lon, lat + FAR), today_at(10)))
    test_visit_phone.fill(page, house.code, "有信号时带照片")
    page.wait_for_selector("#photo-status:has-text('照片已保存')")
    assert "照片位置距农户 2.2 公里" in page.inner_text("#photo-status")
    assert [tuple(r) for r in photos_of(app, house.code)] == [("有信号时带照片", ["far"])]
    page.screenshot(path=str(tmp_path / "photo-far.png"))

    # No signal: the visit and its photo wait on the phone. The signal returns for the visit but
    # drops before the photo goes, and the page is reloaded: the photo is still there and goes then.
    context.set_offline(True)
    attach(page, tmp_path, "IMG_0102.jpg", photo((lon, lat), today_at(11)))
    test_visit_phone.fill(page, house.code, "无信号时带照片")
    page.wait_for_selector("#photo-status:has-text('等待信号发送的照片')")
    assert page.inner_text("#photo-status").endswith("1")
    assert len(photos_of(app, house.code)) == 1

    page.route("**/photo", lambda route: route.abort())
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector("#pending", state="hidden", timeout=30_000)
    assert len(photos_of(app, house.code)) == 1  # the visit is stored, its photo not yet
    page.unroute("**/photo")
    page.reload()
    page.wait_for_selector("#photo-status:has-text('照片已保存')", timeout=30_000)
    assert [tuple(r) for r in photos_of(app, house.code)] == [
        ("有信号时带照片", ["far"]),
        ("无信号时带照片", []),
    ]
