"""The deadline table: each case step's clock (unit, length, basis, source) and its due date.

The periods are configuration (config/calendar.toml, docs/design.md#configuration); this module
fixes only what the statute fixes: the s437(2) and s438 periods may not be shorter than 15 days.
Sources: docs/domain.md#stages, #periods (statute) and #local-targets (practice).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, RootModel, model_validator

from models.calendar import (
    DEFAULT_SERVICE_RULES,
    BankHolidays,
    SchoolCalendar,
    SchoolTerms,
    ServiceMethod,
    ServiceRule,
    Term,
    add_school_days,
    add_working_days,
    calendar_days_beginning_with,
    next_working_day_on_or_after,
)
from models.dfe_return import CensusDays


class DeadlineStep(StrEnum):
    """The clocks a case runs, one per step, named as the deadline table names them."""

    REFERRAL_CHECK = "referral_check"
    REASONABLE_ENQUIRIES = "reasonable_enquiries"
    HOME_VISIT = "home_visit"
    LA_ACKNOWLEDGEMENT = "la_acknowledgement"
    # Support to a school place (Stage.SCHOOL_PLACE_SUPPORT); sources in config/calendar.toml:
    # the family's in-year application or the Fair Access referral (local target); the in-year
    # application's outcome, 15 school days (School Admissions Code 2021 para 2.28); a Fair
    # Access placement, 20 school days (the protocol's local target); and the start at the
    # school offered (local target).
    SCHOOL_PLACE_APPLICATION = "school_place_application"
    IN_YEAR_APPLICATION_OUTCOME = "in_year_application_outcome"
    FAIR_ACCESS_PLACEMENT = "fair_access_placement"
    SCHOOL_PLACE_START = "school_place_start"
    EDUCATION_ENQUIRY_DECISION = "education_enquiry_decision"
    S437_NOTICE_RESPONSE = "s437_notice_response"
    S438_PARENT_CHOICE = "s438_parent_choice"
    # The 2026 Act's route (config/regimes.toml): the time the preliminary notice gives the
    # parent, and the school nomination notice's selection window.
    PRELIMINARY_NOTICE_RESPONSE = "preliminary_notice_response"
    SCHOOL_NOMINATION_CHOICE = "school_nomination_choice"
    SAO_SERVICE = "sao_service"
    SAO_COMPLIANCE = "sao_compliance"
    ESO_CONSIDERATION = "eso_consideration"
    LEGAL_REFERRAL = "legal_referral"
    PROSECUTION_OUTCOME = "prosecution_outcome"
    PERIODIC_REVIEW = "periodic_review"


class DeadlineUnit(StrEnum):
    CALENDAR_DAYS_BEGINNING_WITH_SERVICE = "calendar_days_beginning_with_service"
    WORKING_DAYS = "working_days"
    SCHOOL_DAYS = "school_days"
    CALENDAR_DAYS = "calendar_days"


# EA 1996 s437(2): "not less than 15 days beginning with the day on which it is served"; s438: 15
# days beginning with the day the notice of intention is served. A shorter period would make the
# notice, and every step after it, unlawful.
STATUTORY_MINIMUM_DAYS: Mapping[DeadlineStep, int] = {
    DeadlineStep.S437_NOTICE_RESPONSE: 15,
    DeadlineStep.S438_PARENT_CHOICE: 15,
    # The 2026 Act's school nomination notice: 15 days to select a school (436K in the Bill).
    DeadlineStep.SCHOOL_NOMINATION_CHOICE: 15,
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DeadlineRule(_Frozen):
    """One clock: ``amount`` ``unit``s from its start event."""

    unit: DeadlineUnit
    amount: int = Field(gt=0)
    basis: Literal["statutory", "local target"]
    start_event: str = Field(min_length=1, description="What starts the clock.")
    source: str = Field(min_length=1)


class DeadlineTable(RootModel[dict[DeadlineStep, DeadlineRule]]):
    """Every step's rule. All steps are required, so a flow never meets a missing clock."""

    model_config = ConfigDict(frozen=True)

    @model_validator(mode="after")
    def _complete_and_lawful(self) -> Self:
        missing = [step.value for step in DeadlineStep if step not in self.root]
        if missing:
            raise ValueError(f"deadlines: missing steps {', '.join(missing)}")
        for step, minimum in STATUTORY_MINIMUM_DAYS.items():
            rule = self.root[step]
            if rule.unit is not DeadlineUnit.CALENDAR_DAYS_BEGINNING_WITH_SERVICE:
                raise ValueError(
                    f"{step.value}: unit must be calendar_days_beginning_with_service (the "
                    f"statute counts days beginning with the day served), got {rule.unit.value}"
                )
            if rule.amount < minimum:
                raise ValueError(
                    f"{step.value}: amount {rule.amount} is below the statutory minimum of "
                    f"{minimum} days beginning with the day served (EA 1996 ss437(2), 438; "
                    "the 2026 Act's school nomination notice)"
                )
            if rule.basis != "statutory":
                raise ValueError(f"{step.value}: basis must be 'statutory', got {rule.basis!r}")
        return self

    def __getitem__(self, step: DeadlineStep) -> DeadlineRule:
        return self.root[step]


