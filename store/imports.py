"""The school-returns ledger: which files were imported, what each good row did, and the lists
officers and the EHE team work from (match reviews, the EHE list).

Idempotency lives here (docs/design.md#send-once, #bad-input). A file is known by its SHA-256, so
the same bytes import once; a row is claimed by its natural key (school, pupil, deletion date)
before anything is done for it, so the same row in a re-exported file, or a re-run after a crash,
does nothing twice. Like store/, every function takes the caller's session and never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.case_events import ReferralReceived
from models.deletion_intake import ImportStatus
from models.enums import CaseStatus
from models.matching import ChildIdentity
from models.referral import Referral
from store import case_events, cases
from store.create_once import create_once
from store.orm import (
    Case,
    Child,
    EheListEntry,
    IntakeImport,
    IntakeRow,
    MatchReview,
    ReferralRecord,
)

IMPORTING = ImportStatus.IMPORTING
IMPORTED = ImportStatus.IMPORTED
REJECTED = ImportStatus.REJECTED


class ImportNotFoundError(LookupError):
    """Raised when an import or row the caller names does not exist."""


def receive_import(
    *, session: Session, sha256: str, file_name: str, kind: str, received_at: datetime
) -> tuple[IntakeImport, bool]:
    """Enter a file in the ledger, once per content.

    Args:
        session: The caller's session.
        sha256: Hex SHA-256 of the file's bytes.
        file_name: The file's name as received (no folder).
        kind: What the file is, e.g. "deletion_return".
        received_at: When it was picked up (aware).

    Returns:
        The import, and True if this call entered it (False: the same bytes were seen before,
        under any name; its ``status`` says whether that import finished).
    """
    existing = get_import(session=session, sha256=sha256)
    if existing is not None:
        return existing, False
    entry = IntakeImport(
        sha256=sha256,
        file_name=file_name,
        kind=kind,
        received_at=received_at,
        status=IMPORTING,
        rows_read=0,
        rows_quarantined=0,
    )

    def create() -> IntakeImport:
        session.add(entry)
        return entry

    return create_once(
        session=session,
        create=create,
        reread=lambda: get_import(session=session, sha256=sha256),
    )


def get_import(*, session: Session, sha256: str) -> IntakeImport | None:
    """Find an import by its file's SHA-256."""
    return session.scalars(select(IntakeImport).where(IntakeImport.sha256 == sha256)).one_or_none()


def finish_import(
    *,
    session: Session,
    import_id: int,
    status: str,
    completed_at: datetime,
    rows_read: int,
    rows_quarantined: int,
    encoding: str | None = None,
    delimiter: str | None = None,
    problem: str | None = None,
) -> IntakeImport:
    """Record how an import ended: "imported" (good rows acted on) or "rejected" (whole file).

    Args:
        session: The caller's session.
        import_id: The import.
        status: IMPORTED or REJECTED.
        completed_at: When it ended (aware).
        rows_read: Data rows in the file.
        rows_quarantined: Rows refused, with their reasons in the report.
        encoding: The encoding the file was read in, if read.
        delimiter: The delimiter it used, if read.
        problem: Why the whole file was rejected (no row data).

    Returns:
        The import.
    """
    if status not in (IMPORTED, REJECTED):
        raise ValueError(f"status: {status!r} is not {IMPORTED!r} or {REJECTED!r}")
    entry = session.get(IntakeImport, import_id, with_for_update=True, populate_existing=True)
    if entry is None:
        raise ImportNotFoundError(f"import_id: no import with id {import_id}")
    entry.status = status
    entry.completed_at = completed_at
    entry.rows_read = rows_read
    entry.rows_quarantined = rows_quarantined
    entry.encoding = encoding
    entry.delimiter = delimiter
    entry.problem = problem
    return entry


@dataclass(frozen=True)
class RowClaim:
    """The ledger's record of a row, and whether this call claimed it."""

    row: IntakeRow
    claimed: bool


