"""The OGC API - Features documents, built by plain functions from plain values (no Flask here).

`base` is the service's absolute root (e.g. ``http://host/ogc``); links are built from it.
"""

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from urllib.parse import urlencode

from .. import indicators
from .crs import CRS84, CRSS

GEOJSON = "application/geo+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
STORAGE_CRS = "http://www.opengis.net/def/crs/EPSG/0/4490"
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"

# The collections: id -> (zh-CN title, English title). The households' ids are household codes,
# the polygons' are their division codes (12 digits; natural villages 14): the database keys.
COLLECTIONS = {
    "townships": ("乡镇", "Townships"),
    "villages": ("行政村", "Administrative villages"),
    "natural_villages": ("自然寨", "Natural villages"),
    "households": ("农户", "Households"),
    "pairings": ("结对帮扶", "Pairings"),
    "visits": ("走访", "Visits"),
    "demands": ("群众诉求", "Demands"),
}

# Only what this service implements.
CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
)

_LABELS = {
    "code": "代码 Code",
    "name": "名称 Name",
    "village": "行政村 Village",
    "village_code": "行政村代码 Village code",
    "township": "乡镇 Township",
    "township_code": "乡镇代码 Township code",
    "natural_village": "自然寨代码 Natural village code",
    "households": "户数 Households",
    "head_name": "户主 Head of household",
    "id_number": "身份证号 ID number",
    "address": "地址 Address",
    "members": "人口 Members",
    "updated_at": "更新时间 Updated",
    "cadre": "干部 Cadre",
    "unit": "单位 Unit",
    "household_code": "户编码 Household code",
    "start": "开始 Start",
    "end": "结束 End",
    "current": "当前 Current",
    "date": "日期 Date",
    "kind": "类型 Kind",
    "logged": "现场定位 Logged on site",
    "findings": "走访情况 Findings",
    "ticks": "勾选项 Ticks",
    "demand_kind": "诉求类别 Kind of demand",
    "demand_kind_zh": "诉求类别（中文） Kind of demand (Chinese)",
    "natural_village_code": "自然寨代码 Natural village code",
    "state": "状态 State",
    "channel": "来源 Channel",
    "urgency": "紧急程度 Urgency",
    "raised_on": "受理日期 Came in",
    "due_on": "办结时限 Due",
    "overdue": "超期 Overdue",
    "assignee_kind": "交办对象类型 Assignee kind",
    "assignee": "交办对象 Assignee",
    "rating": "满意度 Rating",
    "person_name": "诉求人 Raised by",
    "description": "诉求内容 Description",
    "photo": "照片 Photo",
    "photo_flags": "照片提示 Photo flags",
    **{i.key: f"{i.zh} {i.en}" for i in indicators.INDICATORS},
    **{f"{i.key}_share": f"{i.zh}占比 {i.en} share" for i in indicators.INDICATORS},
}


def label(name: str) -> str:
    """Return a property's bilingual label (its name when it has none)."""
    return _LABELS.get(name, name)


def _link(href: str, rel: str, kind: str, title: str = "") -> dict:
    link = {"href": href, "rel": rel, "type": kind}
    if title:
        link["title"] = title
    return link


def _with(href: str, args: Mapping[str, str]) -> str:
    return f"{href}?{urlencode(args)}" if args else href


def _self_and_alternate(href: str, args: Mapping[str, str], *, json_type: str, html: bool) -> list[dict]:
    """Return the self link (the requested format) and an alternate link (the other format)."""
    as_json = _with(href, {**args, "f": "json"})
    as_html = _with(href, {**args, "f": "html"})
    first, second = (as_html, as_json) if html else (as_json, as_html)
    kinds = ("text/html", json_type) if html else (json_type, "text/html")
    return [_link(first, "self", kinds[0], "本页 This document"), _link(second, "alternate", kinds[1])]


def landing(base: str, *, html: bool = False) -> dict:
    """Return the landing page: links to itself, the API definition, conformance and the data."""
    return {
        "title": "民情地图 Minqing Map",
        "description": (
            "乡镇、行政村、自然寨、农户图层，以及按角色提供的结对与走访 "
            "Townships, villages, natural villages, households, and by role pairings and visits"
        ),
        "links": [
            *_self_and_alternate(base + "/", {}, json_type="application/json", html=html),
            _link(base + "/api", "service-desc", OPENAPI, "API 定义 API definition (OpenAPI 3.0)"),
            _link(base + "/conformance", "conformance", "application/json", "符合性 Conformance"),
            _link(base + "/collections", "data", "application/json", "图层 Collections"),
            _link(
                base + "/qgis-project.qgs", "related", "application/x-qgis-project", "QGIS 工程 QGIS project"
            ),
        ],
    }


def conformance() -> dict:
    """Return the conformance declaration."""
    return {"conformsTo": list(CONFORMANCE)}


