"""Handing a child to the people who act next: the EHE team, another local authority, legal
services. Each is one notification with a natural key, so a replay never sends it twice."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from models.case import CaseHandle
from models.chronology import ChronologyBundle
from models.enums import Stage
from models.letters import LetterLink
from models.referral import address_in_words
from models.replay_keys import ehe_handoff_key, legal_referral_key, other_la_notice_key
from store import cases
from store.unit_of_work import INJECTED, UnitOfWork, inject_uow
from tasks.notify import notify


@inject_uow
def child_details(case: CaseHandle, *, uow: UnitOfWork = INJECTED) -> dict[str, Any]:
    """What a receiving team needs to identify the child; read here, not passed through Prefect."""
    with uow.transaction() as session:
        record = cases.get_case(session=session, reference=case.reference)
        if record is None:
            raise LookupError(f"case {case.reference} is not in the case database")
        child = record.child
        return {
            "child_name": f"{child.forenames} {child.surname}",
            "date_of_birth": child.date_of_birth.isoformat(),
            # "1 Example Street, St Albans, AL1 3ER", or "No fixed abode (ZZ99 3VZ)".
            "address": address_in_words(child.address, child.postcode, child.no_address_reason),
        }


@inject_uow
def officer_details(case: CaseHandle, *, uow: UnitOfWork = INJECTED) -> dict[str, str]:
    person = uow.config.person(case.officer_id)
    return {"officer_name": person.display_name, "officer_email": person.email}


@task(name="hand-to-ehe-team", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def hand_to_ehe_team(
    case: CaseHandle, stage: Stage, reason: str, *, uow: UnitOfWork = INJECTED
) -> None:
    """Elective home education is the EHE team's, not a CME case (reg 9(1)(f))."""
    notify(
        case=case,
        natural_key=ehe_handoff_key(case.reference, stage),
        kind="ehe_handoff",
        recipients=[uow.config.contacts.ehe_team.email],
        template="ehe_handoff",
        context={
            "reason": reason,
            **child_details(case, uow=uow),
            **officer_details(case, uow=uow),
        },
    )


@task(name="notify-other-authority", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def notify_other_authority(
    case: CaseHandle,
    authority: str,
    authority_email: str,
    new_address: str,
    letter: LetterLink,
    *,
    uow: UnitOfWork = INJECTED,
) -> None:
    """Tell the receiving authority's CME officer about a child who moved into its area; the
    notice letter goes with the email."""
    notify(
        case=case,
        natural_key=other_la_notice_key(case.reference),
        kind="other_la_notice",
        recipients=[authority_email],
        template="other_la_notice",
        context={
            "authority": authority,
            "new_address": new_address,
            **child_details(case, uow=uow),
            **officer_details(case, uow=uow),
        },
        attachments=[uow.settings.letters_dir / letter.path],
    )


@task(name="refer-to-legal-services", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def refer_to_legal_services(
    case: CaseHandle,
    decision: str,
    reasons: str,
    letter: LetterLink,
    chronology: ChronologyBundle,
    *,
    uow: UnitOfWork = INJECTED,
) -> None:
    """s443 proceedings (and any ESO application, s447) are brought by legal services. The
    referral letter and the case chronology (PDF and CSV) go with the email."""
    settings = uow.settings
    notify(
        case=case,
        natural_key=legal_referral_key(case.reference),
        kind="legal_referral",
        recipients=[uow.config.contacts.legal_services.email],
        template="legal_referral",
        context={"decision": decision, "reasons": reasons, **officer_details(case, uow=uow)},
        attachments=[
            settings.letters_dir / letter.path,
            settings.chronology_dir / chronology.pdf_path,
            settings.chronology_dir / chronology.csv_path,
        ],
    )
