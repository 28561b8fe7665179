"""One error type, and one place that renders errors as JSON or HTML, in the reader's language.

The error page is rendered from the template alone: no context processor runs, so
it needs no database (Flask-Login's would load the user) and no URL adapter (a Host
header werkzeug refused leaves none), and it can answer when either is missing.
"""

from flask import Flask, Response, current_app, jsonify, request, url_for
from flask.globals import request_ctx
from werkzeug.exceptions import HTTPException

from .i18n import Text, language, translated


class AppError(Exception):
    """An error a user caused and can fix: an HTTP status, a stable code, a sentence, and extra headers.

    The sentence is a `Text` when it is to be read in the reader's language;
    `message` is always its English.
    """

    def __init__(self, status: int, code: str, message: str | Text, *, headers: dict | None = None):
        super().__init__(str(message))
        self.status = status
        self.code = code
        self.text = message
        self.message = str(message)
        self.headers = headers or {}


def bad_parameter(name: str, value: str, expected: str | Text) -> AppError:
    """Return a 400 error naming the parameter, its value and what was expected."""
    return AppError(
        400,
        "InvalidParameterValue",
        Text("parameter {name}={value!r}: {expected}", name=name, value=value, expected=expected),
    )


def one_of(options) -> Text:
    """Return 'one of a, b, c', as a bad parameter's expected values."""
    return Text("one of {options}", options=", ".join(options))


def not_found(what: str, code: str) -> AppError:
    """Return a 404 error naming what was looked for (`what`: a key of the catalogue, 'natural village')."""
    return AppError(404, "NotFound", Text("{what} {code!r} does not exist", what=Text(what), code=code))


# Paths that programs (scripts, QGIS, the maps' own tile requests) call, never people.
PROGRAM_PATHS = ("/api/", "/tiles", "/ogc", "/basemap", "/open311")


def for_program() -> bool:
    """Say whether the current request comes from a program rather than a person's browser."""
    if request.path.startswith(PROGRAM_PATHS) or "Authorization" in request.headers:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def link(endpoint: str, fallback: str, **values) -> str:
    """Return the URL of `endpoint`, or `fallback` under the script root when no URL can be built here."""
    if request_ctx.url_adapter is not None:
        return url_for(endpoint, **values)
    return request.script_root + fallback


def page(status: int, message: str, *, headers=None) -> Response:
    """Return the error page, made from the template alone (no user, no database), with `headers`."""
    html = current_app.jinja_env.get_template("error.html").render(status=status, message=message)
    return current_app.response_class(html, status=status, mimetype="text/html", headers=headers)


def render(status: int, code: str, message: str | Text, *, headers=None) -> Response:
    """Render an error for the client: JSON for programs, a page for browsers; `headers` are added.

    The message is in the reader's language; a program that states none (no session, no
    Accept-Language) reads English.
    """
    program = for_program()
    message = translated(message, language(default="en" if program else None))
    if not program:
        return page(status, message, headers=headers)
    response = jsonify(code=code, message=message)
    response.status_code = status
    response.headers.extend(headers or {})
    return response


def register(app: Flask) -> None:
    """Install the error handlers on `app`."""
    app.jinja_env.globals["error_link"] = link

    @app.errorhandler(AppError)
    def app_error(error: AppError):
        return render(error.status, error.code, error.text, headers=error.headers)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        # Keep what werkzeug says beside the status: Allow on a 405, Retry-After on a 503 or 429,
        # WWW-Authenticate on a 401. Werkzeug's and Flask-WTF's sentences are keys of the catalogue.
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        code = error.name.replace(" ", "")
        return render(error.code or 500, code, error.description or error.name, headers=headers)

    from . import outages

    outages.register(app)
