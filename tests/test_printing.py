"""Printed maps: PDFs checked with the real poppler tools, privacy per role, parameters, CLI, audit."""

import re
import subprocess
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import shapely
from sqlalchemy import select, text

from app import indicators
from app.extensions import db
from app.models import AuditEvent
from app.printing import render, roster
from tests.conftest import cadre_village

MM_PER_POINT = 25.4 / 72


# --- helpers: the real tools ----------------------------------------------------


def pdftotext(body: bytes, *, layout: bool = False) -> str:
    args = ["pdftotext", *(["-layout"] if layout else []), "-enc", "UTF-8", "-", "-"]
    return subprocess.run(args, input=body, capture_output=True, check=True).stdout.decode()


def pdf_tool(tool: str, body: bytes, tmp_path, *args: str) -> str:
    path = tmp_path / "print.pdf"
    path.write_bytes(body)
    return subprocess.run([tool, *args, str(path)], capture_output=True, check=True, text=True).stdout


def page_sizes_mm(body: bytes, tmp_path) -> list[tuple[float, float]]:
    info = pdf_tool("pdfinfo", body, tmp_path, "-f", "1", "-l", "9999")
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)
    return [(float(w) * MM_PER_POINT, float(h) * MM_PER_POINT) for w, h in sizes]


def ink_share(body: bytes, tmp_path, page: int = 1) -> float:
    """Return the share of non-white pixels of `page` rasterised by pdftoppm at 30 dpi (PPM parsed here)."""
    path = tmp_path / "print.pdf"
    path.write_bytes(body)
    ppm = subprocess.run(
        ["pdftoppm", "-r", "30", "-f", str(page), "-l", str(page), str(path)], capture_output=True, check=True
    ).stdout
    match = re.match(rb"P6\s+(\d+)\s+(\d+)\s+(\d+)\s", ppm)
    width, height = int(match[1]), int(match[2])
    pixels = ppm[match.end() : match.end() + width * height * 3]
    non_white = sum(1 for n in range(0, len(pixels), 3) if pixels[n : n + 3] != b"\xff\xff\xff")
    return non_white / (width * height)


# --- the data the tests print -----------------------------------------------------


@pytest.fixture(scope="module")
def sheet_village(county):
    """Return (natural village row, its households) of the largest natural village of the cadre's village."""
    natural = county.natural_villages[county.natural_villages.village_code == cadre_village(county)]
    households = county.households[county.households.natural_village_code.isin(natural.code)]
    code = households.natural_village_code.value_counts().idxmax()
    row = natural.set_index("code").loc[code]
    return code, row, households[households.natural_village_code == code].sort_values("code")


def other_village_natural_village(county) -> str:
    other = county.natural_villages[county.natural_villages.village_code != cadre_village(county)]
    other = other.sort_values("code")
    return other.code.iloc[0]


JSON = {"Accept": "application/json"}


def map_pages(body: bytes) -> list[str]:
    """Return the text of each natural village's map page of a print (not enlargements, tables, cover)."""
    pages = pdftotext(body).split("\f")
    return [p for p in pages if "自然寨代码" in p and "放大图 图" not in p and "农户名册" not in p]


