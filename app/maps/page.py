"""Map pages: Folium builds the map (view, scale, basemap); data layers travel as JSON.

The layers are drawn by static/js/minqing-map.js, because Folium re-parses
every layer it embeds as a Jinja template (0.4 s for the county's 3,500
polygons, more than everything else on the page).
"""

import json
from dataclasses import dataclass, field, replace

import folium
from branca.element import MacroElement
from folium import plugins
from folium.template import Template

Files = tuple[tuple[str, str], ...]  # (name, URL) pairs, as Folium lists its JS and CSS


@dataclass(frozen=True)
class Assets:
    """Where the page loads Leaflet and its plugins from: the app's own static files, never a CDN.

    `plugins` maps a Folium plugin class name to its (js, css) files.
    """

    js: Files
    css: Files
    plugins: dict[str, tuple[Files, Files]] = field(default_factory=dict)


def _plugin(instance, assets: Assets):
    """Point a Folium plugin at the app's copy of its files."""
    js, css = assets.plugins[type(instance).__name__]
    instance.default_js, instance.default_css = list(js), list(css)
    return instance


@dataclass(frozen=True)
class MapPage:
    """A Folium map split for embedding in our page, plus the data layers as JSON."""

    name: str  # the Leaflet map's JavaScript variable
    header: str
    html: str
    script: str
    layers: dict[str, str]  # element id -> JSON text, safe inside <script type="application/json">

    def with_layers(self, layers: dict[str, object]) -> "MapPage":
        """Return this map carrying `layers` (values or JSON text) instead of its own."""
        return replace(self, layers={key: script_json(value) for key, value in layers.items()})


class MetricScale(MacroElement):
    """Leaflet's scale bar in metres and kilometres only (Folium's also shows miles and feet)."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});"
        "{% endmacro %}"
    )


def base_map(
    bounds: tuple[float, float, float, float],
    *,
    assets: Assets,
    basemaps: list[str] = (),
    attribution: str = "",
    lang: str = "zh",
):
    """Return a Folium map fitted to (west, south, east, north) with fullscreen, measure and locate controls.

    Every file it loads is one of `assets`; `basemaps` are XYZ templates drawn bottom first.
    """
    west, south, east, north = bounds
    # No location: the first view is fitBounds' own, not a zoom animation from a guessed one.
    fmap = folium.Map(location=None, tiles=None)
    MetricScale().add_to(fmap)
    fmap.default_js = list(assets.js)
    fmap.default_css = list(assets.css)
    for i, template in enumerate(basemaps):
        folium.TileLayer(template, attr=attribution or " ", name=f"basemap{i}", max_zoom=18).add_to(fmap)
    if assets.plugins:
        zh = lang == "zh"
        _plugin(
            plugins.Fullscreen(
                title="全屏" if zh else "Full screen", title_cancel="退出全屏" if zh else "Exit"
            ),
            assets,
        ).add_to(fmap)
        _plugin(
            plugins.MeasureControl(
                primary_length_unit="meters",
                secondary_length_unit="kilometers",
                primary_area_unit="sqmeters",
                secondary_area_unit="hectares",
                localization="cn" if zh else "en",
            ),
            assets,
        ).add_to(fmap)
        # Our own icon class: the plugin's default needs Font Awesome, which we do not load.
        _plugin(plugins.LocateControl(icon="mq-locate", iconLoading="mq-locate"), assets).add_to(fmap)
    fmap.fit_bounds([[south, west], [north, east]])
    return fmap


def script_json(value) -> str:
    """Return `value` as JSON that cannot close the <script> element holding it."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text.replace("</", "<\\/")


def page(fmap, layers: dict[str, object]) -> MapPage:
    """Render `fmap` and package it with its data layers."""
    root = fmap.get_root()
    root.render()
    return MapPage(
        fmap.get_name(),
        root.header.render(),
        root.html.render(),
        root.script.render(),
        {key: script_json(value) for key, value in layers.items()},
    )


def bounds_of(area: dict) -> tuple[float, float, float, float]:
    """Return (west, south, east, north) of a row carrying those keys."""
    return (area["west"], area["south"], area["east"], area["north"])


def area_frame(
    area: dict, *, lang: str, assets: Assets, basemaps: list[str] = (), attribution: str = ""
) -> MapPage:
    """Return the map of an area page fitted to `area`, without layers (`MapPage.with_layers` adds them).

    The frame depends only on the area and the language, so a page may keep it; its areas'
    outlines (``mq-areas``) and values travel as layers coloured by the page's script.
    """
    fmap = base_map(bounds_of(area), assets=assets, basemaps=basemaps, attribution=attribution, lang=lang)
    return page(fmap, {})
