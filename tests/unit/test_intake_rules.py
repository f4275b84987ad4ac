"""The pure rules of intake meeting open cases: where to look, what a match does, what is kept."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from models.case_events import (
    CaseEventPayload,
    CaseOpened,
    ClosureRequested,
    FurtherReferralReceived,
    PossibleDuplicate,
    RecordedEvent,
)
from models.enums import ClosureOutcome, ReferrerType
from models.intake import MatchNote, birth_dates_to_search
from models.new_pupil_intake import closure_reason, decide_row, pupil_key
from models.school_returns import NewPupilReturnRow
from tasks.summary import intake_notes


def _row(**overrides: Any) -> NewPupilReturnRow:
    fields: dict[str, Any] = {
        "pupil_forenames": "Alex Sample",
        "pupil_surname": "Testchild",
        "pupil_aliases": (),
        "address": "1 Example Street, St Albans",
        "postcode": "AL1 3ER",
        "school_name": "Example Academy",
        "school_urn": "999002",
        "admission_date": date(2026, 11, 20),
        "date_of_birth": date(2015, 3, 14),
    }
    fields.update(overrides)
    return NewPupilReturnRow.model_validate(fields)


def _match(reference: str, strength: str, score: float = 0.95) -> MatchNote:
    return MatchNote(reference=reference, score=score, strength=strength, reasons=("x",))


def test_a_child_is_searched_under_the_date_given_and_day_and_month_transposed() -> None:
    assert birth_dates_to_search(date(2015, 3, 4)) == [date(2015, 3, 4), date(2015, 4, 3)]


def test_no_transposed_date_is_searched_when_there_is_none() -> None:
    assert birth_dates_to_search(date(2015, 3, 14)) == [date(2015, 3, 14)]  # no 14th month
    assert birth_dates_to_search(date(2015, 5, 5)) == [date(2015, 5, 5)]


def test_the_same_pupil_written_differently_has_the_same_key_and_no_name_in_it() -> None:
    key = pupil_key(_row())

    assert key == pupil_key(_row(pupil_forenames="  alex   SAMPLE", pupil_surname="TESTCHILD"))
    assert "Testchild" not in key and "testchild" not in key
    assert key != pupil_key(_row(admission_date=date(2026, 11, 21)))
    assert key != pupil_key(_row(school_urn="999001"))


def test_exactly_one_certain_match_closes_that_case() -> None:
    decision = decide_row([_match("CME-2026-00001", "certain")])

    assert decision.outcome == "closure_requested"
    assert decision.match is not None and decision.match.reference == "CME-2026-00001"


def test_two_certain_matches_close_nothing_and_go_to_review() -> None:
    decision = decide_row(
        [_match("CME-2026-00001", "certain"), _match("CME-2026-00002", "certain")]
    )

    assert decision.outcome == "review" and "several" in decision.note


def test_a_near_match_goes_to_review_and_no_match_is_only_recorded() -> None:
    assert decide_row([_match("CME-2026-00003", "near", 0.8)]).outcome == "review"
    assert decide_row([]) == decide_row([]) and decide_row([]).outcome == "no_match"


def test_the_closure_reason_names_the_school_and_date_never_the_child() -> None:
    reason = closure_reason("NP-2026-00001", 3, _row())

    assert "Example Academy" in reason and "999002" in reason and "2026-11-20" in reason
    assert "Testchild" not in reason and "2015-03-14" not in reason


def test_the_case_summary_notes_further_referrals_duplicates_and_closure_requests() -> None:
    at = datetime(2026, 11, 20, 10, tzinfo=UTC)
    happened: list[CaseEventPayload] = [
        CaseOpened(reference="CME-2026-00001", officer_id="officer", dspl_area=3),
        FurtherReferralReceived(
            referral_id=2, flow_run_id=UUID(int=1), received_on=at.date(),
            referrer_type=ReferrerType.ANONYMOUS, score=0.95, reasons=[],
            safeguarding_indicators=[],
        ),
        PossibleDuplicate(other_reference="CME-2026-00007", score=0.86, reasons=["a", "b"]),
        ClosureRequested(outcome=ClosureOutcome.FOUND_ON_ROLL, reason="On roll.", details={}),
    ]  # fmt: skip
    events = [
        RecordedEvent(
            sequence=n, occurred_at=at, actor="intake", event=event, previous_hash=None, hash=""
        )
        for n, event in enumerate(happened, start=1)
    ]

    assert intake_notes(events) == [
        "2026-11-20: further referral (anonymous) recorded on this case, matched with score 0.95",
        "2026-11-20: possible duplicate of CME-2026-00007 (score 0.86: a, b), for review",
        "2026-11-20: closure requested: On roll.",
    ]
