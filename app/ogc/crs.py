"""The CRSs this service speaks: their URIs, PostGIS SRIDs and axis orders."""

from dataclasses import dataclass

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
