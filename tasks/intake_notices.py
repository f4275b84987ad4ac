"""The emails a deletion-return import sends, listing its rows; a school sees only its own pupils.

A flag back to a school goes to that school's contact (`intake.school_contacts`), one email per
school listing only that school's rows. Rows of schools without a contact go to the team inbox in
one email grouped by school, each group headed by the school's name and URN, which tells the team
to forward each group to its own school only. The teams' notices (EHE, s19, an officer's further
referral) are one email per kind and recipient, each row naming its school.

Each row an email lists is a notification claimed in the case database under its own natural key
(import reference, kind, row) before it is sent; an email lists only its rows still unsent, so a
re-run after a crash sends what is still unsent and nothing twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from prefect.runtime import flow_run

from models.deletion_intake import ImportNoticeKind
from models.school_returns import DeletionGroundLetter
from store import imports
from store.orm import IntakeRow
from store.unit_of_work import INJECTED, UnitOfWork, inject_uow
from tasks.notify import render_email
from tasks.send_once import Claim, Message, send_once, send_task


def _item(row: IntakeRow, kind: ImportNoticeKind) -> dict[str, Any]:
    payload = row.payload
    ground = DeletionGroundLetter(row.deletion_ground)
    return {
        "row_number": row.row_number,
        "child_name": f"{payload.get('pupil_forenames', '')} {payload.get('pupil_surname', '')}",
        "date_of_birth": payload.get("date_of_birth", ""),
        "postcode": payload.get("postcode", ""),
        "school_name": payload.get("school_name", "") or "School not named",
        "school_urn": row.school_urn,
        "deletion_date": payload.get("deletion_date", ""),
        # A flagged removal is not accepted because joint enquiries were not made.
        "ground": ground.as_claimed if kind is ImportNoticeKind.FLAG_TO_SCHOOL else ground.label,
        "case_reference": row.case_reference,
    }


def by_school(items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows grouped by school (name and URN), in order of school name, then row."""
    groups: defaultdict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        groups[(item["school_name"], item["school_urn"] or "not given")].append(item)
    return [
        {"school_name": name, "school_urn": urn, "items": sorted(rows, key=_row)}
        for (name, urn), rows in sorted(groups.items())
    ]


def _row(item: dict[str, Any]) -> int:
    return int(item["row_number"])


@inject_uow
def import_link(*, uow: UnitOfWork = INJECTED) -> str:
    return f"{uow.settings.ui_url}/runs/flow-run/{flow_run.get_id()}"


def _email_key(
    kind: ImportNoticeKind, recipient: str, row: IntakeRow, contacts: dict[str, str]
) -> tuple[ImportNoticeKind, str, str | None]:
    """One email per kind and recipient; a school's own contact gets one per school."""
    school_listed = row.school_urn is not None and contacts.get(row.school_urn) == recipient
    own_school = (
        row.school_urn if kind is ImportNoticeKind.FLAG_TO_SCHOOL and school_listed else None
    )
    return kind, recipient, own_school


@send_task("send-import-notices")
@inject_uow
def send_import_notices(
    import_id: int, reference: str, received_on: str, *, uow: UnitOfWork = INJECTED
) -> int:
    """Send each of this import's notices not yet sent; returns how many rows this call sent."""
    intake = uow.config.intake
    contacts = dict(intake.school_contacts) if intake else {}
    emails: defaultdict[tuple[ImportNoticeKind, str, str | None], dict[str, dict[str, Any]]]
    emails = defaultdict(dict)
    with uow.transaction() as session:
        for row in imports.list_rows(session=session, import_id=import_id):
            if row.notice_kind and row.notice_to:
                kind = ImportNoticeKind(row.notice_kind)
                key = f"{reference}:{kind.value}:row-{row.row_number}"
                emails[_email_key(kind, row.notice_to, row, contacts)][key] = _item(row, kind)
    sent = 0
    for (kind, recipient, own_school), items in sorted(emails.items(), key=_order):

        def message(unsent: Sequence[Claim], kind: ImportNoticeKind = kind,
                    own_school: str | None = own_school,
                    items: dict[str, dict[str, Any]] = items) -> Message:  # fmt: skip
            listed = sorted((items[claim.natural_key] for claim in unsent), key=_row)
            subject, body = _render(kind, reference, received_on, listed, own_school, uow=uow)
            return Message(subject=subject, body=body)

        subject = message([Claim(k, "", "") for k in items]).subject
        result = send_once(
            engine=uow.engine,
            clock=uow.clock,
            settings=uow.settings,
            to=[recipient],
            claims=[
                Claim(natural_key=k, kind=f"intake_{kind.value}", subject=subject) for k in items
            ],
            message=message,
        )
        sent += len(result.sent)
    return sent


def _order(entry: tuple[tuple[ImportNoticeKind, str, str | None], Any]) -> tuple[str, str, str]:
    (kind, recipient, school), _ = entry
    return kind.value, recipient, school or ""


@inject_uow
def _render(
    kind: ImportNoticeKind,
    reference: str,
    received_on: str,
    items: list[dict[str, Any]],
    own_school: str | None,
    *,
    uow: UnitOfWork = INJECTED,
) -> tuple[str, str]:
    return render_email(
        kind.template,
        reference=reference,
        run_link=import_link(uow=uow),
        received_on=received_on,
        items=items,
        groups=by_school(items),
        school_listed=own_school is not None,
        team_email=uow.config.contacts.team_inbox.email,
    )
