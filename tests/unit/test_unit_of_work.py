"""`inject_uow` hands tasks their unit of work without Prefect seeing it.

A case suspended before tasks took a ``uow`` replays after the upgrade: each task must keep the
parameters, task key, run names and cache key it had, or the replay repeats letters and emails.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from types import SimpleNamespace
from typing import Any, cast
from uuid import UUID

import pytest
from prefect import Task, task
from prefect.context import TaskRunContext
from prefect.utilities.callables import get_call_parameters

import tasks
from store.unit_of_work import INJECTED, UnitOfWork, bootstrap, inject_uow, install, reset
from tasks.caching import STABLE_CACHE

FLOW_RUN = UUID("0b9c3a52-7d0e-4f1a-9a8e-2f6f3b0c1d11")


def _without_uow(reference: str, stage: str, attempt: int = 1) -> str:
    return f"{reference}:{stage}:{attempt}"


def _with_uow(reference: str, stage: str, attempt: int = 1, *, uow: UnitOfWork = INJECTED) -> str:
    return f"{reference}:{stage}:{attempt}:{id(uow)}"


before = task(name="write-thing", cache_policy=STABLE_CACHE, persist_result=True)(_without_uow)
after = task(name="write-thing", cache_policy=STABLE_CACHE, persist_result=True)(
    inject_uow(_with_uow)
)


def _cache_key(subject: Task[..., Any], *args: Any, **kwargs: Any) -> str | None:
    # What the task engine does: bind the call to the task's signature, then key the inputs.
    inputs = get_call_parameters(subject.fn, args, kwargs)
    context = SimpleNamespace(task=subject, task_run=SimpleNamespace(flow_run_id=FLOW_RUN))
    return STABLE_CACHE.compute_key(
        task_ctx=cast(TaskRunContext, context), inputs=inputs, flow_parameters={}
    )


def test_a_task_given_its_unit_of_work_has_the_parameters_it_had_without_one() -> None:
    assert list(inspect.signature(after.fn).parameters) == ["reference", "stage", "attempt"]
    assert "uow" not in after.fn.__annotations__
    assert get_call_parameters(after.fn, ("CME-2026-00001", "home_visit"), {}) == (
        get_call_parameters(before.fn, ("CME-2026-00001", "home_visit"), {})
    )


def test_a_task_given_its_unit_of_work_keeps_its_cache_key() -> None:
    key = _cache_key(after, "CME-2026-00001", "home_visit", attempt=2)
    assert key is not None
    assert key == _cache_key(before, "CME-2026-00001", "home_visit", attempt=2)
    assert key != _cache_key(after, "CME-2026-00001", "home_visit", attempt=3)


def test_a_task_given_its_unit_of_work_keeps_its_task_key_and_run_names() -> None:
    # Run names are the task's name and a counter per task key: both as without the decorator.
    assert after.name == before.name
    assert after.task_key == task(name="write-thing")(_with_uow).task_key


def test_prefect_refuses_a_unit_of_work_passed_as_a_task_argument() -> None:
    with pytest.raises(Exception, match="uow"):
        get_call_parameters(after.fn, ("CME-2026-00001", "home_visit"), {"uow": None})


def test_the_process_unit_of_work_is_injected_unless_the_caller_passes_one() -> None:
    installed, given = cast(UnitOfWork, object()), cast(UnitOfWork, object())
    install(installed)
    try:
        assert bootstrap() is installed
        assert after.fn("r", "s") == f"r:s:1:{id(installed)}"
        assert after.fn("r", "s", uow=given) == f"r:s:1:{id(given)}"
    finally:
        reset()


def test_only_a_keyword_only_uow_parameter_can_be_injected() -> None:
    def positional(uow: UnitOfWork) -> None:
        pass

    with pytest.raises(TypeError, match="keyword-only"):
        inject_uow(positional)


def test_no_product_task_shows_prefect_a_unit_of_work() -> None:
    found = 0
    for module_info in pkgutil.iter_modules(tasks.__path__):
        module = importlib.import_module(f"tasks.{module_info.name}")
        for value in vars(module).values():
            if isinstance(value, Task) and value.fn.__module__ == module.__name__:
                found += 1
                assert "uow" not in inspect.signature(value.fn).parameters, value.name
    assert found > 30
