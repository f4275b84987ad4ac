"""Serve every deployment declared in prefect.yaml from this process (the embedded default).

prefect.yaml is the one declaration of the deployments: `prefect deploy` reads it for a work pool
in production, and this module reads it to serve the same deployments on one machine.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

import anyio
import yaml
from prefect import Flow
from prefect.deployments.runner import RunnerDeployment
from prefect.exceptions import TerminationSignal
from prefect.flows import load_flow_from_entrypoint
from prefect.runner import Runner
from prefect.schedules import Cron, Interval, Schedule

from adapters.settings import PROJECT_ROOT, settings_or_exit
from launcher import warm_start


def load_declarations(path: Path = PROJECT_ROOT / "prefect.yaml") -> list[dict[str, Any]]:
    """The deployments section of prefect.yaml."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    deployments: list[dict[str, Any]] = document["deployments"]
    return deployments


def build_deployment(declaration: dict[str, Any]) -> RunnerDeployment:
    """Turn one prefect.yaml deployment into a deployment this process serves."""
    flow: Flow[..., Any] = load_flow_from_entrypoint(declaration["entrypoint"])
    schedules = [
        _schedule(schedule)
        for schedule in declaration.get("schedules") or []
        if schedule.get("active", True)
    ]
    deployment = flow.to_deployment(
        name=declaration["name"],
        description=declaration.get("description"),
        tags=declaration.get("tags") or [],
        parameters=declaration.get("parameters") or {},
        version=declaration.get("version"),
        schedules=schedules or None,
        # e.g. one import at a time, so a scheduled sweep and a manual run never share a file.
        concurrency_limit=declaration.get("concurrency_limit"),
    )
    assert isinstance(deployment, RunnerDeployment)  # to_deployment is sync when called sync
    return deployment


def _schedule(declaration: dict[str, Any]) -> Schedule:
    # A cron schedule keeps its timezone ("Monday 07:00 Europe/London" stays 07:00 in summer).
    if "cron" in declaration:
        return Cron(declaration["cron"], timezone=declaration.get("timezone"))
    if "interval" in declaration:
        return Interval(declaration["interval"], timezone=declaration.get("timezone"))
    raise ValueError(f"schedules: {declaration!r} has neither a cron nor an interval")


def main() -> None:
    declarations = load_declarations()
    # Before anything else starts a thread: each pass of a case forks from a parent that has
    # imported Prefect and the flows (Prefect's own `python -m prefect.engine` when unavailable).
    warm = warm_start.install(warm_start.flow_modules([d["entrypoint"] for d in declarations]))
    deployments = [build_deployment(d) for d in declarations]
    # pause_on_shutdown=False: a restart must not pause schedules (the escalation sweep) or stop
    # runs being created while this process is down; they are picked up when it is back.
    # The limit bounds only the stages executing at one moment: a waiting case holds no process.
    runner = Runner(limit=settings_or_exit().serve_limit, pause_on_shutdown=False)
    for deployment in deployments:
        runner.add_deployment(deployment)
    # As prefect.serve: SIGTERM and Ctrl-C stop the runner, which ends its runs' processes.
    with contextlib.suppress(KeyboardInterrupt, TerminationSignal):
        asyncio.run(_serve(runner, wake_on_events=warm))


async def _serve(runner: Runner, *, wake_on_events: bool) -> None:
    """What `prefect.serve` runs, and beside it a poll as soon as the server announces a run
    (a case opened or resumed), where the warm start is available."""
    async with anyio.create_task_group() as group:
        if wake_on_events:
            group.start_soon(warm_start.poll_on_events, runner)
        await runner.start()
        group.cancel_scope.cancel()


if __name__ == "__main__":
    main()
