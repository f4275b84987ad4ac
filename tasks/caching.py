"""The cache policy of every task with a side effect.

Prefect's default policy includes the task's source, so editing a task (even a comment) while a
case waits for months would make the resumed run repeat it. This policy keys on what cannot
change under a waiting case: the task's name, the flow run, and the inputs.
"""

from __future__ import annotations

from typing import Any

from prefect.cache_policies import INPUTS, RUN_ID, CacheKeyFnPolicy, CachePolicy
from prefect.context import TaskRunContext


def _task_name(context: TaskRunContext, _parameters: dict[str, Any]) -> str:
    return context.task.name


STABLE_CACHE: CachePolicy = INPUTS + RUN_ID + CacheKeyFnPolicy(cache_key_fn=_task_name)
