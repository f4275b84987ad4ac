"""The values the case flow passes between stages: the stored stage outcome and the case handle."""

from __future__ import annotations

import pytest
from prefect.client.schemas.actions import ArtifactCreate
from pydantic import ValidationError

from models.case import CaseHandle, StageResult, closed, next_stage
from models.enums import ClosureOutcome, Stage


@pytest.mark.parametrize("stage", list(Stage))
def test_next_stage_result_survives_encode_and_decode_for_every_stage(stage: Stage) -> None:
    encoded = next_stage(stage).encode()

    assert encoded == f"next:{stage.value}"
    assert StageResult.decode(encoded) == StageResult(next_stage=stage)


@pytest.mark.parametrize("outcome", list(ClosureOutcome))
def test_closed_result_survives_encode_and_decode_for_every_outcome(
    outcome: ClosureOutcome,
) -> None:
    encoded = closed(outcome).encode()

    assert encoded == f"closed:{outcome.value}"
    assert StageResult.decode(encoded) == StageResult(closure=outcome)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "garbage",
        "closed",
        "closed:",
        "closed:not_an_outcome",
        "next:not_a_stage",
        "next:found_on_roll",  # an outcome is not a stage
        "closed:home_visit",  # a stage is not an outcome
        "moved:home_visit",
        "CLOSED:found_on_roll",
    ],
)
def test_decode_rejects_text_naming_it_and_the_expected_forms_when_malformed(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        StageResult.decode(text)

    message = str(caught.value)
    assert repr(text) in message
    assert "'closed:<closure outcome>' or 'next:<stage>'" in message


def test_encode_refuses_when_the_result_has_neither_next_stage_nor_closure() -> None:
    with pytest.raises(ValueError, match="needs a next stage or a closure"):
        StageResult().encode()


def test_result_is_rejected_naming_closure_when_given_both_next_stage_and_closure() -> None:
    with pytest.raises(ValidationError, match="closure: a stage result that closes"):
        StageResult(next_stage=Stage.HOME_VISIT, closure=ClosureOutcome.NOT_CME)


@pytest.mark.parametrize(
    ("reference", "key"),
    [
        ("CME-2026-00042", "case-cme-2026-00042"),
        ("CME-2027-12345", "case-cme-2027-12345"),
        ("cme/2025 17_b", "case-cme-2025-17-b"),
    ],
)
def test_artifact_key_is_lowercase_digits_and_dashes_when_built_from_the_reference(
    reference: str, key: str
) -> None:
    handle = CaseHandle(case_id=1, reference=reference, officer_id="a-officer", dspl_area=1)

    assert handle.artifact_key == key
    # Prefect's own client model applies its artifact key rule.
    assert ArtifactCreate(key=handle.artifact_key, type="markdown", data="#").key == key


def test_case_handle_is_frozen_when_passed_between_stages() -> None:
    handle = CaseHandle(case_id=1, reference="CME-2026-00001", officer_id="a-officer", dspl_area=2)

    with pytest.raises(ValidationError):
        handle.reference = "CME-2026-00002"  # type: ignore[misc]
