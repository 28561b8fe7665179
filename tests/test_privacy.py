"""The leak hunt (#10): five principals × every output, and nothing beyond the policy, not even by inference.

The policy is restated here, apart from app.privacy, so that loosening it there fails here:

- admin and leader see everything; a leader's ID numbers masked.
- a cadre sees full households of their own village, none elsewhere, and counts elsewhere as gis does.
- gis sees every household with names masked and without ID number, address, left-behind
  children, or the fields that would give left-behind children away (members, migrant workers);
  counts of left-behind children only where at least K households have them and K candidate
  households do not, and never in a way that subtraction undoes.
- pairings and visits (#11), each naming a household and its helper: admin and leader
  everywhere, a cadre in their own village only, gis none at all (counts only).
- people's demands (#12), naming who raised them and what troubles them, and a demand's point, kind
  and state one by one: admin and leader every demand, a cadre those of their own village, a county
  department those assigned to it; elsewhere and for gis counts per natural village, each at least K
  or withheld, not broken down by kind; never who raised it or what it says in a tile; anonymous
  nothing.
- anonymous sees nothing.
"""

import io
import json
import re
import subprocess
import zipfile
from collections import Counter
from dataclasses import dataclass, field

import mapbox_vector_tile
import pandas as pd
import pyogrio
import pytest
from openpyxl import load_workbook
from sqlalchemy import select, text

from app import disclosure, fields, indicators
from app.accounts import create_user
from app.exports import SHEETS
from app.extensions import db
from app.fields import LABELS
from app.models import User
from tests.conftest import cadre_village, log_in
from tests.test_open311 import clear_demands, file
from tests.test_tiles import household_tile, tile_of

K = 5
LBC = "left_behind_children"
LBC_COLUMN = 1 + [i.key for i in indicators.INDICATORS].index(LBC)  # in the every-indicator table
PRINCIPALS = ("admin", "leader", "cadre", "gis", "anonymous")
GIVE_AWAY = {"members", "migrant_workers"}  # each narrows down which families have left-behind children
FORBIDDEN_FIELDS = {
    "admin": set(),
    "leader": set(),
    "cadre": set(),
    "gis": {"id_number", "address", LBC, *GIVE_AWAY},
}
WORK_READERS = {"admin", "leader", "cadre"}  # who gets pairings and visits one by one
WORK_LAYERS = ("pairings", "visits")
FORBIDDEN_FLAGS = {"admin": set(), "leader": set(), "cadre": set(), "gis": {LBC, "migrant_workers"}}
EXPORT_FORMATS = ("gpkg", "shp", "geojson", "csv", "kml", "xlsx")


@dataclass
class Seen:
    """What one output gave one principal: household records and counts of left-behind children."""

    households: dict[str, dict] = field(default_factory=dict)  # code -> fields (flags as a set)
    counts: dict[str, int | None] = field(default_factory=dict)  # area code -> count (None: withheld)
    refused: bool = False
    work: list[dict] = field(default_factory=list)  # pairings' and visits' properties
    work_refused: bool = False


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


@pytest.fixture(scope="module")
def place(county) -> Place:
    h, units, nvs = county.households, county.admin_units, county.natural_villages
    own = cadre_village(county)
    counts = (h.left_behind_children > 0).groupby(h.natural_village_code).sum()
    return Place(
        households=h.set_index("code"),
        own=own,
        own_nv=sorted(nvs[nvs.village_code == own].code)[0],
        foreign_nv=sorted(nvs[nvs.village_code != own].code)[0],
        zero_nvs=tuple(sorted(counts[counts == 0].index)),
        townships=tuple(sorted(units[units.level == "township"].code)),
        villages=tuple(sorted(units[units.level == "village"].code)),
        county=units[units.level == "county"].code.iloc[0],
    )


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


