"""The bare Prefect comparison for the case-flow benchmark: the same shape as a cme-case run up to
its second form (empty tasks, two keyed suspends) with none of the product's work.

Served the way launcher/serve.py serves cme-case (one `serve` process, the same limit), so the
difference the benchmark measures is the product's own cost, not a different runner.
Run by bench/case_flow.py as `python -m bench.bare_flow`, never by hand.
"""

from __future__ import annotations

from prefect import flow, serve, task
from prefect.deployments.runner import RunnerDeployment
from prefect.flow_runs import suspend_flow_run
from prefect.input import RunInput

from adapters.settings import load_settings

FIRST_KEY = "bare-first-form"
SECOND_KEY = "bare-second-form"


class Approval(RunInput):
    """The smallest typed form: one field, so the input round trip is measured, not its size."""

    approve: bool


@task
def step(index: int) -> None:
    """An empty task; the index makes each call a distinct task run with its own cache key."""


@flow(name="bare", persist_result=True, result_serializer="json", log_prints=False)
def bare(tasks_before: int, tasks_after: int) -> bool:
    """tasks_before empty tasks, a keyed suspend, tasks_after more, a second keyed suspend."""
    for index in range(tasks_before):
        step(index)
    first = suspend_flow_run(wait_for_input=Approval, key=FIRST_KEY, timeout=None)
    for index in range(tasks_before, tasks_before + tasks_after):
        step(index)
    second = suspend_flow_run(wait_for_input=Approval, key=SECOND_KEY, timeout=None)
    return first.approve and second.approve


def main() -> None:
    deployment = bare.to_deployment(name="bare")
    assert isinstance(deployment, RunnerDeployment)  # to_deployment is sync when called sync
    # The same runner limit as launcher/serve.py, so the comparison is like for like.
    serve(deployment, limit=load_settings().serve_limit, pause_on_shutdown=False)


if __name__ == "__main__":
    main()
