"""The classes a waiting case's persisted tasks name, pinned so that moving one is a decision.

A resumed case replays its flow from the top and its persisted tasks come back Cached. Their cache
keys hash the inputs as JSON in which each pydantic model carries its class's dotted name (the
module that defines it), and their stored results carry the result class's dotted name, imported
again when read. Moving such a class re-runs every waiting case's finished tasks (a new key) or
stops it reading its stored results; tests/e2e/test_upgrade.py shows it end to end, this in a
second.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import pkgutil
import typing
from typing import Any

from prefect.tasks import Task
from pydantic import BaseModel

import flows
import tasks

# Hashed into the cache keys of waiting cases: each must still be defined in this module.
INPUT_CLASSES = {
    "models.case.CaseHandle",
    "models.case.StageResult",
    "models.closure.ClosureRequest",
    "models.intake.ReceivedReferral",
    "models.letters.NoticeRequest",
    "models.referral.Referral",
}

# Named in stored results: each must still be importable under this name (defined here today).
RESULT_CLASSES = {
    "models.chronology.ChronologyBundle",
    "models.extracts.ExtractMatch",
    "models.intake.ReceivedReferral",
    "models.letters.LetterLink",
}


def _persisted_tasks() -> list[Task[..., Any]]:
    found: list[Task[..., Any]] = []
    for package in (flows, tasks):
        for module_info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{module_info.name}")
            found += [
                value
                for value in vars(module).values()
                if isinstance(value, Task)
                and value.__module__ == module.__name__
                and value.persist_result
            ]
    return found


def _named_classes(annotation: Any) -> set[str]:
    """Classes the JSON encoder writes by name: pydantic models and enums that are not str/int."""
    names: set[str] = set()
    for argument in typing.get_args(annotation):
        names |= _named_classes(argument)
    if inspect.isclass(annotation) and (
        issubclass(annotation, BaseModel)
        or (issubclass(annotation, enum.Enum) and not issubclass(annotation, str | int))
    ):
        names.add(f"{annotation.__module__}.{annotation.__qualname__}")
    return names


def test_the_classes_persisted_tasks_take_and_return_are_the_pinned_ones() -> None:
    inputs: set[str] = set()
    results: set[str] = set()
    for task in _persisted_tasks():
        hints = typing.get_type_hints(task.fn)
        results |= _named_classes(hints.pop("return", None))
        for hint in hints.values():
            inputs |= _named_classes(hint)
    assert inputs == INPUT_CLASSES
    assert results == RESULT_CLASSES
