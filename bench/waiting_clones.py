"""Hold thousands of waiting cases in minutes: clones of real waiting cme-case runs, made through
the Prefect API with what a real waiting case stores on the server.

A real case run waiting on its first form has, on the Prefect server: a flow run of the cme-case
deployment (named by its case reference, tagged, its referral as parameters) whose states went
Scheduled -> Pending -> Running -> Suspended (the Suspended state's details carry the form's
`pause_key`, the `run_input_keyset`, `pause_reschedule`...), the form's flow-run inputs (its
JSON schema and its description), the case's keyed case-summary Markdown artifact, and its logs.
Opening one costs a `python -m prefect.engine` process (tens of CPU-seconds on 2 busy cores), so
10,000 real ones take hours; the server's share of holding them does not depend on how they got
there. So a few real runs are opened and waited for (the templates), and each clone copies one
template: a flow run created from the same deployment with a referral of its own child, the same
four states (the last one a copy of the template's Suspended state and its details, forced), the
same flow-run inputs byte for byte, a case-summary artifact of the same size under its own key,
and the same logs. What a clone lacks is listed in bench/README.md.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from prefect.client.orchestration import PrefectClient, get_client
from prefect.client.schemas.actions import ArtifactCreate
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    FlowRunFilter,
    FlowRunFilterId,
    LogFilter,
    LogFilterFlowRunId,
)
from prefect.client.schemas.objects import FlowRun, State, StateType
from prefect.states import Pending, Running, Scheduled

from tests.factories import make_referral

CONCURRENCY = 24
# The last digits of a case reference ("CME-2026-00007") and of its artifact key.
REFERENCE_NUMBER = re.compile(r"(\d{5})$")
CLONE_NUMBERS_FROM = 50_000  # clones' references, clear of the real cases'


@dataclass(frozen=True)
class Template:
    """What one real waiting case stores on the Prefect server."""

    run: FlowRun
    inputs: dict[str, str]  # flow-run input key -> stored JSON value
    artifact: ArtifactCreate
    logs: list[dict[str, Any]]

    @property
    def reference(self) -> str:
        return self.run.name


def referral_parameters(index: int) -> dict[str, Any]:
    """A referral of a child of its own for clone `index`: the same shape as a real case's."""
    born = date(2012, 9, 1) + timedelta(days=index % 2_500)
    surname = "Clone" + "".join(chr(ord("a") + int(d)) for d in f"{index:05d}")
    referral = make_referral(child_date_of_birth=born, child_surname=surname)
    return {"referral": referral.model_dump(mode="json")}


async def read_template(client: PrefectClient, run_id: UUID) -> Template | str:
    """The template for a real run, or what is missing while its form's inputs or artifact are
    unwritten."""
    run = await client.read_flow_run(run_id)
    state = run.state
    if state is None or state.type is not StateType.PAUSED:
        return f"state {state and state.name}"
    keyset = state.state_details.run_input_keyset or {}
    inputs: dict[str, str] = {}
    for name in ("schema", "description"):
        if name not in keyset:
            continue
        found = await client.filter_flow_run_input(
            run_id, key_prefix=keyset[name], limit=1, exclude_keys=set()
        )
        if found:
            inputs[keyset[name]] = found[0].value
    if keyset.get("schema") not in inputs:
        return f"no schema input (keyset {keyset})"
    artifacts = await client.read_artifacts(
        artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]))
    )
    summary = [a for a in artifacts if a.key and a.key.startswith("case-")]
    if not summary:
        return f"no case-summary artifact ({[a.key for a in artifacts]})"
    if not REFERENCE_NUMBER.search(run.name):
        return f"name {run.name!r} is not a case reference"
    latest = max(summary, key=lambda a: a.created or datetime.min.replace(tzinfo=UTC))
    logs = await client.read_logs(
        log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])), limit=200
    )
    return Template(
        run=run,
        inputs=inputs,
        artifact=ArtifactCreate(
            key=latest.key,
            type=latest.type,
            description=latest.description,
            data=latest.data,
        ),
        logs=[{"name": log.name, "level": log.level, "message": log.message} for log in logs],
    )


async def wait_for_templates(run_ids: list[UUID], timeout: float = 120) -> list[Template]:
    """Each real run's template, once it is Suspended with its inputs and artifact written."""
    deadline = time.monotonic() + timeout
    missing: dict[UUID, str] = dict.fromkeys(run_ids, "unread")
    async with get_client() as client:
        while missing:
            for run_id in list(missing):
                found = await read_template(client, run_id)
                if isinstance(found, Template):
                    del missing[run_id]
                else:
                    missing[run_id] = found
            if missing:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"real runs incomplete: {missing}")
                await asyncio.sleep(0.5)
        # The description input and the logs are written just after the schema: read again.
        await asyncio.sleep(3.0)
        templates = [await read_template(client, run_id) for run_id in run_ids]
    complete = [t for t in templates if isinstance(t, Template)]
    if len(complete) < len(run_ids):
        raise RuntimeError(f"real runs changed while read: {templates}")
    return complete


