"""Notifications: claimed by natural key before sending, then marked sent or failed.

Every function takes the caller's session and never commits; creates are idempotent on a
natural key, so a resumed run that replays from the top writes nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.guards import MAX_ERROR_LENGTH, CaseNotFoundError, require_aware
from store.orm import (
    Notification,
)


def claim_notification(
    *,
    session: Session,
    natural_key: str,
    case_id: int | None,
    kind: str,
    recipients: Sequence[str],
    subject: str,
    claimed_at: datetime,
) -> Notification | None:
    """Claim the right to send a notification, once per natural key.

    Commit the claim before sending, so a crash after the send cannot lead to a second one; an
    unsent claim stays listed by `list_unsent_notifications` for a retry.

    Args:
        session: The caller's session.
        natural_key: Case, stage, kind and level, e.g. "CME-2026-00001:home_visit:reminder:1".
        case_id: The case, or None for a notification about no single case.
        kind: e.g. "reminder", "escalation", "safeguarding".
        recipients: Email addresses.
        subject: The email subject.
        claimed_at: When it was claimed (aware).

    Returns:
        The new claim, or None if the key was already claimed: then do not send again.
    """
    require_aware(claimed_at=claimed_at)
    if get_notification(session=session, natural_key=natural_key) is not None:
        return None
    notification = Notification(
        natural_key=natural_key,
        case_id=case_id,
        kind=kind,
        recipients=list(recipients),
        subject=subject,
        claimed_at=claimed_at,
        attempts=0,
    )
    try:
        with session.begin_nested():
            session.add(notification)
    except IntegrityError:
        return None
    return notification


def claim_or_find_notification(
    *,
    session: Session,
    natural_key: str,
    case_id: int | None,
    kind: str,
    recipients: Sequence[str],
    subject: str,
    claimed_at: datetime,
) -> Notification:
    """The claim under ``natural_key``: made now, or the one an earlier or concurrent call made.

    Arguments as `claim_notification`. Whether it is still to be sent is its ``sent_at``, read
    again under `lock_unsent_notifications` before a send.

    Raises:
        RuntimeError: The key is neither claimable nor found (a claim deleted in between).
    """
    claimed = claim_notification(
        session=session,
        natural_key=natural_key,
        case_id=case_id,
        kind=kind,
        recipients=recipients,
        subject=subject,
        claimed_at=claimed_at,
    )
    notification = claimed or get_notification(session=session, natural_key=natural_key)
    if notification is None:
        raise RuntimeError(f"notification {natural_key} is neither new nor found")
    return notification


def mark_notification_sent(
    *, session: Session, notification_id: int, sent_at: datetime
) -> Notification:
    """Record that a claimed notification was sent; the first send time is kept.

    Args:
        session: The caller's session.
        notification_id: The claim.
        sent_at: When the mail server accepted it (aware).

    Returns:
        The notification.
    """
    require_aware(sent_at=sent_at)
    notification = _lock_notification(session=session, notification_id=notification_id)
    if notification.sent_at is None:
        notification.sent_at = sent_at
        notification.attempts += 1
        notification.last_attempt_at = sent_at
    return notification


def record_notification_failure(
    *, session: Session, notification_id: int, error: str, failed_at: datetime
) -> Notification:
    """Record a failed send attempt, leaving the claim unsent so it is retried.

    Args:
        session: The caller's session.
        notification_id: The claim.
        error: What went wrong (cut to 2000 characters).
        failed_at: When the attempt failed (aware).

    Returns:
        The notification; unchanged if it had already been sent.
    """
    require_aware(failed_at=failed_at)
    notification = _lock_notification(session=session, notification_id=notification_id)
    if notification.sent_at is None:
        notification.attempts += 1
        notification.last_attempt_at = failed_at
        notification.last_error = error[:MAX_ERROR_LENGTH]
    return notification


def get_notification(*, session: Session, natural_key: str) -> Notification | None:
    """Find a notification claim by its natural key.

    Args:
        session: The caller's session.
        natural_key: The key it was claimed with.

    Returns:
        The notification, or None if that key was never claimed.
    """
    return session.scalars(
        select(Notification).where(Notification.natural_key == natural_key)
    ).one_or_none()


def list_case_notifications(*, session: Session, case_id: int) -> list[Notification]:
    """Every notification of one case, in the order they were claimed (for its chronology).

    Args:
        session: The caller's session.
        case_id: The case.

    Returns:
        The case's notifications, sent or not, in id order.
    """
    return list(
        session.scalars(
            select(Notification).where(Notification.case_id == case_id).order_by(Notification.id)
        )
    )


def list_unsent_notifications(
    *, session: Session, max_attempts: int | None = None
) -> list[Notification]:
    """List claimed notifications not yet sent, oldest claim first, for a retry.

    Args:
        session: The caller's session.
        max_attempts: Leave out claims that already failed this many times (None: no limit).

    Returns:
        The unsent notifications.
    """
    query = select(Notification).where(Notification.sent_at.is_(None))
    if max_attempts is not None:
        query = query.where(Notification.attempts < max_attempts)
    return list(session.scalars(query.order_by(Notification.claimed_at, Notification.id)))


def lock_unsent_notifications(
    *, session: Session, notification_ids: Sequence[int]
) -> list[Notification]:
    """Lock the still-unsent notifications among these, for one send, in id order.

    The row locks last until the caller's transaction ends, so a second sweep sending the same
    notifications waits and then finds them sent. SQLite's write lock does the same.

    Args:
        session: The caller's session.
        notification_ids: The claims to send.

    Returns:
        Those not yet sent, freshly read.
    """
    if not notification_ids:
        return []
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.id.in_(list(notification_ids)), Notification.sent_at.is_(None))
            .order_by(Notification.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )


def _lock_notification(*, session: Session, notification_id: int) -> Notification:
    notification = session.get(
        Notification, notification_id, with_for_update=True, populate_existing=True
    )
    if notification is None:
        raise CaseNotFoundError(f"notification_id: no notification with id {notification_id}")
    return notification
