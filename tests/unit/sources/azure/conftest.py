"""Fixtures of the Azure source tests: a reader that returns events and stats."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from jackwatch.model import Event
from jackwatch.sources.azure import read_azure_openai
from jackwatch.sources.reading.context import ReadOptions
from jackwatch.sources.stats import ReadStats

Reader = Callable[..., tuple[list[Event], ReadStats]]


@pytest.fixture
def read() -> Reader:
    """Read specs fully: ``read(specs, **read_azure_openai_kwargs) -> (events, stats)``."""

    def run(specs: Sequence[str | Path], **kwargs: Any) -> tuple[list[Event], ReadStats]:
        stats = ReadStats()
        kwargs.setdefault("options", ReadOptions())
        events = list(read_azure_openai([str(spec) for spec in specs], stats, **kwargs))
        return events, stats

    return run
