"""The public referral form: its pages, their answers, and how they become a `Referral`.

Pure: no web framework and no clock. The answers a person gives on the public pages map onto the
same `Referral` model an officer fills in (received today, by the council's date). Checks run in
two layers, each error located on the field the person must change and worded as the GOV.UK
Design System asks ("Enter the child's last name", "Postcode must be ..."):

1. the page's own checks: required answers, lengths, real dates, one choice;
2. the `Referral` model's validation, whose errors are mapped back to the page fields.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from pydantic import ValidationError

from models.enums import AgencyKind, ReferrerType, SafeguardingIndicator, Sex
from models.referral import Referral, validate_referral

Answers = dict[str, str | list[str]]

# What the public sees for each choice (the officers' labels are in models/enums.py).
SEX_CHOICES: dict[str, str] = {
    Sex.FEMALE.value: "Female",
    Sex.MALE.value: "Male",
    Sex.NOT_KNOWN.value: "I do not know",
}

REFERRER_CHOICES: dict[str, str] = {
    ReferrerType.SCHOOL.value: "I work at a school",
    ReferrerType.AGENCY.value: "I work for another organisation, such as health, police or housing",
    ReferrerType.MEMBER_OF_PUBLIC.value: "I am a member of the public",
    ReferrerType.ANONYMOUS.value: "I want to stay anonymous",
}

AGENCY_CHOICES: dict[str, str] = {
    AgencyKind.CHILDRENS_SOCIAL_CARE.value: "Children's social care",
    AgencyKind.POLICE.value: "Police",
    AgencyKind.HEALTH.value: "Health",
    AgencyKind.HOUSING.value: "Housing",
    AgencyKind.YOUTH_JUSTICE.value: "Youth justice",
    AgencyKind.ADMISSIONS.value: "School admissions",
    AgencyKind.OTHER.value: "Another organisation",
}

NO_CONCERNS = "none"
SAFEGUARDING_CHOICES: dict[str, str] = {
    SafeguardingIndicator.IMMEDIATE_RISK.value: "The child is at immediate risk of harm",
    SafeguardingIndicator.WHEREABOUTS_UNKNOWN_SAFETY_CONCERN.value: (
        "Nobody knows where the child is and you are worried for their safety"
    ),
    SafeguardingIndicator.KNOWN_TO_SOCIAL_CARE.value: (
        "The child is known to children's social care"
    ),
    SafeguardingIndicator.FGM_FORCED_MARRIAGE_HONOUR_ABUSE.value: (
        "Female genital mutilation, forced marriage or so-called honour-based abuse"
    ),
    SafeguardingIndicator.RADICALISATION.value: "Radicalisation",
    SafeguardingIndicator.EXPLOITATION_OR_TRAFFICKING.value: "Exploitation or trafficking",
    SafeguardingIndicator.UNREGISTERED_SETTING.value: (
        "The child goes to a school or setting that is not registered"
    ),
    SafeguardingIndicator.NOT_SEEN_WITH_VULNERABILITIES.value: (
        "The child has not been seen, the family refuses contact, or the child is vulnerable"
    ),
    SafeguardingIndicator.PRIVATE_FOSTERING.value: (
        "The child lives with someone who is not a parent or close relative (private fostering)"
    ),
}


POSTCODE_INVALID = "Enter a real UK postcode, like AL1 3ER"
# "I do not know where the child lives": every child can be referred, and the team finds them.
ADDRESS_UNKNOWN = "address_unknown"
ADDRESS_UNKNOWN_CHOICES = {"yes": "I do not know where the child lives"}
# Answers a page gained after drafts were saved: a draft without them still counts as answered.
_ADDED_LATER = frozenset({ADDRESS_UNKNOWN})


@dataclass(frozen=True)
class FieldSpec:
    """One answer on a page: its form name, how it is named in messages, and its limits."""

    name: str
    label: str
    required: str | None = None  # the message when it is missing; None: optional
    max_length: int = 200
    choices: Mapping[str, str] | None = None
    multiple: bool = False
    too_long: str | None = None  # the message when it is too long; None: "must be N or fewer"


@dataclass(frozen=True)
class Page:
    slug: str
    title: str
    fields: tuple[FieldSpec, ...]

    def field(self, name: str) -> FieldSpec:
        return next(f for f in self.fields if f.name == name)

    @property
    def names(self) -> set[str]:
        return {f.name for f in self.fields}


DATE_PARTS = ("dob-day", "dob-month", "dob-year")

PAGES: tuple[Page, ...] = (
    Page(
        "child",
        "About the child",
        (
            FieldSpec("child_forenames", "First names", "Enter the child's first names"),
            FieldSpec("child_surname", "Last name", "Enter the child's last name"),
            FieldSpec("child_aliases", "Other names", max_length=500),
            FieldSpec("dob", "Date of birth", "Enter the child's date of birth", max_length=4),
            FieldSpec(
                "child_sex",
                "Sex",
                "Select the child's sex, or 'I do not know'",
                choices=SEX_CHOICES,
            ),
        ),
    ),
    Page(
        "address",
        "Where the child lives",
        (
            FieldSpec("address", "Address", "Enter the child's address", max_length=500),
            FieldSpec(
                "postcode",
                "Postcode",
                "Enter the postcode",
                max_length=10,
                # Longer than any postcode is a wrong postcode, not a long answer.
                too_long=POSTCODE_INVALID,
            ),
            FieldSpec(
                ADDRESS_UNKNOWN,
                "Address",
                choices=ADDRESS_UNKNOWN_CHOICES,
                multiple=True,
            ),
            FieldSpec("last_school_name", "Last school"),
        ),
    ),
    Page(
        "concern",
        "Why you are concerned",
        (
            FieldSpec(
                "concerns",
                # Not the page's own title: the check page shows it under that heading.
                "Your reasons",
                "Enter why you think the child is missing education",
                max_length=5000,
            ),
            FieldSpec(
                "safeguarding",
                "Safeguarding concerns",
                "Select any concerns that apply, or 'None of these'",
                choices={**SAFEGUARDING_CHOICES, NO_CONCERNS: "None of these"},
                multiple=True,
            ),
        ),
    ),
    Page(
        "you",
        "About you",
        (
            FieldSpec(
                "referrer_type",
                "Who you are",
                "Select who you are, or that you want to stay anonymous",
                choices=REFERRER_CHOICES,
            ),
            FieldSpec("agency_kind", "Organisation type", choices=AGENCY_CHOICES),
            FieldSpec("referrer_name", "Your name"),
            FieldSpec("referrer_organisation", "Organisation"),
            FieldSpec("referrer_contact", "Phone number or email address"),
        ),
    ),
)

PAGE_BY_SLUG: dict[str, Page] = {page.slug: page for page in PAGES}
PAGE_OF_FIELD: dict[str, Page] = {f.name: page for page in PAGES for f in page.fields}

# Referral field -> the form field it is answered in.
_FORM_FIELD_OF: dict[str, str] = {
    "child_date_of_birth": "dob",
    "safeguarding_indicators": "safeguarding",
    # Only a pseudo-postcode of unknown meaning (ZZ99 3CZ) reaches it: the postcode is at fault.
    "no_address_reason": "postcode",
}

# Messages for the Referral's own (cross-field) rules, by referral field and a phrase of its error.
_RULE_MESSAGES: tuple[tuple[str, str, str], ...] = (
    (
        "child_date_of_birth",
        "compulsory school age",
        "The child must be of compulsory school age: from the term after their 5th birthday "
        "to the last Friday in June of the school year they turn 16",
    ),
    ("child_date_of_birth", "after the referral date", "Date of birth must be in the past"),
    ("postcode", "", POSTCODE_INVALID),
    ("no_address_reason", "", POSTCODE_INVALID),
    ("agency_kind", "required", "Select the type of organisation you work for"),
    ("agency_kind", "must be empty", "Only choose an organisation type if you work for one"),
    ("referrer_name", "anonymous", "Leave your name blank if you want to stay anonymous"),
    (
        "referrer_organisation",
        "anonymous",
        "Leave your organisation blank if you want to stay anonymous",
    ),
    (
        "referrer_contact",
        "anonymous",
        "Leave your phone number or email address blank if you want to stay anonymous",
    ),
)


@dataclass(frozen=True)
class FieldError:
    """An error shown against one field: `field` is the form field, `anchor` the id to link to."""

    page: str
    field: str
    message: str

    @property
    def anchor(self) -> str:
        if self.field == "dob":
            return "dob-day"
        if self.field in {"child_sex", "referrer_type"}:
            return self.field  # the first radio's id
        if self.field == "safeguarding":
            return "safeguarding"
        return self.field


@dataclass
class PublicFormInvalid(Exception):
    """The answers do not make a valid referral."""

    errors: list[FieldError] = field(default_factory=list)


def new_receipt() -> str:
    """A random, unguessable receipt number people can read out: CME-R-7KQ3-9XDA.

    Eight characters from 31 (no 0/O, 1/I/L) give about 40 bits: guessing one is hopeless.
    """
    alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
    chars = "".join(secrets.choice(alphabet) for _ in range(8))
    return f"CME-R-{chars[:4]}-{chars[4:]}"


def retry_delay(attempts: int, *, maximum: float) -> timedelta:
    """How long the drainer waits after a failed delivery: 1, 2, 4, 8 ... s, at most `maximum`."""
    return timedelta(seconds=min(maximum, 2.0 ** max(0, attempts - 1)))


def clean_page_answers(page: Page, form: Mapping[str, Sequence[str]]) -> Answers:
    """The answers of one page from a submitted form: text trimmed, unknown names ignored."""
    answers: Answers = {}
    for spec in page.fields:
        if spec.name == "dob":
            for part in DATE_PARTS:
                answers[part] = _first(form.get(part)).strip()
        elif spec.multiple:
            answers[spec.name] = [value.strip() for value in form.get(spec.name, []) if value]
        else:
            answers[spec.name] = _first(form.get(spec.name)).strip()
    return answers


def _first(values: Sequence[str] | None) -> str:
    return values[0] if values else ""


def _text(answers: Mapping[str, str | list[str]], name: str) -> str:
    value = answers.get(name, "")
    return value if isinstance(value, str) else ""


def _list(answers: Mapping[str, str | list[str]], name: str) -> list[str]:
    value = answers.get(name, [])
    return value if isinstance(value, list) else []


def page_is_answered(page: Page, answers: Mapping[str, str | list[str]]) -> bool:
    """True once the page has been submitted (its answers are stored, even if optional)."""
    return all(
        all(part in answers for part in DATE_PARTS) if f.name == "dob" else f.name in answers
        for f in page.fields
        if f.name not in _ADDED_LATER
    )


def address_unknown(answers: Mapping[str, str | list[str]]) -> bool:
    """The person ticked "I do not know where the child lives"."""
    return bool(_list(answers, ADDRESS_UNKNOWN))


def parse_date_of_birth(answers: Mapping[str, str | list[str]]) -> date | str:
    """The date of birth, or the GOV.UK message saying what is wrong with it."""
    day, month, year = (_text(answers, part) for part in DATE_PARTS)
    if not (day or month or year):
        return "Enter the child's date of birth"
    missing = [n for n, v in (("day", day), ("month", month), ("year", year)) if not v]
    if missing:
        return f"Date of birth must include a {' and a '.join(missing)}"
    if not (day.isdigit() and month.isdigit() and year.isdigit()) or len(year) != 4:
        return "Date of birth must be a real date"
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return "Date of birth must be a real date"


def check_page(
    page: Page, answers: Mapping[str, str | list[str]], *, today: date
) -> list[FieldError]:
    """Every error on one page: its own checks first, then the referral's rules for its fields."""
    errors = _own_errors(page, answers)
    if errors:
        return errors
    return [e for e in referral_errors(answers, today=today) if e.page == page.slug]


