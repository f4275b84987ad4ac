"""Warm start for flow-run processes: each pass of a case forks from a parent that has imported
Prefect and the product, instead of starting `python -m prefect.engine` from nothing.

Every pass of a case (opening it, each resume) is a process of its own, as before: a crash or a
leak dies with it, a waiting case holds no process, and the runner cancels it by its pid. What
changes is where the process comes from. `install()` starts a multiprocessing fork server whose
parent imports Prefect, `prefect.engine` and the flow modules once and starts no thread or event
loop; a pass is a fork of it that takes the run's environment (the flow run id, API URL and
auth, the runner's control port) and then runs what `python -m prefect.engine` runs.

This is the one module that touches Prefect internals: the runner's engine starter
(`prefect.runner._starter_engine.EngineCommandStarter`) calls a module-level `run_process`,
which Prefect keeps at module level to be replaced, and `install()` replaces it with one that
forks from the warm parent when the command is Prefect's own engine command (anything else goes
to Prefect's `run_process` unchanged). It is pinned to the Prefect versions it was tested with;
on another version, another platform, or if the internals it expects are gone, it logs a warning
and leaves Prefect's own starter in place. tests/unit/test_warm_start.py fails on an upgrade
that moves them.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import inspect
import multiprocessing
import multiprocessing.context
import multiprocessing.forkserver
import os
import runpy
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import anyio
import anyio.abc
import prefect
import prefect.context
import prefect.runner._starter_engine as starter_engine
import prefect.utilities.processutils as processutils
from prefect.logging import get_logger

# The Prefect releases this module was run against end to end (tests/e2e/test_warm_start.py).
TESTED_PREFECT_VERSIONS = frozenset({"3.9.1"})

# Imported in the warm parent before it forks, beside the flow modules: Prefect's engine and what
# it imports only once a run starts (found with cProfile in a forked pass), and the case
# database's drivers (sqlalchemy imports them when the first engine is made; one may be absent,
# and the fork server skips a module that does not import).
PRELOAD_MODULES = (
    "prefect",
    "prefect.engine",
    "prefect.flow_engine",
    "prefect.task_engine",
    "prefect.runner",
    "prefect.utilities.visualization",
    "prefect.concurrency.services",
    "prefect.concurrency._asyncio",
    "sqlite3",
    "psycopg",
)

logger = get_logger("cme.warm_start")

# The name EngineCommandStarter.start calls to start `python -m prefect.engine`.
_HOOK = "run_process"

# ProcessJobConfiguration's record of whether the pool or deployment configured a command.
_WORKER_FLAG = "_command_configured"
_RUN = "run"
# The flow engine's heartbeat context (sync engine: joins its thread on exit).
_HEARTBEATS = "_send_heartbeats"
# The runner's scheduled-run poller, and its one poll-and-submit.
_POLLER = "_scheduled_run_poller"
_POLL_ONCE = "_get_and_submit_flow_runs"

_prefect_run_process: Callable[..., Any] | None = None
_context: multiprocessing.context.ForkServerContext | None = None


def flow_modules(entrypoints: Sequence[str]) -> list[str]:
    """The modules behind prefect.yaml entrypoints: "flows/case.py:cme_case" -> "flows.case"."""
    modules: list[str] = []
    for entrypoint in entrypoints:
        path = entrypoint.rsplit(":", 1)[0]
        modules.append(path.removesuffix(".py").replace("/", "."))
    return sorted(set(modules))


def unavailable_reason() -> str | None:
    """Why the warm start cannot be used here (None: it can)."""
    if prefect.__version__ not in TESTED_PREFECT_VERSIONS:
        return (
            f"Prefect {prefect.__version__} is not one the warm start was tested with "
            f"({', '.join(sorted(TESTED_PREFECT_VERSIONS))})"
        )
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return f"this platform ({sys.platform}) has no fork server"
    return missing_internals()


def missing_internals() -> str | None:
    """The Prefect internal this module relies on that is not there as expected (None: all are)."""
    run_process = getattr(starter_engine, _HOOK, None)
    if run_process is None:
        return "prefect.runner._starter_engine.run_process is gone"
    if run_process is not processutils.run_process and run_process is not _warm_run_process:
        return "prefect.runner._starter_engine.run_process is no longer Prefect's run_process"
    expected = {"command", "stream_output", "task_status", "task_status_handler", "kwargs"}
    parameters = set(inspect.signature(processutils.run_process).parameters)
    if parameters != expected:
        return f"prefect.utilities.processutils.run_process takes {sorted(parameters)}"
    start = inspect.getsource(starter_engine.EngineCommandStarter.start)
    for needed in ('"-m", "prefect.engine"', "await run_process(", "start_new_session"):
        if needed not in start:
            return f"EngineCommandStarter.start no longer has {needed!r}"
    from prefect.runner import Runner
    from prefect.runner._scheduled_run_poller import ScheduledRunPoller

    if _POLLER not in inspect.getsource(Runner):
        return f"Runner no longer has {_POLLER}"
    if not inspect.iscoroutinefunction(getattr(ScheduledRunPoller, _POLL_ONCE, None)):
        return f"ScheduledRunPoller.{_POLL_ONCE} is gone"
    import prefect.flow_engine as flow_engine

    heartbeats = getattr(flow_engine, _HEARTBEATS, None)
    if heartbeats is None or "join_on_exit" not in inspect.signature(heartbeats).parameters:
        return f"prefect.flow_engine.{_HEARTBEATS}(engine, join_on_exit) is gone"
    if f"with {_HEARTBEATS}(self):" not in inspect.getsource(flow_engine.FlowRunEngine):
        return f"the sync flow engine no longer enters {_HEARTBEATS}(self)"
    if not callable(getattr(prefect.context, "refresh_global_settings_context", None)):
        return "prefect.context.refresh_global_settings_context is gone"
    return None


def install(modules: Sequence[str]) -> bool:
    """Start the warm parent (importing `modules`) and route Prefect's engine processes through it.

    Returns False, having logged why, when Prefect's own starter stays in place.
    """
    global _prefect_run_process, _context
    if _context is not None:
        return True
    reason = unavailable_reason()
    if reason is not None:
        logger.warning("Flow runs start cold (python -m prefect.engine): %s", reason)
        return False
    context = multiprocessing.get_context("forkserver")
    # The parent imports all of it before it forks its first child.
    context.set_forkserver_preload([__name__, *PRELOAD_MODULES, *modules])
    # Python 3.11's fork server does not take this process's sys.path, so the parent would import
    # the product from wherever its own path finds it; give it ours (the checkout being served).
    previous = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        if previous is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = previous
    _prefect_run_process = getattr(starter_engine, _HOOK)
    _context = context
    setattr(starter_engine, _HOOK, _warm_run_process)
    logger.info("Flow runs start warm: forked from a parent that imported %s", ", ".join(modules))
    return True


def uninstall() -> None:
    """Give Prefect back its own starter (the warm parent exits with this process)."""
    global _prefect_run_process, _context
    if _prefect_run_process is not None:
        setattr(starter_engine, _HOOK, _prefect_run_process)
    _prefect_run_process = None
    _context = None


def install_for_process_worker(modules: Sequence[str]) -> bool:
    """`install`, and have this process's ProcessWorker start each run with Prefect's engine
    command (which forks warm) rather than through its workspace supervisor, a second Python
    process per run that prepares the workspace and then execs `python -m prefect.engine`. The
    engine runs the deployment's pull steps itself (prefect.yaml's set_working_directory).
    """
    reason = missing_worker_internals()
    if reason is not None:
        logger.warning("Flow runs start cold (the workspace supervisor): %s", reason)
        return False
    if not install(modules):
        return False
    from prefect.workers.process import ProcessJobConfiguration, ProcessWorker

    prefect_run = ProcessWorker.run
    if getattr(prefect_run, "_warm", False):
        return True

    async def run(
        self: ProcessWorker,
        flow_run: Any,
        configuration: ProcessJobConfiguration,
        task_status: Any = None,
    ) -> Any:
        if is_engine_command((configuration.command or "").split()):
            # prepare_for_flow_run filled in the engine command; take the path Prefect takes for
            # a configured command, which starts exactly that command.
            setattr(configuration, _WORKER_FLAG, True)
        return await prefect_run(self, flow_run, configuration, task_status)

    run._warm = True  # type: ignore[attr-defined]
    setattr(ProcessWorker, _RUN, run)
    return True


def missing_worker_internals() -> str | None:
    """What install_for_process_worker relies on in prefect.workers.process, if it has moved."""
    from prefect.workers.process import ProcessJobConfiguration, ProcessWorker

    if _WORKER_FLAG not in ProcessJobConfiguration.__private_attributes__:
        return f"ProcessJobConfiguration.{_WORKER_FLAG} is gone"
    run = inspect.getsource(ProcessWorker.run)
    for needed in (f"configuration.{_WORKER_FLAG}", "EngineCommandStarter(", "command="):
        if needed not in run and not getattr(ProcessWorker.run, "_warm", False):
            return f"ProcessWorker.run no longer has {needed!r}"
    prepare = inspect.getsource(ProcessJobConfiguration.prepare_for_flow_run)
    if '"-m", "prefect.engine"' not in prepare:
        return "ProcessJobConfiguration.prepare_for_flow_run no longer fills in the engine command"
    return None


# The flow-run states a runner picks up: a new run, a resumed one, a retry.
WAKE_EVENTS = (
    "prefect.flow-run.Scheduled",
    "prefect.flow-run.Resuming",
    "prefect.flow-run.AwaitingRetry",
)


async def poll_on_events(runner: Any, *, idle: float = 0.05) -> None:
    """Poll `runner` for runs as soon as the server announces one, not at its next poll.

    Runs beside `runner.start()` until cancelled. The runner's own poll loop still runs, so a
    lost event (a reconnecting websocket) costs only the wait for that poll. Events arriving
    together are served by one poll.
    """
    from prefect.events.clients import get_events_subscriber
    from prefect.events.filters import EventFilter, EventNameFilter

    wake = anyio.Event()

    async def listen() -> None:
        nonlocal wake
        event_filter = EventFilter(event=EventNameFilter(name=list(WAKE_EVENTS)))
        async with get_events_subscriber(filter=event_filter) as subscriber:
            async for _ in subscriber:
                wake.set()

    async def poll() -> None:
        nonlocal wake
        while True:
            await wake.wait()
            wake = anyio.Event()
            poller = getattr(runner, _POLLER, None)
            if poller is not None and getattr(runner, "started", False):
                try:
                    await getattr(poller, _POLL_ONCE)()
                except Exception:  # the runner's own loop polls again anyway
                    logger.exception("Polling on a run event failed")
            await anyio.sleep(idle)

    async with anyio.create_task_group() as group:
        group.start_soon(poll)
        while True:
            try:
                await listen()
            except Exception:
                logger.warning("Run events unavailable; the runner polls", exc_info=True)
            await anyio.sleep(5)


def is_engine_command(command: Sequence[str]) -> bool:
    """Prefect's own command for a flow run, whichever Python it names."""
    return len(command) == 3 and list(command[1:]) == ["-m", "prefect.engine"]


