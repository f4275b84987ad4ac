"""The outer ASGI application: sign-in, roles and the access log around Prefect's own app.

Prefect's server keeps its single shared auth string unset. This layer answers 401 to every `/api`
call (HTTP and websocket) that carries no known person; refuses with Prefect's usual 403 what the
person's roles do not allow, and records the refusal; records every state-changing call with the
person; and, on a resume, writes the signed-in person into the form's input, so the decision names
who made it. `GET /ui-settings` is rewritten to `"auth": "BASIC"` so the UI shows its Login page.

Forms read in words: the schemas the UI reads (a waiting run's form, a deployment's parameters) show
each choice by its words, and the words the UI sends back (a resume, a new run) are turned into the
codes the stored schema and the case database hold (models/form_schema.py).
"""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import anyio.to_thread
import httpx
from sqlalchemy.exc import SQLAlchemyError

from gateway.record import Recorder
from gateway.sign_in import SignIn, SignInRefused
from models.access import Person
from models.access_policy import (
    RECORDED,
    Action,
    classify,
    classify_websocket,
    deployment_of,
    flow_run_of,
    may,
    refusal,
)
from models.form_schema import LABELS_KEY, in_codes, in_words

logger = logging.getLogger("cme.gateway")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

API_PREFIX = "/api"
# Probes answer without credentials, as Prefect's own auth check allows.
OPEN_PATHS = frozenset({"/api/health", "/api/ready", "/api/version"})
# The V1 UI's Login page checks a credential with this call and reads any answer but 401 as
# signed in (a 429 leaves a blank page): a lockout answers it 401, with the same Retry-After.
UI_SIGN_IN_CHECK = "/api/admin/version"
# What a call is answered (503) while the case database, which holds the people, is away.
RESTARTING = "The case system is restarting; try again in a minute."
RETRY_AFTER_SECONDS = 30
# Times a resume is made while Prefect's database is busy (500, 503) before its answer goes back.
RESUME_ATTEMPTS = 5
# Times any other call of a person's is made while Prefect answers 503 (its database busy: SQLite
# "database is locked"; nothing was committed), as Prefect's own client does for programs, with
# the pause before each new try; the last answer goes back whatever it is.
BUSY_ATTEMPTS = 6
BUSY_PAUSE_SECONDS = 0.25
# The calls whose body the gateway reads: the state asked for, and the form's input.
_BODY_ACTIONS = frozenset({Action.RESUME, Action.SET_STATE})
# New runs whose parameters may name a case (stage-clock, case-chronology).
_PARAMETER_ACTIONS = frozenset({Action.PAUSE_CLOCK, Action.RUN_REPORT})
# New runs of a deployment, whose parameters the UI sends in words.
_NEW_RUN_ACTIONS = frozenset({Action.OPEN_CASE, Action.RUN_REPORT, Action.PAUSE_CLOCK})
# Reads whose answer holds a form's schema: a waiting run's inputs, deployments' parameters.
_FORM_INPUT = re.compile(r"^/flow_runs/[0-9a-f-]{36}/input/[^/]+$")
_DEPLOYMENT_READS = re.compile(r"^/deployments/(?:[0-9a-f-]{36}|name/.+|filter|paginate)/?$")


def _json_body(status: int, content: dict[str, Any]) -> tuple[list[Message], bytes]:
    body = json.dumps(content).encode()
    start: Message = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
    }
    return [start], body


async def _answer(
    send: Send, status: int, content: dict[str, Any], retry_after: float = 0.0
) -> None:
    [start], body = _json_body(status, content)
    if retry_after > 0:
        start["headers"].append((b"retry-after", str(int(retry_after) + 1).encode()))
    await send(start)
    await send({"type": "http.response.body", "body": body})


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _with_headers(
    scope: Scope, *, drop: set[bytes], set_: dict[bytes, bytes] | None = None
) -> Scope:
    headers = [(k, v) for k, v in scope["headers"] if k.lower() not in drop | set(set_ or {})]
    headers += list((set_ or {}).items())
    return {**scope, "headers": headers}


