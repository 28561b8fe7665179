"""A QGIS project (.qgs) with every layer connected to this service, grouped, styled, in EPSG:4490.

Layers use QGIS's OAPIF provider with the authentication configuration id
``AUTHCFG``: the user creates it once in QGIS (Settings → Options →
Authentication, Basic or an API-token header, and types this id), and every
layer of the project then signs in with it.

Polygons are coloured like the web map: quantile classes of the default
indicator's share in the indicator's ramp (`app.maps.choropleth.quantiles`).
Households get one rule per indicator the role may see, the default one on.
"""

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence

from .. import indicators
from ..maps.choropleth import NO_DATA, quantiles
from .documents import COLLECTIONS

AUTHCFG = "minqing"  # QGIS auth configuration ids are 7 characters
_CGCS2000 = {
    "proj4": "+proj=longlat +ellps=GRS80 +no_defs",
    "srsid": "0",
    "srid": "4490",
    "authid": "EPSG:4490",
    "description": "China Geodetic Coordinate System 2000",
    "projectionacronym": "longlat",
    "ellipsoidacronym": "EPSG:7019",
    "geographicflag": "true",
}
# Group name, collections in drawing order top to bottom.
_GROUPS = (
    ("农户 Households", ("households",)),
    ("行政区 Areas", ("natural_villages", "villages", "townships")),
)


def _rgba(color: str, alpha: int = 255) -> str:
    color = color.lstrip("#")
    return ",".join(str(int(color[i : i + 2], 16)) for i in (0, 2, 4)) + f",{alpha}"


def _crs(parent: ET.Element) -> None:
    srs = ET.SubElement(parent, "spatialrefsys")
    for key, value in _CGCS2000.items():
        ET.SubElement(srs, key).text = value


def _symbol(parent: ET.Element, name: str, kind: str, properties: Mapping[str, str]) -> None:
    """Add a one-layer symbol; properties are written both as Option map and as legacy props."""
    symbol = ET.SubElement(
        parent, "symbol", name=name, type=kind, alpha="1", clip_to_extent="1", force_rhr="0"
    )
    layer_class = {"fill": "SimpleFill", "marker": "SimpleMarker", "line": "SimpleLine"}[kind]
    layer = ET.SubElement(symbol, "layer", {"class": layer_class, "enabled": "1", "locked": "0", "pass": "0"})
    options = ET.SubElement(layer, "Option", type="Map")
    for key, value in properties.items():
        ET.SubElement(options, "Option", name=key, type="QString", value=value)
    for key, value in properties.items():
        ET.SubElement(layer, "prop", k=key, v=value)


def _fill(color: str, *, alpha: int = 200) -> dict[str, str]:
    return {
        "color": _rgba(color, alpha),
        "style": "solid",
        "outline_color": "90,90,90,255",
        "outline_width": "0.2",
        "outline_width_unit": "MM",
    }


def _outline(width: str) -> dict[str, str]:
    return {"color": "0,0,0,0", "style": "no", "outline_color": "40,40,40,255", "outline_width": width}


def _marker(color: str) -> dict[str, str]:
    return {"name": "circle", "color": _rgba(color), "size": "1.6", "outline_color": "255,255,255,255"}


def graduated(parent: ET.Element, indicator: indicators.Indicator, values: Sequence[float | None]) -> None:
    """Add a graduated renderer with the web map's quantile classes of `indicator` over `values`."""
    attribute = f"{indicator.key}_share" if indicator.kind == "share" else indicator.key
    classes = quantiles(indicator, list(values))
    renderer = ET.SubElement(
        parent, "renderer-v2", type="graduatedSymbol", attr=attribute, graduatedMethod="GraduatedColor"
    )
    ranges = ET.SubElement(renderer, "ranges")
    symbols = ET.SubElement(renderer, "symbols")
    for n, legend in enumerate(classes.legend):
        label = f"{indicator.zh} {legend.low:.4g} – {legend.high:.4g}"
        ET.SubElement(
            ranges,
            "range",
            lower=repr(legend.low),
            upper=repr(legend.high),
            symbol=str(n),
            label=label,
            render="true",
        )
        _symbol(symbols, str(n), "fill", _fill(legend.color))
    ET.SubElement(renderer, "mode", name="quantile")
    if not classes.legend:  # nothing to class: one grey fill
        _symbol(symbols, "0", "fill", _fill(NO_DATA))


