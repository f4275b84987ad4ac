"""Importing a deletion return: what each triaged row becomes, as data (no I/O here).

Triage (models/triage.py) says where a row should go; this module turns that into the action the
import takes: the referral a `cme-case` run opens with, the notice a partner team gets, the ledger
outcome. It also computes each row's natural key, which makes a row import once however often it
is sent (docs/design.md#send-once), and lays out the quarantine report.

Personal data stays in these values and in the case database: the natural key is a hash, and the
counts the flow reports carry routes and outcomes only.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from models.enums import LabelledEnum, ReferralPurpose, ReferrerType, Sex
from models.referral import Referral
from models.school_returns import DeletionReturnRow, RowProblem
from models.triage import Route, RowTriage
from models.withdrawal_consent import RelevantChild

REPORT_HEADER = ("row", "field", "problem")


class ImportStatus(StrEnum):
    """Where a school's file is in the import ledger."""

    IMPORTING = "importing"
    IMPORTED = "imported"
    REJECTED = "rejected"


class RowOutcome(LabelledEnum):
    """What the import did with a good row (stored on its ledger record)."""

    CASE_REQUESTED = "case_requested"  # a cme-case run was started for it
    RECORDED_ON_CASE = "recorded_on_case"  # a further referral on the child's open case
    DUPLICATE_IN_FILE = "duplicate_in_file"  # the same child as an earlier row of the file
    EHE_LISTED = "ehe_listed"
    FLAGGED_TO_SCHOOL = "flagged_to_school"
    SENT_TO_S19_TEAM = "sent_to_s19_team"
    RECORDED = "recorded"
    CONSENT_REQUESTED = "consent_requested"  # a withdrawal-consent run was started (s434A)


