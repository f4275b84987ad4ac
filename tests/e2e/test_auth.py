"""Per-person sign-in in front of Prefect (gateway/), on the session's product: who may call, what
their roles allow, and what the access log records. The unhappy starts run the entry points alone.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import httpx
import pytest
import websockets
from sqlalchemy import Engine
from websockets.typing import Subprotocol

from adapters.settings import PROJECT_ROOT
from launcher.stack import Stack
from models.access import AccessRecord, Role
from store import access_log, people
from store.database import make_engine, session_scope
from store.migrations import migrate
from store.unit_of_work import utc_now
from tests.e2e.driver import Driver
from tests.e2e.people import HEAD_OF_SERVICE, Cast
from tests.e2e.product import TRUSTED_PROXY
from tests.e2e.test_journeys import OFFICER, enquiries
from tests.factories import make_referral

pytestmark = [pytest.mark.e2e, pytest.mark.production]

FILTER = {"limit": 1}


@pytest.fixture(scope="module")
def case_database(e2e_database_url: str) -> Iterator[Engine]:
    engine = make_engine(e2e_database_url)
    yield engine
    engine.dispose()


def _api(stack: Stack) -> str:
    return stack.settings.api_url


def _runs(stack: Stack, auth: tuple[str, str] | None, **client: object) -> httpx.Response:
    with httpx.Client(auth=auth, timeout=30, **client) as http:  # type: ignore[arg-type]
        return http.post(f"{_api(stack)}/flow_runs/filter", json=FILTER)


def _pair(credential: str) -> tuple[str, str]:
    username, _, password = credential.partition(":")
    return username, password


def _add(engine: Engine, username: str, password: str, roles: list[Role]) -> None:
    with session_scope(engine) as session:
        people.add_person(
            session=session,
            username=username,
            display_name=username.title(),
            roles=roles,
            password=password,
            now=utc_now(),
        )


def test_a_call_without_credentials_or_with_a_wrong_password_is_refused(
    stack: Stack, cast: Cast
) -> None:
    officer = cast.by_team_id(OFFICER)
    assert officer is not None
    assert _runs(stack, None).status_code == 401
    assert _runs(stack, (officer.username, "not-the-password")).status_code == 401
    assert _runs(stack, ("nobody-at-all", "not-the-password")).status_code == 401
    assert _runs(stack, _pair(officer.credential)).status_code == 200
    # Probes stay open, as Prefect's own check leaves them.
    assert httpx.get(f"{_api(stack)}/health", timeout=10).status_code == 200


def test_repeated_failures_are_rate_limited_and_logged_without_the_password(
    stack: Stack, case_database: Engine
) -> None:
    _add(case_database, "often-wrong", "often-wrong-right-password", [Role.OFFICER])
    wrong = "a-wrong-password-never-logged"
    answers = [_runs(stack, ("often-wrong", wrong)).status_code for _ in range(6)]
    assert answers == [401] * 5 + [429], answers
    # Locked out: even the right password waits now, while other people carry on.
    limited = _runs(stack, ("often-wrong", "often-wrong-right-password"))
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0
    log = (stack.log_dir / "prefect-server.log").read_text(encoding="utf-8", errors="replace")
    assert "sign-in failed: user='often-wrong'" in log
    assert "too many failures" in log
    assert wrong not in log


def test_a_disabled_person_is_refused_at_their_next_call(
    stack: Stack, case_database: Engine
) -> None:
    _add(case_database, "leaver", "leaver-password-1", [Role.OFFICER])
    assert _runs(stack, ("leaver", "leaver-password-1")).status_code == 200
    with session_scope(case_database) as session:
        people.set_disabled(session=session, username="leaver", disabled=True, now=utc_now())
    assert _runs(stack, ("leaver", "leaver-password-1")).status_code == 401
    with session_scope(case_database) as session:
        people.set_disabled(session=session, username="leaver", disabled=False, now=utc_now())
    assert _runs(stack, ("leaver", "leaver-password-1")).status_code == 200


def test_a_reset_password_refuses_the_old_one(stack: Stack, case_database: Engine) -> None:
    _add(case_database, "forgetful", "forgetful-old-password", [Role.OFFICER])
    assert _runs(stack, ("forgetful", "forgetful-old-password")).status_code == 200
    with session_scope(case_database) as session:
        people.set_password(
            session=session, username="forgetful", password="forgetful-new-password", now=utc_now()
        )
    assert _runs(stack, ("forgetful", "forgetful-old-password")).status_code == 401
    assert _runs(stack, ("forgetful", "forgetful-new-password")).status_code == 200


def _log_of(engine: Engine, run_id: UUID) -> list[AccessRecord]:
    with session_scope(engine) as session:
        return access_log.for_flow_run(session=session, flow_run_id=run_id)


def test_roles_refuse_with_403_and_every_change_is_recorded_against_the_person(
    stack: Stack, driver: Driver, cast: Cast, case_database: Engine
) -> None:
    run_id = driver.open_case(make_referral(child_surname="Signedin"))
    driver.wait_for_form(run_id, "referral-check-reasonable-enquiries")
    head = _pair(cast[HEAD_OF_SERVICE].credential)
    with httpx.Client(auth=head, timeout=30) as http:
        # The head of service reads everything ...
        assert http.get(f"{_api(stack)}/flow_runs/{run_id}").status_code == 200
        # ... and changes nothing: cancelling and deleting are refused, as Prefect refuses.
        cancel = http.post(
            f"{_api(stack)}/flow_runs/{run_id}/set_state",
            json={"state": {"type": "CANCELLING", "name": "Cancelling"}},
        )
        assert cancel.status_code == 403
        assert "may not cancel" in cancel.json()["detail"]
        assert http.delete(f"{_api(stack)}/flow_runs/{run_id}").status_code == 403
    assert driver.read(run_id).state_name == "Suspended"

    driver.resume(run_id, "referral-check-reasonable-enquiries", enquiries())
    driver.wait_for_form(run_id, "home-visit-visit-1")
    case = driver.case(run_id)
    entries = _log_of(case_database, run_id)
    refused = [(e.username, e.action, e.status_code) for e in entries if not e.allowed]
    assert (HEAD_OF_SERVICE, "cancel", 403) in refused
    assert (HEAD_OF_SERVICE, "delete", 403) in refused
    officer = cast.by_team_id(case.officer_id)
    assert officer is not None
    resumes = [e for e in entries if e.action == "resume" and e.allowed]
    assert [(e.username, e.case_reference, e.status_code) for e in resumes] == [
        (officer.username, case.reference, 201)
    ]
    # The decision names the signed-in officer: the gateway wrote them into the form's input.
    assert driver.decisions(case)["referral-check-reasonable-enquiries"]["officer"] == OFFICER


def test_the_single_sign_on_header_counts_only_from_the_configured_proxy(
    stack: Stack, cast: Cast
) -> None:
    officer = cast.by_team_id(OFFICER)
    assert officer is not None
    header = {stack.settings.sign_in_identity_header: officer.username}
    from_proxy = httpx.HTTPTransport(local_address=TRUSTED_PROXY)
    with httpx.Client(transport=from_proxy, headers=header, timeout=30) as http:
        assert http.post(f"{_api(stack)}/flow_runs/filter", json=FILTER).status_code == 200
    with httpx.Client(transport=from_proxy, timeout=30) as http:  # the proxy without the header
        assert http.post(f"{_api(stack)}/flow_runs/filter", json=FILTER).status_code == 401
    unknown = {stack.settings.sign_in_identity_header: "not-a-person"}
    with httpx.Client(transport=from_proxy, headers=unknown, timeout=30) as http:
        assert http.post(f"{_api(stack)}/flow_runs/filter", json=FILTER).status_code == 401
    # From any other address the header is ignored: no password, no entry.
    with httpx.Client(headers=header, timeout=30) as http:
        assert http.post(f"{_api(stack)}/flow_runs/filter", json=FILTER).status_code == 401


async def _subscribe(url: str, token: str | None) -> str:
    """Open the events stream as Prefect's subscribers do; return the server's answer."""
    try:
        async with websockets.connect(url, subprotocols=[Subprotocol("prefect")]) as socket:
            await socket.send(json.dumps({"type": "auth", "token": token}))
            return str(json.loads(await asyncio.wait_for(socket.recv(), 15))["type"])
    except websockets.exceptions.ConnectionClosed as closed:
        return f"closed {closed.rcvd.code if closed.rcvd else ''}"
    except websockets.exceptions.InvalidStatus as refused:
        return f"refused {refused.response.status_code}"


def test_the_events_websocket_needs_a_person_too(stack: Stack, cast: Cast) -> None:
    url = _api(stack).replace("http://", "ws://") + "/events/out"
    assert asyncio.run(_subscribe(url, None)) == "closed 1008"
    assert asyncio.run(_subscribe(url, "svc-runner:not-its-password")) == "closed 1008"
    assert asyncio.run(_subscribe(url, cast.admin.credential)) == "auth_success"
    # Without Prefect's subprotocol, and so without its auth message, the upgrade is refused.
    assert asyncio.run(_connect_plain(url)) == "refused 403"


async def _connect_plain(url: str) -> str:
    try:
        async with websockets.connect(url):
            return "opened"
    except websockets.exceptions.InvalidStatus as refused:
        return f"refused {refused.response.status_code}"


# --- unhappy starts: the entry points alone --------------------------------------------------

SECRETS = {
    "CME_PUBLIC_FORM_SECRET": "Qx7pL2mZ9vR4tY8wK3nB6cD1fG5hJ0sA-public-form",
    "CME_SMTP_PASSWORD": "Uj3kM8nP1qW6eR9tY2uI5oP7aS4dF0gH-smtp",
}


def _start(module: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("CME_", "PREFECT_"))}
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=PROJECT_ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _leaks(output: str, secret: str) -> list[str]:
    return [secret[i : i + 8] for i in range(len(secret) - 7) if secret[i : i + 8] in output]


@pytest.mark.parametrize(
    ("module", "args", "bad"),
    [
        ("launcher.production", ["server"], {}),  # no CME_PREFECT_AUTH_STRING in production
        ("launcher.production", ["deploy"], {"CME_PREFECT_AUTH_STRING": "svc:password"}),
        ("launcher", [], {"CME_PORT": "not-a-port"}),
        ("gateway", [], {"CME_SMTP_TLS": "sometimes"}),
        ("launcher.people", ["list"], {"CME_PUBLIC_FORM_SECRET": "short"}),
    ],
)
def test_a_bad_setting_is_named_without_any_part_of_a_secret(
    tmp_path: Path, module: str, args: list[str], bad: dict[str, str]
) -> None:
    env = {
        "CME_ENVIRONMENT": "production",
        "CME_HOME": str(tmp_path),
        "CME_DATABASE_URL": f"sqlite:///{tmp_path / 'cases.db'}",
        "CME_SMTP_TLS": "ssl",
        **SECRETS,
        **bad,
    }
    started = _start(module, env, *args)
    output = started.stdout + started.stderr
    assert started.returncode == 2, output
    assert "Traceback" not in output
    assert re.search(r"^  CME_[A-Z_]+: ", started.stderr, re.MULTILINE), output
    for secret in SECRETS.values():
        assert _leaks(output, secret) == [], output


def test_the_gateway_refuses_to_start_without_a_user_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    migrate(url)  # the tables are there, but nobody can sign in
    started = _start(
        "gateway", {"CME_HOME": str(tmp_path), "CME_DATABASE_URL": url, "CME_PORT": "9"}
    )
    assert started.returncode == 2, started.stderr
    assert "No user store" in started.stderr
    assert "make user" in started.stderr
    # Still refused when only service accounts exist: an administrator must be able to sign in.
    engine = make_engine(url)
    _add(engine, "svc-runner", "svc-runner-password", [Role.RUNNER])
    engine.dispose()
    again = _start("gateway", {"CME_HOME": str(tmp_path), "CME_DATABASE_URL": url, "CME_PORT": "9"})
    assert again.returncode == 2