def _own_errors(page: Page, answers: Mapping[str, str | list[str]]) -> list[FieldError]:
    errors: list[FieldError] = []
    referrer_type = _text(answers, "referrer_type")
    for spec in page.fields:
        message = _own_error(spec, answers, referrer_type)
        if message:
            errors.append(FieldError(page.slug, spec.name, message))
    return errors


def _own_error(
    spec: FieldSpec, answers: Mapping[str, str | list[str]], referrer_type: str
) -> str | None:
    if spec.name == "dob":
        parsed = parse_date_of_birth(answers)
        return parsed if isinstance(parsed, str) else None
    if spec.multiple:
        chosen = _list(answers, spec.name)
        if not chosen:
            return spec.required
        if spec.choices is not None and any(c not in spec.choices for c in chosen):
            return spec.required
        if NO_CONCERNS in chosen and len(chosen) > 1:
            return "Select concerns that apply, or 'None of these', not both"
        return None
    if spec.name in ("address", "postcode") and address_unknown(answers):
        return None  # not asked for: what was typed is not sent
    value = _text(answers, spec.name)
    required = spec.required or _required_for_referrer(spec.name, referrer_type)
    if not value:
        return required
    if spec.choices is not None and value not in spec.choices:
        return required or f"Select a valid {spec.label.lower()}"
    if len(value) > spec.max_length:
        return spec.too_long or f"{spec.label} must be {spec.max_length} characters or fewer"
    return None


