"""Fixtures for the Cloud Audit Logs source tests: realistic entries and a reader returning events and stats."""

from __future__ import annotations

import pytest
from tests.unit.sources.gcp.entries import make_entry
from tests.unit.sources.sourcekit import Reader, RecordFactory, reader_of

from jackwatch.sources.gcp import read_gcp_audit


@pytest.fixture
def entry() -> RecordFactory:
    """Build realistic Cloud Audit Logs entries: ``entry(index, **overrides)``."""
    return make_entry


@pytest.fixture
def read() -> Reader:
    """Read specs fully: ``read(specs, **read_gcp_audit_kwargs) -> (events, stats)``."""
    return reader_of(read_gcp_audit)
