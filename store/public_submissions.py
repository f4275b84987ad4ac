"""The public form's outbox: submissions written as received, then delivered to the case flow.

`add_submission` is the only call the public web app makes (an INSERT); the drainer uses the rest.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session

from models.public_form import retry_delay
from store.orm import PublicSubmission, SubmissionStatus


def add_submission(
    *, session: Session, receipt: str, referral: dict[str, Any], received_at: datetime
) -> None:
    """Insert a pending submission. A plain INSERT with no RETURNING, so a role that may only
    INSERT into public_submission can run it; a duplicate receipt raises IntegrityError."""
    session.execute(
        insert(PublicSubmission).values(
            receipt=receipt,
            received_at=received_at,
            referral=referral,
            status=SubmissionStatus.PENDING,
            attempts=0,
        )
    )


def list_due_submissions(
    *, session: Session, now: datetime, limit: int = 20
) -> Sequence[PublicSubmission]:
    """Pending submissions whose next attempt is due, oldest first."""
    return (
        session.execute(
            select(PublicSubmission)
            .where(PublicSubmission.status == SubmissionStatus.PENDING)
            .where(
                or_(
                    PublicSubmission.next_attempt_at.is_(None),
                    PublicSubmission.next_attempt_at <= now,
                )
            )
            .order_by(PublicSubmission.received_at)
            .limit(limit)
        )
        .scalars()
        .all()
    )


def mark_delivered(
    *, session: Session, receipt: str, flow_run_id: uuid.UUID, delivered_at: datetime
) -> None:
    submission = session.get(PublicSubmission, receipt)
    if submission is None:
        raise LookupError(f"public_submission {receipt}: not found")
    submission.status = SubmissionStatus.DELIVERED
    submission.flow_run_id = flow_run_id
    submission.delivered_at = delivered_at
    submission.attempts += 1
    submission.last_error = None
    submission.next_attempt_at = None


def record_failed_attempt(
    *, session: Session, receipt: str, error: str, failed_at: datetime, max_backoff: float
) -> datetime:
    """Count a failed delivery and schedule the next (exponential backoff); returns when."""
    submission = session.get(PublicSubmission, receipt)
    if submission is None:
        raise LookupError(f"public_submission {receipt}: not found")
    submission.attempts += 1
    submission.last_error = error[:2000]
    submission.next_attempt_at = failed_at + retry_delay(submission.attempts, maximum=max_backoff)
    return submission.next_attempt_at
