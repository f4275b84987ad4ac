"""Schools' deletion returns, imported end to end through the served `intake-deletion-returns`
deployment: the right cme-case runs open, the rest go where the ground says, bad rows are
quarantined, and nothing imports twice."""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    ArtifactFilterKey,
    DeploymentFilter,
    DeploymentFilterName,
    FlowRunFilter,
    FlowRunFilterTags,
)
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.deployments import run_deployment

from launcher.stack import Stack
from models.deletion_intake import referral_from_row, row_natural_key
from models.enums import ReferralPurpose
from models.school_returns import DELETION_RETURN_COLUMNS, read_deletion_return
from store import cases, imports
from store.orm import IntakeImport, IntakeRow
from store.unit_of_work import bootstrap
from tests.e2e.driver import Driver
from tests.factories import make_referral
from tests.mail import body_of
from tools import synthetic_returns

pytestmark = pytest.mark.e2e

DEPLOYMENT = "intake-deletion-returns/intake-deletion-returns"
NOW = datetime(2026, 11, 16, 10, 0, tzinfo=UTC)
FIRST_FORM = "referral-check-reasonable-enquiries"
NEW_PUPIL_IMPORT = "intake-new-pupil-returns"
LOOK_SECONDS = 5.0  # CME_DROP_WATCH_SECONDS' default
IDLE_SECONDS = 4 * LOOK_SECONDS


def unique_surname(prefix: str) -> str:
    """A made-up surname no other test's child shares (letters only)."""
    return prefix + "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:8])


def pupil(forenames: str, surname: str, born: str, ground: str, **cells: str) -> dict[str, str]:
    row = {column: "" for column in DELETION_RETURN_COLUMNS}
    row.update(
        pupil_forenames=forenames,
        pupil_surname=surname,
        date_of_birth=born,
        sex="not known",
        address="1 Example Street, St Albans",
        postcode="AL1 3ER",
        parent_carer_names="Sam Testparent",
        parent_carer_phones="01632 960000",
        school_name="Example Primary School",
        school_urn="999001",
        deletion_ground=ground,
        deletion_date="2026-11-13",
    )
    row.update(cells)
    return row


def write_return(path: Path, rows: list[dict[str, str]]) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(DELETION_RETURN_COLUMNS), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def import_file(path: Path | None, *, now: datetime | None = NOW, timeout: float = 240) -> FlowRun:
    parameters: dict[str, Any] = {}
    if path is not None:
        parameters["path"] = str(path)
    if now is not None:
        parameters["now"] = now.isoformat()
    run = run_deployment(DEPLOYMENT, parameters=parameters, timeout=0)
    assert isinstance(run, FlowRun)
    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            run = client.read_flow_run(run.id)
            if run.state is not None and run.state.is_final():
                assert run.state.type is StateType.COMPLETED, run.state.message
                return run
            time.sleep(0.5)
    raise AssertionError(f"import run {run.id} did not finish; last state {run.state}")


def ledger(sha256: str) -> tuple[IntakeImport, list[IntakeRow]]:
    with bootstrap().transaction() as session:
        entry = imports.get_import(session=session, sha256=sha256)
        assert entry is not None, "the file is not in the ledger"
        return entry, imports.list_rows(session=session, import_id=entry.id)


def sha_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def case_runs(reference: str) -> list[FlowRun]:
    with get_client(sync_client=True) as client:
        return client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                tags=FlowRunFilterTags(all_=[f"intake:{reference.lower()}"])
            )
        )


def artifact(key: str) -> Any:
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key]))
        )
    assert found, f"no artifact {key}"
    return found[0].data


