"""Reading every output as its client does, for the leak hunt in test_privacy (#10).

Each reader logs nothing in and returns what one principal was given: household records
(fields, flags) and counts of left-behind children per area code.
"""

import io
import json
import re
import subprocess
import zipfile
from dataclasses import dataclass, field

import mapbox_vector_tile
import pandas as pd
import pyogrio

from app import indicators
from app.fields import LABELS
from tests.test_tiles import household_tile, tile_of

LBC = "left_behind_children"
LBC_COLUMN = 1 + [i.key for i in indicators.INDICATORS].index(LBC)  # in the every-indicator table
EXPORT_FORMATS = ("gpkg", "shp", "geojson", "csv", "kml", "xlsx")


@dataclass
class Seen:
    """What one output gave one principal: household records and counts of left-behind children."""

    households: dict[str, dict] = field(default_factory=dict)  # code -> fields (flags as a set)
    counts: dict[str, int | None] = field(default_factory=dict)  # area code -> count (None: withheld)
    refused: bool = False


@dataclass(frozen=True)
class Place:
    """The test county as the tests need it: households, areas and the truth about them."""

    households: pd.DataFrame
    own: str  # the cadre's village
    own_nv: str
    foreign_nv: str
    zero_nvs: tuple[str, ...]  # natural villages with no left-behind children at all
    townships: tuple[str, ...]
    villages: tuple[str, ...]
    county: str


# --- reading each output ----------------------------------------------------------


def _get(client, url: str):
    response = client.get(url)
    assert response.status_code in (200, 302, 401, 403), (url, response.status_code)
    return response


def _layer(page: str, element_id: str) -> dict | None:
    match = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', page, re.S)
    return json.loads(match.group(1).replace("<\\/", "</")) if match else None


def _count(cell: str) -> int:
    return int(cell.split("<")[0].strip().replace(",", ""))


def _tables(page: str, own_code: str, seen: Seen) -> None:
    """Read the children table and the every-indicator table of an area page into `seen`."""
    table = page[page.index('<table class="stats">') :]
    codes = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table[: table.index("</table>")], re.S)[1:]:
        link = re.search(r'href="/(?:areas|natural-villages)/(\d+)\?', row)
        codes.append(link.group(1) if link else own_code)
        cells = re.findall(r'<td class="num">([^<]*)</td>', row)
        seen.counts[codes[-1]] = None if "withheld" in row else _count(cells[1])
    wide = page[page.index('<table class="stats wide">') :]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", wide[: wide.index("</table>")], re.S)[1:]
    for code, row in zip(codes, rows, strict=True):
        withheld, cell = re.findall(r'<td class="num( withheld)?"[^>]*>(.*?)</td>', row, re.S)[LBC_COLUMN]
        value = None if withheld else _count(cell)
        assert seen.counts[code] == value, f"the two tables of {own_code} disagree on {code}"


def _areas_layer(collection: dict | None, seen: Seen) -> None:
    for feature in (collection or {"features": []})["features"]:
        props = feature["properties"]
        if LBC in props:
            seen.counts[feature["id"]] = props[LBC]
            assert props[f"{LBC}_suppressed"] is (props[LBC] is None)
            assert (props[f"{LBC}_share"] is None) is (props[LBC] is None)


def _household(props: dict, flags=()) -> dict:
    return {**props, "flags": set(props.get("flags") or ()) | set(flags)}


def pages(client, place: Place) -> Seen:
    """The overview, every township and village page, natural village pages, a card, a search."""
    seen = Seen()
    for code, url in [
        (place.county, f"/?indicator={LBC}"),
        *((t, f"/areas/{t}?indicator={LBC}") for t in place.townships),
        *((v, f"/areas/{v}?indicator={LBC}") for v in place.villages),
    ]:
        response = _get(client, url)
        if response.status_code != 200:
            seen.refused = True
            continue
        page = response.get_data(as_text=True)
        _areas_layer(_layer(page, "mq-areas"), seen)
        _tables(page, code, seen)
    for nv in (place.own_nv, place.foreign_nv, *place.zero_nvs):
        page = _get(client, f"/natural-villages/{nv}").get_data(as_text=True)
        row = re.search(rf"<tr><td>{indicators.BY_KEY[LBC].zh}</td>(.*?)</tr>", page, re.S)
        if row:
            seen.counts[nv] = (
                None if "withheld" in row.group(1) else _count(re.findall(r">([^<]*)</td>", row.group(1))[0])
            )
        for feature in (_layer(page, "mq-households") or {"features": []})["features"]:
            seen.households[feature["id"]] = _household(feature["properties"])
    for code in place.households.index[
        place.households.natural_village_code.isin([place.own_nv, place.foreign_nv])
    ][::25]:
        card = _get(client, f"/households/{code}")
        if card.status_code == 200:
            labels = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", card.get_data(as_text=True))
            seen.households[code] = _household({LABEL_FIELDS.get(k, k): v for k, v in labels})
    search = _get(client, f"/search?q={place.households.index[0][:12]}").get_data(as_text=True)
    for code, name in re.findall(r'href="/households/(\w+)">\w+</a> ([^·<]*)·', search):
        seen.households.setdefault(code, _household({"code": code, "head_name": name.strip()}))
    return seen


