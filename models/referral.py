"""The referral a case starts from (docs/domain.md#referral-form, reg 13(4) SI 2024/208).

It is the `cme-case` deployment's parameter, so it must render as a usable Prefect form: flat, a
description on every field, enums for choices, no unions of models.

Cross-field rules are field validators that read the fields declared before them (`info.data`), so
every error's location is the field at fault and its message names that field too. The field order
is therefore part of the rules: `received_on` and `referrer_type` come first.

"Today" is never read from the clock here: pass it as validation context (`validate_referral`), as
the flow does. Without it the "received_on is not in the future" check is skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_serializer,
)

from models.date_format import DATE_ERROR_TYPES, UNREADABLE_DATE
from models.enums import (
    AgencyKind,
    DeletionGround,
    NoAddressReason,
    ReferralPurpose,
    ReferrerType,
    Relationship,
    SafeguardingIndicator,
    Sex,
)
from models.form_schema import plain_fields
from models.postcode import (
    home_postcode,
    is_pseudo_postcode,
    normalise_postcode,
    pseudo_postcode_reason,
)
from models.school_age import (
    compulsory_school_age_start,
    is_of_compulsory_school_age,
    school_leaving_date,
)

_SCHOOL_REFERRERS = frozenset({ReferrerType.SCHOOL, ReferrerType.SCHOOL_DELETION_RETURN})


def _blank_to_none(value: Any) -> Any:
    """A cleared form field arrives as "" (or spaces): record it as not given."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


class ParentCarer(BaseModel):
    """A parent or carer the child lives with or who has parental responsibility."""

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, json_schema_extra=plain_fields
    )

    name: str = Field(min_length=1, max_length=200, description="Full name.")
    relationship: Relationship = Field(
        title="Relationship to the child", description="How this person is related to the child."
    )
    address: str | None = Field(
        default=None, max_length=500, description="Address, if different from the child's."
    )
    phone: str | None = Field(default=None, max_length=40, description="Telephone number.")
    email: str | None = Field(default=None, max_length=200, description="Email address.")

    @field_validator("address", "phone", "email", mode="before")
    @classmethod
    def _optional_text_blank_is_none(cls, value: Any) -> Any:
        return _blank_to_none(value)


