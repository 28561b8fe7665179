"""GCJ-02 (the offset datum of AMap and Tencent maps) back to WGS84 / CGCS2000 longitude and latitude.

GCJ-02 adds a published, smooth, non-invertible-in-closed-form offset of a few
hundred metres to WGS84 coordinates inside China. The inverse here iterates
x ← x − (forward(x) − target), which converges to well under a millimetre in a
few steps because the offset changes slowly. CGCS2000 and WGS84 agree to a few
centimetres, so the result is used as CGCS2000 directly. GCJ-02 is never stored.
"""

import numpy as np
import shapely

_A = 6378245.0  # Krasovsky 1940 semi-major axis, as the algorithm defines it
_EE = 0.00669342162296594323


def _offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the GCJ-02 offset (degrees of longitude, latitude) at WGS84 `lon`, `lat`."""
    x, y = lon - 105.0, lat - 35.0
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x)) + common
    d_lat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    d_lat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x)) + common
    d_lon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    d_lon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(rad) ** 2
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * np.sqrt(magic)) * np.pi)
    d_lon = (d_lon * 180.0) / (_A / np.sqrt(magic) * np.cos(rad) * np.pi)
    return d_lon, d_lat


def from_wgs84(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Return GCJ-02 coordinates of WGS84 `lon`, `lat` (arrays or scalars)."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    d_lon, d_lat = _offset(lon, lat)
    return lon + d_lon, lat + d_lat


def to_wgs84(
    lon, lat, *, tolerance: float = 1e-10, max_iterations: int = 20
) -> tuple[np.ndarray, np.ndarray]:
    """Return WGS84 coordinates of GCJ-02 `lon`, `lat`, inverting the forward transform by iteration.

    Parameters
    ----------
    lon, lat
        GCJ-02 longitude and latitude in degrees.
    tolerance
        Stop when every point's forward transform is this close (degrees; 1e-10 is about 0.01 mm).
    max_iterations
        Upper bound on steps; a handful suffice in China.
    """
    target_lon, target_lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    x, y = target_lon.copy(), target_lat.copy()
    for _ in range(max_iterations):
        fx, fy = from_wgs84(x, y)
        ex, ey = fx - target_lon, fy - target_lat
        x, y = x - ex, y - ey
        if max(np.max(np.abs(ex), initial=0.0), np.max(np.abs(ey), initial=0.0)) < tolerance:
            break
    return x, y


def geometries_to_wgs84(geometries) -> np.ndarray:
    """Return shapely `geometries` with every GCJ-02 vertex converted to WGS84 (None stays None)."""
    return shapely.transform(geometries, lambda xy: np.column_stack(to_wgs84(xy[:, 0], xy[:, 1])))
