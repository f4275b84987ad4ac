"""Compulsory school age, Education Act 1996 s8: expected dates are worked out by hand.

Prescribed days (SI 1998/1607): 31 Mar, 31 Aug, 31 Dec. Last Fridays in June used below, from the
weekday of 30 June: 2026 Tue -> 26th; 2027 Wed -> 25th; 2028 Fri -> 30th; 2031 Mon -> 27th;
2100 Wed -> 25th.
"""

from __future__ import annotations

from datetime import date

import pytest

from models.school_age import (
    attains_age_on,
    compulsory_school_age_start,
    is_of_compulsory_school_age,
    last_friday_in_june,
    school_leaving_date,
)


@pytest.mark.parametrize(
    ("date_of_birth", "expected_start"),
    [
        # Fifth birthday 30 Mar 2021, the day before a prescribed day: starts on 31 Mar.
        (date(2016, 3, 30), date(2021, 3, 31)),
        # Fifth birthday on the prescribed day 31 Mar 2021: starts that day (s8(2)(a)).
        (date(2016, 3, 31), date(2021, 3, 31)),
        # Fifth birthday 1 Apr 2021, the day after: waits for 31 Aug.
        (date(2016, 4, 1), date(2021, 8, 31)),
        (date(2016, 8, 30), date(2021, 8, 31)),
        (date(2016, 8, 31), date(2021, 8, 31)),
        # 1 Sep 2021: next prescribed day is 31 Dec.
        (date(2016, 9, 1), date(2021, 12, 31)),
        (date(2016, 12, 30), date(2021, 12, 31)),
        (date(2016, 12, 31), date(2021, 12, 31)),
        # 1 Jan 2022: the next prescribed day is in the following calendar year's March.
        (date(2017, 1, 1), date(2022, 3, 31)),
    ],
)
def test_csa_starts_on_fifth_birthday_or_next_prescribed_day_when_born_on(
    date_of_birth: date, expected_start: date
) -> None:
    assert compulsory_school_age_start(date_of_birth) == expected_start


@pytest.mark.parametrize(
    ("date_of_birth", "expected_start"),
    # Fifth birthday in 2021 / 2017, neither a leap year: 1 Mar (or 28 Feb) -> 31 Mar.
    [(date(2016, 2, 29), date(2021, 3, 31)), (date(2012, 2, 29), date(2017, 3, 31))],
)
def test_csa_starts_on_31_march_when_born_on_29_february(
    date_of_birth: date, expected_start: date
) -> None:
    assert compulsory_school_age_start(date_of_birth) == expected_start


@pytest.mark.parametrize(
    ("date_of_birth", "expected_leaving_date"),
    [
        # Turns 16 on 31 Aug 2026: school year 2025/26, leaves 26 Jun 2026, before turning 16.
        (date(2010, 8, 31), date(2026, 6, 26)),
        # Turns 16 on 1 Sep 2026: school year 2026/27, leaves 25 Jun 2027.
        (date(2010, 9, 1), date(2027, 6, 25)),
        # Turns 16 on the leaving date itself, Fri 26 Jun 2026 (s8(3)(b)).
        (date(2010, 6, 26), date(2026, 6, 26)),
        # Turns 16 the Saturday after, 27 Jun 2026: that Friday is still the date (s8(3)(a)).
        (date(2010, 6, 27), date(2026, 6, 26)),
        # Turns 16 the day before, Thu 25 Jun 2026: the next leaving date (s8(3)(c)).
        (date(2010, 6, 25), date(2026, 6, 26)),
        (date(2010, 1, 1), date(2026, 6, 26)),
        (date(2010, 12, 31), date(2027, 6, 25)),
        # Turns 16 on 29 Feb 2028 (a leap year): school year 2027/28, leaves Fri 30 Jun 2028.
        (date(2012, 2, 29), date(2028, 6, 30)),
        # 2100 is not a leap year: turns 16 on 1 Mar 2100, leaves 25 Jun 2100.
        (date(2084, 2, 29), date(2100, 6, 25)),
    ],
)
def test_leaving_date_is_last_friday_in_june_of_school_year_turning_16_when_born_on(
    date_of_birth: date, expected_leaving_date: date
) -> None:
    assert school_leaving_date(date_of_birth) == expected_leaving_date


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2026, date(2026, 6, 26)),
        (2027, date(2027, 6, 25)),
        (2028, date(2028, 6, 30)),  # 30 June is itself a Friday
        (2031, date(2031, 6, 27)),
    ],
)
def test_last_friday_in_june_when_year_is(year: int, expected: date) -> None:
    assert last_friday_in_june(year) == expected


@pytest.mark.parametrize(
    ("date_of_birth", "on", "expected"),
    [
        # CSA 31 Dec 2021 .. : the day before and the first day.
        (date(2016, 9, 1), date(2021, 12, 30), False),
        (date(2016, 9, 1), date(2021, 12, 31), True),
        # .. 26 Jun 2026: the leaving date is inside CSA, the Saturday after is not.
        (date(2010, 8, 31), date(2026, 6, 26), True),
        (date(2010, 8, 31), date(2026, 6, 27), False),
        # Born 29 Feb 2016: CSA from 31 Mar 2021.
        (date(2016, 2, 29), date(2021, 3, 30), False),
        (date(2016, 2, 29), date(2021, 3, 31), True),
        # A 16-year-old born 1 Sep 2010 is still of CSA in spring 2027 (leaves 25 Jun 2027).
        (date(2010, 9, 1), date(2027, 3, 1), True),
        (date(2010, 9, 1), date(2027, 6, 26), False),
    ],
)
def test_is_of_compulsory_school_age_includes_both_ends_when_checked_on(
    date_of_birth: date, on: date, expected: bool
) -> None:
    assert is_of_compulsory_school_age(date_of_birth, on) is expected


@pytest.mark.parametrize(
    ("date_of_birth", "years", "expected"),
    [
        (date(2016, 2, 29), 5, date(2021, 3, 1)),  # no 29 Feb in 2021: 1 March
        (date(2012, 2, 29), 16, date(2028, 2, 29)),  # 2028 has one
        (date(2016, 10, 15), 5, date(2021, 10, 15)),
    ],
)
def test_attains_age_on_anniversary_or_1_march_when_born_on(
    date_of_birth: date, years: int, expected: date
) -> None:
    assert attains_age_on(date_of_birth, years) == expected
