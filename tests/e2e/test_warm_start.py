"""Flow runs forked from the warm parent behave as Prefect's own `python -m prefect.engine`
processes: a case suspends and resumes with its input, a waiting case holds no process, and a
cancelled run's process is killed."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from uuid import UUID

import psutil
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.deployments import run_deployment
from prefect.states import Cancelling

from adapters.settings import PROJECT_ROOT
from launcher.flow_processes import flow_run_processes, warm_start_helpers
from launcher.stack import Stack
from tests.e2e import warm_runner
from tests.e2e.driver import Driver
from tests.e2e.test_journeys import enquiries
from tests.factories import make_referral

pytestmark = [pytest.mark.e2e]


def test_a_case_forked_warm_suspends_resumes_with_its_input_and_then_holds_no_process(
    driver: Driver,
) -> None:
    # The serving process (`make run`) or every worker (`make worker`) has its warm parent, once
    # it has started (a worker may still be importing when its deployments are registered).
    for runner in driver.stack.runner_names:
        assert _warm_parent_started(driver.stack.processes[runner].pid), f"{runner}: none"
    run_id = driver.open_case(make_referral())
    driver.wait_for_form(run_id, "referral-check-reasonable-enquiries")
    driver.resume(run_id, "referral-check-reasonable-enquiries", enquiries())
    driver.wait_for_form(run_id, "home-visit-visit-1")
    assert driver.stack.drain_runners(timeout=30)
    assert driver.stack.runner_children() == []
    assert driver.read(run_id).state_name == "Suspended"
    for runner in driver.stack.runner_names:
        log = (driver.stack.log_dir / f"{runner}.log").read_text(encoding="utf-8", errors="replace")
        assert "Flow runs start warm" in log, runner
        assert "Flow runs start cold" not in log, runner


def _warm_parent_started(pid: int, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if warm_start_helpers(pid):
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def held_runner(stack: Stack) -> Iterator[subprocess.Popen[bytes]]:
    """tests/e2e/warm_runner.py serving its held flow, warm, on the session's Prefect server."""
    log = (stack.log_dir / "warm-runner.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.warm_runner"],
        cwd=PROJECT_ROOT,
        env=stack.env_as("runner"),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        stack.wait_for_named_deployment(warm_runner.DEPLOYMENT, process)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=60)
        log.close()


def _wait_for_state(run_id: UUID, types: set[StateType], timeout: float = 90) -> FlowRun:
    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            run = client.read_flow_run(run_id)
            if run.state is not None and run.state.type in types:
                return run
            time.sleep(0.1)
    raise TimeoutError(f"flow run {run_id} not in {types} after {timeout:.0f} s")


def test_a_cancelled_run_forked_warm_has_its_process_killed(
    held_runner: subprocess.Popen[bytes],
) -> None:
    run = run_deployment(
        f"{warm_runner.FLOW}/{warm_runner.DEPLOYMENT}", parameters={"seconds": 600}, timeout=0
    )
    assert isinstance(run, FlowRun)
    _wait_for_state(run.id, {StateType.RUNNING})
    processes = flow_run_processes(held_runner.pid)
    assert len(processes) == 1, processes
    process = processes[0]
    parent = process.parent()
    # Forked from the warm parent, not started by the runner as `python -m prefect.engine`.
    assert parent is not None and parent.pid in {h.pid for h in warm_start_helpers(held_runner.pid)}

    with get_client(sync_client=True) as client:
        client.set_flow_run_state(run.id, Cancelling(), force=True)
    cancelled = _wait_for_state(run.id, {StateType.CANCELLED, StateType.CRASHED}, timeout=120)
    assert cancelled.state is not None and cancelled.state.type is StateType.CANCELLED
    process.wait(timeout=60)
    assert not psutil.pid_exists(process.pid) or process.status() == psutil.STATUS_ZOMBIE
    assert flow_run_processes(held_runner.pid) == []
