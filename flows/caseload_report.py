"""The team lead's weekly caseload report, run by the scheduled `caseload-report` deployment.

Open cases by officer, DSPL area and stage; overdue stages; time in stage; closures by outcome in
the period: published as table artifacts in the Prefect UI and emailed to the team lead as one
digest per period (docs/domain.md#reports).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from prefect import flow
from pydantic import Field

from tasks.caseload import compute_caseload, email_caseload_digest, publish_caseload
from tasks.sweep import read_clock


@flow(name="caseload-report", description="Weekly caseload figures for the team lead.")
def caseload_report(
    now: datetime | None = None,
    period_days: Annotated[int, Field(ge=1, le=366)] = 7,
) -> dict[str, int]:
    """Report the caseload as at ``now`` (default: the current time) for the days before it.

    Pin ``now`` to re-run a week's report: its digest is emailed once per period.
    """
    at = now if now is not None else read_clock()
    figures = compute_caseload(at, period_days)
    published = publish_caseload(figures)
    sent = email_caseload_digest(figures)
    return {
        "open_cases": figures.open_cases,
        "overdue_stages": len(figures.overdue),
        "closed_in_period": figures.closed_in_period,
        "artifacts": len(published),
        "digest_sent": int(sent),
    }