def get_pdf(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    return response


# --- a natural village's map ------------------------------------------------------


def test_map_has_title_legend_and_every_household_number(login, county, sheet_village):
    code, row, households = sheet_village
    response = get_pdf(login("admin"), f"/print/natural-villages/{code}.pdf?names=shown")
    assert code in response.headers["Content-Disposition"]
    text = pdftotext(response.data, layout=True)
    units = county.admin_units.set_index("code")
    township = units.loc[units.loc[row.village_code].parent_code]
    assert f"{township['name']} · {units.loc[row.village_code]['name']} · {row['name']}" in text
    assert "图例 Legend" in text and "比例尺 Scale 1:" in text and "EPSG:45" in text
    registered = int(households.poverty_status.isin(["registered", "lifted"]).sum())
    assert registered > 0
    assert f"建档立卡户 Registered poor ({registered})" in text
    # Only flags present are in the legend: wubao households are rare; count them.
    wubao = int(households.wubao.sum())
    assert ("五保户 Five-guarantee (wubao)" in text) == (wubao > 0)
    numbers = set(re.findall(r"\b\d{1,3}\b", text))
    assert {str(n) for n in range(1, len(households) + 1)} <= numbers
    assert "打印人 Printed by test-admin" in text and "Page 1 of" in text
    # The printed time is the county's wall clock (UTC+8), not UTC: a cadre's afternoon is not the morning.
    beijing = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai"))
    printed = re.search(r"打印时间 Printed (\S+ \d\d:\d\d) \(Asia/Shanghai\)", text)
    assert printed, text[-400:]
    delta = datetime.strptime(printed.group(1), "%Y-%m-%d %H:%M") - beijing.replace(tzinfo=None)
    assert abs(delta.total_seconds()) < 300
    # Names shown to an admin who asked for them.
    assert households.head_name.iloc[0] in text


def test_cjk_font_is_embedded_and_text_selectable(login, sheet_village, tmp_path):
    code, row, _ = sheet_village
    body = get_pdf(login("leader"), f"/print/natural-villages/{code}.pdf").data
    fonts = pdf_tool("pdffonts", body, tmp_path).splitlines()[2:]
    assert fonts, "no fonts"
    for line in fonts:
        assert "WenQuanYiZenHei" in line
        emb, _sub, uni = line.split()[-5:-2]
        assert (emb, uni) == ("yes", "yes"), line
    assert row["name"] in pdftotext(body)


@pytest.mark.parametrize(
    ("paper", "orientation", "size"),
    [
        ("A4", "portrait", (210, 297)),
        ("A4", "landscape", (297, 210)),
        ("A3", "portrait", (297, 420)),
        ("A3", "landscape", (420, 297)),
    ],
)
def test_page_size_in_millimetres(login, sheet_village, tmp_path, paper, orientation, size):
    code = sheet_village[0]
    body = get_pdf(
        login("admin"), f"/print/natural-villages/{code}.pdf?paper={paper}&orientation={orientation}"
    ).data
    sizes = page_sizes_mm(body, tmp_path)
    # The map page, then the table pages.
    assert len(sizes) >= 2
    for width, height in sizes:
        assert abs(width - size[0]) < 0.5 and abs(height - size[1]) < 0.5


def test_auto_orientation_follows_the_area():
    assert render.plan_view((0, 0, 3000, 800), paper="A4", orientation="auto")[0] == render.page_size(
        "A4", "landscape"
    )
    assert render.plan_view((0, 0, 800, 3000), paper="A4", orientation="auto")[0] == render.page_size(
        "A4", "portrait"
    )
    size, view = render.plan_view((0, 0, 1000, 1000), paper="A3", orientation="portrait")
    assert size == render.page_size("A3", "portrait")
    # A round scale, and the area fits the frame at it.
    assert re.fullmatch(r"(1|125|15|2|25|3|4|5|6|75)0*", str(view.scale))
    x0, y0, x1, y1 = view.world_bounds
    assert x0 <= 0 and y0 <= 0 and x1 >= 1000 and y1 >= 1000


def test_scale_and_lengths_are_round():
    assert render.nice_scale(7342) == 7500
    assert render.nice_scale(10000) == 10000
    assert render.nice_scale(10001) == 12500
    assert render.nice_length(437) == 200
    assert render.nice_length(1000) == 1000


def test_rendered_page_is_not_blank(login, sheet_village, tmp_path):
    code, _, _ = sheet_village
    body = get_pdf(login("cadre"), f"/print/natural-villages/{code}.pdf").data
    assert ink_share(body, tmp_path) > 0.05


def test_table_continues_on_extra_pages_and_can_be_left_out(login, sheet_village, tmp_path):
    code, _, households = sheet_village
    client = login("admin")
    with_table = page_sizes_mm(get_pdf(client, f"/print/natural-villages/{code}.pdf").data, tmp_path)
    columns, rows = roster.table_geometry(render.page_size("A4", "portrait"))
    assert len(with_table) >= 1 + len(households) // (columns * rows * 2)
    without = get_pdf(client, f"/print/natural-villages/{code}.pdf?table=0").data
    assert len(page_sizes_mm(without, tmp_path)) == 1
    assert "农户名册" not in pdftotext(without)


def test_the_roster_names_each_households_helper_and_last_visit(app, login, sheet_village):
    code, _, _ = sheet_village
    with app.app_context():
        helper, last_visit = db.session.execute(
            text("""
                SELECT c.name, to_char(w.last_visit_on, 'YYYY-MM-DD')
                FROM household h
                JOIN natural_village nv ON nv.id = h.natural_village_id
                JOIN pairing pr ON pr.household_id = h.id AND pr.valid @> current_date
                JOIN cadre c ON c.id = pr.cadre_id
                JOIN household_work w ON w.household_id = h.id AND w.last_visit_on IS NOT NULL
                WHERE nv.code = :code ORDER BY h.code LIMIT 1"""),
            {"code": code},
        ).one()
    text_of_pdf = pdftotext(get_pdf(login("admin"), f"/print/natural-villages/{code}.pdf").data)
    assert "帮扶人" in text_of_pdf and "最近走访" in text_of_pdf and "走访日期" in text_of_pdf
    assert helper in text_of_pdf and last_visit in text_of_pdf


# --- privacy --------------------------------------------------------------------------


def assert_no_clear_identities(body: bytes, households) -> None:
    text = pdftotext(body)
    for name in households.head_name:
        assert name not in text, name
        assert name.encode() not in body and name.encode("utf-16-be") not in body
    for number in households.id_number.dropna():
        assert number not in text and number.encode() not in body
        assert number[-4:] + "\n" not in text  # not even the masked tail is printed


@pytest.mark.parametrize(
    ("role", "query"),
    [("gis", "names=shown"), ("gis", ""), ("cadre", "names=masked"), ("admin", "names=masked")],
)
def test_masked_print_holds_no_full_name_or_id_number(login, sheet_village, role, query):
    code, _, households = sheet_village
    body = get_pdf(login(role), f"/print/natural-villages/{code}.pdf?{query}").data
    assert_no_clear_identities(body, households)
    text = pdftotext(body)
    masked = {name[0] + "*" for name in households.head_name}
    assert sum(m in text for m in masked) == len(masked)


@pytest.mark.parametrize("role", ["admin", "cadre"])
def test_a_print_shows_names_by_default_where_the_role_sees_them(login, sheet_village, role):
    code, _, households = sheet_village
    text = pdftotext(get_pdf(login(role), f"/print/natural-villages/{code}.pdf").data)
    assert all(name in text for name in households.head_name)


def test_the_print_form_offers_every_flag_the_role_sees_and_prints_the_chosen_ones(login, sheet_village):
    code, _, households = sheet_village
    client = login("cadre")
    page = client.get(f"/natural-villages/{code}").get_data(as_text=True)
    assert '<option value="shown" selected>' in page
    offered = set(re.findall(r'name="indicators" value="([a-z_]+)"', page))
    assert offered == {i.key for i in render.FLAGS}  # a cadre in their own village sees every flag
    present = [
        k
        for k in ("empty_nest_elderly", "left_behind_elderly", "dibao", "family_planning")
        if households[indicators.BY_KEY[k].column].astype(bool).any()
    ][:2]
    query = "&".join(f"indicators={k}" for k in present)
    text = pdftotext(get_pdf(client, f"/print/natural-villages/{code}.pdf?{query}").data)
    for key in present:
        ind = indicators.BY_KEY[key]
        assert f"{ind.label('zh')} {ind.label('en')} (" in text
    assert "建档立卡户 Registered poor (" not in text  # a default flag left out when not chosen


def test_names_omitted_prints_no_name_at_all(login, sheet_village):
    code, _, households = sheet_village
    body = get_pdf(login("admin"), f"/print/natural-villages/{code}.pdf?names=omitted").data
    assert_no_clear_identities(body, households)
    text = pdftotext(body)
    assert "户主" not in text and "*" not in text


def test_gis_cannot_ask_for_a_sensitive_indicator(login, sheet_village):
    code, _, _ = sheet_village
    client = login("gis")
    response = client.get(
        f"/print/natural-villages/{code}.pdf?indicators=dibao,left_behind_children", headers=JSON
    )
    assert response.status_code == 403
    assert "left_behind_children" in response.get_json()["message"]
    # By default it is simply not drawn for gis.
    text = pdftotext(get_pdf(client, f"/print/natural-villages/{code}.pdf").data)
    assert "留守儿童" not in text


def test_cadre_outside_their_villages_is_refused(login, county, sheet_village):
    client = login("cadre")
    other = other_village_natural_village(county)
    response = client.get(f"/print/natural-villages/{other}.pdf", headers=JSON)
    assert response.status_code == 403
    assert other in response.get_json()["message"]
    village = county.natural_villages.set_index("code").loc[other].village_code
    assert client.get(f"/print/villages/{village}/atlas.pdf").status_code == 403
    get_pdf(client, f"/print/natural-villages/{sheet_village[0]}.pdf")


def test_anonymous_is_sent_to_log_in(client, sheet_village):
    response = client.get(f"/print/natural-villages/{sheet_village[0]}.pdf")
    assert response.status_code in (302, 401)


def test_renderer_refuses_clear_names_when_asked_to_mask():
    sheet = {
        "code": "52269900000001",
        "name": "测试寨",
        "srid": 4545,
        "geom": shapely.box(500000, 2900000, 500500, 2900500),
        "neighbours": [],
        "households": [
            {
                "number": 1,
                "code": "H1",
                "head_name": "张三",
                "members": 3,
                "flags": [],
                "x": 500100,
                "y": 2900100,
            }
        ],
    }
    with pytest.raises(ValueError, match="clear name"):
        render.village_pdf(sheet, printed_by="t", printed_at=datetime.now(UTC))
    body = render.village_pdf(sheet, names="shown", printed_by="t", printed_at=datetime.now(UTC))
    assert "张三" in pdftotext(body)


# --- parameters -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("paper=B5", "paper"),
        ("orientation=sideways", "orientation"),
        ("names=all", "names"),
        ("table=yes", "table"),
        ("indicators=dibao,nonsense", "indicators"),
        ("indicators=income_per_capita", "indicators"),
        ("zoom=3", "zoom"),
    ],
)
def test_bad_parameters_are_400_naming_them(login, sheet_village, query, named):
    response = login("admin").get(f"/print/natural-villages/{sheet_village[0]}.pdf?{query}", headers=JSON)
    assert response.status_code == 400
    assert named in response.get_json()["message"]


