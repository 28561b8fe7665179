"""The one-page summary with its map (#13) on the demo county.

Peers measured in the same run on the same data:
- the county's summary PDF (target < 1 MB) beside the dashboard page it prints;
- a township's summary PDF beside the county's;
- the map alone, outlines simplified for the frame, beside the same map of unsimplified outlines
  (time and bytes).
Run alone: `python -m bench.summary_map --households 170000`.
"""

import argparse
import io
import secrets

from sqlalchemy import text

from bench import database
from bench.demand_report import _line
from bench.work import _median_ms

SUFFIX = "_bench_summary_map"
UNSIMPLIFIED = 10**9  # steps across: a tolerance of well under a millimetre on the ground


def _load(app, households: int) -> dict:
    """Load the demo county; return its code and its largest township's."""
    import flask_migrate

    from app import queries
    from app.extensions import db
    from geodata.generator import generate_county

    with app.app_context():
        flask_migrate.upgrade()
        queries.load_county(generate_county(households=households, seed=7))
        db.session.commit()
        queries.analyze()
        return dict(
            db.session.execute(
                text("""
                SELECT c.code AS county, t.code AS township, count(*) AS villages
                FROM admin_unit c JOIN admin_unit t ON t.parent_id = c.id
                JOIN admin_unit v ON v.parent_id = t.id
                WHERE c.level = 'county' GROUP BY c.code, t.code ORDER BY count(*) DESC, t.code LIMIT 1""")
            )
            .mappings()
            .one()
        )


def _map_pdf(unit: dict, steps: int) -> bytes:
    """Return a page holding only the summary's map of `unit`, outlines simplified to `steps` across."""
    from app import disclosure, indicators
    from app.printing import frame, summary_map
    from app.printing.summary import MAP_WIDTH
    from app.queries import areas, printing

    rows = areas.children_table(unit, suppression=disclosure.for_scope(()))[:-1]
    figure = summary_map.area_map(
        printing.area_outlines(unit["id"], steps=steps), rows, indicators.BY_KEY["dibao"], by="share"
    )
    buffer = io.BytesIO()
    canvas = frame.new_canvas(buffer, heading="map", printed_by="bench")
    summary_map.draw(canvas, figure, (30, 400, MAP_WIDTH, 280))
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def run(*, households: int, repeat: int) -> None:
    from app import create_app
    from app.printing.summary_map import STEPS
    from app.queries import areas

    url = database.fresh(SUFFIX)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_hex(16)})
    place = _load(app, households)
    client = database.logged_in(app)
    print(f"# summary map: {households:,} households; largest township {place['villages']} villages")
    sizes = {}

    def get(path: str):
        response = client.get(path)
        assert response.status_code == 200, response.data[:300]
        sizes[path] = len(response.data)
        response.close()

    county_pdf = "/dashboard.pdf?indicator=dibao&by=share"
    township_pdf = f"{county_pdf}&township={place['township']}"
    page = _median_ms(lambda: get("/dashboard?indicator=dibao&by=share"), repeat)
    county = _median_ms(lambda: get(county_pdf), repeat)
    _line("county summary PDF with its map", county, "the dashboard page", page)
    township = _median_ms(lambda: get(township_pdf), repeat)
    _line("township summary PDF with its map", township, "the county's", county)
    print(f"  county summary PDF size {sizes[county_pdf] / 1024:,.0f} KB (target < 1,024 KB)")
    print(f"  township summary PDF size {sizes[township_pdf] / 1024:,.0f} KB")
    with app.test_request_context():
        unit = areas.area(place["county"])
        made = {}
        simple = _median_ms(lambda: made.setdefault("simple", _map_pdf(unit, STEPS)), repeat)
        full = _median_ms(lambda: made.setdefault("full", _map_pdf(unit, UNSIMPLIFIED)), repeat)
    _line("county map alone, simplified", simple, "unsimplified", full)
    print(
        f"  county map alone {len(made['simple']) / 1024:,.0f} KB simplified, "
        f"{len(made['full']) / 1024:,.0f} KB unsimplified "
        f"(ratio {len(made['simple']) / len(made['full']):.2f})"
    )
    database.close(app, SUFFIX)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    for name, default in (("households", 170_000), ("repeat", 5)):
        parser.add_argument(f"--{name}", type=int, default=default)
    run(**vars(parser.parse_args()))
