"""The synthetic county generator and ID-number checks: pure, no database."""

import datetime

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from app.idnumber import check_digit, problem
from geodata.generator import AS_OF, COUNTY_CODE, PROJECTED_CRS, generate_county, main, unit_counts

HOUSEHOLDS = 20_000
SEED = 3
TOLERANCE = 0.015  # ± 1.5 percentage points on county-wide rates


@pytest.fixture(autouse=True)
def rollback():
    """Replace conftest's per-test database transaction: these tests need no database."""
    yield


@pytest.fixture(scope="module")
def county():
    return generate_county(households=HOUSEHOLDS, seed=SEED)


@pytest.fixture(scope="module")
def units(county):
    """Return the county's layers by level: county, township, village, natural village."""
    admin = county.admin_units
    return {
        "county": admin[admin.level == "county"],
        "township": admin[admin.level == "township"],
        "village": admin[admin.level == "village"],
        "natural_village": county.natural_villages.rename(columns={"village_code": "parent_code"}),
    }


# --- counts and codes ----------------------------------------------------------


@pytest.mark.parametrize(
    ("households", "expected"),
    [
        (170_000, (3500, 300, 19)),
        (20_000, (412, 35, 2)),
        (3000, (62, 5, 2)),
        (1500, (31, 3, 1)),
        (10, (1, 1, 1)),
    ],
)
def test_unit_counts_scale_with_households(households, expected):
    assert unit_counts(households=households) == expected


@pytest.mark.parametrize(
    "counts",
    [
        {"households": 100, "natural_villages": 101},
        {"households": 1000, "natural_villages": 10, "villages": 11},
        {"households": 1000, "villages": 3, "townships": 4},
        {"households": 0},
    ],
)
def test_unit_counts_reject_counts_that_cannot_nest(counts):
    with pytest.raises(ValueError):
        unit_counts(**counts)


def test_county_has_the_requested_size(county, units):
    assert len(county.households) == HOUSEHOLDS
    assert [len(units[level]) for level in units] == [1, *unit_counts(households=HOUSEHOLDS)[::-1]]
    assert units["county"].code.tolist() == [COUNTY_CODE]
    assert units["county"].parent_code.isna().all()


def test_explicit_counts_are_kept():
    small = generate_county(households=500, natural_villages=12, villages=4, townships=3, seed=1)
    assert small.admin_units.level.value_counts().to_dict() == {"county": 1, "township": 3, "village": 4}
    assert len(small.natural_villages) == 12
    assert len(small.households) == 500


@pytest.mark.parametrize(("level", "length"), [("township", 12), ("village", 12), ("natural_village", 14)])
def test_codes_are_unique_and_nested(units, level, length):
    frame = units[level]
    parent_level = {"township": "county", "village": "township", "natural_village": "village"}[level]
    parent_codes = set(units[parent_level].code)
    assert frame.code.is_unique
    assert (frame.code.str.len() == length).all()
    assert frame.code.str.isdigit().all()
    assert frame.parent_code.isin(parent_codes).all()
    prefix = {"township": 6, "village": 9, "natural_village": 12}[level]
    assert (frame.code.str[:prefix] == frame.parent_code.str[:prefix]).all()
    if level == "township":
        assert frame.code.str.endswith("000").all()
        assert frame.code.str[6:9].astype(int).min() == 100
    if level == "village":
        assert frame.code.str[9:].astype(int).min() == 201


def test_household_codes_are_unique_and_nested(county):
    households = county.households
    assert households.code.is_unique
    assert (households.code.str.len() == 17).all()
    assert (households.code.str[:14] == households.natural_village_code).all()
    assert households.natural_village_code.isin(set(county.natural_villages.code)).all()


@pytest.mark.parametrize("level", ["township", "village", "natural_village"])
def test_names_are_unique_within_parent(units, level):
    frame = units[level]
    assert not frame.duplicated(["parent_code", "name"]).any()
    suffixes = {"township": ("镇", "乡"), "village": ("村",), "natural_village": None}[level]
    if suffixes:
        assert frame.name.str.endswith(suffixes).all()
    assert (frame.name.str.len() >= 2).all()


# --- geometry -------------------------------------------------------------------


@pytest.mark.parametrize("level", ["county", "township", "village", "natural_village"])
def test_geometries_are_valid_multipolygons(units, level):
    geometry = units[level].geometry.values
    assert units[level].crs.to_epsg() == 4490
    assert shapely.is_valid(geometry).all()
    assert (shapely.get_type_id(geometry) == shapely.GeometryType.MULTIPOLYGON).all()