def api(client, place: Place) -> Seen:
    """The JSON endpoints: natural villages of every township, households of two natural villages."""
    seen = Seen()
    for township in place.townships:
        response = _get(client, f"/api/townships/{township}/natural-villages")
        if response.status_code == 200:
            _areas_layer(response.json, seen)
    for nv in (place.own_nv, place.foreign_nv):
        response = _get(client, f"/api/natural-villages/{nv}/households")
        seen.refused |= response.status_code == 403
        for feature in response.json["features"] if response.status_code == 200 else ():
            seen.households[feature["id"]] = _household(feature["properties"])
    return seen


def ogc(client, place: Place) -> Seen:
    """OGC API - Features: every collection's items, one item, the households' queryables."""
    seen = Seen()
    for collection in ("townships", "villages", "natural_villages", "households"):
        response = _get(client, f"/ogc/collections/{collection}/items?limit=10000&f=json")
        if response.status_code != 200:
            seen.refused = True
            continue
        for feature in response.json["features"]:
            if collection == "households":
                seen.households[feature["id"]] = _household(feature["properties"])
            else:
                _areas_layer({"features": [feature]}, seen)
    one = _get(client, f"/ogc/collections/natural_villages/items/{place.zero_nvs[0]}?f=json")
    if one.status_code == 200:
        _areas_layer({"features": [one.json]}, seen)
    queryables = _get(client, "/ogc/collections/households/queryables?f=json")
    if queryables.status_code == 200:
        seen.households["(queryables)"] = _household(dict.fromkeys(queryables.json["properties"], ""))
    return seen


def _tile(client, z: int, x: int, y: int, seen: Seen) -> None:
    response = _get(client, f"/tiles/{z}/{x}/{y}.mvt")
    if response.status_code != 200:
        seen.refused = True
        return
    tile = mapbox_vector_tile.decode(response.data)
    for layer in ("townships", "villages", "natural_villages"):
        for feature in tile.get(layer, {"features": []})["features"]:
            props = feature["properties"]
            value = props.get(LBC)  # a rolled-up count may come as a string (numeric in PostgreSQL)
            seen.counts[props["code"]] = None if value is None else int(value)
            assert props[f"{LBC}_suppressed"] is (LBC not in props)
    for feature in tile.get("households", {"features": []})["features"]:
        props = feature["properties"]
        flags = {key for key, value in props.items() if value is True}
        seen.households[props["code"]] = _household({k: v for k, v in props.items() if k not in flags}, flags)


def tiles(client, place: Place, county) -> Seen:
    """Vector tiles at household zoom (an own and a foreign household) and at county zoom; TileJSON."""
    seen = Seen()
    for nv in (place.own_nv, place.foreign_nv):
        code = place.households.index[place.households.natural_village_code == nv][0]
        _tile(client, *household_tile(county, code), seen)
    centre = county.admin_units[county.admin_units.level == "county"].geometry.iloc[0].centroid
    _tile(client, *tile_of(centre.x, centre.y, 9), seen)
    document = _get(client, "/tiles.json")
    if document.status_code == 200:
        fields = {layer["id"]: layer["fields"] for layer in document.json["vector_layers"]}
        seen.households["(tilejson)"] = _household(fields["households"])
    return seen


def _placemark(placemark: str) -> dict:
    """Return a KML placemark's fields; a layer without names is labelled by its code (KML <name>)."""
    record = dict(re.findall(r'<SimpleData name="([^"]+)">([^<]*)</SimpleData>', placemark))
    label = re.search(r"<name>([^<]*)</name>", placemark)
    if "code" not in record and label:
        record["code"] = label.group(1)
    return record


