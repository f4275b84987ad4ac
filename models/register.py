"""The register of children not in school: Education Act 1996 ss436B-436G, inserted by the
Children's Wellbeing and Schools Act 2026 (c. 21) s38, in force on a day the Secretary of State
appoints (s78(5)); the council configures it (`[regimes.commences_on] cwsa_2026`).

- s436B: the authority keeps a register of the children eligible for it (`eligibility`), and may
  ask the parents for a home visit (`home_visit_request_by`).
- s436C: what an entry holds (`RegisterApplication`).
- s436D: parents tell the authority when the child becomes eligible and when the information
  changes (`parent_notice_due_on`).
- s436E: providers give information; the authority may not ask more often than every three
  months (`next_provider_request_on`).
- s436G: the authority provides support when the parents ask (`SupportRequest`, `SupportAnswer`).

Details the Act leaves to regulations or guidance not yet made are constants marked PROVISIONAL
below, each with the source it rests on; none is invented (docs/register.md). Time is passed in.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from models.choice_words import words_for
from models.date_format import DATE_ERROR_TYPES, UNREADABLE_DATE
from models.enums import LabelledEnum
from models.form_schema import plain_fields
from models.school_age import is_of_compulsory_school_age

M = TypeVar("M", bound=BaseModel)

SECTIONS = "Education Act 1996 ss436B-436G (Children's Wellbeing and Schools Act 2026 s38)"

# PROVISIONAL (s436B; domain reference section 3.1): parents "may receive a request for a home
# visit within 15 days of registration". To be confirmed against the enacted text and guidance.
HOME_VISIT_REQUEST_DAYS = 15
# PROVISIONAL (s436D): the 15-day period for parents' notices comes from the Bill analysis, not
# the enacted text; how the days are counted awaits the text or regulations.
PARENT_NOTICE_DAYS = 15
# s436E (as amended, Jan 2026): the authority may not ask a provider for updates more often than
# every three months.
PROVIDER_REQUEST_MONTHS = 3
# PROVISIONAL (s436C): a provider's details are required only above an amount of time prescribed
# by regulations, not yet made. Until then no provider's details are required; any given are kept.
PRESCRIBED_PROVIDER_HOURS: float | None = None
# s436C: the previous address is required when the child has lived at the current one for less
# than 12 months.
PREVIOUS_ADDRESS_MONTHS = 12

PROVISIONAL_NOTES: dict[str, str] = {
    "home_visit_request_days": "s436B: the 15 days to request a home visit are from the domain "
    "reference's reading of the Act; confirm against the enacted text and statutory guidance.",
    "parent_notice_days": "s436D: the 15-day period for parents' notices is from the Bill "
    "analysis; confirm against the enacted text or regulations.",
    "prescribed_provider_hours": "s436C: the amount of time above which a provider's details "
    "must be given awaits regulations; none are required until they are made.",
    "time_unit": "s436C asks for estimates of the time educated; hours a week is this form's "
    "unit until guidance prescribes one.",
}


class SchoolStatus(StrEnum):
    """The child's place at a relevant school, as s436B reads it."""

    NOT_REGISTERED = "not_registered"
    REGISTERED_EDUCATED_ELSEWHERE = "registered_educated_elsewhere"
    REGISTERED = "registered"


class EligibilityCondition(StrEnum):
    """Each way s436B makes a child eligible, besides living in the area and their age."""

    NOT_A_REGISTERED_PUPIL = "not_a_registered_pupil"
    EDUCATED_ELSEWHERE_BY_AGREEMENT = "educated_elsewhere_by_agreement"
    PART_TIME_STUDENT = "part_time_student"


class Provider(StrEnum):
    """Who gives the register information (s436D parents, s436E providers)."""

    PARENT = "parent"
    PROVIDER = "provider"


class EntryStatus(StrEnum):
    IN_SCOPE = "in_scope"
    LEFT_SCOPE = "left_scope"


@dataclass(frozen=True)
class Problem:
    """A field and what is wrong with it; never the value typed."""

    field: str
    problem: str

    def __str__(self) -> str:
        return f"{self.field}: {self.problem}"


