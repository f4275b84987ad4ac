"""Letters and the chronology bundle, driven end to end: a case taken to prosecution referral
leaves each letter on disk with the checksum the case database holds, links it in the form that
confirms its service, serves it over HTTP, never produces a letter twice, and leaves a chronology
that lists them."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path

import pytest
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.deployments import run_deployment
from pypdf import PdfReader

from models.enums import LetterKind, Stage
from store import letters
from store.orm import Case, Letter
from store.unit_of_work import bootstrap
from tests.e2e.driver import Driver
from tests.e2e.product import StackClock
from tests.e2e.test_journeys import (
    OFFICER,
    answer_on,
    enquiries,
    located,
    not_satisfied,
    s437_notice,
    sao_served,
    sent_as_stated,
    through_school_place_support,
    to_prosecution_outcome,
)
from tests.factories import make_referral

pytestmark = pytest.mark.e2e


def letters_of(case: Case) -> list[Letter]:
    with bootstrap().transaction() as session:
        made = letters.list_letters(session=session, case_id=case.id)
        session.expunge_all()
        return made


def fetch(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read(), response.headers["Content-Type"]
    except urllib.error.HTTPError as error:
        return error.code, b"", ""


def pdf_text(content: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())


def linked_url(description: str) -> str:
    match = re.search(r"\]\((http://[^)]+\.pdf)\)", description)
    assert match, f"no PDF link in the form's description: {description}"
    return match.group(1)


def test_a_case_taken_to_prosecution_leaves_its_letters_and_chronology(
    driver: Driver, test_clock: StackClock
) -> None:
    settings = bootstrap().settings
    test_clock.move_to(date(2026, 11, 2))  # the day the referral is received
    run_id = driver.open_case(make_referral())
    driver.resume(run_id, "referral-check-reasonable-enquiries", enquiries())
    answer_on(driver, run_id, test_clock, date(2026, 11, 10), "home-visit-visit-1", located())
    through_school_place_support(driver, run_id)
    driver.resume(run_id, "education-enquiry-s437-notice", s437_notice())

    # The letter exists before the form that confirms its service, and the form links it.
    driver.wait_for_form(run_id, "education-enquiry-s437-notice-served-1")
    case = driver.case(run_id)
    (help_letter, first) = letters_of(case)
    assert help_letter.kind is LetterKind.SCHOOL_PLACE_HELP
    assert first.kind is LetterKind.S437_NOTICE
    description = driver.form_description(run_id, "education-enquiry-s437-notice-served-1")
    url = linked_url(description)
    assert url == f"{settings.documents_base_url}/letters/{first.path}"
    assert first.sha256 in description
    status, served, content_type = fetch(url)
    assert (status, content_type) == (200, "application/pdf")
    assert hashlib.sha256(served).hexdigest() == first.sha256
    text = pdf_text(served)
    assert "Sam Testparent" in text and "Alex Sample Testchild" in text
    assert "You must satisfy the council by Monday 7 December 2026" in text
    assert "a place was offered at Example Primary School" in text

    # A restart while the case waits replays the flow from the top: still one letter.
    driver.stack.stop_runners()
    driver.stack.start_runners()
    driver.stack.wait_for_deployments(["cme-case", "case-chronology"])

    # Not sent on the 19th after all: re-issued for Friday 20 November, by hand.
    test_clock.move_to(date(2026, 11, 19))
    driver.resume(
        run_id,
        "education-enquiry-s437-notice-served-1",
        {
            "officer": OFFICER,
            "sent": "reissue",
            "reissue_sent_on": "2026-11-20",
            "reissue_service_method": "by_hand",
        },
    )
    answer_on(
        driver, run_id, test_clock, date(2026, 11, 20),
        "education-enquiry-s437-notice-served-2", sent_as_stated(),
    )  # fmt: skip
    driver.wait_for_form(run_id, "education-enquiry-s437-response")
    case = driver.case(run_id)
    stage = next(s for s in driver.stages(case) if s.name is Stage.EDUCATION_ENQUIRY)
    # By hand on Friday 20 November: 15 days beginning with that day end on Friday 4 December,
    # the date the re-issued letter gives the parent and the case record's expiry alike.
    reissued = letters_of(case)[2]
    assert stage.due_on is not None and stage.due_on.isoformat() == "2026-12-04"
    reissued_text = pdf_text((settings.letters_dir / reissued.path).read_bytes())
    assert "You must satisfy the council by Friday 4 December 2026" in reissued_text

    answer_on(
        driver, run_id, test_clock, date(2026, 12, 8),
        "education-enquiry-s437-response", not_satisfied(),
    )  # fmt: skip
    driver.resume(run_id, "sao-notice-s438-notice", sao_served())
    answer_on(
        driver, run_id, test_clock, date(2026, 12, 14),
        "sao-notice-s438-notice-served-1", sent_as_stated(),
    )  # fmt: skip
    driver.resume(
        run_id,
        "sao-notice-sao-service",
        {
            "officer": OFFICER,
            "decision": "serve_order",
            "parent_choice": "proposed_school",
            "named_school": "Example Primary School",
            "service_method": "by_hand",
            "served_on": "2027-01-05",
        },
    )
    answer_on(
        driver, run_id, test_clock, date(2027, 1, 5),
        "sao-notice-sao-service-served-1", sent_as_stated(),
    )  # fmt: skip
    to_prosecution_outcome(driver, run_id, test_clock)

    # Every letter once, on disk with the checksum the case database holds.
    case = driver.case(run_id)
    letters = letters_of(case)
    assert [letter.kind for letter in letters] == [
        LetterKind.SCHOOL_PLACE_HELP,
        LetterKind.S437_NOTICE,
        LetterKind.S437_NOTICE,  # the re-issue; the first is kept
        LetterKind.S438_NOTICE_OF_INTENTION,
        LetterKind.SCHOOL_ATTENDANCE_ORDER,
        LetterKind.LEGAL_SERVICES_REFERRAL,
    ]
    assert len({letter.natural_key for letter in letters}) == len(letters)
    for letter in letters:
        on_disk = (settings.letters_dir / letter.path).read_bytes()
        assert hashlib.sha256(on_disk).hexdigest() == letter.sha256
        assert letter.path.startswith(f"{case.reference}/")
    order_text = pdf_text((settings.letters_dir / letters[4].path).read_bytes())
    assert "registered pupil at Example Primary School" in order_text
    assert "Sam Testparent" in order_text

    # Legal services got the referral letter and the chronology, as attachments.
    (_admissions, referral_email) = driver.inbox.wait_for(case.reference, count=2)
    attached = {
        str(part.get_filename()): part.get_content() for part in referral_email.iter_attachments()
    }
    assert Path(letters[5].path).name in attached
    assert hashlib.sha256(attached[Path(letters[5].path).name]).hexdigest() == letters[5].sha256
    pdfs = [name for name in attached if name.startswith("chronology-") and name.endswith(".pdf")]
    csvs = [name for name in attached if name.startswith("chronology-") and name.endswith(".csv")]
    assert len(pdfs) == 1 and len(csvs) == 1

    # The chronology on disk lists every letter with its checksum, the reference on every row.
    folder = settings.chronology_dir / case.reference
    (csv_file,) = folder.glob("chronology-*.csv")
    (pdf_file,) = folder.glob("chronology-*.pdf")
    rows = list(csv.DictReader(io.StringIO(csv_file.read_text(encoding="utf-8"))))
    assert {row["case_reference"] for row in rows} == {case.reference}
    letter_rows = [row for row in rows if row["what"].startswith("Letter produced")]
    assert len(letter_rows) == len(letters)
    for letter, row in zip(letters, letter_rows, strict=True):
        assert letter.sha256 in row["details"]
    assert [row["when_utc"] for row in rows] == sorted(row["when_utc"] for row in rows)
    chronology_text = pdf_text(pdf_file.read_bytes())
    assert chronology_text.count(f"Chronology of case {case.reference}") >= len(
        PdfReader(pdf_file).pages
    )
    status, _, content_type = fetch(
        f"{settings.documents_base_url}/chronology/{case.reference}/{csv_file.name}"
    )
    assert (status, content_type) == (200, "text/csv; charset=utf-8")

    # The outcome closes the case; the school that referred gets a closing letter.
    test_clock.move_to(date(2027, 3, 2))
    driver.resume(
        run_id,
        "prosecution-referral-prosecution-outcome",
        {"officer": OFFICER, "outcome": "convicted", "decided_on": "2027-03-02"},
    )
    run = driver.wait_until_final(run_id)
    assert run.state is not None and run.state.type is StateType.COMPLETED
    closing = letters_of(case)[-1]
    assert closing.kind is LetterKind.REFERRER_CLOSING_LETTER
    assert len(letters_of(case)) == len(letters) + 1
    closing_text = pdf_text((settings.letters_dir / closing.path).read_bytes())
    assert "Dear Attendance Lead" in closing_text and "Prosecution: convicted" in closing_text
    assert len(driver.inbox.about(case.reference)) == 2  # nothing was sent twice
    # The letters name the parent and the address; Prefect's persisted results never do.
    results = list(settings.results_dir.iterdir())
    assert results, "no persisted results: this check would prove nothing"
    personal = ("Sam Testparent", "1 Example Street", "Alex Sample")
    assert not [f.name for f in results if any(p in f.read_text(errors="ignore") for p in personal)]

    # On request, the case-chronology deployment writes a newer chronology beside the first.
    chronology_run = run_deployment(
        "case-chronology/case-chronology",
        parameters={"reference": case.reference},
        timeout=180,
    )
    assert isinstance(chronology_run, FlowRun)
    assert chronology_run.state is not None
    assert chronology_run.state.type is StateType.COMPLETED
    assert len(list(folder.glob("chronology-*.pdf"))) == 2
    newest = max(folder.glob("chronology-*.csv"))
    newest_rows = list(csv.DictReader(io.StringIO(newest.read_text(encoding="utf-8"))))
    assert any("Closing letter to the referrer" in row["what"] for row in newest_rows)


def test_the_documents_server_serves_only_letters_and_chronologies(driver: Driver) -> None:
    base = bootstrap().settings.documents_base_url
    for path in (
        "/cases.db",
        "/letters/../cases.db",
        "/letters/%2e%2e/cases.db",
        "/results/anything.json",
        "/letters/",
        "/chronology",
    ):
        status, _, _ = fetch(base + path)
        assert status == 404, path
