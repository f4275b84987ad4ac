"""Which Prefect API calls each role may make: the sign-in gateway's rules, as pure functions.

A call is first named as an `Action` from its method and path (and, for a new run, the deployment;
for a state change, the state asked for); then `may` says whether a person's roles allow it. Reads
(GETs and Prefect's POST queries) are open to everyone signed in; every other action is listed
with the roles that may take it, and anything not listed is refused to people (a person never needs
to write task runs, logs or work pools through the UI).
"""

from __future__ import annotations

import re
from enum import StrEnum

from models.access import Role


class Action(StrEnum):
    READ = "read"
    OPEN_CASE = "open_case"  # a run of the cme-case deployment
    RUN_REPORT = "run_report"  # a run of any other deployment (reports, returns, record check)
    PAUSE_CLOCK = "pause_clock"  # a run of the stage-clock deployment
    KEEP_REGISTER = "keep_register"  # a run of a register deployment (2026 Act ss436B-436G)
    RESUME = "resume"
    SET_STATE = "set_state"  # e.g. the UI's Retry of a crashed case
    CANCEL = "cancel"
    DELETE = "delete"
    CHANGE_DEPLOYMENT = "change_deployment"
    CHANGE_AUTOMATION = "change_automation"
    CHANGE_SETUP = "change_setup"  # work pools, blocks, variables, concurrency limits
    SAVE_FILTER = "save_filter"  # the UI's saved searches
    ENGINE = "engine"  # what running flows write: task runs, logs, artifacts, events


# The deployments a person may start, by the action starting one is.
CASE_DEPLOYMENT = "cme-case"
CLOCK_DEPLOYMENT = "stage-clock"
# The register of children not in school (docs/register.md): the officers keep it.
REGISTER_DEPLOYMENTS = frozenset(
    {
        "register-child-not-in-school",
        "record-register-information",
        "request-register-home-visit",
        "register-support-request",
        "request-register-provider-update",
    }
)

ALLOWED: dict[Action, frozenset[Role]] = {
    Action.OPEN_CASE: frozenset(
        {Role.OFFICER, Role.TEAM_LEAD, Role.ADMIN, Role.DRAINER, Role.RUNNER}
    ),
    Action.RUN_REPORT: frozenset({Role.TEAM_LEAD, Role.ADMIN, Role.RUNNER, Role.LAUNCHER}),
    Action.PAUSE_CLOCK: frozenset({Role.TEAM_LEAD, Role.ADMIN, Role.RUNNER}),
    Action.KEEP_REGISTER: frozenset({Role.OFFICER, Role.TEAM_LEAD, Role.ADMIN, Role.RUNNER}),
    Action.RESUME: frozenset({Role.OFFICER, Role.TEAM_LEAD, Role.RUNNER}),
    Action.SET_STATE: frozenset({Role.TEAM_LEAD, Role.ADMIN, Role.RUNNER}),
    Action.CANCEL: frozenset({Role.ADMIN, Role.RUNNER}),
    Action.DELETE: frozenset({Role.ADMIN}),
    Action.CHANGE_DEPLOYMENT: frozenset({Role.ADMIN, Role.RUNNER, Role.LAUNCHER}),
    Action.CHANGE_AUTOMATION: frozenset({Role.ADMIN, Role.LAUNCHER}),
    Action.CHANGE_SETUP: frozenset({Role.ADMIN, Role.RUNNER, Role.LAUNCHER}),
    Action.SAVE_FILTER: frozenset(
        {Role.OFFICER, Role.TEAM_LEAD, Role.HEAD_OF_SERVICE, Role.ADMIN, Role.LAUNCHER}
    ),
    Action.ENGINE: frozenset({Role.RUNNER, Role.ADMIN, Role.LAUNCHER}),
}

# What each action is, in the words of the person refused it.
DOING: dict[Action, str] = {
    Action.READ: "read",
    Action.OPEN_CASE: "open a case",
    Action.RUN_REPORT: "run a report or an import",
    Action.PAUSE_CLOCK: "pause a stage's clock",
    Action.KEEP_REGISTER: "keep the register of children not in school",
    Action.RESUME: "answer a decision form",
    Action.SET_STATE: "change a run's state",
    Action.CANCEL: "cancel a run",
    Action.DELETE: "delete a run",
    Action.CHANGE_DEPLOYMENT: "change a deployment",
    Action.CHANGE_AUTOMATION: "change an automation",
    Action.CHANGE_SETUP: "change Prefect's set-up",
    Action.SAVE_FILTER: "save a search",
    Action.ENGINE: "write what running stages write",
}
_PEOPLES_ROLES = (Role.OFFICER, Role.TEAM_LEAD, Role.HEAD_OF_SERVICE, Role.ADMIN)


