"""Emails to the team lead about no single case (reports, record checks), each sent once.

The natural key is claimed in the case database before the send (DESIGN.md decision 5): a re-run
sends nothing twice, and a failed send stays unsent, is recorded, and is tried again next time.
"""

from __future__ import annotations

from adapters.mailer import send_email
from store import notifications
from store.database import session_scope
from tasks.runtime import Runtime, utcnow


def email_team_lead_once(
    *, rt: Runtime, natural_key: str, kind: str, subject: str, body: str, html: str | None = None
) -> bool:
    """Send the team lead one email under ``natural_key``, unless it was sent already.

    Args:
        rt: The runtime (settings, team configuration, case database).
        natural_key: What makes this email once-only, e.g. "caseload-digest:2026-11-02".
        kind: The notification kind recorded with the claim.
        subject: The subject line.
        body: The plain-text body.
        html: An HTML alternative, if any.

    Returns:
        True if this call sent it, False if it had been sent before.

    Raises:
        Exception: Whatever the relay raised; the failure is recorded first.
    """
    lead = rt.config.team_lead
    with session_scope(rt.engine) as session:
        claimed = notifications.claim_notification(
            session=session,
            natural_key=natural_key,
            case_id=None,
            kind=kind,
            recipients=[lead.email],
            subject=subject,
            claimed_at=utcnow(),
        )
        row = claimed or notifications.get_notification(session=session, natural_key=natural_key)
        if row is None or row.sent_at is not None:
            return False
        notification_id = row.id
    try:
        send_email(settings=rt.settings, to=[lead.email], subject=subject, body=body, html=html)
    except Exception as exc:
        with session_scope(rt.engine) as session:
            notifications.record_notification_failure(
                session=session,
                notification_id=notification_id,
                error=f"{type(exc).__name__}: {exc}",
                failed_at=utcnow(),
            )
        raise
    with session_scope(rt.engine) as session:
        notifications.mark_notification_sent(
            session=session, notification_id=notification_id, sent_at=utcnow()
        )
    return True
