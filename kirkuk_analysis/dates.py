"""Resolve the relative date phrases of news articles into calendar ranges.

Articles say "on Sunday", "since Saturday night", "last week" or "earlier this month"; the
dataset stores the phrase beside the range it stands for. :func:`resolve` turns a phrase
and the article's publication date into ``(start, end, precision)`` by calendar
arithmetic, so every dated row of ``data/`` can be re-derived (``kirkuk-analysis validate
--articles`` does it row by row; ``kirkuk-analysis date`` resolves one phrase).

Conventions (the table in ``docs/codebook.md`` §5 lists every form):

* A weekday ("on Sunday", "Monday night") is the latest such day on or before
  publication; for a step announced for the future (``direction="future"``) the first
  such day on or after it. "last Monday" is strictly before publication, "next Monday"
  strictly after.
* "yesterday", "last night", "the day before" and "the previous day" are the day before
  publication; "today", "this morning", "tonight" the publication day itself.
* "since X" runs from the start of X to publication ("since Saturday night").
* Weeks run Monday to Sunday. "this week" is the publication's week, "last week" the one
  before, "earlier this week" its Monday to the day before publication.
* What happened ends by publication and what is announced starts from it: "this week"
  said on a Wednesday is Monday to Wednesday for an event, Wednesday to Sunday for a plan.
* "earlier this month" runs from the 1st of the publication month to the day before
  publication; "end of April" is April's last seven days; "late May" the whole of the
  latest May whose late part began by publication. "a week ago" is the seven days
  centred on seven days before publication.
* A month and day without a year ("on May 2", "2 May") is the latest such date on or
  before publication (the next one for ``direction="future"``); "in April" likewise.
* "in recent weeks" is the 28 days up to publication, "in recent days" the 7 days up to
  it; "the past N days / weeks / months" end on publication.
* Precision is ``day`` for one day, ``week`` for at most 7 days, ``month`` for at most
  31 days and ``year`` up to 366 days; a wider range is not resolved.

:func:`printed_dates` finds the dates an article prints in any of the forms outlets use
(``12-05-2021``, ``2021-05-12``, ``May 12, 2021``, ``12 May 2021``).
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta
from typing import NamedTuple

from kirkuk_analysis.text import control_character

__all__ = [
    "Resolved",
    "UnresolvablePhrase",
    "direction_of",
    "fits_precision",
    "iso_date",
    "precision_of",
    "printed_dates",
    "resolve",
]

WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
NUMBERS = {
    "a": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
}
NUMBERS.update(
    {f"twenty-{w}": 20 + n for w, n in list(NUMBERS.items()) if 1 <= n <= 9 and w != "a"}
)
PRECISION_DAYS = {"day": 1, "week": 7, "month": 31, "year": 366}

_WD = "|".join(WEEKDAYS)
_MO = "|".join(sorted(MONTHS, key=len, reverse=True))
_NUM = r"\d+|" + "|".join(sorted(NUMBERS, key=len, reverse=True))
_ORD = r"(?:st|nd|rd|th)?"
# A part of the day after a day-level phrase: "Sunday night", "May 2 early in the morning".
# A clock time: "around 1am", "at 3:30 p.m.", "shortly after midnight".
_CLOCK = (
    r"(?:(?:at|around|about|shortly after|shortly before|just after|just before|after|before) )?"
    r"(?:\d{1,2}(?:[:.]\d{2})? ?(?:a\.?m\.?|p\.?m\.?|o'clock)|midnight|noon)"
)
# A part of the day after a day-level phrase: "Sunday night", "May 2 early in the morning".
_PART = (
    r"(?: (?:(?:early|late) )?(?:in the )?(?:morning|afternoon|evening|night)"
    rf"| early in the morning| late at night| at (?:dawn|dusk|night)|,? {_CLOCK})?"
)
# Words before a day-level phrase that do not change the day: "late on", "the night of",
# "around 1am on".
_LEAD = (
    r"(?:(?:late|early|earlier|later) )?(?:on )?"
    r"(?:(?:in )?the (?:early hours|night|morning|evening|afternoon) of |at (?:dawn|dusk) on "
    rf"|{_CLOCK},? (?:on )?)?"
)


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def iso_date(text: str) -> date:
    """The date ``text`` writes as ``YYYY-MM-DD``, the one form the package's dates take;
    raises ``ValueError`` for any other (Python's own parser also takes ``20210512`` and
    ``2021-W19-3``).

    >>> iso_date("2021-05-12")
    datetime.date(2021, 5, 12)
    >>> iso_date("20210512")
    Traceback (most recent call last):
    ...
    ValueError: '20210512' is not a date YYYY-MM-DD
    """
    if not isinstance(text, str) or not _ISO_DAY.fullmatch(text):
        raise ValueError(f"{text!r} is not a date YYYY-MM-DD")
    return date.fromisoformat(text)


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


def direction_of(status: str | None) -> str:
    """The direction a row's date phrase resolves in: ``"future"`` for a step the article
    announces (coordination ``status`` ``planned``), ``"past"`` for everything else.

    >>> direction_of("planned"), direction_of("implemented"), direction_of(None)
    ('future', 'past', 'past')
    """
    return "future" if status == "planned" else "past"


def _range(start: date, end: date, phrase: str = "") -> Resolved:
    if end < start:
        raise UnresolvablePhrase(f"{phrase!r} gives a range that ends before it starts")
    try:
        return Resolved(start, end, precision_of(start, end))
    except ValueError as exc:
        raise UnresolvablePhrase(f"{phrase!r}: {exc}") from None


def _day(d: date) -> Resolved:
    return Resolved(d, d, "day")


def _weekday(target: int, published: date, future: bool, strict: bool = False) -> date:
    if future:
        ahead = (target - published.weekday()) % 7
        return published + timedelta(days=ahead or (7 if strict else 0))
    back = (published.weekday() - target) % 7
    return published - timedelta(days=back or (7 if strict else 0))


def _safe_date(year: int, month: int, day: int, phrase: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise UnresolvablePhrase(f"{phrase!r}: no such day {day} in {year}-{month:02d}") from None


def _month_day(month: int, day: int, published: date, future: bool, phrase: str) -> date:
    # Tried year by year so that 29 February finds the nearest leap year.
    step = 1 if future else -1
    for offset in range(9):
        year = published.year + step * offset
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if (candidate >= published) if future else (candidate <= published):
            return candidate
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        raise UnresolvablePhrase(f"{phrase!r}: there is no day {day} in month {month}")
    side = "on or after" if future else "on or before"
    raise UnresolvablePhrase(
        f"{phrase!r}: no {day} {calendar.month_name[month]} {side} publication ({published}) "
        "falls within the calendar's years 1 to 9999"
        if any(_is_day(y, month, day) for y in (2000, 2004))
        else f"{phrase!r}: there is no day {day} in {calendar.month_name[month]}"
    )


def _is_day(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


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


#: The longest phrase resolved: a date phrase is a few words ("in the early hours of Sunday,
#: 2 May 2021, shortly after midnight" is 64 characters); a longer text is not one.
MAX_PHRASE = 120

_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"})


def _normalise(phrase: str) -> str:
    text = phrase.strip().lower().translate(_DASHES)
    text = re.sub("[\u2018\u2019\u02bc']", "'", text)
    text = re.sub(r"\s+", " ", text).rstrip(".,;:")
    # a phrase copied with its quotation marks: "on Sunday" as \u201con Sunday\u201d
    return re.sub("^[\"'\u201c\u201d]+|[\"'\u201c\u201d]+$", "", text).rstrip(".,;:").strip()


def resolve(phrase: str, published: date, direction: str = "past") -> Resolved:
    """Resolve ``phrase`` against the publication date ``published``.

    ``direction`` is ``"past"`` for what happened (the default) or ``"future"`` for what
    an article announces ("will begin on Sunday"). Returns a :class:`Resolved`
    ``(start, end, precision)``; raises :class:`UnresolvablePhrase` for an unknown form.

    >>> resolve("late on Sunday", date(2021, 12, 6))
    Resolved(start=datetime.date(2021, 12, 5), end=datetime.date(2021, 12, 5), precision='day')
    >>> resolve("last week", date(2021, 5, 22)).start
    datetime.date(2021, 5, 10)
    >>> resolve("since Saturday night", date(2021, 12, 6))[:2]
    (datetime.date(2021, 12, 4), datetime.date(2021, 12, 6))
    >>> resolve("on Sunday", date(2021, 5, 22), direction="future").start
    datetime.date(2021, 5, 23)
    """
    if direction not in ("past", "future"):
        raise ValueError(f"direction must be 'past' or 'future', not {direction!r}")
    if isinstance(published, datetime):  # a timestamp's day: ranges are of dates
        published = published.date()
    if not isinstance(published, date):
        raise TypeError(f"published must be a date, not {type(published).__name__}")
    if not isinstance(phrase, str):
        raise TypeError(f"phrase must be a str, not {type(phrase).__name__}")
    # white space the CSV would refuse (U+001F, U+0085 ...) is not folded into a space
    bad = control_character(phrase.replace("\r\n", " ").replace("\n", " ").replace("\t", " "))
    if bad:
        raise UnresolvablePhrase(f"{phrase!r} holds {bad}: no data cell may hold it")
    text = _normalise(phrase)
    if not text:
        raise UnresolvablePhrase("an empty date phrase resolves to nothing")
    if len(text) > MAX_PHRASE:
        raise UnresolvablePhrase(
            f"a date phrase of {len(text)} characters: a date phrase is a few words "
            f"(at most {MAX_PHRASE} characters); give the words that date the event"
        )
    future = direction == "future"

    try:
        m = re.fullmatch(r"(?:ever )?since (.+)", text)
        if m:
            if future:
                raise UnresolvablePhrase(f"{phrase!r} looks back; it cannot be resolved forward")
            if re.match(r"(?:ever )?since ", m[1]):
                raise UnresolvablePhrase(f"{phrase!r} says 'since' twice")
            try:
                since = resolve(m[1], published)
            except UnresolvablePhrase as exc:
                if "after publication" in str(exc):  # "since tomorrow"
                    raise UnresolvablePhrase(
                        f"{phrase!r} starts after publication ({published})"
                    ) from None
                raise
            if since.start > published:
                raise UnresolvablePhrase(f"{phrase!r} starts after publication ({published})")
            return _range(since.start, published, phrase)

        for rule in _RULES:
            found = rule(text, published, future, phrase)
            if found is not None:
                return _clip(found, published, future, phrase)
    except UnresolvablePhrase:
        raise
    except (ValueError, OverflowError) as exc:
        # calendar arithmetic beyond year 1..9999 ("1000000 days ago", "in 0000")
        raise UnresolvablePhrase(f"{phrase!r} gives no calendar date: {exc}") from None
    raise UnresolvablePhrase(
        f"no rule resolves the date phrase {phrase!r}; give the row date_basis 'inferred' "
        "and say in notes where its date comes from"
    )


def _clip(found: Resolved, published: date, future: bool, phrase: str) -> Resolved:
    """What happened ends by publication; what is announced starts from it ("this week"
    said on a Wednesday of a past event is Monday to Wednesday)."""
    start, end = found.start, found.end
    if future:
        start = max(start, published)
    else:
        end = min(end, published)
    if end < start:
        when = "after" if not future else "before"
        raise UnresolvablePhrase(
            f"{phrase!r} lies wholly {when} publication ({published}); "
            + ("resolve it forward (an announced plan)" if not future else "it is not a plan")
        )
    if (start, end) == found[:2]:
        return found
    return _range(start, end, phrase)


# --------------------------------------------------------------------------------------
# The rules, tried in order. Each takes the normalised text and returns None when its
# form does not match.


def _relative_day(text, published, future, phrase):
    m = re.fullmatch(
        rf"(?:(?:late|early) )?(today|tonight|this (?:morning|afternoon|evening)|earlier today"
        rf"|yesterday|last night|the (?:day before|previous day|day before yesterday)"
        rf"|a day earlier|tomorrow|the next day|the following day){_PART}",
        text,
    )
    if not m:
        return None
    word = m[1]
    if word == "the day before yesterday":
        return _day(published - timedelta(days=2))
    if word in ("yesterday", "last night", "the day before", "the previous day", "a day earlier"):
        return _day(published - timedelta(days=1))
    if word in ("tomorrow", "the next day", "the following day"):
        if not future:
            raise UnresolvablePhrase(
                f"{phrase!r} points after publication; resolve it forward (an announced plan)"
            )
        return _day(published + timedelta(days=1))
    return _day(published)


def _days_ago(text, published, future, phrase):
    m = re.fullmatch(rf"({_NUM}) (day|week)s? (ago|earlier|from now|later)", text)
    if not m:
        return None
    n = _number(m[1])
    if m[3] in ("from now", "later") and not future:
        raise UnresolvablePhrase(f"{phrase!r} points after publication; resolve it forward")
    sign = 1 if m[3] in ("from now", "later") else -1
    if m[2] == "day":
        return _day(published + timedelta(days=sign * n))
    # "a week ago" is about seven days back, not a calendar week (which, said on a Monday,
    # would hold the day before): the seven days centred on it
    middle = published + timedelta(weeks=sign * n)
    return _range(middle - timedelta(days=3), middle + timedelta(days=3), phrase)


def _weekday_rule(text, published, future, phrase):
    m = re.fullmatch(
        rf"(between |from )?{_LEAD}(?:(last|this past|this|next|past) |a )?({_WD}){_PART}"
        rf"(?: (?:and|to|until) (?:on )?({_WD}){_PART})?",
        text,
    )
    if not m:
        return None
    if m[1] and m[4] is None:
        raise UnresolvablePhrase(
            f"{phrase!r} gives where a range starts, not where it ends "
            "('since Sunday' runs to publication)"
        )
    m = (m[0], m[2], m[3], m[4])  # as before: which, first day, second day
    which = "last" if m[1] == "this past" else m[1]
    if which == "next" and not future:
        raise UnresolvablePhrase(f"{phrase!r} points after publication; resolve it forward")
    forward = future or which == "next"
    strict = which in ("last", "past", "next")
    if which in ("last", "past"):
        forward = False
    if m[3] is None:
        return _day(_weekday(WEEKDAYS[m[2]], published, forward, strict))
    # "Saturday and Sunday": the second day fixed like a single weekday, the first before it
    last = _weekday(WEEKDAYS[m[3]], published, forward, strict)
    first = last - timedelta(days=(last.weekday() - WEEKDAYS[m[2]]) % 7)
    return _range(first, last, phrase)


def _week_rule(text, published, future, phrase):
    monday = published - timedelta(days=published.weekday())
    sunday = monday + timedelta(days=6)
    if text in ("this week", "the week"):
        return _range(monday, sunday, phrase)
    if text in (
        "last week",
        "the past week",
        "the last week",
        "over the past week",
        "during the past week",
        "in the past week",
        "over the last week",
        "in the last week",
    ):
        if text == "last week":
            return _range(monday - timedelta(days=7), monday - timedelta(days=1), phrase)
        return _range(published - timedelta(days=6), published, phrase)
    if text == "next week":
        return _range(monday + timedelta(days=7), monday + timedelta(days=13), phrase)
    if text == "earlier this week":
        if published == monday:
            raise UnresolvablePhrase(f"{phrase!r}: publication ({published}) is a Monday")
        return _range(monday, published - timedelta(days=1), phrase)
    if text == "later this week":
        if published == sunday:
            raise UnresolvablePhrase(f"{phrase!r}: publication ({published}) is a Sunday")
        return _range(published + timedelta(days=1), sunday, phrase)
    return None


def _month_rule(text, published, future, phrase):
    first, last = _month_span(published.year, published.month)
    if text == "earlier this month":
        if published.day == 1:
            raise UnresolvablePhrase(f"{phrase!r}: nothing is earlier in the month of {published}")
        return _range(first, published - timedelta(days=1), phrase)
    if text == "later this month":
        if published == last:
            raise UnresolvablePhrase(f"{phrase!r}: nothing is later in the month of {published}")
        return _range(published + timedelta(days=1), last, phrase)
    m = re.fullmatch(
        r"(?:(early|late|mid|in the middle of)(?: |-)"
        r"|(?:at |by |in )?(?:the )?(start|beginning|end) of )?"
        r"(this|last|next) month",
        text,
    )
    if m:
        if m[3] == "this":
            anchor = published
        elif m[3] == "last":
            anchor = first - timedelta(days=1)
        else:
            anchor = last + timedelta(days=1)
        month_first, month_last = _month_span(anchor.year, anchor.month)
        if m[2] == "end":  # as "end of April": its last seven days
            return _range(month_last - timedelta(days=6), month_last, phrase)
        if m[2]:  # "start of", "beginning of": its first seven days
            return _range(month_first, month_first + timedelta(days=6), phrase)
        return _range(month_first, month_last, phrase)
    return None


def _year_rule(text, published, future, phrase):
    if text in ("last year", "this year", "next year"):
        year = published.year + {"last year": -1, "this year": 0, "next year": 1}[text]
        return _range(date(year, 1, 1), date(year, 12, 31), phrase)
    if text in (
        "so far this year",
        "this year so far",
        "since the start of the year",
        "since the beginning of the year",
    ):
        return _range(date(published.year, 1, 1), published, phrase)
    if text == "earlier this year":
        if (published.month, published.day) == (1, 1):
            raise UnresolvablePhrase(f"{phrase!r}: publication ({published}) is 1 January")
        return _range(date(published.year, 1, 1), published - timedelta(days=1), phrase)
    return None


def _recent_rule(text, published, future, phrase):
    if text in ("in recent weeks", "recent weeks", "over recent weeks", "in the past weeks"):
        return _range(published - timedelta(days=27), published, phrase)
    if text in ("in recent days", "recent days", "over recent days", "in the past days"):
        return _range(published - timedelta(days=6), published, phrase)
    m = re.fullmatch(
        rf"(?:during |in |over |within )?the (?:past|last|previous) ({_NUM}) "
        r"(hour|day|week|month)s?",
        text,
    )
    if m:
        n = _number(m[1])
        unit = m[2]
        if unit == "hour":
            start = published - timedelta(days=-(-n // 24))
        elif unit == "day":
            start = published - timedelta(days=n - 1)
        elif unit == "week":
            start = published - timedelta(days=7 * n - 1)
        else:
            start = _months_back(published, n) + timedelta(days=1)
        return _range(start, published, phrase)
    m = re.fullmatch(r"(?:during |in |over )?the (?:past|last) month", text)
    if m:
        return _range(_months_back(published, 1) + timedelta(days=1), published, phrase)
    return None


def _end_of_month(text, published, future, phrase):
    m = re.fullmatch(
        rf"(?:at |by |in )?(?:the )?(?:beginning|start) of (?:the )?(month|year|{_MO})", text
    )
    if m:
        if m[1] == "month":
            first = published.replace(day=1)
            return _range(first, first + timedelta(days=6), phrase)
        if m[1] == "year":
            return _range(*_month_span(published.year, 1), phrase)
        month = MONTHS[m[1]]
        first, _ = _month_span(_latest_part(month, 1, 7, published, future), month)
        return _range(first, first + timedelta(days=6), phrase)
    m = re.fullmatch(rf"(?:at |by |in )?(?:the )?end of ({_MO})", text)
    if not m:
        return None
    month = MONTHS[m[1]]
    days = calendar.monthrange(published.year, month)[1]
    _, last = _month_span(_latest_part(month, days - 6, days, published, future), month)
    return _range(last - timedelta(days=6), last, phrase)


def _calendar_day(text, published, future, phrase):
    # "May 2", "May 2nd, 2021", "2 May", "the 2nd of May 2021", "the night of May 2",
    # "Thursday, December 2" (the weekday must agree with the date)
    named = re.match(rf"{_LEAD}({_WD}),? (?=\w)", text)
    if named:
        rest = text[named.end() :]
        if re.match(rf"{_LEAD}({_WD})\b", rest):  # "Sunday, Sunday, May 2": one weekday
            return None
        found = _calendar_day(rest, published, future, phrase)
        if found is not None and found.start.weekday() != WEEKDAYS[named[1]]:
            raise UnresolvablePhrase(
                f"{phrase!r}: {found.start} is a {calendar.day_name[found.start.weekday()]}, "
                f"not a {named[1].capitalize()}"
            )
        return found
    m = re.fullmatch(
        rf"{_LEAD}(?:in )?(?:({_MO})\.? (\d{{1,2}}){_ORD}"
        rf"|(?:the )?(\d{{1,2}}){_ORD} (?:of )?({_MO})\.?)"
        rf"(?:,? (\d{{4}}))?{_PART}",
        text,
    )
    if not m:
        m2 = re.fullmatch(rf"{_LEAD}(\d{{4}})-(\d{{2}})-(\d{{2}}){_PART}", text)
        if not m2:
            return None
        return _day(_safe_date(int(m2[1]), int(m2[2]), int(m2[3]), phrase))
    month = MONTHS[m[1] or m[4]]
    day = int(m[2] or m[3])
    if m[5]:
        return _day(_safe_date(int(m[5]), month, day, phrase))
    return _day(_month_day(month, day, published, future, phrase))


def _day_range(text, published, future, phrase):
    # "between July 9 and 15", "from May 2 to June 3", "May 2-5", "2 and 3 May"
    text = re.sub(
        r"^(?:on )?(?:(?:in )?the (?:night|nights) of )", "", text
    )  # "the night of 5-6 May"
    m = re.fullmatch(
        rf"(?:between |from )?({_MO})\.? (\d{{1,2}}){_ORD} ?(?:and|to|until|-) ?"
        rf"(?:({_MO})\.? )?(\d{{1,2}}){_ORD}(?:,? (\d{{4}}))?",
        text,
    )
    if m:
        m1, d1, m2, d2, year = MONTHS[m[1]], int(m[2]), m[3] and MONTHS[m[3]], int(m[4]), m[5]
    else:
        m = re.fullmatch(
            rf"(?:between |from )?(?:the )?(\d{{1,2}}){_ORD}(?: (?:of )?({_MO}))?"
            r" ?(?:and|to|until|-) ?"
            rf"(?:the )?(\d{{1,2}}){_ORD} (?:of )?({_MO})(?:,? (\d{{4}}))?",
            text,
        )
        if not m:
            return None
        m1 = MONTHS[m[2]] if m[2] else MONTHS[m[4]]
        d1, m2, d2, year = int(m[1]), MONTHS[m[4]], int(m[3]), m[5]
    m2 = m2 or m1
    if year:
        last = _safe_date(int(year), m2, d2, phrase)
        first = _safe_date(int(year) - (m1 > m2), m1, d1, phrase)
        return _range(first, last, phrase)
    return _range(*_latest_range(m1, d1, m2, d2, published, future, phrase), phrase)


def _latest_range(m1, d1, m2, d2, published: date, future: bool, phrase: str):
    """``(first, last)`` of a day range printed without a year: the latest that began by
    publication; for a plan, the first that has not ended by it ("between 3 and 5 May"
    announced on 4 May runs 4-5 May, not next May)."""
    step = 1 if future else -1
    for offset in range(-1, 9):
        year = published.year + step * offset
        try:
            first = date(year, m1, d1)
            last = date(year + (m2 < m1), m2, d2)
        except ValueError:  # 29 February outside a leap year
            continue
        if (last >= published if future else first <= published) and (
            offset >= 0 or (future and first <= published)
        ):
            return first, last
    raise UnresolvablePhrase(f"{phrase!r}: no such range of days near {published}")


#: The days of a month that "early", "mid" and "late" name: only to choose the month's year
#: ("late May" said on 5 May is last year's); the range is the whole month (codebook §5).
_MONTH_PART_DAYS = {"early": (1, 10), "mid": (11, 20), "the middle of": (11, 20), "late": (21, 31)}


def _month_rule_named(text, published, future, phrase):
    m = re.fullmatch(
        rf"(?:(?:in|during) )?(?:(early|late|mid|the middle of)(?: |-)?)?"
        rf"({_MO})\.?(?:,? (\d{{4}}))?",
        text,
    )
    if not m:
        return None
    month = MONTHS[m[2]]
    if m[3]:
        year = int(m[3])
    else:
        first, last = _MONTH_PART_DAYS.get(m[1] or "", (1, 31))
        year = _latest_part(month, first, last, published, future)
    return _range(*_month_span(year, month), phrase)


def _latest_part(month: int, first: int, last: int, published: date, future: bool) -> int:
    """The year of the latest ``month`` whose days ``first..last`` began by publication (for
    the future: the first whose days end on or after it)."""
    year = _latest_month(month, published, future)
    if published.month == month:
        if not future and published.day < first:
            return year - 1
        if future and published.day > min(last, calendar.monthrange(year, month)[1]):
            return year + 1
    return year


def _year_named(text, published, future, phrase):
    m = re.fullmatch(r"(?:in |during |early |late |in early |in late )?(\d{4})", text)
    if not m:
        return None
    year = int(m[1])
    return _range(date(year, 1, 1), date(year, 12, 31), phrase)


_RULES = (
    _relative_day,
    _days_ago,
    _weekday_rule,
    _week_rule,
    _month_rule,
    _year_rule,
    _recent_rule,
    _end_of_month,
    _calendar_day,
    _day_range,
    _month_rule_named,
    _year_named,
)


# --------------------------------------------------------------------------------------
# Printed dates

_NUMERIC = re.compile(r"(?<![\d])(\d{1,2})([-/.])(\d{1,2})\2(\d{4})(?![\d])")
_ISO = re.compile(r"(?<![\d])(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?![\d])")
_MONTH_FIRST = re.compile(rf"\b({_MO})\.? (\d{{1,2}}){_ORD},? (\d{{4}})\b", re.IGNORECASE)
_DAY_FIRST = re.compile(
    rf"\b(\d{{1,2}}){_ORD}(?: (?:of )?|-)({_MO})\.?(?:,? |-)(\d{{4}})\b", re.IGNORECASE
)


#: A photo caption's credit: at the start of its line or after a sentence ("... on July
#: 20, 2020. Photo: Rudaw"), or in brackets ("(Photo: AFP)"); a photo in prose ("a photo
#: by a resident") or a byline's "| Photo: Outlet" is none.
_CAPTION = re.compile(
    r"(?:^|[.!?\u201d\"]\s+)(?:file\s+)?(?:photos?|image|picture)\s*(?::|by\b)"
    r"|\(\s*(?:file\s+)?photos?\s*[:/]",
    re.IGNORECASE,
)
#: A caption is a line of its own and short; a longer line is text (an article saved on
#: one line keeps its dates).
_CAPTION_MAX = 400


def printed_dates(text: str, captions: bool = False) -> set[date]:
    """Every calendar date ``text`` prints, in any of the forms outlets use; a line that is
    a photo caption ("... on July 20, 2020. Photo: Mahdi Faraj/Rudaw") is left out unless
    ``captions``: the date of a photo is no publication date (codebook §8).

    Recognised: ``12-05-2021`` / ``12/05/2021`` / ``12.05.2021`` (day first, and month
    first where that also makes a date: the form alone cannot tell them apart),
    ``2021-05-12``, ``May 12, 2021`` / ``May 12th 2021`` / ``Dec. 6, 2021`` and
    ``12 May 2021`` / ``12th of May, 2021``.

    >>> sorted(printed_dates("Updated 06-12-2021; first reported May 2, 2021."))
    [datetime.date(2021, 5, 2), datetime.date(2021, 6, 12), datetime.date(2021, 12, 6)]
    >>> printed_dates("Talks in Erbil on July 20, 2020. Photo: Rudaw")
    set()
    """
    found: set[date] = set()
    if not captions:
        text = "\n".join(
            line
            for line in text.splitlines()
            if len(line) > _CAPTION_MAX or not _CAPTION.search(line.strip())
        )
    text = re.sub(r"\s+", " ", text)  # non-breaking spaces and line breaks too

    def add(year: int, month: int, day: int) -> None:
        try:
            found.add(date(year, month, day))
        except ValueError:
            pass

    for m in _NUMERIC.finditer(text):
        a, b, year = int(m[1]), int(m[3]), int(m[4])
        add(year, b, a)  # day first
        add(year, a, b)  # month first
    for m in _ISO.finditer(text):
        add(int(m[1]), int(m[3]), int(m[4]))
    for m in _MONTH_FIRST.finditer(text):
        add(int(m[3]), MONTHS[m[1].lower()], int(m[2]))
    for m in _DAY_FIRST.finditer(text):
        add(int(m[3]), MONTHS[m[2].lower()], int(m[1]))
    return found
