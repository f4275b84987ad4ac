"""Importing a deletion return: what each triaged row becomes, as data (no I/O here).

Triage (models/triage.py) says where a row should go; this module turns that into the action the
import takes: the referral a `cme-case` run opens with, the notice a partner team gets, the ledger
outcome. It also computes each row's natural key, which makes a row import once however often it
is sent (DESIGN.md decision 5), and lays out the quarantine report.

Personal data stays in these values and in the case database: the natural key is a hash, and the
counts the flow reports carry routes and outcomes only.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError

from models.enums import LabelledEnum, ReferralPurpose, ReferrerType, Sex
from models.referral import Referral
from models.school_returns import DeletionReturnRow, RowProblem

REPORT_HEADER = ("row", "field", "problem")


class RowOutcome(LabelledEnum):
    """What the import did with a good row (stored on its ledger record)."""

    CASE_REQUESTED = "case_requested"  # a cme-case run was started for it
    RECORDED_ON_CASE = "recorded_on_case"  # a further referral on the child's open case
    DUPLICATE_IN_FILE = "duplicate_in_file"  # the same child as an earlier row of the file
    EHE_LISTED = "ehe_listed"
    FLAGGED_TO_SCHOOL = "flagged_to_school"
    SENT_TO_S19_TEAM = "sent_to_s19_team"
    RECORDED = "recorded"


class NoticeKind(LabelledEnum):
    """The emails an import sends: one per kind and recipient, listing that import's rows."""

    EHE_NOTICE = "ehe_notice"
    S19_NOTICE = "s19_notice"
    FLAG_TO_SCHOOL = "flag_to_school"
    FURTHER_REFERRAL = "further_referral"

    @property
    def template(self) -> str:
        return {
            NoticeKind.EHE_NOTICE: "intake_ehe_notice",
            NoticeKind.S19_NOTICE: "intake_s19_notice",
            NoticeKind.FLAG_TO_SCHOOL: "intake_flag_to_school",
            NoticeKind.FURTHER_REFERRAL: "intake_further_referral",
        }[self]


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c))
    return " ".join(kept.casefold().split())


def row_natural_key(row: DeletionReturnRow) -> str:
    """School URN, pupil identity and deletion date, hashed: the same deletion from the same school
    is one row however the file around it changes (re-exported, re-ordered, re-encoded)."""
    parts = (
        "deletion_return",
        row.school_urn,
        _fold(row.pupil_forenames),
        _fold(row.pupil_surname),
        row.date_of_birth.isoformat(),
        row.deletion_date.isoformat(),
    )
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def referral_from_row(
    row: DeletionReturnRow, *, received_on: date, purpose: ReferralPurpose
) -> Referral:
    """The referral a school's deletion return makes (reg 13(4)), as the cme-case form takes it.

    Raises:
        ValidationError: The row passes the return's rules but not the referral's.
    """
    parents = [
        {
            "name": name,
            "relationship": "other",
            "address": (
                row.parent_carer_addresses[i] if i < len(row.parent_carer_addresses) else None
            ),
            "phone": row.parent_carer_phones[i] if i < len(row.parent_carer_phones) else None,
        }
        for i, name in enumerate(row.parent_carer_names)
        if name.strip()
    ]
    ground = row.deletion_ground.referral_ground
    return Referral.model_validate(
        {
            "received_on": received_on,
            # A return without a known ground is still a school's referral (and a CME case).
            "referrer_type": (
                ReferrerType.SCHOOL_DELETION_RETURN if ground is not None else ReferrerType.SCHOOL
            ),
            "referrer_name": None,
            "referrer_organisation": row.school_name,
            "referrer_contact": None,
            "child_forenames": row.pupil_forenames,
            "child_surname": row.pupil_surname,
            "child_aliases": list(row.pupil_aliases),
            "child_date_of_birth": row.date_of_birth,
            "child_sex": row.sex or Sex.NOT_KNOWN,
            "address": row.address,
            "postcode": row.postcode,
            "parents": parents,
            "last_school_name": row.school_name,
            "last_school_urn": row.school_urn,
            "deletion_ground": ground,
            "deletion_date": row.deletion_date,
            "destination_school": row.destination_school,
            "destination_local_authority": row.destination_local_authority,
            "destination_country": row.destination_country,
            "concerns": row.notes,
            "purpose": purpose,
        },
        context={"today": received_on},
    )


def referral_problems(
    line: int, error: ValidationError, raw: Mapping[str, str]
) -> list[RowProblem]:
    """A referral the row could not make, as quarantine problems naming the referral's field."""
    return [
        RowProblem(
            line,
            ".".join(str(part) for part in problem["loc"]) or "(row)",
            str(problem["msg"]),
            dict(raw),
        )
        for problem in error.errors(include_url=False, include_input=False)
    ]


def raw_of(row: DeletionReturnRow) -> dict[str, str]:
    """A good row in the report's column names (for a row quarantined after reading)."""
    values = row.model_dump(mode="json")
    return {
        key: "; ".join(value) if isinstance(value, list) else ("" if value is None else str(value))
        for key, value in values.items()
    }


def report_rows(problems: Sequence[RowProblem]) -> tuple[list[str], list[list[str]]]:
    """The quarantine report: row, field, problem, then every column of the row as read.

    Returns:
        The header and the rows, in file order, one per problem.
    """
    columns: list[str] = []
    for problem in problems:
        columns.extend(column for column in problem.raw if column not in columns)
    ordered = sorted(problems, key=lambda p: p.row)
    rows = [
        [str(p.row), p.field, p.problem, *(p.raw.get(column, "") for column in columns)]
        for p in ordered
    ]
    return [*REPORT_HEADER, *columns], rows


def problem_table(problems: Sequence[RowProblem]) -> list[dict[str, Any]]:
    """The quarantine as a Prefect table artifact: row, field and problem, never the row's data."""
    return [
        {"row": p.row, "field": p.field, "problem": p.problem}
        for p in sorted(problems, key=lambda p: p.row)
    ]


@dataclass
class ImportCounts:
    """What an import did, as counts by route and outcome: no personal data."""

    rows_read: int = 0
    rows_quarantined: int = 0
    rows_new: int = 0
    rows_seen: int = 0
    cases_requested: int = 0
    reviews: int = 0
    routes: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, int]:
        flat = {
            "rows_read": self.rows_read,
            "rows_quarantined": self.rows_quarantined,
            "rows_new": self.rows_new,
            "rows_seen": self.rows_seen,
            "cases_requested": self.cases_requested,
            "reviews": self.reviews,
        }
        flat.update({f"route:{k}": v for k, v in sorted(self.routes.items())})
        flat.update({f"outcome:{k}": v for k, v in sorted(self.outcomes.items())})
        return flat


def add_counts(totals: dict[str, int], more: Mapping[str, int]) -> dict[str, int]:
    """Sum two flat count dictionaries (the sweep's total over its files)."""
    summed = dict(totals)
    for key, value in more.items():
        summed[key] = summed.get(key, 0) + value
    return summed


def quarantined_lines(problems: Iterable[RowProblem]) -> set[int]:
    return {problem.row for problem in problems}
