"""Producing letters: jinja2 templates in templates/letters/ rendered to PDF with WeasyPrint.

Each letter is written under the state folder's letters/<reference>/ and recorded in the letter
table with its SHA-256 and the template version, once per natural key: a replayed run gets the
recorded letter back and writes nothing. The content (names, schools, dates) is built by the pure
functions in models/letters.py; this module reads the case record, renders and stores.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from prefect import task

from adapters.documents import render_pdf, sha256_of, template_version, write_document
from models.case import CaseHandle
from models.enums import ClosureOutcome, LetterKind, ReferrerType
from models.letters import (
    ADDRESSEES,
    TEMPLATES,
    LetterChild,
    LetterContent,
    LetterLink,
    NoticeRequest,
    ServedLetterLine,
    address_lines,
    closing_letter_due,
    letter_law,
    notice_content,
)
from models.postcode import home_postcode
from models.referral import address_in_words
from models.regime import BREACH_OFFENCES, RegimeId
from models.replay_keys import (
    CLOSING_LETTER_KEY,
    SAO_DECISION_KEY,
    SAO_S436I_COMPLIANCE_KEY,
    SAO_S436I_DECISION_KEY,
)
from store import cases, decisions, letters, regime
from store.orm import Case, Letter
from store.unit_of_work import INJECTED, UnitOfWork, inject_uow
from tasks.caching import STABLE_CACHE
from tasks.recording import AUTOMATION

# Professional referrers are told the outcome; a member of the public is told only that the
# case is closed (the child's circumstances are not theirs to know).
OUTCOME_TOLD_TO = frozenset(
    {ReferrerType.SCHOOL, ReferrerType.AGENCY, ReferrerType.OTHER_LOCAL_AUTHORITY}
)


@inject_uow
def document_url(relative: str, folder: str = "letters", *, uow: UnitOfWork = INJECTED) -> str:
    """Where an officer's browser fetches a letter or chronology (launcher/documents.py)."""
    return f"{uow.settings.documents_base_url}/{folder}/{relative}"


def _link(letter: Letter) -> LetterLink:
    return LetterLink(
        kind=letter.kind,
        natural_key=letter.natural_key,
        path=letter.path,
        url=document_url(letter.path),
        sha256=letter.sha256,
    )


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9-]+", "-", text).strip("-")


@inject_uow
def write_letter(
    case: CaseHandle, natural_key: str, content: LetterContent, *, uow: UnitOfWork = INJECTED
) -> LetterLink:
    """Render, write and record one letter, unless one is recorded under this key already."""
    with uow.transaction() as session:
        existing = letters.get_letter(
            session=session, case_id=case.case_id, natural_key=natural_key
        )
        if existing is not None:
            return _link(existing)
    template = TEMPLATES[content.kind]
    pdf = render_pdf(template, content.template_context())
    sha256 = sha256_of(pdf)
    # The checksum in the name: a second writer racing on the key cannot overwrite the winner.
    relative = f"{_safe_name(case.reference)}/{_safe_name(natural_key)}-{sha256[:12]}.pdf"
    write_document(uow.settings.letters_dir / relative, pdf)
    with uow.transaction() as session:
        letter = letters.record_letter(
            session=session,
            case_id=case.case_id,
            natural_key=natural_key,
            kind=content.kind,
            addressed_to=ADDRESSEES[content.kind],
            path=relative,
            sha256=sha256,
            template=template,
            template_version=template_version(template),
            created_at=uow.clock(),
            actor=AUTOMATION,
        )
        return _link(letter)


def _child(record: Case) -> LetterChild:
    child = record.child
    return LetterChild(
        name=f"{child.forenames} {child.surname}",
        date_of_birth=child.date_of_birth,
        # With no home address the block says why ("No fixed abode"), never a pseudo-postcode.
        address_lines=address_lines(
            child.address or address_in_words(None, None, child.no_address_reason),
            home_postcode(child.postcode) or "",
        ),
    )


def _referral_payload(record: Case) -> dict[str, Any]:
    return dict(record.referrals[0].payload) if record.referrals else {}


def _parent_address(payload: dict[str, Any], parent: str) -> tuple[str, ...] | None:
    """The named parent's own address from the referral, if it gives one apart from the child's."""
    for entry in payload.get("parents") or []:
        if entry.get("name", "").strip().lower() == parent.strip().lower() and entry.get("address"):
            return address_lines(str(entry["address"]))
    return None


@inject_uow
def _common(
    record: Case, case: CaseHandle, today: date, *, uow: UnitOfWork = INJECTED
) -> dict[str, Any]:
    officer = uow.config.person(record.officer_id)
    return {
        "reference": case.reference,
        "dated": today,
        "letterhead": uow.config.letters,
        "child": _child(record),
        "officer_name": officer.display_name,
        "officer_email": officer.email,
    }


@task(name="produce-notice-letter", cache_policy=STABLE_CACHE, persist_result=True)
@inject_uow
def produce_notice_letter(
    case: CaseHandle, natural_key: str, request: NoticeRequest, *, uow: UnitOfWork = INJECTED
) -> LetterLink:
    """The s437(1) notice, s438 notice of intention or School Attendance Order, as approved,
    naming the law of the regime recorded for the case when its formal stage began."""
    with uow.transaction() as session:
        record = cases.require_case_by_reference(session=session, reference=case.reference)
        common = _common(record, case, uow.clock().date(), uow=uow)
        chosen = regime.recorded_regime(session=session, case_id=case.case_id)
        content = notice_content(
            request,
            parent_address=_parent_address(_referral_payload(record), request.parent),
            calendar=uow.calendar,
            law=letter_law(uow.regimes, request.kind, chosen),
            **common,
        )
    return write_letter(case, natural_key, content, uow=uow)


