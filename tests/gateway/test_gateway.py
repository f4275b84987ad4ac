"""The sign-in gateway in front of Prefect's real application: who may do what, what is recorded,
and what the UI and the single sign-on proxy see."""

from __future__ import annotations

import json
from base64 import b64encode
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy import Engine, create_engine

from gateway.app import Gateway, Message
from gateway.record import Recorder
from gateway.sign_in import FAILURE_WINDOW_SECONDS, MAX_FAILURES, SignIn
from models.access import AccessRecord
from store import access_log, people
from store.database import session_scope
from tests.gateway.conftest import (
    AT,
    FORM_SCHEMA_BEFORE_SIGN_IN,
    KEYSET,
    PASSWORD,
    PROXY,
    Api,
    PrefectApp,
)

FILTER = "/api/flow_runs/filter"


def _log(engine: Engine, run_id: str) -> list[AccessRecord]:
    with session_scope(engine) as session:
        return access_log.for_flow_run(session=session, flow_run_id=UUID(run_id))


def _resume(api: Api, user: str, run_id: str, run_input: dict[str, Any]) -> httpx.Response:
    return api.call(
        "POST", f"/api/flow_runs/{run_id}/resume", user=user, json_body={"run_input": run_input}
    )


def test_no_credentials_is_401_and_the_probes_stay_open(api: Api) -> None:
    assert api.call("POST", FILTER, json_body={}).status_code == 401
    assert api.call("GET", "/api/health").status_code == 200
    assert api.call("POST", FILTER, user="alice", json_body={"limit": 1}).status_code == 200


def test_while_the_case_database_is_away_a_call_is_answered_503_in_plain_words(
    api: Api, tmp_path: Path
) -> None:
    away = create_engine(f"sqlite:///{tmp_path / 'no-such-folder' / 'cases.db'}")
    gateway = Gateway(
        app=api.prefect.app,
        sign_in=SignIn(engine=away),
        recorder=Recorder(engine=away, clock=lambda: AT),
    )
    answer = api.prefect.call(
        gateway,
        "POST",
        FILTER,
        json_body={"limit": 1},
        headers={"authorization": f"Basic {b64encode(f'alice:{PASSWORD}'.encode()).decode()}"},
        client=("127.0.0.1", 50000),
    )
    assert answer.status_code == 503
    assert answer.json() == {"detail": "The case system is restarting; try again in a minute."}
    assert int(answer.headers["retry-after"]) > 0
    assert api.call("GET", "/api/health").status_code == 200


def test_a_resume_records_the_signed_in_person_whatever_the_form_said(
    api: Api, prefect: PrefectApp, engine: Engine
) -> None:
    run_id = prefect.suspended_run()

    answer = _resume(
        api, "alice", run_id, {"officer": "cme-team-lead", "signed_in_as": "lena", "outcome": "x"}
    )

    assert answer.status_code == 201, answer.text
    assert answer.json()["status"] == "ACCEPT"
    stored = prefect.call(prefect.app, "GET", f"/api/flow_runs/{run_id}/input/{KEYSET['response']}")
    assert json.loads(stored.text) == {
        "officer": "cme-officer-alice",
        "signed_in_as": "alice",
        "outcome": "x",
    }
    [entry] = _log(engine, run_id)
    assert (entry.username, entry.action, entry.allowed, entry.status_code) == (
        "alice",
        "resume",
        True,
        201,
    )
    assert entry.channel == "prefect"
    assert entry.occurred_at == AT


def test_a_form_saved_before_sign_in_gets_the_signed_in_officer_and_nothing_it_would_refuse(
    api: Api, prefect: PrefectApp
) -> None:
    run_id = prefect.suspended_run(FORM_SCHEMA_BEFORE_SIGN_IN)

    answer = _resume(api, "alice", run_id, {"officer": "cme-team-lead", "outcome": "x"})

    assert answer.status_code == 201, answer.text
    assert answer.json()["status"] == "ACCEPT", answer.text
    stored = prefect.call(prefect.app, "GET", f"/api/flow_runs/{run_id}/input/{KEYSET['response']}")
    assert json.loads(stored.text) == {"officer": "cme-officer-alice", "outcome": "x"}


def test_a_resume_by_an_officer_not_on_the_team_is_refused_and_recorded(
    api: Api, prefect: PrefectApp, engine: Engine
) -> None:
    run_id = prefect.suspended_run()

    answer = _resume(api, "nemo", run_id, {"officer": "cme-officer-alice", "outcome": "x"})

    assert answer.status_code == 403
    assert "not on the team" in answer.json()["detail"]
    assert prefect.run_state(run_id) == "PAUSED"
    [entry] = _log(engine, run_id)
    assert (entry.username, entry.action, entry.allowed, entry.status_code) == (
        "nemo",
        "resume",
        False,
        403,
    )


