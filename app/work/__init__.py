"""The 民情 work on the web (#11): a cadre's overdue list, the unpaired poor, the phone visit form."""

from flask import Blueprint

bp = Blueprint("work", __name__, url_prefix="/work")

from . import cadres, imports, lists, measures, overdue_map, pairing_map, visits  # noqa: E402, F401  (their routes join `bp`)
