"""Fixtures of the rule tests (helpers live in ``ruleskit``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from tests.unit.rules.ruleskit import load_files

from jackwatch.rules.loader import LoadResult


@pytest.fixture
def load(tmp_path: Path) -> Callable[..., LoadResult]:
    """``load(text, …)``: write each text to its own file (``rules1.yaml``…) and load them in order."""
    return lambda *texts: load_files(tmp_path, *texts)
