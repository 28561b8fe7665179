"""Printed maps a cadre can read: numbers that never collide, flags told apart in black and white."""

import itertools
import re
import subprocess
from datetime import UTC, datetime

import numpy as np
import pytest
import shapely

from app.printing import frame, labels, mappage, render
from app.printing.labels import Box
from app.privacy import Rule
from app.queries import printing as queries
from tests import test_printing
from tests.conftest import cadre_village
from tests.test_printing import MM_PER_POINT, get_pdf, pdftotext

EVERY_FLAG = tuple(f.key for f in render.FLAGS)
NOW = datetime.now(UTC)
sheet_village = test_printing.sheet_village  # the fixture: the cadre's largest natural village


def county_sheets(county) -> list[dict]:
    """Return every natural village of the test county as printed with every flag and names shown."""
    rules = {field: Rule.SHOW for field in ("head_name", "id_number", "address")}
    sheets = []
    for code in sorted(county.natural_villages.code):
        sheet = queries.natural_village_sheet(code)
        sheet["households"] = queries.households_for_print(
            sheet["id"], rules, srid=sheet["srid"], only=render.FLAGS
        )
        sheets.append(sheet)
    return sheets


def overlapping(boxes: list[Box]) -> list[tuple[Box, Box]]:
    return [(a, b) for a, b in itertools.combinations(boxes, 2) if a.overlaps(b)]


def numbered(placed: mappage.Layout) -> set[int]:
    """Return the household numbers written on the page of `placed`."""
    rows = [n for n, label in enumerate(placed.labels) if label is not None]
    rows += [n for inset in placed.insets for n in inset.members]
    return {placed.households[n]["number"] for n in rows}


def assert_readable(placed: mappage.Layout, style, code: str) -> None:
    """Assert no number on the page of `placed` touches another text, a house, an inset or the furniture."""
    texts = placed.boxes()
    assert not overlapping(texts), code
    # Each inset's crowd and each enlarged area is tagged on the map, so the reader can follow it.
    tags = sorted(tag.text for tag in placed.tags)
    assert tags == sorted([i.tag for i in placed.insets] + [name for name, _, _ in placed.enlargements]), code
    numbers = [label for label in placed.labels if label is not None]
    numbers += [label for inset in placed.insets for label in inset.labels]
    assert all(label.size >= style.number >= 7 for label in numbers)
    view = placed.view
    frame_box = Box(view.x, view.y, view.x + view.width, view.y + view.height)
    assert all(box.inside(frame_box) for box in texts), code
    main = [label.box for label in placed.labels if label is not None] + [t.box for t in placed.tags]
    for obstacle in [*placed.symbols, *placed.furniture, *(inset.box for inset in placed.insets)]:
        assert not any(box.overlaps(obstacle) for box in main), code
    for inset in placed.insets:
        assert all(box.inside(inset.box) for box in [*inset.symbols, *(lb.box for lb in inset.labels)])
        for symbol in inset.symbols:
            assert not any(label.box.overlaps(symbol) for label in inset.labels), code
        assert not any(inset.box.overlaps(symbol) for symbol in placed.symbols), code
        assert not any(inset.box.overlaps(other.box) for other in placed.insets if other is not inset)


@pytest.mark.parametrize("paper", ["A4", "A3"])
def test_no_two_numbers_overlap_in_any_natural_village_of_the_county(app_context, county, paper):
    style = frame.STYLES[paper]
    used = {"leaders": 0, "insets": 0, "enlargements": 0}
    for sheet in county_sheets(county):
        _, view = render.plan_view(render.focus(sheet), paper=paper, orientation="auto")
        placed = mappage.plan(sheet, view, EVERY_FLAG, style)
        written = set()
        for page in placed.sheets():
            assert_readable(page, style, sheet["code"])
            written |= numbered(page)
            used["leaders"] += sum(1 for label in page.labels if label is not None and label.leader)
            used["insets"] += len(page.insets)
        used["enlargements"] += len(placed.sheets()) - 1
        # Every house is numbered on its map page or one of its enlargements.
        assert written == {h["number"] for h in sheet["households"]}, sheet["code"]
    # The county's crowded hamlets need every helper; a county that needed none would not test them.
    assert all(used.values()), used


