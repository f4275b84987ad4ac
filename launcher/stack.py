"""Start and stop the product: a Prefect server, what runs its flows, the read-only documents
server (letters and chronologies), and the public referral form with its drainer.

`make run` and the end-to-end tests both use this, so what the tests drive is what an officer gets.
Flows run either in the serving process (the embedded default, `launcher.serve`) or, as in
production, in process workers polling the `cme-process` work pool after `prefect deploy --all`
registered prefect.yaml's deployments on it (`launcher.production`). Every child process is
started in its own session (process group), so Ctrl-C reaches us first and we stop them in order:
the serving process or workers (once the stages they run have finished), then the server.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal

import psutil
from pydantic import SecretStr

from adapters.settings import PROJECT_ROOT, Settings
from launcher.accounts import ServiceCredentials, ensure_administrator, ensure_service_accounts
from launcher.flow_processes import flow_run_processes
from store.database import make_engine
from store.unit_of_work import utc_now

# How often the serving process looks for new and resumed runs. Prefect's default (10 s) makes an
# officer wait up to 10 s for the next form after pressing Resume; 1 s costs one cheap query.
RUNNER_POLL_SECONDS = 1

# How long a shutdown waits for running stages to finish before it stops the serving process.
DRAIN_SECONDS = 60.0

Runner = Literal["serve", "worker"]

DAY = 86400  # seconds


def prefect_environment(settings: Settings) -> dict[str, str]:
    """The Prefect settings shared by the server, the serving process and any client."""
    home = settings.state_dir
    env = {
        "PREFECT_HOME": str(home / "prefect"),
        "PREFECT_API_URL": settings.api_url,
        "PREFECT_UI_URL": settings.ui_url,
        "PREFECT_UI_API_URL": settings.api_url,
        "PREFECT_SERVER_API_HOST": "127.0.0.1",
        "PREFECT_SERVER_API_PORT": str(settings.port),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",
        # Officers use the V1 UI: its suspended-run page shows a Resume button, where V2 hides
        # Resume in a menu (docs/officer-guide.md). CME_UI=v2 opts in to the newer UI.
        "PREFECT_SERVER_UI_V2_ENABLED": "true" if settings.ui == "v2" else "false",
        # Results hold no personal data and stay in the product's state folder, as JSON.
        "PREFECT_LOCAL_STORAGE_PATH": str(settings.results_dir),
        "PREFECT_RESULTS_DEFAULT_SERIALIZER": "json",
        "PREFECT_RUNNER_POLL_FREQUENCY": str(RUNNER_POLL_SECONDS),
        "PREFECT_WORKER_QUERY_SECONDS": str(RUNNER_POLL_SECONDS),
        "PREFECT_LOGGING_LOG_PRINTS": "false",
        # A lost worker leaves its runs Running; their silence is what marks them Crashed
        # (launcher/automations.py).
        "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": str(settings.run_heartbeat_seconds),
        # Prefect's own clean-up (docs/deployment.md, Retention). The case database is never
        # touched by it: it is the record the council's retention schedule applies to.
        "PREFECT_SERVER_EVENTS_RETENTION_PERIOD": f"P{settings.prefect_event_retention_days}D",
        # Where a worker on another machine finds the project (prefect.yaml's pull step).
        "CME_PROJECT_DIR": str(PROJECT_ROOT),
    }
    if settings.prefect_run_retention_days is not None:
        env["PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED"] = "events,flow_runs"
        env["PREFECT_SERVER_SERVICES_DB_VACUUM_RETENTION_PERIOD"] = str(
            settings.prefect_run_retention_days * DAY
        )
    else:
        env["PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED"] = "events"
    if settings.prefect_database_url:
        env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = settings.prefect_database_url
    # Prefect's own single shared string stays unset: the sign-in gateway (gateway/) checks each
    # call's person. A process's own credential (its service account) is what its clients send.
    if settings.prefect_auth_string is not None:
        env["PREFECT_API_AUTH_STRING"] = settings.prefect_auth_string.get_secret_value()
    return env


def cme_environment(settings: Settings) -> dict[str, str]:
    """The settings as CME_* variables, so every process started from them reads the same."""
    env: dict[str, str] = {}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        env[f"CME_{name.upper()}"] = str(value)
    env["CME_HOME"] = str(settings.state_dir)
    return env


def auth_headers(settings: Settings, credential: str | None = None) -> dict[str, str]:
    """The Authorization header for a plain HTTP call to the API: ``credential``
    (``username:password``) or else the settings' own, if there is one."""
    if credential is None and settings.prefect_auth_string is not None:
        credential = settings.prefect_auth_string.get_secret_value()
    if credential is None:
        return {}
    token = base64.b64encode(credential.encode()).decode()
    return {"Authorization": f"Basic {token}"}