def outline(parent: ET.Element, width: str) -> None:
    renderer = ET.SubElement(parent, "renderer-v2", type="singleSymbol")
    _symbol(ET.SubElement(renderer, "symbols"), "0", "fill", _outline(width))


def household_rules(parent: ET.Element, properties: Sequence[str]) -> None:
    """Add one rule per indicator whose column the role receives (the default one on), else grey."""
    renderer = ET.SubElement(parent, "renderer-v2", type="RuleRenderer")
    rules = ET.SubElement(renderer, "rules", key="root")
    symbols = ET.SubElement(renderer, "symbols")
    n = 0
    for indicator in indicators.INDICATORS:
        if indicator.kind != "share" or indicator.column not in properties:
            continue
        attributes = {
            "key": indicator.key,
            "filter": indicator.sql,
            "label": f"{indicator.zh} {indicator.en}",
        }
        attributes["symbol"] = str(n)
        if indicator.key != indicators.DEFAULT:
            attributes["checkstate"] = "0"
        ET.SubElement(rules, "rule", attributes)
        _symbol(symbols, str(n), "marker", _marker(indicator.symbol))
        n += 1
    ET.SubElement(rules, "rule", key="else", filter="ELSE", label="其他 Other", symbol=str(n))
    _symbol(symbols, str(n), "marker", _marker("#969696"))


def _datasource(base: str, collection_id: str) -> str:
    return (
        f"pagingEnabled='true' preferCoordinatesForWfsT11='false' restrictToRequestBBOX='1' "
        f"srsname='EPSG:4490' typename='{collection_id}' url='{base}' authcfg='{AUTHCFG}'"
    )


def qgs(
    base: str,
    bbox: tuple[float, float, float, float] | None,
    *,
    household_properties: Sequence[str],
    values: Mapping[str, Sequence[float | None]],
) -> str:
    """Return the project XML.

    Parameters
    ----------
    base
        The OGC API root, e.g. ``http://host/ogc``.
    bbox
        The county's CRS84 extent (the initial view), or None.
    household_properties
        The household properties the user's role receives (rules only for those).
    values
        Per polygon collection, the default indicator's value of every feature (for the classes).
    """
    root = ET.Element("qgis", projectname="民情地图 Minqing Map", version="3.22.0-Białowieża")
    ET.SubElement(root, "title").text = "民情地图 Minqing Map"
    _crs(ET.SubElement(root, "projectCrs"))
    tree = ET.SubElement(root, "layer-tree-group")
    layers = ET.SubElement(root, "projectlayers")
    indicator = indicators.BY_KEY[indicators.DEFAULT]
    for group_name, collection_ids in _GROUPS:
        group = ET.SubElement(tree, "layer-tree-group", name=group_name, checked="Qt::Checked", expanded="1")
        for collection_id in collection_ids:
            zh, en = COLLECTIONS[collection_id]
            layer_id, name, source = (
                f"minqing_{collection_id}",
                f"{zh} {en}",
                _datasource(base, collection_id),
            )
            ET.SubElement(
                group,
                "layer-tree-layer",
                id=layer_id,
                name=name,
                source=source,
                providerKey="OAPIF",
                checked="Qt::Checked",
                expanded="0",
            )
            geometry = "Point" if collection_id == "households" else "Polygon"
            layer = ET.SubElement(
                layers, "maplayer", type="vector", geometry=geometry, autoRefreshEnabled="0"
            )
            ET.SubElement(layer, "id").text = layer_id
            ET.SubElement(layer, "datasource").text = source
            ET.SubElement(layer, "layername").text = name
            _crs(ET.SubElement(layer, "srs"))
            ET.SubElement(layer, "provider", encoding="UTF-8").text = "OAPIF"
            if collection_id == "households":
                household_rules(layer, household_properties)
            elif collection_id == "natural_villages":
                graduated(layer, indicator, values[collection_id])
            else:
                outline(layer, "0.6" if collection_id == "townships" else "0.3")
    if bbox is not None:
        canvas = ET.SubElement(root, "mapcanvas", name="theMapCanvas")
        ET.SubElement(canvas, "units").text = "degrees"
        extent = ET.SubElement(canvas, "extent")
        for key, value in zip(("xmin", "ymin", "xmax", "ymax"), bbox, strict=True):
            ET.SubElement(extent, key).text = repr(value)
        _crs(ET.SubElement(canvas, "destinationsrs"))
    ET.indent(root)
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(
        root, encoding="unicode"
    )
