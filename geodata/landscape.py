"""The generated county's ground: one planar partition of natural-village cells, grouped into villages
and townships, so units nest exactly; each cell edge is bent once and shared by both neighbours."""

from __future__ import annotations

import dataclasses
import heapq
import itertools
import math
from collections.abc import Callable, Sequence

import numpy as np
import pyproj
import shapely

from .facts import CELL_AREA, CENTRE, CRS, PROJECTED_CRS

_TO_METRES = pyproj.Transformer.from_crs(CRS, PROJECTED_CRS, always_xy=True)
_TO_LONLAT = pyproj.Transformer.from_crs(PROJECTED_CRS, CRS, always_xy=True)


@dataclasses.dataclass(frozen=True)
class _Cells:
    """Natural-village cells of one planar partition, before sorting into code order."""

    polygons: np.ndarray  # shapely Polygons, lon/lat
    centroids: np.ndarray  # (n, 2) metres
    areas: np.ndarray  # m²
    pairs: np.ndarray  # (m, 2) indices of cells sharing an edge


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


def natural_village_cells(rng: np.random.Generator, count: int) -> _Cells:
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


def hierarchy(
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

    new_township = _rank(distance(township_centre, county_centre))
    new_village = _rank(distance(village_centre, township_centre[township]), group=new_township[township])
    township_of_village = np.empty(n_villages, dtype=np.intp)
    township_of_village[new_village] = new_township[township]
    village_of_cell = new_village[village]
    cell_order = np.lexsort((distance(cells.centroids, village_centre[village]), village_of_cell))
    return cell_order, village_of_cell[cell_order], township_of_village


def distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
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


def multipolygons(geometries: np.ndarray) -> np.ndarray:
    """Return each Polygon or MultiPolygon as a MultiPolygon."""
    parts, index = shapely.get_parts(geometries, return_index=True)
    return shapely.multipolygons(parts, indices=index)


def unions(polygons: np.ndarray, label: np.ndarray, count: int) -> np.ndarray:
    """Return the union of the polygons of each label; exact, since neighbours share edges."""
    order = np.argsort(label, kind="stable")
    bounds = np.r_[0, np.cumsum(np.bincount(label, minlength=count))]
    return np.array([shapely.coverage_union_all(polygons[order[a:b]]) for a, b in itertools.pairwise(bounds)])
