"""Emails to the team lead about no single case (reports, record checks), each sent once.

Each is one `send_once` under its natural key: a re-run sends nothing twice, and a failed send
stays unsent, is recorded, and is tried again next time.
"""

from __future__ import annotations

from store.unit_of_work import INJECTED, UnitOfWork, inject_uow
from tasks.send_once import Claim, Message, send_once


@inject_uow
def email_team_lead_once(
    *,
    natural_key: str,
    kind: str,
    subject: str,
    body: str,
    html: str | None = None,
    uow: UnitOfWork = INJECTED,
) -> bool:
    """Send the team lead one email under ``natural_key``, unless it was sent already.

    Args:
        natural_key: What makes this email once-only, e.g. "caseload-digest:2026-11-02".
        kind: The notification kind recorded with the claim.
        subject: The subject line.
        body: The plain-text body.
        html: An HTML alternative, if any.
        uow: The unit of work (settings, team configuration, case database, clock).

    Returns:
        True if this call sent it, False if it had been sent before.

    Raises:
        Exception: Whatever the relay raised; the failure is recorded first.
    """
    return bool(
        send_once(
            engine=uow.engine,
            clock=uow.clock,
            settings=uow.settings,
            to=[uow.config.team_lead.email],
            claims=[Claim(natural_key=natural_key, kind=kind, subject=subject)],
            message=Message(subject=subject, body=body, html=html),
        )
    )
