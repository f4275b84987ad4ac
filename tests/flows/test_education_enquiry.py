"""Education enquiry, s437(1): the notice approved, served or re-issued, and the answer."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from pypdf import PdfReader

from flows.forms import LetterSent, LetterServed, NoticeDecision, ParentAnswer, S437Response
from models.calendar import ServiceMethod
from models.case_events import EventKind, RegimeChosen
from models.enums import ClosureOutcome, LetterKind, SafeguardingIndicator, Stage
from models.regime import RegimeId
from store import regime
from store.database import session_scope
from store.unit_of_work import bootstrap
from tasks.chronology import write_chronology
from tests.factories import make_referral
from tests.flows.casework import (
    OFFICER,
    Product,
    located,
    only_case,
    run_case,
    s437_notice,
    sent_as_stated,
    to_education_enquiry,
    to_home_visit,
    to_s437_response,
)
from tests.mail import body_of


def test_a_served_notice_sets_the_clock_to_the_end_of_its_period(product: Product) -> None:
    to_s437_response(product)
    ran = run_case(make_referral())
    assert ran.waiting_on == "education-enquiry-s437-response"
    record = only_case(product)
    # Deemed served Mon 23 Nov; 15 days beginning with that day end on Mon 7 Dec 2026.
    assert record.stage(Stage.EDUCATION_ENQUIRY.value).due_on == date(2026, 12, 7)
    assert "2026-12-07" in product.officer.descriptions[ran.waiting_on]
    (help_letter, letter) = record.letters
    assert help_letter.kind is LetterKind.SCHOOL_PLACE_HELP
    assert letter.kind is LetterKind.S437_NOTICE
    assert letter.natural_key == "education-enquiry-s437-notice-1"
    assert letter.path in product.officer.descriptions["education-enquiry-s437-notice-served-1"]
    # The notice names the law recorded for the case as its formal stage began.
    pages = PdfReader(product.home / "letters" / letter.path).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).split())
    assert (
        "Notice under section 437(1) of the Education Act 1996: Requirement to satisfy the local"
        " authority that a child is receiving suitable education Law applied: Education Act 1996,"
        " sections 437 to 443"
    ) in text


def test_a_notice_sent_another_day_is_reissued_and_its_period_counted_from_then(
    product: Product,
) -> None:
    to_education_enquiry(product)
    product.officer.answer("education-enquiry-s437-notice", s437_notice())
    product.officer.answer(
        "education-enquiry-s437-notice-served-1",
        LetterServed(
            officer=OFFICER, sent=LetterSent.REISSUE, reissue_sent_on=date(2026, 11, 23),
            reissue_service_method=ServiceMethod.BY_HAND,
        ),
        on=date(2026, 11, 19),
    )  # fmt: skip
    product.officer.answer(
        "education-enquiry-s437-notice-served-2", sent_as_stated(), on=date(2026, 11, 23)
    )
    ran = run_case(make_referral())
    assert ran.waiting_on == "education-enquiry-s437-response"
    record = only_case(product)
    assert [letter.natural_key for letter in record.letters] == [
        "school-place-support-school-place-help-1",
        "education-enquiry-s437-notice-1",
        "education-enquiry-s437-notice-2",
    ]
    # Handed over Mon 23 Nov: served that day; 15 days beginning with it end on Mon 7 Dec.
    assert record.stage(Stage.EDUCATION_ENQUIRY.value).due_on == date(2026, 12, 7)


def test_a_concern_raised_at_a_visit_escalates_once(product: Product) -> None:
    to_home_visit(product)
    product.officer.answer(
        "home-visit-visit-1",
        located(safeguarding_indicators=[SafeguardingIndicator.EXPLOITATION_OR_TRAFFICKING]),
    )
    ran = run_case(make_referral())
    assert ran.waiting_on == "school-place-support-place-request"
    record = only_case(product)
    (escalation,) = product.inbox.wait_for(record.case.reference)
    assert "Safeguarding" in str(escalation["Subject"])
    assert "mash@example.gov.uk" in escalation["X-Envelope-To"]
    assert "exploitation" in body_of(escalation).lower()
    assert record.events.count("safeguarding_escalation") == 1


def test_the_notice_can_be_withheld_and_the_case_closed(product: Product) -> None:
    to_education_enquiry(product)
    product.officer.answer(
        "education-enquiry-s437-notice",
        s437_notice(decision=NoticeDecision.CLOSE_CASE,
                    closure_outcome=ClosureOutcome.EDUCATION_OTHERWISE_S19),
    )  # fmt: skip
    ran = run_case(make_referral())
    record = only_case(product)
    assert ran.reference == record.case.reference
    assert record.case.closure_outcome is ClosureOutcome.EDUCATION_OTHERWISE_S19
    # No notice; the school that referred the child is told the case closed.
    assert [letter.kind for letter in record.letters] == [
        LetterKind.SCHOOL_PLACE_HELP,
        LetterKind.REFERRER_CLOSING_LETTER,
    ]


@pytest.mark.parametrize(
    ("answer", "details", "outcome"),
    [
        (ParentAnswer.SUITABLE_EDUCATION_SHOWN, {"notes": "Portfolio seen."},
         ClosureOutcome.ELECTIVE_HOME_EDUCATION),
        (ParentAnswer.REGISTERED_AT_SCHOOL, {"school_name": "Sample Academy"},
         ClosureOutcome.FOUND_ON_ROLL),
        (ParentAnswer.CLOSE_CASE, {"closure_outcome": ClosureOutcome.CSA_ENDED},
         ClosureOutcome.CSA_ENDED),
    ],
)  # fmt: skip
def test_a_parent_who_satisfies_the_la_closes_the_case(
    product: Product, answer: ParentAnswer, details: dict[str, Any], outcome: ClosureOutcome
) -> None:
    to_s437_response(product)
    # Before the period ends: a parent may satisfy the council on any day of it.
    product.officer.answer(
        "education-enquiry-s437-response",
        S437Response(officer=OFFICER, answer=answer, decided_on=date(2026, 11, 30), **details),
        on=date(2026, 11, 30),
    )
    ran = run_case(make_referral())
    record = only_case(product)
    assert ran.reference == record.case.reference
    assert record.case.closure_outcome is outcome
    assert record.case.current_stage is Stage.EDUCATION_ENQUIRY


@pytest.mark.parametrize("answer", [ParentAnswer.NOT_SATISFIED, ParentAnswer.NO_ANSWER])
def test_a_parent_who_does_not_satisfy_the_la_goes_on_to_the_sao_notice(
    product: Product, answer: ParentAnswer
) -> None:
    to_s437_response(product)
    product.officer.answer(
        "education-enquiry-s437-response",
        S437Response(officer=OFFICER, answer=answer, expedient_that_child_attend_school=True,
                     decided_on=date(2026, 12, 8)),
        on=date(2026, 12, 8),
    )  # fmt: skip
    ran = run_case(make_referral())
    assert ran.waiting_on == "sao-notice-s438-notice"
    assert only_case(product).case.current_stage is Stage.SAO_NOTICE


def test_the_formal_stage_records_the_law_it_runs_under_once_and_shows_it(
    product: Product,
) -> None:
    to_education_enquiry(product)
    ran = run_case(make_referral())
    assert ran.waiting_on == "education-enquiry-s437-notice"
    record = only_case(product)
    assert record.events.count(EventKind.REGIME_CHOSEN) == 1
    # Recorded as the formal stage began, in the same transaction: straight after its start.
    started = len(record.events) - 1 - record.events[::-1].index(EventKind.STAGE_STARTED)
    assert record.events[started + 1] == EventKind.REGIME_CHOSEN
    expected = RegimeChosen(
        regime=RegimeId.EDUCATION_ACT_1996,
        name="Education Act 1996, sections 437 to 443",
        commenced_on=None,
    )
    # A case that began under the old sections finishes under them: asked again once the 2026 Act
    # has commenced (its day before the day asked about), the case keeps what it recorded.
    shipped = bootstrap().regimes
    commenced = shipped.model_copy(update={"commences_on": {RegimeId.CWSA_2026: date(2026, 1, 1)}})
    with session_scope(product.engine) as session:
        again = regime.choose_case_regime(
            session=session,
            case_id=record.case.id,
            regimes=commenced,
            begins_on=date(2027, 1, 4),
            at=bootstrap().clock(),
        )
    assert again == expected
    assert only_case(product).events.count(EventKind.REGIME_CHOSEN) == 1
    form = product.officer.descriptions[ran.waiting_on]
    assert "- **Law applied:** Education Act 1996, sections 437 to 443" in form
    bundle = write_chronology(record.case.reference, "test")
    text = (product.home / "chronology" / bundle.csv_path).read_text(encoding="utf-8")
    whats = [row["what"] for row in csv.DictReader(io.StringIO(text))]
    assert "Law applied to the formal stage: Education Act 1996, sections 437 to 443" in whats


def test_a_case_before_its_formal_stage_has_no_law_chosen_yet(product: Product) -> None:
    to_home_visit(product)
    ran = run_case(make_referral())
    assert ran.waiting_on == "home-visit-visit-1"
    assert EventKind.REGIME_CHOSEN not in only_case(product).events
    assert "Law applied" not in product.officer.descriptions[ran.waiting_on]
