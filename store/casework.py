"""The officers' front door's reads: the open caseload with the child, the cases a search looks
through, and everything one case page shows.

Read at every page load, straight from the case tables (never from the hourly sweep's pages), so
a change to a case shows at the next load. Like the rest of store/, every function takes the
caller's session and never commits; rows come back as pure values (models/casework.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, selectinload

from models.case_events import RecordedEvent
from models.casework import CaseloadEntry, SearchCandidate
from models.enums import (
    CaseStatus,
    ClosureOutcome,
    LetterKind,
    NoAddressReason,
    ReferrerType,
    Stage,
)
from models.referral import address_in_words
from store import case_events, decisions, letters, notifications
from store.orm import Case, Child, Notification, StageRecord


def open_caseload(*, session: Session, officer_id: str | None = None) -> list[CaseloadEntry]:
    """Every case not closed (of one officer, if given), with its current stage and the child."""
    current = and_(
        StageRecord.case_id == Case.id,
        StageRecord.name == Case.current_stage,
        StageRecord.completed_at.is_(None),
    )
    query = (
        select(Case, Child, StageRecord)
        .join(Child, Child.id == Case.child_id)
        .outerjoin(StageRecord, current)
        .where(Case.status != CaseStatus.CLOSED)
        .order_by(Case.id)
    )
    if officer_id is not None:
        query = query.where(Case.officer_id == officer_id)
    return [
        CaseloadEntry(
            reference=case.reference,
            flow_run_id=case.flow_run_id,
            officer_id=case.officer_id,
            dspl_area=case.dspl_area,
            status=case.status,
            stage=case.current_stage,
            due_on=stage.due_on if stage is not None else None,
            clock_paused=stage is not None and stage.clock_paused_at is not None,
            forenames=child.forenames,
            surname=child.surname,
            date_of_birth=child.date_of_birth,
            opened_at=case.opened_at,
        )
        for case, child, stage in session.execute(query).all()
    ]


def search_candidates(*, session: Session) -> list[SearchCandidate]:
    """Every case, open or closed, of any age, with what a search may match on."""
    rows = session.scalars(
        select(Case)
        .options(selectinload(Case.child), selectinload(Case.referrals))
        .order_by(Case.id)
    ).all()
    candidates = []
    for case in rows:
        schools = {
            str(school)
            for referral in case.referrals
            for school in (
                referral.payload.get("last_school_name"),
                referral.payload.get("referrer_organisation"),
            )
            if school
        }
        child = case.child
        candidates.append(
            SearchCandidate(
                reference=case.reference,
                status=case.status,
                officer_id=case.officer_id,
                stage=case.current_stage,
                forenames=child.forenames,
                surname=child.surname,
                aliases=tuple(child.aliases),
                date_of_birth=child.date_of_birth,
                address=child.address or "",
                postcode=child.postcode or "",
                upn=child.upn,
                schools=tuple(sorted(schools)),
                opened_at=case.opened_at,
                closed_at=case.closed_at,
            )
        )
    return candidates


@dataclass(frozen=True)
class StageLine:
    stage: Stage
    started_at: datetime
    due_on: date | None
    completed_at: datetime | None
    outcome: str | None
    clock_paused_at: datetime | None
    clock_pause_reason: str | None


@dataclass(frozen=True)
class DecisionLine:
    stage: Stage
    key: str
    officer_id: str
    decided_at: datetime
    values: dict[str, Any]


@dataclass(frozen=True)
class LetterLine:
    kind: LetterKind
    path: str
    sha256: str
    created_at: datetime


@dataclass(frozen=True)
class ReferralLine:
    received_on: date
    referrer_type: ReferrerType
    payload: dict[str, Any]


@dataclass(frozen=True)
class CasePage:
    """Everything the case page shows, read in one transaction."""

    reference: str
    status: CaseStatus
    current_stage: Stage | None
    officer_id: str
    dspl_area: int | None
    opened_at: datetime
    closed_at: datetime | None
    closure_outcome: ClosureOutcome | None
    flow_run_id: UUID | None
    forenames: str
    surname: str
    aliases: tuple[str, ...]
    date_of_birth: date
    address: str | None
    postcode: str | None
    no_address_reason: NoAddressReason | None
    upn: str | None
    referrals: list[ReferralLine]
    stages: list[StageLine]
    decisions: list[DecisionLine]
    letters: list[LetterLine]
    events: list[RecordedEvent]
    notifications: list[Notification]

    @property
    def address_in_words(self) -> str:
        return address_in_words(self.address, self.postcode, self.no_address_reason)

    @property
    def open_stage(self) -> StageLine | None:
        for line in self.stages:
            if line.stage == self.current_stage and line.completed_at is None:
                return line
        return None


def read_case_page(*, session: Session, reference: str) -> CasePage | None:
    """One case with its child, referrals, stages, decisions, letters, events and notifications."""
    case = session.scalars(
        select(Case)
        .where(Case.reference == reference)
        .options(selectinload(Case.child), selectinload(Case.referrals), selectinload(Case.stages))
    ).first()
    if case is None:
        return None
    child = case.child
    return CasePage(
        reference=case.reference,
        status=case.status,
        current_stage=case.current_stage,
        officer_id=case.officer_id,
        dspl_area=case.dspl_area,
        opened_at=case.opened_at,
        closed_at=case.closed_at,
        closure_outcome=case.closure_outcome,
        flow_run_id=case.flow_run_id,
        forenames=child.forenames,
        surname=child.surname,
        aliases=tuple(child.aliases),
        date_of_birth=child.date_of_birth,
        address=child.address,
        postcode=child.postcode,
        no_address_reason=child.no_address_reason,
        upn=child.upn,
        referrals=[
            ReferralLine(
                received_on=r.received_on, referrer_type=r.referrer_type, payload=dict(r.payload)
            )
            for r in sorted(case.referrals, key=lambda r: (r.received_on, r.id))
        ],
        stages=[
            StageLine(
                stage=s.name,
                started_at=s.started_at,
                due_on=s.due_on,
                completed_at=s.completed_at,
                outcome=s.outcome,
                clock_paused_at=s.clock_paused_at,
                clock_pause_reason=s.clock_pause_reason,
            )
            for s in sorted(case.stages, key=lambda s: (s.started_at, s.id))
        ],
        decisions=[
            DecisionLine(
                stage=d.stage,
                key=d.key,
                officer_id=d.officer_id,
                decided_at=d.decided_at,
                values=dict(d.values),
            )
            for d in decisions.list_decisions(session=session, case_id=case.id)
        ],
        letters=[
            LetterLine(kind=x.kind, path=x.path, sha256=x.sha256, created_at=x.created_at)
            for x in letters.list_letters(session=session, case_id=case.id)
        ],
        events=case_events.read_events(session=session, case_id=case.id),
        notifications=notifications.list_case_notifications(session=session, case_id=case.id),
    )
