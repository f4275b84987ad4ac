"""A flow that stays running until it is cancelled, served with the warm start, for
tests/e2e/test_warm_start.py: `python -m tests.e2e.warm_runner`, never by hand."""

from __future__ import annotations

import time

from prefect import flow, serve
from prefect.deployments.runner import RunnerDeployment

from launcher import warm_start

FLOW = "warm-held"
DEPLOYMENT = "warm-held"


@flow(name=FLOW)
def held(seconds: int) -> None:
    """Runs (holding its process) for `seconds`, unless it is cancelled first."""
    time.sleep(seconds)


def main() -> None:
    if not warm_start.install([__name__]):
        raise SystemExit("the warm start is unavailable here")
    deployment = held.to_deployment(name=DEPLOYMENT)
    assert isinstance(deployment, RunnerDeployment)  # to_deployment is sync when called sync
    serve(deployment, limit=2, pause_on_shutdown=False)


if __name__ == "__main__":
    main()
