"""The CRSs this service speaks: their URIs, PostGIS SRIDs and axis orders."""

from dataclasses import dataclass
from functools import cache

import pyproj

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/{}"


@dataclass(frozen=True)
class Crs:
    """An output or bbox CRS: its URI, PostGIS SRID and whether its first axis is latitude/northing."""

    uri: str
    srid: int
    flip: bool = False
    projected: bool = False


# EPSG:4490 and 4326 are latitude first; the CGCS2000 3-degree Gauss-Kruger zones (EPSG:4534-4554,
# central meridians 75E to 135E; Guizhou lies in the CM 105E and 108E zones, EPSG:4544 and 4545) are
# northing first. CRS84 and Web Mercator are east first.
CRSS = {
    CRS84: Crs(CRS84, 4326),
    EPSG_URI.format(4490): Crs(EPSG_URI.format(4490), 4490, flip=True),
    EPSG_URI.format(4326): Crs(EPSG_URI.format(4326), 4326, flip=True),
    EPSG_URI.format(3857): Crs(EPSG_URI.format(3857), 3857, projected=True),
    **{
        EPSG_URI.format(code): Crs(EPSG_URI.format(code), code, flip=True, projected=True)
        for code in range(4534, 4555)
    },
}


@cache
def domain(srid: int) -> tuple[float, float, float, float]:
    """Return the (min east, min north, max east, max north) where projected `srid`'s coordinates make sense.

    That is the CRS's area of use widened by 3 degrees of longitude either side (one Gauss-Kruger
    zone: a county straddling a zone edge is still read in either zone). Beyond it PROJ answers
    "point outside of projection domain" or, worse, positions on another continent.
    """
    west, south, east, north = pyproj.CRS.from_epsg(srid).area_of_use.bounds
    widened = (max(west - 3, -180), south, min(east + 3, 180), north)
    return pyproj.Transformer.from_crs(4326, srid, always_xy=True).transform_bounds(*widened, densify_pts=21)
