"""Flow runs the product creates while nothing happens: start it as `make run` does (Prefect
server, the served deployments, the drop watch if this checkout has one) in a fresh state folder,
leave the drop folders empty for a while, then count the intake runs through the Prefect API.

    python -m bench.idle_runs --seconds 600

Prints, for each intake deployment, the runs that started in the window and the runs created in
it (a schedule also creates runs ahead of time that are still Scheduled).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterName,
    FlowRunFilter,
    FlowRunFilterStartTime,
)
from prefect.settings import PREFECT_API_URL, temporary_settings

from adapters.settings import load_settings
from launcher.stack import Stack
from store.migrations import migrate
from store.unit_of_work import reset

INTAKE = ["intake-new-pupil-returns", "intake-deletion-returns"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def count_runs(since: datetime, until: datetime) -> dict[str, tuple[int, int]]:
    """Per deployment: (runs started in [since, until], runs created in it)."""
    counts: dict[str, tuple[int, int]] = {}
    async with get_client() as client:
        for name in INTAKE:
            deployments = DeploymentFilter(name=DeploymentFilterName(any_=[name]))
            runs = await client.read_flow_runs(deployment_filter=deployments, limit=200)
            started = await client.read_flow_runs(
                deployment_filter=deployments,
                flow_run_filter=FlowRunFilter(
                    start_time=FlowRunFilterStartTime(after_=since, before_=until)
                ),
                limit=200,
            )
            created = [r for r in runs if r.created is not None and since <= r.created <= until]
            counts[name] = (len(started), len(created))
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600.0)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="cme-idle-"))
    os.environ.update(
        {
            "CME_HOME": str(home),
            "CME_PORT": str(free_port()),
            "CME_DOCUMENTS_PORT": str(free_port()),
            "CME_ENVIRONMENT": "test",
        }
    )
    os.environ.pop("CME_DATABASE_URL", None)
    reset()
    settings = load_settings()
    migrate(settings.case_database_url)
    stack = Stack(settings=settings, log_dir=home / "logs")
    try:
        stack.start_server()
        stack.start_runners()
        stack.wait_for_deployments(INTAKE)
        start_drop_watch = getattr(stack, "start_drop_watch", None)
        if start_drop_watch is not None:
            start_drop_watch()
        since = datetime.now(UTC)
        out = sys.stdout
        out.write(f"idle from {since.isoformat(timespec='seconds')} for {args.seconds:.0f} s\n")
        out.flush()
        time.sleep(args.seconds)
        until = since + timedelta(seconds=args.seconds)
        with temporary_settings(updates={PREFECT_API_URL: settings.api_url}):
            counts = asyncio.run(count_runs(since, until))
        out.write(f"drop watch running: {start_drop_watch is not None}\n")
        for name, (started, created) in counts.items():
            out.write(f"{name}: {started} runs started, {created} runs created in the window\n")
        out.write(f"total runs started: {sum(s for s, _ in counts.values())}\n")
    finally:
        stack.stop_all()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
