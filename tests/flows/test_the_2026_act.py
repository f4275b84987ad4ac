"""Both regimes side by side: a case whose formal stage begins once the Children's Wellbeing and
Schools Act 2026 has commenced takes its route (preliminary notice, school nomination notice, the
order under s436I, proceedings for the offence recorded); one whose formal stage began the day
before finishes under ss437-443, whatever is decided after the day (docs/regimes.md)."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest
from pypdf import PdfReader

from flows.forms import (
    CourtOutcome,
    EsoConsideration2026,
    NoticeDecision,
    OrderCompliance,
    OrderDecision,
    OrderS436ICompliance,
    OrderS436IService,
    ParentAnswer,
    ParentChoice,
    PreliminaryNoticeResponse,
    PreliminaryNoticeService,
    ProceedingsDecision,
    ProsecutionOutcome,
    SchoolNominationNotice,
)
from models.calendar import ServiceMethod
from models.case_events import EventKind
from models.enums import ClosureOutcome, LetterKind, Stage
from models.regime import RegimeId
from store.orm import Letter
from store.unit_of_work import bootstrap, install
from tests.factories import make_referral
from tests.flows.casework import (
    FOUND_ON,
    OFFICER,
    Product,
    not_satisfied,
    only_case,
    run_case,
    s437_notice,
    sent_as_stated,
    to_education_enquiry,
)

CWSA = RegimeId.CWSA_2026


def commence_2026_act(on: date) -> None:
    """The council sets the day the 2026 Act commences (cme.toml [regimes.commences_on])."""
    uow = bootstrap()
    commenced = uow.regimes.model_copy(update={"commences_on": {CWSA: on}})
    install(dataclasses.replace(uow, regimes=commenced))


def text_of(product: Product, letter: Letter) -> str:
    pages = PdfReader(bootstrap().settings.letters_dir / letter.path).pages
    return " ".join(" ".join(page.extract_text() or "" for page in pages).split())


def preliminary_notice(**overrides: Any) -> PreliminaryNoticeService:
    values: dict[str, Any] = {
        "officer": OFFICER,
        "decision": NoticeDecision.SERVE_NOTICE,
        "service_method": ServiceMethod.FIRST_CLASS_POST,
        "served_on": date(2026, 11, 19),  # a Thursday: deemed served Monday 23 November
        "served_on_parent": "Sam Testparent",
    }
    values.update(overrides)
    return PreliminaryNoticeService(**values)


def preliminary_not_satisfied(decided_on: date = date(2026, 12, 8)) -> PreliminaryNoticeResponse:
    return PreliminaryNoticeResponse(
        officer=OFFICER,
        answer=ParentAnswer.NOT_SATISFIED,
        decided_on=decided_on,
        learning_environments_considered=True,
        child_should_attend_school=True,
        notes="No evidence of any education; the home was seen on a visit.",
    )


def nomination() -> SchoolNominationNotice:
    return SchoolNominationNotice(
        officer=OFFICER,
        decision=NoticeDecision.SERVE_NOTICE,
        service_method=ServiceMethod.BY_HAND,
        served_on=date(2026, 12, 14),
        served_on_parent="Sam Testparent",
        proposed_school="Example Primary School",
        alternative_schools="Sample Academy",
    )


def order(**overrides: Any) -> OrderS436IService:
    values: dict[str, Any] = {
        "officer": OFFICER,
        "decision": OrderDecision.SERVE_ORDER,
        "parent_choice": ParentChoice.PROPOSED_SCHOOL,
        "named_school": "Example Primary School",
        "service_method": ServiceMethod.BY_HAND,
        "served_on": date(2027, 1, 5),
    }
    values.update(overrides)
    return OrderS436IService(**values)


def to_the_order_under_s436i(product: Product) -> None:
    """Through the preliminary notice and the school nomination notice, both served as stated."""
    to_education_enquiry(product)
    answer = product.officer.answer
    answer("education-enquiry-preliminary-notice", preliminary_notice())
    answer("education-enquiry-preliminary-notice-served-1", sent_as_stated(), on=date(2026, 11, 19))
    answer("education-enquiry-preliminary-response", preliminary_not_satisfied())
    answer("sao-notice-school-nomination-notice", nomination())
    answer("sao-notice-school-nomination-notice-served-1", sent_as_stated(), on=date(2026, 12, 14))


def test_a_case_whose_formal_stage_begins_after_commencement_takes_the_2026_route(
    product: Product,
) -> None:
    commence_2026_act(FOUND_ON)
    to_the_order_under_s436i(product)
    answer = product.officer.answer
    answer("sao-notice-sao-s436i-service", order())
    answer("sao-notice-sao-s436i-service-served-1", sent_as_stated(), on=date(2027, 1, 5))
    # Registered at the named school, then withdrawn while the order is in force: the new offence.
    answer(
        "sao-notice-sao-s436i-compliance",
        OrderS436ICompliance(
            officer=OFFICER,
            compliance=OrderCompliance.WITHDRAWN_WHILE_IN_FORCE,
            checked_on=date(2027, 1, 12),
        ),
    )
    answer(
        "prosecution-referral-eso-consideration-2026",
        EsoConsideration2026(
            officer=OFFICER,
            eso_considered=True,
            decision=ProceedingsDecision.PROSECUTE_FOR_THE_OFFENCE,
            decided_on=date(2027, 1, 14),
            reasons="An ESO was considered; the parent withdrew the child within a week.",
        ),
    )
    answer(
        "prosecution-referral-prosecution-outcome",
        ProsecutionOutcome(
            officer=OFFICER, outcome=CourtOutcome.CONVICTED, decided_on=date(2027, 3, 1)
        ),
    )
    ran = run_case(make_referral())
    record = only_case(product)
    assert ran.reference == record.case.reference
    assert record.case.closure_outcome is ClosureOutcome.PROSECUTION_CONVICTED
    assert [s.name for s in record.stages][-3:] == [
        Stage.EDUCATION_ENQUIRY,
        Stage.SAO_NOTICE,
        Stage.PROSECUTION_REFERRAL,
    ]
    assert record.events.count(EventKind.REGIME_CHOSEN) == 1
    kinds = [letter.kind for letter in record.letters]
    assert kinds[1:5] == [
        LetterKind.PRELIMINARY_NOTICE,
        LetterKind.SCHOOL_NOMINATION_NOTICE,
        LetterKind.SCHOOL_ATTENDANCE_ORDER_S436I,
        LetterKind.LEGAL_SERVICES_REFERRAL,
    ]
    assert not {LetterKind.S437_NOTICE, LetterKind.S438_NOTICE_OF_INTENTION} & set(kinds)
    # Each letter as the parent or legal services reads it: the law it is made under, its dates,
    # and no section of the old route.
    law = "Law applied: Education Act 1996 as amended by the Children's Wellbeing and Schools Act"
    notice, nominated, made, referral = (text_of(product, letter) for letter in record.letters[1:5])
    assert (
        "Preliminary notice under the Education Act 1996 as amended by the Children's Wellbeing "
        "and Schools Act 2026 (section 39)" in notice
    )
    assert "You must satisfy the council by Monday 7 December 2026." in notice
    assert "the home and any other environment in which the child is educated" in notice
    assert "You have 15 days beginning with the day on which this notice is served" in nominated
    assert "that period ends on Monday 28 December 2026" in nominated
    assert "The council nominates: Example Primary School." in nominated
    assert "School Attendance Order: Section 436I of the Education Act 1996" in made
    assert "fine not exceeding level 4" in made
    assert "withdrawing" in made and "is also an offence" in made
    assert (
        "Referral to legal services for proceedings: the Education Act 1996 as amended by the "
        "Children's Wellbeing and Schools Act 2026: withdrawing a child subject to a School "
        "Attendance Order" in referral
    )
    assert "Named school Example Primary School" in referral
    for text in (notice, nominated, made, referral):
        assert law in text
        assert "section 437" not in text and "section 438" not in text
        assert "section 443" not in text
    # Before each letter of the Act is sent, its form says what to check: the step's note.
    served = product.officer.descriptions["education-enquiry-preliminary-notice-served-1"]
    assert "Review notes before you send it: Preliminary notice: Replaces the s437(1)" in served
    served = product.officer.descriptions["sao-notice-school-nomination-notice-served-1"]
    assert "Review notes before you send it: School nomination notice: The 15-day" in served


def test_the_order_not_complied_with_is_referred_for_failing_to_comply(
    product: Product,
) -> None:
    commence_2026_act(FOUND_ON)
    to_the_order_under_s436i(product)
    answer = product.officer.answer
    answer("sao-notice-sao-s436i-service", order())
    answer("sao-notice-sao-s436i-service-served-1", sent_as_stated(), on=date(2027, 1, 5))
    # 'Not complied' before the time to register has run is refused with the day it may be given;
    # the officer gives it again on the 26th.
    answer(
        "sao-notice-sao-s436i-compliance",
        OrderS436ICompliance(
            officer=OFFICER, compliance=OrderCompliance.NOT_COMPLIED, checked_on=date(2027, 1, 19)
        ),
    )
    answer(
        "sao-notice-sao-s436i-compliance-retry-1",
        OrderS436ICompliance(
            officer=OFFICER, compliance=OrderCompliance.NOT_COMPLIED, checked_on=date(2027, 1, 26)
        ),
    )
    answer(
        "prosecution-referral-eso-consideration-2026",
        EsoConsideration2026(
            officer=OFFICER,
            eso_considered=True,
            decision=ProceedingsDecision.PROSECUTE_AND_APPLY_FOR_ESO,
            decided_on=date(2027, 1, 28),
            reasons="An ESO was considered; the family has refused all engagement.",
        ),
    )
    ran = run_case(make_referral())
    assert ran.waiting_on == "prosecution-referral-prosecution-outcome"
    refused = product.officer.descriptions["sao-notice-sao-s436i-compliance-retry-1"]
    assert "this can be recorded from 2027-01-20" in refused
    referral = text_of(product, only_case(product).letters[-1])
    assert (
        "Referral to legal services for proceedings: the Education Act 1996 as amended by the "
        "Children's Wellbeing and Schools Act 2026: failure to comply with a School Attendance "
        "Order under section 436I" in referral
    )
    assert "Prosecute and apply for an ESO" in referral


def test_the_order_naming_the_nominated_school_waits_for_the_parents_window(
    product: Product,
) -> None:
    commence_2026_act(FOUND_ON)
    to_the_order_under_s436i(product)
    product.officer.answer("sao-notice-sao-s436i-service", order(served_on=date(2026, 12, 22)))
    ran = run_case(make_referral())
    assert ran.waiting_on == "sao-notice-sao-s436i-service-retry-1"
    described = product.officer.descriptions[ran.waiting_on]
    assert "window to select a school" in described
    assert "ends on 2026-12-28" in described


def test_the_parent_must_be_considered_with_the_home_before_the_child_is_ordered_to_school() -> (
    None
):
    with pytest.raises(ValueError, match="learning_environments_considered"):
        PreliminaryNoticeResponse(
            officer=OFFICER,
            answer=ParentAnswer.NO_ANSWER,
            decided_on=date(2026, 12, 8),
            child_should_attend_school=True,
        )


@pytest.mark.parametrize(
    ("commences_on", "route"),
    [
        # The formal stage began on 10 November: commencing the day after, the case keeps the old
        # sections to the end, though every later decision is taken after commencement.
        (date(2026, 11, 11), "sao-notice-s438-notice"),
        # Commencing on the day the formal stage began: the Act's route.
        (date(2026, 11, 10), "education-enquiry-preliminary-notice"),
    ],
)
def test_a_case_straddling_commencement_runs_under_the_law_of_its_formal_stage(
    product: Product, commences_on: date, route: str
) -> None:
    commence_2026_act(commences_on)
    to_education_enquiry(product)
    answer = product.officer.answer
    answer("education-enquiry-s437-notice", s437_notice())
    answer("education-enquiry-s437-notice-served-1", sent_as_stated(), on=date(2026, 11, 19))
    answer("education-enquiry-s437-response", not_satisfied(), on=date(2026, 12, 8))
    ran = run_case(make_referral())
    assert ran.waiting_on == route
    record = only_case(product)
    chosen = RegimeId.EDUCATION_ACT_1996 if route.startswith("sao") else CWSA
    letters = [letter.kind for letter in record.letters]
    if chosen is CWSA:
        assert LetterKind.S437_NOTICE not in letters
    else:
        assert LetterKind.S437_NOTICE in letters
        notice = text_of(product, record.letters[letters.index(LetterKind.S437_NOTICE)])
        assert "Law applied: Education Act 1996, sections 437 to 443" in notice
    assert record.events.count(EventKind.REGIME_CHOSEN) == 1
