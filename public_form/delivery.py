"""Delivering a public form submission to the case flow: one cme-case run per receipt.

The only Prefect API call the public form's side makes, and only from the drainer. The receipt is
the run's idempotency key, so a retry after a lost answer finds the run it already created instead
of opening a second case.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from prefect.client.schemas.objects import FlowRun
from prefect.deployments import run_deployment

CASE_DEPLOYMENT = "cme-case/cme-case"
PUBLIC_FORM_TAG = "public-form"


def open_referral(*, receipt: str, referral: dict[str, Any]) -> UUID:
    """Run the cme-case deployment with this referral, exactly as an officer's Run form does."""
    run = run_deployment(
        CASE_DEPLOYMENT,
        parameters={"referral": referral},
        timeout=0,
        idempotency_key=f"public-form:{receipt}",
        # The receipt holds no personal data; the run is renamed to its case reference on start.
        flow_run_name=receipt,
        tags=[PUBLIC_FORM_TAG],
    )
    if not isinstance(run, FlowRun):
        raise TypeError(f"run_deployment returned {type(run).__name__}, not a flow run")
    return run.id