class WarmProcess:
    """A forked flow-run process as the runner's process handle reads it (pid, returncode)."""

    def __init__(self, process: multiprocessing.process.BaseProcess) -> None:
        self._process = process

    @property
    def pid(self) -> int | None:
        return self._process.pid

    @property
    def returncode(self) -> int | None:
        # multiprocessing gives -N for a child killed by signal N, as Popen does.
        return self._process.exitcode

    def kill(self) -> None:
        self._process.kill()


async def _warm_run_process(
    command: list[str],
    *,
    stream_output: Any = False,
    task_status: anyio.abc.TaskStatus[Any] | None = None,
    task_status_handler: Callable[[Any], Any] | None = None,
    **kwargs: Any,
) -> Any:
    context = _context
    options = dict(kwargs)
    env: Mapping[str, str] | None = options.pop("env", None)
    cwd = options.pop("cwd", None)
    new_session = bool(options.pop("start_new_session", False))
    if context is None or not is_engine_command(command) or env is None or options:
        assert _prefect_run_process is not None
        return await _prefect_run_process(
            command,
            stream_output=stream_output,
            task_status=task_status,
            task_status_handler=task_status_handler,
            **kwargs,
        )
    process = context.Process(
        target=run_engine,
        args=(dict(env), None if cwd is None else str(cwd), new_session, bool(stream_output)),
        name="prefect-engine",
    )
    # start() hands the request to the warm parent over its socket; the first one waits until
    # the parent has finished importing, so keep it off the runner's event loop.
    await anyio.to_thread.run_sync(process.start)
    warm = WarmProcess(process)
    if task_status is not None:
        task_status.started(task_status_handler(warm) if task_status_handler else process.pid)
    try:
        await anyio.wait_readable(process.sentinel)
    except BaseException:
        # As Prefect's run_process: a caller that stops waiting (the runner shutting down) takes
        # the process with it.
        if process.exitcode is None:
            process.kill()
        raise
    process.join()
    return warm


