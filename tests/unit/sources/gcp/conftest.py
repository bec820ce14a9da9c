"""Fixtures for the Cloud Audit Logs source tests: realistic entries and a reader returning events and stats."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from tests.unit.sources.gcp.entries import make_entry

from jackwatch.model import Event
from jackwatch.sources.gcp import ReadOptions, read_gcp_audit
from jackwatch.sources.stats import ReadStats

RecordFactory = Callable[..., dict[str, Any]]
Reader = Callable[..., tuple[list[Event], ReadStats]]


@pytest.fixture
def entry() -> RecordFactory:
    """Build realistic Cloud Audit Logs entries: ``entry(index, **overrides)``."""
    return make_entry


@pytest.fixture
def read() -> Reader:
    """Read specs fully: ``read(specs, **read_gcp_audit_kwargs) -> (events, stats)``."""

    def run(specs: Sequence[str | Path], **kwargs: Any) -> tuple[list[Event], ReadStats]:
        stats = ReadStats()
        kwargs.setdefault("options", ReadOptions())
        events = list(read_gcp_audit([str(spec) for spec in specs], stats, **kwargs))
        return events, stats

    return run
