"""`prefect worker start ...` with the warm start (launcher/warm_start.py) installed first: what
`python -m launcher.production worker` becomes. Arguments are those of `prefect`.

Falls back to Prefect's own way of starting runs, with a warning, wherever the warm start is
unavailable (another Prefect version, another platform).
"""

from __future__ import annotations

import sys

from adapters.settings import PROJECT_ROOT
from launcher import warm_start
from launcher.serve import load_declarations


def main() -> None:
    # Before the worker starts a thread: its runs are forked from a parent that has imported
    # Prefect and every flow in prefect.yaml.
    entrypoints = [d["entrypoint"] for d in load_declarations(PROJECT_ROOT / "prefect.yaml")]
    warm_start.install_for_process_worker(warm_start.flow_modules(entrypoints))
    from prefect.cli import app

    sys.argv = ["prefect", *sys.argv[1:]]
    app()


if __name__ == "__main__":
    main()