def test_a_head_of_service_may_read_but_not_resume(
    api: Api, prefect: PrefectApp, engine: Engine
) -> None:
    run_id = prefect.suspended_run()
    assert api.call("POST", FILTER, user="hugo", json_body={"limit": 5}).status_code == 200

    answer = _resume(api, "hugo", run_id, {"officer": "cme-officer-alice", "outcome": "x"})

    assert answer.status_code == 403
    assert "not in their role" in answer.json()["detail"]
    assert [(e.username, e.allowed) for e in _log(engine, run_id)] == [("hugo", False)]


def test_opening_a_case_is_recorded_with_the_created_run(
    api: Api, prefect: PrefectApp, engine: Engine
) -> None:
    deployment_id = prefect.deployment("cme-case")
    path = f"/api/deployments/{deployment_id}/create_flow_run"

    refused = api.call("POST", path, user="hugo", json_body={})
    answer = api.call("POST", path, user="alice", json_body={})

    assert refused.status_code == 403
    assert answer.status_code == 201, answer.text
    run_id = answer.json()["id"]
    [entry] = _log(engine, run_id)
    assert (entry.username, entry.action, entry.allowed) == ("alice", "open_case", True)
    assert entry.detail == {"deployment": "cme-case"}
    with session_scope(engine) as session:
        [hugo] = [e for e in access_log.recent(session=session) if e.username == "hugo"]
    assert (hugo.action, hugo.allowed, hugo.flow_run_id) == ("open_case", False, None)


def test_a_report_deployment_is_not_an_officers_to_run(api: Api, prefect: PrefectApp) -> None:
    path = f"/api/deployments/{prefect.deployment('caseload-report')}/create_flow_run"
    assert api.call("POST", path, user="alice", json_body={}).status_code == 403
    assert api.call("POST", path, user="lena", json_body={}).status_code == 201


def test_cancel_is_refused_to_a_team_lead_and_allowed_to_an_administrator(
    api: Api, prefect: PrefectApp, engine: Engine
) -> None:
    run_id = prefect.suspended_run()
    cancel = {"state": {"type": "CANCELLING", "name": "Cancelling"}}
    path = f"/api/flow_runs/{run_id}/set_state"

    refused = api.call("POST", path, user="lena", json_body=cancel)
    assert refused.status_code == 403
    assert prefect.run_state(run_id) == "PAUSED"

    allowed = api.call("POST", path, user="ada", json_body=cancel)
    assert allowed.status_code == 201, allowed.text
    assert prefect.run_state(run_id) in {"CANCELLING", "CANCELLED"}
    assert [(e.username, e.action, e.allowed, e.status_code) for e in _log(engine, run_id)] == [
        ("lena", "cancel", False, 403),
        ("ada", "cancel", True, 201),
    ]


def test_set_state_is_named_from_the_state_asked_for(
    api: Api, prefect: PrefectApp, engine: Engine
) -> None:
    run_id = prefect.suspended_run()
    retry = {"state": {"type": "SCHEDULED", "name": "AwaitingRetry"}, "force": True}
    path = f"/api/flow_runs/{run_id}/set_state"

    assert api.call("POST", path, user="alice", json_body=retry).status_code == 403
    assert api.call("POST", path, user="lena", json_body=retry).status_code == 201

    assert [(e.username, e.action, e.allowed) for e in _log(engine, run_id)] == [
        ("alice", "set_state", False),
        ("lena", "set_state", True),
    ]


def test_ui_settings_say_basic_even_when_gzip_is_asked_for(api: Api, prefect: PrefectApp) -> None:
    asked = {"accept-encoding": "gzip"}
    plain = prefect.call(prefect.app, "GET", "/ui-settings", headers=asked)
    assert plain.status_code == 200
    assert plain.headers["content-encoding"] == "gzip"  # what the rewrite must not receive
    assert json.loads(plain.content)["auth"] != "BASIC"

    answer = api.call("GET", "/ui-settings", headers=asked)

    assert answer.status_code == 200
    assert "content-encoding" not in answer.headers
    assert int(answer.headers["content-length"]) == len(answer.content)
    settings = json.loads(answer.content)
    assert settings["auth"] == "BASIC"
    assert settings["api_url"] == json.loads(plain.content)["api_url"]