@pytest.mark.parametrize(
    ("children", "parents"),
    [("natural_village", "village"), ("village", "township"), ("township", "county")],
)
def test_children_tile_their_parent(units, children, parents):
    """Each parent is exactly the union of its children, and siblings never overlap."""
    child = units[children]
    for code, parent in zip(units[parents].code, units[parents].geometry, strict=True):
        union = shapely.union_all(child.geometry[child.parent_code == code].values)
        assert shapely.symmetric_difference(union, parent).area < 1e-6 * parent.area, code
    geometry = child.geometry.values
    left, right = shapely.STRtree(geometry).query(geometry, predicate="intersects")
    pairs = left < right
    overlap = shapely.area(shapely.intersection(geometry[left[pairs]], geometry[right[pairs]]))
    assert pairs.sum() >= len(geometry) - 1  # neighbours do touch
    assert overlap.sum() < 1e-9 * shapely.area(geometry).sum()


def test_county_is_one_irregular_blob_of_the_right_size(units):
    natural = unit_counts(households=HOUSEHOLDS)[0]
    county = units["county"].to_crs(PROJECTED_CRS).geometry.iloc[0]
    assert shapely.get_num_geometries(county) == 1
    assert shapely.get_num_interior_rings(county) == 0
    assert county.area == pytest.approx(natural * 2500e6 / 3500, rel=0.05)
    assert county.area < 0.85 * county.envelope.area  # not a rectangle
    centre = units["county"].geometry.iloc[0].centroid
    assert centre.x == pytest.approx(107.0, abs=0.1)
    assert centre.y == pytest.approx(26.5, abs=0.1)


def test_natural_village_polygons_are_light(units):
    vertices = shapely.get_num_coordinates(units["natural_village"].geometry.values)
    assert 6 <= np.median(vertices) <= 40
    assert vertices.max() <= 80


def test_households_lie_inside_their_natural_village(county):
    polygons = county.natural_villages.set_index("code").geometry
    inside = shapely.covers(
        polygons.loc[county.households.natural_village_code].values, county.households.geometry.values
    )
    assert inside.all()
    assert (shapely.get_type_id(county.households.geometry.values) == shapely.GeometryType.POINT).all()


def test_households_cluster_in_hamlets(county):
    """Most households have a neighbour within 150 m: hamlets, not an even scatter."""
    points = county.households.to_crs(PROJECTED_CRS).geometry.values
    tree = shapely.STRtree(points)
    left, _ = tree.query(points, predicate="dwithin", distance=150.0)
    with_neighbour = np.bincount(left, minlength=len(points)) > 1
    assert with_neighbour.mean() > 0.9


def test_households_per_natural_village_are_skewed(county):
    sizes = county.households.natural_village_code.value_counts()
    assert sizes.min() >= 5
    assert sizes.max() <= 400
    assert sizes.max() > 3 * sizes.median()


# --- people ---------------------------------------------------------------------


def test_id_numbers_are_valid_unique_and_agree_with_the_head(county):
    households = county.households
    ids = households.id_number
    assert ids.is_unique
    assert [number for number in ids if problem(number, today=AS_OF)] == []
    assert (ids.str[:6] == COUNTY_CODE[:6]).all()
    male = ids.str[16].astype(int) % 2 == 1
    assert (male == (households.head_sex == "M")).all()
    born = pd.to_datetime(ids.str[6:14], format="%Y%m%d")
    as_of = pd.Timestamp(AS_OF)
    age = as_of.year - born.dt.year - ((born.dt.month * 100 + born.dt.day) > as_of.month * 100 + as_of.day)
    assert age.between(22, 90).all()
    assert age.min() <= 25 and age.max() >= 85


def test_heads_are_mostly_men_with_chinese_names(county):
    households = county.households
    assert 0.8 < (households.head_sex == "M").mean() < 0.95
    assert households.head_name.str.len().between(2, 3).all()
    assert households.address.str.endswith("号").all()
    assert households.address.str.contains("村").all()


@pytest.mark.parametrize(
    ("indicator", "target"),
    [
        (lambda h: h.poverty_status.isin(["registered", "lifted"]), 0.15),
        (lambda h: h.poverty_status == "registered", 0.15 * 0.15),
        (lambda h: h.poverty_status == "monitored", 0.03),
        (lambda h: h.dibao, 0.08),
        (lambda h: h.wubao, 0.01),
        (lambda h: h.family_planning, 0.03),
        (lambda h: h.left_behind_children > 0, 0.10),
        (lambda h: h.left_behind_elderly, 0.12),
        (lambda h: h.empty_nest_elderly, 0.08),
        (lambda h: h.disabled_members > 0, 0.06),
        (lambda h: h.dilapidated_house, 0.02),
        (lambda h: h.migrant_workers > 0, 0.45),
    ],
    ids=[
        "poor",
        "registered",
        "monitored",
        "dibao",
        "wubao",
        "family_planning",
        "left_behind_children",
        "left_behind_elderly",
        "empty_nest_elderly",
        "disabled",
        "dilapidated_house",
        "migrant_workers",
    ],
)
def test_county_rates_are_near_targets(county, indicator, target):
    assert indicator(county.households).mean() == pytest.approx(target, abs=TOLERANCE)