class CalendarConfig(BaseModel):
    """Everything a clock needs: bank holidays, term dates, service rules and the deadline table."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    bank_holidays: BankHolidays
    school_calendar: SchoolCalendar
    service_rules: Mapping[ServiceMethod, ServiceRule]
    deadlines: DeadlineTable
    # DfE's EHE and CME collection census days (the `dfe-cme-return` deployment's default date).
    dfe_census: CensusDays = CensusDays()


def due_date(
    rule: DeadlineRule,
    start: date,
    *,
    bank_holidays: BankHolidays,
    school_calendar: SchoolCalendar,
    school_urn: str | None = None,
) -> date:
    """The last day on which the step is on time, counted from ``start`` in the rule's unit.

    Periods beginning with service count ``start`` as day 1 (pass the deemed service date);
    every other unit starts counting the day after ``start``. A local target that lands on a
    weekend or bank holiday rolls forward to the next working day (nobody is in to act on it); a
    statutory period ends on the day the statute counts to, whatever day that is.
    """
    match rule.unit:
        case DeadlineUnit.CALENDAR_DAYS_BEGINNING_WITH_SERVICE:
            due = calendar_days_beginning_with(start, rule.amount)
        case DeadlineUnit.WORKING_DAYS:
            due = add_working_days(start, rule.amount, bank_holidays)
        case DeadlineUnit.SCHOOL_DAYS:
            due = add_school_days(start, rule.amount, school_calendar, school_urn)
        case DeadlineUnit.CALENDAR_DAYS:
            due = start + timedelta(days=rule.amount)
    if rule.basis == "local target":
        return next_working_day_on_or_after(due, bank_holidays)
    return due


class _SchoolCalendarFile(_Frozen):
    terms: tuple[Term, ...]
    schools: dict[str, SchoolTerms] = Field(default_factory=dict)


class _CalendarFile(_Frozen):
    """The shape of config/calendar.toml, so a validation error carries its path in the file."""

    school_calendar: _SchoolCalendarFile
    service: dict[ServiceMethod, ServiceRule] = Field(default_factory=dict)
    deadlines: DeadlineTable
    dfe_census: CensusDays = Field(default_factory=CensusDays)


def load_calendar_config(path: Path) -> CalendarConfig:
    """Read term dates, service rules and the deadline table from a TOML file.

    Raises ``pydantic.ValidationError`` whose location and message name the offending entry (for
    example ``s437_notice_response: amount 14 is below the statutory minimum ...``).
    Service rules not in the file keep their defaults (``DEFAULT_SERVICE_RULES``).
    """
    with path.open("rb") as handle:
        parsed = _CalendarFile.model_validate(tomllib.load(handle))
    terms = parsed.school_calendar.terms
    years = {year for term in terms for year in range(term.first_day.year, term.last_day.year + 1)}
    bank_holidays = BankHolidays(sorted(years))
    return CalendarConfig(
        bank_holidays=bank_holidays,
        school_calendar=SchoolCalendar(
            terms=terms, bank_holidays=bank_holidays, schools=parsed.school_calendar.schools
        ),
        service_rules={**DEFAULT_SERVICE_RULES, **parsed.service},
        deadlines=parsed.deadlines,
        dfe_census=parsed.dfe_census,
    )