class Referral(BaseModel):
    """Who told us about which child, and why we are concerned."""

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, json_schema_extra=plain_fields
    )

    received_on: date = Field(
        title="Referral date", description="The day the referral reached the CME team."
    )
    referrer_type: ReferrerType = Field(
        title="Referrer type", description="Who is referring. Anonymous referrals are accepted."
    )
    agency_kind: AgencyKind | None = Field(
        default=None,
        title="Agency",
        description="Which agency, when an agency refers (required then, and only then).",
        validate_default=True,
    )
    referrer_name: str | None = Field(
        default=None,
        max_length=200,
        description="Referrer's name (must be empty if anonymous).",
        validate_default=True,
    )
    referrer_organisation: str | None = Field(
        default=None,
        max_length=200,
        description="Referrer's organisation, if any (must be empty if anonymous).",
        validate_default=True,
    )
    referrer_contact: str | None = Field(
        default=None,
        max_length=200,
        description="Referrer's phone or email (must be empty if anonymous).",
        validate_default=True,
    )
    child_forenames: str = Field(
        min_length=1, max_length=200, title="Child's forenames", description="Legal forenames."
    )
    child_surname: str = Field(
        min_length=1, max_length=200, title="Child's surname", description="Legal surname."
    )
    child_aliases: list[str] = Field(
        default_factory=list,
        title="Known aliases",
        description="Other names the child is known by, including previous names.",
    )
    child_date_of_birth: date = Field(
        title="Date of birth",
        description="Must make the child of compulsory school age on the referral date.",
    )
    child_sex: Sex = Field(title="Child's sex", description="As recorded by the referrer.")
    child_upn: str | None = Field(
        default=None,
        title="UPN",
        description="Unique Pupil Number, if known (13 characters).",
        pattern=r"^[A-Z][0-9]{11}[0-9A-Z]$",
    )
    address: str | None = Field(
        default=None,
        min_length=1,
        max_length=500,
        description=(
            "The child's current or last known address. Leave empty when there is none or it "
            "is not known, and say why under 'No address: why'."
        ),
    )
    postcode: str | None = Field(
        default=None,
        min_length=5,
        max_length=8,
        description=(
            "UK postcode of that address, e.g. AL1 3ER, or an NHS pseudo-postcode "
            "(ZZ99 3VZ: no fixed abode; ZZ99 3WZ: address not known). Leave empty if not known."
        ),
    )
    no_address_reason: NoAddressReason | None = Field(
        default=None,
        title="No address: why",
        description=(
            "Required when the address or the postcode is not given (or is a pseudo-postcode): "
            "no fixed abode, address not known, or living abroad (believed). Empty otherwise."
        ),
        validate_default=True,
    )
    date_moved_in: date | None = Field(
        default=None,
        description="When the child moved to that address, if known (not after the referral date).",
    )
    parents: list[ParentCarer] = Field(
        default_factory=list, title="Parents and carers", description="Zero or more."
    )
    last_school_name: str | None = Field(
        default=None, max_length=200, description="The school the child last attended."
    )
    last_school_urn: str | None = Field(
        default=None,
        title="Last school URN",
        description="Unique Reference Number of that school (6 digits).",
        pattern=r"^[0-9]{6}$",
    )
    date_last_attended: date | None = Field(
        default=None,
        description="The last day the child attended that school (not after the referral date).",
    )
    deletion_ground: DeletionGround | None = Field(
        default=None,
        title="Deletion ground (reg 9(1))",
        description=(
            "When a school refers: the reg 9(1) ground on which the pupil was deleted "
            "(required for a school deletion return)."
        ),
        validate_default=True,
    )
    deletion_date: date | None = Field(
        default=None,
        title="Date deleted from roll",
        description="When a school deleted the pupil from roll (not after the referral date).",
    )
    destination_school: str | None = Field(
        default=None, max_length=200, description="Stated destination school, if any."
    )
    destination_local_authority: str | None = Field(
        default=None, max_length=200, description="Stated destination local authority, if any."
    )
    destination_country: str | None = Field(
        default=None, max_length=100, description="Stated destination country, if abroad."
    )
    safeguarding_indicators: list[SafeguardingIndicator] = Field(
        default_factory=list,
        description="Tick every trigger that applies; any one escalates at once.",
    )
    concerns: str | None = Field(
        default=None, max_length=5000, description="Why you are concerned, in your own words."
    )
    purpose: ReferralPurpose = Field(
        default=ReferralPurpose.CHILD_MISSING_EDUCATION,
        title="Purpose",
        description=(
            "Child missing education, or only to verify that a child deleted under reg 9(1)(a) "
            "arrived at the stated destination school (set by school-return intake)."
        ),
    )

    @field_validator(
        "referrer_name",
        "referrer_organisation",
        "referrer_contact",
        "child_upn",
        "address",
        "postcode",
        "no_address_reason",
        "last_school_name",
        "last_school_urn",
        "destination_school",
        "destination_local_authority",
        "destination_country",
        "concerns",
        mode="before",
    )
    @classmethod
    def _optional_text_blank_is_none(cls, value: Any) -> Any:
        return _blank_to_none(value)

    @field_validator("received_on")
    @classmethod
    def _received_on_not_after_today(cls, value: date, info: ValidationInfo) -> date:
        today = info.context.get("today") if isinstance(info.context, Mapping) else None
        if isinstance(today, date) and value > today:
            raise ValueError(f"received_on: {value} is after today ({today})")
        return value

    @field_validator("agency_kind")
    @classmethod
    def _agency_kind_only_for_agencies(
        cls, value: AgencyKind | None, info: ValidationInfo
    ) -> AgencyKind | None:
        referrer_type = info.data.get("referrer_type")
        if referrer_type is None:  # referrer_type itself failed and is reported there
            return value
        if referrer_type is ReferrerType.AGENCY and value is None:
            raise ValueError("agency_kind: required when referrer_type is agency")
        if referrer_type is not ReferrerType.AGENCY and value is not None:
            raise ValueError(
                f"agency_kind: must be empty unless referrer_type is agency "
                f"(referrer_type is {referrer_type})"
            )
        return value

    @field_validator("referrer_name", "referrer_organisation", "referrer_contact")
    @classmethod
    def _anonymous_referral_has_no_identity(
        cls, value: str | None, info: ValidationInfo
    ) -> str | None:
        if value is not None and info.data.get("referrer_type") is ReferrerType.ANONYMOUS:
            raise ValueError(f"{info.field_name}: must be empty for an anonymous referral")
        return value

    @field_validator("child_date_of_birth")
    @classmethod
    def _child_of_compulsory_school_age(cls, value: date, info: ValidationInfo) -> date:
        received_on = info.data.get("received_on")
        if received_on is None:
            return value
        if value > received_on:
            raise ValueError(
                f"child_date_of_birth: {value} is after the referral date ({received_on})"
            )
        if not is_of_compulsory_school_age(value, on=received_on):
            raise ValueError(
                f"child_date_of_birth: child is not of compulsory school age on {received_on} "
                f"(compulsory school age runs from {compulsory_school_age_start(value)} "
                f"to {school_leaving_date(value)})"
            )
        return value

    @field_validator("postcode", mode="before")
    @classmethod
    def _postcode_is_uk_and_normalised(cls, value: Any) -> Any:
        value = _blank_to_none(value)
        if not isinstance(value, str):
            return value  # None is "not given"; the str type check reports anything else
        try:
            return normalise_postcode(value)
        except ValueError as error:
            raise ValueError(f"postcode: {error}") from None

    @field_validator("no_address_reason")
    @classmethod
    def _no_address_says_why(
        cls, value: NoAddressReason | None, info: ValidationInfo
    ) -> NoAddressReason | None:
        if "address" not in info.data or "postcode" not in info.data:
            return value  # the address or postcode itself failed and is reported there
        address, postcode = info.data["address"], info.data["postcode"]
        implied = pseudo_postcode_reason(postcode)
        if value is None:
            value = implied
        elif implied is not None and value is not implied:
            raise ValueError(
                f"no_address_reason: the postcode {postcode} means {implied.label.lower()}, "
                f"not {value.label.lower()}"
            )
        if address is not None and postcode is not None and not is_pseudo_postcode(postcode):
            if value is not None:
                raise ValueError(
                    "no_address_reason: must be empty when the address and a postcode are given"
                )
            return None
        if value is None:
            missing = (
                "postcode is a pseudo-postcode"
                if is_pseudo_postcode(postcode)
                else "address or postcode is not given"
            )
            raise ValueError(
                f"no_address_reason: required when the child's {missing} "
                "(no fixed abode, address not known, or living abroad (believed))"
            )
        return value

    @field_validator("date_moved_in", "date_last_attended", "deletion_date")
    @classmethod
    def _not_after_referral_date(cls, value: date | None, info: ValidationInfo) -> date | None:
        received_on = info.data.get("received_on")
        if value is not None and received_on is not None and value > received_on:
            raise ValueError(
                f"{info.field_name}: {value} is after the referral date ({received_on})"
            )
        return value

    @field_validator("deletion_ground")
    @classmethod
    def _deletion_ground_only_from_schools(
        cls, value: DeletionGround | None, info: ValidationInfo
    ) -> DeletionGround | None:
        referrer_type = info.data.get("referrer_type")
        if referrer_type is None:
            return value
        if referrer_type is ReferrerType.SCHOOL_DELETION_RETURN and value is None:
            raise ValueError(
                "deletion_ground: required when referrer_type is school_deletion_return "
                "(reg 13(4), SI 2024/208)"
            )
        if referrer_type not in _SCHOOL_REFERRERS and value is not None:
            raise ValueError(
                "deletion_ground: must be empty unless referrer_type is school or "
                f"school_deletion_return (referrer_type is {referrer_type})"
            )
        return value

    @model_serializer(mode="wrap")
    def _no_address_reason_only_when_given(self, handler: SerializerFunctionWrapHandler) -> Any:
        # The cache keys of the tasks that take a referral hash it as dumped: a referral with an
        # address dumps as it did before the reason existed, so a case waiting across the release
        # replays those tasks from the cache (tests/e2e/test_upgrade.py); and a deployment of an
        # earlier release, which refuses a field it does not know, still takes it.
        dumped = handler(self)
        if self.no_address_reason is None and isinstance(dumped, dict):
            dumped.pop("no_address_reason", None)
        return dumped

    @property
    def home_postcode(self) -> str | None:
        """The real home postcode allocation uses; None when missing or a pseudo-postcode."""
        return home_postcode(self.postcode)

    @property
    def is_anonymous(self) -> bool:
        return self.referrer_type is ReferrerType.ANONYMOUS

    @property
    def needs_immediate_escalation(self) -> bool:
        return bool(self.safeguarding_indicators)


