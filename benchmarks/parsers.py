"""The JSON parsers the throughput baselines are measured with.

``orjson`` is the reference the issue targets have been measured against from the start; ``msgspec`` is the
parser ``jackwatch`` reads logs with (faster on log records: it caches their repeated keys). The benchmarks
print the ratio against both, so that a faster parser in jackwatch does not flatter the reference.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
import orjson

PARSERS: dict[str, Callable[[bytes], Any]] = {"orjson": orjson.loads, "msgspec": msgspec.json.Decoder().decode}
BASELINES = tuple(f"baseline-{name}" for name in PARSERS)
"""The child modes of the benchmarks that measure gunzip + parse only."""


def parser_of(mode: str) -> Callable[[bytes], Any]:
    """The parser of a baseline mode (``baseline-orjson``…)."""
    return PARSERS[mode.removeprefix("baseline-")]