def _exit_without_waiting_for_heartbeats() -> None:
    """A sync flow's engine joins its heartbeat thread when the run stops, and that thread sleeps
    in 1 s steps: a pass that has suspended its case lingers up to a second more, holding its
    runner slot, and the runner does not take the case's next pass (an officer's quick answer)
    until it has gone. The async engine does not join (join_on_exit=False); nor does a pass here.
    The thread is a daemon that stops at its next step or with the process."""
    import prefect.flow_engine as flow_engine

    prefect_send_heartbeats = getattr(flow_engine, _HEARTBEATS)

    @contextlib.contextmanager
    def send_heartbeats(engine: Any, join_on_exit: bool = True) -> Iterator[None]:
        with prefect_send_heartbeats(engine, join_on_exit=False):
            yield

    setattr(flow_engine, _HEARTBEATS, send_heartbeats)


def run_engine(env: dict[str, str], cwd: str | None, new_session: bool, output: bool) -> None:
    """In the forked child: become `python -m prefect.engine` for the run named in `env`."""
    if new_session:
        os.setsid()  # as start_new_session: the runner may signal the whole group
    if cwd is not None:
        os.chdir(cwd)
    if not output:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
    # Objects inherited from the warm parent stay out of the collector's way: its passes would
    # write to their pages and copy them into this process.
    gc.freeze()
    os.environ.clear()
    os.environ.update(env)
    sys.argv = ["prefect.engine"]
    # Settings were read from the parent's environment at import; read this run's.
    prefect.context.refresh_global_settings_context()
    _exit_without_waiting_for_heartbeats()
    # A fresh __main__ instance of the engine, as the cold start runs it.
    sys.modules.pop("prefect.engine", None)
    try:
        runpy.run_module("prefect.engine", run_name="__main__")
    finally:
        # What the interpreter does at exit and a forked child skips: Prefect's services (logs,
        # events) drain at thread shutdown, its loop threads stop at exit.
        threading._shutdown()  # type: ignore[attr-defined]
        atexit._run_exitfuncs()
