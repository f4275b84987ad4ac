"""Letters and chronologies written by the tasks themselves (without Prefect's cache), against
the real case database: a second call under the same key writes nothing; the chronology lists
every letter with its checksum."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine

from adapters.settings import Settings
from models.calendar import ServiceMethod
from models.case import CaseHandle
from models.case_events import RegimeChosen
from models.enums import ClosureOutcome, LetterKind, ReferrerType
from models.letters import NoticeRequest
from models.regime import RegimeId
from store import case_events, cases, letters, notifications
from store.database import session_scope
from store.unit_of_work import bootstrap, reset
from tasks.chronology import write_chronology
from tasks.letters import produce_closing_letter, produce_notice_letter
from tests.factories import make_referral

OPENED_AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
REQUEST = NoticeRequest(
    kind=LetterKind.S437_NOTICE,
    parent="Sam Testparent",
    service_method=ServiceMethod.FIRST_CLASS_POST,
    sent_on=date(2026, 11, 19),
    period_days=15,
)


@pytest.fixture
def settings(
    engine: Engine, case_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    monkeypatch.setenv("CME_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CME_DATABASE_URL", case_database_url)
    reset()
    try:
        yield bootstrap().settings
    finally:
        reset()


def open_case(engine: Engine, **referral: object) -> CaseHandle:
    with session_scope(engine) as session:
        case = cases.open_case(
            session=session, referral=make_referral(**referral), flow_run_id=None,
            officer_id="cme-officer-dspl-6-9", dspl_area=7, config_version="test",
            opened_at=OPENED_AT, actor="intake",
        )  # fmt: skip
        return CaseHandle(
            case_id=case.id, reference=case.reference, officer_id=case.officer_id, dspl_area=7
        )


def close(engine: Engine, case: CaseHandle, outcome: ClosureOutcome) -> None:
    with session_scope(engine) as session:
        cases.close_case(
            session=session, case_id=case.case_id, outcome=outcome, closed_at=OPENED_AT,
            actor="test", reason=None,
        )  # fmt: skip


def text_of(path: Path) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(path).pages).split())


def test_a_second_call_under_the_same_key_writes_no_second_letter(
    engine: Engine, settings: Settings
) -> None:
    case = open_case(engine)
    first = produce_notice_letter.fn(case, "education-enquiry-s437-notice-1", REQUEST)
    again = produce_notice_letter.fn(case, "education-enquiry-s437-notice-1", REQUEST)

    assert again == first
    files = list((settings.letters_dir / case.reference).glob("*.pdf"))
    assert files == [settings.letters_dir / first.path]
    assert hashlib.sha256(files[0].read_bytes()).hexdigest() == first.sha256
    assert first.url == f"{settings.documents_base_url}/letters/{first.path}"
    with session_scope(engine) as session:
        (letter,) = letters.list_letters(session=session, case_id=case.case_id)
        assert letter.template == "letters/s437_notice.html.j2"
        assert len(letter.template_version) == 64
    assert "You must satisfy the council by Monday 7 December 2026" in text_of(files[0])


def test_a_notice_names_the_law_recorded_for_the_case_and_without_one_the_law_in_force(
    engine: Engine, settings: Settings
) -> None:
    recorded, unrecorded = open_case(engine), open_case(engine)
    with session_scope(engine) as session:
        # As a case's formal stage recorded it when it began, under a name a release may change.
        case_events.append_event(
            session=session, case_id=recorded.case_id,
            event=RegimeChosen(
                regime=RegimeId.EDUCATION_ACT_1996, name="Education Act 1996, ss437-443",
                commenced_on=None,
            ),
            actor="system", occurred_at=OPENED_AT,
        )  # fmt: skip

    named = produce_notice_letter.fn(recorded, "education-enquiry-s437-notice-1", REQUEST)
    in_force = produce_notice_letter.fn(unrecorded, "education-enquiry-s437-notice-1", REQUEST)

    text = text_of(settings.letters_dir / named.path)
    assert "Notice under section 437(1) of the Education Act 1996: Requirement" in text
    assert "Law applied: Education Act 1996, ss437-443" in text
    assert "Law applied: Education Act 1996, sections 437 to 443" in text_of(
        settings.letters_dir / in_force.path
    )


def test_a_closing_letter_goes_to_a_named_school_referrer_with_the_outcome(
    engine: Engine, settings: Settings
) -> None:
    case = open_case(engine)
    assert produce_closing_letter.fn(case) is None  # not before the case is closed
    close(engine, case, ClosureOutcome.SAO_COMPLIED)

    letter = produce_closing_letter.fn(case)

    assert letter is not None and letter.kind is LetterKind.REFERRER_CLOSING_LETTER
    text = text_of(settings.letters_dir / letter.path)
    assert "Dear Attendance Lead" in text and "Example Primary School" in text
    assert "SAO complied with" in text
    assert produce_closing_letter.fn(case) == letter


def test_an_anonymous_referrer_gets_no_closing_letter(engine: Engine, settings: Settings) -> None:
    case = open_case(
        engine, referrer_type=ReferrerType.ANONYMOUS, referrer_name=None,
        referrer_organisation=None, referrer_contact=None,
    )  # fmt: skip
    close(engine, case, ClosureOutcome.MOVED_ABROAD_CONFIRMED)
    assert produce_closing_letter.fn(case) is None


def test_the_chronology_lists_every_letter_with_its_checksum_and_the_reference(
    engine: Engine, settings: Settings
) -> None:
    case = open_case(engine)
    notice = produce_notice_letter.fn(case, "education-enquiry-s437-notice-1", REQUEST)
    with session_scope(engine) as session:
        notifications.claim_notification(
            session=session, natural_key=f"{case.reference}:x:other_la_notice:1",
            case_id=case.case_id, kind="other_la_notice", recipients=["cme@luton.example"],
            subject=f"[{case.reference}] notice", claimed_at=OPENED_AT,
        )  # fmt: skip

    bundle = write_chronology(case.reference, "test")

    csv_path = settings.chronology_dir / bundle.csv_path
    pdf_path = settings.chronology_dir / bundle.pdf_path
    assert hashlib.sha256(csv_path.read_bytes()).hexdigest() == bundle.csv_sha256
    assert hashlib.sha256(pdf_path.read_bytes()).hexdigest() == bundle.pdf_sha256
    rows = list(csv.DictReader(io.StringIO(csv_path.read_text(encoding="utf-8"))))
    assert {row["case_reference"] for row in rows} == {case.reference}
    whats = [row["what"] for row in rows]
    assert whats[0] == "Case opened"
    (letter_row,) = [row for row in rows if row["what"].startswith("Letter produced")]
    assert notice.sha256 in letter_row["details"]
    assert any(what.startswith("Notification not sent yet") for what in whats)
    assert f"Chronology of case {case.reference}" in text_of(pdf_path)
    with session_scope(engine) as session:
        kinds = [e.kind for e in case_events.list_events(session=session, case_id=case.case_id)]
        assert kinds[-1] == "chronology_produced"


def test_the_chronology_of_an_unknown_case_names_the_reference(settings: Settings) -> None:
    with pytest.raises(LookupError, match="reference: no case 'CME-1999-00001'"):
        write_chronology("CME-1999-00001", "test")
