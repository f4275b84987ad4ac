"""The referral a case starts from (cme-domain.md 4.3, reg 13(4) SI 2024/208).

It is the `cme-case` deployment's parameter, so it must render as a usable Prefect form: flat, a
description on every field, enums for choices, no unions of models.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from models.enums import (
    AgencyKind,
    DeletionGround,
    ReferrerType,
    Relationship,
    SafeguardingIndicator,
    Sex,
)


class ParentCarer(BaseModel):
    """A parent or carer the child lives with or who has parental responsibility."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="Full name.")
    relationship: Relationship = Field(description="Relationship to the child.")
    address: str | None = Field(
        default=None, max_length=500, description="Address, if different from the child's."
    )
    phone: str | None = Field(default=None, max_length=40, description="Telephone number.")
    email: str | None = Field(default=None, max_length=200, description="Email address.")


class Referral(BaseModel):
    """Who told us about which child, and why we are concerned."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    received_on: date = Field(
        title="Referral date", description="The day the referral reached the CME team."
    )
    referrer_type: ReferrerType = Field(
        title="Referrer type", description="Who is referring. Anonymous referrals are accepted."
    )
    agency_kind: AgencyKind | None = Field(
        default=None, title="Agency", description="Which agency, when an agency refers."
    )
    referrer_name: str | None = Field(
        default=None, max_length=200, description="Referrer's name (leave empty if anonymous)."
    )
    referrer_organisation: str | None = Field(
        default=None, max_length=200, description="Referrer's organisation, if any."
    )
    referrer_contact: str | None = Field(
        default=None, max_length=200, description="Referrer's phone or email."
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
        title="Date of birth", description="Must make the child of compulsory school age."
    )
    child_sex: Sex = Field(title="Sex", description="As recorded by the referrer.")
    child_upn: str | None = Field(
        default=None,
        title="UPN",
        description="Unique Pupil Number, if known (13 characters).",
        pattern=r"^[A-Z][0-9]{11}[0-9A-Z]$",
    )
    address: str = Field(
        min_length=1, max_length=500, description="The child's current or last known address."
    )
    postcode: str = Field(
        min_length=5, max_length=8, description="UK postcode of that address, e.g. AL1 3ER."
    )
    date_moved_in: date | None = Field(
        default=None, description="When the child moved to that address, if known."
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
        default=None, description="The last day the child attended that school."
    )
    deletion_ground: DeletionGround | None = Field(
        default=None,
        description="When a school refers: the reg 9(1) ground on which the pupil was deleted.",
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

    @property
    def is_anonymous(self) -> bool:
        return self.referrer_type is ReferrerType.ANONYMOUS

    @property
    def needs_immediate_escalation(self) -> bool:
        return bool(self.safeguarding_indicators)