def claim_row(
    *,
    session: Session,
    import_id: int,
    row_number: int,
    natural_key: str,
    school_urn: str | None,
    deletion_ground: str,
    route: str,
    outcome: str,
    reason: str,
    payload: dict[str, Any],
    recorded_at: datetime,
    case_reference: str | None = None,
    notice_kind: str | None = None,
    notice_to: str | None = None,
) -> RowClaim:
    """Claim a row by its natural key before acting on it; a key already claimed is not re-done.

    Args:
        session: The caller's session.
        import_id: The import the row came in.
        row_number: Its line in the file (the header is line 1).
        natural_key: Hash of school URN, pupil identity and deletion date.
        school_urn: The school that sent it.
        deletion_ground: The reg 9(1) ground, as stored.
        route: Where triage sent it.
        outcome: What was done (or, for a case, requested).
        reason: Why, in words (no personal data).
        payload: The row as read.
        recorded_at: When (aware).
        case_reference: The open case it was recorded on, if any.
        notice_kind: The notice it is listed in ("ehe_notice", "flag_to_school", ...), if any.
        notice_to: That notice's recipient email.

    Returns:
        The new row and True; or the row recorded earlier under the same key and False (it may
        belong to another import: a re-exported file).
    """
    existing = get_row(session=session, natural_key=natural_key)
    if existing is not None:
        return RowClaim(existing, claimed=False)
    row = IntakeRow(
        import_id=import_id,
        row_number=row_number,
        natural_key=natural_key,
        school_urn=school_urn,
        deletion_ground=deletion_ground,
        route=route,
        outcome=outcome,
        reason=reason,
        payload=payload,
        recorded_at=recorded_at,
        case_reference=case_reference,
        notice_kind=notice_kind,
        notice_to=notice_to,
    )

    def create() -> IntakeRow:
        session.add(row)
        return row

    recorded, claimed = create_once(
        session=session,
        create=create,
        reread=lambda: get_row(session=session, natural_key=natural_key),
    )
    return RowClaim(recorded, claimed=claimed)


def get_row(*, session: Session, natural_key: str) -> IntakeRow | None:
    """Find a row by its natural key."""
    return session.scalars(
        select(IntakeRow).where(IntakeRow.natural_key == natural_key)
    ).one_or_none()


def list_rows(*, session: Session, import_id: int) -> list[IntakeRow]:
    """The rows an import claimed, in file order."""
    return list(
        session.scalars(
            select(IntakeRow).where(IntakeRow.import_id == import_id).order_by(IntakeRow.row_number)
        )
    )


def attach_case_run(*, session: Session, row_id: int, flow_run_id: UUID) -> IntakeRow:
    """Record the cme-case run a row opened; setting the same run again is a no-op.

    Raises:
        ImportNotFoundError: No such row.
        ValueError: The row already opened a different run.
    """
    row = session.get(IntakeRow, row_id, with_for_update=True, populate_existing=True)
    if row is None:
        raise ImportNotFoundError(f"row_id: no intake row with id {row_id}")
    if row.flow_run_id is not None and row.flow_run_id != flow_run_id:
        raise ValueError(
            f"flow_run_id: row {row.row_number} already opened run {row.flow_run_id}, "
            f"not {flow_run_id}"
        )
    row.flow_run_id = flow_run_id
    return row


def list_for_review(
    *,
    session: Session,
    intake_row_id: int,
    candidate: str,
    score: float,
    reasons: Sequence[str],
    listed_at: datetime,
) -> MatchReview:
    """Put a near match on the officers' review list, once per row and candidate.

    Args:
        session: The caller's session.
        intake_row_id: The row that nearly matched.
        candidate: A case reference, or "row N" of the same file.
        score: The match score (0..1).
        reasons: Why, without personal values ("surname similar").
        listed_at: When (aware).

    Returns:
        The review entry (the earlier one, if already listed).
    """
    query = select(MatchReview).where(
        MatchReview.intake_row_id == intake_row_id, MatchReview.candidate == candidate
    )
    existing = session.scalars(query).one_or_none()
    if existing is not None:
        return existing
    entry = MatchReview(
        intake_row_id=intake_row_id,
        candidate=candidate,
        score=score,
        reasons=list(reasons),
        listed_at=listed_at,
    )
    session.add(entry)
    session.flush()
    return entry


