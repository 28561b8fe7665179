"""The generated year of work looks like a county's (#11): who works where, who is paired, when visits are."""

import datetime

import numpy as np
import pandas as pd
import pytest

from geodata.work import generate_work, holidays

AS_OF = datetime.date(2026, 12, 3)


@pytest.fixture(scope="module")
def year(county):
    return generate_work(county, seed=11, as_of=AS_OF)


def test_the_same_seed_and_day_give_the_same_work(county, year):
    again = generate_work(county, seed=11, as_of=AS_OF)
    for name in ("cadres", "patches", "pairings", "visits", "measures"):
        pd.testing.assert_frame_equal(getattr(year, name), getattr(again, name))
    other = generate_work(county, seed=12, as_of=AS_OF)
    assert not other.visits.uid.isin(year.visits.uid).any()


def test_every_village_has_a_cadre_per_40_to_60_households_and_at_least_two(county, year):
    per_village = county.households.natural_village_code.str.slice(0, 12).value_counts()
    cadres = year.cadres.village_code.value_counts().reindex(per_village.index)
    assert (cadres >= 2).all()
    big = per_village >= 120
    ratio = per_village[big] / cadres[big]
    assert ratio.between(30, 70).all(), ratio.describe()
    assert year.cadres.phone.is_unique
    assert year.cadres.phone.str.fullmatch(r"1[3-9][0-9]{9}").all()


def test_every_household_lies_in_some_cadres_patch(county, year):
    covered = county.households.natural_village_code.isin(year.patches.natural_village_code) | (
        county.households.code.isin(year.patches.household_code)
    )
    assert covered.all()


def test_about_95_percent_of_poor_households_are_paired_now_and_some_pairings_were_handed_over(county, year):
    poor = county.households[county.households.poverty_status != "none"]
    now = year.pairings[year.pairings.end.isna()]
    share = poor.code.isin(now.household_code).mean()
    assert 0.92 <= share <= 0.98, share
    ended = year.pairings[year.pairings.end.notna()]
    assert 0.08 <= len(ended) / len(now) <= 0.25
    assert ended.household_code.isin(now.household_code).all()  # handed over, not dropped


def test_visits_peak_before_the_three_holidays(year):
    days = pd.to_datetime(year.visits.visited_on)
    assert days.max().date() <= AS_OF and days.min().date() > AS_OF - datetime.timedelta(days=365)
    weekly = days.dt.to_period("W").value_counts()
    for holiday in holidays(AS_OF):
        week = pd.Period(holiday - datetime.timedelta(days=4), "W")
        assert weekly[week] > 3 * weekly.median(), (holiday, weekly[week], weekly.median())
    holiday_visits = year.visits[year.visits.kind == "holiday"]
    assert len(holiday_visits) > 0.2 * len(year.visits)


def test_most_households_are_visited_two_to_four_times_and_some_villages_lag(county, year):
    counts = year.visits.household_code.value_counts().reindex(county.households.code, fill_value=0)
    assert counts.between(2, 4).mean() > 0.6
    village = county.households.set_index("code").natural_village_code.str.slice(0, 12)
    twice = (counts >= 2).groupby(village).mean()
    assert twice.max() > 0.85 and (twice < 0.6).sum() >= 1, twice.describe()


def test_measures_are_for_poor_households_and_the_pairing_measure_agrees_with_pairings(county, year):
    poor = set(county.households.code[county.households.poverty_status != "none"])
    assert set(year.measures.household_code) <= poor
    pairing = year.measures[year.measures.kind == "pairing"].set_index("household_code").status
    paired = pairing.index.isin(year.pairings.household_code[year.pairings.end.isna()])
    assert ((pairing == "done") == paired).all()
    assert not year.measures.duplicated(["household_code", "kind"]).any()


def test_a_few_visits_are_logged_far_from_their_household(county, year):
    logged = year.visits.dropna(subset=["lon"])
    points = county.households.set_index("code").geometry
    here = points.loc[logged.household_code]
    metres = np.hypot(
        (logged.lon.to_numpy() - here.x.to_numpy()) * 111_320 * np.cos(np.radians(here.y.to_numpy())),
        (logged.lat.to_numpy() - here.y.to_numpy()) * 111_320,
    )
    far = (metres > 1000).mean()
    assert 0.001 < far < 0.02, far
