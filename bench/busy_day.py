"""A normal day's load on the embedded default: does any person see a 503, is any action lost?

Starts the product as `make run` does, on SQLite (Prefect server behind the sign-in gateway, the
serving process, the public form's drainer, an SMTP sink, a case database in a temporary folder),
then, side by side for ``--minutes``:

- two officers, each signed in as themselves and calling the API as the Prefect UI does (plain
  HTTP, no retries of their own): open a case, wait for its first form, answer it, think a few
  seconds, again;
- a 200-row deletion return imported as it arrives (the intake opens a case per good row);
- members of the public sending referrals through the public form's outbox, one every few
  seconds, delivered to Prefect by the drainer;
- the escalation sweep, once a minute (hourly in production).

It counts every answer the officers got (a 503 is one a person would see), the 503s Prefect gave
the gateway on a person's behalf that it made again (the `answered 503` / `resume of` lines of the
server's log: what a person would have seen before the gateway tried again), and every lost
action: an officer's open or answer that did not go in, a public referral not delivered.
Targets (issue 20): 0 lost, 0 503s seen by a person. It reports and never asserts.

    .venv/bin/python -m bench.busy_day [--minutes 3] [--rows 200] [--keep]
"""

from __future__ import annotations

import argparse
import contextvars
import functools
import os
import platform
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import prefect
from prefect.client.schemas.objects import FlowRun
from prefect.deployments import run_deployment
from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings
from sqlalchemy import func, select

from adapters.settings import load_settings
from bench.case_flow import CASE_FIRST_KEY, CASE_SECOND_KEY, enquiries
from launcher.stack import Stack
from models.enums import ReferrerType
from public_form.outbox import DatabaseOutbox
from store.database import make_engine, session_scope
from store.migrations import migrate
from store.orm import PublicSubmission, SubmissionStatus
from store.unit_of_work import reset
from tests.e2e.people import SignInPerson, add_test_people
from tests.factories import distinct_births, make_referral
from tests.mail import start_smtp
from tools.synthetic_returns import deletion_return

# The two officers and a postcode in each one's DSPL areas (config/cme.toml).
OFFICERS = {"cme-officer-dspl-1-5": "SG1 1AA", "cme-officer-dspl-6-9": "AL1 3ER"}
THINK_SECONDS = 3.0
PUBLIC_EVERY_SECONDS = 8.0
SWEEP_EVERY_SECONDS = 60.0
# An officer waits this long for a new case's first form, then opens the next one; the end of the
# day waits CATCH_UP_SECONDS for every case to reach the form it should be on.
FORM_PATIENCE = 60.0
CATCH_UP_SECONDS = 600.0
DELIVERY_GRACE_SECONDS = 180.0


def progress(line: str) -> None:
    sys.stderr.write(f"[{datetime.now():%H:%M:%S}] {line}\n")
    sys.stderr.flush()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Tally:
    """What the officers' clients saw, shared by their threads."""

    statuses: Counter[int] = field(default_factory=Counter)
    lost: list[str] = field(default_factory=list)
    answered: list[UUID] = field(default_factory=list)
    unanswered: list[UUID] = field(default_factory=list)
    to_first_form: list[float] = field(default_factory=list)
    opened: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def saw(self, status: int) -> None:
        with self.lock:
            self.statuses[status] += 1

    def lose(self, what: str) -> None:
        with self.lock:
            self.lost.append(what)


