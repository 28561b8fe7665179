"""Boundary imports: GBK Shapefile in a Gauss-Kruger zone, phone KML, repairs, missing CRS, overlaps."""

import json
import zipfile

import pyogrio
import pyproj
import pytest
import shapely
from sqlalchemy import text

from app.extensions import db
from app.importers.boundaries import import_boundaries

pytestmark = pytest.mark.usefixtures("app_context")


def snapshot() -> tuple:
    return tuple(
        db.session.execute(
            text("SELECT count(*), md5(string_agg(n::text, ',' ORDER BY code)) FROM natural_village n")
        ).one()
    )


def zipped_shapefile(tmp_path, frame, *, keep=(".shp", ".shx", ".dbf", ".prj"), encoding="GBK"):
    folder = tmp_path / "shp"
    folder.mkdir()
    pyogrio.write_dataframe(frame, folder / "自然寨.shp", encoding=encoding)
    path = tmp_path / "boundaries.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for member in folder.iterdir():
            if member.suffix.lower() in keep:
                archive.write(member, member.name)
    return path


def test_a_gbk_shapefile_in_a_gauss_kruger_zone_without_cpg(tmp_path, county):
    frame = county.natural_villages.head(5).to_crs(4545)[["code", "name", "geometry"]]
    frame = frame.rename(columns={"code": "编码", "name": "名称"}).assign(名称=lambda f: f["名称"] + "新")
    path = zipped_shapefile(tmp_path, frame)
    result = import_boundaries(path, level="natural_village")
    assert result.problems == [], result.problems
    assert result.crs == "EPSG:4545"
    assert result.written and result.inserted == 0 and result.updated == 5
    stored = dict(
        db.session.execute(
            text("SELECT code, name FROM natural_village WHERE code = ANY(:c)"), {"c": list(frame["编码"])}
        ).all()
    )
    assert stored == dict(zip(frame["编码"], frame["名称"], strict=True))
    # Reprojected back to EPSG:4490 to well under a millimetre.
    distance = db.session.execute(
        text("""SELECT max(ST_HausdorffDistance(ST_Transform(n.geom, 4545), ST_GeomFromText(:wkt, 4545)))
                FROM natural_village n WHERE n.code = :code"""),
        {"wkt": frame.geometry.iloc[0].wkt, "code": frame["编码"].iloc[0]},
    ).scalar_one()
    assert distance < 0.001


def test_a_file_without_crs_is_refused_unless_named(tmp_path, county):
    frame = county.natural_villages.head(2).to_crs(4545)[["code", "name", "geometry"]]
    path = zipped_shapefile(tmp_path, frame, keep=(".shp", ".shx", ".dbf", ".cpg"), encoding="UTF-8")
    before = snapshot()
    refused = import_boundaries(path, level="natural_village")
    assert "states no CRS" in refused.problems[0].reason
    assert snapshot() == before
    named = import_boundaries(path, level="natural_village", crs="EPSG:4545")
    assert named.problems == [] and named.unchanged + named.updated == 2


