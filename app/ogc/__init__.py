"""OGC API - Features for GIS staff: views (`views`), one query object (`params`), documents (`documents`).

The SQL lives in `app.queries.ogc`; the QGIS project file is built by `project`.
"""
