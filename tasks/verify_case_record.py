"""Checking the case record's hash chain: a command, and the verify-case-record deployment's tasks.

    python -m tasks.verify_case_record [--reference CME-2026-00001]

checks every case (or one) and prints, for each broken chain, the case reference, the sequence
number of the first broken link and what is wrong; it exits 1 if any chain is broken, 0 if all
hold, 2 on bad usage (an unknown reference). `make verify-record` runs it. The deployment's tasks
are in tasks/record_check.py, so the command starts without importing Prefect.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby

from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters.settings import load_settings
from models.case_record import BrokenLink, StoredEvent, first_broken_link
from store.database import make_engine, session_scope
from store.guards import CaseNotFoundError
from store.orm import Case, CaseEvent

# Rows read from the database at a time: the whole record is checked without holding it all.
BATCH_SIZE = 2000


@dataclass
class RecordCheck:
    """What a check found: how much it read and every case whose chain is broken."""

    cases: int = 0
    events: int = 0
    broken: list[BrokenLink] = field(default_factory=list)

    @property
    def holds(self) -> bool:
        return not self.broken

    def counts(self) -> dict[str, int]:
        return {"cases": self.cases, "events": self.events, "broken": len(self.broken)}


def check_records(*, session: Session, reference: str | None = None) -> RecordCheck:
    """Check the chain of every case, or of one, and name each case's first broken link.

    Args:
        session: The caller's session.
        reference: One case to check; None checks them all.

    Returns:
        The counts read and the broken links, in case order.

    Raises:
        CaseNotFoundError: ``reference`` names no case.
    """
    query = (
        select(
            Case.id,
            Case.reference,
            CaseEvent.sequence,
            CaseEvent.occurred_at,
            CaseEvent.actor,
            CaseEvent.kind,
            CaseEvent.payload,
            CaseEvent.previous_hash,
            CaseEvent.hash,
        )
        # Outer: a case whose every event was removed must show up as broken, not be skipped.
        .outerjoin(CaseEvent, CaseEvent.case_id == Case.id)
        .order_by(Case.id, CaseEvent.sequence)
        .execution_options(yield_per=BATCH_SIZE)
    )
    if reference is not None:
        if session.scalar(select(Case.id).where(Case.reference == reference)) is None:
            raise CaseNotFoundError(f"reference: no case {reference!r}")
        query = query.where(Case.reference == reference)
    check = RecordCheck()
    rows = session.execute(query)
    for (_, case_reference), case_rows in groupby(rows, key=lambda row: (row[0], row[1])):
        events = list(_events(case_rows))
        check.cases += 1
        check.events += len(events)
        broken = first_broken_link(case_reference, events)
        if broken is not None:
            check.broken.append(broken)
    return check


def _events(rows: Iterator[Sequence[object]]) -> Iterator[StoredEvent]:
    for row in rows:
        _, _, sequence, occurred_at, actor, kind, payload, previous_hash, digest = row
        if sequence is None:  # the outer join's row for a case with no events
            continue
        assert isinstance(sequence, int) and isinstance(occurred_at, datetime)
        assert isinstance(actor, str) and isinstance(kind, str) and isinstance(payload, dict)
        assert isinstance(digest, str) and (previous_hash is None or isinstance(previous_hash, str))
        yield StoredEvent(
            sequence=sequence,
            occurred_at=occurred_at,
            actor=actor,
            kind=kind,
            payload=payload,
            previous_hash=previous_hash,
            hash=digest,
        )


def main(argv: Sequence[str] | None = None) -> int:
    """The command: check, print each broken link, exit 1 if any chain is broken."""
    parser = argparse.ArgumentParser(
        prog="python -m tasks.verify_case_record",
        description="Check the hash chain of the append-only case record.",
    )
    parser.add_argument("--reference", help="check one case, e.g. CME-2026-00001 (default: all)")
    parser.add_argument("--database-url", help="the case database (default: CME_DATABASE_URL)")
    args = parser.parse_args(argv)
    engine = make_engine(args.database_url or load_settings().case_database_url)
    try:
        with session_scope(engine) as session:
            check = check_records(session=session, reference=args.reference)
    except CaseNotFoundError as error:
        parser.error(str(error))
    finally:
        engine.dispose()
    for link in check.broken:
        sys.stdout.write(f"BROKEN {link.describe()}\n")
    verdict = "every chain holds" if check.holds else f"{len(check.broken)} broken"
    sys.stdout.write(f"{check.cases} case(s), {check.events} event(s): {verdict}\n")
    return 0 if check.holds else 1


if __name__ == "__main__":
    sys.exit(main())
