"""The Open311 GeoReport v2 documents, built by plain functions from plain values (no Flask here).

Each document is a list of dicts, written as JSON as it is, or as the spec's XML by `xml`.

Status: Open311 knows ``open`` and ``closed``. A demand is open while its deadline clock
runs (registered, accepted, assigned, in progress, reopened) and closed once answered or
closed with the person's rating; ``status_notes`` gives the state itself in Chinese and as
our key (e.g. "已答复 answered").
"""

from datetime import date, datetime, time
from xml.etree import ElementTree

from ..demand_models import URGENCIES
from ..i18n import translated

# What an Open311 status stands for, in our states (the deadline clock runs while open).
STATUSES = {
    "open": ("registered", "accepted", "assigned", "in_progress", "reopened"),
    "closed": ("answered", "closed"),
}
GROUP = "群众诉求 Demands"
# The XML element of each member of a list (the spec's plural -> singular).
_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "errors": "error",
}


def status(state: str) -> str:
    """Return the Open311 status of a demand in `state`."""
    return next(name for name, states in STATUSES.items() if state in states)


def service(kind: dict) -> dict:
    """Return one service of the list: a kind of demand of the catalogue."""
    return {
        "service_code": kind["key"],
        "service_name": f"{kind['label_zh']} {kind['label_en']}",
        "description": f"{kind['label_zh']}方面的群众诉求 Demands about {kind['label_en'].lower()}",
        "metadata": True,  # its definition names the urgency attribute
        "type": "realtime",
        "keywords": kind["key"],
        "group": GROUP,
    }


def definition(kind: dict) -> dict:
    """Return a service's definition: the one attribute a request may carry, its urgency."""
    return {
        "service_code": kind["key"],
        "attributes": [
            {
                "variable": True,
                "code": "urgency",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": "默认一般 Normal unless stated",
                "order": 1,
                "description": "紧急程度 Urgency",
                "values": [{"key": u, "name": f"{translated('urgency ' + u, 'zh')} {u}"} for u in URGENCIES],
            }
        ],
    }


def _instant(value: datetime | date, zone) -> str:
    if not isinstance(value, datetime):  # a due day: answered by its end, in the county
        value = datetime.combine(value, time(23, 59, 59), zone)
    return value.astimezone(zone).isoformat(timespec="seconds")


def request(row: dict, *, zone) -> dict:
    """Return one service request from a row of `queries.open311.requests`, times in the county's zone."""
    return {
        "service_request_id": row["key"],
        "status": status(row["state"]),
        "status_notes": f"{translated('state ' + row['state'], 'zh')} {row['state']}",
        "service_name": f"{row['demand_kind_zh']} {row['demand_kind']}",
        "service_code": row["demand_kind"],
        "description": row["description"],
        "agency_responsible": row["assignee"] or "",
        "service_notice": "",
        "requested_datetime": _instant(row["requested_at"], zone),
        "updated_datetime": _instant(row["updated_at"], zone),
        "expected_datetime": _instant(date.fromisoformat(row["due_on"]), zone),
        "address": row["natural_village_code"],
        "address_id": row["household_code"] or "",
        "zipcode": "",
        "lat": round(row["lat"], 6),
        "long": round(row["lon"], 6),
        "media_url": "",
    }


def created(demand_id: int) -> dict:
    """Return the answer to a POSTed request: its number, which the hotline keeps to ask after it."""
    return {"service_request_id": str(demand_id), "service_notice": "", "account_id": None}


def error(status_code: int, description: str) -> list[dict]:
    """Return the spec's error document."""
    return [{"code": status_code, "description": description}]


def _fill(element: ElementTree.Element, value) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(ElementTree.SubElement(element, key), item)
    elif isinstance(value, list):
        for item in value:
            _fill(ElementTree.SubElement(element, _ITEMS[element.tag]), item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def xml(root: str, document: list | dict) -> bytes:
    """Return a document as the spec's XML under `root` (services, service_requests, errors …), UTF-8."""
    element = ElementTree.Element(root)
    _fill(element, document)
    return ElementTree.tostring(element, encoding="utf-8", xml_declaration=True)
