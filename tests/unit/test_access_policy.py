"""Which Prefect API calls each role may make."""

from __future__ import annotations

import pytest

from launcher.serve import load_declarations
from models.access import Role
from models.access_policy import (
    REGISTER_DEPLOYMENTS,
    Action,
    classify,
    classify_websocket,
    may,
    refusal,
)

RUN = "0b3c1f0e-6a1d-4a57-9d1e-2f7c0d9a1b22"


@pytest.mark.parametrize(
    ("method", "path", "extra", "action"),
    [
        ("GET", f"/flow_runs/{RUN}", {}, Action.READ),
        ("POST", "/flow_runs/filter", {}, Action.READ),
        ("POST", "/ui/flow_runs/history", {}, Action.READ),
        ("POST", f"/flow_runs/{RUN}/input/filter", {}, Action.READ),
        ("POST", f"/deployments/{RUN}/create_flow_run", {"deployment_name": "cme-case"},
         Action.OPEN_CASE),
        ("POST", f"/deployments/{RUN}/create_flow_run", {"deployment_name": "stage-clock"},
         Action.PAUSE_CLOCK),
        ("POST", f"/deployments/{RUN}/create_flow_run", {"deployment_name": "caseload-report"},
         Action.RUN_REPORT),
        ("POST", f"/deployments/{RUN}/create_flow_run",
         {"deployment_name": "register-child-not-in-school"}, Action.KEEP_REGISTER),
        ("POST", f"/flow_runs/{RUN}/resume", {}, Action.RESUME),
        ("POST", f"/flow_runs/{RUN}/set_state", {"state_type": "CANCELLING"}, Action.CANCEL),
        ("POST", f"/flow_runs/{RUN}/set_state", {"state_type": "SCHEDULED"}, Action.SET_STATE),
        ("DELETE", f"/flow_runs/{RUN}", {}, Action.DELETE),
        ("PATCH", f"/deployments/{RUN}", {}, Action.CHANGE_DEPLOYMENT),
        ("POST", "/automations/", {}, Action.CHANGE_AUTOMATION),
        ("DELETE", f"/automations/{RUN}", {}, Action.CHANGE_AUTOMATION),
        # Serving or deploying a deployment first removes the triggers it owns itself.
        ("DELETE", f"/automations/owned-by/prefect.deployment.{RUN}", {},
         Action.CHANGE_DEPLOYMENT),
        ("POST", "/work_pools/cme-process/get_scheduled_flow_runs", {}, Action.CHANGE_SETUP),
        ("POST", "/task_runs/", {}, Action.ENGINE),
        ("POST", "/logs/", {}, Action.ENGINE),
    ],
)  # fmt: skip
def test_each_call_is_named_by_what_it_does(
    method: str, path: str, extra: dict[str, str], action: Action
) -> None:
    assert classify(method, path, **extra) is action


@pytest.mark.parametrize(
    ("role", "allowed", "refused"),
    [
        (Role.OFFICER, {Action.OPEN_CASE, Action.RESUME, Action.READ, Action.KEEP_REGISTER},
         {Action.CANCEL, Action.DELETE, Action.PAUSE_CLOCK, Action.RUN_REPORT, Action.ENGINE}),
        (Role.TEAM_LEAD, {Action.RESUME, Action.PAUSE_CLOCK, Action.RUN_REPORT, Action.SET_STATE},
         {Action.CANCEL, Action.DELETE, Action.CHANGE_DEPLOYMENT, Action.CHANGE_AUTOMATION}),
        (Role.HEAD_OF_SERVICE, {Action.READ},
         {Action.OPEN_CASE, Action.RESUME, Action.CANCEL, Action.DELETE, Action.KEEP_REGISTER}),
        (Role.ADMIN, {Action.CANCEL, Action.DELETE, Action.CHANGE_DEPLOYMENT,
                      Action.CHANGE_AUTOMATION}, {Action.RESUME}),
        (Role.DRAINER, {Action.OPEN_CASE, Action.READ},
         {Action.RESUME, Action.RUN_REPORT, Action.DELETE, Action.ENGINE}),
        (Role.RUNNER, {Action.ENGINE, Action.SET_STATE, Action.CHANGE_DEPLOYMENT},
         {Action.DELETE, Action.CHANGE_AUTOMATION}),
    ],
)  # fmt: skip
def test_each_role_may_do_what_its_work_needs_and_nothing_more(
    role: Role, allowed: set[Action], refused: set[Action]
) -> None:
    roles = frozenset({role})
    assert {action for action in allowed if may(roles, action)} == allowed
    assert {action for action in refused if may(roles, action)} == set()


def test_only_outgoing_streams_are_read_websockets() -> None:
    assert classify_websocket("/events/out") is Action.READ
    assert classify_websocket("/logs/out") is Action.READ
    assert classify_websocket("/events/in") is Action.ENGINE
    assert classify_websocket("/work_pools/cme-process/workers/connect") is Action.ENGINE
    assert classify_websocket("/task_runs/subscriptions/scheduled") is Action.ENGINE


def test_a_refusal_says_what_was_tried_and_which_roles_may() -> None:
    assert refusal("Head of Service (hos)", Action.RESUME) == (
        "Head of Service (hos) may not answer a decision form: not in their role "
        "(it needs the role officer or team lead)"
    )
    assert refusal("Alice (alice)", Action.DELETE).endswith("(it needs the role admin)")
    # Every action has words for it, so no refusal shows a code.
    assert all(refusal("X", action) for action in Action)


def test_every_register_deployment_declared_is_one_the_officers_may_start() -> None:
    register = {d["name"] for d in load_declarations() if "cnis-register" in d.get("tags", [])}
    assert register == REGISTER_DEPLOYMENTS
