"""Chinese resident identity numbers (居民身份号码, GB 11643-1999).

An 18-character number is a 6-digit address code, an 8-digit birth date
(YYYYMMDD), a 3-digit sequence (odd for men, even for women) and a check
character computed with ISO 7064 MOD 11-2 ('X' stands for 10).

This module is pure: it imports nothing from the rest of `app`, so the data
generator and the web application share one definition.
"""

import datetime
import operator

__all__ = ["CHECK_CHARACTERS", "LENGTH", "WEIGHTS", "check_digit", "problem"]

LENGTH = 18
# Weight of position i is 2**(17 - i) mod 11 (ISO 7064 MOD 11-2).
WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(LENGTH - 1))
# The check character is CHECK_CHARACTERS[weighted sum mod 11].
CHECK_CHARACTERS = "10X98765432"


def _digits(text: str) -> bool:
    """Return whether `text` is only ASCII digits ('²' and '９' are digits to str.isdigit)."""
    return text.isascii() and text.isdigit()


def check_digit(first17: str) -> str:
    """Return the check character for the first 17 digits of an ID number.

    Parameters
    ----------
    first17 : str
        Exactly 17 ASCII digits.

    Returns
    -------
    str
        One of '0'-'9' or 'X'.

    Raises
    ------
    ValueError
        If `first17` is not 17 ASCII digits.
    """
    if len(first17) != LENGTH - 1 or not _digits(first17):
        raise ValueError(f"17 digits expected, got {first17!r}")
    return CHECK_CHARACTERS[sum(map(operator.mul, map(int, first17), WEIGHTS)) % 11]


def problem(value: str, *, today: datetime.date | None = None) -> str | None:
    """Say what is wrong with an ID number, or return None if it is valid.

    Checks, in order: length, characters, birth date (a real date, not in the
    future) and check character. A lowercase 'x' is accepted.

    Parameters
    ----------
    value : str
        The ID number as typed.
    today : datetime.date, optional
        The date birth dates must not be after; defaults to today's date.

    Returns
    -------
    str or None
        A short English sentence naming the first problem found, e.g.
        "check digit should be 7, got 3"; None when the number is valid.
    """
    if len(value) != LENGTH:
        return f"{LENGTH} characters expected, got {len(value)}"
    value = value.upper()
    if not _digits(value[:-1]) or not (_digits(value[-1]) or value[-1] == "X"):
        return "only digits (and a final X) allowed"
    birth = value[6:14]
    try:
        born = datetime.date(int(birth[:4]), int(birth[4:6]), int(birth[6:]))
    except ValueError:
        return f"birth date {birth} is not a date"
    if born > (today or datetime.date.today()):
        return f"birth date {born.isoformat()} is in the future"
    expected = check_digit(value[:-1])
    if value[-1] != expected:
        return f"check digit should be {expected}, got {value[-1]}"
    return None
