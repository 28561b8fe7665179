"""Every request checked where it enters, once, before any view, query or url_for sees it.

Refused with a 400 naming the part and its value: a path segment, query parameter,
form field, cookie or header value that holds control characters (tab, and in form
fields line breaks, excepted), is not UTF-8, or is longer than its ENTRY_MAX_*
setting; a query value that reads as an infinite or not-a-number number; a Host
that is not a host name (werkzeug cannot build URLs for it). PostgreSQL refuses NUL
in text outright, so without this a NUL anywhere in a query's input was a 500.
"""

import math
import re
from urllib.parse import unquote_to_bytes

from flask import Flask, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

from .errors import AppError
from .i18n import gettext as _

# Control characters (Unicode category Cc) and lone surrogates, with the whitespace each part may carry.
_NO_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROLS_BUT_TAB = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROLS_BUT_SPACING = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

# Query parameters holding free text, where "nan" is a word rather than a number.
FREE_TEXT = frozenset({"q", "filter", "next"})

_HOST = re.compile(r"(?P<name>\[[0-9A-Fa-f:.]+\]|[^:\[\]]{1,253})(:[0-9]{1,5})?")
_LABEL = re.compile(r"[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _shown(value: str, limit: int = 60) -> str:
    """Return `value` as a quoted literal short enough for a message."""
    return repr(value if len(value) <= limit else value[:limit] + "…")


def refuse(part: str, name: str, value: str, problem: str, *, code: str = "InvalidParameterValue"):
    """Raise the 400 for `part` (parameter, header …) `name` whose `value` has `problem`."""
    template = _("{part} {name}={value}: {problem}") if name else _("{part} {value}: {problem}")
    raise AppError(400, code, template.format(part=_(part), name=name, value=_shown(value), problem=problem))


def _text(raw: bytes, part: str, name: str) -> str:
    """Return `raw` decoded as UTF-8, refusing bytes that are not."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        bad = raw[error.start : error.start + 1].hex().upper()
        problem = _("not UTF-8 (byte {n} is 0x{byte})").format(n=error.start + 1, byte=bad)
        refuse(part, name, raw.decode("utf-8", "replace"), problem)


def check_value(part: str, name: str, value: str, *, limit: int, controls: re.Pattern = _NO_CONTROLS):
    """Refuse `value` if it is longer than `limit` or holds a control character `controls` matches."""
    if len(value) > limit:
        problem = _("{length:,} characters, at most {limit:,}").format(length=len(value), limit=limit)
        refuse(part, name, value, problem)
    found = controls.search(value)
    if found:
        problem = _("holds the control character U+{code:04X}").format(code=ord(found.group()))
        refuse(part, name, value, problem)


def check_host(host: str) -> None:
    """Refuse a Host header that is not `name[:port]` with labels of 1 to 63 letters, digits, - or _."""
    parts = _HOST.fullmatch(host)
    if parts is None:
        refuse("header", "Host", host, _("not a host name"), code="InvalidHeader")
    name = parts.group("name")
    if name.startswith("["):  # an IPv6 literal
        return
    for label in name.removesuffix(".").split("."):
        if len(label) > 63:
            problem = _("a label of {length} characters, at most 63").format(length=len(label))
            refuse("header", "Host", host, problem, code="InvalidHeader")
        if not _LABEL.fullmatch(label):
            refuse("header", "Host", host, _("not a host name"), code="InvalidHeader")


def _query(config) -> None:
    """Check every query parameter from the raw query string, so bytes werkzeug would replace are seen."""
    raw = request.environ.get("QUERY_STRING", "").encode("latin-1", "replace")
    pairs = [pair for pair in raw.split(b"&") if pair]
    if len(pairs) > config["ENTRY_MAX_QUERY_PARAMETERS"]:
        limit = config["ENTRY_MAX_QUERY_PARAMETERS"]
        problem = _("{length:,} parameters, at most {limit:,}").format(length=len(pairs), limit=limit)
        refuse("query", "", request.environ.get("QUERY_STRING", ""), problem)
    limit = config["ENTRY_MAX_QUERY_VALUE"]
    for pair in pairs:
        raw_name, _sep, raw_value = pair.partition(b"=")
        name = _text(unquote_to_bytes(raw_name.replace(b"+", b" ")), "parameter", "")
        check_value("parameter", name, name, limit=limit, controls=_CONTROLS_BUT_TAB)
        value = _text(unquote_to_bytes(raw_value.replace(b"+", b" ")), "parameter", name)
        check_value("parameter", name, value, limit=limit, controls=_CONTROLS_BUT_TAB)
        if name not in FREE_TEXT:
            _finite("parameter", name, value)


def _finite(part: str, name: str, value: str) -> None:
    """Refuse a value that reads as a number but not a finite one (inf, nan, 1e999)."""
    try:
        number = float(value)
    except ValueError:
        return
    if not math.isfinite(number):
        refuse(part, name, value, _("not a finite number"))


def _path(config) -> None:
    raw = request.environ.get("PATH_INFO", "").encode("latin-1", "replace")
    for segment in raw.split(b"/"):
        text = _text(segment, "path segment", "")
        check_value("path segment", "", text, limit=config["ENTRY_MAX_PATH_SEGMENT"])


def _headers(config) -> None:
    limit = config["ENTRY_MAX_HEADER"]
    for key, value in request.environ.items():
        if key.startswith("HTTP_") or key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            name = key.removeprefix("HTTP_").replace("_", "-").title()
            text = value if value.isascii() else _text(value.encode("latin-1", "replace"), "header", name)
            check_value("header", name, text, limit=limit, controls=_CONTROLS_BUT_TAB)
    for name, value in request.cookies.items(multi=True):
        check_value("cookie", name, name, limit=config["ENTRY_MAX_COOKIE"])
        check_value("cookie", name, value, limit=config["ENTRY_MAX_COOKIE"])
    _basic_credentials()


def _basic_credentials() -> None:
    """Refuse HTTP Basic credentials holding a control character, without echoing them."""
    credentials = request.authorization
    if credentials is None or credentials.type != "basic":
        return
    for part in (credentials.username or "", credentials.password or ""):
        found = _NO_CONTROLS.search(part)
        if found:
            problem = _("holds the control character U+{code:04X}").format(code=ord(found.group()))
            refuse("header", "Authorization", "Basic …", problem)


def _form(config) -> None:
    """Check form fields and file names of a request that reached a view accepting its method."""
    if request.method not in _BODY_METHODS or request.routing_exception is not None:
        return
    limit = config["ENTRY_MAX_FORM_VALUE"]
    if request.mimetype == "application/x-www-form-urlencoded":
        # Parsed from the raw body (werkzeug would replace bytes that are not UTF-8); the form reads it again.
        for pair in request.get_data(cache=True).split(b"&"):
            raw_name, _sep, raw_value = pair.partition(b"=")
            name = _text(unquote_to_bytes(raw_name.replace(b"+", b" ")), "form field", "")
            _text(unquote_to_bytes(raw_value.replace(b"+", b" ")), "form field", name)
    for name, value in request.form.items(multi=True):
        check_value("form field", name, name, limit=limit)
        check_value("form field", name, value, limit=limit, controls=_CONTROLS_BUT_SPACING)
    for name, upload in request.files.items(multi=True):
        check_value("form field", name, upload.filename or "", limit=config["ENTRY_MAX_PATH_SEGMENT"])


def check_request() -> None:
    """Refuse the request if any part of it is malformed; the Host first, before anything builds a URL."""
    config = current_app.config
    if "HTTP_HOST" in request.environ:  # HTTP/1.0 may send none; werkzeug then uses the server's name
        check_host(request.environ["HTTP_HOST"])
    _path(config)
    _headers(config)
    _query(config)
    _form(config)


def register(app: Flask) -> None:
    """Check every request before any other hook (CSRF, login) or view runs; bound bodies; trust proxies."""
    app.before_request_funcs.setdefault(None, []).insert(0, check_request)
    # The largest body is an import's upload (plus its multipart framing); anything larger is a 413 at once.
    if app.config["MAX_CONTENT_LENGTH"] is None:
        app.config["MAX_CONTENT_LENGTH"] = app.config["IMPORT_MAX_BYTES"] + 1024**2
    # Behind PROXY_HOPS proxies the client's address, scheme and host are those they forward.
    if app.config["PROXY_HOPS"]:
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
