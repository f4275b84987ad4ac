"""The chronology bundle of one case: a PDF and a CSV of every event, decision, letter and
notification, written under the state folder's chronology/<reference>/ for a court or legal
services. Produced on demand (the `case-chronology` deployment) and at prosecution referral."""

from __future__ import annotations

import csv
import io
import re

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from adapters.documents import render_pdf, write_document
from models.case_events import ChronologyProduced
from models.chronology import CSV_COLUMNS, ChronologyBundle, chronology_lines, csv_rows
from store import access_log, case_events, cases, notifications, people
from store.unit_of_work import INJECTED, UnitOfWork, inject_uow
from tasks.caching import STABLE_CACHE
from tasks.letters import document_url
from tasks.recording import AUTOMATION

TEMPLATE = "chronology/chronology.html.j2"


@inject_uow
def write_chronology(
    reference: str, trigger: str, *, uow: UnitOfWork = INJECTED
) -> ChronologyBundle:
    """Write the case's chronology as PDF and CSV and record it as a case event."""
    now = uow.clock()
    team = {person.id: person.display_name for person in uow.config.people}
    with uow.transaction() as session:
        record = cases.get_case(session=session, reference=reference)
        if record is None:
            raise LookupError(f"reference: no case {reference!r} in the case database")
        case_id = record.id
        lines = chronology_lines(
            case_events.read_events(session=session, case_id=case_id),
            notifications.list_case_notifications(session=session, case_id=case_id),
            who=lambda actor: team.get(actor, actor),
            access=access_log.for_case_record(session=session, case=record),
            names=people.display_names(session=session),
        )
    stamp = now.strftime("%Y%m%dT%H%M%S%fZ")
    folder = re.sub(r"[^A-Za-z0-9-]+", "-", reference)
    pdf_path, csv_path = (f"{folder}/chronology-{stamp}.{ext}" for ext in ("pdf", "csv"))
    pdf = render_pdf(
        TEMPLATE,
        {
            "reference": reference,
            "council_name": uow.config.letters.council_name,
            "produced": now.strftime("%Y-%m-%d %H:%M"),
            "lines": lines,
        },
    )
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_rows(reference, lines))
    pdf_sha256 = write_document(uow.settings.chronology_dir / pdf_path, pdf)
    csv_sha256 = write_document(
        uow.settings.chronology_dir / csv_path, text.getvalue().encode("utf-8")
    )
    with uow.transaction() as session:
        case_events.append_event(
            session=session,
            case_id=case_id,
            event=ChronologyProduced(
                trigger=trigger,
                pdf=pdf_path,
                pdf_sha256=pdf_sha256,
                csv=csv_path,
                csv_sha256=csv_sha256,
                lines=len(lines),
            ),
            actor=AUTOMATION,
            occurred_at=uow.clock(),
        )
    return ChronologyBundle(
        reference=reference,
        pdf_path=pdf_path,
        csv_path=csv_path,
        pdf_url=document_url(pdf_path, "chronology", uow=uow),
        csv_url=document_url(csv_path, "chronology", uow=uow),
        pdf_sha256=pdf_sha256,
        csv_sha256=csv_sha256,
        lines=len(lines),
    )


def _publish(bundle: ChronologyBundle) -> None:
    create_markdown_artifact(
        key="chronology-" + re.sub(r"[^a-z0-9]+", "-", bundle.reference.lower()).strip("-"),
        markdown=(
            f"# Chronology of case {bundle.reference}\n\n"
            f"{bundle.lines} lines.\n\n"
            f"- [PDF]({bundle.pdf_url}) SHA-256 `{bundle.pdf_sha256}`\n"
            f"- [CSV]({bundle.csv_url}) SHA-256 `{bundle.csv_sha256}`\n"
        ),
        description=f"Chronology {bundle.reference}",
    )


@task(name="produce-chronology", cache_policy=NO_CACHE, persist_result=False)
def produce_chronology(reference: str) -> ChronologyBundle:
    """A chronology now, on request: each run writes a new one (earlier ones are kept)."""
    bundle = write_chronology(reference, "on request")
    _publish(bundle)
    return bundle


@task(name="produce-referral-chronology", cache_policy=STABLE_CACHE, persist_result=True)
def produce_referral_chronology(reference: str) -> ChronologyBundle:
    """The chronology sent with the referral to legal services: once per case run (cached)."""
    bundle = write_chronology(reference, "prosecution referral")
    _publish(bundle)
    return bundle
