"""Demands as vector tiles (#12): counts per natural village by role and threshold, points, filters."""

import datetime
import urllib.parse

import mapbox_vector_tile
import pytest

from tests.conftest import cadre_village
from tests.test_demands import act, log_out, registered
from tests.test_tiles import household_tile, tile_of

K = 5
LONG_AGO = (datetime.date.today() - datetime.timedelta(days=90)).isoformat()


@pytest.fixture
def made(client, login, county):
    """Demands registered by an admin: 2 in the cadre's natural village, 6 and 2 in two foreign ones.

    The six are water, two of them raised 90 days ago (overdue) and one answered; the others roads.
    """
    households = county.households.sort_values("code")
    own = cadre_village(county)
    nvs = households.groupby("natural_village_code").code.agg(list)
    own_nv = next(nv for nv in nvs.index if nv.startswith(own))
    big, small = [nv for nv in nvs.index if not nv.startswith(own) and len(nvs[nv]) >= 6][:2]
    login("admin")
    ids = {own_nv: [], big: [], small: []}
    for nv, kind, n in ((own_nv, "roads", 2), (big, "water", 6), (small, "roads", 2)):
        for i in range(n):
            old = nv == big and i < 3
            ids[nv].append(registered(client, nvs[nv][i], kind=kind, raised_on=LONG_AGO if old else ""))
    answered = ids[big][0]
    for step, fields in [
        ("accept", {}),
        ("assign", {"assignee_kind": "department", "assignee": "县水务局"}),
        ("progress", {}),
        ("answer", {}),
    ]:
        assert act(client, answered, step, **fields).status_code == 302
    log_out(client)
    return {"own": own_nv, "big": big, "small": small, "ids": ids, "households": nvs}


