"""Boundary imports: CRS and encodings, layers, repairs, overlaps, and the checks that refuse misplaced
features (outside the county or their parent, swapped axes, implausible areas, replacements stranding
households) before anything is written."""

import html
import json
import zipfile

import numpy as np
import pyogrio
import pyproj
import pytest
import shapely
import shapely.affinity
from sqlalchemy import text

from app.extensions import db
from app.importers import gcj02
from app.importers.boundaries import import_boundaries

from .conftest import csrf_token


def snapshot() -> tuple:
    """Return counts and a digest of every stored unit (code, name, parent, geometry)."""
    return tuple(
        db.session.execute(
            text("""
            SELECT (SELECT count(*) FROM natural_village), (SELECT count(*) FROM admin_unit),
                   (SELECT md5(string_agg(n::text, ',' ORDER BY code)) FROM natural_village n),
                   (SELECT md5(string_agg(a::text, ',' ORDER BY code)) FROM admin_unit a)""")
        ).one()
    )


def zipped_shapefile(
    tmp_path, frame, *, keep=(".shp", ".shx", ".dbf", ".prj"), encoding="GBK", stem="自然寨"
):
    folder = tmp_path / f"shp-{stem}"
    folder.mkdir()
    pyogrio.write_dataframe(frame, folder / f"{stem}.shp", encoding=encoding)
    path = tmp_path / "boundaries.zip"
    with zipfile.ZipFile(path, "a") as archive:
        for member in folder.iterdir():
            if member.suffix.lower() in keep:
                archive.write(member, member.name)
    return path


def feature(code: str, name: str, geometry) -> dict:
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name},
        "geometry": shapely.geometry.mapping(geometry),
    }


