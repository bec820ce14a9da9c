"""Fixtures of the Azure source tests: a reader that returns events and stats."""

from __future__ import annotations

import pytest
from tests.unit.sources.sourcekit import Reader, reader_of

from jackwatch.sources.azure import read_azure_openai


@pytest.fixture
def read() -> Reader:
    """Read specs fully: ``read(specs, **read_azure_openai_kwargs) -> (events, stats)``."""
    return reader_of(read_azure_openai)
