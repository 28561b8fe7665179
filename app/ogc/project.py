"""A QGIS project (.qgs) with every layer connected to this service, grouped, styled, in EPSG:4490.

Layers use QGIS's OAPIF provider with the authentication configuration id
``AUTHCFG``: the user creates it once in QGIS (Settings → Options →
Authentication, Basic or an API-token header, and types this id), and every
layer of the project then signs in with it. A vector-tile layer over
``/tiles/{z}/{x}/{y}.mvt`` (the same configuration) draws the whole county fast;
its style is written into the project (`symbols`), so QGIS fetches no style.

CRSs are written in full, as QGIS 3.22 writes them: QGIS trusts ``authid`` only
when ``srsid`` is one of its own, and otherwise builds a nameless custom CRS from
``proj4`` (a project "in an unknown CRS") unless the WKT is there.

Polygons are coloured like the web map: quantile classes of the default
indicator's share in the indicator's ramp (`app.maps.choropleth.quantiles`).
Households get one rule per indicator the role may see, the default one on.
"""

import functools
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pyproj

from .. import tile_style
from ..maps.choropleth import Classes
from . import symbols
from .documents import COLLECTIONS

AUTHCFG = "minqing"  # QGIS auth configuration ids are 7 characters
TILES_ID = "minqing_tiles"
# What QGIS 3.22 writes beside the WKT for the CRSs of this project; srsid is its srs.db row.
_SRS = {
    4490: {
        "proj4": "+proj=longlat +ellps=GRS80 +no_defs",
        "srsid": "27734",
        "projectionacronym": "longlat",
        "ellipsoidacronym": "EPSG:1024",
        "geographicflag": "true",
    },
    3857: {
        "proj4": "+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m "
        "+nadgrids=@null +wktext +no_defs",
        "srsid": "3857",
        "projectionacronym": "merc",
        "ellipsoidacronym": "EPSG:7030",
        "geographicflag": "false",
    },
}
# Group name, collections in drawing order top to bottom.
_GROUPS = (
    ("群众诉求 Demands", ("demands",)),
    ("民情工作 Work", ("visits", "pairings")),
    ("农户 Households", ("households",)),
    ("行政区 Areas", ("natural_villages", "villages", "townships")),
)
_GEOMETRIES = {"households": "Point", "visits": "Point", "pairings": "Line", "demands": "Point"}
# Groups of what some roles list one by one: their layers start off (many features, sensitive).
_ONE_BY_ONE = {_GROUPS[0][0], _GROUPS[1][0]}


@dataclass(frozen=True)
class DemandStyle:
    """How the demands layer is drawn: state -> (label, colour), and the overdue ring's (label, colour)."""

    states: Mapping[str, tuple[str, str]]
    overdue: tuple[str, str]


_TILES_GROUP = "矢量瓦片 Vector tiles (whole county, fast)"


@functools.cache
def _srs_fields(epsg: int) -> tuple[tuple[str, str], ...]:
    crs = pyproj.CRS.from_epsg(epsg)
    fields = {"wkt": crs.to_wkt("WKT2_2019"), **_SRS[epsg]}
    fields.update(srid=str(epsg), authid=f"EPSG:{epsg}", description=crs.name)
    order = ("wkt", "proj4", "srsid", "srid", "authid", "description", "projectionacronym")
    return tuple((key, fields[key]) for key in (*order, "ellipsoidacronym", "geographicflag"))


def _crs(parent: ET.Element, epsg: int = 4490) -> None:
    srs = ET.SubElement(parent, "spatialrefsys")
    for key, value in _srs_fields(epsg):
        ET.SubElement(srs, key).text = value


def _datasource(base: str, collection_id: str) -> str:
    return (
        f"pagingEnabled='true' preferCoordinatesForWfsT11='false' restrictToRequestBBOX='1' "
        f"srsname='EPSG:4490' typename='{collection_id}' url='{base}' authcfg='{AUTHCFG}'"
    )


def _maplayer(
    layers: ET.Element, tree: ET.Element, layer_id: str, name: str, source: str, **kind
) -> ET.Element:
    """Add a layer and its leaf in the layer tree; return the layer element (for its style)."""
    provider, checked = kind.pop("provider"), kind.pop("checked", "Qt::Checked")
    ET.SubElement(
        tree,
        "layer-tree-layer",
        id=layer_id,
        name=name,
        source=source,
        providerKey=provider,
        checked=checked,
        expanded="0",
    )
    layer = ET.SubElement(layers, "maplayer", autoRefreshEnabled="0", **kind)
    ET.SubElement(layer, "id").text = layer_id
    ET.SubElement(layer, "datasource").text = source
    ET.SubElement(layer, "layername").text = name
    _crs(ET.SubElement(layer, "srs"), 3857 if provider == "vectortile" else 4490)
    ET.SubElement(layer, "provider", encoding="UTF-8").text = provider
    return layer


