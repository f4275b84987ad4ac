"""School Attendance Order (s437(3)-s438) and prosecution referral (s443, after s447)."""

from __future__ import annotations

from datetime import date

import pytest

from flows.forms import (
    Compliance,
    CourtOutcome,
    EnforcementDecision,
    NoticeDecision,
    OrderDecision,
    ProsecutionOutcome,
)
from models.enums import CaseStatus, ClosureOutcome, LetterKind, Stage
from tests.factories import make_referral
from tests.flows.casework import (
    OFFICER,
    Product,
    compliance,
    eso_considered,
    only_case,
    run_case,
    s438_notice,
    sao_service,
    to_prosecution_outcome,
    to_sao_compliance,
    to_sao_notice,
    to_sao_service,
)
from tests.mail import body_of

ALL_STAGES = [
    Stage.REFERRAL_CHECK.value,
    Stage.HOME_VISIT.value,
    Stage.SCHOOL_PLACE_SUPPORT.value,
    Stage.EDUCATION_ENQUIRY.value,
    Stage.SAO_NOTICE.value,
]


def test_the_s438_notice_can_be_withheld_and_the_case_closed(product: Product) -> None:
    to_sao_notice(product)
    product.officer.answer(
        "sao-notice-s438-notice",
        s438_notice(decision=NoticeDecision.CLOSE_CASE,
                    closure_outcome=ClosureOutcome.FOUND_ON_ROLL_OTHER_LA),
    )  # fmt: skip
    ran = run_case(make_referral())
    record = only_case(product)
    assert ran.reference == record.case.reference
    assert record.case.closure_outcome is ClosureOutcome.FOUND_ON_ROLL_OTHER_LA
    assert [letter.kind for letter in record.letters] == [
        LetterKind.SCHOOL_PLACE_HELP,
        LetterKind.S437_NOTICE,
        LetterKind.REFERRER_CLOSING_LETTER,
    ]


def test_the_order_can_be_withheld_after_the_notice_of_intention(product: Product) -> None:
    to_sao_service(product)
    product.officer.answer(
        "sao-notice-sao-service",
        sao_service(decision=OrderDecision.CLOSE_CASE, closure_outcome=ClosureOutcome.NOT_CME),
    )
    ran = run_case(make_referral())
    record = only_case(product)
    assert ran.reference == record.case.reference
    assert record.case.closure_outcome is ClosureOutcome.NOT_CME
    assert [letter.kind for letter in record.letters] == [
        LetterKind.SCHOOL_PLACE_HELP,
        LetterKind.S437_NOTICE,
        LetterKind.S438_NOTICE_OF_INTENTION,
        LetterKind.REFERRER_CLOSING_LETTER,
    ]


def test_the_order_served_waits_for_compliance_with_the_school_it_names(product: Product) -> None:
    to_sao_compliance(product)
    ran = run_case(make_referral())
    assert ran.waiting_on == "sao-notice-sao-compliance"
    assert "Example Primary School" in product.officer.descriptions[ran.waiting_on]
    record = only_case(product)
    assert [letter.kind for letter in record.letters] == [
        LetterKind.SCHOOL_PLACE_HELP,
        LetterKind.S437_NOTICE,
        LetterKind.S438_NOTICE_OF_INTENTION,
        LetterKind.SCHOOL_ATTENDANCE_ORDER,
    ]
    # With the school-place request and offer, and the three letters' service confirmed.
    assert len(record.decisions) == 11


@pytest.mark.parametrize(
    ("outcome", "closure"),
    [
        (Compliance.REGISTERED_AT_NAMED_SCHOOL, ClosureOutcome.SAO_COMPLIED),
        (Compliance.REVOKED_ON_APPLICATION, ClosureOutcome.SAO_REVOKED),
    ],
)
def test_an_order_complied_with_or_revoked_closes_the_case(
    product: Product, outcome: Compliance, closure: ClosureOutcome
) -> None:
    to_sao_compliance(product)
    product.officer.answer("sao-notice-sao-compliance", compliance(outcome))
    ran = run_case(make_referral())
    record = only_case(product)
    assert ran.reference == record.case.reference
    assert record.case.closure_outcome is closure
    assert record.stage_names == ALL_STAGES
    assert len(record.decisions) == 12  # with the place request, the offer, three letters' service


def test_an_order_not_complied_with_is_referred_to_legal_services_after_an_eso_is_considered(
    product: Product,
) -> None:
    to_sao_compliance(product)
    product.officer.answer("sao-notice-sao-compliance", compliance(Compliance.NOT_COMPLIED))
    product.officer.answer(
        "prosecution-referral-eso-consideration",
        eso_considered(EnforcementDecision.PROSECUTE_AND_APPLY_FOR_ESO),
    )
    ran = run_case(make_referral())
    assert ran.waiting_on == "prosecution-referral-prosecution-outcome"
    record = only_case(product)
    assert record.case.current_stage is Stage.PROSECUTION_REFERRAL
    # The admissions team was told of the application first; then legal services of the referral.
    admissions, referral_to_legal = product.inbox.wait_for(record.case.reference, count=2)
    assert admissions["X-Envelope-To"] == "admissions@example.gov.uk"
    assert referral_to_legal["X-Envelope-To"] == "legal.education@example.gov.uk"
    assert "s447" in body_of(referral_to_legal)
    attached = [part.get_filename() for part in referral_to_legal.iter_attachments()]
    assert len(attached) == 3  # the referral letter, the chronology as PDF and as CSV
    assert record.letters[-1].kind is LetterKind.LEGAL_SERVICES_REFERRAL
    description = product.officer.descriptions[ran.waiting_on]
    assert "chronology (PDF)" in description and record.letters[-1].path in description


def test_the_prosecution_outcome_closes_the_case(product: Product) -> None:
    to_prosecution_outcome(product)
    product.officer.answer(
        "prosecution-referral-prosecution-outcome",
        ProsecutionOutcome(officer=OFFICER, outcome=CourtOutcome.CONVICTED,
                           decided_on=date(2027, 3, 2)),
    )  # fmt: skip
    ran = run_case(make_referral())
    record = only_case(product)
    assert ran.reference == record.case.reference
    assert record.case.status is CaseStatus.CLOSED
    assert record.case.closure_outcome is ClosureOutcome.PROSECUTION_CONVICTED
    assert record.stage_names == [*ALL_STAGES, Stage.PROSECUTION_REFERRAL.value]
    assert record.events.count("case_closed") == 1
    assert len(product.inbox.about(record.case.reference)) == 2  # admissions, legal services
    # The school referred the child: it is sent the closing letter.
    assert record.letters[-1].kind is LetterKind.REFERRER_CLOSING_LETTER


@pytest.mark.parametrize(
    ("outcome", "closure"),
    [
        (CourtOutcome.CONVICTED, ClosureOutcome.PROSECUTION_CONVICTED),
        (CourtOutcome.ACQUITTED, ClosureOutcome.PROSECUTION_ACQUITTED),
        (CourtOutcome.WITHDRAWN, ClosureOutcome.PROSECUTION_WITHDRAWN),
        (CourtOutcome.ESO_MADE, ClosureOutcome.ESO_MADE),
    ],
)
def test_each_court_outcome_is_the_closure_the_stage_records(
    outcome: CourtOutcome, closure: ClosureOutcome
) -> None:
    # The stage closes with whatever the form maps the outcome to (flows/case.py
    # prosecution_referral), so the mapping is checked here and one outcome in process above.
    answer = ProsecutionOutcome(officer=OFFICER, outcome=outcome, decided_on=date(2027, 3, 2))
    assert answer.closes_case() is closure
