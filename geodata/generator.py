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
import math
import pathlib
from collections.abc import Sequence

import geopandas
import numpy as np
import pandas as pd
import pyogrio
import shapely

from .facts import (
    AS_OF,
    COUNTY_CODE,
    COUNTY_NAME,
    CRS,
    FULL_HOUSEHOLDS,
    FULL_NATURAL_VILLAGES,
    FULL_TOWNSHIPS,
    FULL_VILLAGES,
    LAYERS,
    MAX_HOUSEHOLDS_PER_NATURAL_VILLAGE,
    MAX_NATURAL_VILLAGES_PER_VILLAGE,
    MAX_TOWNSHIPS,
    MAX_VILLAGES_PER_TOWNSHIP,
    MEDIAN_INCOME,
    PROJECTED_CRS,
    RATES,
)
from .homes import hardship_scores, household_attributes, household_counts, household_points, id_numbers
from .landscape import distance, hierarchy, multipolygons, natural_village_cells, unions
from .names import hamlet_name, head_names, name_townships, names_within, place_name

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


# --- assembly -----------------------------------------------------------------


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
        The hierarchy, as from `hierarchy`.
    codes, names : tuple
        Township and village codes (integers) and names, in code order.
    """
    township_codes, village_codes = (code.astype(str) for code in codes)
    n_townships, n_villages = len(township_codes), len(village_codes)
    geometry = np.concatenate(
        [
            [shapely.coverage_union_all(polygons)],
            unions(polygons, township_of_village[village_of_cell], n_townships),
            unions(polygons, village_of_cell, n_villages),
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
        geometry=multipolygons(geometry),
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
    counts = household_counts(rng, len(polygons), total)
    natural_village, hamlet, points = household_points(rng, polygons, counts)
    # House numbers run hamlet by hamlet, west to east.
    order = np.lexsort((points[:, 0], hamlet, natural_village))
    natural_village, points = natural_village[order], points[order]
    number = 1 + _number_within(natural_village)
    attributes = household_attributes(rng, hardship[natural_village])
    female = attributes.pop("female")
    return geopandas.GeoDataFrame(
        {
            "code": (codes[natural_village] * 1000 + number).astype(str),
            "head_name": head_names(rng, female, natural_village, hamlet_names),
            "head_sex": np.where(female, "F", "M"),
            "id_number": id_numbers(rng, attributes.pop("age_days"), female),
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
    cells = natural_village_cells(rng, n_natural)
    cell_order, village_of_cell, township_of_village = hierarchy(rng, cells, n_villages, n_townships)
    if (
        np.bincount(village_of_cell).max() > MAX_NATURAL_VILLAGES_PER_VILLAGE
        or np.bincount(township_of_village).max() > MAX_VILLAGES_PER_TOWNSHIP
    ):
        raise ValueError("a village or township has too many units for its codes; ask for more of them")
    polygons = cells.polygons[cell_order]

    township_names = name_townships(rng, n_townships)
    village_names = names_within(rng, township_of_village, lambda r: place_name(r) + "村")
    hamlet_names = names_within(rng, village_of_cell, hamlet_name)
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
        geometry=multipolygons(polygons),
        crs=CRS,
    )

    remoteness = distance(
        cells.centroids[cell_order], np.average(cells.centroids, axis=0, weights=cells.areas)
    )
    hardship = hardship_scores(rng, village_of_cell, township_of_village, remoteness)
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