def test_indicators_are_consistent(county):
    h = county.households
    assert set(h.poverty_status) == {"none", "registered", "lifted", "monitored"}
    assert h.members.between(1, 9).all()
    assert h.members.mean() == pytest.approx(3.6, abs=0.15)
    assert (h.migrant_workers < h.members).all()
    assert h.left_behind_children.between(0, 3).all()
    assert (h.migrant_workers[h.left_behind_children > 0] > 0).all()
    assert (h.disabled_members <= h.members).all()
    assert (h.members[h.wubao] == 1).mean() > 0.8
    assert not (h.wubao & h.dibao).any()
    assert h.dibao[h.poverty_status != "none"].mean() > 2 * h.dibao[h.poverty_status == "none"].mean()


def test_income_is_lower_for_poor_households(county):
    income = county.households.income_per_capita
    status = county.households.poverty_status
    assert income.median() == pytest.approx(9000, rel=0.05)
    assert income.min() > 0
    assert income[status == "registered"].median() < 0.8 * income[status == "none"].median()


def test_rates_vary_between_natural_villages(county):
    """Some hamlets are poorer: more spread than households drawn at one county-wide rate."""
    poor = county.households.poverty_status.isin(["registered", "lifted"])
    by_hamlet = poor.groupby(county.households.natural_village_code).agg(["mean", "size"])
    rate = poor.mean()
    binomial_variance = (rate * (1 - rate) / by_hamlet["size"]).mean()
    assert by_hamlet["mean"].var() > 2 * binomial_variance


# --- determinism ----------------------------------------------------------------


@pytest.fixture(scope="module")
def small():
    return generate_county(households=2000, seed=5)


@pytest.mark.parametrize("layer", ["admin_units", "natural_villages", "households"])
def test_same_seed_gives_the_same_county(small, layer):
    again = generate_county(households=2000, seed=5)
    assert_geodataframe_equal(getattr(small, layer), getattr(again, layer), check_less_precise=False)


def test_different_seed_gives_a_different_county(small):
    other = generate_county(households=2000, seed=6)
    assert not small.households.id_number.equals(other.households.id_number)
    assert not small.natural_villages.geometry.geom_equals(other.natural_villages.geometry).all()


def test_small_county_has_sibling_townships(small):
    assert (small.admin_units.level == "township").sum() >= 2


def test_command_line_writes_a_geopackage(tmp_path, capsys):
    path = tmp_path / "county.gpkg"
    main(["--households", "300", "--seed", "2", "--out", str(path)])
    assert "300 households" in capsys.readouterr().out
    assert pyogrio.list_layers(path).tolist() == [
        ["admin_units", "MultiPolygon"],
        ["natural_villages", "MultiPolygon"],
        ["households", "Point"],
    ]
    info = pyogrio.read_info(path, layer="households")
    assert info["features"] == 300
    assert info["crs"] == "EPSG:4490"


# --- ID numbers -------------------------------------------------------------------

TODAY = datetime.date(2025, 1, 1)


@pytest.mark.parametrize(
    ("first17", "expected"),
    [("11010519491231002", "X"), ("44052418800101001", "4"), ("52269919800101001", "1")],
)
def test_check_digit(first17, expected):
    assert check_digit(first17) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("11010519491231002X", None),
        ("11010519491231002x", None),  # lowercase x is accepted
        ("440524188001010014", None),
        ("44052418800101001", "18 characters expected, got 17"),
        ("4405241880010100140", "18 characters expected, got 19"),
        ("", "18 characters expected, got 0"),
        ("440524188001010013", "check digit should be 4, got 3"),
        ("11010519491231002 ", "only digits (and a final X) allowed"),
        ("4405241880A1010014", "only digits (and a final X) allowed"),
        ("X40524188001010014", "only digits (and a final X) allowed"),
        ("44052418800101001９", "only digits (and a final X) allowed"),  # full-width digit
        ("440524203013010014", "birth date 20301301 is not a date"),
        ("440524199902290014", "birth date 19990229 is not a date"),
        ("440524203001010014", "birth date 2030-01-01 is in the future"),
    ],
)
def test_problem(value, expected):
    assert problem(value, today=TODAY) == expected


def test_problem_defaults_to_today():
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    first17 = f"522699{tomorrow:%Y%m%d}001"
    assert problem(first17 + check_digit(first17)) == f"birth date {tomorrow.isoformat()} is in the future"


def test_check_digit_rejects_non_digits():
    with pytest.raises(ValueError):
        check_digit("1234")
