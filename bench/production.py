"""The production benchmark: the product as a county runs it, PostgreSQL for both databases and
process workers on the `cme-process` work pool, beside bare Prefect deployment runs on the same
server and workers.

Prints one table: 10,000 waiting cases held (server memory, time to list them, processes held),
cases opened per second with two workers beside bare runs, officer resume -> next form ready beside
bare, and the escalation sweep over 10,000 open stages. The waiting cases are `--opened` real case
runs, each Suspended on its first form, and clones of them made through the Prefect API with what
a real waiting case stores on the server (copies of their rows in the server's database,
bench/waiting_clones.py), up to `--waiting`.
It reports and never asserts: a missed target is a finding, so the exit code is 0 (non-zero only
when it could not run; its logs are then kept).

    .venv/bin/python -m bench.production          # 10,000 waiting, 40 real: ~11 min on 2 cores
    .venv/bin/python -m bench.production --waiting 500 --opened 10 --bare 10 --resumes 2

Uses fresh databases on CME_BENCH_POSTGRES_URL (default: postgres@127.0.0.1:5432), dropped at the
end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import contextvars
import os
import platform
import shutil
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, date, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import psutil
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterId,
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.deployments import run_deployment
from prefect.deployments.runner import RunnerDeployment
from prefect.flow_runs import resume_flow_run
from prefect.settings import (
    PREFECT_API_AUTH_STRING,
    PREFECT_API_URL,
    PREFECT_LOCAL_STORAGE_PATH,
    PREFECT_RESULTS_DEFAULT_SERIALIZER,
    temporary_settings,
)
from sqlalchemy import make_url

from adapters.settings import PROJECT_ROOT, Settings
from bench import waiting_clones
from bench.case_flow import enquiries
from bench.sweep import TODAY as SWEEP_TODAY
from bench.sweep import fill, postgres_database
from launcher.production import work_pool_name
from launcher.stack import Stack
from models.config import load_config
from models.deadlines import load_calendar_config
from store.database import make_engine, session_scope
from store.migrations import migrate
from tasks.sweep import local_day, plan_notices
from tests.factories import distinct_births, make_referral
from tests.mail import start_smtp

CASE = "cme-case/cme-case"
BARE = "bare/bare"
CASE_FIRST, CASE_SECOND = "referral-check-reasonable-enquiries", "home-visit-visit-1"
BARE_FIRST, BARE_SECOND = "bare-first-form", "bare-second-form"  # bench/bare_flow.py
# The task runs of a cme-case run before its first form, and on the pass to its second form
# (bench/README.md, "The bare comparison flow").
BARE_TASKS_BEFORE, BARE_TASKS_AFTER = 6, 5
OPEN_CONCURRENCY = 8
TARGET_OPEN_PER_SECOND = 5.0
TARGET_RESUME_RATIO = 1.2
TARGET_SWEEP_SECONDS = 1.0
TARGET_LIST_SECONDS = 5.0
PAGE = 200


def progress(line: str) -> None:
    sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] {line}\n")
    sys.stderr.flush()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def deploy_bare() -> None:
    """The bare comparison flow, on the same work pool and workers as the product."""
    from bench.bare_flow import bare

    os.chdir(PROJECT_ROOT)  # the entrypoint is recorded relative to here
    deployment = bare.to_deployment(name="bare", job_variables={"working_dir": str(PROJECT_ROOT)})
    assert isinstance(deployment, RunnerDeployment)  # to_deployment is sync when called sync
    deployment.apply(work_pool_name=work_pool_name())


def open_runs(
    deployment: str, parameters: Callable[[int], dict[str, Any]], count: int
) -> list[UUID]:
    """Create `count` runs, OPEN_CONCURRENCY at a time; returns when the last was created."""

    def create(index: int) -> UUID:
        run = run_deployment(deployment, parameters=parameters(index), timeout=0)
        assert isinstance(run, FlowRun)
        return run.id

    # Prefect's settings (the API URL) live in context variables, which threads do not inherit.
    context = contextvars.copy_context()
    with ThreadPoolExecutor(OPEN_CONCURRENCY) as pool:
        return list(pool.map(lambda i: context.copy().run(create, i), range(count)))


def count_paused(deployment_id: UUID) -> int:
    with get_client(sync_client=True) as client:
        return client.count_flow_runs(
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED]))
            ),
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])),
        )


def deployment_id(name: str) -> UUID:
    with get_client(sync_client=True) as client:
        return client.read_deployment_by_name(name).id


def opened_per_second(
    deployment: str, parameters: Callable[[int], dict[str, Any]], n: int
) -> tuple[float, list[UUID]]:
    """Open n runs and wait until all n wait on their first form; runs per second, end to end."""
    ident = deployment_id(deployment)
    before = count_paused(ident)
    start = time.monotonic()
    opened = open_runs(deployment, parameters, n)
    last_report = start
    while (waiting := count_paused(ident) - before) < n:
        if time.monotonic() - last_report > 30:
            progress(f"  {deployment}: {waiting}/{n} on their first form")
            last_report = time.monotonic()
        time.sleep(0.5)
    return n / (time.monotonic() - start), opened


def wait_for_form(run_id: UUID, key: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            state = client.read_flow_run(run_id).state
            paused = state is not None and state.type is StateType.PAUSED
            if paused and state is not None and state.state_details.pause_key == key:
                return
            time.sleep(0.05)
    raise TimeoutError(f"run {run_id} never reached {key}")


def resume_seconds(deployment: str, parameters: dict[str, Any], first: str, second: str,
                   answer: dict[str, Any]) -> float:  # fmt: skip
    run = run_deployment(deployment, parameters=parameters, timeout=0)
    assert isinstance(run, FlowRun)
    wait_for_form(run.id, first)
    time.sleep(1.0)  # the form's inputs are written just after the run turns Suspended
    start = time.monotonic()
    resume_flow_run(run.id, run_input=answer)
    wait_for_form(run.id, second)
    return time.monotonic() - start


def list_waiting_seconds() -> tuple[int, float, dict[UUID, FlowRun]]:
    """Every waiting run, page by page, as an inbox would list them."""
    start = time.monotonic()
    listed = 0
    runs: dict[UUID, FlowRun] = {}
    with get_client(sync_client=True) as client:
        while True:
            page = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(
                    state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED]))
                ),
                limit=PAGE,
                offset=listed,
            )
            listed += len(page)
            runs.update((run.id, run) for run in page)
            if len(page) < PAGE:
                return listed, time.monotonic() - start, runs


PAUSED_FILTER = {"flow_runs": {"state": {"type": {"any_": ["PAUSED"]}}}}
IN_FLIGHT = 4


def _api_auth() -> tuple[str, str] | None:
    """The credential Prefect's client signs in with here (the runner's), for raw requests."""
    auth = PREFECT_API_AUTH_STRING.value()
    secret = auth.get_secret_value() if hasattr(auth, "get_secret_value") else auth
    if not secret:
        return None
    username, _, password = str(secret).partition(":")
    return username, password


def list_waiting_in_flight_seconds(api_url: str) -> tuple[int, float]:
    """Every waiting run as a client in a hurry reads them: the count, then every page of 200,
    IN_FLIGHT requests at a time (so the server serialises one page while the client reads
    another)."""

    async def read_all() -> int:
        async with httpx.AsyncClient(base_url=api_url, auth=_api_auth(), timeout=120) as http:
            counted = await http.post("/flow_runs/count", json=PAUSED_FILTER)
            counted.raise_for_status()
            gate = asyncio.Semaphore(IN_FLIGHT)

            async def page(offset: int) -> int:
                async with gate:
                    body = {**PAUSED_FILTER, "limit": PAGE, "offset": offset}
                    response = await http.post("/flow_runs/filter", json=body)
                    response.raise_for_status()
                    return len(response.json())

            pages = await asyncio.gather(*(page(o) for o in range(0, int(counted.json()), PAGE)))
            return sum(pages)

    start = time.monotonic()
    listed = asyncio.run(read_all())
    return listed, time.monotonic() - start


def ui_page_seconds(api_url: str, repeats: int = 5) -> tuple[int, float]:
    """The Prefect UI's runs page filtered on Paused: `POST /flow_runs/paginate`, the first page of
    10 and the count of all, as the UI asks for them; the median of `repeats`."""
    body = {
        **PAUSED_FILTER,
        "sort": "START_TIME_DESC",
        "limit": 10,
        "page": 1,
    }
    timings = []
    count = 0
    with httpx.Client(base_url=api_url, auth=_api_auth(), timeout=60) as http:
        for _ in range(repeats):
            start = time.monotonic()
            response = http.post("/flow_runs/paginate", json=body)
            timings.append(time.monotonic() - start)
            response.raise_for_status()
            count = int(response.json()["count"])
    return count, statistics.median(timings)


def rss_mb(process: psutil.Process) -> float:
    total = process.memory_info().rss
    for child in process.children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            total += child.memory_info().rss
    return float(total) / 2**20


def sweep_seconds(stages: int) -> float:
    """plan_notices over `stages` open stages in a PostgreSQL case database (bench/sweep.py)."""
    with postgres_database("cme_bench_sweep") as url:
        migrate(url)
        engine = make_engine(url)
        try:
            fill(engine, start=0, count=stages, spread_days=(-30, 60))
            config = load_config(Settings().config_path)
            calendar = load_calendar_config(config.calendar_path)
            today = local_day(datetime.combine(SWEEP_TODAY, clock_time(9), UTC))
            timings = []
            for _ in range(3):
                start = time.monotonic()
                with session_scope(engine) as session:
                    plan_notices(
                        session=session,
                        today=today,
                        config=config,
                        bank_holidays=calendar.bank_holidays,
                    )
                timings.append(time.monotonic() - start)
            return statistics.median(timings)
        finally:
            engine.dispose()


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--waiting", type=int, default=10_000, help="cases held, real and cloned")
    parser.add_argument("--opened", type=int, default=40, help="real cases opened (the rate)")
    parser.add_argument("--bare", type=int, default=40, help="bare runs opened beside them")
    parser.add_argument("--resumes", type=int, default=5, help="resume timings of each flow")
    parser.add_argument("--stages", type=int, default=10_000, help="open stages for the sweep")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="cme-bench-production-"))
    ok = False
    rows: list[list[str]] = [["figure", "value", "target", "verdict"]]
    try:
        with ExitStack() as stack_of:
            case_url = stack_of.enter_context(postgres_database("cme_bench_cases"))
            prefect_url = stack_of.enter_context(postgres_database("cme_bench_prefect"))
            migrate(case_url)
            controller, _inbox = start_smtp(free_port())
            stack_of.callback(controller.stop)
            settings = Settings(
                home=folder,
                port=free_port(),
                environment="test",
                database_url=case_url,
                prefect_database_url=make_url(prefect_url)
                .set(drivername="postgresql+asyncpg")
                .render_as_string(hide_password=False),
                prefect_api_url=None,
                prefect_ui_url=None,
                prefect_auth_string=None,
                smtp_host="127.0.0.1",
                smtp_port=controller.port,
            )
            stack = Stack(
                settings=settings, log_dir=folder / "logs", runner="worker", workers=args.workers
            )
            stack_of.callback(stack.stop_all)
            progress(f"starting: Prefect server on PostgreSQL, {args.workers} process workers")
            stack.start_server()
            stack.start_runners()
            stack.wait_for_deployments(["cme-case"])
            stack_of.enter_context(
                temporary_settings(
                    updates={
                        PREFECT_API_URL: settings.api_url,
                        PREFECT_API_AUTH_STRING: stack.credential("runner"),
                        PREFECT_LOCAL_STORAGE_PATH: settings.results_dir,
                        PREFECT_RESULTS_DEFAULT_SERIALIZER: "json",
                    }
                )
            )
            deploy_bare()
            stack.wait_for_deployments(["cme-case", "bare"])
            births = distinct_births()  # a referral about a child with an open case joins it

            def case_parameters() -> dict[str, Any]:
                referral = make_referral(child_date_of_birth=next(births))
                return {"referral": referral.model_dump(mode="json")}

            bare_parameters = {"tasks_before": BARE_TASKS_BEFORE, "tasks_after": BARE_TASKS_AFTER}

            progress(f"resume -> next form: {args.resumes} of each, alternating")
            case_resumes: list[float] = []
            bare_resumes: list[float] = []
            for _ in range(args.resumes):
                case_resumes.append(
                    resume_seconds(CASE, case_parameters(), CASE_FIRST, CASE_SECOND, enquiries())
                )
                bare_resumes.append(
                    resume_seconds(
                        BARE, bare_parameters, BARE_FIRST, BARE_SECOND, {"approve": True}
                    )
                )
            case_median, bare_median = (
                statistics.median(case_resumes),
                statistics.median(bare_resumes),
            )

            progress(f"opening {args.bare} bare runs, then {args.opened} real cases")
            bare_rate, _ = opened_per_second(BARE, lambda _: bare_parameters, args.bare)
            progress(f"  bare: {bare_rate:.2f}/s")
            real_parameters = [case_parameters() for _ in range(args.opened)]
            case_rate, real_ids = opened_per_second(CASE, lambda i: real_parameters[i], args.opened)
            progress(f"  cme-case: {case_rate:.2f}/s")
            templates = asyncio.run(waiting_clones.wait_for_templates(real_ids))
            stack.drain_runners(timeout=120)
            server = psutil.Process(stack.processes["prefect-server"].pid)
            real_rss = rss_mb(server)
            template = templates[0]
            progress(
                f"REAL: {len(templates)} cme-case runs Suspended on {CASE_FIRST}; each stores "
                f"{len(template.inputs)} flow-run inputs ({', '.join(template.inputs)}), "
                f"artifact {template.artifact.key} ({len(str(template.artifact.data))} chars), "
                f"{len(template.logs)} logs"
            )
            clones = max(0, args.waiting - args.opened - args.resumes)
            progress(f"CLONED: {clones} waiting cases, copies of the real runs' rows")
            clone_start = time.monotonic()
            clone_ids = waiting_clones.clone_by_copy(prefect_url, real_ids, clones, progress)
            clone_seconds = time.monotonic() - clone_start
            progress(f"  cloned {clones} in {clone_seconds:.0f} s")

            stack.drain_runners(timeout=120)
            held = len(stack.runner_children())
            server_rss = rss_mb(server)
            listed, list_seconds, listed_runs = list_waiting_seconds()
            in_flight_listed, in_flight_seconds = list_waiting_in_flight_seconds(settings.api_url)
            ui_count, ui_seconds = ui_page_seconds(settings.api_url)
            differences = ["no clone"]
            if clone_ids:
                real_listed = listed_runs[real_ids[0]]
                clone_listed = listed_runs[clone_ids[-1]]
                differences = waiting_clones.listed_differences(real_listed, clone_listed)
            progress(f"sweep over {args.stages} open stages")
            sweep = sweep_seconds(args.stages)

            # The resumed ones wait on their second form.
            waiting_total = args.opened + args.resumes + clones
            rows += [
                [f"cases waiting (+ {args.bare + args.resumes} bare)", f"{waiting_total}",
                 "10000", verdict(waiting_total >= 10_000)],
                ["  of which real (opened by the workers)", f"{args.opened + args.resumes}",
                 "-", "-"],
                ["  of which cloned (real runs' rows copied)", f"{clones} in {clone_seconds:.0f} s",
                 "-", "-"],
                ["cloned run vs real one in the list query", "; ".join(differences) or "same",
                 "same", verdict(not differences)],
                ["processes held by waiting runs", f"{held}", "0", verdict(held == 0)],
                [f"Prefect server RSS, {args.opened + args.resumes} real waiting",
                 f"{real_rss:.0f} MB", "-", "-"],
                [f"Prefect server RSS, all {waiting_total} waiting", f"{server_rss:.0f} MB",
                 "-", "-"],
                [f"list every waiting run ({listed}, pages of {PAGE})", f"{list_seconds:.2f} s",
                 f"<= {TARGET_LIST_SECONDS:.0f} s", verdict(list_seconds <= TARGET_LIST_SECONDS)],
                [f"  the same, {IN_FLIGHT} pages in flight ({in_flight_listed})",
                 f"{in_flight_seconds:.2f} s", f"<= {TARGET_LIST_SECONDS:.0f} s",
                 verdict(in_flight_seconds <= TARGET_LIST_SECONDS)],
                [f"UI runs page, Paused: first 10 of {ui_count} and the count (median of 5)",
                 f"{ui_seconds:.3f} s", "-", "-"],
                [f"cases opened -> first form, {args.workers} workers", f"{case_rate:.2f}/s",
                 f">= {TARGET_OPEN_PER_SECOND:.0f}/s",
                 verdict(case_rate >= TARGET_OPEN_PER_SECOND)],
                [f"bare runs opened -> first form, {args.workers} workers", f"{bare_rate:.2f}/s",
                 "-", f"cme/bare {case_rate / bare_rate:.2f}"],
                ["resume -> next form, cme-case (median)", f"{case_median:.2f} s", "-", "-"],
                ["resume -> next form, bare (median)", f"{bare_median:.2f} s", "-", "-"],
                ["resume -> next form, cme/bare", f"{case_median / bare_median:.2f}x",
                 f"<= {TARGET_RESUME_RATIO}x",
                 verdict(case_median / bare_median <= TARGET_RESUME_RATIO)],
                [f"sweep plan over {args.stages} open stages (median of 3)", f"{sweep:.3f} s",
                 f"<= {TARGET_SWEEP_SECONDS:.0f} s at 10000",
                 verdict(sweep <= TARGET_SWEEP_SECONDS)],
            ]  # fmt: skip
            ok = True
    finally:
        if ok and not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            progress(f"state and logs kept in {folder}")
    cores = os.cpu_count()
    sys.stdout.write(
        f"CME production benchmark, {date.today().isoformat()}: {platform.node()}, {cores} cores, "
        f"Python {platform.python_version()}; PostgreSQL for the Prefect server and the case "
        f"database; {args.workers} process workers (limit {Settings().worker_limit} each); "
        f"sizes --waiting {args.waiting} --opened {args.opened} --bare {args.bare} "
        f"--resumes {args.resumes} "
        f"--stages {args.stages}\n"
    )
    sys.stdout.write(table(rows) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
