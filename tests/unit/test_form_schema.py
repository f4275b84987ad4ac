"""Forms read in words: optional fields plain, each choice labelled, and the words sent back turned
into the codes the Prefect server checks a resume against."""

from __future__ import annotations

import inspect
import json
from enum import Enum
from typing import Any

import pytest
from prefect._internal.pydantic.v2_schema import create_v2_schema
from prefect.utilities.callables import parameter_schema
from prefect.utilities.schema_tools import validate

from flows import forms
from flows.case import cme_case
from models.form_schema import LABELS_KEY, in_codes, in_words, labels_of

FORMS = sorted(
    (
        cls
        for name, cls in inspect.getmembers(forms, inspect.isclass)
        if issubclass(cls, forms.DecisionForm)
        and cls is not forms.DecisionForm
        and not name.startswith("_")
    ),
    key=lambda cls: cls.__name__,
)
PEOPLE = ["a-officer", "b-officer"]


def _form_schema(form: type[forms.DecisionForm]) -> dict[str, Any]:
    return create_v2_schema(form.__name__, model_base=forms.with_people(form, PEOPLE))


def _referral_schema() -> dict[str, Any]:
    return parameter_schema(cme_case).model_dump()


def _schemas() -> list[tuple[str, dict[str, Any]]]:
    return [(form.__name__, _form_schema(form)) for form in FORMS] + [
        ("referral", _referral_schema())
    ]


def _properties(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = dict(schema.get("properties", {}))
    for name, definition in schema.get("definitions", {}).items():
        for key, prop in definition.get("properties", {}).items():
            found[f"{name}.{key}"] = prop
    return found


@pytest.mark.parametrize(
    ("name", "schema"), _schemas(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_no_field_is_a_switch_between_its_type_and_none(name: str, schema: dict[str, Any]) -> None:
    switches = [key for key, prop in _properties(schema).items() if "anyOf" in prop]

    assert switches == [], f"{name}: {switches} render as a type switch"


@pytest.mark.parametrize(
    ("name", "schema"), _schemas(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_choice_shown_in_the_ui_reads_in_words(name: str, schema: dict[str, Any]) -> None:
    shown = json.dumps(in_words(schema))
    fields = _properties(json.loads(shown)).values()
    enums = [node["enum"] for node in _walk(list(fields)) if "enum" in node]

    assert LABELS_KEY not in shown
    assert enums, f"{name}: no choice found"
    for choices in enums:
        if choices in (PEOPLE, [*PEOPLE]):
            continue  # the team: never rendered (the gateway writes it)
        for words in choices:
            assert words[0].isupper() or words[0].isdigit(), f"{name}: {words!r}"
            assert "_" not in words, f"{name}: {words!r} is a code, not words"
        assert len(set(choices)) == len(choices), f"{name}: two choices read alike: {choices}"


def test_a_choice_keeps_its_enum_order_and_every_member() -> None:
    labels = labels_of(forms.HomeVisitFinding)

    assert [code for code, _ in labels] == [m.value for m in forms.HomeVisitFinding]
    assert dict(labels)["located_no_education"] == "Found, not in education"


def test_what_the_ui_sends_in_words_is_stored_in_codes_and_passes_the_servers_check() -> None:
    stored = _form_schema(forms.HomeVisitRecord)
    sent = {
        "finding": "Found, not in education",
        "visit_date": "2026-12-03",
        "seen": "The child",
        "safeguarding_indicators": ["Private fostering"],
        "closure_outcome": None,
        "notes": "",
    }

    answered = in_codes(sent, stored)

    assert answered["finding"] == "located_no_education"
    assert answered["safeguarding_indicators"] == ["private_fostering"]
    assert "closure_outcome" not in answered  # left empty: the form's default applies
    errors = validate(answered, stored, raise_on_error=False, ignore_required=True)
    assert [e.message for e in errors] == []
    assert validate(sent, stored, raise_on_error=False, ignore_required=True), "words pass as codes"


def test_a_referral_sent_in_words_reaches_the_flow_in_codes() -> None:
    stored = _referral_schema()
    sent = {
        "referral": {
            "referrer_type": "Member of the public",
            "agency_kind": "",
            "child_sex": "Not known",
            "parents": [{"name": "Sam Parent", "relationship": "Step-parent", "phone": None}],
        }
    }

    referral = in_codes(sent, stored)["referral"]

    assert referral["referrer_type"] == "member_of_public"
    assert "agency_kind" not in referral
    assert referral["parents"] == [{"name": "Sam Parent", "relationship": "step_parent"}]


def test_codes_sent_by_a_program_pass_unchanged() -> None:
    stored = _form_schema(forms.SaoCompliance)
    sent = {"compliance": "not_complied", "checked_on": "2027-01-26"}

    assert in_codes(sent, stored) == sent


def test_free_text_that_happens_to_read_like_a_choice_is_kept() -> None:
    stored = _form_schema(forms.HomeVisitRecord)

    assert in_codes({"notes": "No contact made"}, stored) == {"notes": "No contact made"}


def test_a_form_saved_before_words_keeps_its_nulls() -> None:
    old = {
        "type": "object",
        "properties": {"closure_outcome": {"anyOf": [{"type": "string"}, {"type": "null"}]}},
    }

    assert in_codes({"closure_outcome": None}, old) == {"closure_outcome": None}


def _walk(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        return [node, *[n for v in node.values() for n in _walk(v)]]
    if isinstance(node, list):
        return [n for v in node for n in _walk(v)]
    return []


def test_every_labelled_enum_member_has_words_of_its_own() -> None:
    for form in FORMS:
        for info in form.model_fields.values():
            choice = info.annotation
            if isinstance(choice, type) and issubclass(choice, Enum):
                words = [w for _, w in labels_of(choice)]
                assert len(set(words)) == len(words), choice
