"""The legal regime a case's formal stage runs under, as the case flow reads it (models/regime.py).

The regime is chosen and recorded once, when the formal stage begins (tasks/recording.begin_stage);
these tasks only read it, so the flow can take the route of the law recorded for the case, and tell
the officer what a letter of a provisional step awaits before it is sent.
"""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from models.case import CaseHandle
from models.enums import LetterKind
from models.letters import review_notes
from models.regime import CURRENT, RegimeId
from store import regime
from store.unit_of_work import INJECTED, UnitOfWork, inject_uow


@task(name="case-regime", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def case_regime(case: CaseHandle, *, uow: UnitOfWork = INJECTED) -> RegimeId:
    """The regime recorded for the case; a case whose formal stage began before regimes were
    recorded began under the law then in force (docs/regimes.md)."""
    with uow.transaction() as session:
        chosen = regime.recorded_regime(session=session, case_id=case.case_id)
    return chosen.regime if chosen is not None else CURRENT


@task(name="letter-review-notes", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def letter_review_notes(
    regime_id: RegimeId, kind: LetterKind, *, uow: UnitOfWork = INJECTED
) -> tuple[str, ...]:
    """What the officer checks before sending a letter of a provisional step (config/regimes.toml
    notes): none for the law in force."""
    return review_notes(uow.regimes, regime_id, kind)
