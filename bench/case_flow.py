"""The case-flow benchmark: what the product adds to Prefect's own cost, and what waiting costs.

Starts its own stack (Prefect server, the serving process, a bare-Prefect serving process, an SMTP
sink, a case database in a temporary folder), then measures, for cme-case and for a bare flow of
the same shape, (i) case opened -> first form ready and (ii) officer resume -> next form ready;
then opens 100 cases, brings each to its first form and counts the processes they hold.
It reports and never asserts: a missed target is a finding, so the exit code is 0.

    .venv/bin/python -m bench.case_flow [--cases 10] [--waiting 100] [--keep]
"""

from __future__ import annotations

import argparse
import contextvars
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any
from uuid import UUID

import prefect
import psutil
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.deployments import run_deployment
from prefect.flow_runs import resume_flow_run
from prefect.settings import (
    PREFECT_API_AUTH_STRING,
    PREFECT_API_URL,
    PREFECT_LOCAL_STORAGE_PATH,
    PREFECT_RESULTS_DEFAULT_SERIALIZER,
    temporary_settings,
)

from adapters.settings import PROJECT_ROOT, load_settings
from launcher.flow_processes import flow_run_processes, warm_start_helpers
from launcher.stack import RUNNER_POLL_SECONDS, Stack
from store.migrations import migrate
from store.unit_of_work import reset
from tests.factories import distinct_births, make_referral
from tests.mail import start_smtp

CASE_DEPLOYMENT = "cme-case/cme-case"
BARE_DEPLOYMENT = "bare/bare"
CASE_FIRST_KEY = "referral-check-reasonable-enquiries"
CASE_SECOND_KEY = "home-visit-visit-1"
# Must match bench/bare_flow.py; not imported so this process never loads the bare flow itself.
BARE_FIRST_KEY = "bare-first-form"
BARE_SECOND_KEY = "bare-second-form"

POLL_SECONDS = 0.05
FORM_TIMEOUT = 180.0
# The field notes (section 8) saw SQLite "database is locked" 503s with 4 concurrent creations.
OPEN_CONCURRENCY = 2
OPEN_ATTEMPTS = 6
# Issue 21: the warm start (launcher/warm_start.py) against bare Prefect started cold.
TARGET_OPEN_RATIO = 0.8
TARGET_RESUME_RATIO = 0.6

FINAL = {StateType.COMPLETED, StateType.FAILED, StateType.CRASHED, StateType.CANCELLED}
OFFICER = "cme-officer-dspl-6-9"  # make_referral's AL1 postcode is DSPL 7


