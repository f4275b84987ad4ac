"""Imports go one way: flows -> tasks -> store and adapters -> models (docs/design.md#layers).

Read from the source with `ast`, so every import counts, including one inside a function, and no
module is imported to check it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# What each package must never import (top-level names). launcher/ and bench/ sit on top and may
# import anything.
FORBIDDEN: dict[str, frozenset[str]] = {
    "models": frozenset(
        {"flows", "tasks", "store", "adapters", "launcher", "public_form", "bench", "gateway"}
        | {"front_door", "prefect", "sqlalchemy", "alembic"}
    ),
    "store": frozenset(
        {"flows", "tasks", "launcher", "public_form", "bench", "gateway", "front_door", "prefect"}
    ),
    "adapters": frozenset(
        {"flows", "tasks", "launcher", "public_form", "bench", "gateway", "front_door", "prefect"}
    ),
    # A task causes side effects through the store's queries and the adapters, never its own SQL
    # or PDF rendering.
    "tasks": frozenset({"flows", "launcher", "public_form", "bench", "sqlalchemy", "weasyprint"}),
    # A flow sequences tasks; it reaches the database, mail and documents only through them.
    "flows": frozenset(
        {"launcher", "public_form", "bench", "store", "adapters", "sqlalchemy", "weasyprint"}
    ),
    # The public form runs without Prefect: it stores a submission, and its drainer hands it on.
    "public_form": frozenset({"flows", "tasks", "launcher", "bench", "prefect"}),
    # The sign-in gateway wraps Prefect's server application; it runs no flow or task.
    "gateway": frozenset({"flows", "tasks", "launcher", "public_form", "bench"}),
    # The officers' front door reads the case database and signs people in; it never runs or
    # reaches Prefect (it links to the Prefect UI) and shares no code with the public form.
    "front_door": frozenset(
        {"flows", "tasks", "launcher", "bench", "public_form", "gateway", "prefect"}
    ),
}

# Known crossings, each being removed: (module, imported package) -> why it is still here. An entry
# whose import has gone must be deleted (see the last test), so the list only ever shrinks.
KNOWN: dict[tuple[str, str], str] = {}

# Crossings by design: the drainer is its own process and hands each submission to the case flow
# through Prefect's client; only it loads this module, so the web app never imports Prefect.
ALLOWED: dict[tuple[str, str], str] = {
    ("public_form/delivery.py", "prefect"): "run_deployment, for the drainer only",
}


def _imported_modules(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def _imported_packages(path: Path) -> Iterator[str]:
    return (module.split(".")[0] for module in _imported_modules(path))


def _crossings() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for package, forbidden in FORBIDDEN.items():
        for path in sorted((ROOT / package).rglob("*.py")):
            module = path.relative_to(ROOT).as_posix()
            found.update((module, name) for name in _imported_packages(path) if name in forbidden)
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_package_imports_a_layer_above_it(package: str) -> None:
    crossings = {
        f"{module} imports {name}"
        for module, name in _crossings() - KNOWN.keys() - ALLOWED.keys()
        if module.startswith(f"{package}/")
    }

    assert crossings == set()


def test_every_known_crossing_still_exists_so_the_list_only_shrinks() -> None:
    gone = KNOWN.keys() - _crossings()

    assert gone == set(), f"fixed, delete from KNOWN: {sorted(gone)}"


def test_only_the_drainer_loads_the_prefect_delivery() -> None:
    importers = {
        path.relative_to(ROOT).as_posix()
        for package in FORBIDDEN
        for path in (ROOT / package).rglob("*.py")
        if "public_form.delivery" in set(_imported_modules(path))
    }

    assert importers == {"public_form/drainer.py"}


def test_the_check_sees_every_package() -> None:
    for package in FORBIDDEN:
        assert (ROOT / package / "__init__.py").is_file(), package
