"""One error type, and one place that renders errors as JSON or HTML."""

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from .i18n import Text, language, translated


class AppError(Exception):
    """An error a user caused and can fix: an HTTP status, a stable code and a sentence.

    The sentence is a `Text` when it is to be read in the reader's language;
    `message` is always its English.
    """

    def __init__(self, status: int, code: str, message: str | Text):
        super().__init__(str(message))
        self.status = status
        self.code = code
        self.text = message
        self.message = str(message)


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
PROGRAM_PATHS = ("/api/", "/tiles", "/ogc", "/basemap")


def for_program() -> bool:
    """Say whether the current request comes from a program rather than a person's browser."""
    if request.path.startswith(PROGRAM_PATHS) or "Authorization" in request.headers:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def render(status: int, code: str, message: str | Text):
    """Render an error for the client in the reader's language: JSON for programs, a page for browsers.

    A program that states no language (no session, no Accept-Language) reads English.
    """
    program = for_program()
    message = translated(message, language(default="en" if program else None))
    if program:
        return jsonify(code=code, message=message), status
    return render_template("error.html", status=status, message=message), status


def register(app: Flask) -> None:
    """Install the error handlers on `app`."""

    @app.errorhandler(AppError)
    def app_error(error: AppError):
        return render(error.status, error.code, error.text)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        # Werkzeug's and Flask-WTF's sentences are keys of the catalogue.
        return render(error.code or 500, error.name.replace(" ", ""), error.description or error.name)