def _required_for_referrer(name: str, referrer_type: str) -> str | None:
    """A named referrer must say who they are and how to reach them."""
    if referrer_type in ("", ReferrerType.ANONYMOUS.value):
        return None
    if name == "referrer_name":
        return "Enter your name, or choose to stay anonymous"
    if name == "referrer_contact":
        return "Enter a phone number or email address so we can contact you"
    if name == "referrer_organisation" and referrer_type == ReferrerType.SCHOOL.value:
        return "Enter the name of your school"
    if name == "referrer_organisation" and referrer_type == ReferrerType.AGENCY.value:
        return "Enter the name of your organisation"
    if name == "agency_kind" and referrer_type == ReferrerType.AGENCY.value:
        return "Select the type of organisation you work for"
    return None


def referral_data(answers: Mapping[str, str | list[str]], *, received_on: date) -> dict[str, Any]:
    """The answers as `Referral` input: only what was given, so unanswered pages stay unasked."""
    data: dict[str, Any] = {"received_on": received_on}
    for name in (
        "child_forenames",
        "child_surname",
        "child_sex",
        "address",
        "postcode",
        "last_school_name",
        "concerns",
        "referrer_type",
        "referrer_name",
        "referrer_organisation",
        "referrer_contact",
    ):
        if name in answers:
            data[name] = _text(answers, name)
    if address_unknown(answers):
        data.update(address=None, postcode=None, no_address_reason="address_not_known")
    if "child_aliases" in answers:
        data["child_aliases"] = [
            alias.strip() for alias in _text(answers, "child_aliases").split(",") if alias.strip()
        ]
    born = parse_date_of_birth(answers)
    if isinstance(born, date):
        data["child_date_of_birth"] = born
    if "safeguarding" in answers:
        data["safeguarding_indicators"] = [
            c for c in _list(answers, "safeguarding") if c != NO_CONCERNS
        ]
    if data.get("referrer_type") == ReferrerType.AGENCY.value:
        data["agency_kind"] = _text(answers, "agency_kind") or None
    return data