def test_a_schools_return_opens_the_right_cases_and_quarantines_the_rest(
    driver: Driver, tmp_path: Path
) -> None:
    known = unique_surname("Known")
    open_run = driver.open_case(
        make_referral(child_forenames="Olive", child_surname=known, child_aliases=[],
                      child_date_of_birth=date(2014, 5, 6))
    )  # fmt: skip
    driver.wait_for_form(open_run, FIRST_FORM)
    existing = driver.case(open_run)

    missing, verify, ehe, flagged, died, excluded = (
        unique_surname(p) for p in ("Missing", "Verify", "Home", "Flag", "Died", "Excl")
    )
    rows = [
        pupil("Mia", missing, "2015-03-14", "i", joint_reasonable_enquiries_made="yes"),  # 2
        pupil("Vic", verify, "2013-09-01", "a", destination_school="Far Away School"),  # 3
        pupil("Hal", ehe, "2012-01-20", "f"),  # 4
        pupil("Flo", flagged, "2014-07-07", "h", joint_reasonable_enquiries_made="no"),  # 5
        pupil("Dee", died, "2016-02-02", "k"),  # 6
        pupil("Ed", excluded, "2011-04-04", "o"),  # 7
        pupil("Bad", unique_surname("Date"), "2015-02-30", "g"),  # 8: impossible date
        pupil("Bad", unique_surname("Post"), "2015-02-03", "g", postcode="NOT A CODE"),  # 9
        pupil("Mia", missing, "2015-03-14", "g", deletion_date="2026-11-12"),  # 10: same child
        pupil("Dee", died, "2016-02-02", "k"),  # 11: repeats row 6 exactly
        pupil("Olive", known, "2014-05-06", "g"),  # 12: an open case
        pupil("Zed", unique_surname("Ground"), "2015-01-01", "z"),  # 13: unknown ground letter
    ]
    file = write_return(tmp_path / "example-primary-deletions.csv", rows)
    sha = sha_of(file)

    import_file(file)

    entry, recorded = ledger(sha)
    reference = entry.reference
    assert entry.status == "imported" and entry.rows_read == 12
    outcomes = {row.row_number: (row.route, row.outcome) for row in recorded}
    assert outcomes == {
        2: ("cme_case", "case_requested"),
        3: ("verify_destination", "case_requested"),
        4: ("ehe_notice", "ehe_listed"),
        5: ("flag_to_school", "flagged_to_school"),
        6: ("record_only", "recorded"),
        7: ("s19_team", "sent_to_s19_team"),
        10: ("cme_case", "duplicate_in_file"),
        12: ("cme_case", "recorded_on_case"),
    }
    by_line = {row.row_number: row for row in recorded}
    assert by_line[12].case_reference == existing.reference

    # Two cme-case runs, each its own run (not a subflow), each renaming itself to its case.
    runs = case_runs(reference)
    assert {r.id for r in runs} == {by_line[2].flow_run_id, by_line[3].flow_run_id}
    purposes = {}
    for run in runs:
        assert run.parent_task_run_id is None
        driver.wait_for_form(run.id, FIRST_FORM)
        case = driver.case(run.id)
        assert driver.read(run.id).name == case.reference
        with bootstrap().transaction() as session:
            record = cases.get_case(session=session, reference=case.reference)
            assert record is not None
            purposes[run.id] = record.referrals[0].payload["purpose"]
            assert record.referrals[0].payload["deletion_date"] == "2026-11-13"
    assert purposes == {
        by_line[2].flow_run_id: ReferralPurpose.CHILD_MISSING_EDUCATION.value,
        by_line[3].flow_run_id: ReferralPurpose.VERIFY_DESTINATION.value,
    }
    # The open case got the return as a further referral, and its officer an email.
    assert "referral_received" in driver.events(existing)

    # The quarantine report beside the filed file; the artifact has no row data.
    filed = tmp_path / "processed" / file.name
    assert filed.exists() and not file.exists()
    with (tmp_path / "processed" / (file.name + ".report.csv")).open(encoding="utf-8") as handle:
        report = list(csv.DictReader(handle))
    assert {(r["row"], r["field"]) for r in report} >= {
        ("8", "date_of_birth"), ("9", "postcode"), ("11", "(row)"), ("13", "deletion_ground")
    }  # fmt: skip
    assert all(r["pupil_surname"] for r in report)  # the row as read, for the school
    table = artifact(f"{reference.lower()}-quarantine")
    table_text = str(table)
    assert "date_of_birth" in table_text and "postcode" in table_text
    for surname in (missing, verify, ehe, flagged, died, excluded, known):
        assert surname not in table_text
    summary = artifact(reference.lower())
    assert "| cme_case |" in summary and known not in summary

    # The emails: EHE team, the school, the s19 team, the open case's officer.
    mails = driver.inbox.wait_for(reference, count=4)
    to = {str(m["X-Envelope-To"]): body_of(m) for m in mails}
    assert ehe in to["ehe.team@example.gov.uk"]
    assert flagged in to["attendance.example-primary@example.gov.uk"]
    assert excluded in to["s19.provision@example.gov.uk"]
    assert existing.reference in to["cme.officer.dspl6-9@example.gov.uk"]

    # The same file again opens nothing new and says so.
    shutil.copy(filed, file)
    resent = import_file(file)
    assert len(case_runs(reference)) == 2
    again, _ = ledger(sha)
    assert again.id == entry.id
    assert artifact(reference.lower()) == summary  # the first import's story is kept
    with get_client(sync_client=True) as client:
        (said,) = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[resent.id]))
        )
    assert f"already imported as {reference}" in str(said.data)
    assert len(driver.inbox.about(reference)) == 4

    # A re-exported file (new bytes, same rows plus one) imports only the new row.
    newcomer = unique_surname("New")
    reexport = write_return(
        tmp_path / "example-primary-deletions-v2.csv",
        [*reversed(rows[:6]), pupil("Nia", newcomer, "2015-06-06", "g")],
    )
    import_file(reexport)
    second, second_rows = ledger(sha_of(tmp_path / "processed" / reexport.name))
    assert [(r.row_number, r.outcome) for r in second_rows] == [(8, "case_requested")]
    assert len(case_runs(second.reference)) == 1
    assert len(case_runs(reference)) == 2


