"""End-to-end tests: the product's fixtures are the session plugin tests/e2e/product.py."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `last` run after all others: they check what the others left behind."""
    items.sort(key=lambda item: item.get_closest_marker("last") is not None)