def collection(
    base: str,
    collection_id: str,
    bbox: tuple | None,
    *,
    interval: tuple[datetime, datetime] | None = None,
    html: bool = False,
) -> dict:
    """Return one collection's description: links, CRS84 and time extents, the CRSs it offers."""
    zh, en = COLLECTIONS[collection_id]
    href = f"{base}/collections/{collection_id}"
    document = {
        "id": collection_id,
        "title": f"{zh} {en}",
        "description": _described(collection_id),
        "itemType": "feature",
        "links": [
            *_self_and_alternate(href, {}, json_type="application/json", html=html),
            _link(href + "/items", "items", GEOJSON, f"{zh} {en}"),
            _link(href + "/items?f=html", "items", "text/html", f"{zh} {en}"),
            _link(href + "/queryables", QUERYABLES_REL, "application/schema+json", "可查询属性 Queryables"),
        ],
        "crs": list(CRSS),
        "storageCrs": STORAGE_CRS,
    }
    extent = {}
    if bbox is not None:
        extent["spatial"] = {"bbox": [list(bbox)], "crs": CRS84}
    if interval is not None:
        extent["temporal"] = {"interval": [[_instant(t) for t in interval]], "trs": GREGORIAN}
    if extent:
        document["extent"] = extent
    return document


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


# The households' vendor parameter (#13): the collection as it was at the end of a past day.
AS_OF = (
    "截至日期 As of: YYYY-MM-DD, the households as they were at the end of that day in the county's "
    "time zone (no later than today); a vendor parameter of the households' items only"
)


def _described(collection_id: str) -> str:
    """Return a collection's description: its titles, its feature id and, for households, `as_of`."""
    zh, en = COLLECTIONS[collection_id]
    text = f"{zh}（{en}）; feature id: {_id_description(collection_id)}"
    return f"{text}. {AS_OF}" if collection_id == "households" else text


def _id_description(collection_id: str) -> str:
    if collection_id == "households":
        return "household code"
    if collection_id == "pairings":
        return "pairing number; a line from the centre of the cadre's patch (else village) to the household"
    if collection_id == "visits":
        return "visit uid; the point where it was logged, else the household's"
    if collection_id == "natural_villages":
        return "14-digit natural village code"
    return "12-digit statistical division code"


def collections(
    base: str, bbox: tuple | None, *, intervals: Mapping[str, tuple[datetime, datetime]], html: bool = False
) -> dict:
    """Return the collections in `intervals`, each with its time extent (None without times)."""
    return {
        "links": _self_and_alternate(base + "/collections", {}, json_type="application/json", html=html),
        "collections": [collection(base, cid, bbox, interval=span) for cid, span in intervals.items()],
    }


def queryables(base: str, collection_id: str, properties: Mapping[str, str]) -> dict:
    """Return the properties a filter may name as a JSON Schema (those the user's role receives)."""
    schema = {}
    for name, kind in properties.items():
        entry = {"type": "string", "format": "date-time"} if kind == "date-time" else {"type": kind}
        schema[name] = {"title": label(name), **entry}
    return {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": f"{base}/collections/{collection_id}/queryables",
        "type": "object",
        "title": " ".join(COLLECTIONS[collection_id]),
        "description": _described(collection_id),
        "properties": schema,
        "additionalProperties": False,
    }


def feature_collection(
    rows: Sequence[tuple[str, str]],
    *,
    limit: int,
    matched: int | None,
    links: list[dict],
    next_href,
    chunk: int = 1000,
) -> Iterator[str]:
    """Yield a GeoJSON FeatureCollection in pieces of `chunk` features.

    `rows` (key, Feature text) holds up to `limit` + 1 features: the extra one only
    says that a next page exists, and `next_href(last key)` gives its link. numberMatched
    is left out when `matched` is None.
    """
    stamp = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    page = rows[:limit]
    count = "" if matched is None else f'"numberMatched":{matched:d},'
    yield f'{{"type":"FeatureCollection",{count}"timeStamp":"{stamp}","features":['
    for start in range(0, len(page), chunk):
        yield ("," if start else "") + ",".join(feature for _, feature in page[start : start + chunk])
    if len(rows) > limit:
        links = [*links, _link(next_href(page[-1][0]), "next", GEOJSON, "下一页 Next page")]
    yield f'],"numberReturned":{len(page):d},"links":{json.dumps(links, ensure_ascii=False)}}}'


def items_links(href: str, args: Mapping[str, str]) -> list[dict]:
    """Return the self and alternate links of an items page."""
    return _self_and_alternate(href, args, json_type=GEOJSON, html=False)


def next_link(href: str, args: Mapping[str, str], cursor: str, *, limit: int) -> str:
    """Return the href of the next page: the same arguments, the page size served, the next cursor."""
    kept = {k: v for k, v in args.items() if k not in ("cursor", "limit")}
    return _with(href, {**kept, "limit": str(limit), "cursor": cursor})