def test_a_file_that_is_not_a_return_is_rejected_with_a_report_and_the_run_completes(
    stack: Stack, tmp_path: Path
) -> None:
    file = tmp_path / "deletions.csv"
    file.write_bytes(b"%PDF-1.7 this is a scanned letter, not a CSV file")
    sha = sha_of(file)

    import_file(file)

    entry, rows = ledger(sha)
    assert entry.status == "rejected" and rows == []
    assert entry.problem and "PDF" in entry.problem
    assert (tmp_path / "rejected" / file.name).exists()
    report = (tmp_path / "rejected" / (file.name + ".report.csv")).read_text(encoding="utf-8")
    assert "(file)" in report and "PDF" in report
    assert "rejected" in artifact(entry.reference.lower())


def test_a_file_dropped_in_the_drop_folder_is_swept_in(driver: Driver) -> None:
    folder = bootstrap().settings.state_dir / "intake" / "deletion-returns"
    folder.mkdir(parents=True, exist_ok=True)
    swept = unique_surname("Swept")
    file = write_return(
        folder / "sample-academy.csv",
        [pupil("Sol", swept, "2013-10-10", "o", school_urn="999002", school_name="Sample Academy")],
    )
    sha = sha_of(file)

    import_file(None, now=None)  # the scheduled sweep may have taken it first: either is right

    deadline = time.monotonic() + 60
    while file.exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert (folder / "processed" / file.name).exists()
    entry, rows = ledger(sha)
    assert entry.status == "imported"
    assert [(r.route, r.outcome) for r in rows] == [("s19_team", "sent_to_s19_team")]
    mail = driver.inbox.wait_for(entry.reference)
    assert swept in body_of(mail[0])


def test_an_import_that_crashed_half_way_is_completed_by_the_next_run_without_duplicates(
    stack: Stack, tmp_path: Path
) -> None:
    first, second, third = (unique_surname(p) for p in ("Crash", "Half", "Never"))
    file = write_return(
        tmp_path / "crashed.csv",
        [
            pupil("Cai", first, "2014-02-02", "g"),  # 2: claimed and its run started
            pupil("Hana", second, "2014-03-03", "g"),  # 3: claimed, crashed before its run
            pupil("Nell", third, "2014-04-04", "g"),  # 4: never reached
        ],
    )
    sha = sha_of(file)
    reading = read_deletion_return(file.read_bytes(), today=NOW.date())
    keys = {line: row_natural_key(row) for line, row in reading.rows}
    # The state a crash leaves: the import entered, rows 2 and 3 claimed, row 2's run created by
    # Prefect (idempotency key) but never attached to its row.
    with bootstrap().transaction() as session:
        entry, _ = imports.receive_import(
            session=session, sha256=sha, file_name=file.name, kind="deletion_return",
            received_at=NOW,
        )  # fmt: skip
        reference = entry.reference
        for line in (2, 3):
            imports.claim_row(
                session=session, import_id=entry.id, row_number=line, natural_key=keys[line],
                school_urn="999001", deletion_ground="g", route="cme_case",
                outcome="case_requested", reason="before the crash", payload={},
                recorded_at=NOW,
            )  # fmt: skip
    row_2 = dict(reading.rows)[2]
    early = run_deployment(
        "cme-case/cme-case",
        parameters={
            "referral": referral_from_row(
                row_2, received_on=NOW.date(), purpose=ReferralPurpose.CHILD_MISSING_EDUCATION
            ).model_dump(mode="json")
        },
        timeout=0,
        as_subflow=False,
        idempotency_key=f"deletion-return:{keys[2]}",
        flow_run_name=f"{reference}-row-2",
        tags=["cme-intake", f"intake:{reference.lower()}"],
    )
    assert isinstance(early, FlowRun)

    import_file(file)

    entry, rows = ledger(sha)
    assert entry.status == "imported"
    assert [(r.row_number, r.outcome) for r in rows] == [
        (2, "case_requested"), (3, "case_requested"), (4, "case_requested")
    ]  # fmt: skip
    runs = case_runs(reference)
    assert len(runs) == 3
    assert {r.id for r in runs} == {r.flow_run_id for r in rows}
    assert rows[0].flow_run_id == early.id


