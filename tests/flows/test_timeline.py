"""The case's own timeline holds: a decision dated before the law allows it is asked again.

Each rule group is driven through a suspended form: the officer answers a day too early, is asked
again under a new key with the field, the date and why in the form, and the answer given on the
first day the law allows is recorded. The rules themselves: tests/unit/test_timeline_rules.py.
"""

from __future__ import annotations

from datetime import date

import pytest

import flows.decisions
from flows.forms import (
    Compliance,
    CourtOutcome,
    HomeVisitFinding,
    LetterSent,
    LetterServed,
    ParentAnswer,
    ParentChoice,
    ProsecutionOutcome,
    S437Response,
)
from models.calendar import ServiceMethod
from models.enums import ClosureOutcome, Stage
from tests.factories import make_referral
from tests.flows.casework import (
    OFFICER,
    S437_PERIOD_ENDS,
    S438_PERIOD_ENDS,
    SAO_COMPLIANCE_ENDS,
    Product,
    compliance,
    not_satisfied,
    only_case,
    run_case,
    s437_notice,
    sao_service,
    sent_as_stated,
    to_education_enquiry,
    to_home_visit,
    to_prosecution_outcome,
    to_s437_response,
    to_sao_compliance,
    to_sao_service,
    visit,
)

NOT_ACCEPTED = "Your last answer was not accepted."


def test_a_notice_is_not_confirmed_sent_before_the_day_it_states(product: Product) -> None:
    to_education_enquiry(product)
    answer = product.officer.answer
    answer("education-enquiry-s437-notice", s437_notice())  # to be sent on 19 November
    answer("education-enquiry-s437-notice-served-1", sent_as_stated(), on=date(2026, 11, 18))
    answer(
        "education-enquiry-s437-notice-served-1-retry-1", sent_as_stated(), on=date(2026, 11, 19)
    )
    ran = run_case(make_referral())

    assert ran.waiting_on == "education-enquiry-s437-response"
    description = product.officer.descriptions["education-enquiry-s437-notice-served-1-retry-1"]
    assert NOT_ACCEPTED in description
    assert (
        "sent: the letter states it is sent on 2026-11-19; today is 2026-11-18, so it cannot "
        "have been sent as it states yet" in description
    )
    record = only_case(product)
    assert "education-enquiry-s437-notice-served-1" in record.decisions
    # The period still runs from the day the letter states: it ends on 7 December.
    assert record.stage(Stage.EDUCATION_ENQUIRY.value).due_on == S437_PERIOD_ENDS


def test_not_satisfied_waits_for_the_end_of_the_s437_period(product: Product) -> None:
    to_s437_response(product)
    answer = product.officer.answer
    # The issue's case: "no satisfactory answer" recorded while the parent's period still runs.
    answer("education-enquiry-s437-response", not_satisfied(S437_PERIOD_ENDS), on=S437_PERIOD_ENDS)
    answer(
        "education-enquiry-s437-response-retry-1",
        not_satisfied(date(2026, 12, 8)),
        on=date(2026, 12, 8),
    )
    ran = run_case(make_referral())

    assert ran.waiting_on == "sao-notice-s438-notice"
    description = product.officer.descriptions["education-enquiry-s437-response-retry-1"]
    assert (
        "decided_on: 2026-12-07 is not after the parent's s437(1) period (its last day is the one "
        "the notice states), which ends on 2026-12-07; this can be recorded from 2026-12-08"
        in description
    )
    # The form itself says an early answer that satisfies the council is allowed.
    first = product.officer.descriptions["education-enquiry-s437-response"]
    assert "may be recorded on any day, even before the period ends" in first
    record = only_case(product)
    assert record.decisions["education-enquiry-s437-response"]["decided_on"] == "2026-12-08"
    assert record.stage(Stage.SAO_NOTICE.value).started_at.date() == date(2026, 12, 8)


def test_a_satisfactory_answer_may_be_recorded_the_day_the_notice_is_sent(
    product: Product,
) -> None:
    to_s437_response(product)
    product.officer.answer(
        "education-enquiry-s437-response",
        S437Response(officer=OFFICER, answer=ParentAnswer.REGISTERED_AT_SCHOOL,
                     school_name="Sample Academy", decided_on=date(2026, 11, 19)),
        on=date(2026, 11, 19),
    )  # fmt: skip
    ran = run_case(make_referral())

    record = only_case(product)
    assert ran.reference == record.case.reference
    assert record.case.closure_outcome is ClosureOutcome.FOUND_ON_ROLL


def test_an_order_naming_the_proposed_school_waits_for_the_s438_period(product: Product) -> None:
    to_sao_service(product)
    answer = product.officer.answer
    answer("sao-notice-sao-service", sao_service(served_on=S438_PERIOD_ENDS))
    answer("sao-notice-sao-service-retry-1", sao_service(served_on=date(2026, 12, 29)))
    ran = run_case(make_referral())

    assert ran.waiting_on == "sao-notice-sao-service-served-1"
    description = product.officer.descriptions["sao-notice-sao-service-retry-1"]
    assert (
        "served_on: 2026-12-28 is not after the parent's s438 choice period (its last day is "
        "the one the notice states), which ends on 2026-12-28; this can be recorded from "
        "2026-12-29" in description
    )


