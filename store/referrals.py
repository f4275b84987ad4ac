"""Receiving a referral in the case database: a new case, or a further referral on an open one.

Before a case is opened, the open cases whose child was born on the referred child's date of birth
(or on it with day and month transposed) are fetched by an indexed query and scored with
models/matching.py. A certain match records the referral on that case instead; near matches open a
new case and are noted on both cases for review. Keyed on the cme-case run: a replayed run finds
the referral it recorded and does nothing again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.allocation import Allocation
from models.case_events import FurtherReferralReceived, PossibleDuplicate
from models.enums import CaseStatus
from models.intake import MatchNote, birth_dates_to_search, identity_of_referral
from models.matching import ChildIdentity, IdentityIndex, MatchStrength, MatchThresholds
from models.referral import Referral
from store import case_events, cases
from store.create_once import create_once
from store.orm import Case, Child, ReferralRecord


@dataclass(frozen=True)
class Receipt:
    """What receiving a referral did."""

    case: Case
    referral: ReferralRecord
    further_referral: bool
    matches: tuple[MatchNote, ...]


def identity_of_child(child: Child) -> ChildIdentity:
    return ChildIdentity(
        forenames=child.forenames,
        surname=child.surname,
        date_of_birth=child.date_of_birth,
        postcode=child.postcode,
        aliases=tuple(child.aliases),
    )


def find_open_case_matches(
    *, session: Session, identity: ChildIdentity, thresholds: MatchThresholds
) -> list[MatchNote]:
    """Open cases whose child may be this child, best first (certain, then near).

    Args:
        session: The caller's session.
        identity: The child to look for.
        thresholds: When a score is certain, and when near.

    Returns:
        The matches at or above the near threshold, keyed by case reference.
    """
    rows = session.execute(
        select(Case.reference, Child)
        .join(Child, Child.id == Case.child_id)
        .where(
            Child.date_of_birth.in_(birth_dates_to_search(identity.date_of_birth)),
            Case.status != CaseStatus.CLOSED,
        )
        .order_by(Case.id)
    ).all()
    index: IdentityIndex[str] = IdentityIndex(thresholds)
    for reference, child in rows:
        index.add(reference, identity_of_child(child))
    return [MatchNote.of(match) for match in index.matches(identity)]


def get_referral_by_flow_run(*, session: Session, flow_run_id: UUID) -> ReferralRecord | None:
    """The referral a cme-case run recorded, on its own case or as a further referral."""
    return session.scalars(
        select(ReferralRecord).where(ReferralRecord.flow_run_id == flow_run_id)
    ).one_or_none()


def receive_referral(
    *,
    session: Session,
    referral: Referral,
    flow_run_id: UUID,
    thresholds: MatchThresholds,
    officer_id: str,
    dspl_area: int | None,
    config_version: str,
    received_at: datetime,
    actor: str,
    allocation: Allocation | None = None,
) -> Receipt:
    """Record a referral: on the open case of the same child, or as a new case.

    Idempotent on ``flow_run_id``: a replay returns what the first call recorded.

    Args:
        session: The caller's session.
        referral: The referral as submitted.
        flow_run_id: The cme-case run it was submitted to.
        thresholds: The configured matching thresholds.
        officer_id: The officer a new case would be allocated to.
        dspl_area: The DSPL area a new case would have.
        config_version: The configuration version a new case records.
        received_at: When it was received (aware).
        actor: Who or what records it.
        allocation: How a new case's officer and area were chosen (kept on the case).

    Returns:
        The case, the referral record, whether it was a further referral, and the matches.
    """
    recorded = get_referral_by_flow_run(session=session, flow_run_id=flow_run_id)
    if recorded is not None:
        return _receipt_of(recorded, flow_run_id)

    matches = find_open_case_matches(
        session=session, identity=identity_of_referral(referral), thresholds=thresholds
    )
    certain = [m for m in matches if m.strength == MatchStrength.CERTAIN.value]
    if certain:
        existing = cases.get_case(session=session, reference=certain[0].reference)
        assert existing is not None
        return _record_further_referral(
            session=session,
            case=existing,
            referral=referral,
            flow_run_id=flow_run_id,
            match=certain[0],
            received_at=received_at,
            actor=actor,
        )

    case = cases.open_case(
        session=session,
        referral=referral,
        flow_run_id=flow_run_id,
        officer_id=officer_id,
        dspl_area=dspl_area,
        config_version=config_version,
        opened_at=received_at,
        actor=actor,
        allocation=allocation,
    )
    for near in matches:
        _note_possible_duplicate(session, case, near, received_at)
    record = get_referral_by_flow_run(session=session, flow_run_id=flow_run_id)
    assert record is not None
    return Receipt(case=case, referral=record, further_referral=False, matches=tuple(matches))


def _record_further_referral(
    *,
    session: Session,
    case: Case,
    referral: Referral,
    flow_run_id: UUID,
    match: MatchNote,
    received_at: datetime,
    actor: str,
) -> Receipt:
    def create() -> ReferralRecord:
        record = ReferralRecord(
            case=case,
            flow_run_id=flow_run_id,
            received_on=referral.received_on,
            referrer_type=referral.referrer_type,
            payload=referral.model_dump(mode="json"),
            recorded_at=received_at,
        )
        session.add(record)
        session.flush()
        # The score and why; never the child's name or what the referrer wrote.
        case_events.append_event(
            session=session,
            case_id=case.id,
            event=FurtherReferralReceived(
                referral_id=record.id,
                flow_run_id=flow_run_id,
                received_on=referral.received_on,
                referrer_type=referral.referrer_type,
                score=match.score,
                reasons=list(match.reasons),
                safeguarding_indicators=list(referral.safeguarding_indicators),
            ),
            actor=actor,
            occurred_at=received_at,
        )
        return record

    # The same run, racing itself: the first record wins.
    record, created = create_once(
        session=session,
        create=create,
        reread=lambda: get_referral_by_flow_run(session=session, flow_run_id=flow_run_id),
    )
    if not created:
        return _receipt_of(record, flow_run_id)
    return Receipt(case=case, referral=record, further_referral=True, matches=(match,))


def _note_possible_duplicate(session: Session, case: Case, near: MatchNote, at: datetime) -> None:
    other = cases.get_case(session=session, reference=near.reference)
    assert other is not None
    for this, that in ((case, other), (other, case)):
        case_events.append_event(
            session=session,
            case_id=this.id,
            event=PossibleDuplicate(
                other_reference=that.reference, score=near.score, reasons=list(near.reasons)
            ),
            actor="cme-automation",
            occurred_at=at,
        )


def _receipt_of(record: ReferralRecord, flow_run_id: UUID) -> Receipt:
    case = record.case
    if case.flow_run_id == flow_run_id:
        # The run's own case: its near matches are in its history already.
        return Receipt(case=case, referral=record, further_referral=False, matches=())
    session = Session.object_session(record)
    assert session is not None
    matches = tuple(
        MatchNote(
            reference=case.reference,
            score=recorded.event.score,
            strength=MatchStrength.CERTAIN.value,
            reasons=tuple(recorded.event.reasons),
        )
        for recorded in case_events.read_events(session=session, case_id=case.id)
        if isinstance(recorded.event, FurtherReferralReceived)
        and recorded.event.flow_run_id == flow_run_id
    )
    return Receipt(case=case, referral=record, further_referral=True, matches=matches)
