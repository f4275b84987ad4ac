"""Deletion returns imported by the real `intake-deletion-returns` flow, in this process.

The files are written by hand under tests/flows/returns/, as a school's MIS might export them
(not by tools/synthetic_returns.py): a child repeated in every way, schools with and without a
contact. Only the start of each `cme-case` run is replaced (`CaseRuns`, which keeps Prefect's
idempotency key rule); the ledger, the report, the emails (a real SMTP server) and the summary
artifacts (a real Prefect server) are the product's own. Every person and school is fictitious.
"""

from __future__ import annotations

import csv
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    ArtifactFilterKey,
)
from prefect.client.schemas.objects import FlowRun
from prefect.client.schemas.sorting import ArtifactSort

import flows.deletion_returns
import tasks.deletion_returns
from flows.deletion_returns import intake_deletion_returns
from flows.new_pupil_returns import intake_new_pupil_returns
from store import imports
from store.database import session_scope
from store.orm import IntakeImport, IntakeRow
from tests.flows.casework import Product

NOW = datetime(2026, 11, 16, 10, 0, tzinfo=UTC)
RETURNS = Path(__file__).parent / "returns"
TEAM_INBOX = "cme.team@example.gov.uk"
CONTACTS = {
    "999001": "attendance.example-primary@example.gov.uk",
    "999002": "attendance.sample-academy@example.gov.uk",
}


@dataclass
class CaseRuns:
    """`run_deployment` for cme-case runs: one run per idempotency key, as Prefect keeps it."""

    runs: dict[str, FlowRun] = field(default_factory=dict)
    failing_rows: set[int] = field(default_factory=set)
    attempts: list[int] = field(default_factory=list)

    def __call__(self, name: str, **options: Any) -> FlowRun:
        assert name == "cme-case/cme-case"
        row = int(str(options["flow_run_name"]).rsplit("-", 1)[1])
        self.attempts.append(row)
        if row in self.failing_rows:
            raise ConnectionError("the Prefect API did not answer")
        key = str(options["idempotency_key"])
        if key not in self.runs:
            self.runs[key] = FlowRun(
                flow_id=uuid.uuid4(),
                name=options["flow_run_name"],
                parameters=options["parameters"],
                idempotency_key=key,
                tags=options["tags"],
            )
        return self.runs[key]

    def rows(self) -> list[int]:
        return sorted(int(str(run.name).rsplit("-", 1)[1]) for run in self.runs.values())


@pytest.fixture
def case_runs(product: Product, monkeypatch: pytest.MonkeyPatch) -> CaseRuns:
    runs = CaseRuns()
    monkeypatch.setattr(tasks.deletion_returns, "run_deployment", runs)
    # A failed start is tried once here, not three times over 42 seconds.
    monkeypatch.setattr(
        flows.deletion_returns,
        "open_case_run",
        tasks.deletion_returns.open_case_run.with_options(retries=0),
    )
    return runs


def dropped(product: Product, name: str) -> Path:
    """A hand-written return, copied into the drop folder as a school would leave it."""
    folder = product.home / "intake" / "deletion-returns"
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(RETURNS / name, folder / name))


def run_import(file: Path) -> tuple[Any, uuid.UUID]:
    state = intake_deletion_returns(path=str(file), now=NOW, return_state=True)
    flow_run_id = state.state_details.flow_run_id
    assert flow_run_id is not None
    return state, flow_run_id


def ledger(product: Product, file_name: str) -> tuple[IntakeImport, list[IntakeRow]]:
    with session_scope(product.engine) as session:
        entry = session.query(IntakeImport).filter_by(file_name=file_name).one()
        rows = imports.list_rows(session=session, import_id=entry.id)
        session.expunge_all()
        return entry, rows


def report(folder: Path, name: str) -> dict[int, str]:
    with (folder / f"{name}.report.csv").open(encoding="utf-8") as handle:
        return {int(r["row"]): r["problem"] for r in csv.DictReader(handle)}


def summaries(*, key: str | None = None, flow_run_id: uuid.UUID | None = None) -> list[str]:
    """Markdown artifacts, newest first."""
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=[key]) if key else None,
                flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]) if flow_run_id else None,
            ),
            sort=ArtifactSort.CREATED_DESC,
        )
    return [str(a.data) for a in found if a.type == "markdown"]


