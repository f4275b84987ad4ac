"""Referral check, the automatic part: the safeguarding screen and the data-extract look-ups."""

from __future__ import annotations

import csv
from pathlib import Path

from prefect import task

from models.case import CaseHandle
from models.case_events import DataExtractsChecked, SafeguardingEscalation
from models.enums import SafeguardingIndicator
from models.extracts import ExtractMatch, match_extracts
from models.referral import Referral
from models.replay_keys import REFERRAL_SCREEN_ORIGIN, safeguarding_key
from store import case_events, notifications
from store.unit_of_work import INJECTED, UnitOfWork, inject_uow
from tasks.caching import STABLE_CACHE
from tasks.notify import notify


@inject_uow
def escalate(
    case: CaseHandle,
    indicators: list[SafeguardingIndicator],
    origin: str,
    *,
    uow: UnitOfWork = INJECTED,
) -> None:
    """Record a safeguarding escalation and tell MASH, the team lead and the officer, once per
    origin (the referral, or the decision that raised it): safeguarding procedures take precedence
    over CME procedures (docs/domain.md#immediate-escalation), and the case goes on."""
    natural_key = safeguarding_key(case.reference, origin)
    with uow.transaction() as session:
        if notifications.get_notification(session=session, natural_key=natural_key) is None:
            case_events.append_event(
                session=session,
                case_id=case.case_id,
                event=SafeguardingEscalation(origin=origin, indicators=indicators),
                actor="cme-automation",
                occurred_at=uow.clock(),
            )
    contacts = uow.config.contacts
    notify(
        case=case,
        natural_key=natural_key,
        kind="safeguarding_escalation",
        recipients=[
            contacts.mash.email,
            uow.config.team_lead.email,
            uow.config.person(case.officer_id).email,
        ],
        template="safeguarding_escalation",
        context={"indicators": [i.label for i in indicators]},
    )


@task(name="safeguarding-screen", cache_policy=STABLE_CACHE, persist_result=True)
def screen_safeguarding(case: CaseHandle, referral: Referral) -> list[SafeguardingIndicator]:
    """The referral's safeguarding screen: any indicator escalates at once."""
    indicators = sorted(set(referral.safeguarding_indicators))
    if indicators:
        escalate(case, indicators, REFERRAL_SCREEN_ORIGIN)
    return indicators


@task(name="safeguarding-escalation", cache_policy=STABLE_CACHE, persist_result=True)
def escalate_from_decision(
    case: CaseHandle, indicators: list[SafeguardingIndicator], decision_key: str
) -> None:
    """A safeguarding concern an officer raised at any stage escalates at once, once."""
    escalate(case, sorted(set(indicators)), decision_key)


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


@task(name="check-data-extracts", cache_policy=STABLE_CACHE, persist_result=True, retries=2)
@inject_uow
def check_data_extracts(
    case: CaseHandle, referral: Referral, *, uow: UnitOfWork = INJECTED
) -> ExtractMatch:
    """Search the pupil-roll extract and the EHE register for the child."""
    extracts = uow.config.extracts
    match = match_extracts(
        referral,
        pupil_roll=_read_csv(extracts.pupil_roll),
        ehe_register=_read_csv(extracts.ehe_register),
    )
    with uow.transaction() as session:
        case_events.append_event(
            session=session,
            case_id=case.case_id,
            event=DataExtractsChecked(
                finding=match.finding, school_name=match.school_name, school_urn=match.school_urn
            ),
            actor="cme-automation",
            occurred_at=uow.clock(),
        )
    return match
