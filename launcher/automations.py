"""The Prefect automations the product declares, applied by `make run` and `make deploy`.

A case run that ends Failed or Crashed is a bug or an outage, never a decision: the team lead is
told at once. Prefect OSS has no email action, so the automation runs the `notify-run-failed`
deployment, which emails through the product's own mailer. The escalation sweep stays the clock;
this only backs it up.

A case run whose worker or machine is lost stays Running with nobody running it: its heartbeats
stop, and `cme-case-run-stalled` marks it Crashed; `cme-case-run-crashed` then runs the
`recover-crashed-run` deployment, which schedules it again (it repeats nothing it recorded).
Applying is idempotent: found by name, then updated, else created.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.objects import StateType
from prefect.events.actions import ChangeFlowRunState, RunDeployment
from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture
from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

from adapters.settings import Settings, load_settings

RUN_FAILED_AUTOMATION = "cme-case-run-failed"
RUN_STALLED_AUTOMATION = "cme-case-run-stalled"
RUN_CRASHED_AUTOMATION = "cme-case-run-crashed"
CASE_FLOW = "cme-case"
# The runs a person waits on besides a case's: the team's consent decision (s434A) and the answer
# to a support request on the register (s436G). A failure is the team lead's to hear of too.
ALERTED_FLOWS = [CASE_FLOW, "withdrawal-consent", "register-support-request"]
ALERT_DEPLOYMENT = "notify-run-failed/notify-run-failed"
RECOVERY_DEPLOYMENT = "recover-crashed-run/recover-crashed-run"

# Every event that ends a running pass of a case run: after one, no heartbeat is owed. A refused
# referral ends its run Completed under the name "Referral refused" (tasks/opening.py), whose
# event is named after it.
_PASS_ENDED = {
    f"prefect.flow-run.{name}"
    for name in (
        "Completed", "Referral refused", "Failed", "Crashed", "Cancelled", "Cancelling", "Paused",
        "Suspended",
    )
}  # fmt: skip


def _jinja(template: str) -> dict[str, str]:
    return {"__prefect_kind": "jinja", "template": template}


def run_failed_automation(alert_deployment_id: UUID) -> AutomationCore:
    """The automation: any cme-case flow run (or a consent decision's, or a register support
    request's) entering Failed or Crashed runs the alert."""
    return AutomationCore(
        name=RUN_FAILED_AUTOMATION,
        description="A cme-case, withdrawal-consent or register-support-request run ended "
        "Failed or Crashed: email the team lead.",
        enabled=True,
        trigger=EventTrigger(
            match={"prefect.resource.id": "prefect.flow-run.*"},
            match_related={
                "prefect.resource.role": "flow",
                "prefect.resource.name": ALERTED_FLOWS,
            },
            expect={"prefect.flow-run.Failed", "prefect.flow-run.Crashed"},
            for_each={"prefect.resource.id"},
            posture=Posture.Reactive,
            threshold=1,
        ),
        actions=[
            RunDeployment(
                source="selected",
                deployment_id=alert_deployment_id,
                parameters={
                    "flow_run_id": _jinja("{{ flow_run.id }}"),
                    "run_name": _jinja("{{ flow_run.name }}"),
                    "state": _jinja("{{ flow_run.state.name }}"),
                },
            )
        ],
    )


def run_stalled_automation(stalled_after: timedelta) -> AutomationCore:
    """A running cme-case run silent for `stalled_after` (no heartbeat, no end): Crashed."""
    return AutomationCore(
        name=RUN_STALLED_AUTOMATION,
        description="A running cme-case run stopped sending heartbeats: mark it Crashed.",
        enabled=True,
        trigger=EventTrigger(
            match={"prefect.resource.id": "prefect.flow-run.*"},
            match_related={"prefect.resource.role": "flow", "prefect.resource.name": CASE_FLOW},
            after={"prefect.flow-run.heartbeat"},
            expect={"prefect.flow-run.heartbeat", *_PASS_ENDED},
            for_each={"prefect.resource.id"},
            posture=Posture.Proactive,
            threshold=1,
            within=stalled_after,
        ),
        actions=[
            ChangeFlowRunState(
                state=StateType.CRASHED,
                message=f"No heartbeat for {stalled_after}: the process running it was lost.",
            )
        ],
    )


def run_crashed_automation(recovery_deployment_id: UUID) -> AutomationCore:
    """Any cme-case run entering Crashed runs the recovery deployment for it."""
    return AutomationCore(
        name=RUN_CRASHED_AUTOMATION,
        description="A cme-case run crashed: start it again from its records (bounded).",
        enabled=True,
        trigger=EventTrigger(
            match={"prefect.resource.id": "prefect.flow-run.*"},
            match_related={"prefect.resource.role": "flow", "prefect.resource.name": CASE_FLOW},
            expect={"prefect.flow-run.Crashed"},
            for_each={"prefect.resource.id"},
            posture=Posture.Reactive,
            threshold=1,
        ),
        actions=[
            RunDeployment(
                source="selected",
                deployment_id=recovery_deployment_id,
                parameters={"flow_run_id": _jinja("{{ flow_run.id }}")},
            )
        ],
    )


def _apply(client: SyncPrefectClient, automation: AutomationCore) -> UUID:
    """Create or update one automation by name; extra copies left by an interrupted start go."""
    existing = sorted(client.read_automations_by_name(automation.name), key=lambda a: str(a.id))
    if not existing:
        return client.create_automation(automation)
    keep, *extra = existing
    client.update_automation(keep.id, automation)
    for duplicate in extra:
        client.delete_automation(duplicate.id)
    return keep.id


def apply_automations(api_url: str, settings: Settings | None = None) -> UUID:
    """Create or update the product's automations on the Prefect server.

    Needs the `notify-run-failed` and `recover-crashed-run` deployments to be registered.
    Returns the id of the run-failed automation.
    """
    settings = settings or load_settings()
    updates: dict[Any, Any] = {PREFECT_API_URL: api_url}
    if settings.prefect_auth_string is not None:
        updates[PREFECT_API_AUTH_STRING] = settings.prefect_auth_string.get_secret_value()
    with temporary_settings(updates=updates), get_client(sync_client=True) as client:
        alert = client.read_deployment_by_name(ALERT_DEPLOYMENT)
        recovery = client.read_deployment_by_name(RECOVERY_DEPLOYMENT)
        failed_id = _apply(client, run_failed_automation(alert.id))
        _apply(
            client, run_stalled_automation(timedelta(seconds=settings.run_stalled_after_seconds))
        )
        _apply(client, run_crashed_automation(recovery.id))
        return failed_id