def feature(text: str, base: str, collection_id: str, key: str) -> dict:
    """Return one feature (GeoJSON text from PostGIS) with its links."""
    document = json.loads(text)
    href = f"{base}/collections/{collection_id}"
    document["links"] = [
        _link(f"{href}/items/{key}", "self", GEOJSON),
        _link(href, "collection", "application/json"),
    ]
    return document


def _parameter(name: str, description: str, schema: dict, *, where: str = "query") -> dict:
    return {
        "name": name,
        "in": where,
        "description": description,
        "required": where == "path",
        "schema": schema,
    }


def _get(summary: str, parameters: list, kind: str = "application/json") -> dict:
    responses = {
        "200": {"description": summary, "content": {kind: {}}},
        "400": {"description": "参数错误 Bad parameter"},
        "401": {"description": "未登录 Not authenticated"},
        "404": {"description": "不存在 Not found"},
    }
    return {"get": {"summary": summary, "parameters": parameters, "responses": responses}}


def _items_parameters(default_limit: int, max_limit: int) -> list[dict]:
    crss = {"type": "string", "format": "uri", "enum": list(CRSS)}
    return [
        _parameter(
            "limit",
            "每页要素数 Features per page",
            {"type": "integer", "minimum": 1, "maximum": max_limit, "default": default_limit},
        ),
        _parameter(
            "bbox",
            "范围 Bounding box",
            {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
        ),
        _parameter("bbox-crs", "范围坐标系 Bounding box CRS", crss),
        _parameter("crs", "输出坐标系 Output CRS", crss),
        _parameter(
            "datetime",
            "时间 Time (households: updated, visits: day, pairings: validity): instant or interval",
            {"type": "string"},
        ),
        _parameter(
            "properties", "返回的属性 Properties to return", {"type": "array", "items": {"type": "string"}}
        ),
        _parameter("filter", "CQL2 文本过滤 CQL2 text filter", {"type": "string"}),
        _parameter("filter-lang", "过滤语言 Filter language", {"type": "string", "enum": ["cql2-text"]}),
        _parameter("cursor", "下一页游标 Cursor of the next page (from a next link)", {"type": "string"}),
        _parameter("f", "格式 Format", {"type": "string", "enum": ["json", "html"]}),
    ]


def openapi(
    base: str, queryables: Mapping[str, Mapping[str, str]], *, default_limit: int, max_limit: int
) -> dict:
    """Return the OpenAPI 3.0 definition of this service.

    Each collection's items path lists its queryables as query parameters (`name=value`
    filters), which is how GDAL's OAPIF driver learns what it may filter on the server.
    """
    f = _parameter("f", "格式 Format", {"type": "string", "enum": ["json", "html"]})
    crs = _parameter("crs", "输出坐标系 Output CRS", {"type": "string", "format": "uri", "enum": list(CRSS)})
    feature_id = _parameter("featureId", "要素 id Feature id", {"type": "string"}, where="path")
    items = _items_parameters(default_limit, max_limit)
    paths = {
        "/": _get("首页 Landing page", [f]),
        "/conformance": _get("符合性 Conformance", [f]),
        "/collections": _get("图层 Collections", [f]),
        "/qgis-project.qgs": _get("QGIS 工程 QGIS project", [], "application/x-qgis-project"),
    }
    for collection_id, properties in queryables.items():
        zh, en = COLLECTIONS[collection_id]
        href = f"/collections/{collection_id}"
        by_value = [
            _parameter(
                name,
                label(name),
                {"type": "string", "format": "date-time"} if kind == "date-time" else {"type": kind},
            )
            for name, kind in properties.items()
        ]
        paths[href] = _get(f"{zh} {en}", [f])
        paths[href + "/queryables"] = _get("可查询属性 Queryables", [f], "application/schema+json")
        as_of = [_parameter("as_of", AS_OF, {"type": "string", "format": "date"})]
        paths[href + "/items"] = _get(
            f"{zh} {en}", items + (as_of if collection_id == "households" else []) + by_value, GEOJSON
        )
        paths[href + "/items/{featureId}"] = _get(f"{zh} {en}", [feature_id, crs, f], GEOJSON)
    return {
        "openapi": "3.0.3",
        "info": {"title": "民情地图 Minqing Map: OGC API - Features", "version": "1.0"},
        "servers": [{"url": base}],
        "components": {
            "securitySchemes": {
                "basic": {"type": "http", "scheme": "basic"},
                "bearer": {"type": "http", "scheme": "bearer"},
                "token": {"type": "apiKey", "in": "header", "name": "X-API-Token"},
            }
        },
        "security": [{"basic": []}, {"bearer": []}, {"token": []}],
        "paths": paths,
    }
