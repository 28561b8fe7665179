"""HTTP for the monthly analysis report (民情分析会报告): one link, a PDF or an XLSX of a chosen month."""

import io
import re
from datetime import UTC, datetime

from flask import request, send_file
from flask_login import current_user, login_required

from .. import audit, localtime, params
from ..errors import bad_parameter
from ..extensions import db
from ..i18n import Text
from ..printing.demand_report import report_pdf
from ..printing.documents import printed_by
from . import bp, report

MIMETYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@bp.get("/report")
@login_required
def monthly_report():
    """The month's analysis of a village or township: ?code=…&month=YYYY-MM&format=pdf|xlsx."""
    params.only(request.args, ("code", "month", "format"))
    code = request.args.get("code", "")
    if not re.fullmatch(r"[0-9]{12}", code):
        raise bad_parameter("code", code, Text("{digits} digits expected", digits=12))
    month = report.parse_month(request.args.get("month"), today=localtime.today())
    kind = params.choice(request.args, "format", report.FORMATS)
    data = report.gather(current_user, code, month, zone=localtime.zone().key)
    if kind == "pdf":
        now = datetime.now(UTC).astimezone(localtime.zone())
        body = report_pdf(data, printed_by=printed_by(current_user), printed_at=now)
    else:
        body = report.workbook(data)
    audit.record(
        "demand_report",
        code,
        month=month.label,
        format=kind,
        overdue=len(data["overdue"]),
        raised=data["summary"]["raised"],
    )
    db.session.commit()
    return send_file(
        io.BytesIO(body),
        mimetype=MIMETYPES[kind],
        as_attachment=kind == "xlsx",
        download_name=report.filename(data, kind),
    )