def address_in_words(
    address: str | None, postcode: str | None, reason: NoAddressReason | None
) -> str:
    """Where the child lives, as a page shows it: "1 Road, AL1 3ER", "No fixed abode (ZZ99 3VZ)"."""
    known = ", ".join(part for part in (address, postcode) if part)
    if reason is None:
        return known or "Not known"
    return f"{reason.label} ({known})" if known else reason.label


def validate_referral(data: Mapping[str, Any], *, today: date) -> Referral:
    """Validate a referral, including that it was not received after `today`."""
    return Referral.model_validate(dict(data), context={"today": today})


@dataclass(frozen=True)
class RefusalReason:
    """Why a referral was refused: the field at fault and the problem, never what was typed."""

    field: str
    problem: str


def refusal_reasons(error: ValidationError) -> tuple[RefusalReason, ...]:
    """Each problem of a refused referral, as its field and what is wrong with it."""
    reasons = []
    for item in error.errors(include_url=False, include_input=False):
        field = ".".join(str(part) for part in item["loc"]) or "referral"
        problem = item["msg"].removeprefix("Value error, ").removeprefix(f"{field}: ")
        if item["type"] in DATE_ERROR_TYPES:
            problem = UNREADABLE_DATE
        reasons.append(RefusalReason(field=field, problem=problem))
    return tuple(reasons)