def test_the_identity_header_counts_only_from_the_trusted_proxy(api: Api, engine: Engine) -> None:
    header = {"x-remote-user": "Alice"}

    from_proxy = api.call("POST", FILTER, json_body={"limit": 1}, headers=header, client=PROXY)
    from_elsewhere = api.call("POST", FILTER, json_body={"limit": 1}, headers=header)

    assert from_proxy.status_code == 200
    assert from_elsewhere.status_code == 401
    with session_scope(engine) as session:
        people.set_disabled(session=session, username="alice", disabled=True, now=AT)
    disabled = api.call("POST", FILTER, json_body={"limit": 1}, headers=header, client=PROXY)
    assert disabled.status_code == 401


def test_a_disabled_person_is_refused_at_the_next_call(api: Api, engine: Engine) -> None:
    assert api.call("POST", FILTER, user="alice", json_body={"limit": 1}).status_code == 200
    with session_scope(engine) as session:
        people.set_disabled(session=session, username="alice", disabled=True, now=AT)
    assert api.call("POST", FILTER, user="alice", json_body={"limit": 1}).status_code == 401


def test_a_reset_password_refuses_the_old_one_at_the_next_call(api: Api, engine: Engine) -> None:
    assert api.call("POST", FILTER, user="alice", json_body={"limit": 1}).status_code == 200
    with session_scope(engine) as session:
        people.set_password(session=session, username="alice", password="a new password!", now=AT)
    assert api.call("POST", FILTER, user="alice", json_body={"limit": 1}).status_code == 401


def test_failed_sign_ins_are_rate_limited_with_retry_after(api: Api) -> None:
    for _ in range(MAX_FAILURES):
        wrong = api.call("POST", FILTER, user="alice", password="not the password", json_body={})
        assert wrong.status_code == 401

    limited = api.call("POST", FILTER, user="alice", json_body={})
    other_name = api.call("POST", FILTER, user="lena", json_body={})
    other_client = api.call("POST", FILTER, user="lena", json_body={}, client="127.0.0.2")

    assert limited.status_code == 429
    assert 0 < int(limited.headers["retry-after"]) <= FAILURE_WINDOW_SECONDS + 1
    assert "password" not in limited.text.lower().replace("sign-ins", "")
    # Behind the council's proxy the whole team shares one address: one person's mistyped
    # password locks out their username, not everyone else on that address.
    assert other_name.status_code == 200
    assert other_client.status_code == 200
    api.limiter_clock.now += FAILURE_WINDOW_SECONDS
    assert api.call("POST", FILTER, user="alice", json_body={"limit": 1}).status_code == 200


def _websocket(
    api: Api, headers: list[tuple[bytes, bytes]], path: str = "/api/events/out"
) -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "websocket",
        "path": path,
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "query_string": b"",
        "subprotocols": [],
    }
    api.prefect.portal.call(api.gateway, scope, receive, send)
    return sent


def test_a_websocket_without_credentials_is_closed_before_prefect_sees_it(api: Api) -> None:
    sent = _websocket(api, [])
    assert [(m["type"], m.get("code")) for m in sent] == [("websocket.close", 1008)]
    wrong = httpx.BasicAuth("alice", "wrong").auth_flow(httpx.Request("GET", "http://x"))
    header = next(wrong).headers["authorization"].encode()
    sent = _websocket(api, [(b"authorization", header)])
    assert [(m["type"], m.get("code")) for m in sent] == [("websocket.close", 1008)]


def test_a_person_may_not_write_events_through_the_websocket(api: Api) -> None:
    hugo = httpx.BasicAuth("hugo", PASSWORD).auth_flow(httpx.Request("GET", "http://x"))
    header = [(b"authorization", next(hugo).headers["authorization"].encode())]
    sent = _websocket(api, header, path="/api/events/in")
    assert [(m["type"], m.get("code")) for m in sent] == [("websocket.close", 1008)]
    assert "not in their role" in sent[0]["reason"]


def test_a_locked_out_username_is_told_401_on_the_login_pages_check(api: Api) -> None:
    # The V1 UI's Login page reads any answer but 401 to its check as "signed in", and a 429
    # would leave the person a blank page: that one call is answered 401, still with Retry-After.
    for _ in range(MAX_FAILURES):
        api.call("POST", FILTER, user="alice", password="not the password", json_body={})

    check = api.call("GET", "/api/admin/version", user="alice")
    elsewhere = api.call("POST", FILTER, user="alice", json_body={})

    assert (check.status_code, elsewhere.status_code) == (401, 429)
    assert check.json()["detail"] == elsewhere.json()["detail"]
    assert int(check.headers["retry-after"]) > 0
