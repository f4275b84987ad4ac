"""Production (docs/deployment.md): the Prefect server, a release, and workers on many machines.

    python -m launcher.production server  # the Prefect server, behind the proxy (`make server`)
    python -m launcher.production deploy  # once per release, from any machine (`make deploy`)
    python -m launcher.production worker  # on every machine that runs stages (`make worker`)

`server` runs Prefect's server behind the sign-in gateway (`python -m gateway`) on
127.0.0.1:CME_PORT with the product's Prefect environment (its PostgreSQL database, retention);
it refuses to start while the case database has no administrator (`make user`). `deploy` and
`worker` sign in with CME_PREFECT_AUTH_STRING, their own service account. `deploy` migrates the
case database, creates the `cme-process` work pool if it is missing, runs `prefect deploy --all`
(prefect.yaml is the one declaration of the deployments) and applies the product's automations.
`worker` runs `prefect worker start` on that pool (through `launcher.warm_worker`, which forks each
flow run from a parent that has imported Prefect and the flows), so a worker on another machine
needs only the project checkout, the CME_* variables and the shared result folder.
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

from adapters.settings import PROJECT_ROOT, Settings, settings_or_exit
from launcher.automations import apply_automations
from launcher.serve import load_declarations
from launcher.stack import prefect_environment
from store.migrations import migrate


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
    env.update(prefect_environment(settings_or_exit()))
    return env


def server() -> None:
    """Become the Prefect server behind the sign-in gateway (replaces this process). The gateway
    itself refuses to start without a user store; the server holds no credential of its own."""
    env = _environment()
    env.pop("PREFECT_API_AUTH_STRING", None)
    command = [sys.executable, "-m", "gateway"]
    os.chdir(PROJECT_ROOT)
    os.execve(sys.executable, command, env)


def deploy() -> int:
    """Migrate the case database; register prefect.yaml's deployments on the work pool; apply
    the automations. Idempotent: run it for every release."""
    settings = settings_or_exit()
    migrate(settings.case_database_url)
    ensure_work_pool(work_pool_name(), settings)
    command = [sys.executable, "-m", "prefect", "--no-prompt", "deploy", "--all"]
    deployed = subprocess.run(command, cwd=PROJECT_ROOT, env=_environment(), check=False)
    if deployed.returncode != 0:
        return deployed.returncode
    apply_automations(settings.api_url, settings)
    return 0


def worker(name: str) -> None:
    """Become a process worker on the work pool (replaces this process). `launcher.warm_worker`
    is `prefect` with each run forked from a parent that has imported Prefect and the flows."""
    settings = settings_or_exit()
    settings.results_dir.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "launcher.warm_worker", "worker", "start",
        "--pool", work_pool_name(), "--type", "process", "--name", name,
        "--limit", str(settings.worker_limit), "--install-policy", "never",
    ]  # fmt: skip
    os.chdir(PROJECT_ROOT)
    os.execve(sys.executable, command, _environment())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m launcher.production",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("server", help="run the Prefect server")
    commands.add_parser("deploy", help="migrate; register the deployments; apply automations")
    worker_parser = commands.add_parser("worker", help="run a process worker on the work pool")
    worker_parser.add_argument("--name", default=f"cme-worker-{socket.gethostname()}")
    args = parser.parse_args(argv)
    if args.command == "deploy":
        return deploy()
    if args.command == "server":
        server()
    worker(args.name)
    return 0  # not reached: server() and worker() replace the process


if __name__ == "__main__":
    sys.exit(main())