@dataclass
class Officer:
    """One officer at the Prefect UI: every call through the gateway, none tried again."""

    person: SignInPerson
    postcode: str
    api_url: str
    deployment_id: str
    births: Iterator[date]
    tally: Tally

    def call(
        self, client: httpx.Client, method: str, path: str, body: Any = None
    ) -> httpx.Response:
        answer = client.request(method, path, json=body)
        self.tally.saw(answer.status_code)
        return answer

    def work(self, until: float) -> None:
        auth = (self.person.username, self.person.password)
        with httpx.Client(base_url=self.api_url, auth=auth, timeout=120) as client:
            while time.monotonic() < until:
                self.one_case(client)
                time.sleep(THINK_SECONDS)

    def one_case(self, client: httpx.Client) -> None:
        referral = make_referral(child_date_of_birth=next(self.births), postcode=self.postcode)
        body = {"parameters": {"referral": referral.model_dump(mode="json")}}
        opened = self.call(
            client, "POST", f"/deployments/{self.deployment_id}/create_flow_run", body
        )
        if opened.status_code != 201:
            self.tally.lose(f"open case: {opened.status_code}")
            return
        with self.tally.lock:
            self.tally.opened += 1
        run_id = UUID(opened.json()["id"])
        started = time.monotonic()
        if not self.wait_for_form(client, run_id, CASE_FIRST_KEY):
            with self.tally.lock:  # not lost: checked again at the end of the day
                self.tally.unanswered.append(run_id)
            return
        with self.tally.lock:
            self.tally.to_first_form.append(time.monotonic() - started)
        time.sleep(THINK_SECONDS)  # reading the form
        answer = self.call(
            client, "POST", f"/flow_runs/{run_id}/resume", {"run_input": enquiries()}
        )
        if answer.status_code != 201 or answer.json().get("status") != "ACCEPT":
            self.tally.lose(f"answer to {run_id}: {answer.status_code} {answer.text[:120]}")
            return
        with self.tally.lock:
            self.tally.answered.append(run_id)

    def wait_for_form(self, client: httpx.Client, run_id: UUID, key: str) -> bool:
        deadline = time.monotonic() + FORM_PATIENCE
        while time.monotonic() < deadline:
            run = self.call(client, "GET", f"/flow_runs/{run_id}")
            if run.status_code == 200 and _waiting_on(run.json()) == key:
                return True
            time.sleep(1.0)
        return False


def _waiting_on(run: dict[str, Any]) -> str | None:
    state = run.get("state") or {}
    if state.get("type") != "PAUSED":
        return None
    key = (state.get("state_details") or {}).get("pause_key")
    return str(key) if key else None


def import_return(folder: Path, rows: int) -> str:
    """Import one deletion return of ``rows`` rows; returns the run's final state name."""
    made = deletion_return(
        rows=rows, bad_share=0.05, near_duplicate_share=0.05, seed=11, today=date.today(),
        encoding="utf-8",
    )  # fmt: skip
    path = folder / "synthetic-deletion-return.csv"
    path.write_bytes(made.data)
    parameters = {"path": str(path), "now": datetime.now(UTC).isoformat()}
    run = run_deployment("intake-deletion-returns/intake-deletion-returns", parameters=parameters)
    assert isinstance(run, FlowRun)
    return run.state.name if run.state is not None and run.state.name else "unknown"


def send_public_referrals(outbox: DatabaseOutbox, births: Iterator[date], until: float) -> int:
    sent = 0
    while time.monotonic() < until:
        referral = make_referral(
            child_date_of_birth=next(births), referrer_type=ReferrerType.MEMBER_OF_PUBLIC
        )
        outbox.save(referral, received_at=datetime.now(UTC))
        sent += 1
        time.sleep(PUBLIC_EVERY_SECONDS)
    return sent


def sweep_every_minute(until: float) -> int:
    sweeps = 0
    while time.monotonic() < until:
        run_deployment(
            "escalation-sweep/escalation-sweep",
            parameters={"now": datetime.now(UTC).isoformat()},
            timeout=0,
        )
        sweeps += 1
        time.sleep(SWEEP_EVERY_SECONDS)
    return sweeps


