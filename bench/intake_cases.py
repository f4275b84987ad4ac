"""The intake benchmark: cases opened per second by a school's deletion return, beside a bare
Prefect `run_deployment` loop measured in the same run.

Starts its own stack as bench/case_flow.py does (Prefect server, the serving process, a bare-flow
serving process, an SMTP sink, a case database in a temporary folder), writes a deletion return
of N pupils each of whom is a CME case (reg 9(1)(i) after joint enquiries), imports it through the
`intake-deletion-returns` deployment, and times (a) the cme-case runs being created and (b) every
one of them reaching its first form. Then it creates N runs of the bare flow with a plain
`run_deployment` loop and times the same two things. It reports and never asserts.

    .venv/bin/python -m bench.intake_cases [--rows 200] [--keep]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import os
import platform
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO
from uuid import UUID

import prefect
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId, FlowRunFilterTags
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.deployments import run_deployment
from prefect.settings import (
    PREFECT_API_AUTH_STRING,
    PREFECT_API_URL,
    PREFECT_LOCAL_STORAGE_PATH,
    PREFECT_RESULTS_DEFAULT_SERIALIZER,
    temporary_settings,
)

from adapters.settings import PROJECT_ROOT, load_settings
from launcher.stack import RUNNER_POLL_SECONDS, Stack
from models.school_returns import DELETION_RETURN_COLUMNS
from store import imports
from store.migrations import migrate
from store.unit_of_work import bootstrap, reset
from tests.mail import start_smtp

INTAKE_DEPLOYMENT = "intake-deletion-returns/intake-deletion-returns"
BARE_DEPLOYMENT = "bare/bare"
CASE_FIRST_KEY = "referral-check-reasonable-enquiries"
# Must match bench/bare_flow.py; not imported so this process never loads the bare flow itself.
BARE_FIRST_KEY = "bare-first-form"
FINAL = {StateType.COMPLETED, StateType.FAILED, StateType.CRASHED, StateType.CANCELLED}
POLL_SECONDS = 0.5
FORENAMES = ("Alex", "Sam", "Jo", "Ria", "Tom", "Ivy", "Max", "Zoe", "Kit", "Lea", "Ned", "Amy")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def progress(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def start_bare_serving(stack: Stack, logs: list[IO[bytes]]) -> None:
    """The bare flow's own serving process (as bench/case_flow.py starts it)."""
    stack.log_dir.mkdir(parents=True, exist_ok=True)
    log = (stack.log_dir / "bare-serve.log").open("ab")
    logs.append(log)
    stack.processes["bare-serve"] = subprocess.Popen(
        [sys.executable, "-m", "bench.bare_flow"],
        cwd=PROJECT_ROOT,
        env=stack.env_as("runner"),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def deletion_return(rows: int, seed: int = 7) -> bytes:
    """N fictitious pupils deleted under reg 9(1)(i) after joint enquiries: each is a CME case.
    Surnames are random letters and dates of birth spread over nine years, so no two rows match."""
    rng = random.Random(seed)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(DELETION_RETURN_COLUMNS), lineterminator="\r\n")
    writer.writeheader()
    for _ in range(rows):
        surname = "".join(rng.choice("bcdfghjklmnprstvwz") + rng.choice("aeiou") for _ in range(4))
        row = dict.fromkeys(DELETION_RETURN_COLUMNS, "")
        born = date(2011, 9, 1) + timedelta(days=rng.randrange(9 * 365))
        row.update(
            pupil_forenames=rng.choice(FORENAMES),
            pupil_surname=surname.capitalize(),
            date_of_birth=born.isoformat(),
            address=f"{rng.randrange(1, 200)} Example Street, St Albans",
            postcode="AL1 3ER",
            school_name="Example Primary School",
            school_urn="999001",
            deletion_ground="i",
            deletion_date="2026-11-13",
            joint_reasonable_enquiries_made="yes",
        )
        writer.writerow(row)
    return buffer.getvalue().encode()


@dataclass(frozen=True)
class Rate:
    runs: int
    created_seconds: float
    on_form_seconds: float


