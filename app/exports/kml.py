"""KML written a chunk at a time: GDAL's KML driver cannot append to a file, so GDAL writes each chunk
to a file of its own and the files are joined: the first one's head, every chunk's placemarks
(numbered on), the last one's tail. The result reads as one file GDAL wrote at once.
"""

from __future__ import annotations

import pathlib
import re
import tempfile
from collections.abc import Iterable

import geopandas
import pyogrio

# GDAL numbers a file's placemarks from 1: numbered on across chunks, so every id stays unique.
_PLACEMARK = re.compile(r'^(\s*<Placemark id="[^"]*\.)(\d+)(">\s*)$')


def write(
    frames: Iterable[geopandas.GeoDataFrame], path: pathlib.Path, *, layer: str, name_field: str
) -> int:
    """Write `frames` (the chunks of one layer, typed alike) as layer `layer` of the KML at `path`,
    each placemark named by `name_field`; return how many were written."""
    written, tail, head = 0, "", True
    folder_line = f"<Folder><name>{layer}</name>"
    with tempfile.TemporaryDirectory(dir=path.parent) as folder, path.open("w", encoding="utf-8") as out:
        part = pathlib.Path(folder) / "part.kml"
        for frame in frames:
            empty = {"geometry_type": "Point"} if frame.empty else {}
            options = {"NameField": name_field}
            pyogrio.write_dataframe(frame, part, layer=layer, driver="KML", dataset_options=options, **empty)
            with part.open(encoding="utf-8") as lines:
                for line in lines:  # the head (the schema), the same in every part: written once
                    if head:
                        out.write(line)
                    if line.rstrip("\n") == folder_line:
                        break
                tail = _placemarks(lines, out, offset=written)
            head, written = False, written + len(frame)
            part.unlink()
        out.write(tail)
    return written


def _placemarks(lines, out, *, offset: int) -> str:
    """Copy the placemarks of `lines` to `out`, their ids moved on by `offset`; return what follows."""
    for line in lines:
        if line.rstrip("\n") == "</Folder>":
            return line + "".join(lines)
        if offset and (match := _PLACEMARK.match(line)):
            line = f"{match[1]}{int(match[2]) + offset}{match[3]}"
        out.write(line)
    return ""
