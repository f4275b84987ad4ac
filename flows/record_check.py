"""Checking the append-only case record: run by the team lead from the `verify-case-record`
deployment in the UI (or `make verify-record` on the server).

Every case event is hash-chained to the one before it (models/case_record.py); the check names
each case's first broken link, publishes the result as a Markdown artifact, and emails the team
lead once about any break (docs/design.md#system-of-record).
"""

from __future__ import annotations

from prefect import flow

from tasks.record_check import check_case_record, email_broken_record, publish_record_check


@flow(name="verify-case-record", description="Check the hash chain of the case record.")
def verify_case_record(reference: str | None = None) -> dict[str, int]:
    """Check every case's history (or one case's); returns cases, events and broken chains."""
    check = check_case_record(reference)
    publish_record_check(check, reference)
    if not check.holds:
        email_broken_record(check)
    return check.counts()
