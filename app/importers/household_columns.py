"""Household columns: the fields a file may fill and the headers (Chinese or English) that name them.

A cadre's form (一户一表 summary) has Chinese headers, often with a unit in
brackets or a line break; the usual ones are recognised, and the user may map
others to fields.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .. import fields, queries


def normalise(header: str) -> str:
    """Return a header without spaces, line breaks or a trailing unit: '人均纯收入（元）' → '人均纯收入'."""
    header = re.sub(r"\s+", "", header)
    header = re.sub(r"[（(][^）)]*[）)]$", "", header)
    return header.lower() if header.isascii() else header


# Header (as normalised by `normalise`) → field. English field names are recognised too.
HEADERS = {
    "户编号": "code",
    "户码": "code",
    "户号": "code",
    "户主姓名": "head_name",
    "户主": "head_name",
    "身份证号": "id_number",
    "身份证号码": "id_number",
    "户主身份证号": "id_number",
    "户主身份证号码": "id_number",
    "家庭人口": "members",
    "人口数": "members",
    "家庭人口数": "members",
    "经度": "lon",
    "纬度": "lat",
    "地址": "address",
    "住址": "address",
    "家庭住址": "address",
    "自然寨编码": "natural_village_code",
    "自然寨代码": "natural_village_code",
    "是否低保": "dibao",
    "是否低保户": "dibao",
    "是否五保": "wubao",
    "是否五保户": "wubao",
    "是否计生重点帮扶": "family_planning",
    "是否计生重点帮扶户": "family_planning",
    "贫困户属性": "poverty_status",
    "脱贫状态": "poverty_status",
    "留守儿童人数": "left_behind_children",
    "是否留守老人": "left_behind_elderly",
    "是否空巢老人": "empty_nest_elderly",
    "残疾人数": "disabled_members",
    "是否危房": "dilapidated_house",
    "外出务工人数": "migrant_workers",
    "人均纯收入": "income_per_capita",
    # The headers of our own XLSX export, so an exported sheet re-imports.
    **{normalise(label): field for field, pair in fields.LABELS.items() for label in pair},
    **{
        normalise(label): field
        for field in ("natural_village_code", "lon", "lat")
        for label in fields.COLUMNS[field]
    },
    "longitude": "lon",
    "latitude": "lat",
    "x": "lon",
    "y": "lat",
}
# Every field a file may fill: the personal ones, the place, and the registry's household columns.
FIELDS = (
    "code",
    "head_name",
    "id_number",
    "address",
    "natural_village_code",
    *queries.HOUSEHOLD_COLUMNS,
    "lon",
    "lat",
)
REQUIRED = ("code", "head_name", "lon", "lat")
# How a missing field is named in a problem: its usual header.
LABELS = {field: header for header, field in reversed(HEADERS.items()) if not header.isascii()}


def field_of(header: str, mapping: Mapping[str, str]) -> str | None:
    """Return the field `header` names (the user's `mapping` first), or None."""
    if header in mapping:
        return mapping[header]
    key = normalise(header)
    if key in mapping:
        return mapping[key]
    if key in FIELDS:
        return key
    return HEADERS.get(key)


def is_header(value: str) -> bool:
    """Return whether `value` is a header the service recognises without a mapping."""
    return field_of(value, {}) is not None


def recognise(header: list[str], mapping: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """Return header → field for the recognised columns, and the other (ignored) headers."""
    fields: dict[str, str] = {}
    ignored: list[str] = []
    for h in header:
        field = field_of(h, mapping) if h else None
        if field in FIELDS and field not in fields.values():
            fields[h] = field
        elif h:
            ignored.append(h)
    return fields, ignored
