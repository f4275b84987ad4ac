"""The calendars statutory clocks run on: calendar days, working days, school days, deemed service.

Pure functions; "today" is always a parameter. Sources: docs/domain.md#periods, #service.
Every counting function takes a start date and does not count it: the first day counted is the day
after ``start``. The one exception is a period "beginning with the day" of service, which the
statute counts from that day itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import Self

import holidays
import holidays.countries  # imported here, not on first use: see BankHolidays
from pydantic import BaseModel, ConfigDict, Field, model_validator

_ONE_DAY = timedelta(days=1)
_SATURDAY = 5


# --- Calendar days -----------------------------------------------------------------------------


def calendar_days_beginning_with(served_on: date, days: int) -> date:
    """Last day of a period of ``days`` days "beginning with the day on which the notice is served".

    EA 1996 s437(2) (notice to satisfy: "not less than 15 days beginning with the day on which it
    is served") and s438 (notice of intention, 15 days). "Beginning with" makes the day of service
    day 1, so 15 days from Monday 2 November 2026 ends on Monday 16 November 2026.
    """
    if days < 1:
        raise ValueError(f"days: must be at least 1, got {days}")
    return served_on + timedelta(days=days - 1)


# --- Working days ------------------------------------------------------------------------------


class BankHolidays:
    """Bank holidays in England, from the ``holidays`` package (United Kingdom, subdivision ENG).

    The years given are computed up front; a date in any other year is computed on demand by the
    package's rules (no I/O), so a clock that runs into a later year is still right. Substitute days
    ("Boxing Day (observed)") count as bank holidays: offices are closed on them.
    """

    def __init__(self, years: Iterable[int]) -> None:
        # holidays.countries is imported with this module, not by the first lookup: a flow-run
        # process forked from the warm parent (launcher/warm_start.py) then finds it imported
        # instead of spending 0.2 s on it in every pass of a case.
        self._holidays = holidays.country_holidays("GB", subdiv="ENG", years=list(years))

    @classmethod
    def england(cls, first_year: int, last_year: int) -> Self:
        if last_year < first_year:
            raise ValueError(f"last_year: {last_year} is before first_year {first_year}")
        return cls(range(first_year, last_year + 1))

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and day in self._holidays

    def name(self, day: date) -> str | None:
        """The holiday's name, or None if ``day`` is not a bank holiday."""
        found = self._holidays.get(day)
        return None if found is None else str(found)


def is_working_day(day: date, bank_holidays: BankHolidays) -> bool:
    """Monday to Friday, not an England bank holiday (the council's offices are open)."""
    return day.weekday() < _SATURDAY and day not in bank_holidays


def next_working_day_on_or_after(day: date, bank_holidays: BankHolidays) -> date:
    while not is_working_day(day, bank_holidays):
        day += _ONE_DAY
    return day


def add_working_days(start: date, n: int, bank_holidays: BankHolidays) -> date:
    """The ``n``th working day after ``start``, which is not counted; n=0 gives ``start``."""
    if n < 0:
        raise ValueError(f"n: must not be negative, got {n}")
    day = start
    for _ in range(n):
        day = next_working_day_on_or_after(day + _ONE_DAY, bank_holidays)
    return day


def working_days_between(start: date, end: date, bank_holidays: BankHolidays) -> int:
    """Working days after ``start`` up to and including ``end``; negative when ``end`` is earlier.

    The inverse of ``add_working_days``: if ``add_working_days(s, n) == e`` then this returns n.
    """
    if end < start:
        return -working_days_between(end, start, bank_holidays)
    count = 0
    day = start + _ONE_DAY
    while day <= end:
        count += is_working_day(day, bank_holidays)
        day += _ONE_DAY
    return count


# --- School days -------------------------------------------------------------------------------


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DateRange(_Frozen):
    first_day: date
    last_day: date

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.last_day < self.first_day:
            raise ValueError(f"last_day: {self.last_day} is before first_day {self.first_day}")
        return self

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first_day <= day <= self.last_day


class Term(DateRange):
    """One school term. Half term and INSET/occasional days inside it are not school days."""

    name: str = Field(min_length=1)
    half_term: DateRange | None = None
    inset_days: tuple[date, ...] = ()
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _breaks_inside_term(self) -> Self:
        if self.half_term is not None and not (
            self.half_term.first_day in self and self.half_term.last_day in self
        ):
            raise ValueError(f"half_term: {self.name} half term is not inside the term")
        outside = [d.isoformat() for d in self.inset_days if d not in self]
        if outside:
            raise ValueError(f"inset_days: {', '.join(outside)} outside the term {self.name}")
        return self

    def is_open(self, day: date) -> bool:
        """A day of this term on which pupils attend (weekends and bank holidays aside)."""
        in_half_term = self.half_term is not None and day in self.half_term
        return day in self and not in_half_term and day not in self.inset_days


def _check_terms(terms: tuple[Term, ...], where: str) -> None:
    if not terms:
        raise ValueError(f"{where}: at least one term is required")
    for earlier, later in pairwise(terms):
        if later.first_day <= earlier.last_day:
            raise ValueError(
                f"{where}: {later.name} must start after {earlier.name} ends ({earlier.last_day})"
            )


class SchoolTerms(_Frozen):
    """One school's own calendar (academies, free and independent schools set their own).

    ``terms`` replaces the local authority's terms when given; ``closures`` are extra non-school
    days (the school's own INSET and occasional days) on top of whichever terms apply.
    """

    terms: tuple[Term, ...] | None = None
    closures: tuple[date, ...] = ()

    @model_validator(mode="after")
    def _ordered_terms(self) -> Self:
        if self.terms is not None:
            _check_terms(self.terms, "terms")
        return self


class SchoolCalendar(_Frozen):
    """Term dates: the local authority's, with optional per-school overrides keyed by URN.

    "School days" must use each school's own calendar (docs/domain.md#periods); the authority's term
    dates are the default for a child with no school or a school with no override. Bank holidays
    inside a term (the early May bank holiday) are not school days. Term dates are configured, never
    literals in code (docs/design.md#configuration).
    """

    terms: tuple[Term, ...]
    bank_holidays: BankHolidays
    schools: Mapping[str, SchoolTerms] = Field(default_factory=dict)

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    @model_validator(mode="after")
    def _ordered_terms(self) -> Self:
        _check_terms(self.terms, "terms")
        return self

    def terms_for(self, school_urn: str | None) -> tuple[Term, ...]:
        override = self.schools.get(school_urn) if school_urn else None
        if override is not None and override.terms is not None:
            return override.terms
        return self.terms

    def closures_for(self, school_urn: str | None) -> tuple[date, ...]:
        override = self.schools.get(school_urn) if school_urn else None
        return () if override is None else override.closures


def is_school_day(day: date, calendar: SchoolCalendar, school_urn: str | None = None) -> bool:
    """A weekday in term, outside half term, not an INSET/occasional day, not a bank holiday."""
    if day.weekday() >= _SATURDAY or day in calendar.bank_holidays:
        return False
    if day in calendar.closures_for(school_urn):
        return False
    return any(term.is_open(day) for term in calendar.terms_for(school_urn))


def add_school_days(
    start: date, n: int, calendar: SchoolCalendar, school_urn: str | None = None
) -> date:
    """The ``n``th school day after ``start`` (``start`` itself is not counted; n=0 gives start).

    Refuses to count past the last configured term: a guessed date would be a wrong deadline.
    """
    if n < 0:
        raise ValueError(f"n: must not be negative, got {n}")
    last_configured = calendar.terms_for(school_urn)[-1].last_day
    day = start
    counted = 0
    while counted < n:
        day += _ONE_DAY
        if day > last_configured:
            whose = f"school {school_urn}" if school_urn else "the local authority"
            raise ValueError(
                f"school_calendar: term dates for {whose} end on {last_configured}; "
                f"{n} school days after {start} needs later terms configured"
            )
        counted += is_school_day(day, calendar, school_urn)
    return day


# --- Deemed service ----------------------------------------------------------------------------


class ServiceMethod(StrEnum):
    FIRST_CLASS_POST = "first_class_post"
    SECOND_CLASS_POST = "second_class_post"
    BY_HAND = "by_hand"
    EMAIL = "email"


class ServiceRule(_Frozen):
    """When a notice sent one way counts as served.

    ``business_days_after`` business days after sending; with 0, the day sent, moved to the next
    business day if ``roll_to_business_day`` and the day sent is not one.
    """

    business_days_after: int = Field(ge=0)
    roll_to_business_day: bool
    source: str = Field(min_length=1)


# Defaults, overridable in config/calendar.toml: the council may add a buffer
# (docs/domain.md#service).
# Post: Interpretation Act 1978 s7 deems service "at the time at which the letter would be
# delivered in the ordinary course of post"; the Practice Direction [1985] 1 WLR 489 and CPR 6.26
# practice read that as the second business day after posting for first class and the fourth for
# second class [M]. Email: CPR 6.26 (same business day if sent before 4.30pm), simplified here to
# "the day sent if a business day, else the next business day". By hand: the day delivered.
DEFAULT_SERVICE_RULES: Mapping[ServiceMethod, ServiceRule] = {
    ServiceMethod.FIRST_CLASS_POST: ServiceRule(
        business_days_after=2,
        roll_to_business_day=True,
        source="Interpretation Act 1978 s7; CPR 6.26 practice: second business day after posting",
    ),
    ServiceMethod.SECOND_CLASS_POST: ServiceRule(
        business_days_after=4,
        roll_to_business_day=True,
        source="Interpretation Act 1978 s7; CPR 6.26 practice: fourth business day after posting",
    ),
    ServiceMethod.BY_HAND: ServiceRule(
        business_days_after=0,
        roll_to_business_day=False,
        source="Delivered by hand: served on the day delivered",
    ),
    ServiceMethod.EMAIL: ServiceRule(
        business_days_after=0,
        roll_to_business_day=True,
        source="CPR 6.26 simplified: the day sent if a business day, else the next business day",
    ),
}


def deemed_service_date(
    sent_on: date,
    method: ServiceMethod,
    bank_holidays: BankHolidays,
    rules: Mapping[ServiceMethod, ServiceRule] = DEFAULT_SERVICE_RULES,
) -> date:
    """The day a notice sent on ``sent_on`` by ``method`` is deemed served.

    s437/s438 periods run from this date, not the posting date (EA 1996 s572 permits service by
    post; Interpretation Act 1978 s7 fixes when it takes effect). The rule per method is council
    configuration: a longer buffer only delays the expiry, never shortens the statutory period.
    """
    rule = rules[method]
    if rule.business_days_after > 0:
        return add_working_days(sent_on, rule.business_days_after, bank_holidays)
    if rule.roll_to_business_day:
        return next_working_day_on_or_after(sent_on, bank_holidays)
    return sent_on
