"""Referral check, the automatic part: the safeguarding screen and the data-extract look-ups."""

from __future__ import annotations

import csv
from pathlib import Path

from prefect import task

from models.case import CaseHandle
from models.enums import SafeguardingIndicator
from models.extracts import ExtractMatch, match_extracts
from models.referral import Referral
from tasks import case_store
from tasks.caching import STABLE_CACHE
from tasks.database import session_scope
from tasks.notify import notify
from tasks.runtime import runtime, utcnow


@task(name="safeguarding-screen", cache_policy=STABLE_CACHE, persist_result=True)
def screen_safeguarding(case: CaseHandle, referral: Referral) -> list[SafeguardingIndicator]:
    """Safeguarding takes precedence over CME procedure (cme-domain 2.2): record it, tell MASH
    and the team lead at once, and let the case go on."""
    indicators = sorted(set(referral.safeguarding_indicators))
    if not indicators:
        return []
    rt = runtime()
    with session_scope(rt.engine) as session:
        already = case_store.get_notification(
            session=session, natural_key=f"{case.reference}:referral_check:safeguarding:1"
        )
        if already is None:
            case_store.append_event(
                session=session,
                case_id=case.case_id,
                kind="safeguarding_escalation",
                actor="cme-automation",
                occurred_at=utcnow(),
                payload={"indicators": [i.value for i in indicators]},
            )
    contacts = rt.config.contacts
    notify(
        case=case,
        natural_key=f"{case.reference}:referral_check:safeguarding:1",
        kind="safeguarding_escalation",
        recipients=[
            contacts.mash.email,
            rt.config.team_lead.email,
            rt.config.person(case.officer_id).email,
        ],
        template="safeguarding_escalation",
        context={"indicators": [i.label for i in indicators]},
    )
    return indicators


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


@task(name="check-data-extracts", cache_policy=STABLE_CACHE, persist_result=True, retries=2)
def check_data_extracts(case: CaseHandle, referral: Referral) -> ExtractMatch:
    """Search the pupil-roll extract and the EHE register for the child."""
    extracts = runtime().config.extracts
    match = match_extracts(
        referral,
        pupil_roll=_read_csv(extracts.pupil_roll),
        ehe_register=_read_csv(extracts.ehe_register),
    )
    with session_scope(runtime().engine) as session:
        case_store.append_event(
            session=session,
            case_id=case.case_id,
            kind="data_extracts_checked",
            actor="cme-automation",
            occurred_at=utcnow(),
            payload=match.model_dump(mode="json"),
        )
    return match
