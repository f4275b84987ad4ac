"""Recovery from a crash: a case run whose process or machine was lost is started again.

A re-run repeats nothing: every stage the case database records as done returns its recorded
outcome, and every notification is claimed under its natural key
(docs/design.md#waiting-and-replay, #send-once).
"""

from __future__ import annotations

from uuid import UUID

from prefect import flow

from tasks.recovery import reschedule_crashed_run


@flow(name="recover-crashed-run", description="Start a crashed case run again from its records.")
def recover_crashed_run(flow_run_id: UUID) -> bool:
    """Run by the `cme-case-run-crashed` automation; True if the run was scheduled again."""
    return reschedule_crashed_run(flow_run_id)
