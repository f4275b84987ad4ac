"""Support to a school place: found not in education, then an in-year application or the Fair
Access panel, an offer and a start; or, when no place is taken up, the s437(1) notice."""

from __future__ import annotations

from datetime import UTC, date, datetime

from pypdf import PdfReader

from flows.forms import OfferOutcome, PlaceRoute, StartOutcome
from models.enums import CaseStatus, ClosureOutcome, LetterKind, Stage
from store import closure_requests
from store.database import session_scope
from tests.factories import make_referral
from tests.flows.casework import (
    APPLY_BY,
    FOUND_ON,
    OFFERED_SCHOOL,
    Product,
    only_case,
    place_offer,
    place_request,
    run_case,
    s437_notice,
    school_start,
    to_school_place_support,
)
from tests.mail import body_of

REQUEST = "school-place-support-place-request"
OFFER_1 = "school-place-support-offer-1"
OFFER_2 = "school-place-support-offer-2"
START = "school-place-support-school-start"
SCHOOL_EMAIL = "admissions.example-primary@example.gov.uk"

APPLIED_ON = date(2026, 11, 12)
# Thu 12 Nov 2026 + 15 school days (School Admissions Code 2021 para 2.28): Fri 13 (1), 16-20
# (2-6), 23-27 (7-11), Mon 30 Nov to Thu 3 Dec (12-15).
OUTCOME_DUE = date(2026, 12, 3)
OFFERED_ON = date(2026, 11, 20)
STARTS_ON = date(2026, 11, 30)
# Start Mon 30 Nov + 5 school days: Tue 1 to Fri 4 Dec (1-4), Mon 7 Dec (5).
START_BY = date(2026, 12, 7)


def pdf_text(product: Product, path: str) -> str:
    reader = PdfReader(product.home / "letters" / path)
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_found_at_home_the_family_is_sent_the_letter_and_has_ten_school_days_to_apply(
    product: Product,
) -> None:
    to_school_place_support(product)
    ran = run_case(make_referral())
    assert ran.waiting_on == REQUEST
    record = only_case(product)
    assert record.case.current_stage is Stage.SCHOOL_PLACE_SUPPORT
    assert record.stage(Stage.SCHOOL_PLACE_SUPPORT.value).due_on == APPLY_BY
    (letter,) = record.letters
    assert letter.kind is LetterKind.SCHOOL_PLACE_HELP
    assert letter.path in product.officer.descriptions[REQUEST]
    text = pdf_text(product, letter.path)
    assert "Applying for a school place" in text and "Fair Access panel" in text


def test_application_offer_and_start_close_the_case_on_roll_at_the_school(
    product: Product,
) -> None:
    to_school_place_support(product)
    answer = product.officer.answer
    answer(REQUEST, place_request(made_on=APPLIED_ON))
    answer(
        OFFER_1,
        place_offer(OfferOutcome.OFFER_ACCEPTED, decided_on=OFFERED_ON, start_date=STARTS_ON),
    )
    answer(START, school_start(StartOutcome.STARTED, STARTS_ON))
    ran = run_case(make_referral())

    record = only_case(product)
    assert ran.reference == record.case.reference
    assert record.case.status is CaseStatus.CLOSED
    assert record.case.closure_outcome is ClosureOutcome.FOUND_ON_ROLL
    assert record.case.current_stage is Stage.SCHOOL_PLACE_SUPPORT
    assert Stage.EDUCATION_ENQUIRY.value not in record.stage_names
    assert record.decisions[OFFER_1]["school_offered"] == OFFERED_SCHOOL
    assert record.decisions[START]["started_on"] == STARTS_ON.isoformat()
    emails = product.inbox.wait_for(record.case.reference, count=2)
    admissions = next(e for e in emails if "In-year application" in str(e["Subject"]))
    assert admissions["X-Envelope-To"] == "admissions@example.gov.uk"
    assert f"Outcome due by: {OUTCOME_DUE.isoformat()}" in body_of(admissions)
    assert "Sample Academy" in body_of(admissions)
    school = next(e for e in emails if OFFERED_SCHOOL in str(e["Subject"]))
    assert SCHOOL_EMAIL in school["X-Envelope-To"]
    assert "admissions@example.gov.uk" in school["X-Envelope-To"]
    assert STARTS_ON.isoformat() in body_of(school)