@dataclass(frozen=True)
class Eligibility:
    """The s436B conditions a child meets, or the reasons they are not eligible."""

    conditions: tuple[EligibilityCondition, ...]
    reasons_not: tuple[Problem, ...]

    @property
    def eligible(self) -> bool:
        return not self.reasons_not


def eligibility(
    *,
    lives_in_area: bool,
    date_of_birth: date,
    school_status: SchoolStatus,
    part_time_student: bool,
    on: date,
) -> Eligibility:
    """Whether a child is eligible for the register on `on` (s436B), and under which conditions."""
    conditions: list[EligibilityCondition] = []
    if school_status is SchoolStatus.NOT_REGISTERED:
        conditions.append(EligibilityCondition.NOT_A_REGISTERED_PUPIL)
    if school_status is SchoolStatus.REGISTERED_EDUCATED_ELSEWHERE:
        conditions.append(EligibilityCondition.EDUCATED_ELSEWHERE_BY_AGREEMENT)
    if part_time_student:
        conditions.append(EligibilityCondition.PART_TIME_STUDENT)
    reasons: list[Problem] = []
    if not lives_in_area:
        reasons.append(Problem("lives_in_area", "the child does not live in the area (s436B)"))
    if not is_of_compulsory_school_age(date_of_birth, on):
        reasons.append(
            Problem(
                "date_of_birth",
                f"the child is not of compulsory school age on {on.isoformat()} (s436B, s8)",
            )
        )
    if not conditions:
        reasons.append(
            Problem(
                "school_status",
                "a registered pupil educated at school, with no agreement to be educated "
                "elsewhere and not a part-time student, is not eligible (s436B)",
            )
        )
    return Eligibility(tuple(conditions), tuple(reasons))


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it has no such day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def home_visit_request_by(registered_on: date) -> date:
    """The last day the authority may request a home visit (s436B; PROVISIONAL 15 days)."""
    return registered_on + timedelta(days=HOME_VISIT_REQUEST_DAYS)


def parent_notice_due_on(changed_on: date) -> date:
    """When a parent's notice of a change is due (s436D; PROVISIONAL 15 days)."""
    return changed_on + timedelta(days=PARENT_NOTICE_DAYS)


def next_provider_request_on(last_request_on: date | None) -> date | None:
    """The first day the authority may ask a provider for an update again (s436E); None: now."""
    if last_request_on is None:
        return None
    return add_months(last_request_on, PROVIDER_REQUEST_MONTHS)


def provider_request_problem(last_request_on: date | None, requested_on: date) -> Problem | None:
    """Why the authority may not ask this provider for an update on this day (s436E)."""
    earliest = next_provider_request_on(last_request_on)
    if earliest is not None and requested_on < earliest:
        return Problem(
            "requested_on",
            f"the provider was asked on {last_request_on}; the council may ask again from "
            f"{earliest.isoformat()}, {PROVIDER_REQUEST_MONTHS} months later (s436E)",
        )
    return None


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


class _Form(BaseModel):
    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, json_schema_extra=plain_fields
    )


class RegisterParent(_Form):
    """A parent of the child (s436C)."""

    name: str = Field(min_length=1, max_length=200, description="Full name.")
    address: str = Field(min_length=1, max_length=500, description="Their address.")
    provides_education: bool = Field(
        title="Provides the child's education", description="Whether this parent educates them."
    )