def not_on(api_url: str, runner: str | None, run_ids: Sequence[UUID], key: str) -> list[UUID]:
    """The runs that did not reach the form with this key by the end of the catch-up time."""
    missing: list[UUID] = []
    deadline = time.monotonic() + CATCH_UP_SECONDS
    with httpx.Client(base_url=api_url, auth=_pair(runner), timeout=60) as client:
        for run_id in run_ids:
            while True:
                run = client.get(f"/flow_runs/{run_id}")
                if run.status_code == 200 and _waiting_on(run.json()) == key:
                    break
                if time.monotonic() > deadline:
                    missing.append(run_id)
                    break
                time.sleep(1.0)
    return missing


def undelivered(database_url: str, grace: float) -> tuple[int, int]:
    """(delivered, not delivered) public referrals, waiting up to ``grace`` s for the drainer."""
    engine = make_engine(database_url)
    deadline = time.monotonic() + grace
    try:
        while True:
            with session_scope(engine) as session:
                rows = session.execute(
                    select(PublicSubmission.status, func.count()).group_by(PublicSubmission.status)
                ).all()
            counts = {status: int(count) for status, count in rows}
            delivered = counts.get(SubmissionStatus.DELIVERED, 0)
            waiting = sum(counts.values()) - delivered
            if waiting == 0 or time.monotonic() > deadline:
                return delivered, waiting
            time.sleep(2.0)
    finally:
        engine.dispose()


