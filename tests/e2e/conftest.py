"""End-to-end fixtures: the demo environment, its manifest, and a default store that is never the user's.

Every e2e module gets ``JACKWATCH_DB`` pointed at a file in its own temporary directory before any other
fixture runs, so a command run without ``--db`` cannot reach the store in the user's data directory.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.demo_env import MANIFEST_CANDIDATES, first_existing


@pytest.fixture(scope="module", autouse=True)
def isolated_default_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """``JACKWATCH_DB`` for the module: a SQLite file no test is meant to write (``--db`` or ``--no-store``)."""
    path = tmp_path_factory.mktemp("default-store") / "jackwatch.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JACKWATCH_DB", str(path))
        yield path


@pytest.fixture(scope="session")
def demo_manifest() -> dict[str, Any]:
    """The demo's manifest of expected (and forbidden) findings."""
    path = first_existing(MANIFEST_CANDIDATES)
    if path is None:
        pytest.fail(f"no demo manifest at any of {[str(p) for p in MANIFEST_CANDIDATES]}")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(manifest, dict) and manifest.get("expected"), path
    return manifest
