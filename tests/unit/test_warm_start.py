"""The warm start's hold on Prefect: it fails here, loudly, when a Prefect upgrade moves what it
relies on, and leaves Prefect's own starter in place wherever it cannot be used."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import anyio
import prefect
import prefect.runner._starter_engine as starter_engine
import prefect.utilities.processutils as processutils
import psutil
import pytest
from prefect.runner._process_manager import ProcessHandle

from launcher import warm_start
from launcher.flow_processes import flow_run_processes, warm_start_helpers

HOOK = "run_process"  # the name in prefect.runner._starter_engine the warm start replaces


@pytest.fixture
def prefects_starter() -> Iterator[None]:
    warm_start.uninstall()
    yield
    warm_start.uninstall()
    assert getattr(starter_engine, HOOK) is processutils.run_process


def test_the_installed_prefect_is_one_the_warm_start_was_tested_with() -> None:
    # On a Prefect upgrade: run tests/e2e/test_warm_start.py and the case-flow benchmark against
    # it, then add the version to TESTED_PREFECT_VERSIONS (or fix launcher/warm_start.py).
    assert prefect.__version__ in warm_start.TESTED_PREFECT_VERSIONS


def test_the_prefect_internals_the_warm_start_replaces_are_where_it_expects_them() -> None:
    assert warm_start.missing_internals() is None
    assert warm_start.unavailable_reason() is None
    assert warm_start.missing_worker_internals() is None


def test_an_untested_prefect_version_keeps_prefects_own_starter(
    monkeypatch: pytest.MonkeyPatch, prefects_starter: None
) -> None:
    monkeypatch.setattr(prefect, "__version__", "3.99.0")
    assert "3.99.0" in (warm_start.unavailable_reason() or "")
    assert warm_start.install(["flows.case"]) is False
    assert getattr(starter_engine, HOOK) is processutils.run_process


def test_a_moved_prefect_internal_keeps_prefects_own_starter(
    prefects_starter: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delattr(starter_engine, "run_process")
    assert "run_process is gone" in (warm_start.missing_internals() or "")
    assert warm_start.install(["flows.case"]) is False
    assert not hasattr(starter_engine, "run_process")
    monkeypatch.undo()


def test_flow_modules_are_the_modules_of_the_entrypoints() -> None:
    entrypoints = ["flows/case.py:cme_case", "flows/sweep.py:escalation_sweep", "flows/case.py:x"]
    assert warm_start.flow_modules(entrypoints) == ["flows.case", "flows.sweep"]


def test_only_prefects_engine_command_is_started_warm() -> None:
    assert warm_start.is_engine_command([sys.executable, "-m", "prefect.engine"])
    assert warm_start.is_engine_command(["python", "-m", "prefect.engine"])
    assert not warm_start.is_engine_command([sys.executable, "-m", "prefect.runner.x", "c.json"])
    assert not warm_start.is_engine_command(["sh", "-c", "python -m prefect.engine"])


class _Started:
    """What the runner's task status receives: the process handle, before the process exits."""

    def __init__(self) -> None:
        self.handle: ProcessHandle | None = None

    def started(self, value: Any = None) -> None:
        self.handle = value


def _start_engine(env: dict[str, str], started: _Started) -> Any:
    async def main() -> Any:
        run_process = getattr(starter_engine, HOOK)
        return await run_process(
            [sys.executable, "-m", "prefect.engine"],
            stream_output=False,
            task_status=started,
            task_status_handler=ProcessHandle,
            env=env,
            cwd=os.getcwd(),
        )

    return anyio.run(main)


def test_an_engine_process_is_forked_from_the_warm_parent_and_its_exit_code_is_the_engines(
    prefects_starter: None,
) -> None:
    assert warm_start.install([]) is True
    # No flow run id: the engine logs it and exits 1, as `python -m prefect.engine` does.
    env = {k: v for k, v in os.environ.items() if k != "PREFECT__FLOW_RUN_ID"}
    started = _Started()
    process = _start_engine(env, started)
    assert started.handle is not None and started.handle.pid == process.pid
    assert process.returncode == 1
    assert started.handle.returncode == 1
    helpers = warm_start_helpers(os.getpid())
    assert any("forkserver" in " ".join(h.cmdline()) for h in helpers)
    # The run's process has gone; the warm parent stays and is no run.
    running = {p.pid for p in flow_run_processes(os.getpid())}
    assert process.pid not in running
    assert not running & {h.pid for h in helpers}


def test_a_forked_engine_process_is_killed_by_its_pid_as_the_runner_does(
    prefects_starter: None,
) -> None:
    assert warm_start.install([]) is True
    # An API nobody answers: the engine keeps retrying until it is killed.
    env = dict(os.environ)
    env.update(
        PREFECT__FLOW_RUN_ID=str(uuid.uuid4()),
        PREFECT_API_URL="http://127.0.0.1:9/api",
        PREFECT_CLIENT_MAX_RETRIES="50",
    )
    started = _Started()

    async def main() -> Any:
        async with anyio.create_task_group() as group:
            group.start_soon(lambda: anyio.to_thread.run_sync(_start_engine_sync, env, started))
            with anyio.fail_after(60):
                while started.handle is None:
                    await anyio.sleep(0.05)
            handle = started.handle
            assert handle.pid is not None and psutil.pid_exists(handle.pid)
            # Forked from the warm parent, not started by this process.
            parent = psutil.Process(handle.pid).parent()
            assert parent is not None and "forkserver" in " ".join(parent.cmdline())
            handle.hard_kill()
        return handle

    handle = anyio.run(main)
    assert handle.returncode == -9


def _start_engine_sync(env: dict[str, str], started: _Started) -> Any:
    return _start_engine(env, started)
