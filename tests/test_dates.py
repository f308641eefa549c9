"""The date-phrase resolver, on every phrase form the articles use and on calendar edges.

Expected dates are worked out by hand from a calendar (weekday of the publication date noted in
each case), not from the resolver.
"""

from __future__ import annotations

from datetime import date

import pytest

from kirkuk_analysis.dates import UnresolvablePhrase, fits_precision, precision_of, resolve

MON_2021_12_06 = date(2021, 12, 6)  # Monday
SUN_2021_05_02 = date(2021, 5, 2)  # Sunday
SAT_2021_05_22 = date(2021, 5, 22)  # Saturday
MON_2020_07_20 = date(2020, 7, 20)  # Monday
SUN_2024_07_14 = date(2024, 7, 14)  # Sunday


@pytest.mark.parametrize(
    "phrase,published,start,end,precision",
    [
        ("on Sunday", MON_2021_12_06, date(2021, 12, 5), date(2021, 12, 5), "day"),
        ("late on Sunday", MON_2021_12_06, date(2021, 12, 5), date(2021, 12, 5), "day"),
        ("On Thursday", SUN_2021_05_02, date(2021, 4, 29), date(2021, 4, 29), "day"),
        ("Thursday", MON_2021_12_06, date(2021, 12, 2), date(2021, 12, 2), "day"),
        ("on Saturday", MON_2021_12_06, date(2021, 12, 4), date(2021, 12, 4), "day"),
        # the publication day itself when it is the named weekday
        ("on Monday", MON_2021_12_06, MON_2021_12_06, MON_2021_12_06, "day"),
        ("On Sunday morning", SUN_2024_07_14, SUN_2024_07_14, SUN_2024_07_14, "day"),
        ("on Sunday early in the morning", SUN_2021_05_02, SUN_2021_05_02, SUN_2021_05_02, "day"),
        ("last week", SAT_2021_05_22, date(2021, 5, 10), date(2021, 5, 16), "week"),
        ("this week", SAT_2021_05_22, date(2021, 5, 17), date(2021, 5, 23), "week"),
        ("this week", MON_2020_07_20, date(2020, 7, 20), date(2020, 7, 26), "week"),
        ("earlier this month", SAT_2021_05_22, date(2021, 5, 1), date(2021, 5, 21), "month"),
        ("End of April", SUN_2021_05_02, date(2021, 4, 24), date(2021, 4, 30), "week"),
        ("last year", SUN_2024_07_14, date(2023, 1, 1), date(2023, 12, 31), "year"),
        ("on May 2", MON_2020_07_20, date(2020, 5, 2), date(2020, 5, 2), "day"),
        ("On May 15", MON_2020_07_20, date(2020, 5, 15), date(2020, 5, 15), "day"),
        ("on April 18", SUN_2021_05_02, date(2021, 4, 18), date(2021, 4, 18), "day"),
        ("in April", MON_2020_07_20, date(2020, 4, 1), date(2020, 4, 30), "month"),
        ("in March", MON_2020_07_20, date(2020, 3, 1), date(2020, 3, 31), "month"),
        ("between July 9 and 15", MON_2020_07_20, date(2020, 7, 9), date(2020, 7, 15), "week"),
        ("in recent weeks", MON_2020_07_20, date(2020, 6, 23), date(2020, 7, 20), "month"),
        (
            "during the past two months",
            MON_2020_07_20,
            date(2020, 5, 21),
            date(2020, 7, 20),
            "year",
        ),
    ],
)
def test_phrases_resolve_by_calendar_arithmetic(phrase, published, start, end, precision):
    assert resolve(phrase, published) == (start, end, precision)


def test_future_steps_resolve_forward():
    # "will begin ... on Sunday", said on Saturday 22 May 2021
    assert resolve("on Sunday", SAT_2021_05_22, direction="future").start == date(2021, 5, 23)
    assert resolve("on Sunday", SAT_2021_05_22).start == date(2021, 5, 16)
    assert resolve("on May 2", date(2021, 5, 22), direction="future").start == date(2022, 5, 2)


def test_year_boundaries():
    new_year = date(2021, 1, 2)  # Saturday
    assert resolve("on December 30", new_year).start == date(2020, 12, 30)
    assert resolve("last week", new_year)[:2] == (date(2020, 12, 21), date(2020, 12, 27))
    assert resolve("in December", new_year)[:2] == (date(2020, 12, 1), date(2020, 12, 31))
    assert resolve("End of December", new_year)[:2] == (date(2020, 12, 25), date(2020, 12, 31))
    assert resolve("between December 28 and January 1", new_year)[:2] == (
        date(2020, 12, 28),
        date(2021, 1, 1),
    )


def test_leap_day_and_month_lengths():
    assert resolve("End of February", date(2024, 3, 10))[:2] == (
        date(2024, 2, 23),
        date(2024, 2, 29),
    )
    assert resolve("during the past two months", date(2024, 4, 30))[:2] == (
        date(2024, 3, 1),
        date(2024, 4, 30),
    )


@pytest.mark.parametrize("phrase", ["yesterday-ish", "on Funday", "recently", ""])
def test_unknown_phrases_raise(phrase):
    with pytest.raises(UnresolvablePhrase):
        resolve(phrase, MON_2021_12_06)


def test_earlier_this_month_on_the_first_has_nothing_to_resolve():
    with pytest.raises(UnresolvablePhrase):
        resolve("earlier this month", date(2021, 5, 1))


def test_bad_direction_is_rejected():
    with pytest.raises(ValueError, match="direction"):
        resolve("on Sunday", MON_2021_12_06, direction="sideways")


def test_precision_bounds():
    assert precision_of(date(2021, 1, 1), date(2021, 1, 1)) == "day"
    assert precision_of(date(2021, 1, 1), date(2021, 1, 7)) == "week"
    assert precision_of(date(2021, 1, 1), date(2021, 1, 8)) == "month"
    assert precision_of(date(2021, 1, 1), date(2021, 2, 1)) == "year"
    assert fits_precision(date(2021, 1, 1), date(2021, 1, 31), "month")
    assert not fits_precision(date(2021, 1, 1), date(2021, 2, 1), "month")
    assert not fits_precision(date(2021, 1, 2), date(2021, 1, 1), "day")
    with pytest.raises(ValueError):
        precision_of(date(2020, 1, 1), date(2021, 6, 1))
