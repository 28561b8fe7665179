"""QGIS renderers and labels as project XML: the OAPIF layers' and the vector-tile layer's.

Symbols are written the way QGIS 3.22 writes them (an ``Option`` map, and the legacy
``prop`` pairs older readers want). The vector-tile layer's style comes from
`app.tile_style`, the same rules `/tiles/style.json` gives MapLibre, so the
project needs no network fetch of a style (which QGIS would make without the
layer's authentication).
"""

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence

from .. import indicators, tile_style
from ..exports.styles import chip_symbol
from ..maps.choropleth import NO_DATA, Classes

# QGIS's geometry type numbers in vector-tile styles.
_GEOMETRY = {"circle": "0", "chip": "0", "line": "1", "fill": "2"}
LABEL_MIN_ZOOM = 12
LABEL_FONT = "WenQuanYi Zen Hei"  # Debian's fonts-wqy-zenhei; QGIS falls back to its default font elsewhere


def rgba(color: str, alpha: int = 255) -> str:
    """Return a ``#rrggbb`` colour as QGIS's ``r,g,b,a``."""
    color = color.lstrip("#")
    return ",".join(str(int(color[i : i + 2], 16)) for i in (0, 2, 4)) + f",{alpha}"


def symbol(parent: ET.Element, name: str, kind: str, properties: Mapping[str, str]) -> None:
    """Add a one-layer symbol; properties are written both as Option map and as legacy props."""
    element = ET.SubElement(
        parent, "symbol", name=name, type=kind, alpha="1", clip_to_extent="1", force_rhr="0"
    )
    layer_class = {"fill": "SimpleFill", "marker": "SimpleMarker", "line": "SimpleLine"}[kind]
    layer = ET.SubElement(
        element, "layer", {"class": layer_class, "enabled": "1", "locked": "0", "pass": "0"}
    )
    options = ET.SubElement(layer, "Option", type="Map")
    for key, value in properties.items():
        ET.SubElement(options, "Option", name=key, type="QString", value=value)
    for key, value in properties.items():
        ET.SubElement(layer, "prop", k=key, v=value)


def fill(color: str, *, alpha: int = 200) -> dict[str, str]:
    return {
        "color": rgba(color, alpha),
        "style": "solid",
        "outline_color": "90,90,90,255",
        "outline_width": "0.2",
        "outline_width_unit": "MM",
    }


def outline(width: str, color: str = "#282828") -> dict[str, str]:
    return {"color": "0,0,0,0", "style": "no", "outline_color": rgba(color), "outline_width": width}


def line(color: str, width: str) -> dict[str, str]:
    return {"line_color": rgba(color), "line_width": width, "line_width_unit": "MM", "line_style": "solid"}


def marker(color: str) -> dict[str, str]:
    return {"name": "circle", "color": rgba(color), "size": "1.6", "outline_color": "255,255,255,255"}


# --- OAPIF layers -------------------------------------------------------------


