"""Hold thousands of waiting cases in a minute: clones of real waiting cme-case runs, copied
row by row in the Prefect server's own database.

A real case run waiting on its first form has, on the Prefect server: a flow run of the cme-case
deployment (named by its case reference, tagged, its referral as parameters) with its states
(Scheduled -> Pending -> Running -> Suspended, whose details carry the form's `pause_key`, the
`run_input_keyset`, `pause_reschedule`...), its task runs and their states, the form's flow-run
inputs (its JSON schema and its description), the case's keyed case-summary Markdown artifact,
and its logs. Opening one costs a `python -m prefect.engine` process (seconds of CPU on 2 cores),
so 10,000 real ones take hours, and making them through the API costs the server ~40 ms a call
(about 5 clones a second on 2 cores); what the server holds for a waiting case does not depend on
how the rows got there. So a few real runs are opened and waited for (the templates), and each
clone is a copy of one template's rows in every one of those tables, with new ids (and every
reference to them, in ids and in JSON), the case reference renumbered wherever it appears, and a
referral of a child of its own as parameters. What a clone lacks is listed in bench/README.md.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

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
from prefect.client.schemas.objects import FlowRun, StateType
from sqlalchemy import (
    Connection,
    Engine,
    MetaData,
    Table,
    bindparam,
    create_engine,
    insert,
    select,
    update,
)

from tests.factories import make_referral

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
    # As the server holds a real run's referral (read back from /flow_runs/filter): no None fields.
    return {"referral": referral.model_dump(mode="json", exclude_none=True)}


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


# Prefect's tables that hold a flow run and what hangs from it, in the order they are filled.
RUN_TABLES = (
    "artifact", "artifact_collection", "flow_run", "flow_run_state", "task_run", "task_run_state",
    "flow_run_input", "log",
)  # fmt: skip
CLONES_PER_BATCH = 250


@dataclass(frozen=True)
class StoredRun:
    """A real run's rows in the Prefect server's database, table by table."""

    reference: str
    rows: dict[str, list[dict[str, Any]]]


def swap(value: Any, replacements: dict[str, str]) -> Any:
    """`value` with every replacement made in its strings (recursively in JSON)."""
    if isinstance(value, str):
        for old, new in replacements.items():
            value = value.replace(old, new)
        return value
    if isinstance(value, dict):
        return {swap(k, replacements): swap(v, replacements) for k, v in value.items()}
    if isinstance(value, list):
        return [swap(v, replacements) for v in value]
    return value


def read_stored_run(connection: Connection, tables: dict[str, Table], run_id: UUID) -> StoredRun:
    run = tables["flow_run"]
    rows: dict[str, list[dict[str, Any]]] = {
        "flow_run": [dict(r) for r in connection.execute(
            select(run).where(run.c.id == run_id)).mappings()],
    }  # fmt: skip
    for name in ("flow_run_state", "task_run", "flow_run_input", "artifact", "log"):
        table = tables[name]
        rows[name] = [
            dict(r)
            for r in connection.execute(
                select(table).where(table.c.flow_run_id == run_id)
            ).mappings()
        ]
    task_run_ids = [r["id"] for r in rows["task_run"]]
    state = tables["task_run_state"]
    rows["task_run_state"] = [
        dict(r)
        for r in connection.execute(
            select(state).where(state.c.task_run_id.in_(task_run_ids))
        ).mappings()
    ]
    collection = tables["artifact_collection"]
    artifact_ids = [r["id"] for r in rows["artifact"]]
    rows["artifact_collection"] = [
        dict(r)
        for r in connection.execute(
            select(collection).where(collection.c.latest_id.in_(artifact_ids))
        ).mappings()
    ]
    return StoredRun(reference=rows["flow_run"][0]["name"], rows=rows)


def copy_rows(
    stored: StoredRun, number: int, index: int
) -> tuple[UUID, dict[str, list[dict[str, Any]]]]:
    """One clone's rows: every id new (and every reference to one), the case reference
    renumbered everywhere it appears, a referral of its own child as parameters."""
    old = stored.reference
    new = REFERENCE_NUMBER.sub(f"{number:05d}", old)
    ids: dict[UUID, UUID] = {row["id"]: uuid4() for table in stored.rows.values() for row in table}
    replacements = {str(a): str(b) for a, b in ids.items()} | {old: new, old.lower(): new.lower()}
    copied: dict[str, list[dict[str, Any]]] = {}
    for table, rows in stored.rows.items():
        copied[table] = [
            {column: ids.get(value, value) if isinstance(value, UUID) else swap(value, replacements)
             for column, value in row.items()}
            for row in rows
        ]  # fmt: skip
    run = copied["flow_run"][0]
    run["parameters"] = referral_parameters(index)
    if run["idempotency_key"] is not None:
        run["idempotency_key"] = f"clone-{run['id']}"
    return run["id"], copied


def clone_by_copy(
    database_url: str, real_ids: list[UUID], count: int, progress: Callable[[str], None]
) -> list[UUID]:
    """`count` clones of the real runs (in turn), written straight into the Prefect server's
    database as copies of each real run's rows: its flow run, states, task runs and their
    states, form inputs, artifacts and logs."""
    engine = create_engine(database_url)
    try:
        metadata = MetaData()
        metadata.reflect(engine, only=RUN_TABLES)
        tables = {name: metadata.tables[name] for name in RUN_TABLES}
        with engine.connect() as connection:
            stored = [read_stored_run(connection, tables, run_id) for run_id in real_ids]
        clone_ids: list[UUID] = []
        started = time.monotonic()
        for first in range(0, count, CLONES_PER_BATCH):
            batch: dict[str, list[dict[str, Any]]] = {name: [] for name in RUN_TABLES}
            for index in range(first, min(first + CLONES_PER_BATCH, count)):
                template = stored[index % len(stored)]
                run_id, rows = copy_rows(template, CLONE_NUMBERS_FROM + index, index)
                clone_ids.append(run_id)
                for name in RUN_TABLES:
                    batch[name].extend(rows[name])
            insert_batch(engine, tables, batch)
            if len(clone_ids) % 1000 < CLONES_PER_BATCH:
                rate = len(clone_ids) / (time.monotonic() - started)
                progress(f"  cloned {len(clone_ids)}/{count} ({rate:.0f}/s)")
        return clone_ids
    finally:
        engine.dispose()


def insert_batch(
    engine: Engine, tables: dict[str, Table], batch: dict[str, list[dict[str, Any]]]
) -> None:
    """Insert one batch of clones in one transaction; a run's and a task run's current state is
    set once its states exist (the foreign keys run both ways)."""
    current = {
        name: [(row["id"], row["state_id"]) for row in batch[name] if row["state_id"]]
        for name in ("flow_run", "task_run")
    }
    with engine.begin() as connection:
        for name in RUN_TABLES:
            rows = batch[name]
            if name in current:
                rows = [{**row, "state_id": None} for row in rows]
            if rows:
                connection.execute(insert(tables[name]), rows)
            if name in ("flow_run_state", "task_run_state"):
                owner = tables[name.removesuffix("_state")]
                pairs = current[owner.name]
                if pairs:
                    connection.execute(
                        update(owner)
                        .where(owner.c.id == bindparam("owner_id"))
                        .values(state_id=bindparam("current_state_id")),
                        [{"owner_id": a, "current_state_id": b} for a, b in pairs],
                    )


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
    real_fields, clone_fields = set(a["parameters"]["referral"]), set(b["parameters"]["referral"])
    if real_fields != clone_fields:
        differences.append(
            f"parameters' shape differs (real only: {sorted(real_fields - clone_fields)}, "
            f"clone only: {sorted(clone_fields - real_fields)})"
        )
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
