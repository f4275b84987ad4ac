"""Intake joins a referral to the open case of the same child, and a closure decided outside a
case waits once in the case database for the case's run to carry it out."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from models.enums import ClosureOutcome, ReferrerType, Stage
from models.matching import MatchThresholds
from models.referral import Referral
from store import case_events, cases, closure_requests, new_pupils, referrals
from store.database import session_scope
from tests.factories import make_referral

AT = datetime(2026, 11, 2, 9, 15, tzinfo=UTC)
OFFICER = "cme-officer-dspl-6-9"


def _receive(session: Session, referral: Referral, run: uuid.UUID | None = None) -> Any:
    return referrals.receive_referral(
        session=session,
        referral=referral,
        flow_run_id=run or uuid.uuid4(),
        thresholds=MatchThresholds(),
        officer_id=OFFICER,
        dspl_area=7,
        config_version="2026.1",
        received_at=AT,
        actor="cme-automation",
    )


def _kinds(session: Session, case_id: int) -> list[str]:
    return [e.kind for e in case_events.list_events(session=session, case_id=case_id)]


def anonymous(**overrides: Any) -> Referral:
    fields: dict[str, Any] = {
        "referrer_type": ReferrerType.ANONYMOUS,
        "referrer_name": None,
        "referrer_organisation": None,
        "referrer_contact": None,
    }
    fields.update(overrides)
    return make_referral(**fields)


def test_a_referral_about_a_child_with_an_open_case_is_recorded_on_that_case(
    session: Session,
) -> None:
    first = _receive(session, make_referral())
    # A typo in the surname, the legal name given as an alias, no postcode in common.
    again = _receive(
        session,
        anonymous(child_surname="Testchlid", child_aliases=["Alex Sample Testchild"],
                  postcode="SG1 1AA"),
    )  # fmt: skip

    assert again.further_referral and again.case.id == first.case.id
    assert [r.id for r in first.case.referrals] == [first.referral.id, again.referral.id]
    assert cases.get_case(session=session, reference="CME-2026-00002") is None
    [event] = [
        e
        for e in case_events.list_events(session=session, case_id=first.case.id)
        if e.kind == "further_referral_received"
    ]
    assert event.payload["score"] >= 0.9 and "alias equal" in event.payload["reasons"]
    assert event.payload["referrer_type"] == "anonymous"
    assert "Testchlid" not in str(event.payload) and "Testchild" not in str(event.payload)


def test_a_replayed_run_finds_its_further_referral_and_records_nothing_again(
    session: Session,
) -> None:
    _receive(session, make_referral())
    run = uuid.uuid4()
    once = _receive(session, anonymous(), run)
    twice = _receive(session, anonymous(), run)

    assert twice.further_referral and twice.referral.id == once.referral.id
    assert twice.matches == once.matches
    assert _kinds(session, once.case.id).count("further_referral_received") == 1
    assert len(once.case.referrals) == 2


def test_a_replayed_run_finds_the_case_it_opened(session: Session) -> None:
    run = uuid.uuid4()
    once = _receive(session, make_referral(), run)
    twice = _receive(session, make_referral(), run)

    assert not twice.further_referral and twice.case.id == once.case.id
    assert once.case.flow_run_id == run and once.referral.flow_run_id == run


def test_a_near_match_opens_a_new_case_noting_the_possible_duplicate_on_both(
    session: Session,
) -> None:
    first = _receive(session, make_referral())
    # Only a typo: similar names count at most 0.8, so this is near, never certain.
    near = _receive(session, make_referral(child_surname="Testchlid", child_aliases=[]))

    assert not near.further_referral and near.case.id != first.case.id
    [note] = near.matches
    assert (note.reference, note.strength) == (first.case.reference, "near")
    assert "possible_duplicate" in _kinds(session, near.case.id)
    assert "possible_duplicate" in _kinds(session, first.case.id)


def test_day_and_month_transposed_is_searched_and_found_near(session: Session) -> None:
    first = _receive(session, make_referral(child_date_of_birth=date(2015, 3, 4)))
    swapped = _receive(session, make_referral(child_date_of_birth=date(2015, 4, 3)))

    assert not swapped.further_referral
    assert [m.reference for m in swapped.matches] == [first.case.reference]


def test_a_closed_case_is_not_joined(session: Session) -> None:
    first = _receive(session, make_referral())
    cases.close_case(
        session=session, case_id=first.case.id, outcome=ClosureOutcome.FOUND_ON_ROLL,
        closed_at=AT, actor="test", reason=None,
    )  # fmt: skip
    again = _receive(session, make_referral())

    assert not again.further_referral and again.case.id != first.case.id


def test_another_child_born_the_same_day_opens_its_own_case(session: Session) -> None:
    first = _receive(session, make_referral())
    other = _receive(
        session, make_referral(child_forenames="Jordan", child_surname="Otherchild",
                               child_aliases=[])
    )  # fmt: skip

    assert not other.further_referral and other.matches == ()
    assert other.case.id != first.case.id


def test_a_closure_request_is_recorded_once_per_case_and_carried_out_once(
    engine: Engine,
) -> None:
    with session_scope(engine) as session:
        case = _receive(session, make_referral()).case
        details = {"school_urn": "999002", "admission_date": "2026-11-20"}
        request, recorded = closure_requests.request_closure(
            session=session, case_id=case.id, outcome=ClosureOutcome.FOUND_ON_ROLL,
            reason="new-pupil return NP-2026-00001", requested_by="new-pupil-return",
            details=details, requested_at=AT,
        )  # fmt: skip
        again, recorded_again = closure_requests.request_closure(
            session=session, case_id=case.id, outcome=ClosureOutcome.FOUND_ON_ROLL,
            reason="new-pupil return NP-2026-00002", requested_by="new-pupil-return",
            details={}, requested_at=AT,
        )  # fmt: skip
        assert (recorded, recorded_again) == (True, False)
        assert again.id == request.id and again.reason.endswith("00001")
        case_id = case.id

    with session_scope(engine) as session:
        for _ in range(2):
            closure_requests.mark_closure_carried_out(
                session=session, case_id=case_id, stage=Stage.REFERRAL_CHECK, at=AT
            )
        stored = closure_requests.get_closure_request(session=session, case_id=case_id)
        assert stored is not None and stored.applied_stage is Stage.REFERRAL_CHECK
        kinds = _kinds(session, case_id)
        assert kinds.count("closure_requested") == 1
        assert kinds.count("closure_request_carried_out") == 1


def test_a_closed_case_cannot_be_asked_to_close(session: Session) -> None:
    case = _receive(session, make_referral()).case
    cases.close_case(
        session=session, case_id=case.id, outcome=ClosureOutcome.NOT_CME,
        closed_at=AT, actor="test", reason=None,
    )  # fmt: skip
    with pytest.raises(ValueError, match="is closed"):
        closure_requests.request_closure(
            session=session, case_id=case.id, outcome=ClosureOutcome.FOUND_ON_ROLL,
            reason="r", requested_by="x", details={}, requested_at=AT,
        )  # fmt: skip


def _record(session: Session, return_id: int, key: str, outcome: str, line: int = 2) -> Any:
    return new_pupils.record_row(
        session=session, return_id=return_id, row_number=line, natural_key=key,
        school_urn="999002", outcome=outcome, case_reference="CME-2026-00001", score=0.8,
        reasons=["surname similar"], payload={"pupil_surname": "Testchild"}, recorded_at=AT,
    )  # fmt: skip


def test_a_return_is_recorded_once_by_its_sha_and_a_pupil_once_by_its_key(engine: Engine) -> None:
    with session_scope(engine) as session:
        first = new_pupils.claim_return(
            session=session, sha256="ab" * 32, file_name="a.csv", received_at=AT
        )
        again = new_pupils.claim_return(
            session=session, sha256="ab" * 32, file_name="renamed.csv", received_at=AT
        )
        assert again.id == first.id and again.file_name == "a.csv"
        assert first.reference == f"NP-2026-{first.id:05d}"
        row, recorded = _record(session, first.id, "k1", new_pupils.REVIEW)
        same, recorded_again = _record(session, first.id, "k1", new_pupils.NO_MATCH, 5)
        assert (recorded, recorded_again) == (True, False)
        assert same.id == row.id and same.outcome == new_pupils.REVIEW
        new_pupils.complete_return(
            session=session, return_id=first.id, rows_read=3, rows_quarantined=1,
            problem=None, completed_at=AT,
        )  # fmt: skip
        return_id = first.id

    with session_scope(engine) as session:
        stored = new_pupils.get_return(session=session, sha256="ab" * 32)
        assert stored is not None and stored.completed_at == AT
        assert (stored.rows_read, stored.rows_quarantined) == (3, 1)
        assert [r.natural_key for r in new_pupils.list_rows(
            session=session, return_id=return_id)] == ["k1"]  # fmt: skip


def test_the_review_list_holds_near_matches_until_reviewed(session: Session) -> None:
    entry = new_pupils.claim_return(
        session=session, sha256="cd" * 32, file_name="b.csv", received_at=AT
    )
    near, _ = _record(session, entry.id, "near", new_pupils.REVIEW)
    _record(session, entry.id, "closing", new_pupils.CLOSURE_REQUESTED, 3)
    _record(session, entry.id, "unknown", new_pupils.NO_MATCH, 4)

    assert [r.id for r in new_pupils.list_open_reviews(session=session)] == [near.id]
    near.reviewed_at = AT
    session.flush()
    assert new_pupils.list_open_reviews(session=session) == []


def test_a_near_match_leaves_the_review_list_when_its_case_closes(session: Session) -> None:
    case = _receive(session, make_referral()).case
    entry = new_pupils.claim_return(
        session=session, sha256="ef" * 32, file_name="c.csv", received_at=AT
    )
    new_pupils.record_row(
        session=session, return_id=entry.id, row_number=2, natural_key="near-open",
        school_urn="999002", outcome=new_pupils.REVIEW, case_reference=case.reference,
        score=0.8, reasons=[], payload={}, recorded_at=AT,
    )  # fmt: skip
    assert len(new_pupils.list_open_reviews(session=session)) == 1

    cases.close_case(
        session=session, case_id=case.id, outcome=ClosureOutcome.FOUND_ON_ROLL,
        closed_at=AT, actor="officer", reason=None,
    )  # fmt: skip
    assert new_pupils.list_open_reviews(session=session) == []