def graduated(parent: ET.Element, classes: Classes) -> None:
    """Add a graduated renderer with the web map's classes of the natural villages."""
    indicator = classes.indicator
    renderer = ET.SubElement(
        parent,
        "renderer-v2",
        type="graduatedSymbol",
        attr=tile_style.value_attribute(indicator),
        graduatedMethod="GraduatedColor",
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
        symbol(symbols, str(n), "fill", fill(legend.color))
    ET.SubElement(renderer, "mode", name="quantile")
    if not classes.legend:  # nothing to class: one grey fill
        symbol(symbols, "0", "fill", fill(NO_DATA))


def single_outline(parent: ET.Element, width: str) -> None:
    """Add a renderer drawing every polygon as an unfilled outline `width` millimetres wide."""
    single(parent, "fill", outline(width))


def single(parent: ET.Element, kind: str, properties: Mapping[str, str]) -> None:
    """Add a single-symbol renderer of `kind` (marker, line, fill)."""
    renderer = ET.SubElement(parent, "renderer-v2", type="singleSymbol")
    symbol(ET.SubElement(renderer, "symbols"), "0", kind, properties)


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
        symbol(symbols, str(n), "marker", marker(indicator.symbol))
        n += 1
    ET.SubElement(rules, "rule", key="else", filter="ELSE", label="其他 Other", symbol=str(n))
    symbol(symbols, str(n), "marker", marker("#969696"))


def ring(color: str) -> dict[str, str]:
    """Return an unfilled circle round a marker (an overdue demand's ring, as on the prints)."""
    return {
        "name": "circle",
        "color": "0,0,0,0",
        "size": "3.4",
        "outline_color": rgba(color),
        "outline_width": "0.6",
        "outline_style": "solid",
    }


def demand_rules(parent: ET.Element, states: Mapping[str, tuple[str, str]], overdue: tuple[str, str]) -> None:
    """Add one rule per state (label, colour as on the web map), and a ring (label, colour) round the overdue.

    Rules are not exclusive: an overdue demand is drawn in its state's colour and ringed.
    """
    renderer = ET.SubElement(parent, "renderer-v2", type="RuleRenderer")
    rules = ET.SubElement(renderer, "rules", key="root")
    symbols = ET.SubElement(renderer, "symbols")
    for n, (state, (label, color)) in enumerate(states.items()):
        ET.SubElement(rules, "rule", key=state, filter=f"\"state\" = '{state}'", label=label, symbol=str(n))
        symbol(symbols, str(n), "marker", marker(color))
    n = len(states)
    # Not `"overdue"`: QGIS's OAPIF provider compiles a filter it can to SQL over its cache, where
    # booleans are the text 'true' (never truthy); a conditional it evaluates on each feature.
    ringed = 'if("overdue", 1, 0) = 1'
    ET.SubElement(rules, "rule", key="overdue", filter=ringed, label=overdue[0], symbol=str(n))
    symbol(symbols, str(n), "marker", ring(overdue[1]))


# --- the vector-tile layer ------------------------------------------------------


def _rule_symbol(rule: tile_style.Rule) -> tuple[str, dict[str, str]]:
    if rule.kind == "fill":
        return "fill", fill(rule.color)
    if rule.kind == "line":
        return "line", line(rule.color, f"{rule.width * 0.35:.2f}")  # pixels to millimetres at 72 dpi
    return "marker", marker(rule.color)


def tile_renderer(parent: ET.Element, rules: Sequence[tile_style.Rule]) -> None:
    """Add a vector-tile renderer with one style per rule, in drawing order."""
    styles = ET.SubElement(ET.SubElement(parent, "renderer", type="basic"), "styles")
    for rule in rules:
        style = ET.SubElement(
            styles,
            "style",
            {
                "name": rule.label,
                "layer": rule.layer,
                "geometry": _GEOMETRY[rule.kind],
                "expression": tile_style.qgis_expression(rule.where),
                "enabled": "1",
                "min-zoom": str(-1 if rule.minzoom is None else rule.minzoom),
                "max-zoom": "-1",
            },
        )
        symbols = ET.SubElement(style, "symbols")
        if rule.kind == "chip":  # the GeoPackage styles' chip: a square of the colour, the mark on it
            symbols.append(ET.fromstring(chip_symbol("0", rule.flag)))
            continue
        kind, properties = _rule_symbol(rule)
        symbol(symbols, "0", kind, properties)


def tile_labels(parent: ET.Element) -> None:
    """Add labels of the natural villages' names from zoom `LABEL_MIN_ZOOM`."""
    styles = ET.SubElement(ET.SubElement(parent, "labeling", type="basic"), "styles")
    style = ET.SubElement(
        styles,
        "style",
        {
            "name": "自然寨名称 Natural village names",
            "layer": "natural_villages",
            "geometry": _GEOMETRY["fill"],
            "expression": "",
            "enabled": "1",
            "min-zoom": str(LABEL_MIN_ZOOM),
            "max-zoom": "-1",
        },
    )
    settings = ET.SubElement(style, "settings", calloutType="simple")
    text = ET.SubElement(
        settings,
        "text-style",
        fieldName="name",
        isExpression="0",
        fontFamily=LABEL_FONT,
        fontSize="9",
        fontSizeUnit="Point",
        textColor="51,51,51,255",
        textOpacity="1",
    )
    ET.SubElement(text, "text-buffer", bufferDraw="1", bufferSize="0.8", bufferColor="255,255,255,255")
    ET.SubElement(settings, "placement", placement="1", centroidInside="1")  # over the centroid, inside
    ET.SubElement(settings, "rendering", obstacle="1", drawLabels="1")