def _values(document: dict | None, seen: Seen) -> None:
    """Read a map's values of LBC (``{code: [share, count] or null when withheld}``) into `seen`."""
    assert document is not None and document["indicator"] == LBC
    for code, figures in document["areas"].items():
        seen.counts[code] = None if figures is None else figures[1]


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
        _values(_layer(page, "mq-values"), seen)
        # What the page fetches when the reader switches to this indicator.
        _values(_get(client, f"/areas/{code}/values.json?indicator={LBC}").json, seen)
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
            record = {LABEL_FIELDS.get(k, k): v for k, v in labels}
            seen.households[code] = _household(record, _members(card.get_data(as_text=True), record))
    search = _get(client, f"/search?q={place.households.index[0][:12]}").get_data(as_text=True)
    for code, name in re.findall(r'href="/households/(\w+)">\w+</a> ([^·<]*)·', search):
        seen.households.setdefault(code, _household({"code": code, "head_name": name.strip()}))
    return seen


# The members table of a card (#13): what its flag words give away.
MEMBER_FLAGS = {"留守儿童": LBC, "外出务工": "migrant_workers"}


def _members(card: str, record: dict) -> set[str]:
    """Add what a card's members table tells to `record` (its count, the ID numbers); return its flags."""
    if 'id="household-members"' not in card:
        return set()
    table = card[card.index('id="household-members"') :]
    table = table[: table.index("</table>")]
    record["members"] = str(table.count("data-relation="))
    record["member_id_numbers"] = re.findall(r'class="member-id">([^<]*)<', table)
    words = " ".join(re.findall(r'class="member-flags">(.*?)</td>', table, re.S))
    return {flag for word, flag in MEMBER_FLAGS.items() if word in words}


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
    for collection in WORK_LAYERS:
        response = _get(client, f"/ogc/collections/{collection}/items?limit=10000&f=json")
        seen.work_refused |= response.status_code == 403
        if response.status_code == 200:
            seen.work += [feature["properties"] for feature in response.json["features"]]
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
    if fmt == "xlsx":  # Chinese sheets and headers: read back to the layers' and columns' keys
        layers = {sheet: layer for layer, sheet in SHEETS.items()}
        frames = {}
        for sheet, _ in pyogrio.list_layers(path):
            frame = pyogrio.read_dataframe(path, layer=sheet, read_geometry=False)
            # The layer's own code last: a natural village's 自然寨编码 is its code, not a parent's.
            keys = {fields.column_label(layers[sheet], key, "zh"): key for key in (*COLUMN_KEYS, "code")}
            frames[layers[sheet]] = frame.rename(columns=keys)
    elif fmt == "gpkg":
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


# Every column an export may carry, by key: what its Chinese header is read back to.
COLUMN_KEYS = (
    *LABELS,
    *fields.COLUMNS,
    *(f"{i.key}{suffix}" for i in indicators.INDICATORS for suffix in ("", "_share", "_suppressed")),
)


def exported(fmt: str):
    """Return the output `fmt` export of every layer, downloaded as a program would."""

    def read(client, place: Place, tmp_path) -> Seen:
        seen = Seen()
        response = _get(client, f"/export/all.{fmt}")
        if response.status_code != 200:
            seen.refused = True
            return seen
        layers = _export_layers(response.data, fmt, tmp_path)
        areas = {"townships", "villages", "natural_villages", "households"}
        assert set(layers) - {*WORK_LAYERS, "demands"} == areas  # demands: test_no_output_leaks_a_demand
        for name in WORK_LAYERS:
            seen.work += layers.get(name, [])
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


# A dashboard ranking's row: the area's link, its households, then its count of the ranked indicator.
RANKED_ROW = re.compile(
    r'href="/(?:areas|natural-villages)/(\d+)\?[^"]*">.*?<td class="num">[\d,]+</td>\s*'
    r'<td class="num[^"]*"[^>]*>([^<]*)</td>',
    re.S,
)


