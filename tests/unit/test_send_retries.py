"""Every task that sends email is retried the same way after a failed send."""

from __future__ import annotations

import pytest
from prefect import Task
from prefect.cache_policies import NO_CACHE

from tasks.caseload import email_caseload_digest
from tasks.intake_notices import send_import_notices
from tasks.notify import notify
from tasks.record_check import email_broken_record
from tasks.send_once import SEND_RETRY_DELAYS_SECONDS
from tasks.sweep import notify_run_failed


@pytest.mark.parametrize(
    "sending",
    [notify, send_import_notices, notify_run_failed, email_broken_record, email_caseload_digest],
    ids=lambda t: t.name,
)
def test_a_sending_task_retries_with_the_shared_backoff_and_no_cache(
    sending: Task[..., object],
) -> None:
    assert sending.retries == len(SEND_RETRY_DELAYS_SECONDS) == 3
    assert sending.retry_delay_seconds == [5.0, 30.0, 120.0]
    assert sending.cache_policy is NO_CACHE
    assert sending.persist_result is False