def test_an_order_naming_the_parents_own_choice_may_be_sent_within_the_period(
    product: Product,
) -> None:
    to_sao_service(product)
    product.officer.answer(
        "sao-notice-sao-service",
        sao_service(parent_choice=ParentChoice.CHOSE_ALTERNATIVE, named_school="Sample Academy",
                    served_on=date(2026, 12, 18)),
    )  # fmt: skip
    ran = run_case(make_referral())

    assert ran.waiting_on == "sao-notice-sao-service-served-1"


def test_not_complied_waits_for_the_time_given_to_register(product: Product) -> None:
    to_sao_compliance(product)
    answer = product.officer.answer
    answer("sao-notice-sao-compliance", compliance(Compliance.NOT_COMPLIED, SAO_COMPLIANCE_ENDS))
    answer(
        "sao-notice-sao-compliance-retry-1",
        compliance(Compliance.NOT_COMPLIED, date(2027, 1, 20)),
    )
    ran = run_case(make_referral())

    assert ran.waiting_on == "prosecution-referral-eso-consideration"
    description = product.officer.descriptions["sao-notice-sao-compliance-retry-1"]
    assert "checked_on: 2027-01-19 is not after the time the council gives" in description
    assert "this can be recorded from 2027-01-20" in description


def test_compliance_may_be_recorded_before_the_time_given_ends(product: Product) -> None:
    to_sao_compliance(product)
    product.officer.answer(
        "sao-notice-sao-compliance",
        compliance(Compliance.REGISTERED_AT_NAMED_SCHOOL, date(2027, 1, 6)),
    )
    ran = run_case(make_referral())

    record = only_case(product)
    assert ran.reference == record.case.reference
    assert record.case.closure_outcome is ClosureOutcome.SAO_COMPLIED


def test_no_decision_is_dated_after_today(product: Product) -> None:
    to_prosecution_outcome(product)
    answer = product.officer.answer
    # The issue's case: a conviction dated weeks ahead, recorded today.
    answer(
        "prosecution-referral-prosecution-outcome",
        ProsecutionOutcome(officer=OFFICER, outcome=CourtOutcome.CONVICTED,
                           decided_on=date(2027, 4, 20)),
        on=date(2027, 3, 2),
    )  # fmt: skip
    answer(
        "prosecution-referral-prosecution-outcome-retry-1",
        ProsecutionOutcome(officer=OFFICER, outcome=CourtOutcome.CONVICTED,
                           decided_on=date(2027, 3, 2)),
    )  # fmt: skip
    ran = run_case(make_referral())

    description = product.officer.descriptions["prosecution-referral-prosecution-outcome-retry-1"]
    assert "decided_on: 2027-04-20 is after today (2027-03-02)" in description
    record = only_case(product)
    assert ran.reference == record.case.reference
    assert record.case.closure_outcome is ClosureOutcome.PROSECUTION_CONVICTED


def test_no_decision_is_dated_before_its_stage_began(product: Product) -> None:
    to_home_visit(product)
    answer = product.officer.answer
    # The home visit stage began on 2 November, the day the referral check ended.
    answer(
        "home-visit-visit-1",
        visit(HomeVisitFinding.NO_CONTACT, visit_date=date(2026, 10, 30)),
        on=date(2026, 11, 3),
    )
    answer("home-visit-visit-1-retry-1", visit(HomeVisitFinding.NO_CONTACT))
    ran = run_case(make_referral())

    assert ran.waiting_on == "home-visit-visit-2"
    description = product.officer.descriptions["home-visit-visit-1-retry-1"]
    assert "visit_date: 2026-10-30 is before this stage (Home visit) began on 2026-11-02" in (
        description
    )


def test_on_a_replay_an_answer_refused_on_its_day_stays_refused(
    product: Product, monkeypatch: pytest.MonkeyPatch
) -> None:
    to_education_enquiry(product)
    answer = product.officer.answer
    answer("education-enquiry-s437-notice", s437_notice())  # to be sent on 19 November
    # Confirmed "sent as stated" too early and refused; the officer then had it re-issued.
    answer("education-enquiry-s437-notice-served-1", sent_as_stated(), on=date(2026, 11, 19))
    answer(
        "education-enquiry-s437-notice-served-1-retry-1",
        LetterServed(officer=OFFICER, sent=LetterSent.REISSUE, reissue_sent_on=date(2026, 11, 23),
                     reissue_service_method=ServiceMethod.BY_HAND),
    )  # fmt: skip
    answer("education-enquiry-s437-notice-served-2", sent_as_stated(), on=date(2026, 11, 23))
    # The run replays from the top on 19 November, when the first answer's date would pass: every
    # form already answered is found answered, as Prefect finds them.
    monkeypatch.setattr(flows.decisions, "has_answer", lambda key: key in product.officer.answers)
    ran = run_case(make_referral())

    assert ran.waiting_on == "education-enquiry-s437-response"
    record = only_case(product)
    assert record.decisions["education-enquiry-s437-notice-served-1"]["sent"] == "reissue"
    assert [letter.natural_key for letter in record.letters] == [
        "school-place-support-school-place-help-1",
        "education-enquiry-s437-notice-1",
        "education-enquiry-s437-notice-2",
    ]