def test_an_accepted_place_is_due_to_be_taken_up_by_its_start_date_and_five_school_days(
    product: Product,
) -> None:
    to_school_place_support(product)
    answer = product.officer.answer
    answer(REQUEST, place_request(made_on=APPLIED_ON))
    answer(
        OFFER_1,
        place_offer(OfferOutcome.OFFER_ACCEPTED, decided_on=OFFERED_ON, start_date=STARTS_ON),
    )
    ran = run_case(make_referral())
    assert ran.waiting_on == START
    assert only_case(product).stage(Stage.SCHOOL_PLACE_SUPPORT.value).due_on == START_BY


def test_no_application_may_be_recorded_only_after_the_time_to_apply_then_the_notice(
    product: Product,
) -> None:
    to_school_place_support(product)
    answer = product.officer.answer
    answer(REQUEST, place_request(PlaceRoute.NO_APPLICATION, made_on=APPLY_BY))
    answer(
        f"{REQUEST}-retry-1",
        place_request(PlaceRoute.NO_APPLICATION, made_on=date(2026, 11, 25)),
    )
    ran = run_case(make_referral())
    assert ran.waiting_on == "education-enquiry-s437-notice"
    assert (
        "this can be recorded from 2026-11-25" in product.officer.descriptions[f"{REQUEST}-retry-1"]
    )
    record = only_case(product)
    assert record.case.current_stage is Stage.EDUCATION_ENQUIRY
    assert record.decisions[REQUEST]["made_on"] == "2026-11-25"
    assert product.inbox.about(record.case.reference) == []  # nothing to tell admissions


def test_a_place_not_taken_up_leads_to_the_s437_notice_naming_the_school_offered(
    product: Product,
) -> None:
    to_school_place_support(product)
    answer = product.officer.answer
    answer(REQUEST, place_request(made_on=APPLIED_ON))
    answer(
        OFFER_1,
        place_offer(OfferOutcome.OFFER_ACCEPTED, decided_on=OFFERED_ON, start_date=STARTS_ON),
    )
    # 'Not started' on the last day given to start is refused; the day after is accepted.
    answer(START, school_start(StartOutcome.NOT_STARTED, START_BY))
    answer(f"{START}-retry-1", school_start(StartOutcome.NOT_STARTED, date(2026, 12, 8)))
    answer("education-enquiry-s437-notice", s437_notice(served_on=date(2026, 12, 9)))
    ran = run_case(make_referral())

    assert ran.waiting_on == "education-enquiry-s437-notice-served-1"
    assert "2026-12-08" in product.officer.descriptions[f"{START}-retry-1"]
    record = only_case(product)
    assert record.stage_names[-2:] == [
        Stage.SCHOOL_PLACE_SUPPORT.value,
        Stage.EDUCATION_ENQUIRY.value,
    ]
    notice = next(letter for letter in record.letters if letter.kind is LetterKind.S437_NOTICE)
    text = pdf_text(product, notice.path)
    assert f"a place was offered at {OFFERED_SCHOOL}" in text


def test_a_refused_offer_then_a_fair_access_referral_places_the_child(product: Product) -> None:
    to_school_place_support(product)
    answer = product.officer.answer
    answer(REQUEST, place_request(PlaceRoute.FAIR_ACCESS_REFERRAL, made_on=APPLIED_ON))
    answer(
        OFFER_1,
        place_offer(
            OfferOutcome.OFFER_REFUSED, decided_on=OFFERED_ON, school_offered="Sample Academy"
        ),
    )
    answer(
        OFFER_2,
        place_offer(
            OfferOutcome.OFFER_ACCEPTED, decided_on=date(2026, 12, 1), start_date=date(2026, 12, 7)
        ),
    )
    answer(START, school_start(StartOutcome.STARTED, date(2026, 12, 7)))
    ran = run_case(make_referral())

    record = only_case(product)
    assert ran.reference == record.case.reference
    assert record.case.closure_outcome is ClosureOutcome.FOUND_ON_ROLL
    emails = product.inbox.wait_for(record.case.reference, count=2)
    referral = next(e for e in emails if "Fair Access" in str(e["Subject"]))
    # Referred Thu 12 Nov: 20 school days to a placement (local target), to Thu 10 December.
    assert "Outcome due by: 2026-12-10" in body_of(referral)
    assert "DSPL 7 primary Fair Access panel" in body_of(referral)


