"""Start and stop the embedded product: a local Prefect server, the serving process and the
read-only documents server (letters and chronologies).

`make run` and the end-to-end tests both use this, so what the tests drive is what an officer gets.
Every child process is started in its own session (process group), so Ctrl-C reaches us first and
we stop them in order: the serving process (and the flow runs it holds), then the server.
"""

from __future__ import annotations

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import psutil

from models.settings import PROJECT_ROOT, Settings

# How often the serving process looks for new and resumed runs. Prefect's default (10 s) makes an
# officer wait up to 10 s for the next form after pressing Resume; 1 s costs one cheap query.
RUNNER_POLL_SECONDS = 1

# How long a shutdown waits for running stages to finish before it stops the serving process.
DRAIN_SECONDS = 60.0


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
        "PREFECT_LOGGING_LOG_PRINTS": "false",
    }
    prefect_db = os.environ.get("CME_PREFECT_DATABASE_URL")
    if prefect_db:
        env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = prefect_db
    return env


def _healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@dataclass
class Stack:
    """The running product: the Prefect server and the serving process."""

    settings: Settings
    log_dir: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    _logs: list[IO[bytes]] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(prefect_environment(self.settings))
        env["CME_HOME"] = str(self.settings.state_dir)
        env["CME_PORT"] = str(self.settings.port)
        env["CME_DOCUMENTS_PORT"] = str(self.settings.documents_port)
        return env

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = (self.log_dir / f"{name}.log").open("ab")
        self._logs.append(log)
        process = subprocess.Popen(
            args,
            cwd=PROJECT_ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def start_server(self, timeout: float = 90.0) -> None:
        """Start the Prefect server and wait until its API answers."""
        server = self._spawn(
            "prefect-server",
            [
                sys.executable, "-m", "prefect", "server", "start",
                "--host", "127.0.0.1", "--port", str(self.settings.port),
            ],
        )  # fmt: skip
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

    def start_documents(self, timeout: float = 30.0) -> None:
        """Serve letters and chronologies read-only on 127.0.0.1 (launcher/documents.py)."""
        documents = self._spawn("documents", [sys.executable, "-m", "launcher.documents"])
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

    def start_serving(self) -> None:
        """Serve every deployment declared in prefect.yaml."""
        self._spawn("serve", [sys.executable, "-m", "launcher.serve"])

    def wait_for_deployments(self, names: list[str], timeout: float = 90.0) -> None:
        """Wait until the serving process has registered these deployments (by name)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            serve = self.processes.get("serve")
            if serve is not None and serve.poll() is not None:
                raise RuntimeError(f"serving process exited; see {self.log_dir / 'serve.log'}")
            if self._count_deployments(names) == len(names):
                return
            time.sleep(0.5)
        raise TimeoutError(f"deployments {names} not all registered after {timeout:.0f} s")

    def _count_deployments(self, names: list[str]) -> int:
        body = json.dumps({"deployments": {"name": {"any_": names}}}).encode()
        request = urllib.request.Request(
            f"{self.settings.api_url}/deployments/count",
            data=body,
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return int(json.loads(response.read()))
        except (urllib.error.URLError, OSError, ValueError):
            return 0

    def drain(self, name: str, timeout: float = DRAIN_SECONDS) -> bool:
        """Wait until a process has no children: no flow run is executing in it.

        Prefect's runner cancels every run it still has a subprocess for when it shuts down,
        and a run that has just suspended keeps its subprocess for a moment while it exits.
        Stopping only when idle means a restart never cancels a case. True if it drained.
        """
        process = self.processes.get(name)
        if process is None or process.poll() is not None:
            return True
        deadline = time.monotonic() + timeout
        parent = psutil.Process(process.pid)
        while time.monotonic() < deadline:
            try:
                if not parent.children(recursive=True):
                    return True
            except psutil.NoSuchProcess:
                return True
            time.sleep(0.2)
        return False

    def stop(self, name: str, timeout: float = 20.0) -> None:
        """Stop one process and everything it started (its process group), once it is idle."""
        self.drain(name)
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=timeout)
        except ProcessLookupError:
            pass
        # Flow-run subprocesses the runner started live in the same group; make sure none is left.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)

    def stop_all(self) -> None:
        for name in ("serve", "documents", "prefect-server"):
            self.stop(name)
        for log in self._logs:
            log.close()
        self._logs.clear()