def dashboard(client, place: Place) -> Seen:
    """The dashboard's county total, and its rankings of every level as a page and as XLSX."""
    seen = Seen()
    label = indicators.BY_KEY[LBC].zh
    response = _get(client, f"/dashboard?indicator={LBC}")
    if response.status_code != 200:
        seen.refused = True
        return seen
    total = re.search(rf"{label}</a>\s*<b[^>]*>([^<]*)</b>", response.get_data(as_text=True)).group(1)
    seen.counts[place.county] = None if total == "不公开" else _count(total)
    for level in ("township", "village", "natural_village"):
        book = load_workbook(io.BytesIO(_get(client, f"/dashboard.xlsx?level={level}&indicator={LBC}").data))
        rows = list(book.active.iter_rows(values_only=True))
        code, count = rows[0].index("编码"), rows[0].index(label)
        for row in rows[1:]:
            seen.counts[row[code]] = None if row[count] == "不公开" else row[count]
        page = _get(client, f"/dashboard?level={level}&indicator={LBC}").get_data(as_text=True)
        for area, cell in RANKED_ROW.findall(page):
            assert seen.counts[area] == (None if cell == "不公开" else _count(cell)), area
    return seen


# Every personal and sensitive field changed at once, so a household's timeline (#13) has a diff of each.
EVERY_FIELD_CHANGED = """
    UPDATE household SET head_name = head_name || '乙', address = address || '附1',
        id_number = left(id_number, 17) || CASE WHEN right(id_number, 1) = '1' THEN '2' ELSE '1' END,
        members = members + 1, migrant_workers = migrant_workers + 1,
        left_behind_children = left_behind_children + 1, dibao = NOT dibao
    WHERE code = ANY(:codes)"""
MEMBERS_REMOVED = text(
    "DELETE FROM member WHERE household_id IN (SELECT id FROM household WHERE code = ANY(:codes))"
)
HIDDEN_ONLY_CHANGED = text(
    "UPDATE household SET left_behind_children = left_behind_children + 1, members = members + 1"
    " WHERE code = :code"
)
TIMELINE_CHANGE = re.compile(r"<li>([^<:]+): ([^<]*) → ([^<]*)</li>")


def timelines(client, place: Place) -> Seen:
    """The household cards' timelines (#13), as of now and as of a past day, after every field changed."""
    seen = Seen()
    codes = list(
        place.households.index[place.households.natural_village_code.isin([place.own_nv, place.foreign_nv])][
            ::25
        ]
    )
    with client.application.app_context():
        db.session.execute(MEMBERS_REMOVED, {"codes": codes})  # so their counts change too (#13)
        db.session.execute(text(EVERY_FIELD_CHANGED), {"codes": codes})
        db.session.commit()
    for code in codes:
        for url in (f"/households/{code}", f"/households/{code}?as_of=2023-06-30"):
            card = _get(client, url)
            if card.status_code != 200:
                continue
            page = card.get_data(as_text=True)
            timeline = re.search(r'id="household-versions">(.*?)</ol>', page, re.S).group(1)
            changes = TIMELINE_CHANGE.findall(timeline)
            seen.households[code] = _household({LABEL_FIELDS.get(k, k): after for k, _, after in changes})
            before = {LABEL_FIELDS.get(k, k): was for k, was, _ in changes}
            seen.households[f"{code} (before)"] = _household(before)
    return seen


