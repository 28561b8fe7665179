"""Pairing rate, visit coverage and measures done are registry indicators (#11): every output has them."""

import datetime
import uuid

import pandas as pd
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Household
from app.work_models import Cadre, Visit
from tests.conftest import work_day


@pytest.fixture(scope="module")
def expected(county, work):
    """Each natural village's three work rates in per cent, computed here from the generated work."""
    households = county.households.set_index("code")
    poor = households.poverty_status != "none"
    paired = households.index.isin(work.pairings.household_code[work.pairings.end.isna()])
    since = pd.Timestamp(work_day()) - pd.DateOffset(months=12)
    recent = work.visits[pd.to_datetime(work.visits.visited_on) > since]
    visits = recent.household_code.value_counts().reindex(households.index, fill_value=0)
    measures = work.measures.groupby("household_code").status.agg(lambda s: 100 * (s == "done").mean())
    frame = pd.DataFrame(
        {
            "village": households.natural_village_code,
            "paired": pd.Series(100 * paired, index=households.index).where(poor),
            "visit_coverage": 100 * (visits >= 2),
            "measures_done": measures.reindex(households.index),
        }
    )
    return frame.groupby("village").mean()


def test_a_township_map_gets_each_natural_villages_work_rates(client, login, county, expected):
    login("gis")
    township = sorted(county.admin_units.query("level == 'township'").code)[0]
    features = client.get(f"/api/townships/{township}/natural-villages").get_json()["features"]
    assert features
    for feature in features:
        properties = feature["properties"]
        want = expected.loc[properties["code"]]
        for key in ("paired", "visit_coverage", "measures_done"):
            got = properties[key]
            assert (got is None and pd.isna(want[key])) or abs(float(got) - want[key]) <= 0.5, (
                key,
                got,
                want,
            )


def test_rates_look_like_a_county_at_work(expected):
    assert 85 <= expected.paired.mean() <= 100
    assert expected.visit_coverage.max() >= 85 and expected.visit_coverage.min() < 60


@pytest.mark.parametrize("indicator", ["paired", "visit_coverage", "measures_done"])
def test_the_county_page_colours_townships_by_a_work_rate(client, login, indicator):
    login("leader")
    response = client.get(f"/?indicator={indicator}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert {"paired": "结对帮扶率", "visit_coverage": "走访覆盖率", "measures_done": "帮扶措施完成率"}[
        indicator
    ] in page


def test_a_second_visit_today_raises_the_live_coverage(app, client, login, county, work):
    since = pd.Timestamp(work_day()) - pd.DateOffset(months=12)
    recent = work.visits[pd.to_datetime(work.visits.visited_on) > since]
    once = recent.household_code.value_counts()
    villages = county.households.set_index("code").natural_village_code
    small = villages.map(villages.value_counts()) <= 30  # one household moves the rounded rate
    code = sorted(set(once.index[once == 1]) & set(small.index[small]))[0]
    village = villages[code]
    township = village[:9] + "000"
    login("leader")

    def coverage():
        features = client.get(f"/api/townships/{township}/natural-villages").get_json()["features"]
        return next(f["properties"] for f in features if f["properties"]["code"] == village)

    before = coverage()
    with app.app_context():
        household = db.session.scalar(select(Household).where(Household.code == code))
        cadre = db.session.scalar(select(Cadre).order_by(Cadre.id).limit(1))
        db.session.add(
            Visit(
                uid=uuid.uuid4(),
                household_id=household.id,
                cadre_id=cadre.id,
                visited_on=datetime.date.today(),
                kind="routine",
            )
        )
        db.session.commit()
    after = coverage()
    n = before["households"]
    assert after["visit_coverage"] - before["visit_coverage"] >= 100 / n - 1, (before, after)