class EducationProvider(_Form):
    """Someone other than the parents who educates the child (s436C, s436E)."""

    name: str = Field(min_length=1, max_length=200, description="Provider's name.")
    address: str | None = Field(default=None, max_length=500, description="Provider's address.")
    hours_per_week: float = Field(ge=0, le=168, description="Hours a week they educate the child.")

    @field_validator("address", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return _blank_to_none(value)


class RegisterApplication(_Form):
    """A child for the register: eligibility (s436B) and the entry's content (s436C).

    Cross-field rules read the fields declared before them, so the order is part of the rules.
    "Today" comes as validation context (`validate_application`).
    """

    child_forenames: str = Field(min_length=1, max_length=200, description="Forenames.")
    child_surname: str = Field(min_length=1, max_length=200, description="Surname.")
    date_of_birth: date = Field(description="The child's date of birth.")
    home_address: str = Field(min_length=1, max_length=500, description="The child's address.")
    home_postcode: str | None = Field(default=None, max_length=10, description="Its postcode.")
    lives_in_area: bool = Field(
        title="Lives in the council's area", description="The child lives in our area (s436B)."
    )
    school_status: SchoolStatus = Field(
        title="Place at school", description="Whether the child is a registered pupil (s436B)."
    )
    school_urn: str | None = Field(
        default=None,
        pattern=r"^[0-9]{6}$",
        description="The school's URN, when the child is a registered pupil.",
        validate_default=True,
    )
    part_time_student: bool = Field(
        default=False, description="The child is a part-time student (s436B)."
    )
    living_at_address_since: date = Field(
        description="When the child began living at the home address (s436C)."
    )
    previous_address: str | None = Field(
        default=None,
        max_length=500,
        description="Required when at the home address for under 12 months (s436C).",
        validate_default=True,
    )
    parents: list[RegisterParent] = Field(
        min_length=1, description="Each parent: name, address, whether they educate (s436C)."
    )
    hours_educated_by_parents: float = Field(
        ge=0, le=168, description="Estimate: hours a week the parents educate the child."
    )
    hours_educated_by_others: float = Field(
        ge=0, le=168, description="Estimate: hours a week others educate the child."
    )
    providers: list[EducationProvider] = Field(
        default_factory=list,
        description="Providers; required only above a time regulations will prescribe.",
    )

    @field_validator("home_postcode", "school_urn", "previous_address", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return _blank_to_none(value)

    @field_validator("date_of_birth", "living_at_address_since")
    @classmethod
    def _not_future(cls, value: date, info: ValidationInfo) -> date:
        today = _today(info)
        if today is not None and value > today:
            raise ValueError(f"{info.field_name}: is in the future")
        return value

    @field_validator("school_urn")
    @classmethod
    def _urn_when_registered(cls, value: str | None, info: ValidationInfo) -> str | None:
        status = info.data.get("school_status")
        registered = status in (SchoolStatus.REGISTERED, SchoolStatus.REGISTERED_EDUCATED_ELSEWHERE)
        if registered and value is None:
            raise ValueError("school_urn: required when the child is a registered pupil")
        if status is SchoolStatus.NOT_REGISTERED and value is not None:
            raise ValueError("school_urn: must be empty when the child is not a registered pupil")
        return value

    @field_validator("previous_address")
    @classmethod
    def _previous_when_recent(cls, value: str | None, info: ValidationInfo) -> str | None:
        today, since = _today(info), info.data.get("living_at_address_since")
        if today is None or since is None or value is not None:
            return value
        if add_months(since, PREVIOUS_ADDRESS_MONTHS) > today:
            raise ValueError(
                "previous_address: required, the child has lived at the home address for less "
                "than 12 months (s436C)"
            )
        return value

    def eligibility(self, on: date) -> Eligibility:
        return eligibility(
            lives_in_area=self.lives_in_area,
            date_of_birth=self.date_of_birth,
            school_status=self.school_status,
            part_time_student=self.part_time_student,
            on=on,
        )


def _today(info: ValidationInfo) -> date | None:
    context = info.context if isinstance(info.context, dict) else {}
    today = context.get("today")
    return today if isinstance(today, date) else None


def problems_of(error: ValidationError) -> tuple[Problem, ...]:
    """Each problem with the field it concerns, without the value typed."""
    found = []
    for item in error.errors(include_url=False, include_input=False):
        field = ".".join(str(part) for part in item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] in DATE_ERROR_TYPES:
            message = UNREADABLE_DATE
        prefix = f"{field}: "
        found.append(Problem(field, message.removeprefix(prefix)))
    return tuple(found)


def validate_input(
    model: type[M], data: BaseModel | Mapping[str, Any], *, today: date
) -> M | tuple[Problem, ...]:
    """A form's input as valid today, or every problem with its field (never the value)."""
    raw = data.model_dump() if isinstance(data, BaseModel) else dict(data)
    try:
        return model.model_validate(raw, context={"today": today})
    except ValidationError as error:
        return problems_of(error)


def validate_application(
    data: RegisterApplication | Mapping[str, Any], *, today: date
) -> RegisterApplication | tuple[Problem, ...]:
    """The application as valid and eligible today, or every problem: content (s436C) first,
    then eligibility (s436B)."""
    application = validate_input(RegisterApplication, data, today=today)
    if not isinstance(application, RegisterApplication):
        return application
    found = application.eligibility(today)
    return application if found.eligible else found.reasons_not


class InformationUpdate(_Form):
    """Information a parent (s436D) or a provider (s436E) gives about an entry."""

    given_by: Provider = Field(description="Who gave it.")
    given_on: date = Field(description="The day it reached the council.")
    changed_on: date | None = Field(
        default=None, description="The day the information changed, if it is a change (s436D)."
    )
    summary: str = Field(min_length=1, max_length=2000, description="What was given.")
    hours_educated_by_parents: float | None = Field(
        default=None, ge=0, le=168, description="A new estimate of the parents' hours a week."
    )
    hours_educated_by_others: float | None = Field(
        default=None, ge=0, le=168, description="A new estimate of others' hours a week."
    )

    @field_validator("given_on")
    @classmethod
    def _given_not_future(cls, value: date, info: ValidationInfo) -> date:
        today = _today(info)
        if today is not None and value > today:
            raise ValueError("given_on: is in the future")
        return value

    @field_validator("changed_on")
    @classmethod
    def _changed_before_given(cls, value: date | None, info: ValidationInfo) -> date | None:
        given = info.data.get("given_on")
        if value is not None and given is not None and value > given:
            raise ValueError("changed_on: is after given_on")
        return value

    def notice_due_on(self) -> date | None:
        """When a parent's notice of this change was due (s436D; PROVISIONAL)."""
        if self.given_by is not Provider.PARENT or self.changed_on is None:
            return None
        return parent_notice_due_on(self.changed_on)

    def late(self) -> bool:
        due = self.notice_due_on()
        return due is not None and self.given_on > due


class SupportRequest(_Form):
    """Parents ask the authority for support with the child's education (s436G)."""

    received_on: date = Field(description="The day the request reached the council.")
    request: str = Field(min_length=1, max_length=2000, description="What the parents ask for.")

    @field_validator("received_on")
    @classmethod
    def _received_not_future(cls, value: date, info: ValidationInfo) -> date:
        today = _today(info)
        if today is not None and value > today:
            raise ValueError("received_on: is in the future")
        return value


class SupportOutcome(LabelledEnum):
    """What the council does about a support request, read in words (models/choice_words.py)."""

    PROVIDED = "provided"
    OFFERED = "offered"
    SIGNPOSTED = "signposted"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return words_for(self.value)


class SupportAnswer(_Form):
    """The authority's answer to a support request (s436G)."""

    answered_on: date = Field(description="The day the answer was given.")
    outcome: SupportOutcome = Field(description="What the council does.")
    answer: str = Field(min_length=1, max_length=2000, description="The answer as given.")


def home_visit_problem(registered_on: date, requested_on: date) -> Problem | None:
    """Why a home-visit request on this day is out of time (s436B; PROVISIONAL 15 days)."""
    if requested_on < registered_on:
        return Problem("requested_on", "is before the child was registered")
    last = home_visit_request_by(registered_on)
    if requested_on > last:
        return Problem(
            "requested_on",
            f"is after {last.isoformat()}, {HOME_VISIT_REQUEST_DAYS} days from registration "
            "(s436B, provisional)",
        )
    return None


def entry_reference(entry_id: int) -> str:
    """What flow runs, logs and emails quote for an entry: never the child's name."""
    return f"CNIS-{entry_id:06d}"


def left_scope_reason(
    return_reference: str, row_number: int, school_name: str, school_urn: str
) -> str:
    """Why an entry left the register's scope on a new-pupil return: the school, not the child."""
    return (
        f"A registered pupil at {school_name} (URN {school_urn}): new-pupil return "
        f"{return_reference}, row {row_number} (s436B)"
    )
