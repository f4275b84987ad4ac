"""The register of children not in school in a real case database: an entry is made once per
run, its history records each event once, a support request is answered once, and an entry
leaves the register's scope once, found by matching the child."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from models.matching import ChildIdentity, MatchThresholds
from models.register import (
    EntryStatus,
    InformationUpdate,
    Provider,
    RegisterApplication,
    SupportAnswer,
    SupportOutcome,
    SupportRequest,
)
from store import register
from store.orm import RegisterEntry

TODAY = date(2027, 3, 1)
AT = datetime(2027, 3, 1, 10, tzinfo=UTC)
RUN = uuid.UUID(int=1)


def application(**changes: Any) -> RegisterApplication:
    data: dict[str, Any] = {
        "child_forenames": "Ada",
        "child_surname": "Lovelace",
        "date_of_birth": date(2016, 5, 4),
        "home_address": "1 Example Road, St Albans",
        "home_postcode": "AL1 9ZZ",
        "lives_in_area": True,
        "school_status": "not_registered",
        "living_at_address_since": date(2020, 1, 1),
        "parents": [
            {"name": "Ann Lovelace", "address": "1 Example Road", "provides_education": True}
        ],
        "hours_educated_by_parents": 20,
        "hours_educated_by_others": 5,
    }
    return RegisterApplication.model_validate({**data, **changes})


def registered(session: Session, run: uuid.UUID = RUN) -> RegisterEntry:
    entry, _ = register.register_child(
        session=session,
        application=application(),
        conditions=["not_a_registered_pupil"],
        registered_on=TODAY,
        flow_run_id=run,
        actor="cme-officer-dspl-1-5",
        recorded_at=AT,
    )
    return entry


def test_a_child_is_registered_once_per_run_with_the_home_visit_clock(session: Session) -> None:
    entry = registered(session)
    again, created = register.register_child(
        session=session,
        application=application(),
        conditions=["not_a_registered_pupil"],
        registered_on=TODAY,
        flow_run_id=RUN,
        actor="cme-officer-dspl-1-5",
        recorded_at=AT,
    )
    session.commit()
    assert (again.id, created) == (entry.id, False)
    assert entry.reference == f"CNIS-{entry.id:06d}"
    assert register.get_entry(session=session, reference=entry.reference) is entry
    assert register.get_entry(session=session, reference="CME-2026-00001") is None
    assert entry.home_visit_request_by == date(2027, 3, 16)
    assert entry.content["parents"][0]["provides_education"] is True
    assert [line.kind for line in register.history(session=session, entry_id=entry.id)] == [
        register.REGISTERED
    ]


def test_information_given_is_kept_and_new_estimates_update_the_entry(session: Session) -> None:
    entry = registered(session)
    update = InformationUpdate(
        given_by=Provider.PARENT,
        given_on=date(2027, 4, 20),
        changed_on=date(2027, 4, 1),
        summary="More tutoring",
        hours_educated_by_others=10,
    )
    for _ in range(2):
        register.record_information(
            session=session,
            entry_id=entry.id,
            update=update,
            natural_key="run-2:information",
            actor="cme-officer-dspl-1-5",
            recorded_at=AT,
        )
    session.commit()
    lines = register.history(session=session, entry_id=entry.id)
    assert [line.kind for line in lines] == [register.REGISTERED, register.INFORMATION_GIVEN]
    assert lines[1].due_on == date(2027, 4, 16)
    assert lines[1].details["late"] is True
    assert entry.content["hours_educated_by_others"] == 10
    assert entry.content["hours_educated_by_parents"] == 20


def test_a_home_visit_request_is_recorded_once_with_its_clock(session: Session) -> None:
    entry = registered(session)
    for _ in range(2):
        register.request_home_visit(
            session=session,
            entry=entry,
            requested_on=date(2027, 3, 10),
            natural_key="run-3:home_visit",
            actor="cme-officer-dspl-1-5",
            recorded_at=AT,
        )
    session.commit()
    line = register.history(session=session, entry_id=entry.id)[-1]
    assert (line.kind, line.occurred_on, line.due_on) == (
        register.HOME_VISIT_REQUESTED,
        date(2027, 3, 10),
        date(2027, 3, 16),
    )


def test_a_support_request_is_recorded_and_its_first_answer_stands(session: Session) -> None:
    entry = registered(session)
    request, created = register.record_support_request(
        session=session,
        entry_id=entry.id,
        request=SupportRequest(received_on=TODAY, request="Help with maths resources"),
        natural_key="run-4:support",
        actor="cme-officer-dspl-1-5",
        recorded_at=AT,
    )
    assert created
    for outcome in (SupportOutcome.OFFERED, SupportOutcome.DECLINED):
        register.answer_support_request(
            session=session,
            request_id=request.id,
            answer=SupportAnswer(answered_on=TODAY, outcome=outcome, answer="A tutor is offered"),
            answered_by="cme-officer-dspl-1-5",
            answered_at=AT,
        )
    session.commit()
    assert (request.outcome, request.answered_by) == ("offered", "cme-officer-dspl-1-5")
    assert [line.kind for line in register.history(session=session, entry_id=entry.id)] == [
        register.REGISTERED,
        register.SUPPORT_REQUESTED,
        register.SUPPORT_ANSWERED,
    ]


def test_a_child_found_at_a_school_leaves_the_registers_scope_once(session: Session) -> None:
    entry = registered(session)
    registered(session, run=uuid.UUID(int=2))  # another entry of the same child stays
    pupil = ChildIdentity("Ada", "Lovelace", date(2016, 5, 4), "AL1 9ZZ")
    matches = register.find_in_scope_matches(
        session=session, identity=pupil, thresholds=MatchThresholds()
    )
    assert [match.strength for match in matches] == ["certain", "certain"]
    for _ in range(2):
        register.leave_scope(
            session=session,
            entry_id=entry.id,
            on=date(2027, 4, 12),
            reason="On the admission register of Example Primary School (URN 999001)",
            school_urn="999001",
            actor="new-pupil-return",
            details={"return": "NP-2027-00001", "row": 2},
            recorded_at=AT,
        )
    session.commit()
    assert entry.status == EntryStatus.LEFT_SCOPE.value
    assert (entry.left_scope_on, entry.left_scope_school_urn) == (date(2027, 4, 12), "999001")
    lines = register.history(session=session, entry_id=entry.id)
    assert [line.kind for line in lines] == [register.REGISTERED, register.LEFT_SCOPE]
    assert lines[1].details["return"] == "NP-2027-00001"
    left = register.find_in_scope_matches(
        session=session, identity=pupil, thresholds=MatchThresholds()
    )
    assert len(left) == 1


def test_the_last_request_to_a_provider_is_found_by_its_name(session: Session) -> None:
    entry = registered(session)
    for key, provider, day in (
        ("run-5:provider", "Example  Tutors", date(2027, 3, 1)),
        ("run-6:provider", "Other Academy", date(2027, 3, 20)),
    ):
        register.request_provider_update(
            session=session,
            entry_id=entry.id,
            provider=provider,
            requested_on=day,
            natural_key=key,
            actor="cme-officer-dspl-1-5",
            recorded_at=AT,
        )
    session.commit()
    last = register.last_provider_request_on(
        session=session, entry_id=entry.id, provider="example tutors"
    )
    assert last == date(2027, 3, 1)
    unknown = register.last_provider_request_on(
        session=session, entry_id=entry.id, provider="Nobody"
    )
    assert unknown is None
