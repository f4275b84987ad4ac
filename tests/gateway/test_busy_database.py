"""A person's call is made again while Prefect answers 503 (its database busy), so the UI, which
does not try again itself, never shows an officer an error for a click that would have gone in.

Prefect answers 503 when SQLite refuses a write (SQLITE_BUSY_SNAPSHOT: a deferred transaction that
read before another writer committed) and rolls the work back. That race cannot be brought about on
cue, so these tests put a shim in front of Prefect's real application that answers 503, as Prefect
does, to the first calls on one path and passes every other call on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from sqlalchemy import Engine

from gateway.app import BUSY_ATTEMPTS, ASGIApp, Gateway, Receive, Scope, Send
from gateway.record import Recorder
from gateway.sign_in import FailureLimiter, SignIn
from models.access import Role
from store import access_log, people
from store.database import session_scope
from tests.gateway.conftest import AT, PASSWORD, Api, Clock, PrefectApp

BUSY = b'{"exception_message": "Service Unavailable"}'


@dataclass
class BusyFirst:
    """Prefect's application, answering 503 to the first ``busy`` calls on ``path``."""

    app: ASGIApp
    path: str
    busy: int
    calls: list[str] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == self.path:
            self.calls.append(scope["method"])
            if len(self.calls) <= self.busy:
                await receive()  # the body is read, as Prefect reads it before its write fails
                await send({"type": "http.response.start", "status": 503, "headers": []})
                await send({"type": "http.response.body", "body": BUSY})
                return
        await self.app(scope, receive, send)


def _api(prefect: PrefectApp, engine: Engine, upstream: ASGIApp) -> Api:
    with session_scope(engine) as session:
        for username, roles, team_id in (
            ("alice", [Role.OFFICER], "cme-officer-alice"),
            ("runner", [Role.RUNNER], None),
        ):
            people.add_person(
                session=session, username=username, display_name=username.title(), roles=roles,
                password=PASSWORD, now=AT, team_id=team_id,
            )  # fmt: skip
    gateway = Gateway(
        app=upstream,
        sign_in=SignIn(engine=engine, trusted_proxies="10.0.0.1/32", limiter=FailureLimiter()),
        recorder=Recorder(engine=engine, clock=lambda: AT),
    )
    return Api(prefect=prefect, gateway=gateway, limiter_clock=Clock())


def _runs(prefect: PrefectApp, deployment_id: str) -> int:
    body = {"deployments": {"id": {"any_": [deployment_id]}}}
    return int(prefect.direct("POST", "/api/flow_runs/count", body))


@pytest.fixture
def opening(prefect: PrefectApp) -> tuple[str, str]:
    deployment_id = prefect.deployment("cme-case")
    return deployment_id, f"/api/deployments/{deployment_id}/create_flow_run"


def test_an_officer_opening_a_case_while_prefect_is_busy_gets_one_case_and_no_error(
    prefect: PrefectApp, engine: Engine, opening: tuple[str, str]
) -> None:
    deployment_id, path = opening
    upstream = BusyFirst(prefect.app, path, busy=2)
    api = _api(prefect, engine, upstream)
    before = _runs(prefect, deployment_id)

    answer = api.call("POST", path, user="alice", json_body={"parameters": {}})

    assert answer.status_code == 201, answer.text
    assert upstream.calls == ["POST", "POST", "POST"]
    assert _runs(prefect, deployment_id) == before + 1
    with session_scope(engine) as session:
        [entry] = [e for e in access_log.recent(session=session) if e.username == "alice"]
    assert (entry.action, entry.status_code, str(entry.flow_run_id)) == (
        "open_case",
        201,
        answer.json()["id"],
    )


def test_a_database_busy_for_longer_than_every_try_is_answered_503_once(
    prefect: PrefectApp, engine: Engine, opening: tuple[str, str]
) -> None:
    deployment_id, path = opening
    upstream = BusyFirst(prefect.app, path, busy=BUSY_ATTEMPTS)
    api = _api(prefect, engine, upstream)
    before = _runs(prefect, deployment_id)

    answer = api.call("POST", path, user="alice", json_body={"parameters": {}})

    assert answer.status_code == 503
    assert len(upstream.calls) == BUSY_ATTEMPTS
    assert _runs(prefect, deployment_id) == before


def test_a_service_account_gets_the_503_to_try_again_itself(
    prefect: PrefectApp, engine: Engine, opening: tuple[str, str]
) -> None:
    _, path = opening
    upstream = BusyFirst(prefect.app, path, busy=1)
    api = _api(prefect, engine, upstream)

    answer = api.call("POST", path, user="runner", json_body={"parameters": {}})

    assert answer.status_code == 503  # Prefect's client, which it runs, tries again
    assert upstream.calls == ["POST"]
