"""The generated county's fixed facts: its reference systems, code, scale, code capacity and shares."""

from __future__ import annotations

import datetime

CRS = "EPSG:4490"  # CGCS2000 longitude/latitude, as stored in PostGIS
PROJECTED_CRS = "EPSG:4545"  # CGCS2000 / 3-degree Gauss-Kruger CM 108E, metres
CENTRE = (107.0, 26.5)  # lon, lat of the county seat region
AS_OF = datetime.date(2025, 6, 30)  # ages are as of this day, so output never depends on today
COUNTY_CODE = "522699000000"
COUNTY_NAME = "民情县"
LAYERS = ("admin_units", "natural_villages", "households")

# The full-scale county every default is a fraction of.
FULL_HOUSEHOLDS = 170_000
FULL_NATURAL_VILLAGES = 3_500
FULL_VILLAGES = 300
FULL_TOWNSHIPS = 19
CELL_AREA = 2_500e6 / FULL_NATURAL_VILLAGES  # m² per natural village (2,500 km² at full scale)

# County-wide shares of households (poverty shares are of all households).
RATES = {
    "poor": 0.15,  # poverty_status 'registered' or 'lifted'
    "registered_of_poor": 0.15,  # of those, still 'registered'
    "monitored": 0.03,
    "dibao": 0.08,
    "wubao": 0.01,
    "family_planning": 0.03,
    "left_behind_children": 0.10,
    "left_behind_elderly": 0.12,
    "empty_nest_elderly": 0.08,
    "disabled": 0.06,
    "dilapidated_house": 0.02,
    "migrant_workers": 0.45,
}
MEDIAN_INCOME = 9_000  # yuan per person per year

# Code capacity: township 100-999, village 201-999, natural village 01-99, household 001-999.
MAX_TOWNSHIPS = 900
MAX_VILLAGES_PER_TOWNSHIP = 799
MAX_NATURAL_VILLAGES_PER_VILLAGE = 99
MAX_HOUSEHOLDS_PER_NATURAL_VILLAGE = 999
