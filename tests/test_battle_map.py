"""The leaders' battle map (作战图, #11): per village, pairing, visits and measures, red where behind."""

import re

import pandas as pd
import pytest

from app.queries.work_lists import coverage_cutoffs
from app.work.lists import BEHIND
from geodata.work import vulnerable_mask
from tests.conftest import work_day


@pytest.fixture(scope="module")
def villages(county, work):
    """Each village's shares in per cent, computed here from the generated work."""
    h = county.households.set_index("code")
    year, _ = coverage_cutoffs(work_day())
    recent = work.visits[pd.to_datetime(work.visits.visited_on).dt.date >= year]
    visits = recent.household_code.value_counts().reindex(h.index, fill_value=0)
    poor = h.poverty_status != "none"
    paired = h.index.isin(work.pairings.household_code[work.pairings.end.isna()])
    measures = work.measures.assign(village=work.measures.household_code.str.slice(0, 12))
    frame = pd.DataFrame(
        {
            "village": h.natural_village_code.str.slice(0, 12),
            "poor": poor,
            "paired": poor & paired,
            "covered": visits >= 2,
        }
    )
    sums = frame.groupby("village").sum()
    done = measures.groupby("village").status.agg(lambda s: 100 * (s == "done").mean())
    return pd.DataFrame(
        {
            "paired": 100 * sums.paired / sums.poor,
            "covered": 100 * frame.groupby("village").covered.mean(),
            "done": done,
        }
    )


def cells(html: str) -> dict[tuple[str, str], tuple[int, bool]]:
    found = {}
    for code, row in re.findall(r'<tr data-code="(\d+)">(.*?)</tr>', html, re.S):
        for css, key, value in re.findall(r'<td class="num( behind)?" data-key="(\w+)">(\d+)%', row):
            found[(code, key)] = (int(value), bool(css))
    return found


def test_the_county_battle_map_gives_each_villages_rates_and_marks_those_behind(client, login, villages):
    login("gis")  # counts only: every role may read it
    html = client.get("/work/battle").get_data(as_text=True)
    found = cells(html)
    assert {code for code, _ in found} == set(villages.index)
    for (code, key), (value, red) in found.items():
        want = villages.loc[code, key]
        assert abs(value - want) <= 0.5 + 1e-9, (code, key, value, want)
        assert red == (value < BEHIND[key])
    assert any(red for _, red in found.values()), "the demo has villages behind"
    assert "size: A3 landscape" in html


def test_a_township_battle_map_lists_only_its_villages(client, login, county):
    township = sorted(county.admin_units.query("level == 'township'").code)[0]
    login("leader")
    html = client.get(f"/work/battle?township={township}").get_data(as_text=True)
    codes = set(re.findall(r'<tr data-code="(\d+)">', html))
    assert codes and all(c.startswith(township[:9]) for c in codes)
    assert client.get("/work/battle?township=12").status_code == 400


def test_holiday_rounds_give_each_townships_share_of_vulnerable_households_visited(
    client, login, county, work
):
    from app.work.holidays import ROUND_DAYS, holidays

    vulnerable = county.households[vulnerable_mask(county.households)]
    days = pd.to_datetime(work.visits.visited_on).dt.date
    login("leader")
    html = client.get("/work/holidays").get_data(as_text=True)
    rounds = holidays(work_day())
    assert len(rounds) == 3
    township = vulnerable.code.str.slice(0, 9) + "000"
    for key, day in rounds:
        reached = work.visits.household_code[
            (days > day - pd.Timedelta(days=ROUND_DAYS)) & (days <= day)
        ].unique()
        share = vulnerable.code.isin(reached).groupby(township).mean() * 100
        for code, want in share.items():
            got = re.search(rf'<tr data-code="{code}">.*?data-key="{key}">(\d+)%', html, re.S)
            assert got and abs(int(got.group(1)) - want) <= 0.5 + 1e-9, (code, key, want)
