"""Open311 GeoReport v2 (#12): a 12345 hotline or a mini-program files demands and reads their status."""

from flask import Blueprint

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

from . import views  # noqa: E402, F401  (its routes join `bp`)
