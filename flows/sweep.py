"""The escalation sweep: the product's own clock, run hourly by the `escalation-sweep` deployment.

Nothing overdue goes unnoticed: the officer is reminded before a stage falls due, the officer and
team lead are told on the day, the team lead (and head of service) after further working days, and
again every week while it stays overdue (docs/domain.md#periods, #local-targets).
"""

from __future__ import annotations

from datetime import datetime

from prefect import flow

from tasks.inbox import publish_open_cases
from tasks.sweep import publish_sweep_report, read_clock, sweep_due_stages


@flow(name="escalation-sweep", description="Email reminders and escalations of due stages.")
def escalation_sweep(now: datetime | None = None) -> dict[str, int]:
    """Sweep the stages due as at ``now`` (default: the current time); returns what it did.

    Pin ``now`` to re-run or backfill a sweep: notices already sent are never sent again.
    """
    at = now if now is not None else read_clock()
    report = sweep_due_stages(at)
    publish_sweep_report(report, at)
    # Old cases stay findable: the runs list only shows the past 7 days by default.
    publish_open_cases()
    return report.counts()