OUTPUTS = {
    "pages": lambda client, place, county, tmp_path: pages(client, place),
    "timelines": lambda client, place, county, tmp_path: timelines(client, place),
    "dashboard": lambda client, place, county, tmp_path: dashboard(client, place),
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


# --- the truth and the policy -----------------------------------------------------


@dataclass(frozen=True)
class Truth:
    """Per area code: households with left-behind children, and candidates (not ruled out by gis's fields)."""

    count: dict[str, int]
    candidates: dict[str, int]
    parent: dict[str, str | None]


def ruled_out(households: pd.DataFrame) -> pd.Series:
    """Return which households a reader can rule out from the fields gis sees, learnt from the data itself.

    A value of a visible field that no household with left-behind children has, among at
    least 20 households, is taken to rule them out: a strong reader who knows the county.
    """
    has = households.left_behind_children > 0
    out = pd.Series(False, index=households.index)
    visible = [
        c
        for c in households.columns
        if c
        not in (*FORBIDDEN_FIELDS["gis"], "code", "head_name", "head_sex", "geometry", "natural_village_code")
    ]
    for column in visible:
        if households[column].nunique() > 20:
            continue
        for value, group in households.groupby(column):
            if len(group) >= 20 and not has[group.index].any():
                out |= households[column] == value
    return out


@pytest.fixture(scope="module")
def truth(county) -> Truth:
    h = county.households
    h = h.assign(has=h.left_behind_children > 0, candidate=~ruled_out(h))
    units = county.admin_units.set_index("code")
    nvs = county.natural_villages.set_index("code")
    parent = {
        **nvs.village_code.to_dict(),
        **units.parent_code.where(units.parent_code.notna(), None).to_dict(),
    }
    count = dict.fromkeys(parent, 0)
    candidates = dict.fromkeys(parent, 0)
    for nv, group in h.groupby("natural_village_code"):
        area = nv
        while area is not None:
            count[area] += int(group.has.sum())
            candidates[area] += int(group.candidate.sum())
            area = parent.get(area)
    return Truth(count, candidates, parent)


def passes(count: int, candidates: int) -> bool:
    return K <= count <= candidates - K


def restricted(principal: str, area: str, place: Place) -> bool:
    """Say whether `principal` may not see left-behind children per household everywhere in `area`."""
    if principal in ("admin", "leader"):
        return False
    own = principal == "cadre" and (area == place.own or (len(area) == 14 and area.startswith(place.own)))
    return not own


@pytest.fixture
def published(app, accounts, truth, place):
    """Return, per principal, the counts the app decided to publish (the same in every output)."""

    def of(principal: str) -> dict[str, int | None]:
        with app.app_context():
            user = db.session.scalar(select(User).where(User.username == accounts[principal][0]))
            areas = disclosure.for_user(user).shown.get(LBC)
            ids = dict(
                db.session.execute(
                    text("SELECT code, id FROM admin_unit UNION ALL SELECT code, id FROM natural_village")
                )
                .tuples()
                .all()
            )
        result = {}
        for code, count in truth.count.items():
            if areas is None:
                result[code] = count
                continue
            nv = len(code) == 14
            shown = areas.natural_villages if nv else areas.units
            exact = areas.exact_natural_villages if nv else areas.exact_units
            ok = ids[code] in exact or (ids[code] in shown and passes(count, truth.candidates[code]))
            result[code] = count if ok else None
        return result

    return of


def check_household(principal: str, code: str, record: dict, place: Place) -> None:
    """Fail when one household record carries more than `principal` may see."""
    if code in place.households.index:
        village = place.households.natural_village_code[code][:12]
        assert principal != "cadre" or village == place.own, (
            f"cadre got household {code} of village {village}"
        )
        row = place.households.loc[code]
    else:
        row = None  # a schema (queryables, TileJSON) or a print: only its fields count
    carried = set(record) - {"flags"}
    assert not carried & FORBIDDEN_FIELDS[principal], (code, carried & FORBIDDEN_FIELDS[principal])
    assert not record["flags"] & FORBIDDEN_FLAGS[principal], (code, record["flags"])
    if row is None:
        return
    name, id_number = record.get("head_name"), record.get("id_number")
    if name and principal == "gis":
        assert re.fullmatch(r".\*", name), (code, name)
    for number in (id_number, *record.get("member_id_numbers", ())):
        if number and principal == "leader":
            assert number[4:14] == "*" * 10, (code, number)
    address = record.get("address")
    assert address is None or principal != "gis", code
    assert str(row.id_number) not in json.dumps(record, default=str) or principal in ("admin", "cadre")


def check_counts(principal: str, seen: Seen, place: Place, truth: Truth, published: dict) -> None:
    """Fail when a count of left-behind children is beyond the policy, or not the one every output gives."""
    for area, value in seen.counts.items():
        assert value == published[area], f"{area}: {value} here, {published[area]} as decided"
        if not restricted(principal, area, place):
            assert value == truth.count[area], area
        else:
            assert value is None or passes(value, truth.candidates[area]), (area, value)


@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("principal", PRINCIPALS)
def test_no_output_gives_a_principal_more_than_the_policy(
    app, client, login, county, place, truth, published, tmp_path, principal, output
):
    if principal != "anonymous":
        login(principal)
    seen = OUTPUTS[output](client, place, county, tmp_path)
    if principal == "anonymous":
        assert not seen.households and not seen.counts
        return
    for code, record in seen.households.items():
        check_household(principal, code, record, place)
    if output == "ogc" or output.startswith("export"):
        assert bool(seen.work) is (principal in WORK_READERS)
        assert seen.work_refused is (output == "ogc" and principal not in WORK_READERS)
    for record in seen.work:
        code = record.get("household_code") or record["code"]  # KML: the placemark's name
        village = place.households.natural_village_code[code][:12]
        assert principal != "cadre" or village == place.own, f"cadre got work of village {village}"
    check_counts(principal, seen, place, truth, published(principal))
    expected_refusal = principal == "cadre" and output in ("api", "print")
    assert seen.refused is expected_refusal
    if output in ("pages", "dashboard", "ogc", "tiles", "api") or output.startswith("export"):
        assert seen.counts, "the output carried no count to check"


def derive(published: dict[str, int | None], truth: Truth) -> dict[str, tuple[int, int]]:
    """Return what a reader can work out of every area's count: bounds from sums, to a fixed point.

    Each area is the sum of its parts; a withheld count lies between 0 and the area's candidates.
    Propagating bounds up and down a tree of sums gives the exact range of each count.
    """
    bounds = {a: (v, v) if v is not None else (0, truth.candidates[a]) for a, v in published.items()}
    children: dict[str, list[str]] = {}
    for area, up in truth.parent.items():
        if up is not None:
            children.setdefault(up, []).append(area)
    changed = True
    while changed:
        changed = False
        for area, parts in children.items():
            low, high = bounds[area]
            lows, highs = sum(bounds[p][0] for p in parts), sum(bounds[p][1] for p in parts)
            tighter = {area: (max(low, lows), min(high, highs))}
            for p in parts:
                p_low, p_high = bounds[p]
                tighter[p] = (max(p_low, low - (highs - p_high)), min(p_high, high - (lows - p_low)))
            for key, value in tighter.items():
                if value != bounds[key]:
                    bounds[key], changed = value, True
    return bounds


@pytest.mark.parametrize("principal", ["gis", "cadre"])
def test_no_withheld_count_can_be_worked_out(principal, published, truth, place):
    """The inference case: as gis (or a cadre elsewhere), what the outputs publish pins no family down."""
    shown = published(principal)
    bounds = derive(shown, truth)
    for area, (low, high) in bounds.items():
        assert low <= truth.count[area] <= high
        if not restricted(principal, area, place) or truth.candidates[area] == 0:
            continue
        if low == high:  # known exactly: then it must be a count the rule allows
            assert passes(low, truth.candidates[area]), (
                f"{area}: {low} of {truth.candidates[area]} worked out"
            )
        assert high > 0, f"{area}: worked out that no family has left-behind children"
        assert low < truth.candidates[area], f"{area}: worked out that every candidate family has them"
    assert any(v is None for v in shown.values()) and any(v is not None for v in shown.values())


def test_the_reported_inference_is_closed(client, login):
    """As reported: gis filters households by migrant workers and compares with each natural village's count.

    Where a natural village's count of left-behind children is 0, or equals its number of
    households with a migrant worker, every family's flag is known. Only the outputs are read.
    """
    login("gis")
    villages = client.get("/ogc/collections/natural_villages/items?limit=10000&f=json").json["features"]
    counts = {f["id"]: f["properties"].get(LBC) for f in villages}
    filtered = client.get("/ogc/collections/households/items?limit=10000&f=json&filter=migrant_workers > 0")
    if filtered.status_code == 200:
        suspects = Counter(f["properties"]["natural_village"] for f in filtered.json["features"])
    else:
        assert filtered.status_code == 400 and "migrant_workers" in filtered.get_data(as_text=True)
        suspects = None  # the filter is refused: nobody is a suspect by it
    pinned = sorted(
        nv
        for nv, count in counts.items()
        if count == 0 or (suspects is not None and count is not None and count == suspects[nv])
    )
    assert not pinned, f"every family's left-behind children worked out in {len(pinned)} natural villages"
    households = client.get("/ogc/collections/households/items?limit=10000&f=json").json["features"]
    assert not {"migrant_workers", "members"} & set(households[0]["properties"])
    assert client.get("/ogc/collections/households/items?members=3").status_code == 400


def test_every_value_that_rules_left_behind_children_out_is_in_the_registry(app, county):
    """Small-count suppression weighs counts against candidates: the registry must know who is ruled out."""
    with app.app_context():
        out = set(
            db.session.scalars(
                text(f"SELECT code FROM household WHERE {indicators.ruled_out_sql(indicators.BY_KEY[LBC])}")
            )
        )
    learnt = ruled_out(county.households.set_index("code"))
    assert set(learnt[learnt].index) <= out


@pytest.mark.parametrize("collection", ["natural_villages", "villages", "townships"])
def test_a_filter_cannot_probe_a_withheld_count(client, login, collection):
    """Filters read the published value: a withheld count matches no comparison."""
    login("gis")
    items = f"/ogc/collections/{collection}/items?limit=10000&f=json"
    features = client.get(items).json["features"]
    withheld = {f["id"] for f in features if f["properties"][f"{LBC}_suppressed"]}
    small = client.get(f"{items}&filter={LBC} < {K} OR {LBC}_share <= 0").json
    assert small["numberMatched"] == 0 and small["features"] == []
    nulls = client.get(f"{items}&filter={LBC} IS NULL").json["features"]
    assert {f["id"] for f in nulls} == withheld


def test_the_threshold_is_configurable(app, client, login, monkeypatch):
    """A county that sets DISCLOSURE_MIN_COUNT higher publishes no count below it, and fewer counts."""
    login("gis")
    items = "/ogc/collections/natural_villages/items?limit=10000&f=json"

    def published() -> list[int]:
        features = client.get(items).json["features"]
        return [f["properties"][LBC] for f in features if f["properties"][LBC] is not None]

    at_default = published()
    monkeypatch.setitem(app.config, "DISCLOSURE_MIN_COUNT", 8)
    at_eight = published()
    assert min(at_default) >= K and any(count < 8 for count in at_default)
    assert at_eight and min(at_eight) >= 8 and len(at_eight) < len(at_default)


@pytest.mark.parametrize(
    ("lang", "word", "reason"),
    [("zh", "不公开", f"少于 {K} 户"), ("en", "withheld", f"fewer than {K} households have it")],
)
def test_a_page_says_a_count_is_withheld_and_why(client, login, place, lang, word, reason):
    login("gis")
    client.get(f"/lang/{lang}")
    page = client.get(f"/areas/{place.villages[0]}?indicator={LBC}").get_data(as_text=True)
    table = page[page.index('<table class="stats">') : page.index("</table>")]
    assert f">{word}</td>" in table and reason in page


# --- people's demands (#12) on the household card and the demand tiles -----------------------

DEMAND_READERS = {"admin", "leader"}  # everywhere; a cadre in their own village only; gis never


@pytest.fixture
def demands_of(client, login, place, work):
    """Register a demand for a household of the cadre's village and one of another; return them."""
    from tests.test_demands import log_out, registered

    visited = set(work.visits.household_code[work.visits.findings != ""])
    households = place.households.index[place.households.index.isin(visited)]
    own = next(c for c in households if c.startswith(place.own))
    foreign = next(c for c in households if not c.startswith(place.own))
    login("admin")
    made = {
        code: (registered(client, code, description=f"诉求内容{code}"), f"诉求内容{code}")
        for code in (own, foreign)
    }
    log_out(client)
    return made


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_the_household_timeline_gives_demand_text_and_visit_notes_only_to_their_readers(
    client, login, place, work, demands_of, principal
):
    if principal != "anonymous":
        login(principal)
    for code, (demand, what) in demands_of.items():
        own = code.startswith(place.own)
        response = client.get(f"/households/{code}")
        html = response.get_data(as_text=True)
        reads = principal in DEMAND_READERS or (principal == "cadre" and own)
        findings = [f for f in work.visits.findings[work.visits.household_code == code] if f]
        assert (what in html) is reads and (f'data-demand="{demand}"' in html) is reads, (principal, code)
        assert all((f in html) is reads for f in findings), (principal, code)
        assert ('data-kind="pairing_start"' in html) <= (principal in WORK_READERS), (principal, code)
        assert ('data-kind="visit"' in html) <= (principal in WORK_READERS), (principal, code)
        if principal == "anonymous" or (principal == "cadre" and not own):
            assert response.status_code in (302, 403) and 'id="household-timeline"' not in html


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_demand_tiles_give_points_and_kinds_only_to_readers_and_never_text(
    app, client, login, place, county, demands_of, principal
):
    if principal != "anonymous":
        login(principal)
    centre = county.admin_units[county.admin_units.level == "county"].geometry.iloc[0].centroid
    spots = [tile_of(centre.x, centre.y, 9)]
    spots += [household_tile(county, code) for code in demands_of]
    seen: set[int] = set()
    for z, x, y in spots:
        response = client.get(f"/demands/tiles/{z}/{x}/{y}.mvt")
        if principal == "anonymous":
            assert response.status_code in (302, 401)
            continue
        tile = mapbox_vector_tile.decode(response.data)
        points = [f["properties"]["fid"] for f in tile.get("demands", {"features": []})["features"]]
        seen |= set(points)
        with app.app_context():
            villages = db.session.execute(
                text(
                    "SELECT v.code FROM demand d JOIN admin_unit v ON v.id = d.village_id"
                    " WHERE d.id = ANY(:ids)"
                ),
                {"ids": points},
            ).scalars()
            assert principal in DEMAND_READERS or set(villages) <= (
                {place.own} if principal == "cadre" else set()
            )
        for feature in tile.get("demand_counts", {"features": []})["features"]:
            props, own = feature["properties"], feature["properties"]["code"].startswith(place.own)
            exact = principal in DEMAND_READERS or (principal == "cadre" and own)
            assert exact or not any(key.startswith("kind_") for key in props), props
            assert exact or all(props.get(c) is None or props[c] >= K for c in ("demands", "open", "overdue"))
        carried = {k for layer in tile.values() for f in layer["features"] for k in f["properties"]}
        assert not carried & {"description", "person_name", "person_phone", "household_code"}
    readable = {
        demand
        for code, (demand, _) in demands_of.items()
        if principal in DEMAND_READERS or (principal == "cadre" and code.startswith(place.own))
    }
    assert readable <= seen, "a reader gets the demands' points"


# --- people's demands (#12) ---------------------------------------------------------

DEMAND_TEXT = "自来水管冬季冻裂，全组停水三天"
DEPARTMENT = "县水务局"


def _demand_ids(pattern: str, body: str) -> set[int]:
    return {int(i) for i in re.findall(pattern, body)}


def demand_outputs(client, ids: dict[str, int], tmp_path) -> dict[str, tuple[set[int], set[int]]]:
    """Return per output the demands listed, and those whose text (description) came with them."""
    seen: dict[str, tuple[set[int], set[int]]] = {}
    page = _get(client, "/demands")
    listed = (
        _demand_ids(r'data-id="(\d+)"', page.get_data(as_text=True)) if page.status_code == 200 else set()
    )
    texts = set()
    for demand in ids.values():
        detail = _get(client, f"/demands/{demand}")
        if detail.status_code == 200 and DEMAND_TEXT in detail.get_data(as_text=True):
            texts.add(demand)
    seen["pages"] = (listed, texts)
    listed, texts = set(), set()
    response = _get(client, "/open311/v2/requests.json")
    if response.status_code == 200:
        listed = {int(r["service_request_id"]) for r in response.json}
        texts = {int(r["service_request_id"]) for r in response.json if r["description"] == DEMAND_TEXT}
    for demand in ids.values():
        one = _get(client, f"/open311/v2/requests/{demand}.json")
        if one.status_code == 200 and one.json[0]["description"] == DEMAND_TEXT:
            texts.add(demand)
    seen["open311"] = (listed, texts)
    listed, texts = set(), set()
    response = _get(client, "/ogc/collections/demands/items?f=json&limit=1000")
    if response.status_code == 200:
        listed = {int(f["id"]) for f in response.json["features"]}
        texts = {
            int(f["id"]) for f in response.json["features"] if f["properties"]["description"] == DEMAND_TEXT
        }
    seen["ogc"] = (listed, texts)
    for fmt in ("geojson", "xlsx"):
        response = client.get(f"/export/demands.{fmt}")
        assert response.status_code in (200, 302, 400, 403, 404), response.status_code
        listed = set()
        if response.status_code == 200:
            path = tmp_path / f"demands.{fmt}"
            path.write_bytes(response.data)
            frame = pyogrio.read_dataframe(path, read_geometry=False)
            number, description = ("编号", "诉求内容") if fmt == "xlsx" else ("id", "description")
            listed = {int(i) for i in frame[number]}
            texts = {
                int(i) for i, d in zip(frame[number], frame[description], strict=True) if d == DEMAND_TEXT
            }
        seen[f"export-{fmt}"] = (listed, texts if listed else set())
    return seen


@pytest.mark.parametrize("principal", [*PRINCIPALS, "department"])
def test_no_output_leaks_a_demand(app, client, login, accounts, place, tmp_path, principal):
    own = place.households.index[place.households.natural_village_code.str.startswith(place.own)][0]
    other = place.households.index[~place.households.natural_village_code.str.startswith(place.own)][0]
    with app.app_context():
        clear_demands()  # rolled back with the test
        admin = accounts["admin"][0]
        ids = {
            "own": file(own, by=admin),
            "other": file(other, by=admin),
            "assigned": file(other, by=admin, assign=DEPARTMENT),
            "assigned_elsewhere": file(own, by=admin, assign="县交通运输局"),
        }
        if principal == "department":
            create_user("leak-water", "leak-water-pw", role="department", department=DEPARTMENT)
        db.session.commit()
    if principal == "department":
        assert log_in(client, "leak-water", "leak-water-pw").status_code == 302
    elif principal != "anonymous":
        login(principal)
    expected = {
        "admin": set(ids.values()),
        "leader": set(ids.values()),
        "cadre": {ids["own"], ids["assigned_elsewhere"]},
        "department": {ids["assigned"]},
        "gis": set(),
        "anonymous": set(),
    }[principal]
    for output, (listed, texts) in demand_outputs(client, ids, tmp_path).items():
        assert listed <= expected and texts <= expected, (output, listed, texts)
        assert listed == texts == expected, (output, listed, texts)  # what the role may read, it reads whole


@pytest.mark.parametrize(
    ("principal", "shown", "hidden"),
    [
        ("leader", {"户主", "身份证号", "地址", "留守儿童人数", "家庭人口", "低保"}, set()),
        ("gis", {"低保"}, {"户主", "身份证号", "地址", "留守儿童人数", "家庭人口", "外出务工人数"}),
    ],
)
def test_a_timeline_shows_a_change_only_as_far_as_the_card_shows_the_field(
    app, client, login, place, principal, shown, hidden
):
    """A hidden field's change is no entry at all (not even an empty one), a masked one's stays masked."""
    login(principal)
    code = place.households.index[place.households.natural_village_code == place.own_nv][0]

    def timeline() -> tuple[list[str], list[tuple[str, str, str]]]:
        page = client.get(f"/households/{code}").get_data(as_text=True)
        return re.findall(r'<li><span class="when">', page), TIMELINE_CHANGE.findall(page)

    with app.app_context():  # its counts are its own again, not derived from members (#13)
        db.session.execute(MEMBERS_REMOVED, {"codes": [code]})
        db.session.commit()
    entries, _ = timeline()
    with app.app_context():
        db.session.execute(HIDDEN_ONLY_CHANGED, {"code": code})
        db.session.commit()
    hidden_only, _ = timeline()
    assert len(hidden_only) == len(entries) + (principal == "leader")
    with app.app_context():
        db.session.execute(text(EVERY_FIELD_CHANGED), {"codes": [code]})
        db.session.commit()
    after, changes = timeline()
    assert len(after) == len(hidden_only) + 1
    changed = {label for label, _, _ in changes}
    assert shown <= changed and not hidden & changed
    for label, before, now in changes:
        if label == "身份证号":
            assert before[4:14] == now[4:14] == "*" * 10 and before != now
        if label == "户主":
            assert principal == "leader" and now == before + "乙"
