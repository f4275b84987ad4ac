"""Matching a referred child against the council's data extracts (pupil roll, EHE register).

Exact matching on normalised name (or a known alias) and date of birth: a match closes a case, so
it must be certain. Fuzzy matching with a confidence score belongs to intake, where near matches go
to a person for review.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date

from pydantic import BaseModel, ConfigDict

from models.enums import LabelledEnum
from models.matching import ChildIdentity, IdentityIndex, MatchThresholds
from models.referral import Referral


class ExtractFinding(LabelledEnum):
    NOT_FOUND = "not_found"
    ON_ROLL = "on_roll"
    ON_EHE_REGISTER = "on_ehe_register"


class ExtractMatch(BaseModel):
    """What the extracts said; carries the school, never the child."""

    model_config = ConfigDict(frozen=True)

    finding: ExtractFinding
    school_name: str | None = None
    school_urn: str | None = None


def normalise_name(name: str) -> str:
    """Case, accents, punctuation and spacing do not distinguish two children."""
    decomposed = unicodedata.normalize("NFKD", name)
    letters = "".join(c for c in decomposed if c.isalnum() or c.isspace())
    return " ".join(letters.lower().split())


def names_of(referral: Referral) -> set[str]:
    """The child's legal name and every alias, normalised."""
    names = {normalise_name(f"{referral.child_forenames} {referral.child_surname}")}
    names.update(normalise_name(alias) for alias in referral.child_aliases if alias.strip())
    return names


def _cell(row: Mapping[str, str | None], column: str) -> str:
    # csv.DictReader fills the missing cells of a short row with None.
    return row.get(column) or ""


def _matches(row: Mapping[str, str | None], names: set[str], date_of_birth: date) -> bool:
    row_name = normalise_name(f"{_cell(row, 'forenames')} {_cell(row, 'surname')}")
    return row_name in names and _cell(row, "date_of_birth").strip() == date_of_birth.isoformat()


def find_in_rows(
    rows: Iterable[Mapping[str, str | None]], referral: Referral
) -> Mapping[str, str | None] | None:
    names = names_of(referral)
    for row in rows:
        if _matches(row, names, referral.child_date_of_birth):
            return row
    return None


def match_extracts(
    referral: Referral,
    *,
    pupil_roll: Iterable[Mapping[str, str | None]],
    ehe_register: Iterable[Mapping[str, str | None]],
) -> ExtractMatch:
    """The roll first (a child on a roll is not missing education), then the EHE register."""
    on_roll = find_in_rows(pupil_roll, referral)
    if on_roll is not None:
        return ExtractMatch(
            finding=ExtractFinding.ON_ROLL,
            school_name=_cell(on_roll, "school_name").strip() or None,
            school_urn=_cell(on_roll, "school_urn").strip() or None,
        )
    if find_in_rows(ehe_register, referral) is not None:
        return ExtractMatch(finding=ExtractFinding.ON_EHE_REGISTER)
    return ExtractMatch(finding=ExtractFinding.NOT_FOUND)


def _extract_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def roll_index(
    rows: Iterable[Mapping[str, str | None]], thresholds: MatchThresholds
) -> IdentityIndex[str]:
    """The pupil roll extract (columns as config/extracts/pupil_roll.csv) for fuzzy matching at
    intake, keyed by school URN: a match says which school's roll the child is on.

    Rows without a URN or an ISO date of birth cannot be matched and are left out; the extract is
    the council's own data, checked where it is produced.
    """
    index: IdentityIndex[str] = IdentityIndex(thresholds)
    for row in rows:
        urn = _cell(row, "school_urn").strip()
        born = _extract_date(_cell(row, "date_of_birth"))
        if not urn or born is None:
            continue
        index.add(
            urn,
            ChildIdentity(
                forenames=_cell(row, "forenames"),
                surname=_cell(row, "surname"),
                date_of_birth=born,
                postcode=_cell(row, "postcode").strip() or None,
            ),
        )
    return index
