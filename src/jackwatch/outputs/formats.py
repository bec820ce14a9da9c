"""Write findings and run statistics in the format the user asked for."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import IO, Any, assert_never

import orjson

from jackwatch.correlate.incidents import Incident
from jackwatch.model import Finding
from jackwatch.outputs.ocsf import finding_to_ocsf
from jackwatch.outputs.serialize import finding_to_dict, incident_to_dict, iso
from jackwatch.outputs.table import render_incident_table, render_table


class OutputFormat(StrEnum):
    """Output formats of ``detect``, ``findings`` and ``demo``."""

    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    OCSF = "ocsf"


class IncidentFormat(StrEnum):
    """Output formats of ``incidents``: OCSF has no incident class jackwatch writes."""

    TABLE = OutputFormat.TABLE.value
    JSON = OutputFormat.JSON.value
    JSONL = OutputFormat.JSONL.value


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
    incidents: Sequence[Incident] = (),
) -> None:
    """Write ``findings`` (and ``incidents`` and ``stats`` where the format has room for them) to ``out``.

    ``json`` is one object ``{"findings": [...], "incidents": [...], "stats": {...}}``; ``jsonl`` one finding per
    line; ``ocsf`` a JSON array of OCSF Detection Findings; ``table`` rich tables and a summary.
    """
    if fmt is OutputFormat.JSON:
        body = {
            "findings": [finding_to_dict(f) for f in findings],
            "incidents": [incident_to_dict(i) for i in incidents],
            "stats": dict(stats),
        }
        out.write(_dumps(body, indent=True) + b"\n")
    elif fmt is OutputFormat.JSONL:
        out.writelines(_dumps(finding_to_dict(f)) + b"\n" for f in findings)
    elif fmt is OutputFormat.OCSF:
        out.write(_dumps([finding_to_ocsf(f) for f in findings], indent=True) + b"\n")
    elif fmt is OutputFormat.TABLE:
        out.write(render_table(findings, stats, color=color, incidents=incidents).encode())
    else:
        assert_never(fmt)


def render_incidents(
    fmt: OutputFormat, incidents: Sequence[Incident], stats: Mapping[str, Any], out: IO[bytes], *, color: bool = False
) -> None:
    """Write ``incidents`` alone: ``json`` as ``{"incidents": [...], "stats": {...}}``, ``jsonl`` one per line,
    ``table`` as a rich table and a summary. OCSF has no incident class jackwatch writes: ``ValueError``."""
    if fmt is OutputFormat.JSON:
        body = {"incidents": [incident_to_dict(i) for i in incidents], "stats": dict(stats)}
        out.write(_dumps(body, indent=True) + b"\n")
    elif fmt is OutputFormat.JSONL:
        out.writelines(_dumps(incident_to_dict(i)) + b"\n" for i in incidents)
    elif fmt is OutputFormat.TABLE:
        out.write(render_incident_table(incidents, stats, color=color).encode())
    else:
        raise ValueError(f"incidents cannot be written as {fmt.value}: use table, json or jsonl")