def enquiries() -> dict[str, Any]:
    """A valid reasonable-enquiries form that sends the case on to a home visit."""
    return {
        "officer": OFFICER,
        "school": "no_trace",
        "admissions": "no_trace",
        "other_local_authorities": "no_trace",
        "s2s_lost_pupil_database": "no_trace",
        "health": "information_found",
        "childrens_social_care": "no_trace",
        "district_council_tax_and_housing": "information_found",
        "police": "not_made",
        "border_force": "not_applicable",
        "findings": "GP and council tax confirm the family at the address.",
        "decision": "continue_to_home_visit",
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- statistics -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stats:
    median: float
    p90: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Stats:
        p90 = (
            statistics.quantiles(values, n=10, method="inclusive")[8]
            if len(values) > 1
            else values[0]
        )
        return cls(statistics.median(values), p90, min(values), max(values))


PHASES = ("runner pick-up", "process start", "flow body to form")


@dataclass
class Timings:
    opened_to_form: list[float] = field(default_factory=list)
    resume_to_form: list[float] = field(default_factory=list)
    # Per pass, from the run's state history: (scheduled -> pending, pending -> running,
    # running -> suspended), to show where the time goes.
    first_phases: list[tuple[float, float, float]] = field(default_factory=list)
    second_phases: list[tuple[float, float, float]] = field(default_factory=list)

    def add(self, bench: Bench, run_id: UUID, to_first: float, to_second: float) -> None:
        self.opened_to_form.append(to_first)
        self.resume_to_form.append(to_second)
        first, second = bench.phases(run_id)
        self.first_phases.append(first)
        self.second_phases.append(second)


@dataclass(frozen=True)
class TaskCounts:
    """Task runs of one run before its first form, and between first resume and second form."""

    before_first: int
    after_resume: int
    names_before: list[str]
    names_after: list[str]


@dataclass(frozen=True)
class Waiting:
    cases: int
    open_seconds: float
    suspend_seconds: float
    retries: int
    peak_children: int
    children: int
    serve_rss_mb: float
    helpers_rss_mb: float
    helpers: int
    pass_rss_mb: float
    pass_uss_mb: float
    server_rss_mb: float
    server_processes: int


# --- driving runs -----------------------------------------------------------------------------


@dataclass
class Bench:
    client: SyncPrefectClient
    stack: Stack
    retries: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _births: Iterator[date] = field(default_factory=distinct_births)

    def open(self, deployment: str, parameters: dict[str, Any]) -> UUID:
        """run_deployment as the UI's Run button does, retried on SQLite lock errors (503)."""
        for attempt in range(OPEN_ATTEMPTS):
            try:
                run = run_deployment(deployment, parameters=parameters, timeout=0)
            except Exception:
                if attempt == OPEN_ATTEMPTS - 1:
                    raise
                with self._lock:
                    self.retries += 1
                time.sleep(1.0 + attempt)
                continue
            assert isinstance(run, FlowRun)
            return run.id
        raise AssertionError("unreachable")

    def open_case(self) -> UUID:
        # Each case a child of its own: a referral about a child with an open case joins it.
        with self._lock:
            born = next(self._births)
        referral = make_referral(child_date_of_birth=born)
        return self.open(CASE_DEPLOYMENT, {"referral": referral.model_dump(mode="json")})

    def open_bare(self, counts: TaskCounts) -> UUID:
        return self.open(
            BARE_DEPLOYMENT,
            {"tasks_before": counts.before_first, "tasks_after": bare_tasks_after(counts)},
        )

    def wait_for_form(self, run_id: UUID, key: str, since: float) -> float:
        """Seconds from `since` until the run is suspended on the form `key`."""
        deadline = since + FORM_TIMEOUT
        while time.monotonic() < deadline:
            state = self.client.read_flow_run(run_id).state
            assert state is not None
            if state.type in FINAL:
                raise RuntimeError(f"run {run_id} ended {state.type.value} before form {key}")
            if state.type is StateType.PAUSED and state.state_details.pause_key == key:
                return time.monotonic() - since
            time.sleep(POLL_SECONDS)
        raise TimeoutError(f"run {run_id} not on form {key} after {FORM_TIMEOUT:.0f} s")

    def one_run(
        self, open_run: Callable[[], UUID], keys: tuple[str, str], answer: dict[str, Any]
    ) -> tuple[UUID, float, float]:
        """Open a run, time it to its first form, resume it and time it to the next form."""
        run_id = open_run()
        opened = time.monotonic()
        to_first = self.wait_for_form(run_id, keys[0], opened)
        resumed = time.monotonic()
        resume_flow_run(run_id, run_input=answer)
        to_second = self.wait_for_form(run_id, keys[1], resumed)
        return run_id, to_first, to_second

    def phases(self, run_id: UUID) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
        """The first two passes of a run, split at Pending and Running (see Timings)."""
        states = sorted(self.client.read_flow_run_states(run_id), key=lambda s: s.timestamp)
        passes: list[tuple[float, float, float]] = []
        start = pending = running = None
        for state in states:
            if state.name in ("Scheduled", "Resuming") and start is None:
                start = state.timestamp
            elif state.name == "Pending" and start is not None and pending is None:
                pending = state.timestamp
            elif state.name == "Running" and pending is not None and running is None:
                running = state.timestamp
            elif state.name == "Suspended" and start and pending and running:
                passes.append(
                    (
                        (pending - start).total_seconds(),
                        (running - pending).total_seconds(),
                        (state.timestamp - running).total_seconds(),
                    )
                )
                start = pending = running = None
        if len(passes) < 2:
            raise RuntimeError(f"run {run_id}: expected two suspended passes, found {passes}")
        return passes[0], passes[1]

    def task_names(self, run_id: UUID) -> list[str]:
        """Task runs of one flow run, once the server has stopped recording new ones (task run
        states arrive as events, seconds after the flow run itself moved on)."""
        names: list[str] = []
        stable_since = time.monotonic()
        deadline = stable_since + 60
        while time.monotonic() < deadline:
            runs = self.client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])), limit=200
            )
            # A task run is named "<task>-<3 hex>"; keep the task and how it ended.
            current = sorted(f"{r.name.rsplit('-', 1)[0]} ({r.state_name})" for r in runs)
            if current != names:
                names, stable_since = current, time.monotonic()
            elif time.monotonic() - stable_since >= 3:
                break
            time.sleep(0.5)
        return names

    def count_tasks(
        self, open_run: Callable[[], UUID], keys: tuple[str, str], answer: dict[str, Any]
    ) -> TaskCounts:
        """Drive one run to its second form, reading its task runs at each form (a warm-up run
        too: it is not in the timings)."""
        run_id = open_run()
        self.wait_for_form(run_id, keys[0], time.monotonic())
        first = self.task_names(run_id)
        resume_flow_run(run_id, run_input=answer)
        self.wait_for_form(run_id, keys[1], time.monotonic())
        both = self.task_names(run_id)
        after = list((Counter(both) - Counter(first)).elements())
        return TaskCounts(len(first), len(after), first, after)

    def timings(self, cases: int, case_counts: TaskCounts) -> tuple[Timings, Timings]:
        """cme-case and bare runs, one after the other, so drift in the machine hits both."""
        case, bare = Timings(), Timings()
        for index in range(cases):
            case_id, to_first, to_second = self.one_run(
                self.open_case, (CASE_FIRST_KEY, CASE_SECOND_KEY), enquiries()
            )
            bare_id, bare_first, bare_second = self.one_run(
                lambda: self.open_bare(case_counts),
                (BARE_FIRST_KEY, BARE_SECOND_KEY),
                {"approve": True},
            )
            case.add(self, case_id, to_first, to_second)
            bare.add(self, bare_id, bare_first, bare_second)
            progress(
                f"  pair {index + 1}/{cases}: cme-case {to_first:.2f}s / {to_second:.2f}s, "
                f"bare {bare_first:.2f}s / {bare_second:.2f}s"
            )
        return case, bare

    def hold_waiting(self, cases: int) -> Waiting:
        """Open `cases` cases, at most OPEN_CONCURRENCY at a time, and wait until every one is
        suspended on its first form; then count what the serving process still holds."""
        serve = psutil.Process(self.stack.processes["serve"].pid)
        server = psutil.Process(self.stack.processes["prefect-server"].pid)
        retries_before = self.retries
        started = time.monotonic()
        peak_children = 0
        passes = PassMemory()
        with ThreadPoolExecutor(max_workers=OPEN_CONCURRENCY) as pool:
            # Each thread needs this thread's Prefect settings (the API URL): copy the context.
            futures = [
                pool.submit(contextvars.copy_context().run, self.open_case) for _ in range(cases)
            ]
            while not all(f.done() for f in futures):
                peak_children = max(peak_children, passes.sample(serve.pid))
                time.sleep(0.5)
            run_ids = [f.result() for f in futures]
        opened = time.monotonic()
        progress(f"  {cases} cases opened in {opened - started:.1f}s; waiting for their forms")
        # Measured on 2 cores: 100 cases took 5.5 minutes, and over 11 in a busier run.
        deadline = opened + 120 + 15 * cases
        while True:
            peak_children = max(peak_children, passes.sample(serve.pid))
            waiting = self.count_on_form(run_ids, CASE_FIRST_KEY)
            if waiting == cases:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {waiting}/{cases} cases reached their first form")
            time.sleep(1.0)
        suspended = time.monotonic()
        progress(f"  all {cases} on their first form after {suspended - started:.1f}s")
        # A suspended run's subprocess exits just after the state change; give it time to go.
        settle_until = suspended + 30
        children = flow_run_processes(serve.pid)
        while children and time.monotonic() < settle_until:
            time.sleep(0.5)
            children = flow_run_processes(serve.pid)
        helpers = warm_start_helpers(serve.pid)
        server_tree = [server, *server.children(recursive=True)]
        return Waiting(
            cases=cases,
            open_seconds=opened - started,
            suspend_seconds=suspended - started,
            retries=self.retries - retries_before,
            peak_children=peak_children,
            children=len(children),
            serve_rss_mb=rss_mb([serve, *children]),
            helpers_rss_mb=rss_mb(helpers),
            helpers=len(helpers),
            pass_rss_mb=passes.peak_rss / 2**20,
            pass_uss_mb=passes.peak_uss / 2**20,
            server_rss_mb=rss_mb(server_tree),
            server_processes=len(server_tree),
        )

    def count_on_form(self, run_ids: list[UUID], key: str) -> int:
        runs = self.client.read_flow_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=run_ids)), limit=len(run_ids)
        )
        ended = [r for r in runs if r.state is not None and r.state.type in FINAL]
        if ended:
            raise RuntimeError(f"{len(ended)} waiting case(s) ended, e.g. {ended[0].state}")
        return sum(
            1
            for r in runs
            if r.state is not None
            and r.state.type is StateType.PAUSED
            and r.state.state_details.pause_key == key
        )


