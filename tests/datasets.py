"""The third-party datasets beside the checkout (``../shared/datasets``), for conformance tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


def needs(path: Path) -> pytest.MarkDecorator:
    """Skip when the dataset at ``path`` is absent, except under ``CI``: there, its absence must fail."""
    return pytest.mark.skipif(not path.exists() and not os.environ.get("CI"), reason=f"{path} is not on this machine")
