"""Deadlines of demands in working days of the Chinese calendar, official holiday swaps included.

`chinese_calendar` knows each year's State Council schedule (the holidays and the weekend
days worked to make up for them, 调休) up to the last year it was published for; after
that, until the library is updated, Monday to Friday are working days.
"""

import datetime

import chinese_calendar

# A demand is about to be overdue when at most this many working days are left (#12).
DUE_SOON_WORKING_DAYS = 2


def is_working_day(day: datetime.date) -> bool:
    """Say whether `day` is a working day in mainland China (a make-up Saturday is; National Day is not)."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the library has no schedule for yet
        return day.weekday() < 5


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """Return the working day `days` working days after `start` (the day a demand came in)."""
    day = start
    while days > 0:
        day += datetime.timedelta(days=1)
        days -= is_working_day(day)
    return day


def flags(due_on: datetime.date, today: datetime.date, *, open_: bool) -> dict[str, bool]:
    """Return whether a demand due on `due_on` is overdue, or due within two working days, on `today`."""
    overdue = open_ and due_on < today
    soon = open_ and not overdue and due_on <= add_working_days(today, DUE_SOON_WORKING_DAYS)
    return {"overdue": overdue, "due_soon": soon}
