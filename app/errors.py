"""One error type, and one place that renders errors as JSON or HTML."""

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException


class AppError(Exception):
    """An error a user caused and can fix: an HTTP status, a stable code and a sentence."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def bad_parameter(name: str, value: str, expected: str) -> AppError:
    """Return a 400 error naming the parameter, its value and what was expected."""
    return AppError(400, "InvalidParameterValue", f"parameter {name}={value!r}: {expected}")


def not_found(what: str, code: str) -> AppError:
    """Return a 404 error naming what was looked for."""
    return AppError(404, "NotFound", f"{what} {code!r} does not exist")


# Paths that programs (scripts, QGIS, the maps' own tile requests) call, never people.
PROGRAM_PATHS = ("/api/", "/tiles", "/ogc", "/basemap")


def for_program() -> bool:
    """Say whether the current request comes from a program rather than a person's browser."""
    if request.path.startswith(PROGRAM_PATHS) or "Authorization" in request.headers:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def render(status: int, code: str, message: str):
    """Render an error for the client: JSON for programs, a page for browsers."""
    if for_program():
        return jsonify(code=code, message=message), status
    return render_template("error.html", status=status, message=message), status


def register(app: Flask) -> None:
    """Install the error handlers on `app`."""

    @app.errorhandler(AppError)
    def app_error(error: AppError):
        return render(error.status, error.code, error.message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return render(error.code or 500, error.name.replace(" ", ""), error.description or error.name)