def test_a_phone_kml_adds_a_natural_village(tmp_path, county):
    village = county.natural_villages.iloc[0]
    inner = village.geometry.representative_point().buffer(0.0005, 4)
    coordinates = " ".join(f"{x},{y},1032.5" for x, y in inner.exterior.coords)
    code = village.village_code + "99"
    (tmp_path / "walk.kml").write_text(
        f"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>两步路轨迹</name>
<Placemark><name>新寨</name><ExtendedData><Data name="code"><value>{code}</value></Data></ExtendedData>
<Polygon><outerBoundaryIs><LinearRing><coordinates>{coordinates}</coordinates></LinearRing></outerBoundaryIs></Polygon>
</Placemark></Document></kml>""",
        encoding="utf-8",
    )
    result = import_boundaries(tmp_path / "walk.kml", level="natural_village")
    assert result.problems == [] and result.inserted == 1
    # It lies inside a stored natural village of the same village: reported with the shared area.
    assert [(o["a"], o["b"], o["b_code"]) for o in result.overlaps] == [(1, None, village.code)]
    assert 5_000 < result.overlaps[0]["area_m2"] < 10_000
    assert (
        db.session.execute(text("SELECT name FROM natural_village WHERE code = :c"), {"c": code}).scalar_one()
        == "新寨"
    )


def _geojson(tmp_path, features):
    path = tmp_path / "nv.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def test_a_self_intersecting_polygon_is_repaired_and_reported(tmp_path, county):
    village = county.natural_villages.iloc[1]
    x0, y0, x1, y1 = village.geometry.bounds
    bowtie = {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y1], [x1, y0], [x0, y1], [x0, y0]]]}
    feature = {
        "type": "Feature",
        "properties": {"code": village.code, "name": village["name"]},
        "geometry": bowtie,
    }
    result = import_boundaries(_geojson(tmp_path, [feature]), level="natural_village")
    assert result.problems == []
    assert [(p.row, p.reason) for p in result.repaired] == [(1, "invalid polygon repaired")]
    assert "Self-intersection" in result.repaired[0].value
    valid = db.session.execute(
        text("SELECT ST_IsValid(geom) FROM natural_village WHERE code = :c"), {"c": village.code}
    ).scalar_one()
    assert valid and result.updated == 1


def test_overlapping_siblings_are_reported_with_their_area(tmp_path, county):
    first, second = county.natural_villages.iloc[0], county.natural_villages.iloc[1]
    assert first.village_code == second.village_code
    grown, shrunk = first.geometry.buffer(0.002), second.geometry.buffer(-0.001)
    features = [
        {
            "type": "Feature",
            "properties": {"code": first.code, "name": first["name"]},
            "geometry": shapely.geometry.mapping(grown),
        },
        {
            "type": "Feature",
            "properties": {"code": second.code, "name": second["name"]},
            "geometry": shapely.geometry.mapping(shrunk),
        },
    ]
    result = import_boundaries(_geojson(tmp_path, features), level="natural_village")
    pairs = {(o["a_code"], o["b_code"]): o["area_m2"] for o in result.overlaps}
    assert pairs[(first.code, second.code)] > 100
    assert all(area > 1 for area in pairs.values())
    # The shrunk natural village leaves a gap in its village.
    assert [g["parent_code"] for g in result.gaps] == [first.village_code]
    assert result.gaps[0]["area_m2"] > 100


def test_bad_features_are_rejected_and_nothing_is_written(tmp_path, county):
    village = county.natural_villages.iloc[0]
    features = [
        {
            "type": "Feature",
            "properties": {"code": "123", "name": "坏"},
            "geometry": shapely.geometry.mapping(village.geometry),
        },
        {
            "type": "Feature",
            "properties": {"code": "99999999999901", "name": "孤"},
            "geometry": shapely.geometry.mapping(village.geometry),
        },
        {
            "type": "Feature",
            "properties": {"code": village.code, "name": "点"},
            "geometry": {"type": "Point", "coordinates": [107, 26.5]},
        },
    ]
    before = snapshot()
    result = import_boundaries(_geojson(tmp_path, features), level="natural_village")
    reasons = {(p.row, p.reason) for p in result.problems}
    assert (1, "14 digits expected") in reasons
    assert (2, "no village 999999999999 to belong to") in reasons
    assert (3, "a polygon expected") in reasons
    assert not result.written and snapshot() == before


def test_a_zip_that_is_not_a_zip_is_unreadable(tmp_path):
    path = tmp_path / "x.zip"
    path.write_bytes(b"PK\x03\x04 truncated")
    result = import_boundaries(path, level="village")
    assert "unreadable or truncated" in result.problems[0].reason


def test_the_boundaries_command_reports_repairs_and_refusals(app, tmp_path, county):
    village = county.natural_villages.iloc[1]
    x0, y0, x1, y1 = village.geometry.bounds
    bowtie = {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y1], [x1, y0], [x0, y1], [x0, y0]]]}
    feature = {"type": "Feature", "properties": {"编码": village.code, "名称": "改"}, "geometry": bowtie}
    runner = app.test_cli_runner()
    ok = runner.invoke(
        args=["import", "boundaries", str(_geojson(tmp_path, [feature])), "--level", "natural_village"]
    )
    assert ok.exit_code == 0, ok.output
    assert "Repaired: feature 1 geometry" in ok.output and "1 updated" in ok.output
    frame = county.natural_villages.head(1).to_crs(4545)[["code", "name", "geometry"]]
    path = zipped_shapefile(tmp_path, frame, keep=(".shp", ".shx", ".dbf"), encoding="UTF-8")
    refused = runner.invoke(args=["import", "boundaries", str(path), "--level", "natural_village"])
    assert refused.exit_code == 1 and "states no CRS" in refused.output


@pytest.mark.parametrize(
    ("epsg", "approximate"),
    [(4545, False), (4547, False), (4490, False), (2381, True), (2433, True), (4610, True)],
)
def test_the_files_crs_is_honoured(tmp_path, county, epsg, approximate):
    """CGCS2000 zones, Xian 1980, Beijing 1954: projections undone exactly; old datums noted approximate."""
    frame = county.natural_villages.head(3)[["code", "name", "geometry"]].to_crs(epsg)
    pyogrio.write_dataframe(frame, tmp_path / "nv.gpkg", layer="自然寨")
    result = import_boundaries(tmp_path / "nv.gpkg", level="natural_village")
    assert result.problems == []
    assert pyproj.CRS(result.crs).to_epsg() == epsg
    assert bool(result.notes) is approximate
    assert result.updated + result.unchanged == 3
    worst = db.session.execute(
        text("""SELECT max(ST_HausdorffDistance(ST_Transform(n.geom, 4545), ST_Transform(o.geom, 4545)))
                FROM natural_village n JOIN (SELECT unnest(CAST(:codes AS text[])) AS code,
                     unnest(CAST(:wkts AS text[])) AS wkt) w ON w.code = n.code
                CROSS JOIN LATERAL (SELECT ST_GeomFromText(w.wkt, 4490) AS geom) o"""),
        {"codes": list(frame.code), "wkts": [g.wkt for g in county.natural_villages.head(3).geometry]},
    ).scalar_one()
    assert worst < 0.001
