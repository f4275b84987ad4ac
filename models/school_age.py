"""Compulsory school age in England: Education Act 1996 s8.

A child is of compulsory school age (CSA) from the day given by s8(2) to the end of the day
given by s8(3), both days included.

Start, s8(2) and the Education (Start of Compulsory School Age) Order 1998 (SI 1998/1607): the
prescribed days are 31 March, 31 August and 31 December. A child begins to be of CSA "when he
attains the age of five, if he attains that age on a prescribed day, and otherwise at the
beginning of the prescribed day next following his attaining that age". So a fifth birthday on
31 August starts CSA that day; a fifth birthday on 1 September starts it on 31 December.

End, s8(3) and the Education (School Leaving Date) Order 1997 (SI 1997/1970): the school leaving
date is the last Friday in June. A child ceases to be of CSA "at the end of the day which is the
school leaving date" for the year in which (a) he turns 16 after that day but before the next
school year begins, (b) he turns 16 on that day, or (c) otherwise, the first leaving date after
he turns 16. Together: the last Friday in June of the school year (1 September to 31 August) in
which the child turns 16; the leaving date itself is still within CSA.

Two simplifications, both stated so they can be checked:

- The school year is taken to run from 1 September to 31 August, as the school leaving date is
  usually explained. s579(1) defines a school year by a school's terms; the difference matters
  only for a 16th birthday between 1 September and the first day of the autumn term [to verify].
- A child born on 29 February attains an age on 1 March in a year without 29 February. The
  Family Law Reform Act 1969 s9 fixes only the time of day (the start of the anniversary); no
  provision found in the law of England and Wales settles the leap day, and 1 March is the usual
  reading because the full number of years has then elapsed. The choice cannot change either
  result: neither 28 February nor 1 March is a prescribed day, both lead to 31 March, and both
  lie in the same school year.
"""

from __future__ import annotations

from datetime import date, timedelta

_FRIDAY = 4
_SCHOOL_YEAR_FIRST_MONTH = 9


def attains_age_on(date_of_birth: date, years: int) -> date:
    """The day a person born on `date_of_birth` attains `years` (29 Feb: 1 Mar if absent)."""
    try:
        return date_of_birth.replace(year=date_of_birth.year + years)
    except ValueError:
        return date(date_of_birth.year + years, 3, 1)


def _prescribed_days(year: int) -> tuple[date, date, date]:
    """SI 1998/1607 art 2: 31 March, 31 August and 31 December, in date order."""
    return date(year, 3, 31), date(year, 8, 31), date(year, 12, 31)


def compulsory_school_age_start(date_of_birth: date) -> date:
    """First day of compulsory school age: Education Act 1996 s8(2), SI 1998/1607.

    The fifth birthday if it is a prescribed day, otherwise the next prescribed day after it.
    """
    fifth_birthday = attains_age_on(date_of_birth, 5)
    # 31 December is always a candidate, so the generator never runs dry.
    return next(day for day in _prescribed_days(fifth_birthday.year) if day >= fifth_birthday)


def last_friday_in_june(year: int) -> date:
    """The school leaving date for `year`: Education (School Leaving Date) Order 1997 art 2."""
    june_30 = date(year, 6, 30)
    return june_30 - timedelta(days=(june_30.weekday() - _FRIDAY) % 7)


def school_leaving_date(date_of_birth: date) -> date:
    """Last day of compulsory school age: Education Act 1996 s8(3), SI 1997/1970.

    The last Friday in June of the school year (1 September to 31 August) in which the child
    turns 16. A child whose 16th birthday falls between that Friday and 31 August leaves before
    turning 16 (s8(3)(a)); one whose birthday is that Friday leaves that day (s8(3)(b)).
    """
    sixteenth_birthday = attains_age_on(date_of_birth, 16)
    if sixteenth_birthday.month >= _SCHOOL_YEAR_FIRST_MONTH:
        return last_friday_in_june(sixteenth_birthday.year + 1)
    return last_friday_in_june(sixteenth_birthday.year)


def is_of_compulsory_school_age(date_of_birth: date, on: date) -> bool:
    """Whether the child is of compulsory school age on `on`: Education Act 1996 s8.

    Both ends are included: the start day and the school leaving date.
    """
    return compulsory_school_age_start(date_of_birth) <= on <= school_leaving_date(date_of_birth)