def refusal(name: str, action: Action) -> str:
    """Why `name` was refused `action`: what they tried and which people's roles may."""
    roles = ALLOWED.get(action, frozenset(_PEOPLES_ROLES))  # reading is everyone's
    allowed = [role.value.replace("_", " ") for role in _PEOPLES_ROLES if role in roles]
    needs = f"it needs the role {' or '.join(allowed)}" if allowed else "no person may"
    return f"{name} may not {DOING[action]}: not in their role ({needs})"


# Actions written to the access log (reads and the engine's own writes are not: they are many and
# say nothing about who decided what).
RECORDED = frozenset(ALLOWED) - {Action.ENGINE, Action.SAVE_FILTER}

_UUID = r"[0-9a-fA-F-]{36}"
_CREATE_RUN = re.compile(rf"^/deployments/(?P<deployment>{_UUID})/create_flow_run$")
_FLOW_RUN = re.compile(rf"^/flow_runs/(?P<run>{_UUID})(?P<rest>/.*)?$")
# POSTs that only read: Prefect's filters, counts, histories and the UI's summaries.
_QUERY = re.compile(
    r"(/filter|/count|/paginate|/history|/count-by/[a-z_]+|/lateness|/next_runs|/validate)$"
    r"|^/ui/|^/schemas/|^/events/filter|^/flow_runs/[0-9a-fA-F-]{36}/input/filter$"
)
_DEPLOYMENT_TRIGGERS = "/automations/owned-by/prefect.deployment."
_SETUP = ("/work_pools", "/work_queues", "/block_", "/variables", "/concurrency_limits", "/v2/")


def flow_run_of(path: str) -> str | None:
    """The flow run id a call is about, from its API path (without /api), if any."""
    match = _FLOW_RUN.match(path)
    return match.group("run") if match else None


def deployment_of(path: str) -> str | None:
    """The deployment id of a create_flow_run call, if it is one."""
    match = _CREATE_RUN.match(path)
    return match.group("deployment") if match else None


def classify(
    method: str,
    path: str,
    *,
    deployment_name: str | None = None,
    state_type: str | None = None,
) -> Action:
    """Name the call ``method path`` (the API path without its /api prefix).

    Args:
        method: The HTTP method.
        path: The path under the API, e.g. ``/flow_runs/<id>/resume``.
        deployment_name: For a create_flow_run call, the deployment's name.
        state_type: For a set_state call, the state type asked for (e.g. ``CANCELLING``).
    """
    method = method.upper()
    if method in {"GET", "HEAD", "OPTIONS"}:
        return Action.READ
    if method == "DELETE":
        if path.startswith(_DEPLOYMENT_TRIGGERS):
            # Registering a deployment (serve, `prefect deploy`) first removes the triggers the
            # deployment itself owns: part of changing the deployment, not the product's
            # automations.
            return Action.CHANGE_DEPLOYMENT
        if path.startswith("/automations"):
            return Action.CHANGE_AUTOMATION
        return Action.DELETE
    if method == "POST" and _QUERY.search(path):
        return Action.READ
    if deployment_of(path) is not None:
        if deployment_name == CASE_DEPLOYMENT:
            return Action.OPEN_CASE
        if deployment_name == CLOCK_DEPLOYMENT:
            return Action.PAUSE_CLOCK
        if deployment_name in REGISTER_DEPLOYMENTS:
            return Action.KEEP_REGISTER
        return Action.RUN_REPORT
    run_path = _FLOW_RUN.match(path)
    if run_path is not None:
        rest = run_path.group("rest") or ""
        if rest == "/resume":
            return Action.RESUME
        if rest == "/set_state":
            if (state_type or "").upper() in {"CANCELLING", "CANCELLED"}:
                return Action.CANCEL
            return Action.SET_STATE
    if path.startswith("/deployments"):
        return Action.CHANGE_DEPLOYMENT
    if path.startswith("/automations"):
        return Action.CHANGE_AUTOMATION
    if path.startswith("/saved_searches"):
        return Action.SAVE_FILTER
    if path.startswith(_SETUP):
        return Action.CHANGE_SETUP
    return Action.ENGINE


# Websocket routes that only stream out what a person may read anyway; every other websocket
# (events in, task-run subscriptions, workers connecting) is what running flows and workers use.
_READ_WEBSOCKETS = frozenset({"/events/out", "/logs/out"})


def classify_websocket(path: str) -> Action:
    """Name a websocket connection to ``path`` (the API path without its /api prefix)."""
    return Action.READ if path.rstrip("/") in _READ_WEBSOCKETS else Action.ENGINE


def may(roles: frozenset[Role], action: Action) -> bool:
    """True if someone holding ``roles`` may take ``action``."""
    if action is Action.READ:
        return bool(roles)
    return bool(roles & ALLOWED[action])
