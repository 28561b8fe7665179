"""Open311 GeoReport v2 over HTTP: parameters in, the spec's documents out (JSON, or XML).

The service list and definitions are the catalogue of kinds: public, like a hotline's menu.
Requests are demands: read as the demand pages let the reader (admin and leader all, a cadre
their villages, a county department those assigned to it; gis counts only, so 403), every
read audited; a POST needs an API token (Bearer, X-API-Token or the spec's api_key field).
"""

import json
from datetime import datetime

from flask import Response, request
from flask_login import current_user

from .. import audit, localtime, privacy
from ..auth import token_principal
from ..demands import checks
from ..errors import AppError, not_found
from ..extensions import csrf, db
from ..i18n import Text, translated
from ..params import is_number
from ..queries import demand_layers
from ..queries import demands as demand_queries
from ..queries import open311 as queries
from . import bp, documents, params

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
COUNTS_ONLY = "Demands one by one are not for your role (counts only, as on the demand list)."
TOKEN_NEEDED = "An API token is needed: Authorization: Bearer <token>, or the api_key field."


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise not_found("format", fmt)
    return fmt


def _answer(root: str, document, fmt: str, status: int = 200) -> Response:
    if fmt == "xml":
        return Response(documents.xml(root, document), status=status, mimetype=FORMATS["xml"])
    body = json.dumps(document, ensure_ascii=False)
    return Response(body, status=status, mimetype=FORMATS["json"])


@bp.errorhandler(AppError)
def open311_error(error: AppError):
    """Answer the spec's way: [{"code": 400, "description": "中文 / English"}], in the asked format."""
    fmt = "xml" if request.path.endswith(".xml") else "json"
    description = f"{translated(error.text, 'zh')} / {translated(error.text, 'en')}"
    response = _answer("errors", documents.error(error.status, description), fmt, error.status)
    response.headers.extend(error.headers)
    return response


def _token() -> str:
    header = request.headers.get("Authorization", "")
    bearer = header[7:].strip() if header.startswith("Bearer ") else ""
    return bearer or request.headers.get("X-API-Token", "") or request.values.get("api_key", "")


def _reader():
    """Return who reads: the signed-in user or program, else the holder of the spec's api_key; 401 without."""
    reader = current_user if current_user.is_authenticated else token_principal(_token())
    if reader is None:
        raise AppError(401, "Unauthorized", Text(TOKEN_NEEDED), headers={"WWW-Authenticate": "Bearer"})
    return reader


def _layer(reader) -> demand_layers.Layer:
    rows, villages = privacy.demand_scope(reader)
    if not rows:
        raise AppError(403, "Forbidden", Text(COUNTS_ONLY))
    return demand_layers.demands(villages=villages, department=privacy.demand_department(reader))


def _kind(code: str) -> dict:
    kind = next((k for k in demand_queries.kinds() if k["key"] == code), None)
    if kind is None:
        raise not_found("service", code)
    return kind


@bp.get("/services.<fmt>")
def services(fmt: str):
    """The kinds of demand a hotline may file, with their codes."""
    fmt = _format(fmt)
    params.only(request.args, ("jurisdiction_id",))
    return _answer("services", [documents.service(k) for k in demand_queries.kinds()], fmt)


@bp.get("/services/<code>.<fmt>")
def service_definition(code: str, fmt: str):
    """A kind's definition: the attributes a request of it may carry."""
    fmt = _format(fmt)
    params.only(request.args, ("jurisdiction_id",))
    return _answer("service_definition", documents.definition(_kind(code)), fmt)


def _requests(reader, query: queries.Query) -> list[dict]:
    rows = queries.requests(_layer(reader), query)
    zone = localtime.zone()
    return [documents.request(row, zone=zone) for row in rows]


@bp.get("/requests.<fmt>")
def requests(fmt: str):
    """The demands the reader may read, filtered the spec's way (90 days by default), newest first."""
    fmt = _format(fmt)
    reader = _reader()
    kinds = [k["key"] for k in demand_queries.kinds()]
    zone = localtime.zone()
    query = params.requests(request.args, kinds=kinds, now=datetime.now(zone), zone=zone)
    found = _requests(reader, query)
    ids = [r["service_request_id"] for r in found]
    audit.record("open311_requests", "", user=reader, count=len(ids), demands=ids[:1000])
    db.session.commit()
    return _answer("service_requests", found, fmt)


@bp.get("/requests/<demand_id>.<fmt>")
def one_request(demand_id: str, fmt: str):
    """One demand: its status, what it is about and who handles it; 404 unknown, 403 not the reader's."""
    fmt = _format(fmt)
    params.only(request.args, ("jurisdiction_id", "api_key"))
    reader = _reader()
    if not is_number(demand_id) or not queries.exists(int(demand_id)):
        raise not_found("demand", demand_id)
    now = datetime.now(localtime.zone())
    found = _requests(reader, queries.Query(start=now, end=now, ids=(demand_id,)))
    if not found:
        raise AppError(403, "Forbidden", Text("You may not see this."))
    audit.record("view_demand", demand_id, user=reader, via="open311")
    db.session.commit()
    return _answer("service_requests", found, fmt)


@bp.post("/requests.<fmt>")
@csrf.exempt  # a program's request, authenticated by its token alone (never by a cookie)
def create_request(fmt: str):
    """File a demand from the hotline (channel hotline) with an API token; answer its number."""
    fmt = _format(fmt)
    reader = token_principal(_token())
    if reader is None:
        raise AppError(401, "Unauthorized", Text(TOKEN_NEEDED), headers={"WWW-Authenticate": "Bearer"})
    form = params.new_request(request.form)
    demand, problems = checks.check(form, today=localtime.today())
    if problems:
        raise params.refused(problems)
    if not privacy.may_handle_demand(reader, demand["village_id"]):
        raise AppError(403, "Forbidden", Text("This place is not in your villages."))
    demand_id = demand_queries.insert_demand(demand, user=reader)
    audit.record("register_demand", str(demand_id), user=reader, kind=demand["kind"], via="open311")
    db.session.commit()
    return _answer("service_requests", [documents.created(demand_id)], fmt, 201)
