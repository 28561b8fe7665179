"""Generate a synthetic Guizhou county: administrative units, natural villages and households.

Everything here is invented: the county code 522699 is unassigned, names are
drawn from pools of common characters and surnames, and ID numbers are
well-formed but belong to nobody. The same arguments always give the same
county (`numpy.random.default_rng(seed)` is the only source of randomness).

Geometry is built once as a planar partition, so units nest exactly: one
Voronoi diagram of natural-village seeds; the cells whose seeds fall inside a
blob are the county's natural villages; each cell edge is bent once, shared
by both neighbours; villages and townships are unions of whole cells.

Run ``python -m geodata.generator --households 170000 --seed 7 --out county.gpkg``
to write the three layers to a GeoPackage.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import heapq
import itertools
import math
import pathlib
from collections.abc import Callable, Sequence

import geopandas
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely

from app.idnumber import check_digit

__all__ = [
    "AS_OF",
    "COUNTY_CODE",
    "CRS",
    "MEDIAN_INCOME",
    "PROJECTED_CRS",
    "RATES",
    "County",
    "generate_county",
    "main",
    "unit_counts",
    "write_geopackage",
]

CRS = "EPSG:4490"  # CGCS2000 longitude/latitude, as stored in PostGIS
PROJECTED_CRS = "EPSG:4545"  # CGCS2000 / 3-degree Gauss-Kruger CM 108E, metres
CENTRE = (107.0, 26.5)  # lon, lat of the county seat region
AS_OF = datetime.date(2025, 6, 30)  # ages are as of this day, so output never depends on today
COUNTY_CODE = "522699000000"
COUNTY_NAME = "民情县"
LAYERS = ("admin_units", "natural_villages", "households")

# The full-scale county every default is a fraction of.
FULL_HOUSEHOLDS = 170_000
FULL_NATURAL_VILLAGES = 3_500
FULL_VILLAGES = 300
FULL_TOWNSHIPS = 19
CELL_AREA = 2_500e6 / FULL_NATURAL_VILLAGES  # m² per natural village (2,500 km² at full scale)

# County-wide shares of households (poverty shares are of all households).
RATES = {
    "poor": 0.15,  # poverty_status 'registered' or 'lifted'
    "registered_of_poor": 0.15,  # of those, still 'registered'
    "monitored": 0.03,
    "dibao": 0.08,
    "wubao": 0.01,
    "family_planning": 0.03,
    "left_behind_children": 0.10,
    "left_behind_elderly": 0.12,
    "empty_nest_elderly": 0.08,
    "disabled": 0.06,
    "dilapidated_house": 0.02,
    "migrant_workers": 0.45,
}
MEDIAN_INCOME = 9_000  # yuan per person per year

# Code capacity: township 100-999, village 201-999, natural village 01-99, household 001-999.
MAX_TOWNSHIPS = 900
MAX_VILLAGES_PER_TOWNSHIP = 799
MAX_NATURAL_VILLAGES_PER_VILLAGE = 99
MAX_HOUSEHOLDS_PER_NATURAL_VILLAGE = 999

# --- name pools (common in Guizhou place names and among its Han, Miao and Dong families) ---
PLACE_FIRST = "龙石岩青白黄红金银凤马牛羊桃杉竹松茶大小高平安和兴民新老东西南北中长双三"
PLACE_SECOND = "坪溪河坡寨冲坝田塘林山桥水湾洞沟井口头岭场关堡屯庄阳丰乐江源滩"
HAMLET_DIRECTION = "上下中大小新老高后前"
HAMLET_LANDFORM = "岩坡田坝塘冲沟湾坪山水桥林井洞坳"
HAMLET_POSITION = "脚头上下边口背坎"
HAMLET_ADJECTIVE = "大小新老高长平"
HAMLET_FAMILY_PLACE = "寨湾坝院冲"
SURNAMES = {
    "杨": 9, "吴": 7, "王": 6, "龙": 5, "张": 5, "李": 5, "石": 4, "陈": 4, "刘": 4,
    "罗": 3, "潘": 3, "黄": 3, "赵": 2, "周": 2, "胡": 2, "田": 2, "韦": 2, "蒙": 1.5,
    "杜": 1.5, "何": 1.5, "姚": 1, "万": 1, "欧": 1, "雷": 1, "邓": 1, "孙": 1, "徐": 1,
    "宋": 1, "唐": 1, "余": 1, "梁": 1, "谢": 1, "向": 1, "蒋": 1, "袁": 1, "邰": 0.8,
    "麻": 0.5, "滚": 0.5, "顾": 0.5,
}  # fmt: skip
GIVEN_MALE = "明华国军强勇平刚文志建伟林成海忠富贵发荣德光永兴学福祥昌金开正云才树生元洪绍世安江山东"
GIVEN_FEMALE = "英芳秀兰梅花珍丽琴凤霞燕玉翠萍娟妹群香莲桂美艳红菊春芬"

_SURNAME_CHARS = np.array(list(SURNAMES))
_SURNAME_P = np.array(list(SURNAMES.values())) / sum(SURNAMES.values())
_MEMBERS_P = np.array([0.12, 0.18, 0.20, 0.22, 0.14, 0.08, 0.035, 0.015, 0.01])  # 1..9, mean 3.6

_TO_METRES = pyproj.Transformer.from_crs(CRS, PROJECTED_CRS, always_xy=True)
_TO_LONLAT = pyproj.Transformer.from_crs(PROJECTED_CRS, CRS, always_xy=True)


@dataclasses.dataclass(frozen=True)
class County:
    """A generated county: three GeoDataFrames in EPSG:4490 (longitude, latitude).

    Attributes
    ----------
    admin_units : geopandas.GeoDataFrame
        One county, its townships and administrative villages: ``code``,
        ``name``, ``level``, ``parent_code``, MultiPolygon ``geometry``.
    natural_villages : geopandas.GeoDataFrame
        ``code``, ``name``, ``village_code``, MultiPolygon ``geometry``.
    households : geopandas.GeoDataFrame
        One row per household with its head, indicators and Point ``geometry``.
    """

    admin_units: geopandas.GeoDataFrame
    natural_villages: geopandas.GeoDataFrame
    households: geopandas.GeoDataFrame


@dataclasses.dataclass(frozen=True)
class _Cells:
    """Natural-village cells of one planar partition, before sorting into code order."""

    polygons: np.ndarray  # shapely Polygons, lon/lat
    centroids: np.ndarray  # (n, 2) metres
    areas: np.ndarray  # m²
    pairs: np.ndarray  # (m, 2) indices of cells sharing an edge


# --- counts -------------------------------------------------------------------


def unit_counts(
    *,
    households: int,
    natural_villages: int | None = None,
    villages: int | None = None,
    townships: int | None = None,
) -> tuple[int, int, int]:
    """Return (natural villages, villages, townships), scaling missing ones from the full-scale county.

    Parameters
    ----------
    households : int
        Households in the county.
    natural_villages, villages, townships : int, optional
        Counts to keep as given; None derives them from the one below
        (households per natural village, and so on, as at full scale).

    Returns
    -------
    tuple of int
        The three counts, each level at least one per parent.

    Raises
    ------
    ValueError
        If given counts cannot nest, or codes would run out of digits.
    """
    n_natural = natural_villages or max(1, round(households * FULL_NATURAL_VILLAGES / FULL_HOUSEHOLDS))
    n_villages = villages or max(1, round(n_natural * FULL_VILLAGES / FULL_NATURAL_VILLAGES))
    n_townships = townships or max(1, round(n_villages * FULL_TOWNSHIPS / FULL_VILLAGES))
    if townships is None and households >= 2000:
        n_townships = max(n_townships, 2)  # so even small counties have sibling townships
    # Derived counts give way to given ones rather than contradict them.
    if villages is None:
        n_villages = max(n_villages, n_townships, math.ceil(n_natural / 40))
    if natural_villages is None:
        n_natural = min(max(n_natural, n_villages), households)
    problems = [
        f"{name} must be at least 1, got {value}"
        for name, value in (
            ("households", households),
            ("natural_villages", n_natural),
            ("villages", n_villages),
            ("townships", n_townships),
        )
        if value < 1
    ]
    if not problems:
        if n_natural > households:
            problems.append(f"{n_natural} natural villages need at least as many households")
        if n_villages > n_natural:
            problems.append(f"{n_villages} villages need at least as many natural villages")
        if n_townships > n_villages:
            problems.append(f"{n_townships} townships need at least as many villages")
        if n_townships > MAX_TOWNSHIPS:
            problems.append(f"at most {MAX_TOWNSHIPS} townships fit in the codes")
        if households > MAX_HOUSEHOLDS_PER_NATURAL_VILLAGE * n_natural:
            problems.append(f"at most {MAX_HOUSEHOLDS_PER_NATURAL_VILLAGE} households per natural village")
        if n_natural > 40 * n_villages:
            problems.append("more than 40 natural villages per village on average; ask for more villages")
    if problems:
        raise ValueError("; ".join(problems))
    return n_natural, n_villages, n_townships


# --- the partition ------------------------------------------------------------


def _blob(rng: np.random.Generator, area: float) -> Callable[[np.ndarray], np.ndarray]:
    """Return r(theta) of an irregular star-shaped outline of `area` m² around the origin."""
    # A few low harmonics of log-radius: lobes and bays, never a self-crossing outline.
    k = np.arange(2, 9)
    amplitude = rng.normal(0.0, 0.3 / k)
    phase = rng.uniform(0.0, 2 * np.pi, k.size)

    def shape(theta: np.ndarray) -> np.ndarray:
        return np.exp(np.cos(np.multiply.outer(theta, k) + phase) @ amplitude)

    theta = np.linspace(0.0, 2 * np.pi, 1440, endpoint=False)
    unit_area = np.pi * np.mean(shape(theta) ** 2)  # (1/2) ∫ r² dθ
    scale = math.sqrt(area / unit_area)
    return lambda t: scale * shape(t)


def _voronoi(points: np.ndarray, box: shapely.Polygon) -> np.ndarray:
    """Return the Voronoi cell of each point, in input order; cells near the edge reach past `box`."""
    diagram = shapely.voronoi_polygons(shapely.multipoints(points), extend_to=box, ordered=True)
    return shapely.get_parts(diagram)


def _seed_cells(rng: np.random.Generator, count: int) -> np.ndarray:
    """Return `count` Voronoi cells (metres, EPSG:4545) forming a blob-shaped county.

    Seeds are spread evenly over a box larger than the blob; the `count`
    seeds nearest the centre, relative to the blob's radius in their
    direction, become the county. Their cells never touch the box, so all
    their vertices are Voronoi vertices shared exactly with their neighbours.
    """
    radius = _blob(rng, count * CELL_AREA)
    spacing = math.sqrt(CELL_AREA)
    theta = np.linspace(0.0, 2 * np.pi, 720, endpoint=False)
    outline = radius(theta)[:, None] * np.column_stack([np.cos(theta), np.sin(theta)])
    low, high = outline.min(axis=0) - 4 * spacing, outline.max(axis=0) + 4 * spacing
    centre = np.column_stack(_TO_METRES.transform(*CENTRE))[0]
    box = shapely.box(*(low + centre), *(high + centre))
    points = centre + rng.uniform(low, high, size=(round(box.area / CELL_AREA), 2))
    for _ in range(2):  # Lloyd relaxation: even spacing, still irregular
        points = shapely.get_coordinates(shapely.centroid(shapely.intersection(_voronoi(points, box), box)))
    offset = points - centre
    rho = np.hypot(*offset.T) / radius(np.arctan2(offset[:, 1], offset[:, 0]))
    chosen = np.argsort(rho, kind="stable")[:count]
    cells = _voronoi(points, box)[chosen]
    if not shapely.within(cells, box).all():
        raise RuntimeError("county reaches the edge of the seed box")  # margin too small: a bug
    return cells


def _edges(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split cell rings into edges shared by neighbouring cells.

    Returns
    -------
    vertices : (v, 2) array
        Distinct vertex coordinates.
    segment_cell, segment_start, segment_end, segment_edge : arrays
        For each ring segment, in ring order: its cell, its start and end
        vertex, and its edge, an unordered vertex pair met once on the
        county boundary and twice inside.
    """
    coords, cell = shapely.get_coordinates(shapely.get_exterior_ring(cells), return_index=True)
    closing = np.r_[cell[1:] != cell[:-1], True]  # each ring repeats its first vertex last
    coords, cell = coords[~closing], cell[~closing]
    # Voronoi vertices are computed once and shared, so exact equality finds them.
    vertices, start = np.unique(coords, axis=0, return_inverse=True)
    ring_first = np.r_[0, np.flatnonzero(np.diff(cell)) + 1]
    following = np.arange(1, len(cell) + 1)
    following[np.r_[ring_first[1:], len(cell)] - 1] = ring_first
    end = start[following]
    low, high = np.minimum(start, end), np.maximum(start, end)
    _, edge = np.unique(low * len(vertices) + high, return_inverse=True)
    return vertices, cell, start, end, edge


