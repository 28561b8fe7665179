"""People's demands on the web (#12): register, follow through the lifecycle, list with deadlines."""

from flask import Blueprint

bp = Blueprint("demands", __name__, url_prefix="/demands")

from . import report_views, tiles, views  # noqa: E402, F401  (their routes join `bp`)
