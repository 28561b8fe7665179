"""Chinese first where a Chinese user looks: popups, scale bars, errors, exports, prints, CLI help."""

import html
import io
import re

import click
import pytest
from openpyxl import load_workbook

from app import indicators
from app.importers import household_columns
from tests.conftest import cadre_village, csrf_token
from tests.test_printing import get_pdf, pdftotext, sheet_village  # noqa: F401

# --- refusals in the reader's language ----------------------------------------------------


def outside_code(county) -> str:
    """Return a natural village outside the test cadre's village."""
    return sorted(
        county.natural_villages[~county.natural_villages.code.str.startswith(cadre_village(county))].code
    )[0]


@pytest.mark.parametrize(
    ("path", "zh", "en"),
    [
        (
            "/?indicator=poverty",
            "参数 indicator='poverty' 无效：应为以下之一：registered_poor",
            "parameter indicator=",
        ),
        (
            "/areas/52269910",
            "参数 乡镇代码（township）='52269910' 无效：应为 12 位数字",
            "township code='52269910'",
        ),
        ("/areas/999999999999", "乡镇或行政村 '999999999999' 不存在", "'999999999999' does not exist"),
        ("/search?limit=5", "未知参数 'limit'（可用参数：q）", "unknown parameter 'limit'"),
        ("/export/roads.gpkg", "图层 'roads' 不存在", "layer 'roads' does not exist"),
        ("/nowhere", "没有这个网址", "requested URL was not found"),
        (
            "/print/natural-villages/52269910020101.pdf?paper=B5",
            "参数 paper='B5' 无效：应为以下之一：A4",
            "paper=",
        ),
    ],
)
def test_error_pages_speak_the_readers_language(client, login, path, zh, en):
    login("admin")
    refused = client.get(path)
    assert refused.status_code in (400, 404) and zh in html.unescape(refused.get_data(as_text=True))
    client.get("/lang/en")
    assert en in html.unescape(client.get(path).get_data(as_text=True))


def test_a_refusal_is_in_chinese_for_a_cadre_and_in_json_for_their_program(client, login, county):
    login("cadre")
    code = outside_code(county)
    household = county.households[county.households.natural_village_code == code].code.iloc[0]
    card = client.get(f"/households/{household}")
    assert card.status_code == 403 and "您无权查看此内容。" in card.get_data(as_text=True)
    api = f"/api/natural-villages/{code}/households"
    chinese = client.get(api, headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
    assert chinese.status_code == 403 and "不在您的包村范围内" in chinese.json["message"]
    english = client.get(api, headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert "outside your villages" in english.json["message"]
    # A program that states no language reads English; the code stays the same for all.
    silent = client.get(api)
    assert "outside your villages" in silent.json["message"]
    assert chinese.json["code"] == english.json["code"] == silent.json["code"] == "Forbidden"


def test_a_bad_form_post_is_refused_in_chinese(client, login):
    login("admin")
    response = client.post("/export", data={"layer": "households", "format": "xlsx"})
    assert response.status_code == 400 and "CSRF 令牌" in response.get_data(as_text=True)


def options(form: str, name: str) -> dict[str, str]:
    """Return value → shown text of the options of select `name` in `form`."""
    select = re.search(rf'<select name="{name}">(.*?)</select>', form, re.S).group(1)
    return dict(re.findall(r'<option value="([^"]+)">([^<]+)</option>', select))


def test_the_export_page_names_layers_and_formats_in_chinese(client, login):
    login("gis")
    form = client.get("/export").get_data(as_text=True)
    layers, formats = options(form, "layer"), options(form, "format")
    assert layers == {
        "townships": "乡镇（面）",
        "villages": "行政村（面）",
        "natural_villages": "自然寨（面）",
        "households": "农户（点）",
        "all": "您可查看的全部图层",  # gis: no pairings or visits (#11)
    }
    assert formats["xlsx"] == "XLSX（Excel 表格，中文表头）" and formats["shp"] == "Shapefile（压缩包）"
    assert "坐标系" in form
    client.get("/lang/en")
    english = options(client.get("/export").get_data(as_text=True), "layer")
    assert english["natural_villages"] == "Natural villages (polygons)"


# --- command-line help ------------------------------------------------------------------------

CJK = re.compile(r"[\u4e00-\u9fff]")


def chinese_first(text: str) -> bool:
    """Say whether `text` has Chinese, then English (an acronym such as API may come before both)."""
    chinese, english = CJK.search(text), re.search(r"[A-Za-z]{4,}", text)
    return bool(chinese and english and chinese.start() < english.start())


def commands(group: click.Group, path=()):
    """Yield (path, command) for our commands under `group` (Flask-Migrate's `db` is not ours)."""
    for name, command in group.commands.items():
        if (*path, name) == ("db",):
            continue
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))


def test_every_command_helps_in_chinese_then_english(app):
    runner = app.test_cli_runner()
    ours = list(commands(app.cli))
    assert {" ".join(path) for path, _ in ours} >= {
        "demo",
        "users create",
        "import households",
        "export",
        "worker",
    }
    for path, command in ours:
        shown = runner.invoke(args=[*path, "--help"])
        assert shown.exit_code == 0, (path, shown.output)
        description = shown.output.split("\n\n", 1)[1].split("Options:")[0]
        assert chinese_first(description), (path, description)
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help and chinese_first(param.help), (path, param.name, param.help)
    households = runner.invoke(args=["import", "households", "--help"]).output
    assert "导入农户表" in households and "Import a household spreadsheet" in households
    assert "只导入无误的行" in households and "Import the valid rows" in households


# --- prints ---------------------------------------------------------------------------------------


