"""The officer's decision forms: cross-field rules, closure mapping, and how they render in the UI.

The schema checks read the schema Prefect itself saves for a suspended run (`create_v2_schema`, as
`RunInput.save` calls it), so a form that would render badly in the UI fails here first.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from prefect._internal.pydantic.v2_schema import create_v2_schema
from prefect.utilities.callables import parameter_schema
from prefect.utilities.schema_tools.validation import validate as prefect_schema_validate
from pydantic import ValidationError

import flows.forms as forms_module
from flows.forms import (
    Compliance,
    CourtOutcome,
    DecisionForm,
    EnforcementDecision,
    EsoConsideration,
    HomeVisitFinding,
    HomeVisitRecord,
    LetterSent,
    LetterServed,
    NoticeDecision,
    OrderDecision,
    ParentAnswer,
    ParentChoice,
    PeriodicReview,
    ProsecutionOutcome,
    ReasonableEnquiries,
    ReferralCheckDecision,
    ReviewOutcome,
    S437NoticeService,
    S437Response,
    S438NoticeOfIntention,
    SaoCompliance,
    SaoService,
    with_people,
)
from models.calendar import ServiceMethod
from models.choice_words import decision_summary
from models.enums import ClosureOutcome
from models.referral import Referral

OFFICER = "CME Officer (DSPL 1-5)"
PEOPLE = ["a-officer", "b-officer"]
DAY = date(2026, 11, 2)

FORMS: list[type[DecisionForm]] = [
    cls
    for _, cls in inspect.getmembers(forms_module, inspect.isclass)
    if issubclass(cls, DecisionForm) and cls.__module__ == forms_module.__name__
]


def _rejection(form: type[DecisionForm], **data: Any) -> tuple[tuple[int | str, ...], str]:
    with pytest.raises(ValidationError) as caught:
        form.model_validate({"officer": OFFICER, **data})
    errors = caught.value.errors()
    assert len(errors) == 1, errors
    return errors[0]["loc"], errors[0]["msg"]


def _rejects_naming(form: type[DecisionForm], field: str, **data: Any) -> str:
    """The single error names `field`, in its location or at the start of its message."""
    loc, message = _rejection(form, **data)
    message = message.removeprefix("Value error, ")
    assert loc == (field,) or message.startswith(f"{field}: "), (loc, message)
    return message


# --- Home visit -----------------------------------------------------------------------------

VISIT: dict[str, Any] = {"visit_date": DAY}

MOVED_TO_OTHER_LA: dict[str, Any] = {
    **VISIT,
    "finding": "moved_to_other_la",
    "other_local_authority": "Example County Council",
    "other_local_authority_email": "cme@example-county.example.gov.uk",
    "new_address": "2 Sample Road, Exampletown",
}


def test_home_visit_is_rejected_naming_school_name_when_on_roll_elsewhere_without_school() -> None:
    message = _rejects_naming(HomeVisitRecord, "school_name", **VISIT, finding="on_roll_elsewhere")

    assert message == "school_name: required when on roll elsewhere"


def test_home_visit_is_rejected_when_school_name_is_only_spaces() -> None:
    _rejects_naming(
        HomeVisitRecord, "school_name", **VISIT, finding="on_roll_elsewhere", school_name="   "
    )


@pytest.mark.parametrize(
    "missing", ["other_local_authority", "other_local_authority_email", "new_address"]
)
def test_home_visit_is_rejected_naming_the_field_when_moved_to_other_la_without_it(
    missing: str,
) -> None:
    data = {key: value for key, value in MOVED_TO_OTHER_LA.items() if key != missing}

    message = _rejects_naming(HomeVisitRecord, missing, **data)

    assert "required" in message


def test_home_visit_is_accepted_when_moved_to_other_la_with_all_details() -> None:
    record = HomeVisitRecord.model_validate({"officer": OFFICER, **MOVED_TO_OTHER_LA})

    assert record.other_local_authority == "Example County Council"


def test_home_visit_is_rejected_naming_the_email_when_it_is_malformed() -> None:
    _rejects_naming(
        HomeVisitRecord,
        "other_local_authority_email",
        **{**MOVED_TO_OTHER_LA, "other_local_authority_email": "not an address"},
    )


def test_home_visit_is_rejected_naming_country_when_move_abroad_confirmed_without_it() -> None:
    _rejects_naming(HomeVisitRecord, "country", **VISIT, finding="moved_abroad_confirmed")


def test_home_visit_is_rejected_naming_seen_when_child_seen_but_nobody_named() -> None:
    _rejects_naming(HomeVisitRecord, "seen", **VISIT, finding="no_contact", child_seen=True)


def test_home_visit_is_rejected_naming_closure_outcome_when_closing_without_one() -> None:
    message = _rejects_naming(HomeVisitRecord, "closure_outcome", **VISIT, finding="close_case")

    assert message == "closure_outcome: required to close"


def test_home_visit_is_rejected_naming_closure_outcome_when_given_but_not_closing() -> None:
    message = _rejects_naming(
        HomeVisitRecord,
        "closure_outcome",
        **VISIT,
        finding="no_contact",
        closure_outcome="not_cme",
    )

    assert "leave empty" in message


# --- Other forms' cross-field rules ---------------------------------------------------------

ENQUIRIES: dict[str, Any] = {
    field: "no_trace"
    for field in (
        "school",
        "admissions",
        "other_local_authorities",
        "s2s_lost_pupil_database",
        "health",
        "childrens_social_care",
        "district_council_tax_and_housing",
        "police",
        "border_force",
    )
}
SERVICE: dict[str, Any] = {
    "decision": "serve_notice",
    "service_method": "by_hand",
    "served_on": DAY,
    "served_on_parent": "Parent A",
}
SAO: dict[str, Any] = {
    "decision": "serve_order",
    "parent_choice": "proposed_school",
    "named_school": "Example Primary School",
    "service_method": "first_class_post",
    "served_on": DAY,
}
REVIEW: dict[str, Any] = {"reviewed_on": DAY}
ANSWERED: dict[str, Any] = {"decided_on": DAY}


@pytest.mark.parametrize(
    ("form", "data"),
    [
        (ReasonableEnquiries, {**ENQUIRIES, "decision": "close_case"}),
        (PeriodicReview, {**REVIEW, "outcome": "close_case"}),
        (S437NoticeService, {**SERVICE, "decision": "close_case"}),
        (S438NoticeOfIntention, {**SERVICE, "decision": "close_case", "proposed_school": "X Y"}),
        (SaoService, {**SAO, "decision": "close_case"}),
        (S437Response, {**ANSWERED, "answer": "close_case"}),
    ],
)
def test_closing_is_rejected_naming_closure_outcome_when_none_given(
    form: type[DecisionForm], data: dict[str, Any]
) -> None:
    message = _rejects_naming(form, "closure_outcome", **data)

    assert message == "closure_outcome: required to close"


@pytest.mark.parametrize(
    ("form", "data"),
    [
        (ReasonableEnquiries, {**ENQUIRIES, "decision": "continue_to_home_visit"}),
        (PeriodicReview, {**REVIEW, "outcome": "still_missing"}),
        (S437NoticeService, SERVICE),
        (S438NoticeOfIntention, {**SERVICE, "proposed_school": "Example Academy"}),
        (SaoService, SAO),
        (S437Response, {**ANSWERED, "answer": "suitable_education_shown"}),
    ],
)
def test_closure_outcome_is_rejected_when_given_but_not_closing(
    form: type[DecisionForm], data: dict[str, Any]
) -> None:
    message = _rejects_naming(form, "closure_outcome", **data, closure_outcome="not_cme")

    assert "leave empty unless you are closing the case" in message


@pytest.mark.parametrize("answer", ["not_satisfied", "no_answer"])
def test_s437_response_is_rejected_naming_expedient_when_proceeding_without_it(
    answer: str,
) -> None:
    message = _rejects_naming(
        S437Response, "expedient_that_child_attend_school", **ANSWERED, answer=answer
    )

    assert "s437(3)" in message


def test_s437_response_is_accepted_when_not_satisfied_and_expedient_confirmed() -> None:
    response = S437Response.model_validate(
        {
            "officer": OFFICER,
            "answer": "not_satisfied",
            "decided_on": DAY,
            "expedient_that_child_attend_school": True,
        }
    )

    assert response.closes_case() is None


def test_s437_response_is_rejected_naming_school_name_when_registered_without_school() -> None:
    _rejects_naming(S437Response, "school_name", **ANSWERED, answer="registered_at_school")


def test_s437_response_is_rejected_naming_decided_on_when_the_day_is_not_given() -> None:
    _rejects_naming(S437Response, "decided_on", answer="suitable_education_shown")


def test_eso_consideration_is_rejected_naming_eso_considered_when_not_considered() -> None:
    message = _rejects_naming(
        EsoConsideration,
        "eso_considered",
        decision="prosecute",
        decided_on=DAY,
        reasons="The order has not been complied with for a term.",
    )

    assert "s447(1)" in message


def test_s437_notice_is_rejected_naming_period_days_when_shorter_than_15() -> None:
    _rejects_naming(S437NoticeService, "period_days", **SERVICE, period_days=14)


def test_s437_notice_is_accepted_when_period_is_15_days() -> None:
    notice = S437NoticeService.model_validate({"officer": OFFICER, **SERVICE, "period_days": 15})

    assert notice.period_days == 15
    assert notice.service_method is ServiceMethod.BY_HAND


# --- closes_case: every answer, the expected outcome written out ----------------------------

CLOSING_WITH = ClosureOutcome.DECEASED  # an outcome no answer maps to by itself

HOME_VISIT_CLOSES: dict[HomeVisitFinding, ClosureOutcome | None] = {
    HomeVisitFinding.ON_ROLL_ELSEWHERE: ClosureOutcome.FOUND_ON_ROLL,
    # Closes only when the receiving authority acknowledges (flows/case.py).
    HomeVisitFinding.MOVED_TO_OTHER_LA: None,
    HomeVisitFinding.MOVED_ABROAD_CONFIRMED: ClosureOutcome.MOVED_ABROAD_CONFIRMED,
    HomeVisitFinding.MOVED_ABROAD_BELIEVED: ClosureOutcome.MOVED_ABROAD_BELIEVED,
    HomeVisitFinding.ELECTIVE_HOME_EDUCATION: ClosureOutcome.ELECTIVE_HOME_EDUCATION,
    HomeVisitFinding.LOCATED_NO_EDUCATION: None,
    HomeVisitFinding.NO_CONTACT: None,
    HomeVisitFinding.CLOSE_CASE: CLOSING_WITH,
}
HOME_VISIT_DETAILS: dict[HomeVisitFinding, dict[str, Any]] = {
    HomeVisitFinding.ON_ROLL_ELSEWHERE: {"school_name": "Example Academy"},
    HomeVisitFinding.MOVED_TO_OTHER_LA: MOVED_TO_OTHER_LA,
    HomeVisitFinding.MOVED_ABROAD_CONFIRMED: {"country": "Examplestan"},
    HomeVisitFinding.CLOSE_CASE: {"closure_outcome": CLOSING_WITH},
}


def test_home_visit_closure_table_covers_every_finding() -> None:
    assert set(HOME_VISIT_CLOSES) == set(HomeVisitFinding)


@pytest.mark.parametrize("finding", list(HomeVisitFinding))
def test_home_visit_closes_case_with_the_mapped_outcome_for_each_finding(
    finding: HomeVisitFinding,
) -> None:
    data = {**VISIT, **HOME_VISIT_DETAILS.get(finding, {}), "finding": finding}

    record = HomeVisitRecord.model_validate({"officer": OFFICER, **data})

    assert record.closes_case() == HOME_VISIT_CLOSES[finding]


S437_RESPONSE_CLOSES: dict[ParentAnswer, ClosureOutcome | None] = {
    ParentAnswer.SUITABLE_EDUCATION_SHOWN: ClosureOutcome.ELECTIVE_HOME_EDUCATION,
    ParentAnswer.REGISTERED_AT_SCHOOL: ClosureOutcome.FOUND_ON_ROLL,
    ParentAnswer.NOT_SATISFIED: None,
    ParentAnswer.NO_ANSWER: None,
    ParentAnswer.CLOSE_CASE: CLOSING_WITH,
}
S437_RESPONSE_DETAILS: dict[ParentAnswer, dict[str, Any]] = {
    ParentAnswer.REGISTERED_AT_SCHOOL: {"school_name": "Example Academy"},
    ParentAnswer.NOT_SATISFIED: {"expedient_that_child_attend_school": True},
    ParentAnswer.NO_ANSWER: {"expedient_that_child_attend_school": True},
    ParentAnswer.CLOSE_CASE: {"closure_outcome": CLOSING_WITH},
}


@pytest.mark.parametrize("answer", list(ParentAnswer))
def test_s437_response_closes_case_with_the_mapped_outcome_for_each_answer(
    answer: ParentAnswer,
) -> None:
    data = {**ANSWERED, **S437_RESPONSE_DETAILS.get(answer, {}), "answer": answer}

    response = S437Response.model_validate({"officer": OFFICER, **data})

    assert response.closes_case() == S437_RESPONSE_CLOSES[answer]


SAO_COMPLIANCE_CLOSES: dict[Compliance, ClosureOutcome | None] = {
    Compliance.REGISTERED_AT_NAMED_SCHOOL: ClosureOutcome.SAO_COMPLIED,
    Compliance.REVOKED_ON_APPLICATION: ClosureOutcome.SAO_REVOKED,
    Compliance.NOT_COMPLIED: None,
}


@pytest.mark.parametrize("compliance", list(Compliance))
def test_sao_compliance_closes_case_with_the_mapped_outcome_for_each_answer(
    compliance: Compliance,
) -> None:
    answer = SaoCompliance.model_validate(
        {"officer": OFFICER, "compliance": compliance, "checked_on": DAY}
    )

    assert answer.closes_case() == SAO_COMPLIANCE_CLOSES[compliance]


PROSECUTION_CLOSES: dict[CourtOutcome, ClosureOutcome] = {
    CourtOutcome.CONVICTED: ClosureOutcome.PROSECUTION_CONVICTED,
    CourtOutcome.ACQUITTED: ClosureOutcome.PROSECUTION_ACQUITTED,
    CourtOutcome.WITHDRAWN: ClosureOutcome.PROSECUTION_WITHDRAWN,
    CourtOutcome.ESO_MADE: ClosureOutcome.ESO_MADE,
}


@pytest.mark.parametrize("outcome", list(CourtOutcome))
def test_prosecution_outcome_closes_case_with_the_mapped_outcome_for_each_result(
    outcome: CourtOutcome,
) -> None:
    result = ProsecutionOutcome.model_validate(
        {"officer": OFFICER, "outcome": outcome, "decided_on": DAY}
    )

    assert result.closes_case() == PROSECUTION_CLOSES[outcome]


# The decision-only forms close exactly when the officer chooses to close, with the outcome given.
S438: dict[str, Any] = {**SERVICE, "proposed_school": "Example Academy"}
DECISIONS: list[tuple[type[DecisionForm], str, dict[str, Any]]] = [
    *[
        (ReasonableEnquiries, "decision", {**ENQUIRIES, "decision": d})
        for d in ReferralCheckDecision
    ],
    *[(PeriodicReview, "outcome", {**REVIEW, "outcome": o}) for o in ReviewOutcome],
    *[(S437NoticeService, "decision", {**SERVICE, "decision": d}) for d in NoticeDecision],
    *[(S438NoticeOfIntention, "decision", {**S438, "decision": d}) for d in NoticeDecision],
    *[(SaoService, "decision", {**SAO, "decision": d}) for d in OrderDecision],
]


@pytest.mark.parametrize(("form", "field", "data"), DECISIONS)
def test_decision_closes_case_only_when_the_officer_chooses_close_case(
    form: type[DecisionForm], field: str, data: dict[str, Any]
) -> None:
    closing = data[field] == "close_case"
    outcome = {"closure_outcome": CLOSING_WITH} if closing else {}

    answer = form.model_validate({"officer": OFFICER, **data, **outcome})

    assert answer.closes_case() == (CLOSING_WITH if closing else None)


@pytest.mark.parametrize("decision", list(EnforcementDecision))
def test_eso_consideration_never_closes_the_case(decision: EnforcementDecision) -> None:
    answer = EsoConsideration.model_validate(
        {
            "officer": OFFICER,
            "eso_considered": True,
            "decision": decision,
            "decided_on": DAY,
            "reasons": "The order has not been complied with for a term.",
        }
    )

    assert answer.closes_case() is None


def test_parent_choice_offers_every_s438_choice() -> None:
    assert {choice.value for choice in ParentChoice} == {
        "proposed_school",
        "chose_alternative",
        "offered_place_elsewhere",
    }


# --- Rendering in the Prefect UI -----------------------------------------------------------


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref is None:
        return node
    name = ref.rsplit("/", 1)[-1]
    definitions = schema.get("definitions") or schema.get("$defs") or {}
    resolved: dict[str, Any] = definitions[name]
    return resolved


def _objects(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    yield "form", schema
    for name, definition in (schema.get("definitions") or schema.get("$defs") or {}).items():
        if definition.get("type") == "object" or "properties" in definition:
            yield name, definition


def _nodes(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _nodes(value)


def _form_rule_breaches(schema: dict[str, Any]) -> list[str]:
    """Style-anchors B.2: what makes a generated Prefect form unusable."""
    breaches = []
    for owner, obj in _objects(schema):
        for name, prop in obj.get("properties", {}).items():
            for key in ("title", "description"):
                if not prop.get(key):
                    breaches.append(f"{owner}.{name}: no {key}")
    for node in _nodes(schema):
        options = node.get("anyOf", [])
        objects = [o for o in options if _resolve(schema, o).get("type") == "object"]
        if len(objects) >= 2:
            breaches.append(f"union of models: {options}")
        if "enum" in node and len(node["enum"]) < 2:
            breaches.append(f"enum with fewer than two members: {node['enum']}")
    return breaches


def _ui_schema(form: type[DecisionForm]) -> dict[str, Any]:
    return create_v2_schema(form.__name__, model_base=form)


def test_every_decision_form_is_found_for_the_schema_checks() -> None:
    assert {HomeVisitRecord, S437Response, SaoCompliance, EsoConsideration} <= set(FORMS)


@pytest.mark.parametrize("form", FORMS, ids=lambda form: form.__name__)
def test_form_schema_obeys_the_ui_form_rules(form: type[DecisionForm]) -> None:
    assert _form_rule_breaches(_ui_schema(form)) == []


@pytest.mark.parametrize("form", FORMS, ids=lambda form: form.__name__)
def test_form_with_people_schema_obeys_the_ui_form_rules(form: type[DecisionForm]) -> None:
    assert _form_rule_breaches(_ui_schema(with_people(form, PEOPLE))) == []


@pytest.mark.parametrize("form", FORMS, ids=lambda form: form.__name__)
def test_the_form_does_not_ask_who_decides(form: type[DecisionForm]) -> None:
    schema = _ui_schema(with_people(form, PEOPLE).with_initial_data(description="Decide."))

    assert "officer" not in schema["properties"]
    assert "signed_in_as" not in schema["properties"]
    assert "officer" not in schema.get("required", [])


@pytest.mark.parametrize("form", FORMS, ids=lambda form: form.__name__)
def test_the_stored_schema_admits_the_gateways_officer_only_from_the_configured_people(
    form: type[DecisionForm],
) -> None:
    # As the Prefect server checks a resume's input against the stored schema.
    schema = _ui_schema(with_people(form, PEOPLE).with_initial_data(description="Decide."))
    identity = {"officer": "b-officer", "signed_in_as": "officer.south"}

    assert schema["additionalProperties"] is False
    assert schema["patternProperties"]["^officer$"]["enum"] == PEOPLE
    assert not _server_errors(schema, identity, "officer")
    assert not _server_errors(schema, identity, "signed_in_as")
    assert _server_errors(schema, {**identity, "officer": "c-officer"}, "officer")
    assert _server_errors(schema, {**identity, "signed_in_as": "Not A Username"}, "signed_in_as")
    assert _server_errors(schema, {**identity, "offcer": "a-officer"}, "offcer")


def _server_errors(schema: dict[str, Any], identity: dict[str, str], key: str) -> list[str]:
    errors = prefect_schema_validate(identity, schema, ignore_required=True)
    return [error.message for error in errors if key in error.message or key in error.json_path]


@pytest.mark.parametrize("form", FORMS, ids=lambda form: form.__name__)
def test_with_people_keeps_the_field_order(form: type[DecisionForm]) -> None:
    assert list(with_people(form, PEOPLE).model_fields) == list(form.model_fields)


def test_a_form_without_an_officer_is_refused_saying_to_sign_in() -> None:
    form = with_people(SaoCompliance, PEOPLE)

    with pytest.raises(ValidationError, match="officer: no signed-in officer") as caught:
        form.model_validate({"compliance": "not_complied", "checked_on": DAY})

    assert "sign in to the Prefect UI as yourself" in str(caught.value)


def test_a_form_keeps_who_signed_in() -> None:
    form = with_people(SaoCompliance, PEOPLE)

    answer = form.model_validate(
        {
            "officer": "a-officer",
            "signed_in_as": "officer.north",
            "compliance": "not_complied",
            "checked_on": DAY,
        }
    )

    assert answer.model_dump(mode="json")["signed_in_as"] == "officer.north"
    assert str(answer.officer) == "a-officer"


def test_with_people_rejects_an_officer_not_configured() -> None:
    form = with_people(SaoCompliance, PEOPLE)

    with pytest.raises(ValidationError) as caught:
        form.model_validate(
            {"officer": "c-officer", "compliance": "not_complied", "checked_on": DAY}
        )

    assert [error["loc"] for error in caught.value.errors()] == [("officer",)]


def test_with_people_accepts_a_configured_officer_and_keeps_the_form_rules() -> None:
    form = with_people(HomeVisitRecord, PEOPLE)

    record = form.model_validate({"officer": "b-officer", **VISIT, "finding": "no_contact"})

    assert str(record.officer) == "b-officer"
    with pytest.raises(ValidationError, match="school_name: required"):
        form.model_validate({"officer": "b-officer", **VISIT, "finding": "on_roll_elsewhere"})


@pytest.mark.parametrize("people", [[], ["a-officer"], ["a-officer", "a-officer"]])
def test_with_people_raises_naming_people_when_fewer_than_two_distinct(
    people: list[str],
) -> None:
    with pytest.raises(ValueError, match=r"^people: "):
        with_people(HomeVisitRecord, people)


def test_with_initial_data_keeps_the_field_constraints() -> None:
    form = with_people(S437NoticeService, PEOPLE).with_initial_data(description="Serve it.")

    schema = _ui_schema(form)

    assert schema["properties"]["period_days"]["minimum"] == 15
    with pytest.raises(ValidationError) as caught:
        form.model_validate({"officer": "a-officer", **SERVICE, "period_days": 14})
    assert [error["loc"] for error in caught.value.errors()] == [("period_days",)]


def test_with_initial_data_keeps_the_cross_field_rules() -> None:
    form = with_people(HomeVisitRecord, PEOPLE).with_initial_data(description="Visit.")

    with pytest.raises(ValidationError, match="closure_outcome: required to close"):
        form.model_validate({"officer": "a-officer", **VISIT, "finding": "close_case"})


def test_referral_parameter_schema_obeys_the_ui_form_rules() -> None:
    def cme_case(referral: Referral) -> None: ...

    # The wrapper object is Prefect's; the forms the officer fills in are its definitions.
    definitions = parameter_schema(cme_case).model_dump()["definitions"]

    assert _form_rule_breaches({"definitions": definitions}) == []


# --- Serving a letter -----------------------------------------------------------------------


def test_letter_served_as_stated_needs_no_reissue_details() -> None:
    served = LetterServed.model_validate({"officer": OFFICER, "sent": "sent_as_stated"})
    assert served.sent is LetterSent.SENT_AS_STATED


def test_letter_reissue_is_rejected_naming_the_day_when_it_is_missing() -> None:
    _rejects_naming(
        LetterServed, "reissue_sent_on", sent="reissue", reissue_service_method="by_hand"
    )


def test_letter_reissue_details_are_rejected_when_sent_as_stated() -> None:
    _rejects_naming(
        LetterServed, "reissue_service_method", sent="sent_as_stated",
        reissue_service_method="by_hand",
    )  # fmt: skip


def _decision_forms() -> list[type[DecisionForm]]:
    return [
        form
        for name, form in inspect.getmembers(forms_module, inspect.isclass)
        if issubclass(form, DecisionForm) and form is not DecisionForm and not name.startswith("_")
    ]


@pytest.mark.parametrize("form", _decision_forms(), ids=lambda form: form.__name__)
def test_every_decision_form_says_in_a_summary_what_was_decided(form: type[DecisionForm]) -> None:
    # The earlier decisions listed above each form read "Letter: Sent as the letter states", never
    # a date and a name with nothing decided.
    answered: dict[str, object] = dict.fromkeys(form.model_fields, "sent_as_stated")
    assert decision_summary(answered), f"{form.__name__}: no field a summary reads"
