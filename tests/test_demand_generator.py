"""The demo county's year of demands (#12): deterministic, seasonal, mostly answered in time and satisfied."""

import pandas as pd
import pytest
from sqlalchemy import text

from app.extensions import db
from app.queries.demand_load import load_demands
from geodata.demands import generate_demands
from tests.conftest import TEST_SEED, work_day


@pytest.fixture(scope="module")
def demands(county, work):
    return generate_demands(county, work, seed=TEST_SEED, as_of=work_day())


def test_the_same_seed_gives_the_same_demands_and_another_seed_others(county, work, demands):
    again = generate_demands(county, work, seed=TEST_SEED, as_of=work_day())
    pd.testing.assert_frame_equal(again.demands, demands.demands)
    pd.testing.assert_frame_equal(again.events, demands.events)
    other = generate_demands(county, work, seed=TEST_SEED + 1, as_of=work_day())
    assert not other.demands.equals(demands.demands)


def test_a_few_per_hundred_households_a_month_with_seasonal_kinds(county, demands):
    per_hundred_a_month = len(demands.demands) / len(county.households) * 100 / 12
    assert 1.5 < per_hundred_a_month < 5
    month = pd.to_datetime(demands.demands.raised_on).dt.month
    water = demands.demands.kind == "water"
    winter, summer = month.isin([12, 1, 2]), month.isin([6, 7, 8])
    assert water[winter].mean() > 1.5 * water[summer].mean()  # pipes freeze in winter
    assert set(demands.demands.channel) == {"reception", "visit", "phone", "letter"}
    assert demands.events["at"].max().date() < work_day()  # nothing has happened today yet


def test_loaded_they_are_mostly_answered_in_time_and_satisfied_some_overdue_some_reopened(
    app_context, demands
):
    loaded = load_demands(demands)
    assert loaded == len(demands.demands)
    figures = db.session.execute(
        text("""
        SELECT count(*) FILTER (WHERE state NOT IN ('answered', 'closed') AND due_on < :today) AS overdue,
               count(*) FILTER (WHERE state IN ('answered', 'closed')) AS solved,
               count(*) FILTER (WHERE rating IN ('satisfied', 'basically'))::float
                 / nullif(count(rating), 0) AS satisfaction,
               (SELECT count(*) FROM demand_event WHERE action = 'reopen') AS reopened,
               count(*) FILTER (
                   WHERE version <> (SELECT count(*) FROM demand_event e WHERE e.demand_id = d.id)
               ) AS underived
        FROM demand d"""),
        {"today": work_day()},
    ).one()
    assert figures.solved > 0.8 * loaded and 0 < figures.overdue < 0.1 * loaded
    assert figures.satisfaction > 0.85 and figures.reopened > 0
    assert figures.underived == 0  # every state and version came from the events' trigger
    in_time = db.session.execute(
        text("""SELECT avg(((e.at AT TIME ZONE 'Asia/Shanghai')::date <= d.due_on)::int) FROM demand d
                JOIN LATERAL (SELECT at FROM demand_event WHERE demand_id = d.id AND action = 'answer'
                              ORDER BY id LIMIT 1) e ON true""")
    ).scalar_one()
    assert in_time > 0.75
