"""QGIS styles stored inside an exported GeoPackage (its ``layer_styles`` table), so layers open styled.

QGIS reads a GeoPackage's ``layer_styles`` table and applies the row marked
``useAsDefault`` when a layer is added. Natural villages are graduated by the
default indicator's share with the registry's colours; other layers get the
outline and marker colours of the web map, and labels by name.
"""

import itertools
import sqlite3
from xml.sax.saxutils import quoteattr

from .. import indicators

# Class breaks of a share, as on the web map's legend.
BREAKS = (0.0, 0.1, 0.2, 0.3, 0.5, 1.0)

_TABLE = """
CREATE TABLE IF NOT EXISTS layer_styles (
    id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), f_table_schema TEXT(256),
    f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT,
    useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30), update_time DATETIME DEFAULT
    (strftime('%Y-%m-%dT%H:%M:%fZ','now')))"""


def _rgb(hex_colour: str, alpha: int = 255) -> str:
    h = hex_colour.lstrip("#")
    return ",".join(str(int(h[i : i + 2], 16)) for i in (0, 2, 4)) + f",{alpha}"


def _options(**values: str) -> str:
    items = "".join(f'<Option name="{k}" type="QString" value={quoteattr(v)}/>' for k, v in values.items())
    return f'<Option type="Map">{items}</Option>'


def _fill(name: str, colour: str, outline: str, width: str, style: str = "solid") -> str:
    layer = _options(color=colour, outline_color=outline, outline_width=width, style=style)
    return (
        f'<symbol type="fill" name="{name}" alpha="1" clip_to_extent="1" force_rhr="0">'
        f'<layer class="SimpleFill" enabled="1" locked="0" pass="0">{layer}</layer></symbol>'
    )


def _marker(colour: str, name: str = "0") -> str:
    layer = _options(color=colour, outline_color="255,255,255,255", size="1.8", name="circle")
    return (
        f'<symbol type="marker" name="{name}" alpha="1" clip_to_extent="1" force_rhr="0">'
        f'<layer class="SimpleMarker" enabled="1" locked="0" pass="0">{layer}</layer></symbol>'
    )


def _labels(field: str) -> str:
    return (
        '<labeling type="simple"><settings calloutType="simple">'
        f'<text-style fieldName="{field}" fontSize="9" textColor="50,50,50,255" isExpression="0"/>'
        '<text-buffer bufferDraw="1" bufferSize="0.8" bufferColor="255,255,255,255"/>'
        "</settings></labeling>"
    )


def _qml(renderer: str, labels: str = "") -> str:
    enabled = "1" if labels else "0"
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"
        f'<qgis version="3.28.0" styleCategories="Symbology|Labeling" labelsEnabled="{enabled}">'
        f"{renderer}{labels}</qgis>"
    )


def natural_villages_qml() -> str:
    """Return a graduated style of natural villages by the default indicator's share."""
    indicator = indicators.BY_KEY[indicators.DEFAULT]
    attribute = f"{indicator.key}_share"
    ranges, symbols = [], []
    for i, (low, high) in enumerate(itertools.pairwise(BREAKS)):
        label = f"{indicator.zh} {low:.0%}–{high:.0%}"
        ranges.append(
            f'<range lower="{low}" upper="{high}" symbol="{i}" label={quoteattr(label)} render="true"/>'
        )
        symbols.append(_fill(str(i), _rgb(indicator.colors[i]), "120,120,120,255", "0.2"))
    renderer = (
        f'<renderer-v2 type="graduatedSymbol" attr="{attribute}" graduatedMethod="GraduatedColor" '
        'symbollevels="0" enableorderby="0" forceraster="0">'
        f"<ranges>{''.join(ranges)}</ranges><symbols>{''.join(symbols)}</symbols></renderer-v2>"
    )
    return _qml(renderer, _labels("name"))


def _single(symbol: str) -> str:
    return (
        '<renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" forceraster="0">'
        f"<symbols>{symbol}</symbols></renderer-v2>"
    )


def visits_qml() -> str:
    """Return blue dots for visits (households are red houses)."""
    return _qml(_single(_marker("31,120,180,255")))


def demands_qml() -> str:
    """Return demands as dots coloured by state, as on the natural-village map (waiting red, done green)."""
    from ..demands.lifecycle import STATE_COLOURS  # the demands package is a blueprint: imported late

    rules, symbols = [], []
    for n, (state, colour) in enumerate(STATE_COLOURS.items()):
        rule = quoteattr(f"\"state\" = '{state}'")
        rules.append(f'<rule key="{state}" symbol="{n}" label="{state}" filter={rule}/>')
        symbols.append(_marker(_rgb(colour), str(n)))
    renderer = (
        '<renderer-v2 type="RuleRenderer" symbollevels="0" enableorderby="0" forceraster="0">'
        f'<rules key="root">{"".join(rules)}</rules><symbols>{"".join(symbols)}</symbols></renderer-v2>'
    )
    return _qml(renderer)