def test_no_place_offered_is_referred_to_the_fair_access_panel_on_its_own_clock(
    product: Product,
) -> None:
    to_school_place_support(product)
    answer = product.officer.answer
    answer(REQUEST, place_request(made_on=APPLIED_ON))
    answer(
        OFFER_1,
        place_offer(OfferOutcome.NO_PLACE_REFER_TO_FAIR_ACCESS, decided_on=date(2026, 11, 30)),
    )
    ran = run_case(make_referral())
    assert ran.waiting_on == OFFER_2
    record = only_case(product)
    # Referred Mon 30 Nov: 20 school days end Tue 12 January 2027 (4 January is INSET).
    assert record.stage(Stage.SCHOOL_PLACE_SUPPORT.value).due_on == date(2027, 1, 12)
    application, referral = product.inbox.wait_for(record.case.reference, count=2)
    assert "In-year application" in str(application["Subject"])
    assert "Fair Access panel" in str(referral["Subject"])
    assert referral["X-Envelope-To"] == "admissions@example.gov.uk"
    assert "Outcome due by: 2027-01-12" in body_of(referral)


def test_an_offer_dated_before_its_application_is_asked_again(product: Product) -> None:
    to_school_place_support(product)
    answer = product.officer.answer
    answer(REQUEST, place_request(made_on=APPLIED_ON))
    answer(OFFER_1, place_offer(OfferOutcome.OFFER_REFUSED, decided_on=FOUND_ON))
    ran = run_case(make_referral())
    assert ran.waiting_on == f"{OFFER_1}-retry-1"
    assert (
        "is before the application or referral it answers"
        in product.officer.descriptions[f"{OFFER_1}-retry-1"]
    )


def test_elective_home_education_declared_hands_the_child_to_the_ehe_team(
    product: Product,
) -> None:
    to_school_place_support(product)
    product.officer.answer(REQUEST, place_request(PlaceRoute.ELECTIVE_HOME_EDUCATION))
    run_case(make_referral())
    record = only_case(product)
    assert record.case.closure_outcome is ClosureOutcome.ELECTIVE_HOME_EDUCATION
    (email,) = product.inbox.wait_for(record.case.reference)
    assert email["X-Envelope-To"] == "ehe.team@example.gov.uk"


def test_a_new_pupil_return_from_the_school_closes_the_case_while_it_waits_for_the_start(
    product: Product,
) -> None:
    """The school's new-pupil return (reg 13(1)) arrives before the officer records the start."""
    to_school_place_support(product)
    answer = product.officer.answer
    answer(REQUEST, place_request(made_on=APPLIED_ON))
    answer(
        OFFER_1,
        place_offer(OfferOutcome.OFFER_ACCEPTED, decided_on=OFFERED_ON, start_date=STARTS_ON),
    )

    def new_pupil_return() -> None:
        case = only_case(product).case
        with session_scope(product.engine) as session:
            closure_requests.request_closure(
                session=session, case_id=case.id, outcome=ClosureOutcome.FOUND_ON_ROLL,
                reason=f"NP-2026-00001 line 2: on roll at {OFFERED_SCHOOL}",
                requested_by="intake-new-pupil-returns",
                details={"school_name": OFFERED_SCHOOL, "school_urn": "999001"},
                requested_at=datetime.now(UTC),
            )  # fmt: skip

    product.officer.while_waiting[START] = new_pupil_return
    ran = run_case(make_referral())
    record = only_case(product)
    assert ran.reference == record.case.reference
    assert START not in product.officer.asked
    assert record.case.closure_outcome is ClosureOutcome.FOUND_ON_ROLL
    assert record.case.current_stage is Stage.SCHOOL_PLACE_SUPPORT
    assert record.events.count("closure_request_carried_out") == 1
