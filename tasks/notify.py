"""Notifications: each has a natural key claimed in the case database before it is sent, so a
replayed flow or a second sweep sends nothing twice, and a failed send is retried, not lost."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from adapters.mailer import send_email
from adapters.templating import render
from models.case import CaseHandle
from store import notifications
from store.database import session_scope
from tasks.runtime import runtime, utcnow


def run_link(case: CaseHandle) -> str:
    """The case's flow run in the Prefect UI."""
    return f"{runtime().settings.ui_url}/runs/flow-run/{case.flow_run_id}"


def render_email(template: str, **context: Any) -> tuple[str, str]:
    """Render templates/emails/<template>.txt.j2: its first line is 'Subject: ...'."""
    text = render(f"emails/{template}.txt.j2", **context)
    first, _, body = text.partition("\n")
    if not first.startswith("Subject: "):
        raise ValueError(f"emails/{template}.txt.j2 must start with a 'Subject: ' line")
    return first.removeprefix("Subject: ").strip(), body.lstrip("\n")


# No Prefect cache: the claimed natural key is the idempotency, and a retry must try the send again.
@task(
    name="send-notification",
    retries=3,
    retry_delay_seconds=[5, 30, 120],
    cache_policy=NO_CACHE,
    persist_result=False,
)
def notify(
    *,
    case: CaseHandle,
    natural_key: str,
    kind: str,
    recipients: list[str],
    template: str,
    context: dict[str, Any],
    attachments: list[Path] | None = None,
) -> bool:
    """Send one notification once. Returns True if this call sent it, False if already sent."""
    rt = runtime()
    subject, body = render_email(
        template, reference=case.reference, run_link=run_link(case), **context
    )
    with session_scope(rt.engine) as session:
        claimed = notifications.claim_notification(
            session=session,
            natural_key=natural_key,
            case_id=case.case_id,
            kind=kind,
            recipients=recipients,
            subject=subject,
            claimed_at=utcnow(),
        )
        notification = claimed or notifications.get_notification(
            session=session, natural_key=natural_key
        )
        if notification is None or notification.sent_at is not None:
            return False
        notification_id = notification.id
    try:
        send_email(
            settings=rt.settings,
            to=recipients,
            subject=subject,
            body=body,
            attachments=attachments or [],
        )
    except Exception as exc:
        with session_scope(rt.engine) as session:
            notifications.record_notification_failure(
                session=session,
                notification_id=notification_id,
                error=type(exc).__name__,
                failed_at=utcnow(),
            )
        raise
    with session_scope(rt.engine) as session:
        notifications.mark_notification_sent(
            session=session, notification_id=notification_id, sent_at=utcnow()
        )
    return True
