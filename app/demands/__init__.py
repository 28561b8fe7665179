"""People's demands on the web (#12): register, follow through the lifecycle, list with deadlines."""

from flask import Blueprint

bp = Blueprint("demands", __name__, url_prefix="/demands")

from . import views  # noqa: E402, F401  (its routes join `bp`)
