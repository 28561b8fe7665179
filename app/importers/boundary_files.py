"""Open a boundary file: one layer of a Shapefile (zipped), GeoPackage, GeoJSON or KML/KMZ, decoded right.

A file with several layers (a zip holding two Shapefiles, a GeoPackage with
several tables, a KML with several folders) is refused unless a layer is
named: importing "the first one" silently has put the wrong layer in before.

A Shapefile's DBF says nothing reliable about its encoding when the .cpg is
missing: Chinese offices write GBK, newer tools UTF-8. The text fields' bytes
decide: UTF-8 when every value decodes as UTF-8 (GBK text almost never does:
its trail bytes are not UTF-8 continuation bytes), else GB18030, the superset
of GBK. Either way the choice is reported in the result's notes.
"""

from __future__ import annotations

import dataclasses
import pathlib
import struct
import zipfile

import pyogrio

from .problems import Problem, Refused
from .spreadsheets import UNZIP_RATIO_LIMIT

DATASET_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json", ".kml")


@dataclasses.dataclass
class Source:
    """What GDAL should open: its path, the layer in it, and the encoding to force (None: the file's)."""

    path: str
    layer: str | None
    encoding: str | None
    notes: list[Problem] = dataclasses.field(default_factory=list)


def open_source(
    path: pathlib.Path, file: str, *, max_bytes: int, layer: str | None = None, encoding: str | None = None
) -> Source:
    """Return the GDAL source of `path` (shown as `file`): its one layer or `layer`, and its encoding.

    Raises
    ------
    Refused
        The file is too large, not a readable archive, a zip bomb, holds no dataset, holds
        several layers and none is named, or has no layer `layer`.
    """
    size = path.stat().st_size
    if size > max_bytes:
        raise Refused(
            whole_file(
                file,
                f"file is over the limit of {max_bytes} bytes",
                f"文件超过 {max_bytes} 字节的上限",
                value=f"{size} bytes",
            )
        )
    zipped = path.suffix.lower() in (".zip", ".kmz")
    member = _inside_zip(path, file, layer, max_bytes=max_bytes) if zipped else None
    source = Source(f"/vsizip/{path}/{member}" if member else str(path), None, encoding)
    source.layer = _layer(source, file, layer)
    if encoding is None and source.path.lower().endswith(".shp"):
        dbf, text = _dbf_without_cpg(path, member)
        if text is not None:
            source.encoding = _encoding_of(text)
            source.notes.append(_encoding_note(file, dbf, source.encoding))
    return source


def _inside_zip(path: pathlib.Path, file: str, layer: str | None, *, max_bytes: int) -> str:
    """Return the member of a zip or KMZ to read: its only dataset, or the one whose name is `layer`."""
    size = path.stat().st_size
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            unpacked = sum(i.file_size for i in archive.infolist())
    except zipfile.BadZipFile as error:
        raise Refused(unreadable(file, error)) from None
    if unpacked > UNZIP_RATIO_LIMIT * max(size, 1) or unpacked > 10 * max_bytes:
        raise Refused(
            whole_file(
                file,
                "zip bomb refused",
                "压缩包解压后过大（疑似压缩炸弹），拒绝导入",
                value=f"{unpacked} bytes unpacked",
            )
        )
    inner = sorted(n for n in names if n.lower().endswith(DATASET_SUFFIXES) and not n.startswith("__MACOSX"))
    if not inner:
        raise Refused(
            whole_file(
                file,
                "the archive holds no .shp, .gpkg, .geojson or .kml",
                "压缩包中没有 .shp、.gpkg、.geojson 或 .kml 文件",
            )
        )
    if len(inner) == 1:
        return inner[0]
    stems = [pathlib.PurePosixPath(n).stem for n in inner]
    if layer not in stems:
        raise Refused(_layers_problem(file, stems, layer))
    return inner[stems.index(layer)]


def _layer(source: Source, file: str, wanted: str | None) -> str | None:
    """Return the layer to read: the only spatial one, or `wanted`; refuse several unnamed or a wrong name."""
    try:
        listed = pyogrio.list_layers(source.path)
    except Exception as error:  # GDAL's errors all mean "cannot read this" to the user
        raise Refused(unreadable(file, error)) from None
    # Attribute tables (a GeoPackage's layer_styles, say) are not boundaries.
    names = [str(name) for name, geometry_type in listed if geometry_type is not None]
    if wanted is None and len(names) > 1:
        raise Refused(_layers_problem(file, names, None))
    if wanted is not None and wanted not in names:
        raise Refused(_layers_problem(file, names, wanted))
    return wanted or (names[0] if names else None)


