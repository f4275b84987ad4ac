"""The `verify-case-record` deployment's tasks: check the case record, publish the result as a
Markdown artifact, and email the team lead once about any break."""

from __future__ import annotations

import hashlib
from datetime import datetime

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from adapters.templating import render
from models.case_record import RecordCheck
from store.case_events import check_records
from store.unit_of_work import INJECTED, UnitOfWork, inject_uow
from tasks.send_once import send_task
from tasks.team_lead_mail import email_team_lead_once

ARTIFACT_KEY = "case-record-check"


def render_check(check: RecordCheck, *, reference: str | None, at: datetime) -> str:
    """The check as Markdown, for the artifact the team lead reads in the Prefect UI."""
    return render(
        "reports/record_check.md.j2",
        scope=f"case {reference}" if reference else "every case",
        at=at.isoformat(timespec="seconds"),
        check=check,
    )


def broken_key(check: RecordCheck) -> str:
    """The natural key of the email about these broken links: the same breaks are told once."""
    described = "\n".join(sorted(link.describe() for link in check.broken))
    return "case-record-broken:" + hashlib.sha256(described.encode("utf-8")).hexdigest()[:16]


@task(name="check-case-record", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def check_case_record(reference: str | None, *, uow: UnitOfWork = INJECTED) -> RecordCheck:
    """Check the hash chains of the case record (every case, or one)."""
    with uow.transaction() as session:
        return check_records(session=session, reference=reference)


@task(name="publish-record-check", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def publish_record_check(
    check: RecordCheck, reference: str | None, *, uow: UnitOfWork = INJECTED
) -> None:
    """The result as the `case-record-check` Markdown artifact."""
    create_markdown_artifact(
        key=ARTIFACT_KEY,
        markdown=render_check(check, reference=reference, at=uow.clock()),
        description="Hash-chain check of the append-only case record",
    )


@send_task("email-broken-record")
@inject_uow
def email_broken_record(check: RecordCheck, *, uow: UnitOfWork = INJECTED) -> bool:
    """Email the team lead the broken links, once per set of breaks; True if this call sent it."""
    text = render(
        "emails/record_broken.txt.j2",
        recipient_name=uow.config.team_lead.display_name,
        check=check,
        ui_url=uow.settings.ui_url,
    )
    first, _, body = text.partition("\n")
    if not first.startswith("Subject: "):
        raise ValueError("emails/record_broken.txt.j2 must start with a 'Subject: ' line")
    return email_team_lead_once(
        uow=uow,
        natural_key=broken_key(check),
        kind="record_broken",
        subject=first.removeprefix("Subject: ").strip(),
        body=body.lstrip("\n"),
    )
