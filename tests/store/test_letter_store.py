"""The letter table records each letter once per natural key; a re-issue is a new row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from models.enums import Addressee, LetterKind
from store import case_events, cases, letters
from store.database import session_scope
from store.orm import Letter
from tests.factories import make_referral

AT = datetime(2026, 11, 19, 10, 0, tzinfo=UTC)


def _case_id(engine: Engine) -> int:
    with session_scope(engine) as session:
        case = cases.open_case(
            session=session, referral=make_referral(), flow_run_id=None,
            officer_id="cme-officer-dspl-6-9", dspl_area=7, config_version="test",
            opened_at=AT, actor="intake",
        )  # fmt: skip
        return case.id


def _record(engine: Engine, case_id: int, key: str, sha256: str) -> Letter:
    with session_scope(engine) as session:
        return letters.record_letter(
            session=session,
            case_id=case_id,
            natural_key=key,
            kind=LetterKind.S437_NOTICE,
            addressed_to=Addressee.PARENT,
            path=f"CME-2026-00001/{key}-{sha256[:12]}.pdf",
            sha256=sha256,
            template="letters/s437_notice.html.j2",
            template_version="f" * 64,
            created_at=AT,
            actor="cme-automation",
        )


def test_a_letter_is_recorded_with_its_checksum_template_and_an_event(engine: Engine) -> None:
    case_id = _case_id(engine)
    letter = _record(engine, case_id, "education-enquiry-s437-notice-1", "a" * 64)
    with session_scope(engine) as session:
        (stored,) = letters.list_letters(session=session, case_id=case_id)
        assert stored.id == letter.id
        assert stored.sha256 == "a" * 64 and stored.template_version == "f" * 64
        assert stored.kind is LetterKind.S437_NOTICE
        assert stored.addressed_to is Addressee.PARENT
        assert stored.created_at == AT and stored.created_at.tzinfo is not None
        events = case_events.list_events(session=session, case_id=case_id)
        produced = [e for e in events if e.kind == "letter_produced"]
        assert len(produced) == 1 and produced[0].payload["sha256"] == "a" * 64


def test_recording_the_same_key_again_returns_the_first_letter_and_adds_no_event(
    engine: Engine,
) -> None:
    case_id = _case_id(engine)
    first = _record(engine, case_id, "education-enquiry-s437-notice-1", "a" * 64)
    again = _record(engine, case_id, "education-enquiry-s437-notice-1", "b" * 64)
    assert again.id == first.id and again.sha256 == "a" * 64
    with session_scope(engine) as session:
        assert len(letters.list_letters(session=session, case_id=case_id)) == 1
        kinds = [e.kind for e in case_events.list_events(session=session, case_id=case_id)]
        assert kinds.count("letter_produced") == 1


def test_a_reissued_letter_is_a_new_row_and_the_old_one_is_kept(engine: Engine) -> None:
    case_id = _case_id(engine)
    _record(engine, case_id, "education-enquiry-s437-notice-1", "a" * 64)
    _record(engine, case_id, "education-enquiry-s437-notice-2", "b" * 64)
    with session_scope(engine) as session:
        made = letters.list_letters(session=session, case_id=case_id)
        assert [x.natural_key[-1] for x in made] == ["1", "2"]


def test_the_database_refuses_a_second_letter_under_one_key(engine: Engine) -> None:
    case_id = _case_id(engine)
    _record(engine, case_id, "k-1", "a" * 64)
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(
            Letter(
                case_id=case_id, kind=LetterKind.S437_NOTICE, natural_key="k-1",
                addressed_to=Addressee.PARENT, path="x.pdf", sha256="c" * 64,
                template="t", template_version="v" * 64, created_at=AT,
            )
        )  # fmt: skip
        session.flush()


def test_a_naive_timestamp_is_refused(engine: Engine) -> None:
    case_id = _case_id(engine)
    with pytest.raises(ValueError, match="created_at"), session_scope(engine) as session:
        letters.record_letter(
            session=session, case_id=case_id, natural_key="k", kind=LetterKind.S437_NOTICE,
            addressed_to=Addressee.PARENT, path="x.pdf", sha256="a" * 64, template="t",
            template_version="v" * 64, created_at=(AT - timedelta(hours=1)).replace(tzinfo=None),
            actor="x",
        )  # fmt: skip
