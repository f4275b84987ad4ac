"""Production runners: register the deployments on the process work pool, and start workers.

    python -m launcher.worker deploy         # once per release, from any machine (`make deploy`)
    python -m launcher.worker start [--name] # on every machine that runs stages (`make worker`)

prefect.yaml is the one declaration of the deployments; `deploy` creates the `cme-process` work pool
if it is missing and runs `prefect deploy --all` on it. `start` runs `prefect worker start` on that
pool with the product's Prefect environment (API URL, auth string, result storage), so a worker on
another machine needs only the project checkout, the CME_* variables and the shared result folder.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
from typing import Any

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings
from prefect.settings.legacy import Setting

from launcher.serve import load_declarations
from launcher.stack import prefect_environment
from models.settings import PROJECT_ROOT, Settings, load_settings


def work_pool_name() -> str:
    """The one work pool prefect.yaml names for every deployment."""
    pools = {str(d["work_pool"]["name"]) for d in load_declarations()}
    if len(pools) != 1:
        raise ValueError(f"prefect.yaml: expected one work pool for all deployments, got {pools}")
    return pools.pop()


def ensure_work_pool(name: str, settings: Settings) -> None:
    """Create the process work pool unless it exists."""
    updates: dict[Setting, Any] = {PREFECT_API_URL: settings.api_url}
    if settings.prefect_auth_string is not None:
        updates[PREFECT_API_AUTH_STRING] = settings.prefect_auth_string.get_secret_value()
    with temporary_settings(updates=updates), get_client(sync_client=True) as client:
        try:
            client.read_work_pool(name)
            return
        except ObjectNotFound:
            pass
        # Another machine may have created it a moment ago.
        with contextlib.suppress(ObjectAlreadyExists):
            client.create_work_pool(WorkPoolCreate(name=name, type="process"))


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update(prefect_environment(load_settings()))
    return env


def deploy() -> int:
    """Register every deployment in prefect.yaml on the work pool (idempotent)."""
    ensure_work_pool(work_pool_name(), load_settings())
    command = [sys.executable, "-m", "prefect", "--no-prompt", "deploy", "--all"]
    return subprocess.run(command, cwd=PROJECT_ROOT, env=_environment(), check=False).returncode


def start(name: str) -> None:
    """Become a process worker on the work pool (replaces this process)."""
    settings = load_settings()
    settings.results_dir.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "prefect", "worker", "start",
        "--pool", work_pool_name(), "--type", "process", "--name", name,
        "--limit", str(settings.worker_limit), "--install-policy", "never",
    ]  # fmt: skip
    os.chdir(PROJECT_ROOT)
    os.execve(sys.executable, command, _environment())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m launcher.worker", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("deploy", help="register prefect.yaml's deployments on the work pool")
    start_parser = commands.add_parser("start", help="start a process worker on the work pool")
    start_parser.add_argument("--name", default=f"cme-worker-{socket.gethostname()}")
    args = parser.parse_args(argv)
    if args.command == "deploy":
        return deploy()
    start(args.name)
    return 0  # not reached: start() replaces the process


if __name__ == "__main__":
    sys.exit(main())
