"""The one-page summary's map (#13): areas shaded by the chosen indicator, legend, scale, north arrow."""

import io
import pathlib
import re
import subprocess
import tempfile
from collections import Counter

import pytest
from PIL import Image
from sqlalchemy import select

from app import disclosure, indicators
from app.extensions import db
from app.maps.choropleth import NO_DATA
from app.models import User
from app.printing import frame, summary_map
from app.queries import areas, printing

DPI = 100


def words(pdf: bytes) -> list[tuple[str, float, float, float, float]]:
    """Return every word pdftotext finds with its box (x0, y0, x1, y1) in points from the top left."""
    html = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    found = re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html.decode()
    )
    return [(w, float(a), float(b), float(c), float(d)) for a, b, c, d, w in found]


def page_image(pdf: bytes) -> Image.Image:
    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder, "page.pdf")
        path.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", str(DPI), "-png", "-singlefile", path, path.with_suffix("")], check=True
        )
        with Image.open(path.with_suffix(".png")) as image:
            return image.convert("RGB")


def colour_around(pdf: bytes, name: str) -> str:
    """Return the commonest colour just above and below the rightmost label `name` (the map's: it
    stands at the right of the page, beside the ranking that names the same places)."""
    x0, y0, x1, y1 = max((box for word, *box in words(pdf) if word == name), key=lambda box: box[0])
    image = page_image(pdf)
    k = DPI / 72
    pixels = Counter(
        image.getpixel((round(x * k), round(y * k)))
        for x in (x0, (x0 + x1) / 2, x1)
        for y in (y0 - 4, y0 - 6, y1 + 4, y1 + 6)
    )
    return "#{:02x}{:02x}{:02x}".format(*pixels.most_common(1)[0][0])


def pdf_pages(pdf: bytes) -> int:
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True, text=False).stdout
    return int(re.search(rb"Pages:\s+(\d+)", info).group(1))


def township_shares(county, key: str) -> dict[str, float]:
    """Return each township's share of households with indicator `key`, by name, from the generated data."""
    units = county.admin_units.set_index("code")
    households = county.households.assign(township=county.households.natural_village_code.str[:9] + "000")
    shares = households.groupby("township")[key].apply(lambda column: (column > 0).mean())
    return {units.loc[code, "name"]: share for code, share in shares.items()}


def test_the_county_summary_maps_its_townships_shaded_by_the_chosen_share(client, login, county):
    login("leader")
    response = client.get("/dashboard.pdf?indicator=dibao&by=share")
    assert response.status_code == 200 and pdf_pages(response.data) == 1
    assert len(response.data) < 1_000_000
    text = subprocess.run(["pdftotext", "-", "-"], input=response.data, capture_output=True).stdout.decode()
    assert "地图 Map" in text and "图例 Legend" in text and "低保户" in text and "占比 Share" in text
    assert (
        re.search(r"\d+(\.\d+)? k?m\b", text) and "比例尺 Scale 1:" in text and "北N" in text.replace(" ", "")
    )
    shares = township_shares(county, "dibao")
    highest, lowest = max(shares, key=shares.get), min(shares, key=shares.get)
    ramp = indicators.BY_KEY["dibao"].colors
    assert colour_around(response.data, highest) == ramp[-1]  # the top class is the ramp's darkest
    assert colour_around(response.data, lowest) == ramp[0]
    assert re.search(r"\d+\.\d%\s*–\s*\d+\.\d%", text), "the legend gives each class's bounds as shares"


def test_a_township_summary_maps_its_villages_by_count(client, login, county):
    login("leader")
    units = county.admin_units
    township = sorted(units[units.level == "township"].code)[0]
    response = client.get(f"/dashboard.pdf?indicator=dilapidated_house&township={township}")
    assert response.status_code == 200 and pdf_pages(response.data) == 1
    text = subprocess.run(["pdftotext", "-", "-"], input=response.data, capture_output=True).stdout.decode()
    villages = units[units.parent_code == township]
    assert all(name in text for name in villages.name) and "户数 Households" in text
    others = units[(units.level == "village") & (units.parent_code != township)]
    assert not any(name in text.split("图例 Legend")[0] for name in others.name)  # only its own villages


@pytest.fixture
def strict(app):
    """Withhold every sensitive count smaller than a million households for readers who may not see them."""
    before = app.config["DISCLOSURE_MIN_COUNT"]
    app.config["DISCLOSURE_MIN_COUNT"] = 1_000_000
    yield
    app.config["DISCLOSURE_MIN_COUNT"] = before


def test_withheld_areas_are_grey_and_the_legend_says_so(app_context, accounts, strict):
    gis = db.session.scalar(select(User).where(User.username == accounts["gis"][0]))
    county = areas.area(
        db.session.execute(db.text("SELECT code FROM admin_unit WHERE level = 'county'")).scalar()
    )
    rows = areas.children_table(county, suppression=disclosure.for_user(gis))[:-1]
    key = indicators.SENSITIVE[0].key
    figure = summary_map.area_map(
        printing.area_outlines(county["id"], steps=summary_map.STEPS),
        rows,
        indicators.BY_KEY[key],
        by="count",
    )
    buffer = io.BytesIO()
    canvas = frame.new_canvas(buffer, heading="test", printed_by="test")
    summary_map.draw(canvas, figure, (30, 300, 230, 300))
    canvas.showPage()
    canvas.save()
    pdf = buffer.getvalue()
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True).stdout.decode()
    assert f"不公开 ({len(rows)}) Withheld" in text
    for area in figure.areas:
        assert colour_around(pdf, area.name) == NO_DATA