def referral_errors(answers: Mapping[str, str | list[str]], *, today: date) -> list[FieldError]:
    """The `Referral` model's errors on the answers given so far, located on the form fields.

    A field not yet answered is not an error here: its page reports it when it is shown.
    """
    data = referral_data(answers, received_on=today)
    try:
        validate_referral(data, today=today)
    except ValidationError as invalid:
        errors: list[FieldError] = []
        for error in invalid.errors():
            name = str(error["loc"][0])
            form_field = _FORM_FIELD_OF.get(name, name)
            page = PAGE_OF_FIELD.get(form_field)
            if page is None or (error["type"] == "missing" and name not in data):
                continue
            message = _referral_message(name, page.field(form_field), error)
            if all(e.field != form_field for e in errors):
                errors.append(FieldError(page.slug, form_field, message))
        return errors
    return []


def _referral_message(name: str, spec: FieldSpec, error: Mapping[str, Any]) -> str:
    text = str(error.get("msg", ""))
    for field_name, phrase, message in _RULE_MESSAGES:
        if field_name == name and phrase in text:
            return message
    if error["type"] == "string_too_long":
        limit = error.get("ctx", {}).get("max_length", spec.max_length)
        return spec.too_long or f"{spec.label} must be {limit} characters or fewer"
    if error["type"] in ("missing", "string_too_short"):
        return spec.required or f"Enter {spec.label.lower()}"
    detail = re.sub(r"^(Value error, )?[a-z_]+: ", "", text)
    return f"{spec.label}: {detail}"


def build_referral(answers: Mapping[str, str | list[str]], *, today: date) -> Referral:
    """The referral the answers make, received today; every page is checked again."""
    errors: list[FieldError] = []
    for page in PAGES:
        errors.extend(_own_errors(page, answers))
    if not errors:
        data = referral_data(answers, received_on=today)
        try:
            return validate_referral(data, today=today)
        except ValidationError:
            errors = referral_errors(answers, today=today) or [
                FieldError("child", "child_forenames", "Check your answers and try again")
            ]
    raise PublicFormInvalid(errors)


@dataclass(frozen=True)
class SummaryRow:
    page: str
    key: str
    value: str
    anchor: str


def summary_rows(answers: Mapping[str, str | list[str]]) -> list[SummaryRow]:
    """The check-your-answers rows, in page order, as the person will read them."""
    rows: list[SummaryRow] = []
    for page in PAGES:
        for spec in page.fields:
            value = _display(spec, answers)
            if value is None:
                continue
            anchor = FieldError(page.slug, spec.name, "").anchor
            rows.append(SummaryRow(page.slug, spec.label, value, anchor))
    return rows


def _display(spec: FieldSpec, answers: Mapping[str, str | list[str]]) -> str | None:
    referrer_type = _text(answers, "referrer_type")
    anonymous = referrer_type == ReferrerType.ANONYMOUS.value
    if spec.name == "agency_kind" and referrer_type != ReferrerType.AGENCY.value:
        return None
    if anonymous and spec.name in ("referrer_name", "referrer_organisation", "referrer_contact"):
        return None
    if spec.name == "dob":
        born = parse_date_of_birth(answers)
        return born.strftime("%-d %B %Y") if isinstance(born, date) else ""
    if spec.name in ("address", "postcode") and address_unknown(answers):
        return None
    if spec.name == ADDRESS_UNKNOWN:
        return "Not known" if address_unknown(answers) else None
    if spec.multiple and spec.choices is not None:
        return "\n".join(spec.choices.get(c, c) for c in _list(answers, spec.name))
    value = _text(answers, spec.name)
    if spec.choices is not None:
        return spec.choices.get(value, value)
    return value or "Not given"