def _geojson(tmp_path, features, name="nv.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def stored_geometry(table: str, code: str):
    wkb = db.session.execute(
        text(f"SELECT ST_AsBinary(geom) FROM {table} WHERE code = :c"), {"c": code}
    ).scalar_one()
    return shapely.from_wkb(bytes(wkb))


def households_outside(township_code: str, geometry) -> int:
    """Count a township's households that `geometry` does not cover (independently of the importer)."""
    return db.session.execute(
        text("""
        SELECT count(*) FROM household h JOIN natural_village nv ON nv.id = h.natural_village_id
        JOIN admin_unit v ON v.id = nv.village_id JOIN admin_unit t ON t.id = v.parent_id
        WHERE t.code = :code AND NOT ST_Covers(ST_GeomFromText(:wkt, 4490), h.geom)"""),
        {"code": township_code, "wkt": geometry.wkt},
    ).scalar_one()


def shifted(geometry, dx: float, dy: float):
    return shapely.affinity.translate(geometry, dx, dy)


def township(county, index=0):
    return county.admin_units.query("level == 'township'").iloc[index]


# --- reading: CRS, encodings, layers -------------------------------------------


@pytest.mark.parametrize(("written", "detected"), [("GBK", "GB18030"), ("UTF-8", "UTF-8")])
def test_a_shapefile_without_cpg_is_decoded_as_its_bytes_say(
    app_context, tmp_path, county, written, detected
):
    frame = county.natural_villages.head(5).to_crs(4545)[["code", "name", "geometry"]]
    frame = frame.rename(columns={"code": "编码", "name": "名称"}).assign(名称=lambda f: f["名称"] + "新寨")
    path = zipped_shapefile(tmp_path, frame, encoding=written)
    result = import_boundaries(path, level="natural_village")
    assert result.problems == [], result.problems
    assert [(n.column, n.value) for n in result.notes] == [("自然寨.dbf", detected)]
    assert "无 .cpg" in result.notes[0].reason_zh or "没有 .cpg" in result.notes[0].reason_zh
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


def test_a_file_without_crs_is_refused_unless_named(app_context, tmp_path, county):
    frame = county.natural_villages.head(2).to_crs(4545)[["code", "name", "geometry"]]
    path = zipped_shapefile(tmp_path, frame, keep=(".shp", ".shx", ".dbf", ".cpg"), encoding="UTF-8")
    before = snapshot()
    refused = import_boundaries(path, level="natural_village")
    assert "states no CRS" in refused.problems[0].reason and "未注明坐标系" in refused.problems[0].reason_zh
    assert snapshot() == before
    named = import_boundaries(path, level="natural_village", crs="EPSG:4545")
    assert named.problems == [] and named.unchanged + named.updated == 2


def _two_layer_file(tmp_path, county, kind):
    first = county.natural_villages.iloc[[0]][["code", "name", "geometry"]].assign(name="甲寨")
    second = county.natural_villages.iloc[[1]][["code", "name", "geometry"]].assign(name="乙寨")
    if kind == "zip":
        zipped_shapefile(tmp_path, first, encoding="UTF-8", stem="村界")
        return zipped_shapefile(tmp_path, second, encoding="UTF-8", stem="自然寨")
    path = tmp_path / "county.gpkg"
    pyogrio.write_dataframe(first, path, layer="村界")
    pyogrio.write_dataframe(second, path, layer="自然寨", append=True)
    return path


@pytest.mark.parametrize("kind", ["zip", "gpkg"])
def test_a_file_with_several_layers_is_refused_unless_one_is_named(app_context, tmp_path, county, kind):
    path = _two_layer_file(tmp_path, county, kind)
    before = snapshot()
    refused = import_boundaries(path, level="natural_village")
    assert not refused.written and snapshot() == before
    [problem] = refused.problems
    assert "2 layers: 村界, 自然寨" in problem.reason and "村界、自然寨" in problem.reason_zh
    assert "--layer" in problem.reason
    wrong = import_boundaries(path, level="natural_village", layer="乡镇")
    assert "no layer '乡镇'" in wrong.problems[0].reason and snapshot() == before
    chosen = import_boundaries(path, level="natural_village", layer="自然寨")
    assert chosen.problems == [] and chosen.layer == "自然寨" and chosen.updated == 1
    names = dict(db.session.execute(text("SELECT code, name FROM natural_village")).all())
    assert names[county.natural_villages.iloc[1].code] == "乙寨"
    assert names[county.natural_villages.iloc[0].code] == county.natural_villages.iloc[0]["name"]


def test_a_zip_that_is_not_a_zip_is_unreadable(app_context, tmp_path):
    path = tmp_path / "x.zip"
    path.write_bytes(b"PK\x03\x04 truncated")
    result = import_boundaries(path, level="village")
    assert "unreadable or truncated" in result.problems[0].reason and result.problems[0].reason_zh


@pytest.mark.parametrize(
    ("epsg", "approximate"),
    [(4545, False), (4547, False), (4490, False), (2381, True), (2433, True), (4610, True)],
)
def test_the_files_crs_is_honoured(app_context, tmp_path, county, epsg, approximate):
    """CGCS2000 zones, Xian 1980, Beijing 1954: projections undone exactly; old datums noted approximate."""
    frame = county.natural_villages.head(3)[["code", "name", "geometry"]].to_crs(epsg)
    pyogrio.write_dataframe(frame, tmp_path / "nv.gpkg", layer="自然寨")
    result = import_boundaries(tmp_path / "nv.gpkg", level="natural_village")
    assert result.problems == []
    assert pyproj.CRS(result.crs).to_epsg() == epsg
    assert [n.reason_zh.startswith("从 ") for n in result.notes] == ([True] if approximate else [])
    assert (result.updated, result.unchanged) == (0, 3)  # back where they were: nothing rewritten
    worst = db.session.execute(
        text("""SELECT max(ST_HausdorffDistance(ST_Transform(n.geom, 4545), ST_Transform(o.geom, 4545)))
                FROM natural_village n JOIN (SELECT unnest(CAST(:codes AS text[])) AS code,
                     unnest(CAST(:wkts AS text[])) AS wkt) w ON w.code = n.code
                CROSS JOIN LATERAL (SELECT ST_GeomFromText(w.wkt, 4490) AS geom) o"""),
        {"codes": list(frame.code), "wkts": [g.wkt for g in county.natural_villages.head(3).geometry]},
    ).scalar_one()
    assert worst < 0.001


# --- GCJ-02 ----------------------------------------------------------------------


def _to_gcj02(geometry):
    return shapely.transform(geometry, lambda xy: np.column_stack(gcj02.from_wgs84(xy[:, 0], xy[:, 1])))


def _amap_file(tmp_path, villages, *, renamed: str = ""):
    """Write `villages` as a GeoJSON file in GCJ-02, as AMap or Tencent give them, names plus `renamed`."""
    features = [feature(v.code, v["name"] + renamed, _to_gcj02(v.geometry)) for _, v in villages.iterrows()]
    return _geojson(tmp_path, features)


def test_gcj02_boundaries_are_converted_to_within_a_few_centimetres(app_context, tmp_path, county):
    villages = county.natural_villages.head(3)
    result = import_boundaries(_amap_file(tmp_path, villages), level="natural_village", gcj02_input=True)
    assert result.problems == [] and result.warnings == [], (result.problems, result.warnings)
    assert "GCJ-02" in [n.value for n in result.notes]
    worst = max(stored_name_and_offset(v.code, v.geometry)[1] for _, v in villages.iterrows())
    assert worst < 0.05  # metres: the inverse converges far below that; the datum note is about 4326


def test_gcj02_looking_coordinates_are_refused_with_the_conversion_suggested(app_context, tmp_path, county):
    villages = county.natural_villages.head(4)
    path = _amap_file(tmp_path, villages)
    before = snapshot()
    refused = import_boundaries(path, level="natural_village")
    assert not refused.written and refused.rejected == 4 and snapshot() == before
    [problem] = [p for p in refused.problems if "GCJ-02" in p.reason]
    offset = float(problem.value.removesuffix(" m").replace(",", ""))
    assert 450 < offset < 650  # the GCJ-02 shift near 107° E, 26.5° N is about 555 m
    assert (
        f"中位偏移 {problem.value.removesuffix(' m')} 米" in problem.reason_zh
        and "GCJ-02 转换" in problem.reason_zh
    )
    assert "--gcj02" in problem.reason and problem.file == "nv.geojson"
    # Forced, the shift is only a warning; the natural villages it pushes out of their village
    # stay refused.
    forced = import_boundaries(path, level="natural_village", force=True)
    assert [w.value for w in forced.warnings if "GCJ-02" in w.reason] == [problem.value]
    assert forced.problems and all("outside its village" in p.reason for p in forced.problems)


@pytest.mark.parametrize("drawn_on_amap", [True, False])
def test_new_natural_villages_drawn_on_gcj02_maps_are_refused(app_context, tmp_path, county, drawn_on_amap):
    """New codes, so no stored unit to compare with: their village's official outline tells."""
    village = county.natural_villages.iloc[0].village_code
    mine = county.natural_villages[county.natural_villages.village_code == village].head(5)
    outlines = [_to_gcj02(g) if drawn_on_amap else g for g in mine.geometry]
    features = [feature(f"{village}9{i}", f"新寨{i}", g) for i, g in enumerate(outlines)]
    path = _geojson(tmp_path, features)
    result = import_boundaries(path, level="natural_village")
    found = [p for p in result.problems if "GCJ-02" in p.reason]
    if not drawn_on_amap:
        assert found == [] and result.written, result.problems
        return
    [problem] = found
    drawn, converted = (float(n.rstrip("%")) for n in problem.value.split(" → "))
    assert drawn >= 1 and converted * 3 <= drawn and not result.written
    assert f"新要素按原坐标有 {drawn:.1f}% 的面积在已入库的上级单位之外" in problem.reason_zh
    assert "--gcj02" in problem.reason
    converted = import_boundaries(path, level="natural_village", gcj02_input=True)
    assert converted.problems == [] and converted.inserted == 5


def test_coordinates_as_stored_are_not_taken_for_gcj02(app_context, tmp_path, county):
    """A file nudged by a few metres, as a re-digitised boundary is, is not GCJ-02."""
    villages = county.natural_villages.head(4)
    features = [feature(v.code, v["name"], shifted(v.geometry, 0.00003, 0)) for _, v in villages.iterrows()]
    result = import_boundaries(_geojson(tmp_path, features), level="natural_village", force=True)
    assert result.problems == [] and result.written
    assert [w for w in result.warnings if "GCJ-02" in w.reason] == []


# --- placement: the cases users reported ------------------------------------------


def _prefecture(county):
    village = county.natural_villages.iloc[0]
    return [feature(village.village_code + "98", "整个地区", shapely.box(105.5, 25.5, 108.5, 27.5))]


def _township_far_away(county):
    t = township(county)
    return [feature(t.code, t["name"], shifted(t.geometry, 1.5, 0))]  # 1.5° of longitude: 149 km


def _at_the_equator(county):
    v = county.natural_villages.iloc[2]
    return [feature(v.code, v["name"], shifted(v.geometry, 0, -26.5))]


def _swapped(county):
    v = county.natural_villages.iloc[3]
    return [feature(v.code, v["name"], shapely.transform(v.geometry, lambda xy: xy[:, ::-1]))]


def _outside_its_village(county):
    """A new natural village of one village, drawn over the farthest natural village of another."""
    mine = county.natural_villages.iloc[0]
    others = county.natural_villages[county.natural_villages.village_code != mine.village_code]
    distances = others.to_crs(4545).distance(county.natural_villages.to_crs(4545).geometry.iloc[0])
    far = others.iloc[int(np.argmax(distances))]
    return [feature(mine.village_code + "97", "飞地", far.geometry)]


@pytest.mark.parametrize(
    ("level", "make", "english", "chinese"),
    [
        ("natural_village", _prefecture, "not plausible for a natural village", "不像自然寨"),
        ("natural_village", _prefecture, "of its area lies outside its village", "的面积在所属行政村"),
        ("township", _township_far_away, "lies outside the county", "不在本县范围内"),
        ("township", _township_far_away, "households outside it", "户落在其之外"),
        ("natural_village", _at_the_equator, "lies outside the county", "不在本县范围内"),
        ("natural_village", _swapped, "x and y are swapped", "坐标颠倒"),
        ("natural_village", _outside_its_village, "100.0% of its area lies outside its village", "最远超出"),
    ],
    ids=[
        "prefecture-area",
        "prefecture-parent",
        "township-150km",
        "township-stranding",
        "equator",
        "swapped",
        "11km",
    ],
)
def test_a_misplaced_boundary_is_refused_and_nothing_changes(
    app_context, tmp_path, county, level, make, english, chinese
):
    before = snapshot()
    result = import_boundaries(_geojson(tmp_path, make(county)), level=level)
    assert not result.written and result.rejected == 1
    matching = [p for p in result.problems if english in p.reason]
    assert matching, [p.reason for p in result.problems]
    assert chinese in matching[0].reason_zh and matching[0].row == 1
    assert snapshot() == before


def _on_the_edge(county, metres: float):
    """Return the natural village that moving `metres` east pushes furthest out of its village, moved."""
    villages = county.admin_units.query("level == 'village'").set_index("code").geometry
    dx = metres / (111_320 * np.cos(np.radians(26.5)))
    moved = county.natural_villages.geometry.translate(dx, 0)
    outside = [
        m.difference(villages[code]).area / m.area
        for m, code in zip(moved, county.natural_villages.village_code, strict=True)
    ]
    i = int(np.argmax(outside))
    return county.natural_villages.iloc[i], moved.iloc[i]


@pytest.mark.parametrize(("metres", "refused"), [(5, False), (80, True)])
def test_a_natural_village_on_its_villages_edge_may_be_a_few_metres_off(
    app_context, tmp_path, county, metres, refused
):
    village, moved = _on_the_edge(county, metres)
    path = _geojson(tmp_path, [feature(village.code, village["name"], moved)])
    result = import_boundaries(path, level="natural_village", force=True)
    outside = [p for p in result.problems if "outside its village" in p.reason]
    assert bool(outside) == refused and result.written != refused, result.problems
    if refused:
        share, beyond = outside[0].value.split(", ")
        assert float(share.rstrip("%")) > 5 and 70 < float(beyond.removesuffix(" m")) < 90


def test_the_township_150_km_away_names_the_households_it_would_strand(app_context, tmp_path, county):
    t = township(county)
    result = import_boundaries(_geojson(tmp_path, _township_far_away(county)), level="township")
    [stranding] = [p for p in result.problems if "households" in p.reason]
    expected = households_outside(t.code, shifted(t.geometry, 1.5, 0))
    assert (
        expected
        == db.session.execute(
            text("""SELECT count(*) FROM household h JOIN natural_village nv ON nv.id = h.natural_village_id
                JOIN admin_unit v ON v.id = nv.village_id JOIN admin_unit t ON t.id = v.parent_id
                WHERE t.code = :c"""),
            {"c": t.code},
        ).scalar_one()
    )
    assert f"would leave {expected:,} households outside it" in stranding.reason
    assert f"{expected:,} 户落在其之外" in stranding.reason_zh
    assert stored_geometry("admin_unit", t.code).equals(t.geometry)


def test_a_replacement_stranding_households_is_done_only_when_forced(app_context, tmp_path, county):
    t = township(county)
    smaller = t.geometry.buffer(-0.004)
    features = [feature(t.code, t["name"], smaller)]
    before = snapshot()
    refused = import_boundaries(_geojson(tmp_path, features), level="township")
    expected = households_outside(t.code, smaller)
    assert expected > 0 and not refused.written and snapshot() == before
    [problem] = refused.problems
    assert f"{expected:,} households outside it" in problem.reason and "--force" in problem.reason
    assert "villages outside it" in problem.reason  # its edge villages no longer fit inside
    assert "仍然替换" in problem.reason_zh
    forced = import_boundaries(_geojson(tmp_path, features), level="township", force=True)
    assert forced.problems == [] and forced.written and forced.updated == 1
    [warning] = [w for w in forced.warnings if "forced" in w.reason]
    assert f"{expected:,} households outside it" in warning.reason and "强制替换" in warning.reason_zh
    assert stored_geometry("admin_unit", t.code).equals_exact(shapely.MultiPolygon([smaller]), 1e-12)


def test_a_file_with_parents_checks_its_children_against_them(app_context, tmp_path, county):
    village = county.admin_units.query("level == 'village'").iloc[0]
    children = county.natural_villages[county.natural_villages.village_code == village.code]
    as_is = [feature(village.code, village["name"], village.geometry)]
    as_is += [feature(c.code, c["name"], c.geometry) for _, c in children.iterrows()]
    accepted = import_boundaries(_geojson(tmp_path, as_is), level="natural_village")
    assert accepted.problems == [] and accepted.written
    assert accepted.unchanged == len(children) + 1
    assert "also holds 1 village features" in accepted.notes[-1].reason
    # The village moves 1 km north in the file and its natural villages do not: they lie outside the
    # staged village (feature 1), though the stored one still holds them.
    moved = [feature(village.code, village["name"], shifted(village.geometry, 0, 0.009)), *as_is[1:]]
    before = snapshot()
    refused = import_boundaries(
        _geojson(tmp_path, moved, "moved.geojson"), level="natural_village", force=True
    )
    outside = [p for p in refused.problems if "outside its village" in p.reason]
    assert outside and all("(feature 1 of this file)" in p.reason for p in outside)
    assert "本文件第 1 个要素" in outside[0].reason_zh
    assert not refused.written and snapshot() == before


# --- repairs, overlaps, bad features ------------------------------------------------


def test_a_phone_kml_adds_a_natural_village(app_context, tmp_path, county):
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


def _bowtie(village):
    x0, y0, x1, y1 = village.geometry.bounds
    return shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1), (x0, y0)])