def decode(client, z, x, y, query: str = "") -> dict:
    response = client.get(f"/demands/tiles/{z}/{x}/{y}.mvt{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/vnd.mapbox-vector-tile"
    return mapbox_vector_tile.decode(response.data)


def county_tile(county):
    centre = county.admin_units[county.admin_units.level == "county"].geometry.iloc[0].centroid
    return tile_of(centre.x, centre.y, 9)


def counts(tile: dict) -> dict[str, dict]:
    return {
        f["properties"]["code"]: f["properties"]
        for f in tile.get("demand_counts", {"features": []})["features"]
    }


@pytest.mark.parametrize("role", ["admin", "leader", "cadre", "gis"])
def test_county_tiles_count_demands_per_natural_village_withholding_small_counts_by_role(
    client, login, county, made, role
):
    login(role)
    tile = decode(client, *county_tile(county))
    assert "demands" not in tile, "no demand points at county zoom"
    seen = counts(tile)
    assert {made["own"], made["big"], made["small"]} <= set(seen)  # browser tests may have left others
    big, small, own = seen[made["big"]], seen[made["small"]], seen[made["own"]]
    assert (big["demands"], big["open"]) == (6, 5)
    reads_all = role in ("admin", "leader")
    # Two overdue (the third old one was answered): a count below K, withheld from non-readers.
    assert big.get("overdue") == (2 if reads_all else None)
    assert big["overdue_suppressed"] is not reads_all
    assert big.get("kind_water") == (6 if reads_all else None)
    assert ("kind_roads" in big) is reads_all  # a kind without demands counts 0 for readers
    assert small.get("demands") == (2 if reads_all else None)
    assert small["demands_suppressed"] is not reads_all
    reads_own = role != "gis"
    assert own.get("demands") == (2 if reads_own else None)
    assert (own.get("kind_roads") == 2) is reads_own
    for props in seen.values():
        assert not {"description", "person_name", "person_phone", "household_code"} & set(props)


@pytest.mark.parametrize(("role", "points"), [("cadre", True), ("leader", True), ("gis", False)])
def test_near_a_household_readers_get_points_coloured_by_state_and_others_counts(
    client, login, county, made, role, points
):
    login(role)
    code = made["households"][made["own"]][0]
    tile = decode(client, *household_tile(county, code))
    if points:
        found = {f["properties"]["fid"]: f["properties"] for f in tile["demands"]["features"]}
        assert set(made["ids"][made["own"]]) <= set(found)
        assert found[made["ids"][made["own"]][0]] == {
            "fid": made["ids"][made["own"]][0],
            "state": "registered",
            "kind": "roads",
            "overdue": False,
        }
        assert made["own"] not in counts(tile)
    else:
        assert "demands" not in tile
        nvs = county.natural_villages.set_index("code")
        spot = nvs.geometry[made["own"]].representative_point()  # GEOS PointOnSurface, as PostGIS's
        tile = decode(client, *tile_of(spot.x, spot.y, 16))
        assert "demands" not in tile and counts(tile)[made["own"]]["demands_suppressed"] is True


def test_a_cadre_gets_no_points_of_another_village(client, login, county, made):
    login("cadre")
    tile = decode(client, *household_tile(county, made["households"][made["big"]][0]))
    points = {f["properties"]["fid"] for f in tile.get("demands", {"features": []})["features"]}
    assert not points & set(made["ids"][made["big"]])
    assert counts(tile)[made["big"]]["demands"] == 6


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?kind=water", {"big": 6}),
        ("?kind=roads", {"own": 2, "small": 2}),
        ("?state=open&kind=water", {"big": 5}),
        ("?state=answered", {"big": 1}),
        (f"?until={LONG_AGO}", {"big": 3}),
        (f"?since={datetime.date.today()}", {"own": 2, "big": 3, "small": 2}),
        ("?assignee=水务", {"big": 1}),
        ("?state=closed", {}),
    ],
)
def test_filters_narrow_the_counts(client, login, county, made, query, expected):
    login("leader")
    seen = counts(decode(client, *county_tile(county), query))
    ours = {made[k] for k in ("own", "big", "small")}
    found = {nv: props["demands"] for nv, props in seen.items() if nv in ours}
    assert found == {made[k]: n for k, n in expected.items()}


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("?kind=sky", "kind"),
        ("?state=lost", "state"),
        ("?since=2026-13-01", "since"),
        ("?until=yesterday", "until"),
        ("?since=2026-03-02&until=2026-03-01", "until"),
        ("?assignee=" + "x" * 51, "assignee"),
        ("?colour=red", "colour"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(client, login, query, named):
    login("leader")
    response = client.get(f"/demands/tiles/9/420/220.mvt{query}")
    assert response.status_code == 400 and named in response.get_data(as_text=True)


def test_anonymous_readers_get_no_demand_tiles(client, county):
    assert client.get("/demands/tiles/9/420/220.mvt").status_code in (302, 401)


def test_the_tally_and_counts_the_tiles_add_up_follow_every_change_of_state(app, client, login, county):
    """Registered, moved on and answered through the web: tally and counts equal a count of demands."""
    from sqlalchemy import text

    from app.demand_models import STATES
    from app.extensions import db

    households = county.households.sort_values("code")
    code = households[households.code.str.startswith(cadre_village(county))].code.iloc[2]
    login("cadre")
    first, second = registered(client, code, kind="water"), registered(client, code, kind="roads")
    steps = [("accept", {}), ("assign", {"assignee_kind": "department", "assignee": "县水务局"})]
    for action, fields in [*steps, ("progress", {}), ("answer", {"note": "已修复"})]:
        assert act(client, first, action, **fields).status_code == 302, action
    log_out(client)
    tally = """SELECT natural_village_id, kind, state, sum(n) FROM demand_tally WHERE n <> 0 GROUP BY 1, 2, 3
               ORDER BY 1, 2, 3"""
    counted = (
        """SELECT natural_village_id, kind, state, count(*) FROM demand GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"""
    )
    kept = f"""SELECT natural_village_id, kind, state, n FROM demand_count,
               LATERAL (VALUES {", ".join(f"('{s}', {s})" for s in STATES)}) AS c(state, n)
               WHERE n <> 0 ORDER BY 1, 2, 3"""
    with app.app_context():
        assert db.session.execute(text(tally)).all() == db.session.execute(text(counted)).all()
        assert db.session.execute(text(kept)).all() == db.session.execute(text(counted)).all()
        states = dict(
            db.session.execute(
                text("SELECT id, state FROM demand WHERE id IN (:a, :b)"), {"a": first, "b": second}
            ).all()
        )
    assert states == {first: "answered", second: "registered"}


# Each filter of the map, and the same condition written out over the demand table.
EXACT_FILTERS = {
    "": "true",
    "?kind=water": "d.kind = 'water'",
    "?state=open": "d.state NOT IN ('answered', 'closed')",
    "?state=registered&kind=roads": "d.state = 'registered' AND d.kind = 'roads'",
    "?state=answered": "d.state = 'answered'",
    f"?since={(datetime.date.today() - datetime.timedelta(days=20)).isoformat()}": (
        f"d.raised_on >= '{(datetime.date.today() - datetime.timedelta(days=20)).isoformat()}'"
    ),
}


def counted(today: datetime.date, condition: str) -> dict[str, tuple]:
    """Count demands per natural village straight from the demand table: all, open, overdue, water."""
    from sqlalchemy import text

    from app.extensions import db

    sql = f"""
        SELECT nv.code, count(*), count(*) FILTER (WHERE d.state NOT IN ('answered', 'closed')),
               count(*) FILTER (WHERE d.state NOT IN ('answered', 'closed') AND d.due_on < :today),
               count(*) FILTER (WHERE d.kind = 'water')
        FROM demand d JOIN natural_village nv ON nv.id = d.natural_village_id
        WHERE {condition} GROUP BY nv.code"""
    return {code: tuple(n) for code, *n in db.session.execute(text(sql), {"today": today})}


def tallied(tile: dict) -> dict[str, tuple]:
    return {
        code: (p["demands"], p["open"], p["overdue"], p["kind_water"]) for code, p in counts(tile).items()
    }


@pytest.fixture
def due_around_today(client, login, county, made):
    """Demands raised every other day over the last five weeks: due before, on and after today."""
    login("admin")
    households = made["households"][made["small"]]
    ids = []
    for i, days in enumerate(range(0, 36, 2)):
        raised = (datetime.date.today() - datetime.timedelta(days=days)).isoformat()
        kind = ("water", "roads")[i % 2]
        ids.append(registered(client, households[i % len(households)], kind=kind, raised_on=raised))
    assign = {"assignee_kind": "department", "assignee": "县水务局"}
    steps = [("accept", {}), ("assign", assign), ("progress", {}), ("answer", {"note": "已修复"})]
    for demand, n in zip(ids[-4:], (4, 3, 2, 1), strict=True):  # the oldest answered, the next on the way
        for step, fields in steps[:n]:
            assert act(client, demand, step, **fields).status_code == 302, step
    log_out(client)
    return ids


@pytest.mark.parametrize("query", EXACT_FILTERS)
def test_tile_counts_equal_a_count_of_demands_today_and_the_day_more_become_overdue(
    app, client, login, county, due_around_today, query
):
    """Through the web today (the county's day), and on the next day a demand falls due, no job run."""
    from sqlalchemy import text

    from app import localtime
    from app.demands.tiles import map_filters
    from app.extensions import db
    from app.queries import demand_tiles
    from app.queries.demands import kinds

    login("leader")
    tile = decode(client, *county_tile(county), query)
    with app.app_context():
        today = localtime.today()
        assert tallied(tile) == counted(today, EXACT_FILTERS[query])
        # The next day a still open demand is due: on it, it is not overdue yet; the day after, it is.
        still_due = (
            "SELECT min(due_on) FROM demand WHERE due_on >= :today AND state NOT IN ('answered', 'closed')"
        )
        due = db.session.execute(text(still_due), {"today": today}).scalar_one()
        later = due + datetime.timedelta(days=1)
        assert counted(later, "true") != counted(due, "true"), "some demand becomes overdue"
        for day in (due, later):
            body = demand_tiles.tile(
                *county_tile(county),
                filters=map_filters(dict(urllib.parse.parse_qsl(query[1:]))),
                readable=None,
                points=False,
                today=day,
                min_count=K,
                kinds=[k["key"] for k in kinds()],
            )
            assert tallied(mapbox_vector_tile.decode(body)) == counted(day, EXACT_FILTERS[query]), day
