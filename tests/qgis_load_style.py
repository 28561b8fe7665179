"""Run by Debian's python3 (tests/test_qgis_styles.py): open a GeoPackage's households as QGIS does.

Arguments: the GeoPackage, the PNG to render into, and the extent (west,south,east,north in degrees).
Prints one JSON line: the layer's validity, its default style's renderer and rules.
"""

import json
import os
import sys

from qgis.core import QgsApplication, QgsMapRendererParallelJob, QgsMapSettings, QgsRectangle, QgsVectorLayer
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor

app = QgsApplication([], False)
app.initQgis()
layer = QgsVectorLayer(sys.argv[1] + "|layername=households", "households", "ogr")
message, loaded = layer.loadDefaultStyle()
renderer = layer.renderer()
rules = []
if renderer.type() == "RuleRenderer":
    rules = [(r.label(), r.filterExpression()) for r in renderer.rootRule().children()]
settings = QgsMapSettings()
settings.setLayers([layer])
settings.setDestinationCrs(layer.crs())
settings.setOutputSize(QSize(600, 300))
settings.setBackgroundColor(QColor(255, 255, 255))
settings.setExtent(QgsRectangle(*(float(v) for v in sys.argv[3].split(","))))
job = QgsMapRendererParallelJob(settings)
job.start()
job.waitForFinished()
job.renderedImage().save(sys.argv[2])
report = {"valid": layer.isValid(), "loaded": loaded, "type": renderer.type(), "rules": rules}
print(json.dumps(report), flush=True)
os._exit(0)  # QGIS's teardown can hang on its threads once the report is written (see qgis_open_project.py)