def test_a_self_intersecting_polygon_is_repaired_and_reported(app_context, tmp_path, county):
    village = county.natural_villages.iloc[1]
    features = [feature(village.code, village["name"], _bowtie(village))]
    result = import_boundaries(_geojson(tmp_path, features), level="natural_village", force=True)
    assert result.problems == []
    assert [(p.row, p.reason, p.reason_zh) for p in result.repaired] == [
        (1, "invalid polygon repaired", "无效多边形已修复")
    ]
    assert "Self-intersection" in result.repaired[0].value
    # The bow tie covers less than the natural village did: forced, the households left out are named.
    [warning] = result.warnings
    assert "households outside every natural village" in warning.reason
    valid = db.session.execute(
        text("SELECT ST_IsValid(geom) FROM natural_village WHERE code = :c"), {"c": village.code}
    ).scalar_one()
    assert valid and result.updated == 1


def test_overlapping_siblings_and_gaps_are_reported_with_their_area(app_context, tmp_path, county):
    first, second = county.natural_villages.iloc[0], county.natural_villages.iloc[1]
    assert first.village_code == second.village_code
    grown, shrunk = first.geometry.union(second.geometry.buffer(-0.0005)), second.geometry.buffer(-0.001)
    features = [feature(first.code, first["name"], grown), feature(second.code, second["name"], shrunk)]
    result = import_boundaries(_geojson(tmp_path, features), level="natural_village", force=True)
    assert result.problems == [], result.problems
    pairs = {(o["a_code"], o["b_code"]): o["area_m2"] for o in result.overlaps}
    assert pairs[(first.code, second.code)] > 100
    assert all(area > 1 for area in pairs.values())
    # The shrunk natural village leaves a gap in its village.
    assert [g["parent_code"] for g in result.gaps] == [first.village_code]
    assert result.gaps[0]["area_m2"] > 100