def _export_layers(content: bytes, fmt: str, tmp_path) -> dict[str, list[dict]]:
    """Return every layer of an exported file as records (None for empty values)."""
    single = fmt in ("gpkg", "xlsx")  # one file holding every layer (an .xlsx is a zip itself)
    path = tmp_path / f"export.{fmt if single or not zipfile.is_zipfile(io.BytesIO(content)) else 'zip'}"
    path.write_bytes(content)
    if fmt == "kml":
        with zipfile.ZipFile(path) as archive:
            return {
                name.removesuffix(".kml"): [
                    _placemark(placemark)
                    for placemark in re.findall(
                        r"<Placemark.*?</Placemark>", archive.read(name).decode(), re.S
                    )
                ]
                for name in archive.namelist()
                if name.endswith(".kml")
            }
    if fmt in ("gpkg", "xlsx"):
        names = [name for name, _ in pyogrio.list_layers(path) if name != "layer_styles"]
        frames = {name: pyogrio.read_dataframe(path, layer=name, read_geometry=False) for name in names}
    else:
        frames = {}
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                stem, _, ext = name.rpartition(".")
                if ext == fmt or (fmt == "shp" and ext == "shp"):
                    if fmt == "csv":
                        frames[stem] = pd.read_csv(
                            io.BytesIO(archive.read(name)), dtype=str, keep_default_na=False
                        )
                    else:
                        frames[stem] = pyogrio.read_dataframe(f"/vsizip/{path}/{name}", read_geometry=False)
            if fmt == "shp":
                mapping = pd.read_csv(io.BytesIO(archive.read("fields.csv")), encoding="utf-8-sig")
                for layer, frame in list(frames.items()):
                    rows = mapping[mapping.layer == layer]
                    frames[layer] = frame.rename(
                        columns=dict(zip(rows.shapefile_field, rows.field, strict=True))
                    )
    return {
        name: [
            {k: (None if v is None or v == "" or v != v else v) for k, v in r.items()}
            for r in frame.to_dict("records")
        ]
        for name, frame in frames.items()
    }


def exported(fmt: str):
    """Return the output `fmt` export of every layer, downloaded as a program would."""

    def read(client, place: Place, tmp_path) -> Seen:
        seen = Seen()
        response = _get(client, f"/export/all.{fmt}")
        if response.status_code != 200:
            seen.refused = True
            return seen
        layers = _export_layers(response.data, fmt, tmp_path)
        assert set(layers) == {"townships", "villages", "natural_villages", "households"}
        for record in layers["natural_villages"]:
            value = record.get(LBC)
            seen.counts[record["code"]] = None if value is None else int(float(value))
        for record in layers["households"]:
            seen.households[record["code"]] = _household(
                {k: v for k, v in record.items() if v is not None} | {"code": record["code"]}
            )
        return seen

    read.__name__ = f"export_{fmt}"
    return read


def printed(client, place: Place) -> Seen:
    """The printed map of an own and a foreign natural village, as text (pdftotext)."""
    seen = Seen()
    for nv in (place.own_nv, place.foreign_nv):
        response = _get(client, f"/print/natural-villages/{nv}.pdf")
        if response.status_code != 200:
            seen.refused = True
            continue
        words = subprocess.run(
            ["pdftotext", "-", "-"], input=response.data, capture_output=True, check=True
        ).stdout.decode()
        # The household table's columns and the legend's flags say which fields left the database.
        record = {"members": ""} if "人口 Members" in words else {}
        flags = {i.key for i in indicators.INDICATORS if f"{i.zh} {i.en}" in words}
        seen.households[f"(print {nv})"] = _household(record, flags)
    return seen


OUTPUTS = {
    "pages": lambda client, place, county, tmp_path: pages(client, place),
    "api": lambda client, place, county, tmp_path: api(client, place),
    "ogc": lambda client, place, county, tmp_path: ogc(client, place),
    "tiles": lambda client, place, county, tmp_path: tiles(client, place, county),
    "print": lambda client, place, county, tmp_path: printed(client, place),
    **{
        f"export-{fmt}": (
            lambda reader: lambda client, place, county, tmp_path: reader(client, place, tmp_path)
        )(exported(fmt))
        for fmt in EXPORT_FORMATS
    },
}
LABEL_FIELDS = {zh: key for key, (zh, _) in LABELS.items()}