_CREDENTIAL_VARIABLES = ("PREFECT_API_AUTH_STRING", "CME_PREFECT_AUTH_STRING")


def _healthy(api_url: str) -> bool:
    # /api/health answers without the auth string.
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@dataclass
class Stack:
    """The running product: the Prefect server and the serving process or the workers."""

    settings: Settings
    log_dir: Path
    runner: Runner = "serve"
    workers: int = 1
    # Each process's own service account (launcher/accounts.py); None: every process sends the
    # settings' prefect_auth_string, if any (production, where each machine is given its own).
    credentials: ServiceCredentials | None = None
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    _logs: dict[str, IO[bytes]] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        # This stack's settings, not whatever CME_* variables the calling process has.
        settings_variables = {f"CME_{name.upper()}" for name in Settings.model_fields}
        env = {k: v for k, v in os.environ.items() if k not in settings_variables}
        env.update(cme_environment(self.settings))
        env.update(prefect_environment(self.settings))
        return env

    def env_as(self, service: str | None) -> dict[str, str]:
        """The environment of a child process signing in as this service account (`runner`,
        `drainer`, `launcher`), or with no credential at all (None)."""
        env = self.env
        if self.credentials is None and service is not None:
            return env
        for name in _CREDENTIAL_VARIABLES:
            env.pop(name, None)
        if service is not None and self.credentials is not None:
            credential = self.credentials.of(service)
            env["PREFECT_API_AUTH_STRING"] = credential
            env["CME_PREFECT_AUTH_STRING"] = credential
        return env

    def credential(self, service: str) -> str | None:
        """This service's ``username:password``, if it has one."""
        if self.credentials is not None:
            return self.credentials.of(service)
        auth = self.settings.prefect_auth_string
        return auth.get_secret_value() if auth is not None else None

    def _spawn(
        self, name: str, args: list[str], env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        previous = self._logs.pop(name, None)
        if previous is not None:  # started again: its old process has exited
            previous.close()
        log = (self.log_dir / f"{name}.log").open("ab")
        self._logs[name] = log
        process = subprocess.Popen(
            args,
            cwd=PROJECT_ROOT,
            env=self.env if env is None else env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def prepare_accounts(self) -> str | None:
        """Create the administrator on first start and the service accounts (their passwords in
        the state folder); returns the administrator's new password, to be shown once, or None.
        The case database must be migrated."""
        engine = make_engine(self.settings.case_database_url)
        try:
            admin_password = ensure_administrator(engine, utc_now())
            self.credentials = ensure_service_accounts(engine, self.settings.state_dir, utc_now())
        finally:
            engine.dispose()
        return admin_password

    def start_server(self, timeout: float = 90.0) -> None:
        """Start the Prefect server behind the sign-in gateway (`python -m gateway`) and wait
        until its API answers. It holds no credential: it checks everyone else's. Without
        service credentials yet, the accounts are prepared first (`prepare_accounts`)."""
        server = self.spawn_server()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise RuntimeError(
                    f"Prefect server exited with {server.returncode}; see {self.log_dir}"
                )
            if _healthy(self.settings.api_url):
                return
            time.sleep(0.5)
        raise TimeoutError(f"Prefect server not healthy after {timeout:.0f} s")

    def spawn_server(self) -> subprocess.Popen[bytes]:
        """Start the Prefect server behind the gateway without waiting for it."""
        if self.credentials is None:
            self.prepare_accounts()
        return self._spawn(
            "prefect-server", [sys.executable, "-m", "gateway"], env=self.env_as(None)
        )

    def start_public_form(self, timeout: float = 60.0) -> None:
        """Start the public referral form (uvicorn) and wait until it answers.

        It gets no Prefect settings or credentials: it only writes submissions to the case
        database, and the drainer, which does hold them, delivers those to Prefect.
        """
        process = self.spawn_public_form()
        url = f"{self.settings.public_form_url}/health"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"public form exited with {process.returncode}; see logs")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        raise TimeoutError(f"public form not answering after {timeout:.0f} s")

    def spawn_public_form(self) -> subprocess.Popen[bytes]:
        """Start the public referral form without waiting for it."""
        settings = self.settings
        args = [
            sys.executable, "-m", "uvicorn", "public_form.app:create_app", "--factory",
            "--host", "127.0.0.1", "--port", str(settings.public_form_port),
            # X-Forwarded-For is read by the app itself, from CME_PUBLIC_FORM_TRUSTED_PROXIES only.
            "--no-proxy-headers", "--no-server-header", "--log-level", "warning",
        ]  # fmt: skip
        env = {
            k: v
            for k, v in self.env_as(None).items()
            if not k.startswith("PREFECT_") and k not in _CREDENTIAL_VARIABLES
        }
        return self._spawn("public-form", args, env=env)

    def start_front_door(self, timeout: float = 60.0) -> None:
        """Start the officers' front door (uvicorn) and wait until it answers.

        Like the public form it gets no Prefect settings: it reads the case database and signs
        people in against it; it only links to the Prefect UI.
        """
        process = self.spawn_front_door()
        url = f"{self.settings.front_door_url}/health"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"front door exited with {process.returncode}; see logs")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        raise TimeoutError(f"front door not answering after {timeout:.0f} s")

    def spawn_front_door(self) -> subprocess.Popen[bytes]:
        """Start the officers' front door without waiting for it."""
        args = [
            sys.executable, "-m", "uvicorn", "front_door.app:create_app", "--factory",
            "--host", "127.0.0.1", "--port", str(self.settings.front_door_port),
            "--no-proxy-headers", "--no-server-header", "--log-level", "warning",
        ]  # fmt: skip
        env = {k: v for k, v in self.env.items() if not k.startswith("PREFECT_")}
        return self._spawn("front-door", args, env=env)

    def start_drainer(self) -> None:
        """Deliver the public form's stored submissions to the cme-case deployment."""
        self._spawn(
            "public-form-drainer",
            [sys.executable, "-m", "public_form.drainer"],
            env=self.env_as("drainer"),
        )

    def start_drop_watch(self) -> None:
        """Start each school-return import when its file arrives (launcher/drop_watch.py)."""
        # It starts the import deployments' runs, as the serving process or a worker would.
        self._spawn(
            "drop-watch", [sys.executable, "-m", "launcher.drop_watch"], env=self.env_as("runner")
        )

    def start_documents(self, timeout: float = 30.0) -> None:
        """Serve letters and chronologies read-only on 127.0.0.1 (launcher/documents.py)."""
        documents = self.spawn_documents()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if documents.poll() is not None:
                raise RuntimeError(
                    f"documents server exited with {documents.returncode}; see {self.log_dir}"
                )
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", self.settings.documents_port), 1).close()
                return
            time.sleep(0.2)
        raise TimeoutError(f"documents server not listening after {timeout:.0f} s")

    def spawn_documents(self) -> subprocess.Popen[bytes]:
        """Start the documents server without waiting for it."""
        return self._spawn(
            "documents", [sys.executable, "-m", "launcher.documents"], env=self.env_as(None)
        )

    def start_serving(self) -> None:
        """Serve every deployment declared in prefect.yaml."""
        self._spawn("serve", [sys.executable, "-m", "launcher.serve"], env=self.env_as("runner"))

    def start_runners(self) -> None:
        """Start what runs the flows: the serving process, or deploy and start the workers."""
        if self.runner == "serve":
            self.start_serving()
            return
        self.deploy()
        for number in range(1, self.workers + 1):
            self.start_worker(number)

    def deploy(self, timeout: float = 180.0) -> None:
        """Create the work pool if missing and register prefect.yaml's deployments on it."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with (self.log_dir / "deploy.log").open("ab") as log:
            subprocess.run(
                [sys.executable, "-m", "launcher.production", "deploy"],
                cwd=PROJECT_ROOT,
                env=self.env_as("launcher"),
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=True,
            )

    def start_worker(self, number: int = 1) -> str:
        """Start one process worker on the work pool; returns its process name (worker-N)."""
        name = f"worker-{number}"
        self._spawn(
            name,
            [sys.executable, "-m", "launcher.production", "worker", "--name", name],
            env=self.env_as("runner"),
        )
        return name

    def respawn(self, name: str) -> None:
        """Start this part again (its process has exited) without waiting for it to answer: the
        supervisor (launcher/supervisor.py) keeps watching the others meanwhile."""
        spawners: dict[str, Callable[[], object]] = {
            "prefect-server": self.spawn_server,
            "documents": self.spawn_documents,
            "serve": self.start_serving,
            "public-form-drainer": self.start_drainer,
            "drop-watch": self.start_drop_watch,
            "public-form": self.spawn_public_form,
            "front-door": self.spawn_front_door,
        }
        if name.startswith("worker-"):
            self.start_worker(int(name.removeprefix("worker-")))
        else:
            spawners[name]()

    @property
    def runner_names(self) -> list[str]:
        """The processes that run flows: `serve`, or `worker-1`, `worker-2`, ..."""
        return [n for n in self.processes if n == "serve" or n.startswith("worker-")]

    def wait_for_deployments(self, names: list[str], timeout: float = 90.0) -> None:
        """Wait until these deployments are registered (by name) and something runs them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for runner in self.runner_names:
                process = self.processes[runner]
                if process.poll() is not None:
                    raise RuntimeError(f"{runner} exited; see {self.log_dir / f'{runner}.log'}")
            if self._count_deployments(names) == len(names):
                return
            time.sleep(0.5)
        raise TimeoutError(f"deployments {names} not all registered after {timeout:.0f} s")

    def wait_for_named_deployment(
        self, name: str, process: subprocess.Popen[bytes], timeout: float = 90.0
    ) -> None:
        """Wait until a deployment served by a process of the caller's own is registered."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the process serving {name} exited with {process.returncode}")
            if self._count_deployments([name]) == 1:
                return
            time.sleep(0.5)
        raise TimeoutError(f"deployment {name} not registered after {timeout:.0f} s")

    def _count_deployments(self, names: list[str]) -> int:
        body = json.dumps({"deployments": {"name": {"any_": names}}}).encode()
        request = urllib.request.Request(
            f"{self.settings.api_url}/deployments/count",
            data=body,
            headers={
                "Content-Type": "application/json",
                **auth_headers(self.settings, self.credential("launcher")),
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return int(json.loads(response.read()))
        except (urllib.error.URLError, OSError, ValueError):
            return 0

    def drain(self, name: str, timeout: float = DRAIN_SECONDS) -> bool:
        """Wait until no flow run is executing in a process (the warm start's helpers aside).

        Prefect's runner cancels every run it still has a subprocess for when it shuts down,
        and a run that has just suspended keeps its subprocess for a moment while it exits.
        Stopping only when idle means a restart never cancels a case. True if it drained.
        """
        process = self.processes.get(name)
        if process is None or process.poll() is not None:
            return True
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None or not flow_run_processes(process.pid):
                return True
            time.sleep(0.2)
        return False

    def drain_runners(self, timeout: float = DRAIN_SECONDS) -> bool:
        """Wait until no flow run executes in the serving process or any worker."""
        deadline = time.monotonic() + timeout
        return all(
            self.drain(name, max(0.0, deadline - time.monotonic())) for name in self.runner_names
        )

    def stop_runners(self) -> None:
        """Stop the serving process or every worker, each once no stage runs in it."""
        for name in self.runner_names:
            self.stop(name)

    def runner_children(self) -> list[psutil.Process]:
        """Every flow run executing under the serving process or the workers (not the warm start's
        helpers, which hold no run)."""
        children: list[psutil.Process] = []
        for name in self.runner_names:
            children += flow_run_processes(self.processes[name].pid)
        return children

    def kill(self, name: str) -> None:
        """Kill -9 one process and every process under it at once, as a machine failure would.

        A worker starts each flow run in a session of its own, so its process group alone is not
        enough: the flow-run processes are found as its descendants first.
        """
        process = self.processes.pop(name)
        try:
            victims = [psutil.Process(process.pid), *psutil.Process(process.pid).children(True)]
        except psutil.NoSuchProcess:
            victims = []
        for victim in victims:
            with contextlib.suppress(psutil.NoSuchProcess):
                victim.kill()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)

    def stop(self, name: str, timeout: float = 20.0) -> None:
        """Stop one process and everything it started, once it is idle."""
        self.drain(name)
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        try:
            children = psutil.Process(process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            children = []
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=timeout)
        except ProcessLookupError:
            pass
        # Flow-run subprocesses the serving process started live in the same group, a worker's in
        # sessions of their own; make sure none is left.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        for child in children:
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()

    def stop_all(self) -> None:
        for name in (
            "front-door",
            "public-form",
            "public-form-drainer",
            "drop-watch",
            *self.runner_names,
            "documents",
            "prefect-server",
        ):
            self.stop(name)
        for log in self._logs.values():
            log.close()
        self._logs.clear()