def test_bad_features_are_rejected_and_nothing_is_written(app_context, tmp_path, county):
    village = county.natural_villages.iloc[0]
    features = [
        feature("123", "坏", village.geometry),
        feature("99999999999901", "孤", village.geometry),
        {
            "type": "Feature",
            "properties": {"code": village.code, "name": "点"},
            "geometry": {"type": "Point", "coordinates": [107, 26.5]},
        },
        {"type": "Feature", "properties": {"code": None, "name": None}, "geometry": None},
    ]
    before = snapshot()
    result = import_boundaries(_geojson(tmp_path, features), level="natural_village")
    reasons = {(p.row, p.reason) for p in result.problems}
    assert (1, "a 14-digit natural village code expected (or the 12-digit code of its village)") in reasons
    assert (2, "no village 999999999999 to belong to") in reasons
    assert (3, "a polygon expected") in reasons
    assert {(4, "no name"), (4, "no geometry")} <= reasons
    assert all(p.reason_zh for p in result.problems)
    assert not result.written and snapshot() == before


def test_an_empty_layer_is_refused(app_context, tmp_path):
    result = import_boundaries(_geojson(tmp_path, []), level="village")
    [problem] = result.problems
    assert (problem.reason, problem.reason_zh) == ("the layer holds no features", "图层中没有要素")


