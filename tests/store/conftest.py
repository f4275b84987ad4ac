"""Store tests: the case database's own behaviour, which differs between SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Every store test runs in CI's PostgreSQL pass (-m production) as well as the SQLite one.
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.production)
