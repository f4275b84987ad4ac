"""Calendar rules, each checked against a date worked out by hand on a paper calendar."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from models.calendar import (
    DEFAULT_SERVICE_RULES,
    BankHolidays,
    DateRange,
    SchoolCalendar,
    SchoolTerms,
    ServiceMethod,
    ServiceRule,
    Term,
    add_school_days,
    add_working_days,
    calendar_days_beginning_with,
    deemed_service_date,
    is_school_day,
    is_working_day,
    working_days_between,
)

BANK_HOLIDAYS = BankHolidays.england(2026, 2027)

AUTUMN_2026 = Term(
    name="Autumn 2026",
    first_day=date(2026, 9, 1),
    last_day=date(2026, 12, 18),
    half_term=DateRange(first_day=date(2026, 10, 26), last_day=date(2026, 10, 30)),
    inset_days=(date(2026, 11, 2),),
    source="test",
)
SUMMER_2027 = Term(
    name="Summer 2027",
    first_day=date(2027, 4, 12),
    last_day=date(2027, 7, 21),
    half_term=DateRange(first_day=date(2027, 5, 31), last_day=date(2027, 6, 4)),
    source="test",
)
ACADEMY_URN = "900001"  # fictitious
CALENDAR = SchoolCalendar(
    terms=(AUTUMN_2026, SUMMER_2027),
    bank_holidays=BANK_HOLIDAYS,
    schools={ACADEMY_URN: SchoolTerms(closures=(date(2026, 10, 23),))},
)


# --- Calendar days beginning with service ----------------------------------------------------


def test_fifteen_days_beginning_with_service_counts_the_day_served_as_day_one() -> None:
    assert calendar_days_beginning_with(date(2026, 11, 2), 15) == date(2026, 11, 16)


def test_one_day_beginning_with_service_ends_on_the_day_served() -> None:
    assert calendar_days_beginning_with(date(2026, 11, 2), 1) == date(2026, 11, 2)


def test_period_beginning_with_service_rejects_zero_days_naming_days() -> None:
    with pytest.raises(ValueError, match="days: must be at least 1"):
        calendar_days_beginning_with(date(2026, 11, 2), 0)


# --- Bank holidays and working days ----------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 12, 25), "Christmas Day"),
        (date(2026, 12, 28), "Boxing Day (observed)"),
        (date(2027, 1, 1), "New Year's Day"),
        (date(2027, 3, 26), "Good Friday"),
        (date(2027, 3, 29), "Easter Monday"),
        (date(2027, 5, 3), "May Day"),
    ],
)
def test_england_bank_holidays_come_from_the_holidays_package(day: date, name: str) -> None:
    assert BANK_HOLIDAYS.name(day) == name
    assert not is_working_day(day, BANK_HOLIDAYS)


def test_bank_holidays_in_a_year_not_preloaded_are_still_known() -> None:
    assert date(2028, 4, 14) in BankHolidays.england(2026, 2026)  # Good Friday 2028


def test_ordinary_weekday_is_a_working_day_and_its_name_is_none() -> None:
    assert is_working_day(date(2026, 11, 4), BANK_HOLIDAYS)
    assert BANK_HOLIDAYS.name(date(2026, 11, 4)) is None


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # Thu, Fri (1), weekend skipped, Mon (2).
        (date(2026, 11, 5), 2, date(2026, 11, 9)),
        # Thu 24 Dec; Fri 25 Christmas, weekend, Mon 28 Boxing Day (observed); Tue 29 is day 1,
        # Thu 31 day 3, Fri 1 Jan New Year's Day, so day 4 is Mon 4 Jan 2027.
        (date(2026, 12, 24), 3, date(2026, 12, 31)),
        (date(2026, 12, 24), 4, date(2027, 1, 4)),
        # Thu 25 Mar 2027; Good Friday 26, weekend, Easter Monday 29; day 1 is Tue 30 Mar.
        (date(2027, 3, 25), 1, date(2027, 3, 30)),
        # Fri 30 Apr 2027; weekend, early May bank holiday Mon 3 May; day 1 is Tue 4 May.
        (date(2027, 4, 30), 1, date(2027, 5, 4)),
        (date(2026, 11, 5), 0, date(2026, 11, 5)),
    ],
)
def test_add_working_days_skips_weekends_and_bank_holidays(
    start: date, n: int, expected: date
) -> None:
    assert add_working_days(start, n, BANK_HOLIDAYS) == expected


def test_add_working_days_rejects_a_negative_count() -> None:
    with pytest.raises(ValueError, match="n: must not be negative"):
        add_working_days(date(2026, 11, 5), -1, BANK_HOLIDAYS)


def test_working_days_between_inverts_add_working_days_across_christmas() -> None:
    assert working_days_between(date(2026, 12, 24), date(2027, 1, 4), BANK_HOLIDAYS) == 4


def test_working_days_between_is_negative_when_end_is_before_start() -> None:
    assert working_days_between(date(2027, 1, 4), date(2026, 12, 24), BANK_HOLIDAYS) == -4


# --- School days -----------------------------------------------------------------------------


def test_add_school_days_skips_half_term_and_inset_day() -> None:
    # Thu 22 Oct; Fri 23 is day 1; half term 26-30 Oct; Mon 2 Nov INSET; Tue 3 Nov is day 2.
    assert add_school_days(date(2026, 10, 22), 2, CALENDAR) == date(2026, 11, 3)


def test_add_school_days_skips_a_bank_holiday_inside_term() -> None:
    # Fri 30 Apr 2027; Mon 3 May is the early May bank holiday; day 1 is Tue 4 May.
    assert add_school_days(date(2027, 4, 30), 1, CALENDAR) == date(2027, 5, 4)


def test_add_school_days_from_the_holidays_starts_counting_at_the_next_term() -> None:
    # Summer holiday 2026 ends; Tue 1 Sep is day 1, Wed 2 Sep day 2.
    assert add_school_days(date(2026, 8, 10), 2, CALENDAR) == date(2026, 9, 2)


def test_school_override_closure_is_not_a_school_day_for_that_school_only() -> None:
    assert is_school_day(date(2026, 10, 23), CALENDAR)
    assert not is_school_day(date(2026, 10, 23), CALENDAR, ACADEMY_URN)
    # Thu 22 Oct; the academy's Fri 23 Oct closure, half term, Mon 2 Nov INSET: Tue 3 Nov.
    assert add_school_days(date(2026, 10, 22), 1, CALENDAR, ACADEMY_URN) == date(2026, 11, 3)


def test_school_override_terms_replace_the_authority_terms() -> None:
    own_term = Term(
        name="Academy autumn 2026",
        first_day=date(2026, 9, 7),
        last_day=date(2026, 12, 16),
        source="test",
    )
    calendar = CALENDAR.model_copy(update={"schools": {"900002": SchoolTerms(terms=(own_term,))}})
    assert is_school_day(date(2026, 9, 1), calendar)
    assert not is_school_day(date(2026, 9, 1), calendar, "900002")
    assert is_school_day(date(2026, 10, 27), calendar, "900002")  # no half term of its own


def test_unknown_school_urn_uses_the_authority_calendar() -> None:
    assert add_school_days(date(2026, 10, 22), 2, CALENDAR, "999999") == date(2026, 11, 3)


def test_add_school_days_refuses_to_count_past_the_last_configured_term() -> None:
    with pytest.raises(ValueError, match=r"school_calendar: term dates .* end on 2027-07-21"):
        add_school_days(date(2027, 7, 19), 5, CALENDAR)


def test_term_rejects_a_half_term_outside_it_naming_half_term() -> None:
    with pytest.raises(ValidationError, match="half_term: Autumn 2026 half term is not inside"):
        Term(
            name="Autumn 2026",
            first_day=date(2026, 9, 1),
            last_day=date(2026, 10, 23),
            half_term=DateRange(first_day=date(2026, 10, 26), last_day=date(2026, 10, 30)),
            source="test",
        )


def test_term_rejects_an_inset_day_outside_it_naming_inset_days() -> None:
    with pytest.raises(ValidationError, match="inset_days: 2026-08-31 outside the term"):
        Term.model_validate(AUTUMN_2026.model_dump() | {"inset_days": [date(2026, 8, 31)]})


def test_school_calendar_rejects_overlapping_terms() -> None:
    with pytest.raises(ValidationError, match="terms: Autumn 2026 must start after"):
        SchoolCalendar(terms=(AUTUMN_2026, AUTUMN_2026), bank_holidays=BANK_HOLIDAYS)


# --- Deemed service --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent_on", "method", "expected"),
    [
        # First class posted Thu 5 Nov: Fri (1), Mon 9 Nov (2).
        (date(2026, 11, 5), ServiceMethod.FIRST_CLASS_POST, date(2026, 11, 9)),
        # Posted Fri 28 Aug 2026 before the late summer bank holiday Mon 31 Aug: Tue (1), Wed (2).
        (date(2026, 8, 28), ServiceMethod.FIRST_CLASS_POST, date(2026, 9, 2)),
        # Second class posted Thu 5 Nov: Fri 6, Mon 9, Tue 10, Wed 11 Nov (4).
        (date(2026, 11, 5), ServiceMethod.SECOND_CLASS_POST, date(2026, 11, 11)),
        (date(2026, 11, 7), ServiceMethod.BY_HAND, date(2026, 11, 7)),
        (date(2026, 11, 6), ServiceMethod.EMAIL, date(2026, 11, 6)),
        # Email on Saturday 7 Nov counts from the next business day, Mon 9 Nov.
        (date(2026, 11, 7), ServiceMethod.EMAIL, date(2026, 11, 9)),
    ],
)
def test_deemed_service_date_follows_the_method_rule(
    sent_on: date, method: ServiceMethod, expected: date
) -> None:
    assert deemed_service_date(sent_on, method, BANK_HOLIDAYS) == expected


def test_deemed_service_uses_a_council_configured_buffer() -> None:
    rules = {
        **DEFAULT_SERVICE_RULES,
        ServiceMethod.FIRST_CLASS_POST: ServiceRule(
            business_days_after=3, roll_to_business_day=True, source="council buffer"
        ),
    }
    # Thu 5 Nov: Fri 6, Mon 9, Tue 10 Nov.
    served = deemed_service_date(
        date(2026, 11, 5), ServiceMethod.FIRST_CLASS_POST, BANK_HOLIDAYS, rules
    )
    assert served == date(2026, 11, 10)


def test_s437_period_for_a_posted_notice_runs_from_deemed_service() -> None:
    served = deemed_service_date(date(2026, 11, 5), ServiceMethod.FIRST_CLASS_POST, BANK_HOLIDAYS)
    assert calendar_days_beginning_with(served, 15) == date(2026, 11, 23)