def test_codes_stored_as_numbers_in_the_dbf_are_read_as_codes(app_context, tmp_path, county):
    frame = county.natural_villages.head(2)[["code", "name", "geometry"]].assign(
        code=lambda f: f["code"].astype("float64"), name=lambda f: f["name"] + "改"
    )
    result = import_boundaries(zipped_shapefile(tmp_path, frame, encoding="UTF-8"), level="natural_village")
    assert result.problems == [] and result.updated == 2


def test_valid_only_imports_the_acceptable_features(app_context, tmp_path, county):
    ok, far = county.natural_villages.iloc[4], county.natural_villages.iloc[5]
    features = [
        feature(ok.code, "好寨", ok.geometry),
        feature(far.code, far["name"], shifted(far.geometry, 0, -26.5)),
    ]
    result = import_boundaries(_geojson(tmp_path, features), level="natural_village", valid_only=True)
    assert result.written and result.rejected == 1 and result.updated == 1
    assert {p.row for p in result.problems} == {2}
    assert stored_geometry("natural_village", far.code).equals(far.geometry)


# --- the command and the page ---------------------------------------------------------


def test_the_boundaries_command_speaks_chinese_first(app_context, app, tmp_path, county):
    village = county.natural_villages.iloc[1]
    path = _geojson(
        tmp_path,
        [
            {
                **feature(village.code, "改", _bowtie(village)),
                "properties": {"编码": village.code, "名称": "改"},
            }
        ],
    )
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["import", "boundaries", str(path), "--level", "natural_village"])
    assert refused.exit_code == 1, refused.output
    assert "拒绝 Rejected: 要素 feature 1 geometry" in refused.output
    assert "户落在任何自然寨之外" in refused.output and "    replacing natural village" in refused.output
    assert "未导入 Nothing imported" in refused.output
    ok = runner.invoke(args=["import", "boundaries", str(path), "--level", "natural_village", "--force"])
    assert ok.exit_code == 0, ok.output
    assert "修复 Repaired: 要素 feature 1 geometry" in ok.output and "无效多边形已修复" in ok.output
    assert "警告 Warning" in ok.output and "1 更新 updated" in ok.output
    frame = county.natural_villages.head(1).to_crs(4545)[["code", "name", "geometry"]]
    shapefile = zipped_shapefile(tmp_path, frame, keep=(".shp", ".shx", ".dbf"), encoding="UTF-8")
    no_crs = runner.invoke(args=["import", "boundaries", str(shapefile), "--level", "natural_village"])
    assert no_crs.exit_code == 1 and "未注明坐标系" in no_crs.output and "states no CRS" in no_crs.output


