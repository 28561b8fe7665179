"""The county overview: natural villages coloured by one indicator, township outlines and names."""

import json
from dataclasses import dataclass

import folium

from ..indicators import Indicator
from .choropleth import Classes, format_value, quantiles, value_of


@dataclass(frozen=True)
class MapParts:
    """A Folium map split for embedding in our own page: <head> part, <body> part, script."""

    header: str
    html: str
    script: str


@dataclass(frozen=True)
class Assets:
    """Where the page loads Leaflet from: the app's own static files, never a CDN."""

    js: tuple[tuple[str, str], ...]
    css: tuple[tuple[str, str], ...]


def base_map(bounds: tuple[float, float, float, float], *, assets: Assets, basemap: str, attribution: str):
    """Return an empty Folium map fitted to (west, south, east, north), loading only local assets."""
    west, south, east, north = bounds
    fmap = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=10,
        tiles=None,
        control_scale=True,
        prefer_canvas=False,
    )
    fmap.default_js = list(assets.js)
    fmap.default_css = list(assets.css)
    if basemap and basemap != "none":
        folium.TileLayer(basemap, attr=attribution or " ", name="basemap", max_zoom=18).add_to(fmap)
    fmap.fit_bounds([[south, west], [north, east]])
    return fmap


def split(fmap) -> MapParts:
    """Render `fmap` and return its three parts."""
    root = fmap.get_root()
    root.render()
    return MapParts(root.header.render(), root.html.render(), root.script.render())


def overview(
    county: dict,
    natural_villages: str,
    townships: str,
    indicator: Indicator,
    *,
    lang: str,
    labels: dict[str, str],
    assets: Assets,
    basemap: str = "none",
    attribution: str = "",
) -> tuple[MapParts, Classes]:
    """Build the overview map and the classes its legend shows.

    Parameters
    ----------
    county
        Row from `queries.county()` (for the bounds).
    natural_villages, townships
        GeoJSON text from `queries.natural_villages_geojson()` and `queries.townships_geojson()`.
    labels
        Translated tooltip labels: keys ``name``, ``village``, ``township``, ``households``, ``value``.
    """
    bounds = (county["west"], county["south"], county["east"], county["north"])
    fmap = base_map(bounds, assets=assets, basemap=basemap, attribution=attribution)

    data = json.loads(natural_villages)
    classes = quantiles(indicator, [value_of(indicator, f["properties"]) for f in data["features"]])
    for feature in data["features"]:
        props = feature["properties"]
        value = value_of(indicator, props)
        props["fill"] = classes.color(value)
        props["value"] = format_value(indicator, value, lang)
        if indicator.kind == "share":
            props["value"] = f"{props[indicator.key]} ({props['value']})"

    folium.GeoJson(
        data,
        name="natural_villages",
        style_function=lambda f: {
            "fillColor": f["properties"]["fill"],
            "fillOpacity": 0.8,
            "color": "#ffffff",
            "weight": 0.5,
        },
        highlight_function=lambda f: {"weight": 2, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(
            fields=["name", "village", "township", "households", "value"],
            aliases=[labels[k] for k in ("name", "village", "township", "households", "value")],
        ),
    ).add_to(fmap)

    outlines = json.loads(townships)
    folium.GeoJson(
        outlines,
        name="townships",
        style_function=lambda f: {"fill": False, "color": "#333333", "weight": 2},
        interactive=False,
    ).add_to(fmap)
    for feature in outlines["features"]:
        props = feature["properties"]
        folium.Marker(
            [props["label_y"], props["label_x"]],
            icon=folium.DivIcon(
                html=f'<div class="mq-label">{props["name"]}</div>', icon_size=(80, 20), icon_anchor=(40, 10)
            ),
            interactive=False,
        ).add_to(fmap)
    return split(fmap), classes
