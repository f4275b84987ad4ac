"""The person store keeps only argon2 hashes, refuses the disabled at once, and the access log is
append-only."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError

from models.access import AccessRecord, Role
from store import access_log, people
from store.database import session_scope
from store.orm import AppendOnlyError, PersonRecord

AT = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"


def _add_alice(engine: Engine) -> None:
    with session_scope(engine) as session:
        people.add_person(
            session=session, username="alice", display_name="Alice Officer",
            roles=[Role.OFFICER], password=PASSWORD, now=AT, team_id="cme-officer-dspl-1-5",
        )  # fmt: skip


def test_the_password_is_stored_only_as_an_argon2id_hash(engine: Engine) -> None:
    _add_alice(engine)
    with session_scope(engine) as session:
        stored = session.scalars(select(PersonRecord.password_hash)).one()
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_the_right_password_signs_in_and_a_wrong_one_or_unknown_name_does_not(
    engine: Engine,
) -> None:
    _add_alice(engine)
    with session_scope(engine) as session:
        alice = people.verify_credentials(session=session, username="alice", password=PASSWORD)
        assert alice is not None
        assert alice.team_id == "cme-officer-dspl-1-5"
        assert alice.roles == {Role.OFFICER}
        assert (
            people.verify_credentials(session=session, username="alice", password="x" * 12) is None
        )
        assert people.verify_credentials(session=session, username="bob", password=PASSWORD) is None


def test_a_disabled_person_is_refused_and_a_reset_changes_the_fingerprint(engine: Engine) -> None:
    _add_alice(engine)
    with session_scope(engine) as session:
        before = people.password_fingerprint(session=session, username="alice")
        people.set_password(
            session=session, username="alice", password="a new long password", now=AT
        )
        after = people.password_fingerprint(session=session, username="alice")
        assert before is not None and after is not None and before != after
        people.set_disabled(session=session, username="alice", disabled=True, now=AT)
        assert (
            people.verify_credentials(
                session=session, username="alice", password="a new long password"
            )
            is None
        )
        assert people.password_fingerprint(session=session, username="alice") is None


@pytest.mark.parametrize(
    ("username", "password", "field"),
    [("Alice Smith", PASSWORD, "username"), ("alice", "short", "password")],
)
def test_a_bad_username_or_short_password_is_refused_naming_the_field(
    engine: Engine, username: str, password: str, field: str
) -> None:
    with session_scope(engine) as session, pytest.raises(people.PersonError, match=f"^{field}:"):
        people.add_person(
            session=session, username=username, display_name="A", roles=[Role.OFFICER],
            password=password, now=AT,
        )  # fmt: skip


def test_the_access_log_is_append_only_in_the_orm_and_in_the_database(engine: Engine) -> None:
    run = uuid4()
    with session_scope(engine) as session:
        access_log.record_access(
            session=session,
            record=AccessRecord(
                occurred_at=AT, username="alice", channel="prefect", action="resume",
                method="POST", path=f"/api/flow_runs/{run}/resume", status_code=201,
                flow_run_id=run, case_reference="CME-2026-00001",
            ),
        )  # fmt: skip
    with session_scope(engine) as session:
        [entry] = access_log.for_flow_run(session=session, flow_run_id=run)
        assert (entry.username, entry.action, entry.case_reference) == (
            "alice", "resume", "CME-2026-00001",
        )  # fmt: skip
        assert access_log.for_case(session=session, reference="CME-2026-00001") == [entry]
    with pytest.raises(DBAPIError), engine.begin() as connection:
        connection.execute(text("UPDATE access_log SET username = 'mallory'"))
    with pytest.raises(AppendOnlyError), session_scope(engine) as session:
        from store.orm import AccessLogEntry

        session.delete(session.scalars(select(AccessLogEntry)).one())
        session.flush()


def test_the_sign_in_state_is_the_person_as_stored_now_and_their_hash(engine: Engine) -> None:
    _add_alice(engine)
    with session_scope(engine) as session:
        assert people.sign_in_state(session=session, username="nobody") is None
        state = people.sign_in_state(session=session, username="alice")
        assert state is not None
        alice, first_hash = state
        assert (alice.username, alice.team_id, alice.disabled) == (
            "alice",
            "cme-officer-dspl-1-5",
            False,
        )
        assert first_hash is not None and first_hash.startswith("$argon2id$")
        people.set_password(session=session, username="alice", password="another password", now=AT)
        people.set_disabled(session=session, username="alice", disabled=True, now=AT)
        state = people.sign_in_state(session=session, username="alice")
        assert state is not None
        assert state[0].disabled
        assert state[1] != first_hash