def _oapif_layers(
    layers: ET.Element,
    tree: ET.Element,
    base: str,
    *,
    household_properties: Sequence[str],
    classes: Classes,
    work: bool,
    demands: DemandStyle | None,
) -> None:
    shown = {_GROUPS[0][0]: demands is not None, _GROUPS[1][0]: work}
    for group_name, collection_ids in _GROUPS:
        if not shown.get(group_name, True):
            continue
        group = ET.SubElement(tree, "layer-tree-group", name=group_name, checked="Qt::Checked", expanded="1")
        for collection_id in collection_ids:
            zh, en = COLLECTIONS[collection_id]
            geometry = _GEOMETRIES.get(collection_id, "Polygon")
            layer = _maplayer(
                layers,
                group,
                f"minqing_{collection_id}",
                f"{zh} {en}",
                _datasource(base, collection_id),
                provider="OAPIF",
                type="vector",
                geometry=geometry,
                checked="Qt::Unchecked" if group_name in _ONE_BY_ONE else "Qt::Checked",
            )
            if collection_id == "demands" and demands is not None:
                symbols.demand_rules(layer, demands.states, demands.overdue)
            elif collection_id == "households":
                symbols.household_rules(layer, household_properties)
            elif collection_id == "visits":
                symbols.single(layer, "marker", symbols.marker("#1f78b4"))
            elif collection_id == "pairings":
                symbols.single(layer, "line", symbols.line("#6a3d9a", "0.3"))
            elif collection_id == "natural_villages":
                symbols.graduated(layer, classes)
            else:
                symbols.single_outline(layer, "0.6" if collection_id == "townships" else "0.3")


def _tile_layer(layers: ET.Element, tree: ET.Element, tiles: str, rules: Sequence[tile_style.Rule]) -> None:
    """Add the vector-tile layer, off at first (the OAPIF layers show the same features)."""
    group = ET.SubElement(tree, "layer-tree-group", name=_TILES_GROUP, checked="Qt::Unchecked", expanded="1")
    # Tiles from the zoom where they carry points hold every feature: QGIS overzooms beyond it.
    zmax = max((rule.minzoom or 0) for rule in rules)
    source = f"type=xyz&url={tiles}&zmax={zmax}&zmin=0&authcfg={AUTHCFG}"
    layer = _maplayer(
        layers,
        group,
        TILES_ID,
        "民情地图瓦片 Minqing Map tiles",
        source,
        provider="vectortile",
        checked="Qt::Unchecked",
        type="vector-tile",
    )
    symbols.tile_renderer(layer, rules)
    symbols.tile_labels(layer)


def _canvas(root: ET.Element, bbox: tuple[float, float, float, float]) -> None:
    canvas = ET.SubElement(root, "mapcanvas", name="theMapCanvas")
    ET.SubElement(canvas, "units").text = "degrees"
    extent = ET.SubElement(canvas, "extent")
    # EPSG:4490 is latitude first, but QGIS keeps canvas extents east first.
    for key, value in zip(("xmin", "ymin", "xmax", "ymax"), bbox, strict=True):
        ET.SubElement(extent, key).text = repr(value)
    _crs(ET.SubElement(canvas, "destinationsrs"))


def qgs(
    base: str,
    bbox: tuple[float, float, float, float] | None,
    *,
    tiles: str,
    household_properties: Sequence[str],
    classes: Classes,
    tile_rules: Sequence[tile_style.Rule],
    work: bool = False,
    demands: DemandStyle | None = None,
) -> str:
    """Return the project XML.

    Parameters
    ----------
    base
        The OGC API root, e.g. ``http://host/ogc``.
    bbox
        The county's CRS84 extent (the initial view), or None.
    tiles
        The vector tiles' URL template, ``http://host/tiles/{z}/{x}/{y}.mvt``.
    household_properties
        The household properties the user's role receives (rules only for those).
    classes
        The natural villages' classes of the default indicator.
    tile_rules
        The tiles' style (`app.tile_style.rules`, with the flags the role may see).
    work
        Whether the role sees pairings and visits one by one (`privacy.work_scope`); their layers start off.
    demands
        How demands are drawn, when the role lists them one by one (`privacy.demand_scope`), else None
        (no layer: gis sees their counts in the demand tiles). The layer starts off.
    """
    root = ET.Element("qgis", projectname="民情地图 Minqing Map", version="3.22.0-Białowieża")
    ET.SubElement(root, "title").text = "民情地图 Minqing Map"
    _crs(ET.SubElement(root, "projectCrs"))
    tree = ET.SubElement(root, "layer-tree-group")
    layers = ET.SubElement(root, "projectlayers")
    _oapif_layers(
        layers,
        tree,
        base,
        household_properties=household_properties,
        classes=classes,
        work=work,
        demands=demands,
    )
    _tile_layer(layers, tree, tiles, tile_rules)
    if bbox is not None:
        _canvas(root, bbox)
    # Without this property QGIS 3.22 ignores the project CRS ("on the fly" reprojection off).
    spatial = ET.SubElement(ET.SubElement(root, "properties"), "SpatialRefSys")
    ET.SubElement(spatial, "ProjectionsEnabled", type="int").text = "1"
    ET.indent(root)
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(
        root, encoding="unicode"
    )