def pairings_qml() -> str:
    """Return thin purple lines from a cadre's patch to the paired household."""
    layer = _options(line_color="106,61,154,255", line_width="0.3", line_style="solid")
    line = (
        '<symbol type="line" name="0" alpha="1" clip_to_extent="1" force_rhr="0">'
        f'<layer class="SimpleLine" enabled="1" locked="0" pass="0">{layer}</layer></symbol>'
    )
    return _qml(_single(line))


def outline_qml(width: str) -> str:
    """Return an unfilled outline style (townships, villages) labelled by name."""
    return _qml(_single(_fill("0", "255,255,255,0", "140,29,24,255", width, "no")), _labels("name"))


# A flag's chip beside the house: a square of the flag's colour carrying its mark, chips in a row.
CHIP_MM = 2.2
CJK_FONT = "WenQuanYi Zen Hei"  # Debian fonts-wqy-zenhei, as on the prints


def chip_symbol(name: str, flag: indicators.Indicator) -> str:
    """Return the marker symbol of `flag`'s chip, in its slot (`indicators.MARKED`) right of the house."""
    offset = f"{CHIP_MM * (indicators.MARKED.index(flag) + 1):.1f},0"
    square = _options(
        name="square", color=_rgb(flag.symbol), outline_color="255,255,255,255", outline_width="0.1",
        size=str(CHIP_MM), offset=offset, offset_unit="MM",
    )  # fmt: skip
    mark = _options(
        chr=flag.mark, font=CJK_FONT, size=str(CHIP_MM * 0.8), color=_rgb(flag.mark_colour),
        offset=offset, offset_unit="MM",
    )  # fmt: skip
    return (
        f'<symbol type="marker" name="{name}" alpha="1" clip_to_extent="1" force_rhr="0">'
        f'<layer class="SimpleMarker" enabled="1" locked="0" pass="0">{square}</layer>'
        f'<layer class="FontMarker" enabled="1" locked="0" pass="0">{mark}</layer></symbol>'
    )


def households_qml() -> str:
    """Return households as dark-red dots, each flag a chip of its colour and mark beside the house.

    One rule per flag of the registry (the filter is the indicator's own predicate, which QGIS
    reads as an expression), so black-and-white prints from QGIS tell the flags apart as the
    service's prints do. A flag whose column a role's export lacks simply never matches.
    """
    rules = ['<rule key="house" symbol="0" label="农户 Household"/>']
    symbols = [_marker("165,15,21,255")]
    for n, flag in enumerate(indicators.MARKED, start=1):
        label = quoteattr(f"{flag.mark} {flag.zh} {flag.en}")
        rules.append(f'<rule key="{flag.key}" symbol="{n}" label={label} filter={quoteattr(flag.sql)}/>')
        symbols.append(chip_symbol(str(n), flag))
    renderer = (
        '<renderer-v2 type="RuleRenderer" symbollevels="0" enableorderby="0" forceraster="0">'
        f'<rules key="root">{"".join(rules)}</rules><symbols>{"".join(symbols)}</symbols></renderer-v2>'
    )
    return _qml(renderer)


STYLES = {
    "townships": lambda: outline_qml("0.8"),
    "villages": lambda: outline_qml("0.4"),
    "natural_villages": natural_villages_qml,
    "households": households_qml,
    "pairings": pairings_qml,
    "visits": visits_qml,
    "demands": demands_qml,
}


def add_to_geopackage(path: str, layers: list[str], *, owner: str) -> None:
    """Store each layer's default QGIS style in the GeoPackage at `path`."""
    connection = sqlite3.connect(path)
    try:
        connection.execute(_TABLE)
        columns = dict(connection.execute("SELECT table_name, column_name FROM gpkg_geometry_columns"))
        for layer in layers:
            connection.execute(
                """INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column,
                       styleName, styleQML, styleSLD, useAsDefault, description, owner)
                   VALUES ('', '', ?, ?, ?, ?, '', 1, 'Minqing Map 民情地图', ?)""",
                (layer, columns[layer], f"{layer} (Minqing Map)", STYLES[layer](), owner),
            )
        connection.commit()
    finally:
        connection.close()
