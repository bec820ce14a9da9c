"""Write findings and run statistics in the format the user asked for."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import IO, Any, assert_never

import orjson

from jackwatch.model import Finding
from jackwatch.outputs.ocsf import finding_to_ocsf
from jackwatch.outputs.serialize import finding_to_dict, iso
from jackwatch.outputs.table import render_table


class OutputFormat(StrEnum):
    """Output formats of ``detect``, ``findings`` and ``demo``."""

    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    OCSF = "ocsf"


def _default(value: object) -> str:
    """Datetimes left in evidence or statistics are written like the finding times: UTC with a ``Z``."""
    if isinstance(value, datetime):
        return iso(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _dumps(value: Any, *, indent: bool = False) -> bytes:
    option = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | (orjson.OPT_INDENT_2 if indent else 0)
    return orjson.dumps(value, default=_default, option=option)


def render(
    fmt: OutputFormat,
    findings: Sequence[Finding],
    stats: Mapping[str, Any],
    out: IO[bytes],
    *,
    color: bool = False,
) -> None:
    """Write ``findings`` (and ``stats`` where the format has room for them) to ``out``.

    ``json`` is one object ``{"findings": [...], "stats": {...}}``; ``jsonl`` one finding per line;
    ``ocsf`` a JSON array of OCSF Detection Findings; ``table`` a rich table and a summary.
    """
    if fmt is OutputFormat.JSON:
        body = {"findings": [finding_to_dict(f) for f in findings], "stats": dict(stats)}
        out.write(_dumps(body, indent=True) + b"\n")
    elif fmt is OutputFormat.JSONL:
        out.writelines(_dumps(finding_to_dict(f)) + b"\n" for f in findings)
    elif fmt is OutputFormat.OCSF:
        out.write(_dumps([finding_to_ocsf(f) for f in findings], indent=True) + b"\n")
    elif fmt is OutputFormat.TABLE:
        out.write(render_table(findings, stats, color=color).encode())
    else:
        assert_never(fmt)
