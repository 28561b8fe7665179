"""The household card's timeline (#12): demands, visits and pairings as one list, newest first, per role."""

import re
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from app.extensions import db
from tests.conftest import cadre_village
from tests.test_demands import act, log_out, registered

WHAT = "村口道路塌方，老人出行困难"


@pytest.fixture(scope="module")
def household(county, work):
    """A household of the test cadre's village with visits (findings) and an ended pairing."""
    village = cadre_village(county)
    ended = work.pairings[work.pairings.end.notna() & work.pairings.household_code.str.startswith(village)]
    visited = set(work.visits.household_code)
    code = sorted(c for c in ended.household_code if c in visited)[0]
    return (
        code,
        work.visits[work.visits.household_code == code],
        work.pairings[work.pairings.household_code == code],
    )


def timeline(html: str) -> list[tuple[str, str]]:
    """Return the card's timeline as (kind, day) pairs, in the order shown."""
    block = html[html.index('id="household-timeline"') :]
    return re.findall(
        r'<li data-kind="(\w+)"[^>]*>\s*<time datetime="([\d-]+)"', block[: block.index("</ol>")]
    )


@pytest.mark.parametrize(
    ("role", "reads"), [("admin", True), ("leader", True), ("cadre", True), ("gis", False)]
)
def test_the_card_lists_demands_visits_and_pairings_newest_first_as_the_role_allows(
    app, client, login, household, role, reads
):
    code, visits, pairings = household
    login("cadre")
    demand = registered(client, code, description=WHAT, kind="roads")
    assert act(client, demand, "accept").status_code == 302
    log_out(client)
    login(role)
    html = client.get(f"/households/{code}").get_data(as_text=True)
    events = timeline(html)
    days = [day for _, day in events]
    assert days == sorted(days, reverse=True), "newest first"
    kinds = [kind for kind, _ in events]
    # Visits and who helps a family are for the readers of work one by one (not gis: counts only),
    # like what was asked and found.
    assert kinds.count("visit") == (len(visits) if reads else 0)
    assert kinds.count("pairing_start") == (len(pairings) if reads else 0)
    assert kinds.count("pairing_end") == (pairings.end.notna().sum() if reads else 0)
    assert pairings.end.notna().sum() >= 1
    assert ({str(d) for d in visits.visited_on} <= set(days)) is reads
    # What a family asked and what a cadre found there: only for the roles that read them.
    assert (WHAT in html) is reads and (kinds.count("demand") == 1) is reads
    assert all((finding in html) is reads for finding in visits.findings if finding)
    with app.app_context():
        changed = db.session.execute(
            text("SELECT changed_at FROM demand WHERE id = :id"), {"id": demand}
        ).scalar_one()
        audited = db.session.execute(
            text("""SELECT count(*) FROM audit_event
                    WHERE action = 'view_demand' AND target = :id AND username = :who
                      AND detail ->> 'via' = 'household'"""),
            {"id": str(demand), "who": f"test-{role}"},
        ).scalar_one()
    assert audited == (1 if reads else 0), "reading a demand on the card is audited"
    if reads:
        local = changed.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
        item = re.search(rf'<li data-kind="demand" data-demand="{demand}">(.*?)</li>', html, re.S).group(1)
        assert "已受理" in item and "道路" in item and local in item, item
        assert f'href="/demands/{demand}"' in item