class ImportNoticeKind(LabelledEnum):
    """The emails an import sends: one per kind and recipient, listing that import's rows."""

    EHE_NOTICE = "ehe_notice"
    S19_NOTICE = "s19_notice"
    FLAG_TO_SCHOOL = "flag_to_school"
    FURTHER_REFERRAL = "further_referral"

    @property
    def template(self) -> str:
        return {
            ImportNoticeKind.EHE_NOTICE: "intake_ehe_notice",
            ImportNoticeKind.S19_NOTICE: "intake_s19_notice",
            ImportNoticeKind.FLAG_TO_SCHOOL: "intake_flag_to_school",
            ImportNoticeKind.FURTHER_REFERRAL: "intake_further_referral",
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


@dataclass(frozen=True)
class ReviewCandidate:
    """A near match for an officer: a case reference or "row N", its score and why."""

    candidate: str
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class RowPlan:
    """What the import will do with one good row."""

    line: int
    row: DeletionReturnRow
    natural_key: str
    route: str
    outcome: RowOutcome
    reason: str
    referral: Referral | None = None
    linked_case: str | None = None
    notice: ImportNoticeKind | None = None
    reviews: tuple[ReviewCandidate, ...] = ()
    consent: RelevantChild | None = None


_CASE_ROUTES = {Route.CME_CASE: ReferralPurpose.CHILD_MISSING_EDUCATION,
                Route.VERIFY_DESTINATION: ReferralPurpose.VERIFY_DESTINATION}  # fmt: skip
_ROUTE_ACTIONS: dict[Route, tuple[RowOutcome, ImportNoticeKind | None]] = {
    Route.DESTINATION_CONFIRMED: (RowOutcome.RECORDED, None),
    Route.EHE_NOTICE: (RowOutcome.EHE_LISTED, ImportNoticeKind.EHE_NOTICE),
    Route.FLAG_TO_SCHOOL: (RowOutcome.FLAGGED_TO_SCHOOL, ImportNoticeKind.FLAG_TO_SCHOOL),
    Route.RECORD_ONLY: (RowOutcome.RECORDED, None),
    Route.S19_TEAM: (RowOutcome.SENT_TO_S19_TEAM, ImportNoticeKind.S19_NOTICE),
    # No SAO-case or youth-justice workflow exists yet: recorded, with the route, for the team.
    Route.SAO_CASE: (RowOutcome.RECORDED, None),
    Route.YOUTH_JUSTICE: (RowOutcome.RECORDED, None),
    # s434A: no EHE list or notice until the team's consent decision (flows/withdrawal_consent.py).
    Route.CONSENT_DECISION: (RowOutcome.CONSENT_REQUESTED, None),
}


def plan_row(
    line: int, row: DeletionReturnRow, triage: RowTriage, *, received_on: date
) -> RowPlan | list[RowProblem]:
    """Turn a triaged row into the import's action, or into problems if its referral fails.

    A row that would be a case but is certainly a child with an open case is recorded on that
    case instead; a certain duplicate of an earlier row of the same file does nothing more; near
    matches go on the review list whatever the route (the case still opens: a possible duplicate
    is checked by an officer, never a reason to leave a child without a case).
    """
    reviews = tuple(
        ReviewCandidate(str(match.key), match.score, tuple(match.reasons))
        for match in triage.review
    ) + tuple(
        ReviewCandidate(f"row {earlier}", 0.0, ("possibly the same child as an earlier row",))
        for earlier in triage.possible_duplicate_of_rows
    )
    base = RowPlan(
        line=line,
        row=row,
        natural_key=row_natural_key(row),
        route=triage.route.value,
        outcome=RowOutcome.RECORDED,
        reason=triage.reason,
        reviews=reviews,
        consent=triage.consent,
    )
    if triage.duplicate_of_row is not None:
        return replace(base, outcome=RowOutcome.DUPLICATE_IN_FILE)
    purpose = _CASE_ROUTES.get(triage.route)
    if purpose is None:
        outcome, notice = _ROUTE_ACTIONS[triage.route]
        return replace(base, outcome=outcome, notice=notice)
    try:
        referral = referral_from_row(row, received_on=received_on, purpose=purpose)
    except ValidationError as error:
        return referral_problems(line, error, raw_of(row))
    if triage.linked_case is not None:
        return replace(
            base,
            outcome=RowOutcome.RECORDED_ON_CASE,
            referral=referral,
            linked_case=triage.linked_case,
            notice=ImportNoticeKind.FURTHER_REFERRAL,
        )
    return replace(base, outcome=RowOutcome.CASE_REQUESTED, referral=referral)


def repeated_row_problem(
    line: int, row: DeletionReturnRow, first: int, first_row: DeletionReturnRow
) -> RowProblem:
    """A row whose natural key (school, pupil, deletion date) an earlier row of the file has: the
    same deletion told twice. Only the first is imported; this one is quarantined, naming the
    columns in which the two differ (never their values)."""
    raw, earlier = raw_of(row), raw_of(first_row)
    differ = [column for column in raw if raw[column] != earlier.get(column, "")]
    if not differ:
        problem = (
            f"repeats row {first} (the same pupil, school and deletion date, the same details "
            f"written differently): only row {first} is imported"
        )
    else:
        problem = (
            f"the same pupil, school and deletion date as row {first}, but a different "
            f"{', '.join(differ)}: only row {first} is imported; if this row corrects it, send "
            "the correction to the CME team"
        )
    return RowProblem(line, "(row)", problem, raw)


_HOLDS_CASE = (RowOutcome.CASE_REQUESTED, RowOutcome.RECORDED_ON_CASE)


def _same_child_as(triage: RowTriage, earlier: int | None) -> RowTriage:
    """Point a certain duplicate at the earlier row that acts for its child (the one holding its
    case, for a case route), or, if none does, let it take its own route."""
    old = triage.duplicate_of_row
    note = f"same child as row {old}: no second case"
    if earlier is None:
        new = f"same child as row {old}, which opens no case: this row takes its own route"
        # Still the same child: the earlier row is listed for the officer, as a near match is.
        listed = tuple(sorted({*triage.possible_duplicate_of_rows, *([old] if old else [])}))
        return replace(
            triage,
            duplicate_of_row=None,
            possible_duplicate_of_rows=listed,
            reason=triage.reason.replace(note, new),
        )
    new = f"same child as row {earlier}: no second case"
    return replace(triage, duplicate_of_row=earlier, reason=triage.reason.replace(note, new))


def plan_rows(
    rows: Sequence[tuple[int, DeletionReturnRow]],
    triaged: Sequence[RowTriage],
    *,
    received_on: date,
) -> tuple[list[RowPlan], list[RowProblem]]:
    """Plan every triaged row; rows the import cannot act on are quarantined like bad rows.

    Within the file, every row is acted on once and every child once:

    - a row whose natural key an earlier planned row has (the same deletion told twice, perhaps
      with a cell written differently) is quarantined, naming that row: two rows cannot share a
      key, and the first is the one imported;
    - a certain duplicate of an earlier row (the same child, another deletion date or school) does
      nothing more if an earlier row already acts for the child: for a case route, the row that
      holds the child's case; otherwise the child's first planned row. If none does (the earlier
      rows took no case route, or were quarantined), it takes its own route;
    - a row whose referral fails is quarantined, naming the referral's field.
    """
    by_line = dict(rows)
    plans: list[RowPlan] = []
    problems: list[RowProblem] = []
    first_of_key: dict[str, int] = {}
    child_of: dict[int, int] = {}  # a line -> the first line of its child in the file
    first_planned: dict[int, int] = {}  # a child (first line) -> its first planned row
    holds_case: dict[int, int] = {}  # a child -> the row that requested or joined its case
    for triage in triaged:
        line = triage.row
        row = by_line[line]
        key = row_natural_key(row)
        first = first_of_key.get(key)
        if first is not None:
            problems.append(repeated_row_problem(line, row, first, by_line[first]))
            continue
        child = line
        if triage.duplicate_of_row is not None:
            child = child_of.get(triage.duplicate_of_row, triage.duplicate_of_row)
            acting = holds_case if triage.route.opens_case else first_planned
            triage = _same_child_as(triage, acting.get(child))
        planned = plan_row(line, row, triage, received_on=received_on)
        if isinstance(planned, RowPlan):
            plans.append(planned)
            first_of_key[key] = line
            child_of[line] = child
            first_planned.setdefault(child, line)
            if planned.outcome in _HOLDS_CASE:
                holds_case.setdefault(child, line)
        else:
            problems.extend(planned)
    return plans, problems
