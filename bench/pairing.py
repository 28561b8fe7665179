"""Pairing map and measures entered on the web (#11): what a village's page and one household's save cost.

A measure saved on the web rebuilds the statistics view (so measures done moves on tiles and OGC
layers at once); the peer in the same run is the save without that rebuild.
"""

from sqlalchemy import text

from bench import database
from bench.work import _client, _load, _median_ms

SUFFIX = "_bench_pairing"


def pairing_map(client, village: str, *, repeat: int) -> None:
    url = f"/work/pairing-map/{village}"
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    size = len(response.data)
    ours = _median_ms(lambda: client.get(url), repeat)
    print(f"pairing map of a village ({size / 1024:.0f} KB): median {ours:.0f} ms")


def measures(app, client, code: str, *, repeat: int) -> None:
    from app import localtime
    from app.extensions import db
    from app.queries import pairing
    from tests.conftest import csrf_token

    with app.app_context():
        today = localtime.today().isoformat()
    statuses = iter(["planned", "under_way", "done"] * repeat)

    def save():
        form = client.get(f"/work/measures/{code}").get_data(as_text=True)
        data = {"csrf_token": csrf_token(form), "status_industry": next(statuses), "on_industry": today}
        assert client.post(f"/work/measures/{code}", data=data).status_code == 303

    ours = _median_ms(save, repeat)
    print(f"one measure saved through the form (form, save, statistics rebuilt): median {ours:.0f} ms")
    with app.app_context():
        household = pairing.household(code)

        def write():
            pairing.save_measures(
                code, [{"kind": "industry", "status": next(statuses), "status_on": today}], updated_by=None
            )
            db.session.commit()

        peer = _median_ms(write, repeat)
        rows = db.session.execute(text("SELECT count(*) FROM natural_village_stats")).scalar_one()
    print(f"  peer: the same write without the rebuild: median {peer:.1f} ms ({rows:,} natural villages)")
    assert household["poor"]


def run(*, households: int, repeat: int) -> None:
    from app import create_app
    from tests.conftest import cadre_village

    url = database.fresh(SUFFIX)
    print(f"# pairing map and measures: {households:,} households, median of {repeat} runs")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    county, _ = _load(app, households, 0)  # this year's work only, no older visits
    village = cadre_village(county)
    admin = _client(app, "admin")
    pairing_map(admin, village, repeat=repeat)
    households_ = county.households
    code = sorted(
        households_[households_.code.str.startswith(village) & (households_.poverty_status != "none")].code
    )[0]
    measures(app, admin, code, repeat=repeat)
    database.close(app, SUFFIX)


if __name__ == "__main__":
    import sys

    # python -m bench.pairing [HOUSEHOLDS [REPEAT]]
    numbers = [int(a) for a in sys.argv[1:3]]
    run(households=(numbers or [170_000])[0], repeat=(numbers[1:] or [7])[0])
