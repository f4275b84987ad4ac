"""The drainer: delivers stored public form submissions to the cme-case deployment.

    python -m public_form.drainer

Runs beside the Prefect server (inside the council network, with the Prefect API's credentials,
which the public web app never has). Each pass reads the pending submissions that are due, opens a
case run for each (idempotent by receipt) and marks it delivered; a failure (Prefect unreachable,
the deployment not yet registered) is recorded and retried with exponential backoff, never lost.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable
from datetime import datetime
from types import FrameType
from uuid import UUID

from sqlalchemy import Engine

from adapters.settings import settings_or_exit
from store.database import make_engine, session_scope
from store.public_submissions import (
    list_due_submissions,
    mark_delivered,
    record_failed_attempt,
)
from store.unit_of_work import utc_now

log = logging.getLogger("public_form.drainer")

Deliver = Callable[..., UUID]  # open_referral(*, receipt, referral) -> flow run id


def drain_once(
    engine: Engine, deliver: Deliver, *, clock: Callable[[], datetime], max_backoff: float
) -> tuple[int, int]:
    """One pass over the due submissions; returns (delivered, failed).

    The clock is read at the start and after each failure: a failed attempt can itself take
    seconds (the Prefect client retries), and the backoff counts from when it gave up.
    """
    with session_scope(engine) as session:
        pending = list_due_submissions(session=session, now=clock())
        due = [(submission.receipt, dict(submission.referral)) for submission in pending]
    delivered = failed = 0
    for receipt, referral in due:
        try:
            flow_run_id = deliver(receipt=receipt, referral=referral)
        except Exception as error:  # anything: the submission stays pending and is retried
            failed += 1
            with session_scope(engine) as session:
                retry_at = record_failed_attempt(
                    session=session,
                    receipt=receipt,
                    error=f"{type(error).__name__}: {error}",
                    failed_at=clock(),
                    max_backoff=max_backoff,
                )
            log.warning(
                "submission %s not delivered (%s); next attempt at %s",
                receipt, type(error).__name__, retry_at.isoformat(timespec="seconds"),
            )  # fmt: skip
            continue
        with session_scope(engine) as session:
            mark_delivered(
                session=session, receipt=receipt, flow_run_id=flow_run_id, delivered_at=clock()
            )
        delivered += 1
        log.info("submission %s delivered as flow run %s", receipt, flow_run_id)
    return delivered, failed


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    from public_form.delivery import open_referral  # Prefect is imported only here

    settings = settings_or_exit()
    engine = make_engine(settings.case_database_url)
    stop = threading.Event()

    def _on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    log.info("draining public form submissions every %.1f s", settings.public_form_drain_seconds)
    while not stop.is_set():
        try:
            drain_once(
                engine,
                open_referral,
                clock=utc_now,
                max_backoff=settings.public_form_retry_max_seconds,
            )
        except Exception:  # the case database itself is unreachable: log, wait, go on
            log.exception("drain pass failed")
        stop.wait(settings.public_form_drain_seconds)
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