def _layers_problem(file: str, names: list[str], wanted: str | None) -> Problem:
    listed = ", ".join(names)
    listed_zh = "、".join(names)
    if wanted is None:
        return whole_file(
            file,
            f"the file holds {len(names)} layers: {listed}; "
            "choose one with --layer NAME (the page's Layer field)",
            f"文件含 {len(names)} 个图层：{listed_zh}；请用 --layer 图层名（页面的“图层”栏）选择其一",
            column="layer",
            value=listed,
        )
    return whole_file(
        file,
        f"the file has no layer {wanted!r}; its layers are: {listed}",
        f"文件中没有图层“{wanted}”；其图层为：{listed_zh}",
        column="layer",
        value=wanted,
    )


def whole_file(
    file: str, reason: str, reason_zh: str, *, column: str | None = None, value: str | None = None
) -> Problem:
    """Return a problem of the file as a whole (no feature), worded in English and zh-CN."""
    return Problem(file, None, column, value, reason, reason_zh)


def unreadable(file: str, error: Exception) -> Problem:
    """Word a file GDAL (or zipfile) cannot read."""
    return whole_file(
        file,
        f"unreadable or truncated file: {error}",
        f"文件无法读取或不完整：{error}",
    )


def _dbf_without_cpg(path: pathlib.Path, member: str | None) -> tuple[str, list[bytes] | None]:
    """Return the DBF's name and its text values, or None for them when a .cpg names the encoding."""
    if member is None:
        siblings = {p.name.lower(): p for p in path.parent.iterdir() if p.stem == path.stem}
        dbf = siblings.get(f"{path.stem.lower()}.dbf")
        if f"{path.stem.lower()}.cpg" in siblings or dbf is None:
            return path.name, None
        return dbf.name, _text_values(dbf.read_bytes())
    stem = member[:-4]
    with zipfile.ZipFile(path) as archive:
        names = {n.lower(): n for n in archive.namelist()}
        dbf = names.get(f"{stem.lower()}.dbf")
        if f"{stem.lower()}.cpg" in names or dbf is None:
            return member, None
        return pathlib.PurePosixPath(dbf).name, _text_values(archive.read(dbf))


def _text_values(dbf: bytes) -> list[bytes]:
    """Return the non-blank values of a DBF's character fields, as stored (dBASE III layout)."""
    if len(dbf) < 32:
        return []
    records, header, width = struct.unpack_from("<IHH", dbf, 4)
    # A header may claim more records than the file holds: read only those it holds.
    records = min(records, max(len(dbf) - header, 0) // max(width, 1))
    fields, offset, start = [], 32, 1  # each record opens with its deletion flag
    while offset + 32 <= header and dbf[offset] != 0x0D:
        kind, length = chr(dbf[offset + 11]), dbf[offset + 16]
        if kind == "C":
            fields.append((start, length))
        start += length
        offset += 32
    values = []
    for record in range(records):
        row = header + record * width
        for begin, length in fields:
            value = dbf[row + begin : row + begin + length].rstrip(b" \x00")
            if value:
                values.append(value)
    return values


def _encoding_of(values: list[bytes]) -> str:
    """Return 'UTF-8' when every value decodes as UTF-8, else 'GB18030'."""
    for value in values:
        try:
            value.decode("utf-8")
        except UnicodeDecodeError as error:
            # A writer may cut a UTF-8 value at the field's width mid-character: still UTF-8.
            if not (error.reason == "unexpected end of data" and error.end == len(value)):
                return "GB18030"
    return "UTF-8"


def _encoding_note(file: str, dbf: str, encoding: str) -> Problem:
    if encoding == "UTF-8":
        return whole_file(
            file,
            f"{dbf} has no .cpg: its text decodes cleanly as UTF-8, so it was read as UTF-8",
            f"{dbf} 没有 .cpg 文件：其文字是有效的 UTF-8，已按 UTF-8 读取",
            column=dbf,
            value=encoding,
        )
    return whole_file(
        file,
        f"{dbf} has no .cpg and its text is not UTF-8, so it was read as GB18030 (GBK); "
        "if names look wrong, name the encoding (--encoding)",
        f"{dbf} 没有 .cpg 文件且其文字不是 UTF-8，已按 GB18030（GBK）读取；"
        "若名称显示不对，请指定编码（--encoding）",
        column=dbf,
        value=encoding,
    )
