"""The public form and its drainer, started on the session's one copy of the product
(tests/e2e/product.py), for the tests that use them through HTTP or a browser."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy.orm import Session

from launcher.stack import Stack
from models.enums import ReferrerType
from store import cases
from store.orm import PublicSubmission, SubmissionStatus
from store.unit_of_work import bootstrap
from tests.e2e.product import free_port


class PublicForm:
    """The running public form: its address, and what its outbox holds."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.url = stack.settings.public_form_url

    def submission(self, receipt: str) -> PublicSubmission:
        with Session(bootstrap().engine) as session:
            submission = session.get(PublicSubmission, receipt)
            assert submission is not None, f"{receipt} was not stored"
            session.expunge(submission)
            return submission

    def case_referral(self, run_id: UUID) -> tuple[ReferrerType, dict[str, Any], str]:
        """How the case opened by this run records its referral: type, payload, child's surname."""
        with Session(bootstrap().engine) as session:
            case = cases.get_case_by_flow_run(session=session, flow_run_id=run_id)
            assert case is not None, f"no case for flow run {run_id}"
            (referral,) = case.referrals
            return referral.referrer_type, dict(referral.payload), case.child.surname

    def wait_until_delivered(self, receipt: str, timeout: float = 90) -> UUID:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            submission = self.submission(receipt)
            if submission.status is SubmissionStatus.DELIVERED:
                assert submission.flow_run_id is not None
                return submission.flow_run_id
            time.sleep(0.3)
        raise AssertionError(f"{receipt} not delivered: {self.submission(receipt).last_error}")


@pytest.fixture(scope="session")
def public_form(stack: Stack) -> Iterator[PublicForm]:
    # The stack hands its processes its own settings (launcher/stack.py cme_environment).
    stack.settings = stack.settings.model_copy(
        update={
            "public_form_port": free_port(),
            "public_form_drain_seconds": 0.5,
            "public_form_retry_max_seconds": 2.0,
            # The browser tests post many pages from one address.
            "public_form_rate_per_minute": 600,
            "public_form_rate_burst": 200,
            "public_form_referrals_per_hour": 6000,
            "public_form_referral_burst": 200,
        }
    )
    stack.start_drainer()
    stack.start_public_form()
    yield PublicForm(stack)
