"""HTTP face of exports: /export/<layer>.<fmt>?crs=… returns the file (masked per role, audited)."""

from flask import Blueprint, Response, request
from flask_login import current_user, login_required

from .. import exports, params
from ..errors import AppError, bad_parameter

bp = Blueprint("exports", __name__, url_prefix="/export")


@bp.get("/<layer>.<fmt>")
@login_required
def export(layer: str, fmt: str):
    """Download `layer` (or 'all') as `fmt` in ?crs= (CRS84, EPSG:4490 or EPSG:4534 … 4554)."""
    params.only(request.args, ("crs",))
    if layer not in (*exports.LAYERS, exports.ALL):
        raise AppError(
            404, "NotFound", f"layer {layer!r} does not exist (one of {', '.join(exports.LAYERS)}, all)"
        )
    if fmt not in exports.FORMATS:
        raise AppError(
            404, "NotFound", f"format {fmt!r} is not offered (one of {', '.join(exports.FORMATS)})"
        )
    try:
        crs = exports.parse_crs(request.args.get("crs"))
    except ValueError:
        raise bad_parameter("crs", request.args["crs"], "CRS84, EPSG:4490 or EPSG:4534 … EPSG:4554") from None
    content, summary = exports.export(layer, fmt, user=current_user._get_current_object(), crs=crs.label)
    return Response(
        content,
        mimetype=summary["media_type"],
        headers={"Content-Disposition": f'attachment; filename="{summary["file_name"]}"'},
    )
