"""Referral check (s436A): the extracts, the safeguarding screen and the reasonable enquiries."""

from __future__ import annotations

from datetime import date

from prefect.client.orchestration import get_client

from flows.forms import EnquiryResult, ReferralCheckDecision
from models.enums import CaseStatus, ClosureOutcome, Stage
from tests.factories import make_referral
from tests.flows.casework import OFFICER, Product, enquiries, only_case, run_case

FIRST_FORM = "referral-check-reasonable-enquiries"


def test_a_child_on_the_pupil_roll_extract_closes_without_asking_anyone(product: Product) -> None:
    # Ada Testchild, born 2014-03-09, is on the shipped pupil-roll extract.
    ran = run_case(
        make_referral(child_forenames="Ada", child_surname="Testchild",
                      child_aliases=[], child_date_of_birth=date(2014, 3, 9))
    )  # fmt: skip
    record = only_case(product)
    assert ran.reference == record.case.reference
    assert record.case.status is CaseStatus.CLOSED
    assert record.case.closure_outcome is ClosureOutcome.FOUND_ON_ROLL
    assert product.officer.asked == []
    assert record.decisions == {}
    assert record.stage_names == [Stage.REFERRAL_CHECK.value]
    assert "data_extracts_checked" in record.events
    assert record.case.flow_run_id is not None
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(record.case.flow_run_id)
    assert run.name == record.case.reference
    assert f"officer:{OFFICER}" in run.tags and "dspl:7" in run.tags


def test_a_child_on_the_ehe_register_is_handed_to_the_ehe_team(product: Product) -> None:
    # Faye Homelearner is on the shipped EHE register extract.
    ran = run_case(
        make_referral(child_forenames="Faye", child_surname="Homelearner", child_aliases=[],
                      child_date_of_birth=date(2013, 4, 18), postcode="SG14 1AA")
    )  # fmt: skip
    record = only_case(product)
    assert ran.reference == record.case.reference
    assert record.case.closure_outcome is ClosureOutcome.ELECTIVE_HOME_EDUCATION
    assert product.officer.asked == []
    (handoff,) = product.inbox.wait_for(record.case.reference)
    assert handoff["X-Envelope-To"] == "ehe.team@example.gov.uk"


def test_enquiries_that_find_the_child_close_the_case_with_their_outcome(product: Product) -> None:
    product.officer.answer(
        FIRST_FORM,
        enquiries(
            decision=ReferralCheckDecision.CLOSE_CASE,
            closure_outcome=ClosureOutcome.MOVED_ABROAD_CONFIRMED,
            border_force=EnquiryResult.INFORMATION_FOUND,
        ),
    )
    ran = run_case(make_referral())
    record = only_case(product)
    assert ran.reference == record.case.reference
    assert record.case.closure_outcome is ClosureOutcome.MOVED_ABROAD_CONFIRMED
    assert record.stage_names == [Stage.REFERRAL_CHECK.value]
    assert set(record.decisions) == {FIRST_FORM}
    assert record.events.count("case_closed") == 1


def test_enquiries_that_find_nothing_go_on_to_a_home_visit(product: Product) -> None:
    product.officer.answer(FIRST_FORM, enquiries())
    ran = run_case(make_referral())
    assert ran.waiting_on == "home-visit-visit-1"
    record = only_case(product)
    assert record.case.status is CaseStatus.OPEN
    assert record.case.current_stage is Stage.HOME_VISIT
    assert record.stage_names == [Stage.REFERRAL_CHECK.value, Stage.HOME_VISIT.value]
    assert "visit 1 of up to 3" in product.officer.descriptions["home-visit-visit-1"]


def test_a_referral_with_a_safeguarding_indicator_escalates_at_once(product: Product) -> None:
    ran = run_case(make_referral(safeguarding_indicators=["whereabouts_unknown_safety_concern"]))
    assert ran.waiting_on == FIRST_FORM
    record = only_case(product)
    (escalation,) = product.inbox.wait_for(record.case.reference)
    assert "Safeguarding" in str(escalation["Subject"])
    recipients = escalation["X-Envelope-To"]
    assert "mash@example.gov.uk" in recipients and "cme.team.lead@example.gov.uk" in recipients
    assert record.events.count("safeguarding_escalation") == 1


def test_an_answer_the_form_rejects_is_asked_for_again_with_the_problem_shown(
    product: Product,
) -> None:
    # A cross-field rule is not in the JSON schema the server checks: its breach reaches the flow.
    bad = enquiries().model_dump(mode="json") | {"decision": "close_case"}
    product.officer.answer(FIRST_FORM, bad)
    ran = run_case(make_referral())
    assert ran.waiting_on == f"{FIRST_FORM}-retry-1"
    assert "closure_outcome: required to close" in product.officer.descriptions[ran.waiting_on]
    assert only_case(product).decisions == {}