def test_bad_or_unknown_codes(login):
    client = login("admin")
    assert client.get("/print/natural-villages/123.pdf").status_code == 400
    assert client.get("/print/natural-villages/52269900000000.pdf").status_code == 404
    assert client.get("/print/villages/522699000000/atlas.pdf").status_code == 404


# --- audit -----------------------------------------------------------------------------------


def test_every_print_is_audited(app, login, sheet_village):
    code, _, households = sheet_village
    get_pdf(login("gis"), f"/print/natural-villages/{code}.pdf?paper=A3&names=shown")
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "print", AuditEvent.target == code)
        ).one()
    assert event.username == "test-gis"
    assert event.detail["paper"] == "A3" and event.detail["names"] == "masked"
    assert event.detail["households"] == len(households)


# --- atlas ----------------------------------------------------------------------------------------


def test_village_atlas_has_cover_index_and_a_page_per_natural_village(login, county, tmp_path):
    village = cadre_village(county)
    naturals = county.natural_villages[county.natural_villages.village_code == village].sort_values("code")
    body = get_pdf(login("cadre"), f"/print/villages/{village}/atlas.pdf").data
    total = len(page_sizes_mm(body, tmp_path))
    text = pdftotext(body)
    pages = text.split("\f")
    assert "民情地图集" in pages[0] and "People's sentiment atlas" in pages[0]
    assert "索引图 Index map" in pages[1]
    # A map page per natural village, in order (enlargements and household tables follow each).
    maps = map_pages(body)
    assert len(maps) == len(naturals)
    for page, name in zip(maps, naturals.name, strict=True):
        assert name in page
    assert f"Page {total} of {total}" in pages[-2]
    households = county.households[county.households.natural_village_code.isin(naturals.code)]
    assert f"农户 Households: {len(households)}" in pages[0]