def test_the_command_chooses_a_layer_and_converts_gcj02(app_context, app, tmp_path, county):
    runner = app.test_cli_runner()
    command = ["import", "boundaries", "--level", "natural_village"]
    layers = _two_layer_file(tmp_path, county, "gpkg")
    refused = runner.invoke(args=[*command, str(layers)])
    assert refused.exit_code == 1 and "文件含 2 个图层：村界、自然寨" in refused.output
    chosen = runner.invoke(args=[*command, str(layers), "--layer", "自然寨"])
    assert chosen.exit_code == 0 and "1 更新 updated" in chosen.output, chosen.output
    villages = county.natural_villages.iloc[2:6]
    amap = _amap_file(tmp_path, villages)
    shifted_refused = runner.invoke(args=[*command, str(amap)])
    assert shifted_refused.exit_code == 1 and "坐标疑似 GCJ-02" in shifted_refused.output
    assert "未导入 Nothing imported" in shifted_refused.output
    converted = runner.invoke(args=[*command, str(amap), "--gcj02"])
    assert converted.exit_code == 0 and "已从 GCJ-02 转换" in converted.output, converted.output
    assert max(stored_name_and_offset(v.code, v.geometry)[1] for _, v in villages.iterrows()) < 0.05


def _post(client, path, name: str, **options):
    """Send a boundary file from the /import page's boundary form, as a browser does."""
    form = client.get("/import").get_data(as_text=True)
    with open(path, "rb") as f:
        data = {"csrf_token": csrf_token(form), "file": (f, name), "level": "natural_village", **options}
        return client.post("/import/boundaries", data=data, content_type="multipart/form-data")


