"""Consent to withdraw (s434A): which (f) rows open a consent decision instead of the EHE list.

Every person and school here is fictitious.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from models.deletion_intake import RowOutcome, plan_rows
from models.matching import IdentityIndex, MatchThresholds
from models.school_returns import DeletionReturnRow
from models.triage import Route, triage_deletion_return
from models.withdrawal_consent import (
    Condition,
    ConsentDecision,
    ConsentRule,
    child_protection_index,
    consent_needed,
)

TODAY = date(2026, 11, 2)
COMMENCES = date(2026, 10, 1)
SPECIAL = "999004"
MAINSTREAM = "999001"
THRESHOLDS = MatchThresholds()


def pupil(**overrides: Any) -> DeletionReturnRow:
    fields: dict[str, Any] = {
        "pupil_forenames": "Alex Sample",
        "pupil_surname": "Testchild",
        "date_of_birth": "2015-03-14",
        "address": "1 Example Street, St Albans",
        "postcode": "AL1 3ER",
        "school_name": "Example Primary School",
        "school_urn": MAINSTREAM,
        "deletion_ground": "f",
        "deletion_date": "2026-10-30",
    }
    fields.update(overrides)
    return DeletionReturnRow.model_validate(fields, context={"today": TODAY})


def extract(*rows: Mapping[str, str | None]) -> IdentityIndex[str]:
    index: IdentityIndex[str] = IdentityIndex(THRESHOLDS)
    assert child_protection_index(rows, index) == []
    return index


ON_A_PLAN = {
    "forenames": "Alex Sample",
    "surname": "Testchild",
    "date_of_birth": "2015-03-14",
    "postcode": "AL1 3ER",
    "status": "child_protection_plan",
}


def rule(
    *, commences: date | None = COMMENCES, csc: IdentityIndex[str] | None = None
) -> ConsentRule:
    return ConsentRule(
        special_schools=frozenset({SPECIAL}),
        child_protection=csc if csc is not None else extract(),
        in_force=lambda day: commences is not None and commences <= day,
    )


def test_a_special_school_pupil_meets_condition_a_from_the_configured_school() -> None:
    found = consent_needed(pupil(school_urn=SPECIAL), rule())
    assert found is not None
    assert found.conditions == (Condition.A_SPECIAL_SCHOOL,)
    assert found.sources == ("Condition A: school URN 999004 is a configured special school",)


def test_a_child_on_a_plan_meets_condition_b_from_the_social_care_extract() -> None:
    found = consent_needed(pupil(), rule(csc=extract(ON_A_PLAN)))
    assert found is not None
    assert found.conditions == (Condition.B_CHILD_PROTECTION,)
    (source,) = found.sources
    assert source.startswith(
        "Condition B: matched in the children's social care extract (a child protection plan)"
    )
    assert "Alex" not in source and "Testchild" not in source


def test_both_conditions_are_recorded_when_both_apply() -> None:
    s47 = {**ON_A_PLAN, "status": "s47_enquiry"}
    found = consent_needed(pupil(school_urn=SPECIAL), rule(csc=extract(s47)))
    assert found is not None
    assert found.conditions == (Condition.A_SPECIAL_SCHOOL, Condition.B_CHILD_PROTECTION)
    assert "(s47 enquiries)" in found.sources[1]


def test_neither_condition_no_consent_needed() -> None:
    other_child = {**ON_A_PLAN, "forenames": "Robin", "date_of_birth": "2012-01-01"}
    assert consent_needed(pupil(), rule(csc=extract(other_child))) is None


def test_not_in_force_on_the_deletion_day_no_consent_needed() -> None:
    assert consent_needed(pupil(school_urn=SPECIAL), rule(commences=None)) is None
    # Commencing the day after the deletion: the deletion was made under the old law.
    assert consent_needed(pupil(school_urn=SPECIAL), rule(commences=date(2026, 10, 31))) is None
    assert consent_needed(pupil(school_urn=SPECIAL), rule(commences=date(2026, 10, 30)))


def test_a_ground_other_than_f_never_needs_consent() -> None:
    for ground in ("g", "e", "n", "unknown"):
        assert consent_needed(pupil(school_urn=SPECIAL, deletion_ground=ground), rule()) is None


def test_an_unreadable_extract_row_is_named_by_its_line() -> None:
    index: IdentityIndex[str] = IdentityIndex(THRESHOLDS)
    bad_status = {**ON_A_PLAN, "status": "child_in_need"}
    bad_date = {**ON_A_PLAN, "date_of_birth": "14/03/2015"}
    assert child_protection_index([ON_A_PLAN, bad_status, bad_date], index) == [3, 4]


def test_triage_and_plan_route_a_relevant_child_to_a_consent_decision_not_the_ehe_list() -> None:
    rows = [(2, pupil(school_urn=SPECIAL)), (3, pupil(pupil_forenames="Sam"))]
    triaged = triage_deletion_return(
        rows,
        open_cases=IdentityIndex(THRESHOLDS),
        roll=IdentityIndex(THRESHOLDS),
        thresholds=THRESHOLDS,
        consent=rule(),
    )
    assert [t.route for t in triaged] == [Route.CONSENT_DECISION, Route.EHE_NOTICE]
    assert triaged[0].reason.startswith("reg 9(1)(f) for a relevant child under s434A")
    plans, problems = plan_rows(rows, triaged, received_on=TODAY)
    assert problems == []
    assert [(p.outcome, p.notice) for p in plans] == [
        (RowOutcome.CONSENT_REQUESTED, None),
        (RowOutcome.EHE_LISTED, plans[1].notice),
    ]
    assert plans[1].notice is not None
    assert plans[0].consent == triaged[0].consent


def test_without_a_rule_triage_is_as_before() -> None:
    (triaged,) = triage_deletion_return(
        [(2, pupil(school_urn=SPECIAL))],
        open_cases=IdentityIndex(THRESHOLDS),
        roll=IdentityIndex(THRESHOLDS),
        thresholds=THRESHOLDS,
    )
    assert triaged.route is Route.EHE_NOTICE and triaged.consent is None


def test_only_a_refusal_keeps_the_child_off_the_ehe_list() -> None:
    assert [d.lists_for_ehe for d in ConsentDecision] == [True, False, True]