def read_runs(client: SyncPrefectClient, flow_run_filter: FlowRunFilter) -> list[FlowRun]:
    """Every run the filter matches, a page at a time (the API serves at most 200 a call)."""
    runs: list[FlowRun] = []
    while True:
        page = client.read_flow_runs(flow_run_filter=flow_run_filter, limit=200, offset=len(runs))
        runs.extend(page)
        if len(page) < 200:
            return runs


def wait_on_form(client: SyncPrefectClient, run_ids: Sequence[UUID], key: str) -> None:
    # Generous: on a loaded 2-core machine 100 cases took over 20 minutes to reach their forms.
    deadline = time.monotonic() + 600 + 60 * len(run_ids)
    waiting = 0
    while time.monotonic() < deadline:
        runs = read_runs(client, FlowRunFilter(id=FlowRunFilterId(any_=list(run_ids))))
        ended = [r for r in runs if r.state is not None and r.state.type in FINAL]
        if ended:
            raise RuntimeError(f"{len(ended)} run(s) ended before their form: {ended[0].state}")
        waiting = sum(
            1
            for r in runs
            if r.state is not None
            and r.state.type is StateType.PAUSED
            and r.state.state_details.pause_key == key
        )
        if waiting == len(run_ids):
            return
        time.sleep(POLL_SECONDS)
    raise TimeoutError(f"only {waiting} of {len(run_ids)} runs reached their form {key}")


def measure_intake(client: SyncPrefectClient, file: Path, rows: int) -> Rate:
    """Import the file; time until the import has created every case run, then until every case
    is on its first form."""
    started = time.monotonic()
    run = run_deployment(INTAKE_DEPLOYMENT, parameters={"path": str(file)}, timeout=0)
    assert isinstance(run, FlowRun)
    while True:
        state = client.read_flow_run(run.id).state
        if state is not None and state.type in FINAL:
            if state.type is not StateType.COMPLETED:
                raise RuntimeError(f"the import ended {state.type.value}: {state.message}")
            break
        time.sleep(POLL_SECONDS)
    created = time.monotonic()
    sha = hashlib.sha256((file.parent / "processed" / file.name).read_bytes()).hexdigest()
    with bootstrap().transaction() as session:
        entry = imports.get_import(session=session, sha256=sha)
        assert entry is not None
        reference = entry.reference
    runs = read_runs(
        client, FlowRunFilter(tags=FlowRunFilterTags(all_=[f"intake:{reference.lower()}"]))
    )
    if len(runs) != rows:
        raise RuntimeError(f"the import opened {len(runs)} case runs, not {rows}")
    progress(f"  {rows} case runs created in {created - started:.1f}s; waiting for their forms")
    wait_on_form(client, [r.id for r in runs], CASE_FIRST_KEY)
    return Rate(rows, created - started, time.monotonic() - started)


def measure_bare(client: SyncPrefectClient, rows: int) -> Rate:
    """A bare loop: run_deployment of the bare flow, one after another, then wait for forms."""
    started = time.monotonic()
    run_ids = []
    for _ in range(rows):
        run = run_deployment(
            BARE_DEPLOYMENT, parameters={"tasks_before": 0, "tasks_after": 0}, timeout=0
        )
        assert isinstance(run, FlowRun)
        run_ids.append(run.id)
    created = time.monotonic()
    progress(f"  {rows} bare runs created in {created - started:.1f}s; waiting for their forms")
    wait_on_form(client, run_ids, BARE_FIRST_KEY)
    return Rate(rows, created - started, time.monotonic() - started)


