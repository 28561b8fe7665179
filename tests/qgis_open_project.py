"""Open a Minqing Map QGIS project with Debian's QGIS, offscreen, and print what a user would see as JSON.

Run by tests/test_qgis.py with Debian's /usr/bin/python3 (QGIS's bindings are not in the venv):

    QT_QPA_PLATFORM=offscreen python3 qgis_open_project.py PROJECT PROFILE USER PASSWORD W,S,E,N STYLE [RULED]

PROFILE is a throw-away folder: QGIS keeps its settings and authentication database there,
with the Basic configuration ``minqing`` for USER that the project's layers sign in with.
The vector-tile layer is drawn over the CRS84 box W,S,E,N and the image's colours reported.
STYLE is a Mapbox GL style URL: a vector tile connection to the project's tiles with that
style is made as a user would in QGIS's browser, and what QGIS made of the style reported.
RULED names a layer with a rule-based style: how many of its features each rule draws is reported.
"""

import json
import os
import sys
from collections import Counter

from qgis.core import (
    QgsApplication,
    QgsAuthMethodConfig,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsExpression,
    QgsFeatureRequest,
    QgsMapLayerType,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsProject,
    QgsRectangle,
    QgsVectorTileLayer,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor

SIZE = 300


def sign_in(username: str, password: str) -> bool:
    """Create the Basic authentication configuration ``minqing`` in a new auth database."""
    manager = QgsApplication.authManager()
    manager.setMasterPassword("throw-away master password", True)
    config = QgsAuthMethodConfig("Basic")
    config.setId("minqing")
    config.setName("Minqing Map")
    config.setConfig("username", username)
    config.setConfig("password", password)
    stored = manager.storeAuthenticationConfig(config)
    return stored[0] if isinstance(stored, tuple) else stored  # PyQGIS 3.22 also returns the config


def colours(project: QgsProject, layer, box: list[float]) -> dict[str, int]:
    """Draw `layer` alone over `box` (CRS84) in the project's CRS; return colour -> pixels (sampled)."""
    to_project = QgsCoordinateTransform(
        QgsCoordinateReferenceSystem("OGC:CRS84"), project.crs(), project.transformContext()
    )
    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(project.crs())
    settings.setTransformContext(project.transformContext())
    settings.setExtent(to_project.transformBoundingBox(QgsRectangle(*box)))
    settings.setOutputSize(QSize(SIZE, SIZE))
    settings.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    found = Counter(QColor(image.pixel(x, y)).name() for x in range(0, SIZE, 2) for y in range(0, SIZE, 2))
    return dict(found.most_common(20))


def describe(project: QgsProject, layer, box: list[float]) -> dict:
    """Return what a user sees of `layer`: valid, features or styles, the colours it draws."""
    entry = {"name": layer.name(), "valid": layer.isValid()}
    if layer.type() == QgsMapLayerType.VectorLayer:
        first = next(iter(layer.getFeatures(QgsFeatureRequest().setLimit(1))), None)
        entry.update(kind="vector", has_features=first is not None, crs=layer.crs().authid())
    elif layer.type() == QgsMapLayerType.VectorTileLayer:
        renderer, labeling = layer.renderer(), layer.labeling()
        entry.update(
            kind="vector-tile",
            styles=[style.styleName() for style in renderer.styles()] if renderer else [],
            marks={
                style.styleName(): [
                    sl.character() for sl in style.symbol().symbolLayers() if sl.layerType() == "FontMarker"
                ]
                for style in (renderer.styles() if renderer else [])
                if style.symbol()
            },
            labels=[style.styleName() for style in labeling.styles()] if labeling else [],
            colours=colours(project, layer, box),
        )
    return entry


def ruled(layer) -> dict[str, int]:
    """Return each rule's label -> how many of `layer`'s features its filter picks, as QGIS evaluates it."""
    picked = {}
    for rule in layer.renderer().rootRule().children():
        request = QgsFeatureRequest(QgsExpression(rule.filterExpression()))
        picked[rule.label()] = sum(1 for _ in layer.getFeatures(request))
    return picked


def connection(tiles_source: str, style_url: str) -> dict:
    """Add the tiles as a QGIS vector tile connection with `style_url`; return the styles QGIS made."""
    layer = QgsVectorTileLayer(f"styleUrl={style_url}&{tiles_source}", "connection")
    error, loaded = layer.loadDefaultStyle()
    styles = layer.renderer().styles() if loaded and layer.renderer() else []
    return {
        "loaded": loaded,
        "error": error,
        "styles": {style.styleName(): style.filterExpression() for style in styles},
    }


def main(path: str, profile: str, username: str, password: str, box: str, style_url: str, rules="") -> None:
    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False, profile)
    app.initQgis()
    report = {"signed_in": sign_in(username, password)}
    project = QgsProject.instance()
    report["read"] = project.read(path)
    crs = project.crs()
    report["crs"] = {"valid": crs.isValid(), "authid": crs.authid(), "description": crs.description()}
    west_south_east_north = [float(v) for v in box.split(",")]
    report["layers"] = [
        describe(project, layer, west_south_east_north) for layer in project.mapLayers().values()
    ]
    layers = project.mapLayers().values()
    report["rules"] = {layer.name(): ruled(layer) for layer in layers if rules and layer.name() == rules}
    tiles = next(layer for layer in project.mapLayers().values() if isinstance(layer, QgsVectorTileLayer))
    report["connection"] = connection(tiles.source(), style_url)
    print(json.dumps(report, ensure_ascii=False), flush=True)
    # QGIS's teardown (exitQgis, or the interpreter's) can hang on its network threads once the report
    # is written: a CI run under load waited 300 s for a process that had said everything. Leave now.
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main(*sys.argv[1:])
