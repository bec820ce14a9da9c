"""Fixtures of the pricing tests: the built-in table, and price files written to a temporary folder."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from jackwatch.cost import PriceTable, load_price_table


@pytest.fixture(scope="session")
def builtin() -> PriceTable:
    return load_price_table()


@pytest.fixture
def price_file(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a price file (dedented) and return its path."""

    def write(text: str, name: str = "prices.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write
