"""What the sign-in gateway costs an API call: Prefect's application served plainly vs behind it.

Two servers on free loopback ports, each on its own temporary Prefect SQLite database with the same
data, started with the same Prefect settings and the same uvicorn options:

- **plain**: `prefect.server.api.server.create_app(final=True)` served by uvicorn, no auth;
- **gateway**: `python -m gateway` (sign-in, roles, the access log) with its own temporary state
  folder and case database (SQLite, migrated), the people added through `store.people`.

It then times, alternating plain and gateway call by call (the order swapped every round, so a
busy moment on the machine hits both), with one keep-alive connection to each:

1. the runs list: `POST /api/flow_runs/filter` with `limit` 50, ~50 runs present;
2. a resume: `POST /api/flow_runs/{id}/resume` with a `run_input`, as the UI sends it, each on its
   own run put into a Paused (suspended) state with a pause key and a form schema through the API.

It prints median and p90 of each, and the gateway/plain ratio of the medians (target: within 5 %).
It reports and never asserts: exit 0 when the target is missed.

    .venv/bin/python -m bench.sign_in [--calls 200] [--runs 50]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from models.access import Role
from store import people
from store.database import make_engine, session_scope
from store.migrations import migrate

TARGET_RATIO = 1.05
ADMIN = ("bench-admin", "bench-admin-password-1")
OFFICER = ("bench-officer", "bench-officer-password-1")
FORM_KEY = "bench-form"
FORM_SCHEMA = {
    "title": "BenchForm",
    "type": "object",
    "properties": {
        "officer": {"title": "Officer", "type": "string"},
        "decision": {"title": "Decision", "type": "string"},
    },
    "required": ["officer", "decision"],
}
SERVE_PLAIN = (
    "import uvicorn\n"
    "from prefect.server.api.server import create_app\n"
    "uvicorn.run(create_app(final=True), host='127.0.0.1', port={port}, log_level='warning',"
    " server_header=False, proxy_headers=False)\n"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def progress(line: str) -> None:
    sys.stderr.write(f"[{datetime.now(UTC):%H:%M:%S}] {line}\n")
    sys.stderr.flush()


def basic(user: tuple[str, str]) -> dict[str, str]:
    token = base64.b64encode(f"{user[0]}:{user[1]}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def prefect_environment(folder: Path) -> dict[str, str]:
    """The same Prefect settings for both servers, each on its own database under ``folder``."""
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("PREFECT_", "CME_"))
    }
    env.update(
        {
            "PREFECT_HOME": str(folder / "prefect"),
            "PREFECT_SERVER_DATABASE_CONNECTION_URL": (
                f"sqlite+aiosqlite:///{folder / 'prefect.db'}"
            ),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",
            "PREFECT_LOGGING_LEVEL": "WARNING",
        }
    )
    return env


def add_people(case_database_url: str) -> None:
    migrate(case_database_url)
    engine = make_engine(case_database_url)
    now = datetime.now(UTC)
    try:
        with session_scope(engine) as session:
            people.add_person(
                session=session,
                username=ADMIN[0],
                display_name="Bench Administrator",
                roles=[Role.ADMIN],
                password=ADMIN[1],
                now=now,
            )
            people.add_person(
                session=session,
                username=OFFICER[0],
                display_name="Bench Officer",
                roles=[Role.OFFICER],
                password=OFFICER[1],
                now=now,
                team_id="bench-officer",
            )
    finally:
        engine.dispose()


@contextmanager
def server(
    name: str, command: list[str], env: dict[str, str], port: int, folder: Path
) -> Iterator[str]:
    """Start one server; yield its base URL once /api/health answers; stop it (by its PID)."""
    log = (folder / f"{name}.log").open("wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{name} server exited ({process.returncode}); see {log.name}")
            try:
                if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} server did not answer in 180 s; see {log.name}")
            time.sleep(0.25)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def ok(client: httpx.Client, path: str, body: dict[str, Any]) -> httpx.Response:
    """A set-up POST, retried on SQLite's 503 "database is locked" (field notes, section 4a)."""
    for _ in range(10):
        response = client.post(path, json=body)
        if response.status_code not in (500, 503):
            break
        time.sleep(0.2)
    response.raise_for_status()
    return response