# --- the command line ------------------------------------------------------------------------------


def test_cli_prints_a_natural_village_and_an_atlas(
    app, app_context, accounts, county, sheet_village, tmp_path
):
    code, row, households = sheet_village
    runner = app.test_cli_runner()
    out = tmp_path / "map.pdf"
    result = runner.invoke(
        args=[
            "print",
            "natural-village",
            code,
            "--user",
            accounts["gis"][0],
            "--out",
            str(out),
            "--paper",
            "A3",
        ]
    )
    assert result.exit_code == 0, result.output
    body = out.read_bytes()
    assert row["name"] in pdftotext(body)
    assert_no_clear_identities(body, households)
    width, height = page_sizes_mm(body, tmp_path)[0]
    assert sorted((round(width), round(height))) == [297, 420]

    other = other_village_natural_village(county)
    refused = runner.invoke(
        args=["print", "natural-village", other, "--user", accounts["cadre"][0], "--out", str(out)]
    )
    assert refused.exit_code != 0 and "outside your villages" in refused.output

    atlas = tmp_path / "atlas.pdf"
    village = cadre_village(county)
    result = runner.invoke(
        args=["print", "atlas", village, "--user", accounts["cadre"][0], "--out", str(atlas)]
    )
    assert result.exit_code == 0, result.output
    assert len(map_pages(atlas.read_bytes())) == int((county.natural_villages.village_code == village).sum())

    unknown = runner.invoke(args=["print", "natural-village", code, "--user", "nobody", "--out", str(out)])
    assert unknown.exit_code != 0 and "nobody" in unknown.output