@dataclass
class Gateway:
    """Prefect's application behind per-person sign-in."""

    app: ASGIApp
    sign_in: SignIn
    recorder: Recorder
    _deployment_names: dict[str, str] = field(default_factory=dict)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        path: str = scope.get("path", "")
        if kind == "http" and not path.startswith(API_PREFIX) and path.endswith("/ui-settings"):
            await self._ui_settings(scope, receive, send)
            return
        if kind not in ("http", "websocket") or not path.startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        if kind == "http" and path.rstrip("/") in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        client = (scope.get("client") or ("", 0))[0]
        if kind == "websocket" and "authorization" not in headers and _offers_prefect(headers):
            await self._websocket_signed_in_band(scope, receive, send, headers, client)
            return
        try:
            person = await anyio.to_thread.run_sync(self.sign_in.identify, headers, client)
        except SignInRefused as refused:
            if kind == "websocket":
                await send({"type": "websocket.close", "code": 1008, "reason": refused.reason})
                return
            status = refused.status
            if status == 429 and path.rstrip("/") == UI_SIGN_IN_CHECK:
                status = 401
            await _answer(send, status, {"detail": refused.reason}, refused.retry_after)
            return
        except SQLAlchemyError:
            # The people are in the case database: while it is away nobody can be signed in.
            logger.exception("sign-in could not read the case database")
            if kind == "websocket":
                await send({"type": "websocket.close", "code": 1013, "reason": RESTARTING})
                return
            await _answer(send, 503, {"detail": RESTARTING}, retry_after=RETRY_AFTER_SECONDS)
            return
        if kind == "websocket":
            # Streams out (events, logs) are reads; the rest (events in, workers, task-run
            # subscriptions) are what running flows use, not people.
            if not may(person.roles, classify_websocket(path[len(API_PREFIX) :])):
                reason = f"{person.username} may not open {path}: not in their role"
                await send({"type": "websocket.close", "code": 1008, "reason": reason})
                return
            await self.app(scope, receive, send)
            return
        await self._api_call(person, scope, receive, send)

    async def _api_call(self, person: Person, scope: Scope, receive: Receive, send: Send) -> None:
        method: str = scope["method"]
        api_path = scope["path"][len(API_PREFIX) :]
        deployment_id = deployment_of(api_path)
        deployment_name = None
        if deployment_id is not None and method == "POST":
            deployment_name = await self._deployment_name(deployment_id)
        action = classify(method, api_path, deployment_name=deployment_name)
        if _shows_a_form(method, api_path) and action not in RECORDED:
            refused = self._refusal(person, action)
            if refused is not None:
                await _answer(send, 403, {"detail": refused})
                return
            await self._forward_in_words(scope, receive, send)
            return
        body: bytes | None = None
        if action in _BODY_ACTIONS:
            body = await _read_body(receive)
            if action is Action.RESUME:
                body = await self._resume_in_codes(api_path, body)
                scope = _with_length(scope, body)
            receive = _replay(body, receive)
            if action is Action.SET_STATE:
                action = classify(method, api_path, state_type=_state_type(body))
        run = flow_run_of(api_path)
        flow_run_id = UUID(run) if run else None
        detail = {"deployment": deployment_name} if deployment_name else {}
        if action in _NEW_RUN_ACTIONS and deployment_id is not None:
            body = await self._parameters_in_codes(deployment_id, await _read_body(receive))
            scope = _with_length(scope, body)
            receive = _replay(body, receive)
        if action in _PARAMETER_ACTIONS:
            body = await _read_body(receive) if body is None else body
            receive = _replay(body, receive)
            # A clock pause or a chronology names its case in its parameters: record it there.
            reference = _case_reference_parameter(body)
            if reference:
                detail["case_reference"] = reference
        refusal = self._refusal(person, action)
        if refusal is not None:
            await self._record(person, action, scope, 403, False, flow_run_id, detail)
            await _answer(send, 403, {"detail": refusal})
            return
        if action is Action.RESUME and body is not None:
            status = await self._resume_signed(person, scope, body, receive, send)
            await self._record(person, action, scope, status, True, flow_run_id, detail)
            return
        if action not in RECORDED:
            if person.is_service:  # Prefect's own client, which tries a 503 again itself
                await self.app(scope, receive, send)
            else:
                await self._forward_while_busy(scope, receive, send)
            return
        if person.is_service:
            status, response = await self._forward_capturing(scope, receive, send)
        else:
            status, response = await self._forward_while_busy(scope, receive, send)
        if flow_run_id is None and action in {
            Action.OPEN_CASE,
            Action.RUN_REPORT,
            Action.PAUSE_CLOCK,
        }:
            flow_run_id = _created_id(response)
        await self._record(person, action, scope, status, True, flow_run_id, detail)

    async def _websocket_signed_in_band(
        self, scope: Scope, receive: Receive, send: Send, headers: dict[str, str], client: str
    ) -> None:
        """Prefect's event subscribers send no Authorization header: after the socket opens, their
        first message is `{"type": "auth", "token": "username:password"}`. Check that message
        (Prefect's own check accepts any token while its shared string is unset) and close the
        socket unless it names a person who may sign in."""
        checked = False
        closed = False

        async def checked_receive() -> Message:
            nonlocal checked, closed
            message = await receive()
            if checked or message["type"] != "websocket.receive":
                return message
            checked = True
            token = _auth_token(message)
            try:
                if token is None:
                    raise SignInRefused(401, "sign in with your username and password")
                basic = base64.b64encode(token.encode()).decode()
                signed = {**headers, "authorization": f"Basic {basic}"}
                await anyio.to_thread.run_sync(self.sign_in.identify, signed, client)
            except SignInRefused as refused:
                closed = True
                await send({"type": "websocket.close", "code": 1008, "reason": refused.reason})
                return {"type": "websocket.disconnect", "code": 1008}
            return message

        async def guarded_send(message: Message) -> None:
            if not closed:
                await send(message)

        await self.app(scope, checked_receive, guarded_send)

    def _refusal(self, person: Person, action: Action) -> str | None:
        if not may(person.roles, action):
            return refusal(f"{person.display_name} ({person.username})", action)
        if action is Action.RESUME and not person.is_service and person.team_id is None:
            return (
                f"{person.username} is not on the team (config/cme.toml), so cannot answer a "
                "decision form"
            )
        return None

    async def _record(
        self,
        person: Person,
        action: Action,
        scope: Scope,
        status: int,
        allowed: bool,
        flow_run_id: UUID | None,
        detail: dict[str, str],
    ) -> None:
        await anyio.to_thread.run_sync(
            lambda: self.recorder.record(
                person=person,
                action=action.value,
                method=scope["method"],
                path=scope["path"],
                status_code=status,
                allowed=allowed,
                flow_run_id=flow_run_id,
                detail=detail,
            )
        )

    async def _forward_capturing(
        self, scope: Scope, receive: Receive, send: Send
    ) -> tuple[int, bytes]:
        """Forward the call, passing the response on as it comes; return its status and body."""
        scope = _with_headers(scope, drop={b"accept-encoding"})
        status = 500
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, capture)
        return status, b"".join(chunks)

    async def _resume_signed(
        self, person: Person, scope: Scope, body: bytes, receive: Receive, send: Send
    ) -> int:
        """Resume with the signed-in person written into the form's input; returns the status.

        A form saved by a release before sign-in asks for the officer itself and refuses any other
        key: Prefect rejects `signed_in_as` there, so such a case, waiting since before the
        upgrade, is resumed again with the officer alone (still the signed-in person). Asking
        first would cost every resume two more reads; only those old forms pay the second try.
        """
        # A service account's resume (a test driver, a script) passes on what it sent.
        with_username = not person.is_service
        for attempt in range(RESUME_ATTEMPTS):
            sent = body if person.is_service else _signed_input(body, person, with_username)
            messages, status, response = await self._forward_buffered(scope, sent, receive)
            if with_username and _rejected_for(response, "signed_in_as"):
                with_username = False
                continue
            if status not in (500, 503) or attempt == RESUME_ATTEMPTS - 1:
                break
            # Prefect's SQLite was locked: the resume's transaction was rolled back, so it is
            # made again rather than the officer's answer being lost to an error page.
            logger.warning("resume of %s answered %s; trying again", scope["path"], status)
            await anyio.sleep(0.2 * (attempt + 1))
        for message in messages:
            await send(message)
        return status

    async def _forward_while_busy(
        self, scope: Scope, receive: Receive, send: Send
    ) -> tuple[int, bytes]:
        """Forward a person's call, made again while Prefect answers 503; return the status and
        body of the answer passed on.

        Prefect answers 503 only when its database refused the work (SQLite "database is
        locked", a lost connection) and the transaction was rolled back, so the same call is
        safe to make again: Prefect's own client does so for programs, and the UI, which does
        not, would otherwise show the officer an error and lose their click.
        """
        body = await _read_body(receive)
        for attempt in range(BUSY_ATTEMPTS):
            messages, status, response = await self._forward_buffered(scope, body, receive)
            if status != 503 or attempt == BUSY_ATTEMPTS - 1:
                break
            logger.warning(
                "%s %s answered 503 (Prefect's database busy); trying again",
                scope["method"],
                scope["path"],
            )
            await anyio.sleep(BUSY_PAUSE_SECONDS * 2**attempt)
        for message in messages:
            await send(message)
        return status, response

    async def _forward_buffered(
        self, scope: Scope, body: bytes, receive: Receive
    ) -> tuple[list[Message], int, bytes]:
        """Forward a call with this body; keep its answer instead of passing it on."""
        scope = _with_headers(
            scope,
            drop={b"accept-encoding"},
            set_={b"content-length": str(len(body)).encode()},
        )
        messages: list[Message] = []

        async def keep(message: Message) -> None:
            messages.append(message)

        try:
            await self.app(scope, _replay(body, receive), keep)
        except Exception:
            # Starlette answers 500 and then raises again: the answer kept is what counts.
            logger.exception("Prefect failed on %s %s", scope["method"], scope["path"])
            if not any(m["type"] == "http.response.start" for m in messages):
                start, content = _json_body(500, {"detail": "Internal Server Error"})
                messages = [*start, {"type": "http.response.body", "body": content}]
        status = next(
            (int(m["status"]) for m in messages if m["type"] == "http.response.start"), 500
        )
        response = b"".join(
            m.get("body", b"") for m in messages if m["type"] == "http.response.body"
        )
        return messages, status, response

    async def _forward_in_words(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass on a read whose answer holds a form, with each labelled choice in words."""
        scope = _with_headers(scope, drop={b"accept-encoding"})
        start: Message = {}
        chunks: list[bytes] = []

        async def keep(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = dict(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, keep)
        body = b"".join(chunks)
        if start.get("status") == 200 and LABELS_KEY.encode() in body:
            body = _schemas_in_words(body)
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _read_inside(self, path: str) -> Any:
        """A read of Prefect's own API, past the gateway (None unless it answers 200 JSON)."""
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            answer = await client.get(f"{API_PREFIX}{path}")
        if answer.status_code != 200:
            return None
        try:
            return answer.json()
        except ValueError:
            return None

    async def _resume_in_codes(self, api_path: str, body: bytes) -> bytes:
        """The resume's input with the words of each choice turned back into its code, read
        against the form the run is waiting on."""
        payload = _json_object(body)
        run = flow_run_of(api_path)
        if payload is None or run is None or not isinstance(payload.get("run_input"), dict):
            return body
        flow_run = await self._read_inside(f"/flow_runs/{run}")
        details = ((flow_run or {}).get("state") or {}).get("state_details") or {}
        schema_key = (details.get("run_input_keyset") or {}).get("schema")
        if not schema_key:
            return body
        schema = await self._read_inside(f"/flow_runs/{run}/input/{schema_key}")
        if not isinstance(schema, dict):
            return body
        payload["run_input"] = in_codes(payload["run_input"], schema)
        return json.dumps(payload).encode()

    async def _parameters_in_codes(self, deployment_id: str, body: bytes) -> bytes:
        """A new run's parameters with each choice's words turned back into its code."""
        payload = _json_object(body)
        if payload is None or not isinstance(payload.get("parameters"), dict):
            return body
        deployment = await self._read_inside(f"/deployments/{deployment_id}")
        schema = (deployment or {}).get("parameter_openapi_schema")
        if not isinstance(schema, dict):
            return body
        payload["parameters"] = in_codes(payload["parameters"], schema)
        return json.dumps(payload).encode()

    async def _deployment_name(self, deployment_id: str) -> str | None:
        if deployment_id in self._deployment_names:
            return self._deployment_names[deployment_id]
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            answer = await client.get(f"{API_PREFIX}/deployments/{deployment_id}")
        if answer.status_code != 200:
            return None
        name = str(answer.json().get("name", ""))
        self._deployment_names[deployment_id] = name
        return name

    async def _ui_settings(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer the UI's settings with auth BASIC, so it asks each person to sign in."""
        scope = _with_headers(scope, drop={b"accept-encoding"})
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = dict(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        body = b"".join(chunks)
        if start.get("status") == 200:
            settings = json.loads(body)
            settings["auth"] = "BASIC"
            body = json.dumps(settings).encode()
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _shows_a_form(method: str, api_path: str) -> bool:
    if method == "GET" and _FORM_INPUT.match(api_path):
        return True
    return method in ("GET", "POST") and _DEPLOYMENT_READS.match(api_path) is not None


def _schemas_in_words(body: bytes) -> bytes:
    """A form's schema (a run input's value), or deployments with their parameter schemas."""
    try:
        answer = json.loads(body)
    except ValueError:
        return body
    return json.dumps(in_words(answer)).encode()


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def _with_length(scope: Scope, body: bytes) -> Scope:
    return _with_headers(scope, drop=set(), set_={b"content-length": str(len(body)).encode()})


def _offers_prefect(headers: dict[str, str]) -> bool:
    offered = headers.get("sec-websocket-protocol", "")
    return "prefect" in {part.strip() for part in offered.split(",")}


def _auth_token(message: Message) -> str | None:
    text = message.get("text")
    if text is None and message.get("bytes") is not None:
        text = bytes(message["bytes"]).decode("utf-8", "replace")
    try:
        payload = json.loads(text or "")
    except ValueError:
        return None
    if not isinstance(payload, dict) or payload.get("type") != "auth":
        return None
    token = payload.get("token")
    return token if isinstance(token, str) and token else None


def _state_type(body: bytes) -> str | None:
    try:
        state = json.loads(body or b"{}").get("state") or {}
        return str(state.get("type")) if state.get("type") else None
    except (ValueError, AttributeError):
        return None


def _rejected_for(response: bytes, field: str) -> bool:
    """True if Prefect rejected a resume because its input had ``field``."""
    try:
        answer = json.loads(response)
    except ValueError:
        return False
    if not isinstance(answer, dict) or answer.get("status") != "REJECT":
        return False
    reason = str((answer.get("details") or {}).get("reason", ""))
    return field in reason


def _case_reference_parameter(body: bytes) -> str | None:
    try:
        parameters = json.loads(body or b"{}").get("parameters") or {}
        reference = parameters.get("case_reference")
    except (ValueError, AttributeError):
        return None
    return str(reference) if isinstance(reference, str) else None


def _signed_input(body: bytes, person: Person, with_username: bool = True) -> bytes:
    """The resume body with the signed-in person as the form's officer (whatever was sent).

    ``with_username`` False for a form saved before sign-in, whose schema admits no other key.
    """
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        return body
    if not isinstance(payload, dict):
        return body
    run_input = payload.get("run_input")
    if not isinstance(run_input, dict):
        run_input = {}
    run_input["officer"] = person.team_id
    if with_username:
        run_input["signed_in_as"] = person.username
    else:
        run_input.pop("signed_in_as", None)
    payload["run_input"] = run_input
    return json.dumps(payload).encode()


def _created_id(response: bytes) -> UUID | None:
    try:
        return UUID(str(json.loads(response).get("id")))
    except (ValueError, AttributeError, TypeError):
        return None
