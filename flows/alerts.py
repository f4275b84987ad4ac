"""Alerts from Prefect automations: a case run that ended Failed or Crashed is a bug or an outage,
never a decision, so the team lead hears of it at once (docs/design.md#failures)."""

from __future__ import annotations

from uuid import UUID

from prefect import flow

from tasks.sweep import notify_run_failed as send_run_failed


@flow(name="notify-run-failed", description="Email the team lead that a case run failed.")
def notify_run_failed(flow_run_id: UUID, run_name: str, state: str) -> bool:
    """Run by the `cme-case-run-failed` automation; sends one email per run and end state."""
    return send_run_failed(flow_run_id, run_name, state)