def plain(message: EmailMessage) -> str:
    """The text/plain part, as a mail client shows it."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def test_a_child_repeated_in_every_way_is_one_case_and_every_repeat_is_named(
    product: Product, case_runs: CaseRuns
) -> None:
    file = dropped(product, "repeated-child.csv")
    state, run_id = run_import(file)

    assert state.is_completed(), state.message
    entry, rows = ledger(product, file.name)
    assert entry.status == "imported"
    assert [(r.row_number, r.outcome) for r in rows] == [
        (2, "case_requested"),  # Ava
        (6, "duplicate_in_file"),  # Ava again, deleted on another day: no second case
        (7, "case_requested"),  # Ben
        (9, "duplicate_in_file"),  # Ben, deleted by another school too
        (10, "recorded"),  # Cara, dual registration ended: no case
        (11, "case_requested"),  # Cara again, moved away: her first row opened no case
    ]
    assert case_runs.rows() == [2, 7, 11]
    assert {r.flow_run_id for r in rows if r.outcome == "case_requested"} == {
        run.id for run in case_runs.runs.values()
    }

    # Each repeat of a key is quarantined, naming the row imported and how it differs.
    problems = report(file.parent / "processed", file.name)
    assert sorted(problems) == [3, 4, 5, 8]
    assert problems[3].startswith("repeats row 2 (the same pupil, school and deletion date")
    assert "a different address, postcode: only row 2 is imported" in problems[4]
    assert "a different pupil_forenames, pupil_surname, deletion_ground" in problems[5]
    assert problems[8] == "repeats row 7 exactly"
    assert not file.exists() and (file.parent / "processed" / file.name).exists()

    (summary,) = summaries(flow_run_id=run_id)
    assert "**status:** imported" in summary
    assert "| quarantined (see the report) | 4 |" in summary
    assert "| imported by this import (all its runs) | 6 |" in summary
    assert "| case_requested | 3 |" in summary
    for name in ("Ava", "Testpupil", "Samplechild", "Exampleton"):
        assert name not in summary


def test_a_row_whose_case_cannot_be_started_is_named_and_the_rest_of_the_file_is_done(
    product: Product, case_runs: CaseRuns
) -> None:
    file = dropped(product, "repeated-child.csv")
    case_runs.failing_rows = {7}

    state, first_run = run_import(file)

    # The run fails, so the drop watch runs the file again, but only row 7 is left undone.
    assert state.is_failed()
    assert case_runs.rows() == [2, 11]
    entry, rows = ledger(product, file.name)
    assert entry.status == "importing" and len(rows) == 6
    assert file.exists()
    (summary,) = summaries(flow_run_id=first_run)
    assert "**status:** incomplete" in summary
    assert "Not yet done: row 7: its case run could not be started." in summary

    case_runs.failing_rows = set()
    state, second_run = run_import(file)

    assert state.is_completed(), state.message
    assert case_runs.rows() == [2, 7, 11]
    entry, rows = ledger(product, file.name)
    assert entry.status == "imported"
    assert all(r.flow_run_id for r in rows if r.outcome == "case_requested")
    # The second run's summary tells the whole import, not only what it did itself.
    (summary,) = summaries(flow_run_id=second_run)
    assert "**status:** imported" in summary
    assert "| imported by this import (all its runs) | 6 |" in summary
    assert "| already imported by an earlier file | 0 |" in summary
    assert "| case_requested | 3 |" in summary
    assert summaries(key=entry.reference.lower())[0] == summary


def test_once_a_case_run_fails_after_its_retries_the_rest_are_tried_once_not_retried(
    product: Product, case_runs: CaseRuns, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = dropped(product, "repeated-child.csv")
    case_runs.failing_rows = {2, 7, 11}
    monkeypatch.setattr(
        flows.deletion_returns,
        "open_case_run",
        tasks.deletion_returns.open_case_run.with_options(retries=2, retry_delay_seconds=0),
    )

    state, run_id = run_import(file)

    # The first row takes its retries; the API is down, so the others are tried once each
    # (no retry storm), and every row is left for the next run of the file.
    assert state.is_failed()
    assert case_runs.attempts == [2, 2, 2, 7, 11]
    (summary,) = summaries(flow_run_id=run_id)
    assert "row 2: its case run could not be started" in summary
    assert "row 11: its case run could not be started" in summary

    case_runs.failing_rows = set()
    state, _ = run_import(file)
    assert state.is_completed(), state.message
    assert case_runs.rows() == [2, 7, 11]


def test_a_file_sent_again_says_so_in_its_own_run_and_keeps_the_first_imports_summary(
    product: Product, case_runs: CaseRuns
) -> None:
    file = dropped(product, "repeated-child.csv")
    run_import(file)
    entry, _ = ledger(product, file.name)
    first = summaries(key=entry.reference.lower())[0]

    again = dropped(product, "repeated-child.csv")
    state, run_id = run_import(again)

    assert state.is_completed()
    (said,) = summaries(flow_run_id=run_id)
    assert f"already imported as {entry.reference}" in said
    assert summaries(key=entry.reference.lower())[0] == first
    assert "| case_requested | 3 |" in first
    assert case_runs.rows() == [2, 7, 11]


def _pupils_listed(text: str) -> list[str]:
    return [line.split(":", 1)[1].split(",")[0].strip() for line in text.splitlines()
            if line.startswith("- Row ")]  # fmt: skip


def test_no_email_lists_a_pupil_of_a_school_other_than_the_one_it_names(
    product: Product, case_runs: CaseRuns
) -> None:
    file = dropped(product, "several-schools.csv")
    state, _ = run_import(file)
    assert state.is_completed(), state.message
    entry, _ = ledger(product, file.name)
    school_of = {
        "Dara Flagtest": "999001",
        "Eli Flagsample": "999002",
        "Fay Unlisted": "999003",
        "Gus Unlisted": "999003",
        "Hal Otherschool": "999004",
    }

    mails = product.inbox.wait_for(entry.reference, count=3)
    by_recipient = {str(m["X-Envelope-To"]): plain(m) for m in mails}
    assert sorted(by_recipient) == sorted([*CONTACTS.values(), TEAM_INBOX])

    # A school with a contact gets its own email, naming it and only its pupils.
    for urn, contact in CONTACTS.items():
        text = by_recipient[contact]
        assert f"(URN {urn}):" in text.splitlines()[0]
        assert [school_of[p] for p in _pupils_listed(text)] == [urn]
        assert "forward" not in text

    # The team inbox: one section per school, headed by its name and URN, each listing only
    # that school's pupils, and the email says plainly to forward each to its own school.
    text = by_recipient[TEAM_INBOX]
    assert "You must forward each school's section to that school only" in text
    assert "Never send a school this whole email or another school's section." in text
    heads = [line for line in text.splitlines() if line.startswith("==== For ")]
    assert heads == [
        "==== For Example Junior School (URN 999003) only ====",
        "==== For Sample Infant School (URN 999004) only ====",
    ]
    sections = text.split("==== For ")[1:]
    for section in sections:
        urn = section.split("(URN ", 1)[1][:6]
        body, end, _ = section.partition("==== End of the section for ")
        assert end, "a section without its end"
        assert {school_of[p] for p in _pupils_listed(body)} == {urn}
    assert sorted(p for s in sections for p in _pupils_listed(s)) == [
        "Fay Unlisted",
        "Gus Unlisted",
        "Hal Otherschool",
    ]
    assert _pupils_listed(text.split("==== For ")[0]) == []
    assert "Ida Moved" not in text  # a case, not a flag

    # The emails say joint enquiries were not made: no ground is named as if they were.
    for text in by_recipient.values():
        assert "after joint enquiries" not in text
        assert (
            "ground 9(1)(h) not returned 10 school days after leave, whereabouts unknown" in (text)
            or "ground 9(1)(i) continuously absent 20 school days, whereabouts unknown" in text
        )


def test_both_return_types_are_filed_with_their_reports_named_the_same_way(
    product: Product, case_runs: CaseRuns
) -> None:
    deletions = dropped(product, "repeated-child.csv")
    folder = product.home / "intake" / "new-pupil-returns"
    folder.mkdir(parents=True, exist_ok=True)
    new_pupils = Path(shutil.copy(RETURNS / "new-pupils.csv", folder / "new-pupils.csv"))

    run_import(deletions)
    intake_new_pupil_returns(path=str(new_pupils), now=NOW)

    for file in (deletions, new_pupils):
        assert not file.exists()
        assert (file.parent / "processed" / file.name).exists()
        assert (file.parent / "processed" / f"{file.name}.report.csv").exists()
    assert report(deletions.parent / "processed", deletions.name)
    with (folder / "processed" / "new-pupils.csv.report.csv").open(encoding="utf-8") as handle:
        assert [(r["line"], r["column"]) for r in csv.DictReader(handle)] == [
            ("3", "admission_date")
        ]


def test_a_slip_in_a_name_is_one_child_and_twins_are_always_two(
    product: Product, case_runs: CaseRuns
) -> None:
    file = dropped(product, "typos-and-twins.csv")
    state, _ = run_import(file)

    assert state.is_completed(), state.message
    _, rows = ledger(product, file.name)
    assert [(r.row_number, r.outcome) for r in rows] == [
        (2, "case_requested"),  # Ava Testpupil
        (3, "duplicate_in_file"),  # a typo in her surname
        (4, "duplicate_in_file"),  # her names swapped, her postcode written small
        (5, "case_requested"),  # Sohpie (sic) Twinsample
        (6, "duplicate_in_file"),  # Sophie: the same girl, her name now spelt right
        (7, "case_requested"),  # Amelie, her twin
        (8, "case_requested"),  # Amelia, their triplet: one letter is another name
        (9, "case_requested"),  # Zak, the fourth
    ]
    assert case_runs.rows() == [2, 5, 7, 8, 9]
    assert "one child with row 2 in this file (surname one typo apart)" in rows[1].reason
    assert "Twinsample" not in rows[1].reason