def table(rows: list[list[str]]) -> str:
    """A plain-text table; the first row is the header."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def report(intake: Rate, bare: Rate, database: str) -> str:
    def per_second(runs: int, seconds: float) -> str:
        return f"{runs / seconds:.2f}/s" if seconds > 0 else "-"

    def ratio(a: float, b: float) -> str:
        return f"{a / b:.2f}x" if b > 0 else "-"

    rows = [
        ["measure", "intake (cme-case)", "bare loop", "intake / bare"],
        [
            f"{intake.runs} runs created (wall)",
            f"{intake.created_seconds:.1f} s",
            f"{bare.created_seconds:.1f} s",
            ratio(intake.created_seconds, bare.created_seconds),
        ],
        [
            "runs created per second",
            per_second(intake.runs, intake.created_seconds),
            per_second(bare.runs, bare.created_seconds),
            ratio(bare.created_seconds, intake.created_seconds),
        ],
        [
            f"all {intake.runs} on their first form (wall)",
            f"{intake.on_form_seconds:.1f} s",
            f"{bare.on_form_seconds:.1f} s",
            ratio(intake.on_form_seconds, bare.on_form_seconds),
        ],
        [
            "cases opened per second (to first form)",
            per_second(intake.runs, intake.on_form_seconds),
            per_second(bare.runs, bare.on_form_seconds),
            ratio(bare.on_form_seconds, intake.on_form_seconds),
        ],
    ]
    prefect_database = os.environ.get("CME_PREFECT_DATABASE_URL", "sqlite").split(":", 1)[0]
    return "\n".join(
        [
            "",
            f"Intake benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
            f"machine: nproc {os.cpu_count()}, python {platform.python_version()}, "
            f"prefect {prefect.__version__}, {platform.system()} {platform.release()}",
            f"case database: {database}; Prefect database: {prefect_database}; runner poll "
            f"{RUNNER_POLL_SECONDS} s; serve limit {load_settings().serve_limit}; "
            f"{intake.runs} rows, every one a CME case; the bare loop ran after the import",
            "",
            table(rows),
            "",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.intake_cases", description=__doc__)
    parser.add_argument("--rows", type=int, default=200, help="rows (cases) in the return")
    parser.add_argument("--keep", action="store_true", help="keep the temporary state folder")
    args = parser.parse_args(argv)

    home = Path(tempfile.mkdtemp(prefix="cme-bench-intake-"))
    controller, _inbox = start_smtp(free_port())
    os.environ.update(
        {
            "CME_HOME": str(home),
            "CME_PORT": str(free_port()),
            "CME_ENVIRONMENT": "test",
            "CME_SMTP_HOST": "127.0.0.1",
            "CME_SMTP_PORT": str(controller.port),
        }
    )
    os.environ.setdefault("CME_DATABASE_URL", f"sqlite:///{home / 'cases.db'}")
    reset()
    settings = load_settings()
    stack = Stack(settings=settings, log_dir=home / "logs")
    logs: list[IO[bytes]] = []
    keep = args.keep
    try:
        migrate(settings.case_database_url)
        progress(f"starting the stack in {home}")
        stack.start_server()
        stack.start_serving()
        start_bare_serving(stack, logs)
        stack.wait_for_deployments(["cme-case", "intake-deletion-returns", "bare"])
        # Outside the drop folder, so the 5-minute sweep never takes it.
        file = home / "returns" / "benchmark-deletions.csv"
        file.parent.mkdir(parents=True)
        file.write_bytes(deletion_return(args.rows))
        with (
            temporary_settings(
                updates={
                    PREFECT_API_URL: settings.api_url,
                    PREFECT_API_AUTH_STRING: stack.credential("runner"),
                    PREFECT_LOCAL_STORAGE_PATH: settings.results_dir,
                    PREFECT_RESULTS_DEFAULT_SERIALIZER: "json",
                }
            ),
            get_client(sync_client=True) as client,
        ):
            progress(f"importing a return of {args.rows} CME-case rows")
            intake = measure_intake(client, file, args.rows)
            progress(f"bare loop: {args.rows} run_deployment calls")
            bare = measure_bare(client, args.rows)
        sys.stdout.write(report(intake, bare, settings.case_database_url.split(":", 1)[0]))
        sys.stdout.flush()
        return 0
    except BaseException:
        keep = True
        progress(f"benchmark failed; logs kept in {stack.log_dir}")
        raise
    finally:
        stack.stop("bare-serve")
        stack.stop_all()
        for log in logs:
            log.close()
        controller.stop()
        if not keep:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