def pdftotext_words(body: bytes, tmp_path) -> list[list[tuple[str, Box]]]:
    """Return each page's words and their boxes as poppler reports them (PDF points, y up)."""
    path = tmp_path / "words.pdf"
    path.write_bytes(body)
    html = subprocess.run(
        ["pdftotext", "-bbox", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    pages = []
    for page in re.findall(r"<page[^>]*height=\"([\d.]+)\"[^>]*>(.*?)</page>", html, re.S):
        height = float(page[0])
        words = re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', page[1]
        )
        pages.append(
            [
                (text, Box(float(x0), height - float(y1), float(x1), height - float(y0)))
                for x0, y0, x1, y1, text in words
            ]
        )
    return pages


def test_numbers_printed_in_the_pdf_overlap_no_other_text(login, county, tmp_path):
    """Read the rendered PDF back with poppler: no house number's box touches another word's."""
    largest = county.households.natural_village_code.value_counts().index[:4]
    client = login("admin")
    heights = {"A4": [], "A3": []}
    for code in largest:
        for paper in ("A4", "A3"):
            flags = ",".join(EVERY_FLAG)
            url = f"/print/natural-villages/{code}.pdf?table=0&paper={paper}&indicators={flags}"
            body = get_pdf(client, url).data
            for words in pdftotext_words(body, tmp_path):
                numbers = [box for text, box in words if text.isdigit()]
                others = [box for text, box in words if not text.isdigit()]
                assert numbers, code
                assert not overlapping(numbers), code
                assert not [(a, b) for a in numbers for b in others if a.overlaps(b)], code
                heights[paper] += [box.height for box in numbers]
    assert len(heights["A4"]) > 250
    # Numbers are at least 7 pt on A4, and A3 prints them larger (not only with more margin).
    seven_points = labels.text_size("0", 7)[1]
    assert np.median(heights["A4"]) >= seven_points - 0.1
    assert np.median(heights["A3"]) >= 1.2 * np.median(heights["A4"])


# --- black and white ------------------------------------------------------------------


def one_house_per_flag() -> dict:
    """Return a natural village with one house per flag and one with none, 60 m apart, as printed."""
    houses = [
        {"number": n + 1, "code": f"H{n}", "head_name": "", "members": 1, "flags": flags}
        for n, flags in enumerate([[key] for key in EVERY_FLAG] + [[]])
    ]
    for n, house in enumerate(houses):
        house["x"], house["y"] = 500000 + (n % 4) * 60, 2900000 + (n // 4) * 60
    return {
        "code": "52269900000001",
        "name": "测试寨",
        "srid": 4545,
        "geom": shapely.box(499900, 2899900, 500280, 2900220),
        "neighbours": [],
        "households": houses,
    }


def grey_page(body: bytes, tmp_path, dpi: int) -> np.ndarray:
    """Return page 1 as `pdftoppm -gray` rasterises it: rows of 0 (black) to 255 (white)."""
    path = tmp_path / "grey.pdf"
    path.write_bytes(body)
    args = ["pdftoppm", "-gray", "-r", str(dpi), "-f", "1", "-l", "1", str(path)]
    pgm = subprocess.run(args, capture_output=True, check=True).stdout
    match = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", pgm)
    width, height = int(match[1]), int(match[2])
    return np.frombuffer(pgm[match.end() :], dtype=np.uint8, count=width * height).reshape(height, width)


@pytest.mark.parametrize("paper", ["A4", "A3"])
def test_every_flag_is_told_apart_on_a_greyscale_print(tmp_path, paper):
    sheet = one_house_per_flag()
    body = render.village_pdf(
        sheet,
        paper=paper,
        indicators=EVERY_FLAG,
        names="omitted",
        table=False,
        printed_by="t",
        printed_at=datetime.now(UTC),
    )
    dpi = 300
    pixels = grey_page(body, tmp_path, dpi)
    size, view = render.plan_view(render.focus(sheet), paper=paper, orientation="auto")
    half = round(frame.STYLES[paper].cell * 0.4 * dpi / 72)  # pixels inside the symbol's outline
    patterns = {}
    for house in sheet["households"]:
        x, y = view.to_page(house["x"], house["y"])
        column, row = x * dpi / 72, (size[1] - y) * dpi / 72
        row, column = round(row), round(column)
        crop = pixels[row - half : row + half, column - half : column + half]
        crop = crop.astype(float)
        key = house["flags"][0] if house["flags"] else "none"
        if key != "none":
            # The mark stands out from its cell in grey: a black-and-white printer keeps it.
            assert crop.max() - crop.min() > 100, key
        patterns[key] = crop
    # Any two flags differ in a good share of their pixels (colour alone: red and blue print alike).
    for (a, pa), (b, pb) in itertools.combinations(patterns.items(), 2):
        assert np.mean(np.abs(pa - pb) > 64) > 0.08, (a, b)


# --- rosters --------------------------------------------------------------------------


def roster_pages(body: bytes, tmp_path) -> list[list[tuple[str, Box]]]:
    return [words for words in pdftotext_words(body, tmp_path) if any(t == "农户名册" for t, _ in words)]


@pytest.mark.parametrize("paper", ["A4", "A3"])
def test_the_roster_has_every_house_its_address_and_room_to_write(login, sheet_village, tmp_path, paper):
    code, _, households = sheet_village
    body = get_pdf(login("admin"), f"/print/natural-villages/{code}.pdf?paper={paper}").data
    pages = roster_pages(body, tmp_path)
    assert pages
    text = " ".join(t for words in pages for t, _ in words)
    for heading in ("编号", "户主", "地址", "标注", "走访日期", "情况", "签字"):
        assert heading in text
    assert all(address in text for address in households.address)
    rows_per_page, heights = [], []
    for words in pages:
        notes = next(box for t, box in words if t == "情况")
        signature = next(box for t, box in words if t == "签字")
        # The number column: digits at the left margin, one per row, top to bottom.
        left = min(box.x0 for t, box in words if t == "编号")
        numbers = sorted(
            ((int(t), box) for t, box in words if t.isdigit() and abs(box.x0 - left) < 8),
            key=lambda n: -n[1].y0,
        )
        rows_per_page.append(len(numbers))
        heights += [numbers[i][1].y0 - numbers[i + 1][1].y0 for i in range(len(numbers) - 1)]
        assert [n for n, _ in numbers] == sorted(n for n, _ in numbers)
        # Nothing is written in the notes column under its heading: it is left for the pen.
        bottom = numbers[-1][1].y0 - 2
        written = [
            t
            for t, box in words
            if notes.x0 - 1 < box.x0 < signature.x0 and bottom < box.y0 and box.y1 < notes.y0
        ]
        assert written == [], written
    assert sum(rows_per_page) == len(households)
    # Rows at least 8 mm (A4) or 9.5 mm (A3) apart: room for handwriting.
    assert min(heights) >= (8 if paper == "A4" else 9.5) / MM_PER_POINT - 0.5


def test_a_village_atlas_has_each_natural_village_s_roster(login, county, tmp_path):
    village = cadre_village(county)
    naturals = county.natural_villages[county.natural_villages.village_code == village]
    households = county.households[county.households.natural_village_code.isin(naturals.code)]
    body = get_pdf(login("cadre"), f"/print/villages/{village}/atlas.pdf").data
    text = pdftotext(body)
    populated = households.natural_village_code.nunique()
    assert text.count("农户名册 Household list (1/") == populated
    assert all(name in text for name in households.head_name)  # the cadre's own villages: names shown
    assert "走访日期 Visit date" in text and "签字 Signature" in text


@pytest.mark.parametrize("paper", ["A4", "A3"])
def test_a_legend_of_every_flag_stays_readable(tmp_path, paper):
    sheet = one_house_per_flag()
    options = {"indicators": EVERY_FLAG, "names": "omitted", "table": False}
    body = render.village_pdf(sheet, paper=paper, printed_by="t", printed_at=NOW, **options)
    _, view = render.plan_view(render.focus(sheet), paper=paper, orientation="auto")
    words = pdftotext_words(body, tmp_path)[0]
    legend = [(text, box) for text, box in words if frame.MARGIN + frame.FOOTER_HEIGHT < box.y0 < view.y]
    text = " ".join(t for t, _ in legend)
    for flag in render.FLAGS:
        assert f"{flag.zh} " in text or f"{flag.zh}\n" in text, flag.key
    # No entry is squeezed below 5.5 pt: long ones drop their English rather than shrink.
    marks = {flag.mark for flag in render.FLAGS}  # drawn in the sample symbols, sized by them
    assert min(box.height for t, box in legend if t not in marks) >= labels.text_size("户", 5.5)[1] - 0.1