def test_a_generated_windows_1252_semicolon_return_quarantines_exactly_its_planted_faults(
    stack: Stack, tmp_path: Path
) -> None:
    generated = synthetic_returns.deletion_return(
        rows=24, bad_share=0.25, near_duplicate_share=0.1, seed=11, today=NOW.date(),
        encoding="cp1252",
    )  # fmt: skip
    expected = generated.expected
    # As an older MIS exports it: Windows-1252 and semicolons.
    text = generated.data.decode("cp1252")
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(
        csv.reader(io.StringIO(text, newline=""))
    )
    file = tmp_path / "mis-export.csv"
    file.write_bytes(out.getvalue().encode("cp1252"))
    sha = sha_of(file)

    import_file(file)

    entry, rows = ledger(sha)
    assert (entry.encoding, entry.delimiter) == ("cp1252", ";")
    assert entry.rows_read == expected.rows
    with (tmp_path / "processed" / (file.name + ".report.csv")).open(encoding="utf-8") as handle:
        quarantined = sorted({int(r["row"]) for r in csv.DictReader(handle)})
    assert quarantined == list(expected.bad_row_lines)
    assert entry.rows_quarantined == expected.bad_rows
    assert len(rows) == expected.good_rows
    with bootstrap().transaction() as session:
        reviewed = {
            row.row_number
            for row in rows
            for review in imports.list_match_reviews(session=session)
            if review.intake_row_id == row.id and review.candidate.startswith("row ")
        }
    duplicates = {r.row_number for r in rows if r.outcome == "duplicate_in_file"}
    assert duplicates | reviewed == set(expected.near_duplicate_lines)
    opened = {r.flow_run_id for r in rows if r.outcome == "case_requested"}
    assert None not in opened
    assert {r.id for r in case_runs(entry.reference)} == opened


def intake_runs(since: datetime) -> list[FlowRun]:
    """Runs of either school-return import created since then, by anyone."""
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            deployment_filter=DeploymentFilter(
                name=DeploymentFilterName(any_=[DEPLOYMENT.split("/")[1], NEW_PUPIL_IMPORT])
            ),
            limit=200,
        )
    return [run for run in runs if run.created is not None and run.created >= since]


def test_the_drop_watch_starts_nothing_while_the_folders_are_empty_and_one_import_per_file(
    driver: Driver, stack: Stack
) -> None:
    folder = bootstrap().settings.state_dir / "intake" / "deletion-returns"
    folder.mkdir(parents=True, exist_ok=True)
    assert not [p for p in folder.iterdir() if p.is_file()], "another test left a return"
    since = datetime.now(UTC)
    stack.start_drop_watch()
    try:
        time.sleep(IDLE_SECONDS)  # four looks at empty folders
        assert intake_runs(since) == []
        watch_log = stack.log_dir / "drop-watch.log"
        assert "watching" in watch_log.read_text()
        assert "HTTP Request" not in watch_log.read_text(), "the idle watch called Prefect"

        watched = unique_surname("Watched")
        file = write_return(
            folder / "watched-academy.csv",
            [pupil("Wyn", watched, "2013-09-09", "o", school_urn="999002")],
        )
        sha = sha_of(file)
        deadline = time.monotonic() + 120
        while file.exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert (folder / "processed" / file.name).exists(), "the dropped file was not imported"
        entry, rows = ledger(sha)
        assert entry.status == "imported"
        assert [(r.route, r.outcome) for r in rows] == [("s19_team", "sent_to_s19_team")]
        time.sleep(2 * LOOK_SECONDS)  # the watch has looked again since the file was filed

        [run] = intake_runs(since)
        assert run.parameters["path"] == str(file) and "drop-watch" in run.tags
        log = watch_log.read_text()
        assert log.count("started as flow run") == 1 and watched not in log
    finally:
        stack.stop("drop-watch")