def renumber(text: str, old: str, new: str) -> str:
    return text.replace(old, new).replace(old.lower(), new.lower())


async def clone_one(client: PrefectClient, template: Template, number: int, index: int) -> UUID:
    old = template.reference
    new = REFERENCE_NUMBER.sub(f"{number:05d}", old)
    real = template.run
    assert real.deployment_id is not None and real.state is not None
    # Scheduled a day ahead so no worker picks it up before it is Pending.
    created = await client.create_flow_run_from_deployment(
        real.deployment_id,
        parameters=referral_parameters(index),
        name=new,
        state=Scheduled(scheduled_time=datetime.now(UTC) + timedelta(days=1)),
    )
    # What the worker and the engine record on a real run as it starts (and the case's labels).
    await client.update_flow_run(
        created.id,
        flow_version=real.flow_version,
        tags=list(real.tags),
        empirical_policy=real.empirical_policy,
        infrastructure_pid=real.infrastructure_pid,
    )
    await client.set_flow_run_state(created.id, Pending(), force=True)
    await client.set_flow_run_state(created.id, Running(), force=True)
    paused = real.state
    details = paused.state_details.model_copy(update={"flow_run_id": created.id})
    suspended: State[Any] = State(
        type=paused.type, name=paused.name, message=paused.message, state_details=details
    )
    await client.set_flow_run_state(created.id, suspended, force=True)
    for key, value in template.inputs.items():
        await client.create_flow_run_input(created.id, key=key, value=value)
    artifact = template.artifact
    assert artifact.key is not None and isinstance(artifact.data, str)
    await client.create_artifact(
        artifact.model_copy(
            update={
                "key": renumber(artifact.key, old, new),
                "data": renumber(artifact.data, old, new),
                "flow_run_id": created.id,
            }
        )
    )
    now = datetime.now(UTC).isoformat()
    await client.create_logs(
        [
            {**log, "message": renumber(log["message"], old, new), "timestamp": now,
             "flow_run_id": str(created.id)}
            for log in template.logs
        ]
    )  # fmt: skip
    return created.id


async def clone_waiting(
    templates: list[Template], count: int, progress: Callable[[str], None]
) -> list[UUID]:
    """`count` clones of the templates (in turn), CONCURRENCY API calls' worth at a time."""
    gate = asyncio.Semaphore(CONCURRENCY)
    done = 0
    started = time.monotonic()

    async with get_client() as client:

        async def one(index: int) -> UUID:
            nonlocal done
            async with gate:
                template = templates[index % len(templates)]
                run_id = await clone_one(client, template, CLONE_NUMBERS_FROM + index, index)
            done += 1
            if done % 1000 == 0:
                rate = done / (time.monotonic() - started)
                progress(f"  cloned {done}/{count} ({rate:.0f}/s)")
            return run_id

        return list(await asyncio.gather(*(one(i) for i in range(count))))


FIXED = ("id", "name", "created", "updated", "parameters", "state_id", "idempotency_key")


def listed_differences(real: FlowRun, clone: FlowRun) -> list[str]:
    """How a clone differs from a real run as the list query returns them: fields set on one and
    unset on the other, or with different values where they should be equal (ids, names, times
    and the referral's values aside)."""
    same_value = {
        "flow_id", "deployment_id", "work_queue_name", "work_queue_id", "tags", "state_type",
        "state_name", "flow_version", "deployment_version", "empirical_policy", "work_pool_name",
        "infrastructure_document_id", "job_variables",
    }  # fmt: skip
    differences: list[str] = []
    a, b = real.model_dump(mode="json"), clone.model_dump(mode="json")
    for field in sorted(a):
        if field in FIXED or field == "state":
            continue
        if (a[field] is None) != (b[field] is None):
            differences.append(f"{field} set on {'real' if b[field] is None else 'clone'} only")
        elif field in same_value and a[field] != b[field]:
            differences.append(f"{field} differs ({a[field]} / {b[field]})")
    if set(a["parameters"]["referral"]) != set(b["parameters"]["referral"]):
        differences.append("parameters' shape differs")
    sa, sb = a["state"], b["state"]
    for field in ("type", "name", "message"):
        if sa[field] != sb[field]:
            differences.append(f"state.{field} differs")
    da, db = sa["state_details"], sb["state_details"]
    for field in sorted(da):
        if field in ("flow_run_id", "transition_id", "scheduled_time"):
            continue
        if da[field] != db[field]:
            differences.append(f"state_details.{field} differs")
    return differences


async def read_runs(run_ids: list[UUID]) -> list[FlowRun]:
    async with get_client() as client:
        return await client.read_flow_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=run_ids))
        )