# --- township atlas as a background job ------------------------------------------------------------


def township_of(county, village: str) -> str:
    return county.admin_units.set_index("code").loc[village].parent_code


def test_township_atlas_runs_as_a_job_and_is_downloaded_later(app, login, county, tmp_path):
    from tests.conftest import csrf_token

    township = township_of(county, cadre_village(county))
    villages = county.admin_units[county.admin_units.parent_code == township].code
    naturals = county.natural_villages[county.natural_villages.village_code.isin(villages)]
    client = login("admin")
    form = client.get(f"/print/townships/{township}/atlas")
    assert form.status_code == 200
    response = client.post(
        f"/print/townships/{township}/atlas",
        data={"csrf_token": csrf_token(form.get_data(as_text=True)), "paper": "A4", "names": "masked"},
    )
    assert response.status_code == 303
    job_url = response.headers["Location"]
    state = client.get(job_url, headers=JSON).get_json()
    assert state["status"] == "queued" and state["total"] == len(naturals)
    assert job_url.startswith("/jobs/")
    assert client.get(job_url + "/result", headers=JSON).status_code == 409
    assert 'http-equiv="refresh"' in client.get(job_url).get_data(as_text=True)

    with app.app_context():  # the worker, as `flask --app app print worker --once` (the old name) runs it
        result = app.test_cli_runner().invoke(args=["print", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert f"{len(naturals)}/{len(naturals)}" in result.output

    state = client.get(job_url, headers=JSON).get_json()
    assert (state["status"], state["done"]) == ("done", len(naturals))
    body = get_pdf(client, job_url + "/result").data
    assert len(map_pages(body)) == len(naturals)
    with app.app_context():
        actions = set(
            db.session.scalars(select(AuditEvent.action).where(AuditEvent.target.in_([township]))).all()
        )
    assert {"print", "download"} <= actions


def test_a_cadre_cannot_queue_a_township_atlas_beyond_their_villages(login, county):
    from tests.conftest import csrf_token

    township = township_of(county, cadre_village(county))
    client = login("cadre")
    form = client.get(f"/print/townships/{township}/atlas")
    response = client.post(
        f"/print/townships/{township}/atlas",
        data={"csrf_token": csrf_token(form.get_data(as_text=True))},
        headers=JSON,
    )
    assert response.status_code == 403


def test_jobs_are_private_to_their_owner(app, login, county, client, accounts):
    from tests.conftest import csrf_token, log_in

    township = township_of(county, cadre_village(county))
    login("admin")
    form = client.get(f"/print/townships/{township}/atlas")
    response = client.post(
        f"/print/townships/{township}/atlas", data={"csrf_token": csrf_token(form.get_data(as_text=True))}
    )
    job_url = response.headers["Location"]
    other = app.test_client()
    log_in(other, *accounts["leader"])
    assert other.get(job_url, headers=JSON).status_code == 404
