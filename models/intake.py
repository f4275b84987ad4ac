"""Intake of a referral about a child the team may already know.

A referral about a child who already has an open case is recorded on that case, not opened as a
second one; a possible duplicate opens a new case and is listed for review. Which it is, is the
matching rule of models/matching.py applied to the referral's child; this module says how a
referral and a stored child become identities, and what the case flow is told back.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

from models.case import CaseHandle
from models.matching import ChildIdentity, IdentityMatch
from models.referral import Referral


def identity_of_referral(referral: Referral) -> ChildIdentity:
    """The child a referral names, as matching sees them."""
    return ChildIdentity(
        forenames=referral.child_forenames,
        surname=referral.child_surname,
        date_of_birth=referral.child_date_of_birth,
        postcode=referral.postcode,
        aliases=tuple(referral.child_aliases),
    )


def birth_dates_to_search(born: date) -> list[date]:
    """The dates of birth under which the same child may be stored: as given and, when it is a
    real date, with day and month transposed (matching scores both; nothing else can reach near)."""
    dates = [born]
    if born.day <= 12 and born.day != born.month:
        dates.append(born.replace(month=born.day, day=born.month))
    return dates


class MatchNote(BaseModel):
    """A match as the case history keeps it: the other case, the score and why, never a name."""

    model_config = ConfigDict(frozen=True)

    reference: str
    score: float
    strength: str
    reasons: tuple[str, ...]

    @classmethod
    def of(cls, match: IdentityMatch[str]) -> MatchNote:
        return cls(
            reference=match.key,
            score=match.score,
            strength=match.strength.value,
            reasons=match.reasons,
        )


class ReceivedReferral(BaseModel):
    """What receiving a referral did: opened `case`, or recorded a further referral on it."""

    model_config = ConfigDict(frozen=True)

    case: CaseHandle
    further_referral: bool = False
    # The referral record this run created (the further referral's id keys its notifications).
    referral_id: int
    # A further referral: the certain match. A new case: any near matches, for review.
    matches: tuple[MatchNote, ...] = ()