def _bend(rng: np.random.Generator, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bend every cell edge once, shared by both its cells, and return lon/lat polygons.

    Each edge gets two inner vertices pushed sideways by up to 16 % of its
    length, which reads as ridges and streams rather than ruler lines.
    Edges of cells that come out invalid or overlapping are straightened
    until the coverage is valid; straight Voronoi cells always are.

    Returns
    -------
    polygons : numpy.ndarray
        Bent cells (Polygon, lon/lat), in the order of `cells`.
    segment_cell, segment_edge : numpy.ndarray
        As from `_edges`, to find neighbours.
    """
    vertices, segment_cell, segment_start, segment_end, segment_edge = _edges(cells)
    n_edges = segment_edge.max() + 1
    # Bend each edge in its own frame, lower vertex id first, so both cells agree.
    low_id = np.empty(n_edges, dtype=np.intp)
    high_id = np.empty(n_edges, dtype=np.intp)
    low_id[segment_edge] = np.minimum(segment_start, segment_end)
    high_id[segment_edge] = np.maximum(segment_start, segment_end)
    low, along = vertices[low_id], vertices[high_id] - vertices[low_id]
    across = np.column_stack([-along[:, 1], along[:, 0]])  # as long as the edge
    at = np.array([1 / 3, 2 / 3]) + rng.uniform(-0.05, 0.05, (n_edges, 2))
    # A common bend plus a little S-shape, kept small enough not to cross other edges.
    bend = rng.normal(0.0, 0.07, (n_edges, 1)) + rng.normal(0.0, 0.035, (n_edges, 1)) * [1, -1]
    sideways = np.clip(bend, -0.16, 0.16)
    forward = (segment_start < segment_end)[:, None]
    for attempt in range(8):
        if attempt == 7:
            sideways[:] = 0.0
        inner = low[:, None] + at[..., None] * along[:, None] + sideways[..., None] * across[:, None]
        near, far = inner[segment_edge, 0], inner[segment_edge, 1]
        ring = np.stack(
            [vertices[segment_start], np.where(forward, near, far), np.where(forward, far, near)],
            axis=1,
        ).reshape(-1, 2)
        rings = shapely.linearrings(ring, indices=np.repeat(segment_cell, 3))
        polygons = shapely.transform(shapely.polygons(rings), _lonlat)
        bad = ~shapely.is_valid(polygons)
        if not bad.any():
            bad = ~shapely.is_empty(shapely.coverage_invalid_edges(polygons))
            if not bad.any():
                return polygons, segment_cell, segment_edge
        sideways[segment_edge[bad[segment_cell]]] = 0.0
    raise RuntimeError("straight Voronoi cells form an invalid coverage")  # a bug


def _lonlat(coords: np.ndarray) -> np.ndarray:
    """Project (n, 2) EPSG:4545 metres to EPSG:4490 longitude/latitude."""
    return np.column_stack(_TO_LONLAT.transform(coords[:, 0], coords[:, 1]))


def _natural_village_cells(rng: np.random.Generator, count: int) -> _Cells:
    """Return the bent natural-village cells of a county with no holes."""
    for _ in range(20):
        metres = _seed_cells(rng, count)
        polygons, segment_cell, segment_edge = _bend(rng, metres)
        county = shapely.coverage_union_all(polygons)
        # A seed just outside the blob can be ringed by chosen ones; draw again.
        if shapely.get_num_geometries(county) == 1 and shapely.get_num_interior_rings(county) == 0:
            break
    else:
        raise RuntimeError("no hole-free county in 20 draws")
    order = np.argsort(segment_edge, kind="stable")
    edge, cell = segment_edge[order], segment_cell[order]
    shared = np.flatnonzero(edge[1:] == edge[:-1])
    return _Cells(
        polygons=polygons,
        centroids=shapely.get_coordinates(shapely.centroid(metres)),
        areas=shapely.area(metres),
        pairs=np.column_stack([cell[shared], cell[shared + 1]]),
    )


# --- grouping cells into villages and villages into townships -------------------


def _regions(rng: np.random.Generator, points: np.ndarray, pairs: np.ndarray, count: int) -> np.ndarray:
    """Split a connected graph of `points` into `count` connected, compact regions.

    k-means finds `count` well-spread centres; the node nearest each becomes a
    source, and every node joins the source nearest along the graph
    (multi-source Dijkstra), which keeps each region contiguous.

    Returns
    -------
    numpy.ndarray
        Region index (0 .. count-1) of each point; every region is non-empty.
    """
    n = len(points)
    centres = points[rng.choice(n, size=count, replace=False)]
    for _ in range(12):
        nearest = _nearest(points, centres)
        sizes = np.bincount(nearest, minlength=count)
        sums = np.stack([np.bincount(nearest, points[:, i], minlength=count) for i in (0, 1)], axis=1)
        centres = np.where(sizes[:, None] > 0, sums / np.maximum(sizes, 1)[:, None], centres)
    taken = np.zeros(n, dtype=bool)
    sources = []
    for centre in centres:  # count is at most a few hundred
        distance = np.hypot(*(points - centre).T)
        distance[taken] = np.inf
        sources.append(int(np.argmin(distance)))
        taken[sources[-1]] = True
    return _graph_voronoi(points, pairs, sources)


def _nearest(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Return the index of the nearest centre to each point."""
    squared = (points**2).sum(axis=1)[:, None] - 2 * points @ centres.T + (centres**2).sum(axis=1)
    return np.argmin(squared, axis=1)


def _graph_voronoi(points: np.ndarray, pairs: np.ndarray, sources: Sequence[int]) -> np.ndarray:
    """Label each node with the source nearest along edges weighted by Euclidean length."""
    neighbours: list[list[int]] = [[] for _ in range(len(points))]
    for i, j in pairs.tolist():
        neighbours[i].append(j)
        neighbours[j].append(i)
    label = np.full(len(points), -1)
    best = np.full(len(points), np.inf)
    heap = [(0.0, region, node) for region, node in enumerate(sources)]
    while heap:
        distance, region, node = heapq.heappop(heap)
        if label[node] >= 0:
            continue
        label[node] = region
        x, y = points[node]
        for other in neighbours[node]:
            if label[other] < 0:
                through = distance + math.hypot(points[other, 0] - x, points[other, 1] - y)
                if through < best[other]:
                    best[other] = through
                    heapq.heappush(heap, (through, region, other))
    if (label < 0).any():
        raise RuntimeError("cell graph is not connected")  # the county is one polygon: a bug
    return label


def _hierarchy(
    rng: np.random.Generator, cells: _Cells, n_villages: int, n_townships: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group cells into villages and villages into townships, numbered in code order.

    Townships are numbered outwards from the county centre (0, the seat,
    comes first), villages outwards from their township's centre, cells
    outwards from their village's centre.

    Returns
    -------
    cell_order : numpy.ndarray
        Cell indices in natural-village code order.
    village_of_cell : numpy.ndarray
        Village number of each cell, in that order.
    township_of_village : numpy.ndarray
        Township number of each village.
    """
    village = _regions(rng, cells.centroids, cells.pairs, n_villages)
    village_area = np.bincount(village, cells.areas, n_villages)
    village_centre = _weighted_centres(cells.centroids, cells.areas, village, n_villages)
    village_pairs = np.unique(np.sort(village[cells.pairs], axis=1), axis=0)
    village_pairs = village_pairs[village_pairs[:, 0] != village_pairs[:, 1]]
    township = _regions(rng, village_centre, village_pairs, n_townships)
    township_centre = _weighted_centres(village_centre, village_area, township, n_townships)
    county_centre = np.average(cells.centroids, axis=0, weights=cells.areas)

    new_township = _rank(_distance(township_centre, county_centre))
    new_village = _rank(_distance(village_centre, township_centre[township]), group=new_township[township])
    township_of_village = np.empty(n_villages, dtype=np.intp)
    township_of_village[new_village] = new_township[township]
    village_of_cell = new_village[village]
    cell_order = np.lexsort((_distance(cells.centroids, village_centre[village]), village_of_cell))
    return cell_order, village_of_cell[cell_order], township_of_village


def _distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return row-wise Euclidean distances between (n, 2) arrays (or one point)."""
    return np.hypot(*(np.asarray(a) - b).T)


def _weighted_centres(points: np.ndarray, weights: np.ndarray, label: np.ndarray, count: int) -> np.ndarray:
    """Return the weighted mean point of each label."""
    total = np.bincount(label, weights, count)
    return np.stack([np.bincount(label, weights * points[:, i], count) / total for i in (0, 1)], axis=1)


def _rank(key: np.ndarray, group: np.ndarray | None = None) -> np.ndarray:
    """Return each item's new number when sorted by (group, key)."""
    order = np.lexsort((key,) if group is None else (key, group))
    rank = np.empty(len(key), dtype=np.intp)
    rank[order] = np.arange(len(key))
    return rank


# --- names --------------------------------------------------------------------


def _unique_names(
    rng: np.random.Generator, count: int, make: Callable[[np.random.Generator], str]
) -> list[str]:
    """Return `count` distinct names from `make`, in the order drawn."""
    names: list[str] = []
    seen: set[str] = set()  # membership only: never iterated, so order stays seed-determined
    for _ in range(100 * count + 100):
        if len(names) == count:
            return names
        name = make(rng)
        if name not in seen:
            seen.add(name)
            names.append(name)
    raise ValueError(f"cannot draw {count} distinct names")


def _pick_char(rng: np.random.Generator, pool: str) -> str:
    """Return one character of `pool`, uniformly."""
    return pool[rng.integers(len(pool))]


def _place_name(rng: np.random.Generator) -> str:
    """Return a two-character place name such as 龙坪 or 石桥 (the two pools share no character)."""
    return _pick_char(rng, PLACE_FIRST) + _pick_char(rng, PLACE_SECOND)


def _township_names(rng: np.random.Generator, count: int) -> list[str]:
    """Return distinct township names: the seat (first) is 城关镇, the others …镇 (60 %) or …乡."""
    others = _unique_names(rng, count - 1, _place_name)  # never 城关: 城 is in neither pool
    return ["城关镇"] + [base + ("镇" if rng.random() < 0.6 else "乡") for base in others]


def _hamlet_name(rng: np.random.Generator) -> str:
    """Return a natural-village name such as 上寨, 龙家寨, 岩脚组 or 大坪组."""
    pattern = rng.random()
    if pattern < 0.2:
        return _pick_char(rng, HAMLET_DIRECTION) + "寨"
    if pattern < 0.5:
        surname = _SURNAME_CHARS[rng.choice(len(_SURNAME_CHARS), p=_SURNAME_P)]
        return surname + "家" + _pick_char(rng, HAMLET_FAMILY_PLACE)
    group = "组" if rng.random() < 0.5 else ""
    if pattern < 0.75:
        return _pick_char(rng, HAMLET_LANDFORM) + _pick_char(rng, HAMLET_POSITION) + group
    return _pick_char(rng, HAMLET_ADJECTIVE) + _pick_char(rng, HAMLET_LANDFORM) + group


def _names_within(
    rng: np.random.Generator, parent: np.ndarray, make: Callable[[np.random.Generator], str]
) -> np.ndarray:
    """Return a name for each child, unique among children of the same parent (`parent` sorted)."""
    sizes = np.bincount(parent)
    names = [name for size in sizes.tolist() for name in _unique_names(rng, size, make)]
    return np.array(names)


# --- households: where --------------------------------------------------------


def _household_counts(rng: np.random.Generator, n_natural: int, total: int) -> np.ndarray:
    """Split `total` households over natural villages: skewed, at least ~5, a few near 300."""
    base = min(5, total // n_natural)
    weights = rng.lognormal(0.0, 0.55, n_natural)
    counts = base + rng.multinomial(total - base * n_natural, weights / weights.sum())
    cap = MAX_HOUSEHOLDS_PER_NATURAL_VILLAGE
    while (excess := np.clip(counts - cap, 0, None).sum()) > 0:  # only for absurd densities
        counts = np.minimum(counts, cap)
        room = cap - counts
        counts += rng.multinomial(excess, room / room.sum())
    return counts


def _inside(polygons: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Return whether each point lies strictly inside the polygon of the same index."""
    return shapely.contains_xy(polygons, x, y)


def _uniform_points(rng: np.random.Generator, polygons: np.ndarray) -> np.ndarray:
    """Return one uniformly random point strictly inside each polygon (rejection from its box)."""
    bounds = shapely.bounds(polygons)
    points = np.empty((len(polygons), 2))
    pending = np.arange(len(polygons))
    while len(pending):
        low, high = bounds[pending, :2], bounds[pending, 2:]
        candidate = rng.uniform(low, high)
        inside = _inside(polygons[pending], *candidate.T)
        points[pending[inside]] = candidate[inside]
        pending = pending[~inside]
    return points


def _household_points(
    rng: np.random.Generator, polygons: np.ndarray, counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scatter households in 1-3 hamlets per natural village, each strictly inside its polygon.

    Returns
    -------
    natural_village, hamlet : numpy.ndarray
        Natural village and hamlet index of each household, grouped by natural village.
    points : numpy.ndarray
        (n, 2) longitude, latitude.
    """
    shapely.prepare(polygons)
    n_hamlets = np.clip(1 + rng.poisson(counts / 80), 1, 3)
    hamlet_village = np.repeat(np.arange(len(polygons)), n_hamlets)
    # Pull a random point towards the middle so hamlets rarely hug a boundary.
    middle = shapely.get_coordinates(shapely.point_on_surface(polygons))[hamlet_village]
    anywhere = _uniform_points(rng, polygons[hamlet_village])
    centre = middle + rng.uniform(0.25, 0.85, (len(middle), 1)) * (anywhere - middle)
    outside = ~_inside(polygons[hamlet_village], *centre.T)
    centre[outside] = anywhere[outside]
    spread_m = rng.uniform(40.0, 150.0, len(centre))
    metres_per_degree = np.column_stack(
        [111_320 * np.cos(np.radians(centre[:, 1])), np.full(len(centre), 110_574.0)]
    )
    spread = spread_m[:, None] / metres_per_degree

    natural_village = np.repeat(np.arange(len(polygons)), counts)
    hamlet = _choose_hamlet(rng, natural_village, n_hamlets)
    points = np.empty((len(natural_village), 2))
    pending = np.arange(len(natural_village))
    for attempt in range(60):
        shrink = 0.85 ** max(0, attempt - 10)  # hamlets squeezed against a boundary converge inwards
        candidate = (
            centre[hamlet[pending]] + rng.normal(size=(len(pending), 2)) * spread[hamlet[pending]] * shrink
        )
        inside = _inside(polygons[natural_village[pending]], *candidate.T)
        points[pending[inside]] = candidate[inside]
        pending = pending[~inside]
        if not len(pending):
            break
    points[pending] = centre[hamlet[pending]]  # strictly inside by construction
    return natural_village, hamlet, points


def _choose_hamlet(
    rng: np.random.Generator, natural_village: np.ndarray, n_hamlets: np.ndarray
) -> np.ndarray:
    """Return the hamlet of each household: one of its natural village's, by random hamlet sizes."""
    first = np.r_[0, np.cumsum(n_hamlets)[:-1]]
    weight = rng.gamma(2.0, size=n_hamlets.sum())
    cumulative = np.cumsum(weight)
    before = np.r_[0.0, cumulative][first]
    total = np.r_[0.0, cumulative][first + n_hamlets] - before
    target = before[natural_village] + rng.random(len(natural_village)) * total[natural_village]
    hamlet = np.searchsorted(cumulative, target, side="right")
    return np.clip(hamlet, first[natural_village], (first + n_hamlets - 1)[natural_village])


# --- households: who ----------------------------------------------------------


def _pick(
    rng: np.random.Generator, count: int, score: np.ndarray, eligible: np.ndarray | None = None
) -> np.ndarray:
    """Choose exactly `count` households, more likely the higher their score.

    Sorting score + Gumbel noise draws without replacement with odds
    exp(score), so county totals hit their targets exactly while poorer
    hamlets, older heads and so on get more than their share.
    """
    key = score + rng.gumbel(size=len(score))
    if eligible is not None:
        key = np.where(eligible, key, -np.inf)
        count = min(count, int(eligible.sum()))
    chosen = np.zeros(len(score), dtype=bool)
    chosen[np.argsort(-key, kind="stable")[:count]] = True
    return chosen


def _standardise(values: np.ndarray) -> np.ndarray:
    """Return `values` with mean 0 and standard deviation 1 (all zero if constant)."""
    spread = values.std()
    return (values - values.mean()) / spread if spread > 0 else np.zeros_like(values)


def _hardship(
    rng: np.random.Generator,
    village_of_cell: np.ndarray,
    township_of_village: np.ndarray,
    remoteness: np.ndarray,
) -> np.ndarray:
    """Return a standardised hardship score per natural village.

    Part is shared by the township and the village, part is the hamlet's own
    and part grows with distance from the county centre, so poor hamlets
    cluster the way they do in the mountains.
    """
    township = rng.normal(size=township_of_village.max() + 1)[township_of_village]
    village = rng.normal(size=len(township_of_village))
    own = rng.normal(size=len(village_of_cell))
    mixed = 0.5 * (township + village)[village_of_cell] + 0.6 * own + 0.35 * _standardise(remoteness)
    return _standardise(mixed)


def _birth_days(rng: np.random.Generator, members: np.ndarray) -> np.ndarray:
    """Return each head's age in days on AS_OF: 22-90 years, older in one- and two-person homes."""
    youngest = (AS_OF - AS_OF.replace(year=AS_OF.year - 22)).days
    oldest = (AS_OF - AS_OF.replace(year=AS_OF.year - 91)).days - 1
    n = len(members)
    fraction = np.where(members <= 2, rng.beta(3.2, 1.8, n), rng.beta(2.2, 2.4, n))
    return youngest + np.minimum((fraction * (oldest - youngest + 1)).astype(np.int64), oldest - youngest)


def _attributes(rng: np.random.Generator, hardship: np.ndarray) -> dict[str, np.ndarray]:
    """Draw members, head age and sex, and every indicator, for households of the given hardship."""
    n = len(hardship)
    share = {key: round(rate * n) for key, rate in RATES.items()}
    members = rng.choice(np.arange(1, 10), size=n, p=_MEMBERS_P)
    age_days = _birth_days(rng, members)
    age = age_days / 365.2425
    elderly = age >= 60
    female = rng.random(n) < np.where(members == 1, 0.35, 0.08)  # widows live alone

    disabled = _pick(rng, share["disabled"], 0.4 * hardship + 0.03 * (age - 55))
    disabled_members = np.where(disabled, 1 + ((rng.random(n) < 0.15) & (members >= 2)), 0)
    migrant = _pick(
        rng,
        share["migrant_workers"],
        0.3 * hardship + 0.6 * (members >= 3) - 1.0 * (age > 75) - 0.5 * disabled,
        eligible=members >= 2,  # someone stays home
    )
    migrant_workers = np.where(migrant, 1 + rng.binomial(np.clip(members - 2, 0, 3), 0.3), 0)

    poor = _pick(
        rng,
        share["poor"],
        1.2 * hardship + 0.9 * disabled + 0.4 * (members >= 5) + 0.4 * (age >= 70) - 0.3 * migrant,
    )
    registered = _pick(
        rng, round(RATES["registered_of_poor"] * poor.sum()), 1.0 * hardship + 0.8 * disabled, poor
    )
    lifted = poor & ~registered
    monitored = _pick(rng, share["monitored"], 1.2 * hardship + 0.8 * disabled, eligible=~poor)
    wubao = _pick(
        rng,
        share["wubao"],
        0.5 * hardship + 0.5 * disabled + 0.05 * (age - 60),
        eligible=(members == 1) & elderly,  # 五保: elderly with no one to support them
    )
    dibao = _pick(
        rng,
        share["dibao"],
        2.0 * registered + 1.2 * lifted + 1.4 * monitored + 1.0 * disabled + 0.6 * hardship
        + 0.6 * ((members == 1) & elderly),
        eligible=~wubao,  # the two allowances exclude each other
    )  # fmt: skip
    family_planning = _pick(
        rng,
        share["family_planning"],
        0.3 * hardship + 0.3 * (members <= 2),
        eligible=(age >= 45) & (members <= 4),
    )
    at_home = members - migrant_workers - 1  # besides one carer
    left_behind = _pick(
        rng,
        share["left_behind_children"],
        0.8 * (age >= 50) + 0.3 * hardship + 0.3 * (members >= 4),  # grandparents raise them
        eligible=(migrant_workers > 0) & (at_home >= 1),
    )
    left_behind_children = np.where(left_behind, np.minimum(1 + rng.binomial(2, 0.3, n), at_home), 0)
    left_behind_elderly = _pick(
        rng,
        share["left_behind_elderly"],
        2.0 * (migrant_workers > 0) + 0.3 * hardship + 0.02 * (age - 60),
        elderly,
    )
    empty_nest_elderly = _pick(
        rng, share["empty_nest_elderly"], 0.2 * hardship, eligible=elderly & (members <= 2) & ~wubao
    )
    dilapidated_house = _pick(
        rng, share["dilapidated_house"], 1.5 * hardship + 1.0 * poor + 0.5 * (age >= 70) + 0.5 * dibao
    )
    log_income = (
        rng.normal(0.0, 0.45, n) - 0.25 * hardship - 0.5 * registered - 0.2 * lifted - 0.15 * monitored
        - 0.25 * dibao - 0.2 * wubao - 0.15 * disabled + 0.25 * migrant_workers / members
    )  # fmt: skip
    income = MEDIAN_INCOME * np.exp(log_income - np.median(log_income))
    status = np.where(
        registered, "registered", np.where(lifted, "lifted", np.where(monitored, "monitored", "none"))
    )
    return {
        "age_days": age_days,
        "female": female,
        "members": members,
        "poverty_status": status,
        "dibao": dibao,
        "wubao": wubao,
        "family_planning": family_planning,
        "left_behind_children": left_behind_children,
        "left_behind_elderly": left_behind_elderly,
        "empty_nest_elderly": empty_nest_elderly,
        "disabled_members": disabled_members,
        "dilapidated_house": dilapidated_house,
        "migrant_workers": migrant_workers,
        "income_per_capita": np.maximum(np.round(income, -1), 1_200).astype(np.int64),
    }


def _head_names(
    rng: np.random.Generator, female: np.ndarray, natural_village: np.ndarray, hamlet_names: np.ndarray
) -> np.ndarray:
    """Return household heads' names: surname, then one or two given characters.

    A hamlet has a main surname shared by 30-70 % of its families (龙家寨 is
    mostly 龙); other surnames follow Guizhou frequencies.
    """
    n = len(female)
    # 龙家寨 is mostly 龙; other hamlets get a main surname of their own.
    main = np.array([name[0] if name[1:2] == "家" else "" for name in hamlet_names.tolist()])
    drawn = _SURNAME_CHARS[rng.choice(len(_SURNAME_CHARS), size=len(main), p=_SURNAME_P)]
    main = np.where(main == "", drawn, main)
    any_surname = _SURNAME_CHARS[rng.choice(len(_SURNAME_CHARS), size=n, p=_SURNAME_P)]
    main_share = rng.uniform(0.3, 0.7, len(main))[natural_village]
    surname = np.where(rng.random(n) < main_share, main[natural_village], any_surname)
    pools = [np.array(list(GIVEN_MALE)), np.array(list(GIVEN_FEMALE))]
    given = [
        np.where(
            female,
            pools[1][rng.integers(len(pools[1]), size=n)],
            pools[0][rng.integers(len(pools[0]), size=n)],
        )
        for _ in range(2)
    ]
    second = np.where(rng.random(n) < 0.6, given[1], "")
    return np.strings.add(np.strings.add(surname, given[0]), second)


def _id_numbers(rng: np.random.Generator, age_days: np.ndarray, female: np.ndarray) -> np.ndarray:
    """Return distinct, valid ID numbers: 522699, birth date, sequence (odd for men), check digit."""
    n = len(age_days)
    born = np.datetime64(AS_OF, "D") - age_days.astype("timedelta64[D]")
    # Heads born on one day share 500 odd (men) or 499 even (women) sequences: give each
    # (day, sex) group a run of distinct slots at a random start, members in random order.
    group = born.astype(np.int64) * 2 + female
    order = np.lexsort((rng.random(n), group))
    first = np.r_[True, group[order][1:] != group[order][:-1]]
    start = np.flatnonzero(first)
    group_of = np.cumsum(first) - 1
    size = np.diff(np.r_[start, n])
    spare = np.where(female[order][start], 499, 500) - size
    if (spare < 0).any():
        raise ValueError("too many heads born on one day for distinct ID numbers")
    run_start = (rng.random(len(start)) * (spare + 1)).astype(np.int64)
    slot = np.empty(n, dtype=np.int64)
    slot[order] = run_start[group_of] + np.arange(n) - start[group_of]
    sequence = 2 * slot + np.where(female, 2, 1)  # men 001-999, women 002-998
    first17 = (_yyyymmdd(born) * 1000 + sequence + int(COUNTY_CODE[:6]) * 10**11).astype(str)
    return np.strings.add(first17, np.array([check_digit(number) for number in first17.tolist()]))


def _yyyymmdd(days: np.ndarray) -> np.ndarray:
    """Return datetime64[D] values as integers YYYYMMDD."""
    years, months = days.astype("datetime64[Y]"), days.astype("datetime64[M]")
    return (
        (years.astype(np.int64) + 1970) * 10_000
        + (months - years).astype(np.int64) * 100
        + 100
        + (days - months).astype(np.int64)
        + 1
    )


# --- assembly -----------------------------------------------------------------


def _multipolygons(geometries: np.ndarray) -> np.ndarray:
    """Return each Polygon or MultiPolygon as a MultiPolygon."""
    parts, index = shapely.get_parts(geometries, return_index=True)
    return shapely.multipolygons(parts, indices=index)


def _unions(polygons: np.ndarray, label: np.ndarray, count: int) -> np.ndarray:
    """Return the union of the polygons of each label; exact, since neighbours share edges."""
    order = np.argsort(label, kind="stable")
    bounds = np.r_[0, np.cumsum(np.bincount(label, minlength=count))]
    return np.array([shapely.coverage_union_all(polygons[order[a:b]]) for a, b in itertools.pairwise(bounds)])


def _number_within(parent: np.ndarray) -> np.ndarray:
    """Return 0, 1, 2, … within each run of equal values of the sorted array `parent`."""
    return np.arange(len(parent)) - np.searchsorted(parent, parent)


def _codes(
    township_of_village: np.ndarray, village_of_cell: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return township, village and natural-village codes as integers (str() needs no zero padding).

    Townships are 522699 + 100, 101, … + 000; villages replace the 000 with
    201, 202, … within their township; natural villages append 01, 02, ….
    """
    base = int(COUNTY_CODE[:6]) * 1_000_000
    townships = base + (100 + np.arange(township_of_village.max() + 1)) * 1000
    villages = townships[township_of_village] + 201 + _number_within(township_of_village)
    natural_villages = villages[village_of_cell] * 100 + 1 + _number_within(village_of_cell)
    return townships, villages, natural_villages


def _admin_units(
    polygons: np.ndarray,
    township_of_village: np.ndarray,
    village_of_cell: np.ndarray,
    codes: tuple[np.ndarray, np.ndarray],
    names: tuple[Sequence[str], Sequence[str]],
) -> geopandas.GeoDataFrame:
    """Return the county, township and village rows, each unit the union of its natural villages.

    Parameters
    ----------
    polygons : numpy.ndarray
        Natural-village polygons in code order.
    township_of_village, village_of_cell : numpy.ndarray
        The hierarchy, as from `_hierarchy`.
    codes, names : tuple
        Township and village codes (integers) and names, in code order.
    """
    township_codes, village_codes = (code.astype(str) for code in codes)
    n_townships, n_villages = len(township_codes), len(village_codes)
    geometry = np.concatenate(
        [
            [shapely.coverage_union_all(polygons)],
            _unions(polygons, township_of_village[village_of_cell], n_townships),
            _unions(polygons, village_of_cell, n_villages),
        ]
    )
    return geopandas.GeoDataFrame(
        {
            "code": [COUNTY_CODE, *township_codes, *village_codes],
            "name": [COUNTY_NAME, *names[0], *names[1]],
            "level": ["county"] + ["township"] * n_townships + ["village"] * n_villages,
            # object dtype keeps the county's parent a real None (a str column would make it NaN)
            "parent_code": pd.Series(
                [None, *[COUNTY_CODE] * n_townships, *township_codes[township_of_village]], dtype=object
            ),
        },
        geometry=_multipolygons(geometry),
        crs=CRS,
    )


def _households(
    rng: np.random.Generator,
    polygons: np.ndarray,
    hardship: np.ndarray,
    total: int,
    codes: np.ndarray,
    addresses: np.ndarray,
    hamlet_names: np.ndarray,
) -> geopandas.GeoDataFrame:
    """Return `total` households spread over the natural villages (`codes`, `addresses` per village)."""
    counts = _household_counts(rng, len(polygons), total)
    natural_village, hamlet, points = _household_points(rng, polygons, counts)
    # House numbers run hamlet by hamlet, west to east.
    order = np.lexsort((points[:, 0], hamlet, natural_village))
    natural_village, points = natural_village[order], points[order]
    number = 1 + _number_within(natural_village)
    attributes = _attributes(rng, hardship[natural_village])
    female = attributes.pop("female")
    return geopandas.GeoDataFrame(
        {
            "code": (codes[natural_village] * 1000 + number).astype(str),
            "head_name": _head_names(rng, female, natural_village, hamlet_names),
            "head_sex": np.where(female, "F", "M"),
            "id_number": _id_numbers(rng, attributes.pop("age_days"), female),
            "address": np.strings.add(np.strings.add(addresses[natural_village], number.astype(str)), "号"),
            "natural_village_code": codes[natural_village].astype(str),
            **attributes,
        },
        geometry=shapely.points(points),
        crs=CRS,
    )


def generate_county(
    *,
    households: int = FULL_HOUSEHOLDS,
    natural_villages: int | None = None,
    villages: int | None = None,
    townships: int | None = None,
    seed: int = 7,
) -> County:
    """Generate a synthetic county, deterministically from its arguments.

    Parameters
    ----------
    households : int, default 170,000
        Households in the county (exactly).
    natural_villages, villages, townships : int, optional
        Unit counts; None scales them from `households` as in the full-scale
        county (about 49 households per natural village, 11.7 natural
        villages per village, 15.8 villages per township).
    seed : int, default 7
        Seed of the only random generator used.

    Returns
    -------
    County
        Administrative units, natural villages and households in EPSG:4490.

    Raises
    ------
    ValueError
        If the counts cannot nest or would overflow the codes.
    """
    n_natural, n_villages, n_townships = unit_counts(
        households=households, natural_villages=natural_villages, villages=villages, townships=townships
    )
    rng = np.random.default_rng(seed)
    cells = _natural_village_cells(rng, n_natural)
    cell_order, village_of_cell, township_of_village = _hierarchy(rng, cells, n_villages, n_townships)
    if (
        np.bincount(village_of_cell).max() > MAX_NATURAL_VILLAGES_PER_VILLAGE
        or np.bincount(township_of_village).max() > MAX_VILLAGES_PER_TOWNSHIP
    ):
        raise ValueError("a village or township has too many units for its codes; ask for more of them")
    polygons = cells.polygons[cell_order]

    township_names = _township_names(rng, n_townships)
    village_names = _names_within(rng, township_of_village, lambda r: _place_name(r) + "村")
    hamlet_names = _names_within(rng, village_of_cell, _hamlet_name)
    township_codes, village_codes, hamlet_codes = _codes(township_of_village, village_of_cell)
    admin_units = _admin_units(
        polygons,
        township_of_village,
        village_of_cell,
        codes=(township_codes, village_codes),
        names=(township_names, village_names),
    )
    natural_villages_frame = geopandas.GeoDataFrame(
        {
            "code": hamlet_codes.astype(str),
            "name": hamlet_names,
            "village_code": village_codes[village_of_cell].astype(str),
        },
        geometry=_multipolygons(polygons),
        crs=CRS,
    )

    remoteness = _distance(
        cells.centroids[cell_order], np.average(cells.centroids, axis=0, weights=cells.areas)
    )
    hardship = _hardship(rng, village_of_cell, township_of_village, remoteness)
    place = np.strings.add(np.array(township_names)[township_of_village], village_names)
    addresses = np.strings.add(place[village_of_cell], hamlet_names)
    households_frame = _households(rng, polygons, hardship, households, hamlet_codes, addresses, hamlet_names)
    return County(admin_units, natural_villages_frame, households_frame)


def write_geopackage(county: County, path: str | pathlib.Path) -> None:
    """Write the county's three layers to a new GeoPackage at `path`, replacing any file there."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    for layer in LAYERS:
        pyogrio.write_dataframe(getattr(county, layer), path, layer=layer, driver="GPKG")


def main(argv: Sequence[str] | None = None) -> None:
    """Generate a county and write it to a GeoPackage (``python -m geodata.generator -h``)."""
    parser = argparse.ArgumentParser(prog="python -m geodata.generator", description=main.__doc__)
    parser.add_argument("--households", type=int, default=FULL_HOUSEHOLDS, help="default %(default)s")
    parser.add_argument("--natural-villages", type=int, help="default: scaled from households")
    parser.add_argument("--villages", type=int, help="default: scaled from natural villages")
    parser.add_argument("--townships", type=int, help="default: scaled from villages")
    parser.add_argument("--seed", type=int, default=7, help="default %(default)s; same seed, same county")
    parser.add_argument(
        "--out",
        type=pathlib.Path,
        default=pathlib.Path("geodata/out/county.gpkg"),
        help="default %(default)s",
    )
    args = parser.parse_args(argv)
    try:
        county = generate_county(
            households=args.households,
            natural_villages=args.natural_villages,
            villages=args.villages,
            townships=args.townships,
            seed=args.seed,
        )
    except ValueError as error:
        parser.error(str(error))
    write_geopackage(county, args.out)
    print(
        f"{args.out}: {len(county.households):,} households, "
        f"{len(county.natural_villages):,} natural villages, "
        f"{len(county.admin_units):,} administrative units (seed {args.seed})"
    )


if __name__ == "__main__":
    main()