def populate(client: httpx.Client, runs: int, paused: int) -> tuple[list[str], str]:
    """A flow, a deployment, ``runs`` completed runs and ``paused`` suspended ones on a form.

    Returns the paused runs' ids and the tag the listed runs carry."""
    flow_id = ok(client, "/api/flows/", {"name": "bench-sign-in"}).json()["id"]
    deployment = {"name": "bench", "flow_id": flow_id}
    deployment_id = ok(client, "/api/deployments/", deployment).json()["id"]
    for number in range(runs):
        listed = {
            "flow_id": flow_id,
            "deployment_id": deployment_id,
            "name": f"bench-listed-{number}",
            "parameters": {"number": number, "note": "x" * 200},
            "tags": ["bench-listed"],
            "state": {"type": "COMPLETED", "name": "Completed"},
        }
        ok(client, "/api/flow_runs/", listed)
    timeout = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    keyset = {
        "schema": f"{FORM_KEY}-schema",
        "response": f"{FORM_KEY}-response",
        "description": f"{FORM_KEY}-description",
    }
    paused_ids: list[str] = []
    for number in range(paused):
        suspended = {
            "flow_id": flow_id,
            "deployment_id": deployment_id,
            "name": f"bench-paused-{number}",
            "tags": ["bench-paused"],
            "state": {
                "type": "PAUSED",
                "name": "Suspended",
                "state_details": {
                    "pause_key": FORM_KEY,
                    "pause_reschedule": True,
                    "pause_timeout": timeout,
                    "run_input_keyset": keyset,
                },
            },
        }
        run_id = ok(client, "/api/flow_runs/", suspended).json()["id"]
        form = {"key": keyset["schema"], "value": json.dumps(FORM_SCHEMA)}
        ok(client, f"/api/flow_runs/{run_id}/input", form)
        paused_ids.append(run_id)
    return paused_ids, "bench-listed"


LOCKED: dict[str, int] = {}


def timed(call: Callable[[], httpx.Response], check: Callable[[httpx.Response], bool]) -> float:
    """Seconds for one call; a 503 or 500 from a "database is locked" in Prefect's SQLite (Prefect
    answers 500 when the lock hits inside an orchestration rule) is counted and the call made
    again: the failed transaction was rolled back, so the call is repeated, not doubled."""
    for _ in range(10):
        start = time.perf_counter()
        response = call()
        elapsed = time.perf_counter() - start
        if response.status_code not in (500, 503):
            break
        server = "gateway" if "authorization" in response.request.headers else "plain"
        LOCKED[server] = LOCKED.get(server, 0) + 1
        time.sleep(0.2)
    if not check(response):
        raise RuntimeError(f"unexpected answer {response.status_code}: {response.text[:300]}")
    return elapsed


def alternate(
    calls: int,
    plain: Callable[[int], float],
    gateway: Callable[[int], float],
) -> tuple[list[float], list[float]]:
    plain_times: list[float] = []
    gateway_times: list[float] = []
    for number in range(calls):
        if number % 2 == 0:
            plain_times.append(plain(number))
            gateway_times.append(gateway(number))
        else:
            gateway_times.append(gateway(number))
            plain_times.append(plain(number))
    return plain_times, gateway_times


def p90(values: Sequence[float]) -> float:
    return statistics.quantiles(values, n=10)[-1]


def row(name: str, plain: Sequence[float], gateway: Sequence[float]) -> list[str]:
    plain_median, gateway_median = statistics.median(plain), statistics.median(gateway)
    ratio = gateway_median / plain_median
    return [
        name,
        f"{plain_median * 1000:.1f} / {p90(plain) * 1000:.1f}",
        f"{gateway_median * 1000:.1f} / {p90(gateway) * 1000:.1f}",
        f"{ratio:.3f} ({(ratio - 1) * 100:+.1f} %)",
        "PASS" if ratio <= TARGET_RATIO else "MISS",
    ]


def table(rows: list[list[str]]) -> str:
    widths = [max(len(line[column]) for line in rows) for column in range(len(rows[0]))]
    lines = [
        " | ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in rows
    ]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    return "\n".join(lines)