def bare_tasks_after(counts: TaskCounts) -> int:
    """New empty tasks after the bare flow's resume. A resumed run replays from the top, so the
    bare flow's first tasks run again (cached) before its new ones; the new ones make up the rest
    of the cme-case count, so both runs create the same number of task runs on that pass."""
    return max(counts.after_resume - counts.before_first, 0)


class PassMemory:
    """The most memory one flow-run process (one pass of a case) was seen to use: resident, and
    unique to it (USS: what it does not share with the warm parent it was forked from)."""

    def __init__(self) -> None:
        self.peak_rss = 0
        self.peak_uss = 0

    def sample(self, runner_pid: int) -> int:
        """Sample every flow-run process under the runner; returns how many there are."""
        processes = flow_run_processes(runner_pid)
        for process in processes:
            try:
                memory = process.memory_full_info()
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            self.peak_rss = max(self.peak_rss, memory.rss)
            self.peak_uss = max(self.peak_uss, memory.uss)
        return len(processes)


def rss_mb(processes: Sequence[psutil.Process]) -> float:
    total = 0
    for process in processes:
        try:
            total += process.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total / 2**20


def progress(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


# --- report -----------------------------------------------------------------------------------


def ratio(case: float, bare: float) -> str:
    return f"{case / bare:.2f}x" if bare > 0 else "-"


def verdict(case: float, bare: float, target: float) -> str:
    return "PASS" if bare > 0 and case / bare <= target else "MISS"


def phase_rows(
    name: str, case: list[tuple[float, float, float]], bare: list[tuple[float, float, float]]
) -> list[list[str]]:
    rows = []
    for index, phase in enumerate(PHASES):
        c = statistics.median(p[index] for p in case)
        b = statistics.median(p[index] for p in bare)
        rows.append([f"{name}: {phase} (median)", f"{c:.2f} s", f"{b:.2f} s", ratio(c, b), "", ""])
    return rows


def timing_rows(name: str, case: list[float], bare: list[float], target: float) -> list[list[str]]:
    c, b = Stats.of(case), Stats.of(bare)
    rows = [
        [
            f"{name}: median",
            f"{c.median:.2f} s",
            f"{b.median:.2f} s",
            ratio(c.median, b.median),
            f"<= {target}x",
            verdict(c.median, b.median, target),
        ]
    ]
    for label, cv, bv in (("p90", c.p90, b.p90), ("min", c.low, b.low), ("max", c.high, b.high)):
        rows.append([f"{name}: {label}", f"{cv:.2f} s", f"{bv:.2f} s", ratio(cv, bv), "", ""])
    return rows


def table(rows: list[list[str]]) -> str:
    header = ["metric", "cme-case", "bare Prefect", "ratio", "target", "verdict"]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = []
    for index, row in enumerate([header, *rows]):
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def report(
    cases: int,
    case_counts: TaskCounts,
    bare_counts: TaskCounts,
    case_timings: Timings,
    bare_timings: Timings,
    waiting: Waiting,
    database: str,
) -> str:
    rows = [
        [
            "task runs before first form",
            str(case_counts.before_first),
            str(bare_counts.before_first),
            "",
            "equal",
            "ok" if case_counts.before_first == bare_counts.before_first else "DIFFERS",
        ],
        [
            "task runs, first resume -> next form",
            str(case_counts.after_resume),
            str(bare_counts.after_resume),
            "",
            "equal",
            "ok" if case_counts.after_resume == bare_counts.after_resume else "DIFFERS",
        ],
        *timing_rows(
            "(i) opened -> first form",
            case_timings.opened_to_form,
            bare_timings.opened_to_form,
            TARGET_OPEN_RATIO,
        ),
        *phase_rows("  (i) of which", case_timings.first_phases, bare_timings.first_phases),
        *timing_rows(
            "(ii) resume -> next form",
            case_timings.resume_to_form,
            bare_timings.resume_to_form,
            TARGET_RESUME_RATIO,
        ),
        *phase_rows("  (ii) of which", case_timings.second_phases, bare_timings.second_phases),
        [
            f"serve child processes, {waiting.cases} waiting",
            str(waiting.children),
            "-",
            "",
            "0",
            "PASS" if waiting.children == 0 else "MISS",
        ],
        [
            f"serve child processes, peak while opening {waiting.cases}",
            str(waiting.peak_children),
            "-",
            "",
            f"<= {load_settings().serve_limit} (limit)",
            "",
        ],
        [
            f"serving process RSS, {waiting.cases} waiting",
            f"{waiting.serve_rss_mb:.0f} MB",
            "-",
            "",
            "",
            "",
        ],
        [
            f"  warm start's helpers ({waiting.helpers} processes, no run)",
            f"{waiting.helpers_rss_mb:.0f} MB",
            "-",
            "",
            "",
            "",
        ],
        [
            "one pass's process, peak RSS / unique (USS)",
            f"{waiting.pass_rss_mb:.0f} / {waiting.pass_uss_mb:.0f} MB",
            "-",
            "",
            "",
            "",
        ],
        [
            f"Prefect server RSS, {waiting.cases} waiting",
            f"{waiting.server_rss_mb:.0f} MB ({waiting.server_processes} proc)",
            "-",
            "",
            "",
            "",
        ],
        [
            f"open {waiting.cases} cases ({OPEN_CONCURRENCY} at a time)",
            f"{waiting.open_seconds:.1f} s",
            "-",
            "",
            "",
            "",
        ],
        [
            f"all {waiting.cases} on first form",
            f"{waiting.suspend_seconds:.1f} s",
            "-",
            "",
            "",
            "",
        ],
        [
            "run_deployment retries (503)",
            str(waiting.retries),
            "-",
            "",
            "",
            "",
        ],
    ]
    prefect_database = os.environ.get("CME_PREFECT_DATABASE_URL", "sqlite").split(":", 1)[0]
    machine = (
        f"machine: nproc {os.cpu_count()}, python {platform.python_version()}, "
        f"prefect {prefect.__version__}, {platform.system()} {platform.release()}"
    )
    lines = [
        "",
        f"Case-flow benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        machine,
        f"case database: {database}; Prefect database: {prefect_database}; runner poll "
        f"{RUNNER_POLL_SECONDS} s; state poll "
        f"{POLL_SECONDS * 1000:.0f} ms; {cases} cme-case and {cases} bare runs, interleaved",
        "cme-case task runs before first form: " + ", ".join(case_counts.names_before),
        "cme-case task runs, first resume -> next form: " + ", ".join(case_counts.names_after),
        f"bare flow parameters: tasks_before={case_counts.before_first}, "
        f"tasks_after={bare_tasks_after(case_counts)} (plus the replayed first tasks)",
        "",
        table(rows),
        "",
    ]
    return "\n".join(lines)


# --- main -------------------------------------------------------------------------------------


def start_bare_serving(stack: Stack, logs: list[IO[bytes]]) -> None:
    """The bare deployment's own serving process, same environment and server as cme-case."""
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.case_flow", description=__doc__)
    parser.add_argument("--cases", type=int, default=10, help="timed cme-case and bare runs")
    parser.add_argument("--waiting", type=int, default=100, help="cases left waiting")
    parser.add_argument("--keep", action="store_true", help="keep the temporary state folder")
    args = parser.parse_args(argv)

    home = Path(tempfile.mkdtemp(prefix="cme-bench-"))
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
        stack.wait_for_deployments(["cme-case", "bare"])
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
            bench = Bench(client=client, stack=stack)
            progress("counting task runs (one warm-up run of each)")
            case_counts = bench.count_tasks(
                bench.open_case, (CASE_FIRST_KEY, CASE_SECOND_KEY), enquiries()
            )
            bare_counts = bench.count_tasks(
                lambda: bench.open_bare(case_counts),
                (BARE_FIRST_KEY, BARE_SECOND_KEY),
                {"approve": True},
            )
            progress(f"timing {args.cases} cme-case and {args.cases} bare runs")
            case_timings, bare_timings = bench.timings(args.cases, case_counts)
            progress(f"opening {args.waiting} cases to wait on their first form")
            waiting = bench.hold_waiting(args.waiting)
        database = settings.case_database_url.split(":", 1)[0]
        sys.stdout.write(
            report(
                args.cases,
                case_counts,
                bare_counts,
                case_timings,
                bare_timings,
                waiting,
                database,
            )
        )
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
