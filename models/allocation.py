"""Which officer takes a new case (docs/domain.md#dspl-areas).

A child missing education has no school, so the case follows the home postcode's DSPL area; the
last school's area is the fallback when there is no home postcode (none given, an NHS
pseudo-postcode such as ZZ99 3VZ, or one that cannot be read). Anything the map cannot place goes
to the team lead, who decides, rather than to a guessed officer. The allocation is recorded on the
case, and `allocation_in_words` says why in the case summary.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field

from models.config import DSPL_AREAS, CmeConfig
from models.enums import LabelledEnum, NoAddressReason
from models.postcode import home_postcode
from models.referral import Referral


class AllocationReason(LabelledEnum):
    BY_POSTCODE = "by_postcode"
    BY_LAST_SCHOOL = "by_last_school"
    COVER = "cover"
    ABSENT_WITHOUT_COVER_TO_TEAM_LEAD = "absent_without_cover_to_team_lead"
    OUT_OF_COUNTY_TO_TEAM_LEAD = "out_of_county_to_team_lead"
    UNKNOWN_POSTCODE_TO_TEAM_LEAD = "unknown_postcode_to_team_lead"


class Allocation(BaseModel):
    """Who owns a case and why; recorded on the case with the configuration version."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    officer_id: str = Field(description="The person the case is allocated to.")
    dspl_area: int | None = Field(description="The DSPL area used; None when none applies.")
    reason: AllocationReason
    covering_for: str | None = Field(
        default=None, description="The absent officer whose case this is, when cover applies."
    )
    # What the words need; defaulted, so an allocation recorded before them still reads.
    by_last_school: bool = Field(
        default=False, description="True when the DSPL area is the last school's, not the home's."
    )
    no_home_postcode: bool = Field(
        default=False, description="True when there was no home postcode to allocate by."
    )
    no_address_reason: NoAddressReason | None = Field(
        default=None, description="Why the referral gives no home address, when it says."
    )
    last_school_urn: str | None = Field(
        default=None, description="The last school's URN, when the referral gives it."
    )


def allocate(
    *, postcode: str | None, last_school_dspl: int | None = None, config: CmeConfig
) -> Allocation:
    """Allocate a new case: by home postcode, else the last school's DSPL area, else the team lead.

    docs/domain.md#dspl-areas: a CME child has no school, so the home address decides.
    """
    if last_school_dspl is not None and last_school_dspl not in DSPL_AREAS:
        raise ValueError(f"last_school_dspl: {last_school_dspl} is not a DSPL area (1 to 9)")
    home = home_postcode(postcode)
    if home is not None:
        area = config.dspl_for_postcode(home)
        if area is None:
            return Allocation(
                officer_id=config.team_lead.id,
                dspl_area=None,
                reason=AllocationReason.OUT_OF_COUNTY_TO_TEAM_LEAD,
            )
        return _to_area_officer(area, AllocationReason.BY_POSTCODE, config)
    if last_school_dspl is not None:
        by_school = _to_area_officer(last_school_dspl, AllocationReason.BY_LAST_SCHOOL, config)
        return by_school.model_copy(update={"by_last_school": True, "no_home_postcode": True})
    return Allocation(
        officer_id=config.team_lead.id,
        dspl_area=None,
        reason=AllocationReason.UNKNOWN_POSTCODE_TO_TEAM_LEAD,
        no_home_postcode=True,
    )


def allocate_referral(referral: Referral, *, config: CmeConfig) -> Allocation:
    """Allocate a new case for a referral: its home postcode, else its last school's DSPL area
    (the school's postcode in `[schools]`, by its URN), else the team lead."""
    allocation = allocate(
        postcode=referral.postcode,
        last_school_dspl=config.dspl_for_school(referral.last_school_urn),
        config=config,
    )
    return allocation.model_copy(
        update={
            "no_address_reason": referral.no_address_reason,
            "last_school_urn": referral.last_school_urn,
        }
    )


def allocation_in_words(allocation: Allocation, *, names: Mapping[str, str]) -> str:
    """Why the case went to whom, in words for the case summary (no codes).

    `names` gives display names by person id; an id not in it (a person since removed from the
    configuration) is shown as it is.
    """

    def name(person_id: str) -> str:
        return names.get(person_id, person_id)

    reason = allocation.reason
    area = f"DSPL {allocation.dspl_area}"
    basis = (
        f"by the last school's area, {area}: {_no_home_postcode(allocation)}"
        if allocation.by_last_school
        else f"by the home postcode's area, {area}"
    )
    if reason in (AllocationReason.BY_POSTCODE, AllocationReason.BY_LAST_SCHOOL):
        return f"Allocated to {name(allocation.officer_id)} {basis}"
    if reason is AllocationReason.COVER:
        absent = name(allocation.covering_for or "")
        return (
            f"Allocated to {name(allocation.officer_id)}, covering for {absent} (absent), {basis}"
        )
    if reason is AllocationReason.ABSENT_WITHOUT_COVER_TO_TEAM_LEAD:
        absent = name(allocation.covering_for or "")
        return f"Allocated to the team lead: {absent} is absent with no cover available ({basis})"
    if reason is AllocationReason.OUT_OF_COUNTY_TO_TEAM_LEAD:
        return "Allocated to the team lead: the home postcode is not in a Hertfordshire DSPL area"
    if allocation.last_school_urn is None:
        school = "no last school known"
    else:
        school = (
            f"the last school (URN {allocation.last_school_urn}) is not placed in a DSPL area "
            "by the schools list"
        )
    return f"Allocated to the team lead: {_no_home_postcode(allocation)} and {school}"


def _no_home_postcode(allocation: Allocation) -> str:
    if allocation.no_address_reason is None:
        return "no home postcode"
    return f"no home postcode ({allocation.no_address_reason.label.lower()})"


def _to_area_officer(area: int, reason: AllocationReason, config: CmeConfig) -> Allocation:
    officer = config.officer_for_dspl(area)
    if not officer.absent:
        return Allocation(officer_id=officer.id, dspl_area=area, reason=reason)
    cover_id = config.cover.get(officer.id)
    if cover_id is not None and not _is_absent(cover_id, config):
        return Allocation(
            officer_id=cover_id,
            dspl_area=area,
            reason=AllocationReason.COVER,
            covering_for=officer.id,
        )
    return Allocation(
        officer_id=config.team_lead.id,
        dspl_area=area,
        reason=AllocationReason.ABSENT_WITHOUT_COVER_TO_TEAM_LEAD,
        covering_for=officer.id,
    )


def _is_absent(person_id: str, config: CmeConfig) -> bool:
    # The team lead has no absence flag: they are the last resort.
    return any(o.id == person_id and o.absent for o in config.officers)
