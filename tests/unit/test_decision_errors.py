"""What a rejected answer tells the officer and the log.

`explain` output is logged and shown in the UI, so it must name each field and problem but never
repeat what was typed: that may be a child's or parent's name.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from flows.decisions import explain
from flows.forms import HomeVisitRecord, with_people

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


@pytest.mark.parametrize("typed", ["31/02/2026", "2026-02-31", "4 December 2026", "tomorrow"])
def test_a_date_typed_wrongly_is_answered_with_the_field_and_the_format(typed: str) -> None:
    error = _error(
        HomeVisitRecord,
        {"officer": "CME Officer (DSPL 1-5)", "visit_date": typed, "finding": "no_contact"},
    )

    text = explain(error)

    assert text == (
        "visit_date: not a date we can read: a date is written YYYY-MM-DD, for example "
        "2026-12-04 for 4 December 2026"
    )
    assert "invalid character" not in text
