"""What a rejected answer tells the officer and the log, and the keys decisions are stored under.

`explain` output is logged and shown in the UI, so it must name each field and problem but never
repeat what was typed: that may be a child's or parent's name.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import ValidationError

from flows.decisions import decision_key, explain
from flows.forms import HomeVisitRecord, with_people
from models.enums import Stage

PERSON = "Priya Madeupname"  # fictitious, stands for anything personal an officer might type
BAD_DATE = "31/13/2026"


def _error(form: type[HomeVisitRecord], data: dict[str, Any]) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        form.model_validate(data)
    return caught.value


def test_explain_lists_each_problem_as_field_then_message_when_fields_are_malformed() -> None:
    error = _error(
        HomeVisitRecord,
        {
            "officer": "CME Officer (DSPL 1-5)",
            "visit_date": BAD_DATE,
            "finding": PERSON,
            "seen": PERSON * 20,
        },
    )

    problems = explain(error).split("; ")

    assert [problem.split(": ", 1)[0] for problem in problems] == ["visit_date", "seen", "finding"]
    assert all(len(problem.split(": ", 1)[1]) > 10 for problem in problems)


def test_explain_never_repeats_the_values_typed() -> None:
    error = _error(
        HomeVisitRecord,
        {
            "officer": PERSON,
            "visit_date": BAD_DATE,
            "finding": PERSON,
            "seen": PERSON * 20,
            "other_local_authority_email": f"{PERSON}@",
        },
    )
    assert PERSON in str(error)  # pydantic's own message does carry the input

    text = explain(error)

    assert PERSON not in text
    assert BAD_DATE not in text
    assert "Priya" not in text


def test_explain_names_the_field_of_a_cross_field_rule() -> None:
    error = _error(
        HomeVisitRecord,
        {
            "officer": "CME Officer (DSPL 1-5)",
            "visit_date": "2026-11-02",
            "finding": "on_roll_elsewhere",
            "notes": f"Spoke to {PERSON}",
        },
    )

    text = explain(error)

    assert "school_name: required when on roll elsewhere" in text
    assert PERSON not in text


def test_explain_names_officer_when_not_one_of_the_configured_people() -> None:
    form = with_people(HomeVisitRecord, ["a-officer", "b-officer"])
    error = _error(form, {"officer": PERSON, "visit_date": "2026-11-02", "finding": "no_contact"})

    text = explain(error)

    assert text.startswith("officer: ")
    assert PERSON not in text


def test_explain_drops_pydantics_value_error_prefix() -> None:
    error = _error(
        HomeVisitRecord,
        {"officer": "x", "visit_date": "2026-11-02", "finding": "close_case"},
    )

    assert "Value error" not in explain(error)


@pytest.mark.parametrize("stage", list(Stage))
def test_decision_key_is_dash_separated_lowercase_for_every_stage(stage: Stage) -> None:
    key = decision_key(stage, "visit-1")

    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", key), key
    assert key.endswith("-visit-1")


def test_decision_key_is_the_stage_then_the_step() -> None:
    assert decision_key(Stage.EDUCATION_ENQUIRY, "s437-notice") == "education-enquiry-s437-notice"
    assert decision_key(Stage.HOME_VISIT, "visit-2") == "home-visit-visit-2"


def test_decision_key_is_stable_across_calls_and_distinct_per_stage_and_step() -> None:
    keys = {decision_key(stage, step) for stage in Stage for step in ("visit-1", "visit-2")}

    assert len(keys) == 2 * len(Stage)
    assert decision_key(Stage.SAO_NOTICE, "sao-service") == decision_key(
        Stage.SAO_NOTICE, "sao-service"
    )
