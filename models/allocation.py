"""Which officer takes a new case (docs/domain.md#dspl-areas).

A child missing education has no school, so the case follows the home postcode's DSPL area; the last
school's area is the fallback when the address is unknown. Anything the map cannot place goes to the
team lead, who decides, rather than to a guessed officer.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from models.config import DSPL_AREAS, CmeConfig
from models.enums import LabelledEnum
from models.postcode import normalise_uk_postcode


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


def allocate(
    *, postcode: str | None, last_school_dspl: int | None = None, config: CmeConfig
) -> Allocation:
    """Allocate a new case: by home postcode, else the last school's DSPL area, else the team lead.

    docs/domain.md#dspl-areas: a CME child has no school, so the home address decides.
    """
    if last_school_dspl is not None and last_school_dspl not in DSPL_AREAS:
        raise ValueError(f"last_school_dspl: {last_school_dspl} is not a DSPL area (1 to 9)")
    home = _valid_postcode(postcode)
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
        return _to_area_officer(last_school_dspl, AllocationReason.BY_LAST_SCHOOL, config)
    return Allocation(
        officer_id=config.team_lead.id,
        dspl_area=None,
        reason=AllocationReason.UNKNOWN_POSTCODE_TO_TEAM_LEAD,
    )


def _valid_postcode(postcode: str | None) -> str | None:
    # An unreadable postcode is no address: the case falls back as if it were missing.
    if postcode is None:
        return None
    try:
        return normalise_uk_postcode(postcode)
    except ValueError:
        return None


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
