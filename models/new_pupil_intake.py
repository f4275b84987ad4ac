"""What a new-pupil return (reg 13(1)) does to open cases: the rules, without the database.

A pupil a school has just admitted is not missing education. When exactly one open case's child is
certainly that pupil, the case is closed as found on roll at that school, through its own run; a
near match, or more than one certain match, goes to an officer for review and closes nothing; a
pupil matching no open case is only recorded (reg 13(1); docs/domain.md#referral-sources).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from models.extracts import normalise_name
from models.intake import MatchNote
from models.matching import MatchStrength
from models.school_returns import NewPupilReturnRow

REQUESTED_BY = "new-pupil-return"


def pupil_key(row: NewPupilReturnRow) -> str:
    """The pupil's natural key: school, pupil and admission date, hashed (no name in clear).

    The same pupil in a re-sent or re-exported file has the same key, however its names are
    spaced, cased or accented.
    """
    parts = [
        row.school_urn,
        row.upn or "",
        normalise_name(row.pupil_forenames),
        normalise_name(row.pupil_surname),
        row.date_of_birth.isoformat(),
        row.admission_date.isoformat(),
    ]
    return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class RowDecision:
    """What to do with one pupil: close `match`'s case, list it for review, or only record."""

    outcome: str  # "closure_requested", "review" or "no_match" (tasks/new_pupils.py)
    match: MatchNote | None
    note: str = ""


def decide_row(matches: list[MatchNote]) -> RowDecision:
    """Exactly one certain match closes that case; anything less sure goes to review."""
    certain = [m for m in matches if m.strength == MatchStrength.CERTAIN.value]
    if len(certain) == 1:
        return RowDecision("closure_requested", certain[0])
    if len(certain) > 1:
        return RowDecision("review", certain[0], "several open cases match certainly")
    if matches:
        return RowDecision("review", matches[0])
    return RowDecision("no_match", None)


def closure_reason(return_reference: str, row_number: int, row: NewPupilReturnRow) -> str:
    """The closure's reason, for the case history and the officer: the school, not the child."""
    return (
        f"New-pupil return {return_reference} (row {row_number}): on the admission register of "
        f"{row.school_name} (URN {row.school_urn}) from {row.admission_date.isoformat()}."
    )
