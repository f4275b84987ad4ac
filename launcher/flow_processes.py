"""Which processes under a serving process or worker are flow runs executing.

With the warm start (launcher/warm_start.py) a serving process or worker keeps two helpers of
its own for as long as it runs: the warm parent every flow-run process is forked from
(multiprocessing's fork server) and multiprocessing's resource tracker. They hold no run, so a
waiting case still costs no process; everything else under the runner is a run executing.
"""

from __future__ import annotations

import contextlib

import psutil

# The command lines Python's multiprocessing starts these helpers with.
_HELPERS = (
    "multiprocessing.forkserver import main",
    "multiprocessing.resource_tracker import main",
)


def _is_helper_command(process: psutil.Process) -> bool:
    try:
        command = " ".join(process.cmdline())
    except psutil.Error:
        return False
    return any(helper in command for helper in _HELPERS)


def warm_start_helpers(pid: int) -> list[psutil.Process]:
    """The warm start's helpers: children of `pid` itself (none when runs start cold). A run
    forked from the warm parent shows the parent's command line too, one level further down."""
    with contextlib.suppress(psutil.NoSuchProcess):
        return [c for c in psutil.Process(pid).children() if _is_helper_command(c)]
    return []


def flow_run_processes(pid: int) -> list[psutil.Process]:
    """Every process under `pid` but the warm start's helpers: the flow runs executing."""
    with contextlib.suppress(psutil.NoSuchProcess):
        helpers = {helper.pid for helper in warm_start_helpers(pid)}
        return [c for c in psutil.Process(pid).children(recursive=True) if c.pid not in helpers]
    return []
