"""The household file over time (#13): versions kept by the database, "as of" a date, the card's timeline."""

import datetime
import itertools
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from app import versions
from app.extensions import db
from tests.test_import_page import _run, _upload
from tests.test_imports import rows_of, write_xlsx

COUNTY_ZONE = ZoneInfo("Asia/Shanghai")  # the test app's TIME_ZONE


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_UPLOAD_FOLDER", str(tmp_path / "uploads"))


def _versions(code: str) -> list[dict]:
    rows = db.session.execute(
        text("""
        SELECT lower(v.valid) AS since, upper(v.valid) AS until, v.actor_id, v.source,
               v.poverty_status, v.income_per_capita, v.head_name
        FROM household_history v JOIN household h ON h.id = v.id
        WHERE h.code = :code ORDER BY lower(v.valid)"""),
        {"code": code},
    ).mappings()
    return [dict(r) for r in rows]


def _user_id(username: str) -> int:
    query = text("SELECT id FROM app_user WHERE username = :u")
    return db.session.execute(query, {"u": username}).scalar_one()


def test_the_generated_county_has_five_years_of_versions(app_context, county):
    code = county.households.code.iloc[0]
    found = _versions(code)
    local = [v["since"].astimezone(COUNTY_ZONE) for v in found]
    assert [moment.year for moment in local] == [2021, 2022, 2023, 2024, 2025]
    assert local[0] == datetime.datetime(2021, 1, 1, tzinfo=COUNTY_ZONE)  # midnight in the county
    assert all(a["until"] == b["since"] for a, b in itertools.pairwise(found))  # no gaps, no overlaps
    assert found[-1]["until"] is None  # the current one
    assert found[-1]["income_per_capita"] == county.households.income_per_capita.iloc[0]
    assert found[0]["income_per_capita"] < found[-1]["income_per_capita"]  # incomes grew


def test_some_households_were_lifted_and_a_few_fell_back(app_context):
    changes = dict(
        db.session.execute(
            text("""
            SELECT a.poverty_status || '>' || b.poverty_status, count(*)
            FROM household_history a
            JOIN household_history b ON b.id = a.id AND lower(b.valid) = upper(a.valid)
            WHERE a.poverty_status <> b.poverty_status GROUP BY 1""")
        ).all()
    )
    assert changes.get("registered>lifted", 0) >= 10
    assert 3 <= changes.get("lifted>monitored", 0) < changes["registered>lifted"]
    assert changes.get("monitored>none", 0) >= 3  # risk removed


def test_any_write_keeps_a_version_with_who_and_from_where(app_context, county):
    code = county.households.code.iloc[1]
    before = _versions(code)
    admin = _user_id("test-admin")
    with versions.acting(admin, "cli:test"):
        db.session.execute(text("UPDATE household SET income_per_capita = 1 WHERE code = :c"), {"c": code})
        db.session.execute(text("UPDATE household SET members = members WHERE code = :c"), {"c": code})
    after = _versions(code)
    assert len(after) == len(before) + 1  # the rewrite of the same value is no version
    assert after[-2]["until"] == after[-1]["since"] and after[-1]["until"] is None
    latest = after[-1]
    assert (latest["actor_id"], latest["source"], latest["income_per_capita"]) == (admin, "cli:test", 1)
    assert after[-2]["income_per_capita"] == before[-1]["income_per_capita"]


def test_a_write_by_psql_is_kept_too_and_a_deleted_household_keeps_its_past(app_context, county):
    code = county.households.code.iloc[2]
    household_id = db.session.execute(text("SELECT id FROM household WHERE code = :c"), {"c": code}).scalar()
    db.session.execute(
        text("SELECT set_config('minqing.source', '', true), set_config('minqing.actor', '', true)")
    )
    db.session.execute(text("DELETE FROM household WHERE code = :c"), {"c": code})
    kept = db.session.execute(
        text("SELECT count(*), bool_and(NOT upper_inf(valid)) FROM household_history WHERE id = :id"),
        {"id": household_id},
    ).one()
    assert kept == (5, True)


def test_a_web_import_keeps_a_version_naming_the_user_and_the_job(app, client, login, tmp_path, county):
    login("admin")
    rows = rows_of(county, 2, new=False)
    rows[0]["人均纯收入（元）"] = 54321
    path = write_xlsx(tmp_path / "收入更新.xlsx", rows)
    done = _run(client, _upload(client, path).get_data(as_text=True))
    assert done.status_code == 200
    with app.app_context():
        latest = _versions(rows[0]["户编号"])[-1]
        assert latest["income_per_capita"] == 54321
        assert latest["actor_id"] == _user_id("test-admin")
        assert latest["source"].startswith("job:") and latest["source"].endswith(":import:收入更新.xlsx")
        unchanged = _versions(rows[1]["户编号"])[-1]
        assert unchanged["source"] == "demo"  # the second row changed nothing: no version
