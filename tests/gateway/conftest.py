"""The sign-in gateway around Prefect's real server application, in this process.

One Prefect application per module (`create_app(webserver_only=True)`: API and UI, no background
services) on a temporary PREFECT_HOME and SQLite database, its lifespan (migrations) run in a
blocking portal's event loop; every call goes through `httpx.ASGITransport` over a `Gateway` built
per test on the session's case database (tests/conftest.py `engine`), where the people are added
through `store.people`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from asgi_lifespan import LifespanManager
from prefect.server.api.server import create_app
from prefect.settings import (
    PREFECT_HOME,
    PREFECT_SERVER_ANALYTICS_ENABLED,
    PREFECT_SERVER_API_AUTH_STRING,
    PREFECT_SERVER_DATABASE_CONNECTION_URL,
    temporary_settings,
)
from sqlalchemy import Engine

from gateway.app import ASGIApp, Gateway
from gateway.record import Recorder
from gateway.sign_in import FailureLimiter, SignIn
from models.access import Role
from store import people
from store.database import session_scope

AT = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
PROXY = "10.9.8.7"
# username -> (roles, team id)
PEOPLE: dict[str, tuple[list[Role], str | None]] = {
    "alice": ([Role.OFFICER], "cme-officer-alice"),
    "nemo": ([Role.OFFICER], None),  # an officer who is not on the configured team
    "lena": ([Role.TEAM_LEAD], "cme-team-lead"),
    "hugo": ([Role.HEAD_OF_SERVICE], None),
    "ada": ([Role.ADMIN], None),
}
FORM_KEY = "referral-check-reasonable-enquiries"
KEYSET = {
    "schema": f"{FORM_KEY}-schema",
    "response": f"{FORM_KEY}-response",
    "description": f"{FORM_KEY}-description",
}
# A form saved by a release before sign-in: it asked for the officer and admits no other key.
FORM_SCHEMA_BEFORE_SIGN_IN = {
    "title": "Form",
    "type": "object",
    "properties": {"officer": {"type": "string"}, "outcome": {"type": "string"}},
    "required": ["officer", "outcome"],
    "additionalProperties": False,
}
# A form saved since: the officer and the username come from the gateway, not the page.
FORM_SCHEMA = {
    "title": "Form",
    "type": "object",
    "properties": {"outcome": {"type": "string"}},
    "patternProperties": {"^officer$": {"type": "string"}, "^signed_in_as$": {"type": "string"}},
    "required": ["outcome"],
    "additionalProperties": False,
}


@dataclass
class PrefectApp:
    """Prefect's application running in a portal's event loop, called without the gateway."""

    portal: BlockingPortal
    app: ASGIApp
    ids: dict[str, str] = field(default_factory=dict)

    def call(
        self,
        app: ASGIApp,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        client: tuple[str, int] = ("127.0.0.1", 50000),
    ) -> httpx.Response:
        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=app, client=client)
            async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
                return await http.request(method, path, json=json_body, headers=headers)

        return self.portal.call(go)

    def direct(self, method: str, path: str, json_body: Any = None) -> Any:
        answer = self.call(self.app, method, path, json_body=json_body)
        assert answer.status_code < 300, answer.text
        return answer.json() if answer.content else None

    def deployment(self, name: str) -> str:
        """The id of a deployment called ``name`` (made once per module)."""
        if name not in self.ids:
            if "flow" not in self.ids:
                self.ids["flow"] = self.direct("POST", "/api/flows/", {"name": "cme-case"})["id"]
            body = {"name": name, "flow_id": self.ids["flow"]}
            self.ids[name] = self.direct("POST", "/api/deployments/", body)["id"]
        return self.ids[name]

    def suspended_run(self, schema: dict[str, Any] | None = None) -> str:
        """A cme-case run suspended on a form, as the flow leaves it (keyset and schema)."""
        timeout = (datetime.now(UTC) + timedelta(days=30)).isoformat()
        deployment_id = self.deployment("cme-case")
        run = self.direct(
            "POST",
            "/api/flow_runs/",
            {
                "flow_id": self.ids["flow"],
                "deployment_id": deployment_id,
                "state": {
                    "type": "PAUSED",
                    "name": "Suspended",
                    "state_details": {
                        "pause_key": FORM_KEY,
                        "pause_reschedule": True,
                        "pause_timeout": timeout,
                        "run_input_keyset": KEYSET,
                    },
                },
            },
        )
        self.direct(
            "POST",
            f"/api/flow_runs/{run['id']}/input",
            {"key": KEYSET["schema"], "value": json.dumps(schema or FORM_SCHEMA)},
        )
        return str(run["id"])

    def run_state(self, run_id: str) -> str:
        return str(self.direct("GET", f"/api/flow_runs/{run_id}")["state"]["type"])


@asynccontextmanager
async def _lifespan(app: ASGIApp) -> AsyncIterator[None]:
    async with LifespanManager(app, startup_timeout=120):
        yield


@pytest.fixture(scope="module")
def prefect(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectApp]:
    home: Path = tmp_path_factory.mktemp("prefect-home")
    with temporary_settings(
        updates={
            PREFECT_HOME: home,
            PREFECT_SERVER_DATABASE_CONNECTION_URL: f"sqlite+aiosqlite:///{home / 'prefect.db'}",
            PREFECT_SERVER_ANALYTICS_ENABLED: False,
        },
        set_defaults={PREFECT_SERVER_API_AUTH_STRING: None},
    ):
        app = create_app(webserver_only=True, final=True)
        with (
            start_blocking_portal() as portal,
            portal.wrap_async_context_manager(_lifespan(app)),
        ):
            yield PrefectApp(portal=portal, app=app)


@dataclass
class Clock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Api:
    """Calls through the gateway as someone."""

    prefect: PrefectApp
    gateway: Gateway
    limiter_clock: Clock

    def call(
        self,
        method: str,
        path: str,
        *,
        user: str | None = None,
        password: str = PASSWORD,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        client: str = "127.0.0.1",
    ) -> httpx.Response:
        headers = dict(headers or {})
        if user is not None:
            auth = httpx.BasicAuth(user, password)
            request = auth.auth_flow(httpx.Request("GET", "http://x")).__next__()
            headers["authorization"] = request.headers["authorization"]
        return self.prefect.call(
            self.gateway, method, path, json_body=json_body, headers=headers, client=(client, 50000)
        )


@pytest.fixture
def api(prefect: PrefectApp, engine: Engine) -> Api:
    with session_scope(engine) as session:
        for username, (roles, team_id) in PEOPLE.items():
            people.add_person(
                session=session, username=username, display_name=username.title(), roles=roles,
                password=PASSWORD, now=AT, team_id=team_id,
            )  # fmt: skip
    clock = Clock()
    gateway = Gateway(
        app=prefect.app,
        sign_in=SignIn(
            engine=engine, trusted_proxies=f"{PROXY}/32", limiter=FailureLimiter(clock=clock)
        ),
        recorder=Recorder(engine=engine, clock=lambda: AT),
    )
    return Api(prefect=prefect, gateway=gateway, limiter_clock=clock)