def test_a_print_has_a_chinese_subtitle_and_a_metric_scale_bar(client, login, sheet_village):  # noqa: F811
    code, _, households = sheet_village
    text = pdftotext(get_pdf(login("admin"), f"/print/natural-villages/{code}.pdf").data, layout=True)
    subtitle = next(line for line in text.splitlines() if "自然寨代码" in line).strip()
    assert re.fullmatch(
        rf"民情地图 · 自然寨代码 {code} · 户数 {len(households)} · 比例尺 1:[\d,]+ · "
        r"坐标系 CGCS2000 3度带高斯-克吕格投影 中央经线 1\d\d°E（EPSG:45\d\d）",
        subtitle,
    ), subtitle
    # The scale bar: 0 … a round length in m or km; never miles, feet or yards.
    assert re.search(r"\b\d+(\.\d+)? (m|km)\b", text)
    assert not re.search(r"\b(mi|miles?|ft|feet|yd|yards?)\b", text, re.IGNORECASE)


@pytest.mark.usefixtures("app_context")
def test_an_atlas_index_page_is_subtitled_in_chinese(app, accounts, county, tmp_path):
    out = tmp_path / "atlas.pdf"
    username = accounts["admin"][0]
    result = app.test_cli_runner().invoke(
        args=["print", "atlas", cadre_village(county), "--user", username, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    index = pdftotext(out.read_bytes()).split("\f")[1]
    assert "数字为页码 · 比例尺 1:" in index and "中央经线" in index
    assert "Numbers are page numbers" not in index


# --- every page in zh-CN -------------------------------------------------------------------------

# Words a Chinese page may carry: names of formats and standards, the link to English, and the
# machine names a user types (import fields, indicator keys in a refusal that lists them).
KNOWN = {
    *("English", "PDF", "CGCS", "CSV", "Excel", "GeoJSON", "GeoPackage", "KML", "KMZ", "QGIS"),
    *("Shapefile", "XLSX", "GBK", "GCJ", "UTF", "csv", "xlsx", "CRS", "EPSG", "indicator"),
    *household_columns.FIELDS,
    *indicators.BY_KEY,
    *(f"{key}_share" for key in indicators.BY_KEY),
}


def visible_words(page: str) -> set[str]:
    """Return the Latin words a reader sees on `page` (text outside tags, scripts and styles)."""
    page = re.sub(r"(?s)<(script|style)\b[^>]*>.*?</\1>|<!--.*?-->", " ", page)
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    return set(re.findall(r"[A-Za-z][A-Za-z_]{2,}", text))


@pytest.mark.parametrize("role", ["admin", "cadre"])
def test_every_page_and_refusal_reads_in_chinese(client, login, accounts, county, role):
    township = sorted(county.admin_units.query("level == 'township'").code)[0]
    village = cadre_village(county)
    natural = sorted(county.natural_villages[county.natural_villages.village_code == village].code)[0]
    household = sorted(county.households[county.households.natural_village_code == natural].code)[0]
    outsider = county.households[county.households.natural_village_code == outside_code(county)].code.iloc[0]
    anonymous = client.get("/login").get_data(as_text=True)
    login(role)
    paths = [
        "/?indicator=dibao",  # "/" itself sends a cadre on to their villages
        "/mine",
        "/dashboard",
        f"/areas/{township}",
        f"/areas/{village}",
        f"/natural-villages/{natural}",
        f"/households/{household}",
        f"/search?q={household[:10]}",
        "/export",
        "/import",
        f"/print/townships/{township}/atlas",
        f"/households/{outsider}",
        "/areas/999999999999",
        "/?indicator=poverty",
        "/search?limit=1",
        "/nowhere",
    ]
    form = client.get("/export").get_data(as_text=True)
    queued = client.post(
        "/export", data={"csrf_token": csrf_token(form), "layer": "households", "format": "xlsx"}
    )
    paths.append(queued.location)  # the job's page, waiting for a worker
    pages = {"/login": anonymous} | {
        path: client.get(path, follow_redirects=True).get_data(as_text=True) for path in paths
    }
    assert "农户（点）" in pages[queued.location]
    # Besides: the user's name and role, and the bad values quoted back in refusals.
    allowed = KNOWN | {accounts[role][0], role, "test", "poverty", "limit"}
    untranslated = {path: visible_words(page) - allowed for path, page in pages.items()}
    assert {path: words for path, words in untranslated.items() if words} == {}


def test_ogc_refusals_follow_the_readers_language(client, login):
    login("gis")
    zh = client.get("/ogc/collections/roads/items", headers={"Accept-Language": "zh-CN"})
    assert zh.status_code == 404 and zh.json["description"] == "要素集 'roads' 不存在"
    silent = client.get("/ogc/collections/roads/items")
    assert silent.json["description"] == "collection 'roads' does not exist"


def test_an_anonymous_program_is_refused_in_its_language(client, county):
    township = sorted(county.admin_units.query("level == 'township'").code)[0]
    path = f"/api/townships/{township}/natural-villages"
    assert client.get(path).json["message"] == "Your session has expired or you are not logged in."
    chinese = client.get(path, headers={"Accept-Language": "zh-CN"})
    assert chinese.status_code == 401 and chinese.json["message"] == "会话已过期或尚未登录。"


def test_a_download_is_in_the_readers_language(client, login):
    login("gis")
    chinese = load_workbook(io.BytesIO(client.get("/export/townships.xlsx").data))
    assert chinese.sheetnames == ["乡镇"] and chinese["乡镇"]["A1"].value == "区划代码"
    client.get("/lang/en")
    english = load_workbook(io.BytesIO(client.get("/export/townships.xlsx").data))
    assert english.sheetnames == ["townships"] and english["townships"]["A1"].value == "Division code"