def list_match_reviews(*, session: Session, unresolved_only: bool = True) -> list[MatchReview]:
    """The review list, oldest first."""
    query = select(MatchReview)
    if unresolved_only:
        query = query.where(MatchReview.resolved_at.is_(None))
    return list(session.scalars(query.order_by(MatchReview.listed_at, MatchReview.id)))


def add_to_ehe_list(
    *,
    session: Session,
    intake_row_id: int,
    school_urn: str | None,
    deletion_date: date | None,
    listed_at: datetime,
) -> EheListEntry:
    """List a child deleted for elective home education for the EHE team, once per row."""
    existing = session.scalars(
        select(EheListEntry).where(EheListEntry.intake_row_id == intake_row_id)
    ).one_or_none()
    if existing is not None:
        return existing
    entry = EheListEntry(
        intake_row_id=intake_row_id,
        school_urn=school_urn,
        deletion_date=deletion_date,
        listed_at=listed_at,
    )
    session.add(entry)
    session.flush()
    return entry


def list_ehe_list(*, session: Session) -> list[EheListEntry]:
    """The EHE list, oldest first."""
    return list(session.scalars(select(EheListEntry).order_by(EheListEntry.id)))


def record_referral_on_case(
    *,
    session: Session,
    case_reference: str,
    referral: Referral,
    recorded_at: datetime,
    actor: str,
    import_reference: str,
    row: int,
    route: str,
) -> Case:
    """Record a further referral of a child on their open case: the referral as received and a
    "referral_received" event. The caller makes it once (the row's claim), in the same transaction.

    Args:
        session: The caller's session.
        case_reference: The open case.
        referral: The referral as built from the return's row; stored unchanged.
        recorded_at: When (aware).
        actor: Who recorded it.
        import_reference: The import it came from, for the history.
        row: Its row in that import's file (no child data).
        route: How triage routed it.

    Returns:
        The case.

    Raises:
        ImportNotFoundError: No case has that reference.
    """
    case = cases.get_case(session=session, reference=case_reference)
    if case is None:
        raise ImportNotFoundError(f"case_reference: no case {case_reference}")
    record = ReferralRecord(
        case_id=case.id,
        received_on=referral.received_on,
        referrer_type=referral.referrer_type,
        payload=referral.model_dump(mode="json"),
        recorded_at=recorded_at,
    )
    session.add(record)
    session.flush()
    case_events.append_event(
        session=session,
        case_id=case.id,
        event=ReferralReceived(
            referral_id=record.id,
            referrer_type=referral.referrer_type,
            import_reference=import_reference,
            row=row,
            route=route,
        ),
        actor=actor,
        occurred_at=recorded_at,
    )
    return case


@dataclass(frozen=True)
class OpenCase:
    """An open case as intake matching needs it."""

    reference: str
    officer_id: str
    identity: ChildIdentity


def list_open_cases(*, session: Session) -> list[OpenCase]:
    """Every case not closed, with its child's identity, for duplicate matching."""
    rows = session.execute(
        select(
            Case.reference,
            Case.officer_id,
            Child.forenames,
            Child.surname,
            Child.aliases,
            Child.date_of_birth,
            Child.postcode,
        )
        .join(Child, Child.id == Case.child_id)
        .where(Case.status != CaseStatus.CLOSED)
        .order_by(Case.id)
    )
    return [
        OpenCase(
            reference=reference,
            officer_id=officer_id,
            identity=ChildIdentity(
                forenames=forenames,
                surname=surname,
                date_of_birth=date_of_birth,
                postcode=postcode,
                aliases=tuple(aliases or ()),
            ),
        )
        for reference, officer_id, forenames, surname, aliases, date_of_birth, postcode in rows
    ]


def case_references_of_runs(*, session: Session, flow_run_ids: Sequence[UUID]) -> dict[UUID, str]:
    """The case references of the runs that have opened their case so far."""
    if not flow_run_ids:
        return {}
    rows = session.execute(
        select(Case.flow_run_id, Case.reference).where(Case.flow_run_id.in_(list(flow_run_ids)))
    )
    return {run_id: reference for run_id, reference in rows if run_id is not None}
