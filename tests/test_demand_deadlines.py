"""Demand deadlines count working days of the Chinese calendar, holiday swaps (调休) included (#12)."""

import datetime

import pytest

from app.demands import deadlines

D = datetime.date


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2026, 9, 30), True),  # the Wednesday before National Day
        (D(2026, 10, 1), False),  # National Day
        (D(2026, 10, 5), False),  # a Monday inside the Golden Week
        (D(2026, 10, 10), True),  # a Saturday worked to make up for it
        (D(2026, 10, 11), False),  # an ordinary Sunday
        (D(2026, 9, 25), False),  # Mid-Autumn Festival, a Friday
    ],
)
def test_the_calendar_knows_the_2026_national_day_swap(day, working):
    assert deadlines.is_working_day(day) is working


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (D(2026, 9, 30), 1, D(2026, 10, 8)),  # the week of holidays does not count
        (D(2026, 10, 9), 1, D(2026, 10, 10)),  # the make-up Saturday does
        (D(2026, 9, 29), 3, D(2026, 10, 9)),
        (D(2026, 9, 29), 10, D(2026, 10, 19)),
        (D(2026, 12, 4), 5, D(2026, 12, 11)),  # an ordinary week: Friday to Friday
    ],
)
def test_deadlines_skip_holidays_and_count_make_up_days(start, days, due):
    assert deadlines.add_working_days(start, days) == due


def test_years_the_library_does_not_know_yet_count_monday_to_friday():
    # 2027's schedule was not published when the library was released: a Friday + 1 is the Monday.
    assert deadlines.add_working_days(D(2027, 3, 5), 1) == D(2027, 3, 8)


@pytest.mark.parametrize(
    ("due", "open_", "overdue", "soon"),
    [
        (D(2026, 9, 30), True, True, False),  # due before the holidays, not answered after them
        (D(2026, 10, 8), True, False, True),  # on the first working day after: 1 working day left
        (D(2026, 10, 9), True, False, True),  # the second working day after
        (D(2026, 10, 10), True, False, False),  # the make-up Saturday is the third: not yet due soon
        (D(2026, 9, 30), False, False, False),  # answered: the clock has stopped
    ],
)
def test_overdue_and_due_soon_flags_count_working_days(due, open_, overdue, soon):
    today = D(2026, 10, 1)  # National Day: the next working days are 8, 9 and 10 October
    assert deadlines.flags(due, today, open_=open_) == {"overdue": overdue, "due_soon": soon}
