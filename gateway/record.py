"""Writes the gateway's entries to the access log, with the case reference where one is known."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from models.access import AccessRecord, Person
from store import access_log
from store.cases import get_case_by_flow_run
from store.database import session_scope

logger = logging.getLogger("cme.gateway")


@dataclass
class Recorder:
    """Appends one access-log entry per recorded call (blocking: run it in a worker thread)."""

    engine: Engine
    clock: Callable[[], datetime]
    # A run's case never changes once attached: found references are kept (not a missing one,
    # since a case opened a moment ago is attached to its run a moment later).
    _references: dict[UUID, str] = field(default_factory=dict)

    def case_reference(self, flow_run_id: UUID | None) -> str | None:
        if flow_run_id is None:
            return None
        if flow_run_id in self._references:
            return self._references[flow_run_id]
        with session_scope(self.engine) as session:
            case = get_case_by_flow_run(session=session, flow_run_id=flow_run_id)
            reference = case.reference if case is not None else None
        if reference is not None:
            if len(self._references) > 100_000:
                self._references.clear()
            self._references[flow_run_id] = reference
        return reference

    def record(
        self,
        *,
        person: Person,
        action: str,
        method: str,
        path: str,
        status_code: int,
        allowed: bool,
        flow_run_id: UUID | None,
        detail: dict[str, str],
    ) -> None:
        try:
            entry = AccessRecord(
                occurred_at=self.clock(),
                username=person.username,
                channel="prefect",
                action=action,
                method=method,
                path=path,
                status_code=status_code,
                allowed=allowed,
                flow_run_id=flow_run_id,
                case_reference=self.case_reference(flow_run_id) or detail.get("case_reference"),
                detail=detail,
            )
            with session_scope(self.engine) as session:
                access_log.record_access(session=session, record=entry)
        except SQLAlchemyError:
            # The call itself has been answered; losing its record must be loud, not fatal.
            logger.exception("access log not written: %s %s by %s", method, path, person.username)