@task(name="produce-other-la-notice", cache_policy=STABLE_CACHE, persist_result=True)
@inject_uow
def produce_other_la_notice(
    case: CaseHandle,
    natural_key: str,
    authority: str,
    new_address: str,
    *,
    uow: UnitOfWork = INJECTED,
) -> LetterLink:
    """The notice to the authority a child moved to (docs/domain.md#outcomes)."""
    with uow.transaction() as session:
        record = cases.require_case_by_reference(session=session, reference=case.reference)
        content = LetterContent(
            kind=LetterKind.OTHER_LA_NOTICE,
            addressee_name=f"Children Missing Education officer, {authority}",
            addressee_lines=(authority,),
            authority=authority,
            new_address=new_address,
            **_common(record, case, uow.clock().date(), uow=uow),
        )
    return write_letter(case, natural_key, content, uow=uow)


@task(name="produce-legal-services-referral", cache_policy=STABLE_CACHE, persist_result=True)
@inject_uow
def produce_legal_services_referral(
    case: CaseHandle, natural_key: str, decision: str, reasons: str, *, uow: UnitOfWork = INJECTED
) -> LetterLink:
    """The referral to legal services: the ESO consideration (s447(1)), the letters served, and
    the offence cited from the case's recorded regime."""
    with uow.transaction() as session:
        record = cases.require_case_by_reference(session=session, reference=case.reference)
        chosen = regime.recorded_regime(session=session, case_id=case.case_id)
        under_2026 = chosen is not None and chosen.regime is RegimeId.CWSA_2026
        order_key = SAO_S436I_DECISION_KEY if under_2026 else SAO_DECISION_KEY
        order = decisions.get_decision(session=session, case_id=case.case_id, key=order_key)
        offence = None
        if under_2026:
            # The offence is the breach the officer recorded: failing to comply with the order,
            # or withdrawing the child while it is in force.
            breach = decisions.get_decision(
                session=session, case_id=case.case_id, key=SAO_S436I_COMPLIANCE_KEY
            )
            offence = BREACH_OFFENCES[str(breach.values["compliance"])] if breach else None
        served = tuple(
            ServedLetterLine(
                title=letter.kind.label,
                produced_on=letter.created_at.date(),
                file_name=Path(letter.path).name,
                sha256=letter.sha256,
            )
            for letter in letters.list_letters(session=session, case_id=case.case_id)
        )
        content = LetterContent(
            kind=LetterKind.LEGAL_SERVICES_REFERRAL,
            law=letter_law(uow.regimes, LetterKind.LEGAL_SERVICES_REFERRAL, chosen, offence),
            addressee_name=uow.config.contacts.legal_services.name,
            addressee_lines=uow.config.letters.legal_services_address,
            named_school=str(order.values.get("named_school", "")) if order else "",
            decision=decision,
            reasons=reasons,
            served=served,
            **_common(record, case, uow.clock().date(), uow=uow),
        )
    return write_letter(case, natural_key, content, uow=uow)


@task(name="produce-closing-letter", cache_policy=STABLE_CACHE, persist_result=True)
@inject_uow
def produce_closing_letter(case: CaseHandle, *, uow: UnitOfWork = INJECTED) -> LetterLink | None:
    """A closing letter to a named referrer of a configured type, once the case is closed."""
    with uow.transaction() as session:
        record = cases.require_case_by_reference(session=session, reference=case.reference)
        payload = _referral_payload(record)
        referrer = payload.get("referrer_name")
        referrer_type = ReferrerType(payload.get("referrer_type", ReferrerType.ANONYMOUS))
        if record.closure_outcome is None or not closing_letter_due(
            uow.config.letters, referrer_type, referrer
        ):
            return None
        outcome: ClosureOutcome = record.closure_outcome
        organisation = payload.get("referrer_organisation") or ""
        content = LetterContent(
            kind=LetterKind.REFERRER_CLOSING_LETTER,
            addressee_name=str(referrer),
            addressee_lines=(organisation,) if organisation else (),
            outcome=outcome.label if referrer_type in OUTCOME_TOLD_TO else "",
            referrer_organisation=organisation,
            **_common(record, case, uow.clock().date(), uow=uow),
        )
    return write_letter(case, CLOSING_LETTER_KEY, content, uow=uow)


@task(name="produce-school-place-help-letter", cache_policy=STABLE_CACHE, persist_result=True)
@inject_uow
def produce_school_place_help_letter(
    case: CaseHandle, natural_key: str, *, uow: UnitOfWork = INJECTED
) -> LetterLink:
    """The letter to the parents of a child found not in education: how to apply for a school
    place in year (School Admissions Code 2021 para 2.28), the Fair Access panel and our help."""
    with uow.transaction() as session:
        record = cases.require_case_by_reference(session=session, reference=case.reference)
        payload = _referral_payload(record)
        parents = [
            str(entry["name"]) for entry in payload.get("parents") or [] if entry.get("name")
        ]
        common = _common(record, case, uow.clock().date(), uow=uow)
        content = LetterContent(
            kind=LetterKind.SCHOOL_PLACE_HELP,
            addressee_name=" and ".join(parents) or "Parent or carer",
            addressee_lines=common["child"].address_lines,
            **common,
        )
    return write_letter(case, natural_key, content, uow=uow)