def retried_503s(log: Path) -> int:
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    return sum(
        1
        for line in text.splitlines()
        if "answered 503" in line or ("resume of" in line and "trying again" in line)
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.busy_day", description=__doc__)
    parser.add_argument("--minutes", type=float, default=3.0, help="how long the officers work")
    parser.add_argument("--rows", type=int, default=200, help="rows in the deletion return")
    parser.add_argument("--keep", action="store_true", help="keep the temporary state folder")
    args = parser.parse_args(argv)

    home = Path(tempfile.mkdtemp(prefix="cme-busy-day-"))
    controller, _inbox = start_smtp(free_port())
    os.environ.update(
        {
            "CME_HOME": str(home),
            "CME_PORT": str(free_port()),
            "CME_DOCUMENTS_PORT": str(free_port()),
            "CME_ENVIRONMENT": "test",
            "CME_SMTP_HOST": "127.0.0.1",
            "CME_SMTP_PORT": str(controller.port),
            "CME_DATABASE_URL": f"sqlite:///{home / 'cases.db'}",
        }
    )
    os.environ.pop("CME_PREFECT_DATABASE_URL", None)  # the embedded default: Prefect on SQLite
    reset()
    settings = load_settings()
    stack = Stack(settings=settings, log_dir=home / "logs")
    keep = args.keep
    try:
        migrate(settings.case_database_url)
        engine = make_engine(settings.case_database_url)
        cast = add_test_people(engine, settings.config_path)
        progress(f"starting the stack in {home}")
        stack.start_server()
        stack.start_documents()
        stack.start_serving()
        stack.start_drainer()
        stack.wait_for_deployments(["cme-case", "intake-deletion-returns", "escalation-sweep"])
        runner = stack.credential("runner")
        with temporary_settings(
            updates={PREFECT_API_URL: settings.api_url, PREFECT_API_AUTH_STRING: runner}
        ):
            figures = busy_day(stack, settings.api_url, cast.everyone, engine, args, runner)
        engine.dispose()
        delivered, waiting = undelivered(settings.case_database_url, DELIVERY_GRACE_SECONDS)
        figures["public referrals delivered"] = delivered
        figures["public referrals not delivered (lost)"] = waiting
        figures["503s Prefect gave a person's call, made again by the gateway"] = retried_503s(
            stack.log_dir / "prefect-server.log"
        )
        report(figures, args)
        return 0
    except BaseException:
        keep = True
        progress(f"benchmark failed; logs kept in {stack.log_dir}")
        raise
    finally:
        stack.stop_all()
        controller.stop()
        if not keep:
            shutil.rmtree(home, ignore_errors=True)


def busy_day(
    stack: Stack,
    api_url: str,
    everyone: dict[str, SignInPerson],
    engine: Any,
    args: argparse.Namespace,
    runner: str | None,
) -> dict[str, Any]:
    with httpx.Client(base_url=api_url, auth=_pair(runner), timeout=60) as client:
        found = client.get("/deployments/name/cme-case/cme-case")
        found.raise_for_status()
        deployment_id = str(found.json()["id"])
    births = _Shared(distinct_births())
    tally = Tally()
    until = time.monotonic() + args.minutes * 60
    officers = [
        Officer(everyone[name], postcode, api_url, deployment_id, births, tally)
        for name, postcode in OFFICERS.items()
    ]
    results: dict[str, Any] = {}
    outbox = DatabaseOutbox(engine)
    work: list[Callable[[], object]] = [
        *[functools.partial(officer.work, until) for officer in officers],
        lambda: results.update({"deletion return import": import_return(stack.log_dir, args.rows)}),
        lambda: results.update(
            {"public referrals sent": send_public_referrals(outbox, births, until)}
        ),
        lambda: results.update({"sweeps": sweep_every_minute(until)}),
    ]
    # Each thread runs in a copy of this context: Prefect's settings (the API's address and the
    # runner's credential) live in context variables, which a new thread does not inherit.
    threads = [
        threading.Thread(target=contextvars.copy_context().run, args=(job,), daemon=True)
        for job in work
    ]
    progress(f"a busy day for {args.minutes:g} min: 2 officers, a {args.rows}-row return, "
             "the public form, the sweep")  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    progress("checking that every answer went in")
    not_answered = not_on(api_url, runner, tally.unanswered, CASE_FIRST_KEY)
    missing = not_on(api_url, runner, tally.answered, CASE_SECOND_KEY)
    waits = sorted(tally.to_first_form) or [0.0]
    calls = sum(tally.statuses.values())
    return {
        **results,
        "officers' calls": calls,
        "answers by status": dict(sorted(tally.statuses.items())),
        "503s seen by a person": tally.statuses.get(503, 0),
        "cases opened by officers": tally.opened,
        "forms answered by officers": len(tally.answered),
        "new case to its first form, median / max s": (
            f"{waits[len(waits) // 2]:.1f} / {waits[-1]:.1f}"
        ),
        f"cases whose form took over {FORM_PATIENCE:.0f} s (left for later)": len(tally.unanswered),
        "officers' actions lost": len(tally.lost) + len(not_answered) + len(missing),
        "lost, detail": [
            *tally.lost,
            *[f"case {r} never reached its first form" for r in not_answered],
            *[f"answer to {r} never moved the run on" for r in missing],
        ],
    }


def _pair(credential: str | None) -> tuple[str, str] | None:
    if not credential:
        return None
    username, _, password = credential.partition(":")
    return username, password


class _Shared(Iterator[date]):
    """One source of distinct dates of birth for every thread (a generator may not be entered
    by two threads at once)."""

    def __init__(self, births: Iterator[date]) -> None:
        self.births = births
        self.lock = threading.Lock()

    def __next__(self) -> date:
        with self.lock:
            return next(self.births)


def report(figures: dict[str, Any], args: argparse.Namespace) -> None:
    machine = (
        f"machine: nproc {os.cpu_count()}, python {platform.python_version()}, "
        f"prefect {prefect.__version__}, {platform.system()} {platform.release()}"
    )
    lines = [
        f"busy day: {args.minutes:g} min, deletion return of {args.rows} rows, "
        "case database and Prefect server on SQLite (the embedded default)",
        machine,
        "",
    ]
    width = max(len(name) for name in figures)
    for name, value in figures.items():
        lines.append(f"{name:<{width}}  {value}")
    lost = figures["officers' actions lost"] + figures["public referrals not delivered (lost)"]
    seen = figures["503s seen by a person"]
    lines.append("")
    lines.append(
        f"target: 0 lost, 0 503s seen by a person: {'met' if not lost and not seen else 'MISSED'}"
    )
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
