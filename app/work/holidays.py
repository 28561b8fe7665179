"""The three holidays of the holiday visit rounds (全覆盖走访慰问): Spring Festival, Dragon Boat, Mid-Autumn.

Lunar dates (正月初一, 五月初五, 八月十五) turned into the Gregorian days of a given year.
"""

import datetime

from lunardate import LunarDate

HOLIDAYS = {"spring_festival": (1, 1), "dragon_boat": (5, 5), "mid_autumn": (8, 15)}
# A holiday round: the visits in the days up to the holiday itself.
ROUND_DAYS = 14


def holidays(as_of: datetime.date) -> list[tuple[str, datetime.date]]:
    """Return (key, day) of each holiday of the 12 months up to `as_of`, oldest first."""
    start = as_of - datetime.timedelta(days=365)
    days = [
        (key, LunarDate(year, month, day).to_solar_date())
        for year in (as_of.year - 1, as_of.year)
        for key, (month, day) in HOLIDAYS.items()
    ]
    return sorted(((k, d) for k, d in days if start < d <= as_of), key=lambda kd: kd[1])