def test_the_page_refuses_a_misplaced_boundary_in_chinese(app, client, login, tmp_path, county):
    """No app context stays pushed here: each request gets its own, as in production."""
    login("admin")
    form = client.get("/import").get_data(as_text=True)
    assert 'name="layer"' in form and 'name="gcj02"' in form and 'name="force"' in form
    assert "仍然替换" in form
    with app.app_context():
        before = snapshot()
    response = _post(client, _geojson(tmp_path, _swapped(county)), "自然寨.geojson")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "未导入" in body and "x、y 坐标颠倒" in body and "Swap X and Y coordinates" in body
    with app.app_context():
        assert snapshot() == before


def test_the_page_lists_the_layers_and_imports_the_one_chosen(app, client, login, tmp_path, county):
    login("admin")
    path = _two_layer_file(tmp_path, county, "gpkg")
    with app.app_context():
        before = snapshot()
    refused = _post(client, path, "县界.gpkg")
    body = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 422 and "未导入" in body
    assert "文件含 2 个图层：村界、自然寨" in body and "“图层”栏" in body
    with app.app_context():
        assert snapshot() == before
    chosen = _post(client, path, "县界.gpkg", layer="自然寨")
    assert chosen.status_code == 200 and "1 更新" in chosen.get_data(as_text=True)
    with app.app_context():
        names = dict(db.session.execute(text("SELECT code, name FROM natural_village")).all())
    assert names[county.natural_villages.iloc[1].code] == "乙寨"
    assert names[county.natural_villages.iloc[0].code] == county.natural_villages.iloc[0]["name"]


def test_the_page_refuses_gcj02_looking_coordinates_and_converts_them_when_asked(
    app, client, login, tmp_path, county
):
    login("admin")
    villages = county.natural_villages.head(4)
    path = _amap_file(tmp_path, villages, renamed="新")
    refused = _post(client, path, "高德.geojson")
    body = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 422 and "坐标疑似 GCJ-02" in body and "请勾选 GCJ-02 转换" in body
    converted = _post(client, path, "高德.geojson", gcj02="1")
    body = html.unescape(converted.get_data(as_text=True))
    assert converted.status_code == 200 and "4 更新" in body, body
    assert "所有坐标点已从 GCJ-02 转换" in body
    with app.app_context():
        for _, v in villages.iterrows():
            assert stored_name_and_offset(v.code, v.geometry) == (
                v["name"] + "新",
                pytest.approx(0, abs=0.05),
            )


def stored_name_and_offset(code: str, geometry) -> tuple[str, float]:
    """Return a stored natural village's name and how far (m) its outline is from `geometry`."""
    return tuple(
        db.session.execute(
            text("""SELECT name, ST_HausdorffDistance(ST_Transform(geom, 4545),
                                                      ST_Transform(ST_GeomFromText(:wkt, 4490), 4545))
                    FROM natural_village WHERE code = :code"""),
            {"wkt": geometry.wkt, "code": code},
        ).one()
    )
