"""The Prefect automations the product declares, applied on start by `make run`.

A case run that ends Failed or Crashed is a bug or an outage, never a decision: the team lead is
told at once. Prefect OSS has no email action, so the automation runs the `notify-run-failed`
deployment, which emails through the product's own mailer. The escalation sweep stays the clock;
this only backs it up. Applying is idempotent: found by name, then updated, else created.
"""

from __future__ import annotations

from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.events.actions import RunDeployment
from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture
from prefect.settings import PREFECT_API_URL, temporary_settings

RUN_FAILED_AUTOMATION = "cme-case-run-failed"
CASE_FLOW = "cme-case"
ALERT_DEPLOYMENT = "notify-run-failed/notify-run-failed"


def _jinja(template: str) -> dict[str, str]:
    return {"__prefect_kind": "jinja", "template": template}


def run_failed_automation(alert_deployment_id: UUID) -> AutomationCore:
    """The automation: any cme-case flow run entering Failed or Crashed runs the alert."""
    return AutomationCore(
        name=RUN_FAILED_AUTOMATION,
        description="A cme-case run ended Failed or Crashed: email the team lead.",
        enabled=True,
        trigger=EventTrigger(
            match={"prefect.resource.id": "prefect.flow-run.*"},
            match_related={"prefect.resource.role": "flow", "prefect.resource.name": CASE_FLOW},
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


def apply_automations(api_url: str) -> UUID:
    """Create or update the product's automation on the Prefect server; returns its id.

    Needs the `notify-run-failed` deployment to be registered (the serving process does it).
    Extra automations of the same name, left by an interrupted earlier start, are removed.
    """
    with (
        temporary_settings(updates={PREFECT_API_URL: api_url}),
        get_client(sync_client=True) as client,
    ):
        deployment = client.read_deployment_by_name(ALERT_DEPLOYMENT)
        automation = run_failed_automation(deployment.id)
        existing = sorted(
            client.read_automations_by_name(RUN_FAILED_AUTOMATION), key=lambda a: str(a.id)
        )
        if not existing:
            return client.create_automation(automation)
        keep, *extra = existing
        client.update_automation(keep.id, automation)
        for duplicate in extra:
            client.delete_automation(duplicate.id)
        return keep.id
