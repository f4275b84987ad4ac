"""The emails a deletion-return import sends: one per kind and recipient, listing its rows.

Each is a notification claimed in the case database under its natural key (import reference,
kind, recipient) before it is sent, so a re-run after a crash sends what is still unsent and
nothing twice; a row already listed by an earlier import is never listed again.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from prefect.runtime import flow_run

from models.deletion_intake import ImportNoticeKind
from models.school_returns import DeletionGroundLetter
from store import imports
from store.orm import IntakeRow
from store.unit_of_work import INJECTED, UnitOfWork, inject_uow
from tasks.notify import render_email
from tasks.send_once import Claim, Message, send_once, send_task


def _item(row: IntakeRow) -> dict[str, Any]:
    payload = row.payload
    return {
        "row_number": row.row_number,
        "child_name": f"{payload.get('pupil_forenames', '')} {payload.get('pupil_surname', '')}",
        "date_of_birth": payload.get("date_of_birth", ""),
        "postcode": payload.get("postcode", ""),
        "school_urn": row.school_urn,
        "deletion_date": payload.get("deletion_date", ""),
        "ground": DeletionGroundLetter(row.deletion_ground).label,
        "case_reference": row.case_reference,
    }


@inject_uow
def import_link(*, uow: UnitOfWork = INJECTED) -> str:
    return f"{uow.settings.ui_url}/runs/flow-run/{flow_run.get_id()}"


@send_task("send-import-notices")
@inject_uow
def send_import_notices(
    import_id: int, reference: str, received_on: str, *, uow: UnitOfWork = INJECTED
) -> int:
    """Send each of this import's notices not yet sent; returns how many this call sent."""
    groups: defaultdict[tuple[ImportNoticeKind, str], list[dict[str, Any]]] = defaultdict(list)
    with uow.transaction() as session:
        for row in imports.list_rows(session=session, import_id=import_id):
            if row.notice_kind and row.notice_to:
                groups[(ImportNoticeKind(row.notice_kind), row.notice_to)].append(_item(row))
    intake = uow.config.intake
    listed_schools = set(intake.school_contacts.values()) if intake else set()
    sent = 0
    for (kind, recipient), items in sorted(groups.items()):
        subject, body = render_email(
            kind.template,
            reference=reference,
            run_link=import_link(),
            received_on=received_on,
            items=items,
            school_listed=recipient in listed_schools,
            school_urn=items[0]["school_urn"],
            team_email=uow.config.contacts.team_inbox.email,
        )
        result = send_once(
            engine=uow.engine,
            clock=uow.clock,
            settings=uow.settings,
            to=[recipient],
            claims=[
                Claim(
                    natural_key=f"{reference}:{kind.value}:{recipient}",
                    kind=f"intake_{kind.value}",
                    subject=subject,
                )
            ],
            message=Message(subject=subject, body=body),
        )
        sent += len(result.sent)
    return sent