def measure(plain_url: str, gateway_url: str, calls: int, runs: int, warmup: int) -> str:
    officer = basic(OFFICER)
    with (
        httpx.Client(base_url=plain_url, timeout=60) as plain_setup,
        httpx.Client(base_url=gateway_url, headers=basic(ADMIN), timeout=60) as gateway_setup,
        httpx.Client(base_url=plain_url, timeout=60) as plain,
        httpx.Client(base_url=gateway_url, headers=officer, timeout=60) as gateway,
    ):
        paused = calls + warmup
        progress(f"populating both servers: {runs} listed runs, {paused} suspended runs each")
        plain_paused, tag = populate(plain_setup, runs, paused)
        gateway_paused, _ = populate(gateway_setup, runs, paused)
        list_body = {
            "limit": 50,
            "sort": "START_TIME_DESC",
            "flow_runs": {"tags": {"all_": [tag]}},
        }

        def listing(client: httpx.Client) -> Callable[[int], float]:
            def call(_: int) -> float:
                return timed(
                    lambda: client.post("/api/flow_runs/filter", json=list_body),
                    lambda response: (
                        response.status_code == 200 and len(response.json()) == min(50, runs)
                    ),
                )

            return call

        def resuming(client: httpx.Client, ids: list[str], offset: int) -> Callable[[int], float]:
            def call(number: int) -> float:
                run_id = ids[offset + number]
                body = {"run_input": {"officer": "bench-officer", "decision": "continue"}}
                return timed(
                    lambda: client.post(f"/api/flow_runs/{run_id}/resume", json=body),
                    lambda response: (
                        response.status_code in (200, 201)
                        and response.json().get("status") == "ACCEPT"
                    ),
                )

            return call

        progress(f"warm-up: {warmup} of each call on each server")
        alternate(warmup, listing(plain), listing(gateway))
        alternate(warmup, resuming(plain, plain_paused, 0), resuming(gateway, gateway_paused, 0))
        progress(f"runs list: {calls} calls on each, alternating")
        list_plain, list_gateway = alternate(calls, listing(plain), listing(gateway))
        progress(f"resume: {calls} calls on each, alternating")
        resume_plain, resume_gateway = alternate(
            calls,
            resuming(plain, plain_paused, warmup),
            resuming(gateway, gateway_paused, warmup),
        )
    rows = [
        [
            "call",
            "plain ms (median / p90)",
            "gateway ms (median / p90)",
            "gateway/plain",
            "<= 1.05",
        ],
        row(f"POST /api/flow_runs/filter, limit 50, {runs} runs", list_plain, list_gateway),
        row("POST /api/flow_runs/{id}/resume with run_input", resume_plain, resume_gateway),
    ]
    return table(rows)


def own_work(case_database_url: str, calls: int) -> str:
    """The gateway's own blocking work per call, timed in this process on its case database:
    the sign-in with remembered credentials (every call) and one access-log entry (recorded
    calls), each median / p90 of ``calls``."""
    from gateway.record import Recorder
    from gateway.sign_in import SignIn

    reader = make_engine(case_database_url, read_only=True)
    writer = make_engine(case_database_url)
    try:
        sign_in = SignIn(engine=reader)
        headers = {"authorization": basic(OFFICER)["Authorization"]}
        person = sign_in.identify(headers, "127.0.0.1")  # verifies once (argon2), then remembered
        identify = []
        for _ in range(calls):
            start = time.perf_counter()
            sign_in.identify(headers, "127.0.0.1")
            identify.append(time.perf_counter() - start)
        recorder = Recorder(engine=writer, clock=lambda: datetime.now(UTC))
        record = []
        for _ in range(calls):
            start = time.perf_counter()
            recorder.record(
                person=person, action="resume", method="POST", path="/api/flow_runs/x/resume",
                status_code=201, allowed=True, flow_run_id=uuid.uuid4(), detail={},
            )  # fmt: skip
            record.append(time.perf_counter() - start)
    finally:
        reader.dispose()
        writer.dispose()
    rows = [
        ["gateway's own work, in process", "ms (median/p90)"],
        ["sign-in, remembered credentials", ms(identify)],
        ["one access-log entry (with the case lookup)", ms(record)],
    ]
    return table(rows)


def ms(values: Sequence[float]) -> str:
    return f"{statistics.median(values) * 1000:.2f} / {p90(values) * 1000:.2f}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=200, help="timed calls of each kind")
    parser.add_argument("--runs", type=int, default=50, help="runs present for the list")
    parser.add_argument("--warmup", type=int, default=20, help="untimed calls first")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="cme-bench-sign-in-"))
    with ExitStack() as stack:
        plain_folder, gateway_folder = folder / "plain", folder / "gateway"
        plain_folder.mkdir()
        gateway_folder.mkdir()
        state = gateway_folder / "state"
        state.mkdir()
        add_people(f"sqlite:///{state / 'cases.db'}")
        plain_port, gateway_port = free_port(), free_port()
        progress("starting the plain server and the gateway")
        plain_url = stack.enter_context(
            server(
                "plain",
                [sys.executable, "-c", SERVE_PLAIN.format(port=plain_port)],
                prefect_environment(plain_folder),
                plain_port,
                folder,
            )
        )
        gateway_env = prefect_environment(gateway_folder)
        gateway_env.update({"CME_HOME": str(state), "CME_PORT": str(gateway_port)})
        gateway_url = stack.enter_context(
            server(
                "gateway",
                [sys.executable, "-m", "gateway"],
                gateway_env,
                gateway_port,
                folder,
            )
        )
        started = time.monotonic()
        result = measure(plain_url, gateway_url, args.calls, args.runs, args.warmup)
        result += "\n\n" + own_work(f"sqlite:///{state / 'cases.db'}", args.calls)
        elapsed = time.monotonic() - started
    locked = ", ".join(f"{name} {count}" for name, count in sorted(LOCKED.items())) or "none"
    sys.stdout.write(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f}, {args.calls} calls each, "
        f"{elapsed:.0f} s; 503/500 (database is locked) answers retried: {locked}\n{result}\n"
    )
    if args.keep:
        sys.stderr.write(f"kept {folder}\n")
    else:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
