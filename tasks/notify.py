"""Notifications: each has a natural key claimed in the case database before it is sent, so a
replayed flow or a second sweep sends nothing twice, and a failed send is retried, not lost."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from adapters.templating import render
from models.case import CaseHandle
from store.unit_of_work import INJECTED, UnitOfWork, inject_uow
from tasks.send_once import Claim, Message, send_once, send_task


@inject_uow
def run_link(case: CaseHandle, *, uow: UnitOfWork = INJECTED) -> str:
    """The case's flow run in the Prefect UI."""
    return f"{uow.settings.ui_url}/runs/flow-run/{case.flow_run_id}"


def render_email(template: str, **context: Any) -> tuple[str, str]:
    """Render templates/emails/<template>.txt.j2: its first line is 'Subject: ...'."""
    text = render(f"emails/{template}.txt.j2", **context)
    first, _, body = text.partition("\n")
    if not first.startswith("Subject: "):
        raise ValueError(f"emails/{template}.txt.j2 must start with a 'Subject: ' line")
    return first.removeprefix("Subject: ").strip(), body.lstrip("\n")


@send_task("send-notification")
@inject_uow
def notify(
    *,
    case: CaseHandle,
    natural_key: str,
    kind: str,
    recipients: list[str],
    template: str,
    context: dict[str, Any],
    attachments: list[Path] | None = None,
    uow: UnitOfWork = INJECTED,
) -> bool:
    """Send one notification once. Returns True if this call sent it, False if already sent."""
    subject, body = render_email(
        template, reference=case.reference, run_link=run_link(case, uow=uow), **context
    )
    return bool(
        send_once(
            engine=uow.engine,
            clock=uow.clock,
            settings=uow.settings,
            to=recipients,
            claims=[
                Claim(natural_key=natural_key, kind=kind, subject=subject, case_id=case.case_id)
            ],
            message=Message(subject=subject, body=body, attachments=attachments or ()),
        )
    )
