"""Send once, never lose: every email the product sends goes through `send_once`.

Each email carries one or more notifications, each with a natural key (case, stage, kind, level;
or import, kind, recipient; ...). `send_once` claims the keys and commits the claims, so a failed
or interrupted send is never lost; then, in a second transaction, it locks the claims still unsent
(row locks on PostgreSQL; on SQLite every transaction takes the write lock), sends, and marks them
sent before the locks are released, so a replayed run or a concurrent caller finds them sent and
sends nothing twice. A failed send is recorded on its claims, which stay unsent, and `SendFailed`
is raised: the calling task's retries (`send_task`) try again, and past those the next run or
sweep does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import ParamSpec, TypeVar

from prefect import Task, task
from prefect.cache_policies import NO_CACHE

from adapters.mailer import send_email
from adapters.settings import Settings
from store import notifications
from store.database import Engine, session_scope
from store.unit_of_work import utc_now

P = ParamSpec("P")
R = TypeVar("R")

# The one retry policy of every task that sends: three more tries, backing off. A send still
# failing after them stays claimed and unsent for the next run or sweep.
SEND_RETRY_DELAYS_SECONDS: tuple[int, ...] = (5, 30, 120)


def send_task(name: str) -> Callable[[Callable[P, R]], Task[P, R]]:
    """A Prefect task that sends email, retried with backoff after a failed send.

    No Prefect cache: the claimed natural keys are the idempotency, and a retry must reach the
    relay again, not return a cached result.
    """
    return task(
        name=name,
        retries=len(SEND_RETRY_DELAYS_SECONDS),
        retry_delay_seconds=[float(delay) for delay in SEND_RETRY_DELAYS_SECONDS],
        cache_policy=NO_CACHE,
        persist_result=False,
    )


@dataclass(frozen=True)
class Claim:
    """One notification an email carries, under its natural key."""

    natural_key: str
    kind: str
    subject: str
    case_id: int | None = None


@dataclass(frozen=True)
class Message:
    """What is sent: plain text, an HTML alternative if any, attachments if any."""

    subject: str
    body: str
    html: str | None = None
    attachments: Sequence[Path] = field(default_factory=tuple)


@dataclass(frozen=True)
class Sent:
    """What one `send_once` call did with its claims."""

    sent: tuple[str, ...] = ()
    already_sent: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.sent)


def failure_text(exc: BaseException) -> str:
    """How a failed send is recorded on its claims, whoever sent it."""
    return f"{type(exc).__name__}: {exc}"


class SendFailed(Exception):
    """The relay did not take the email; its claims are recorded as failed and left unsent.

    A database failure is not wrapped: only this one is an outage a later try can get past.
    """

    def __init__(self, natural_keys: Sequence[str], error: str) -> None:
        super().__init__(error)
        self.natural_keys = tuple(natural_keys)


def send_once(
    *,
    engine: Engine,
    settings: Settings,
    to: Sequence[str],
    claims: Sequence[Claim],
    message: Message | Callable[[Sequence[Claim]], Message],
    clock: Callable[[], datetime] = utc_now,
) -> Sent:
    """Send one email carrying ``claims``, unless every one of them was sent already.

    Args:
        engine: The case database.
        settings: The SMTP relay and sender.
        to: The recipients, recorded on each claim.
        claims: The notifications this email carries, each claimed once by its natural key.
        message: The email; or a function of the claims still unsent, for an email that lists
            only what has not been sent yet.
        clock: The wall clock, for the claim, attempt and sent times.

    Returns:
        The keys this call sent (true if any) and those sent before it.

    Raises:
        SendFailed: The relay did not take it; recorded first on the unsent claims.
    """
    if not claims:
        return Sent()
    by_key = {claim.natural_key: claim for claim in claims}
    with session_scope(engine) as session:
        ids = {
            notifications.claim_or_find_notification(
                session=session,
                natural_key=claim.natural_key,
                case_id=claim.case_id,
                kind=claim.kind,
                recipients=list(to),
                subject=claim.subject,
                claimed_at=clock(),
            ).id: claim.natural_key
            for claim in by_key.values()
        }
    failure: SendFailed | None = None
    with session_scope(engine) as session:
        rows = notifications.lock_unsent_notifications(session=session, notification_ids=list(ids))
        unsent = [by_key[ids[row.id]] for row in rows]
        unsent_keys = {claim.natural_key for claim in unsent}
        already_sent = tuple(key for key in by_key if key not in unsent_keys)
        if not rows:
            return Sent(already_sent=already_sent)
        email = message(unsent) if callable(message) else message
        try:
            send_email(
                settings=settings,
                to=list(to),
                subject=email.subject,
                body=email.body,
                html=email.html,
                attachments=email.attachments,
            )
        except Exception as exc:  # any relay failure: recorded on the claims, retried, never lost
            error = failure_text(exc)
            failed_at = clock()
            for row in rows:
                notifications.record_notification_failure(
                    session=session, notification_id=row.id, error=error, failed_at=failed_at
                )
            failure = SendFailed([claim.natural_key for claim in unsent], error)
            failure.__cause__ = exc
        else:
            sent_at = clock()
            for row in rows:
                notifications.mark_notification_sent(
                    session=session, notification_id=row.id, sent_at=sent_at
                )
    if failure is not None:
        raise failure
    return Sent(sent=tuple(claim.natural_key for claim in unsent), already_sent=already_sent)
