"""Times as people in the county read them: in its time zone (TIME_ZONE, default Asia/Shanghai), never UTC."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app


def zone() -> ZoneInfo:
    """Return the county's time zone."""
    return ZoneInfo(current_app.config["TIME_ZONE"])


def local(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Return `moment` (timezone-aware) as the county's wall-clock time, '' for None."""
    if moment is None:
        return ""
    return moment.astimezone(zone()).strftime(fmt)


def today() -> date:
    """Return today's date in the county (a cadre's day starts at midnight there, not in UTC)."""
    return datetime.now(zone()).date()


def end_of(day: date) -> datetime:
    """Return the last moment of `day` in the county: what "as of `day`" means."""
    return datetime.combine(day + timedelta(days=1), time(), zone()) - timedelta(microseconds=1)
