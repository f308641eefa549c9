"""Resolve the relative date phrases of news articles into calendar ranges.

Articles say "on Sunday", "late on Sunday", "last week" or "earlier this month"; the
dataset stores the phrase beside the range it stands for. :func:`resolve` turns a phrase
and the article's publication date into ``(start, end, precision)`` by calendar
arithmetic, so every date in ``data/`` can be re-derived (``tests/test_data.py`` does it
row by row).

Conventions (also in ``docs/codebook.md``):

* A weekday ("on Sunday") is the latest such day on or before publication; for a step
  announced for the future (``direction="future"``) the first such day on or after it.
* Weeks run Monday to Sunday. "this week" is the publication's week, "last week" the one
  before.
* "earlier this month" runs from the 1st of the publication month to the day before
  publication; "end of April" is April's last seven days.
* A month and day without a year ("on May 2") is the latest such date on or before
  publication (the next one for ``direction="future"``); "in April" likewise.
* "in recent weeks" is the 28 days up to publication; "during the past two months"
  the two calendar months up to publication.
* Precision is ``day`` for one day, ``week`` for at most 7 days, ``month`` for at most
  31 days and ``year`` beyond that.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from typing import NamedTuple

__all__ = ["Resolved", "UnresolvablePhrase", "resolve", "precision_of", "fits_precision"]

WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
PRECISION_DAYS = {"day": 1, "week": 7, "month": 31, "year": 366}

_WD = "|".join(WEEKDAYS)
_MO = "|".join(MONTHS)
_NUM = r"\d+|" + "|".join(NUMBERS)


class UnresolvablePhrase(ValueError):
    """Raised when a phrase matches none of the known forms."""


class Resolved(NamedTuple):
    """A resolved phrase: inclusive ``start`` and ``end`` dates and their ``precision``."""

    start: date
    end: date
    precision: str


def precision_of(start: date, end: date) -> str:
    """Return the narrowest precision whose span holds ``start..end`` (inclusive).

    >>> precision_of(date(2021, 5, 10), date(2021, 5, 16))
    'week'
    """
    days = (end - start).days + 1
    for name, limit in PRECISION_DAYS.items():
        if days <= limit:
            return name
    raise ValueError(f"a range of {days} days is wider than a year")


def fits_precision(start: date, end: date, precision: str) -> bool:
    """True when the inclusive range ``start..end`` is no wider than ``precision`` allows.

    >>> fits_precision(date(2021, 5, 2), date(2021, 5, 2), "day")
    True
    """
    return 0 <= (end - start).days < PRECISION_DAYS[precision]


def _range(start: date, end: date) -> Resolved:
    return Resolved(start, end, precision_of(start, end))


def _weekday(target: int, published: date, future: bool) -> date:
    if future:
        return published + timedelta(days=(target - published.weekday()) % 7)
    return published - timedelta(days=(published.weekday() - target) % 7)


def _month_day(month: int, day: int, published: date, future: bool) -> date:
    candidate = date(published.year, month, day)
    if future and candidate < published:
        return date(published.year + 1, month, day)
    if not future and candidate > published:
        return date(published.year - 1, month, day)
    return candidate


def _month_span(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _latest_month(month: int, published: date, future: bool) -> int:
    """Year of the latest (or, for the future, next) ``month`` around publication."""
    if future:
        return published.year if month >= published.month else published.year + 1
    return published.year if month <= published.month else published.year - 1


def _months_back(d: date, n: int) -> date:
    month = d.month - n
    year = d.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _number(text: str) -> int:
    return int(text) if text.isdigit() else NUMBERS[text]


def resolve(phrase: str, published: date, direction: str = "past") -> Resolved:
    """Resolve ``phrase`` against the publication date ``published``.

    ``direction`` is ``"past"`` for what happened (the default) or ``"future"`` for what
    an article announces ("will begin on Sunday"). Returns a :class:`Resolved`
    ``(start, end, precision)``; raises :class:`UnresolvablePhrase` for an unknown form.

    >>> resolve("late on Sunday", date(2021, 12, 6))
    Resolved(start=datetime.date(2021, 12, 5), end=datetime.date(2021, 12, 5), precision='day')
    >>> resolve("last week", date(2021, 5, 22)).start
    datetime.date(2021, 5, 10)
    >>> resolve("on Sunday", date(2021, 5, 22), direction="future").start
    datetime.date(2021, 5, 23)
    """
    if direction not in ("past", "future"):
        raise ValueError(f"direction must be 'past' or 'future', not {direction!r}")
    future = direction == "future"
    text = re.sub(r"\s+", " ", phrase.strip().lower().rstrip(".,"))

    m = re.fullmatch(
        rf"(?:(?:late|early) )?(?:on )?(?:a )?({_WD})"
        r"(?: (?:morning|afternoon|evening|night|early in the morning))?",
        text,
    )
    if m:
        day = _weekday(WEEKDAYS[m[1]], published, future)
        return Resolved(day, day, "day")

    monday = published - timedelta(days=published.weekday())
    if text == "this week":
        return _range(monday, monday + timedelta(days=6))
    if text == "last week":
        return _range(monday - timedelta(days=7), monday - timedelta(days=1))
    if text == "next week":
        return _range(monday + timedelta(days=7), monday + timedelta(days=13))

    if text == "earlier this month":
        if published.day == 1:
            raise UnresolvablePhrase(f"{phrase!r}: nothing is earlier in the month of {published}")
        return _range(published.replace(day=1), published - timedelta(days=1))
    if text in ("this month", "last month"):
        anchor = published if text == "this month" else published.replace(day=1) - timedelta(days=1)
        return _range(*_month_span(anchor.year, anchor.month))

    if text in ("last year", "this year"):
        year = published.year - (text == "last year")
        return _range(date(year, 1, 1), date(year, 12, 31))

    if text == "in recent weeks":
        return _range(published - timedelta(days=27), published)

    m = re.fullmatch(rf"(?:during |in |over )?the (?:past|last) ({_NUM}) (week|month)s?", text)
    if m:
        n = _number(m[1])
        start = (
            published - timedelta(days=7 * n - 1)
            if m[2] == "week"
            else _months_back(published, n) + timedelta(days=1)
        )
        return Resolved(start, published, precision_of(start, published))

    m = re.fullmatch(rf"(?:at the )?end of ({_MO})", text)
    if m:
        month = MONTHS[m[1]]
        _, last = _month_span(_latest_month(month, published, future), month)
        return _range(last - timedelta(days=6), last)

    m = re.fullmatch(rf"(?:on |in )?({_MO}) (\d{{1,2}})(?:st|nd|rd|th)?(?:,? (\d{{4}}))?", text)
    if m:
        month, day = MONTHS[m[1]], int(m[2])
        when = date(int(m[3]), month, day) if m[3] else _month_day(month, day, published, future)
        return Resolved(when, when, "day")

    m = re.fullmatch(rf"between ({_MO}) (\d{{1,2}}) and (?:({_MO}) )?(\d{{1,2}})", text)
    if m:
        first = _month_day(MONTHS[m[1]], int(m[2]), published, future)
        last_month = MONTHS[m[3]] if m[3] else MONTHS[m[1]]
        last = date(first.year + (last_month < first.month), last_month, int(m[4]))
        return _range(first, last)

    m = re.fullmatch(rf"(?:in |during |early |late )?({_MO})(?:,? (\d{{4}}))?", text)
    if m:
        month = MONTHS[m[1]]
        year = int(m[2]) if m[2] else _latest_month(month, published, future)
        return _range(*_month_span(year, month))

    m = re.fullmatch(r"(?:in )?(\d{4})", text)
    if m:
        year = int(m[1])
        return _range(date(year, 1, 1), date(year, 12, 31))

    raise UnresolvablePhrase(f"no rule resolves the date phrase {phrase!r}")
