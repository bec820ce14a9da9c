"""Posture reports (findings of :mod:`jackwatch.checks`) as JSON, SARIF 2.1.0 and a rich table.

JSON is ``{"findings": [...], "stats": {...}}``: each finding has ``id``, ``rule_id``, ``title``, ``severity``,
``subject``, ``key``, ``resource`` (kind, namespace, name, file, line for Kubernetes; arn, account, region for
AWS), the equivalent controls of other tools (``kubescape``, ``checkov``: lists, possibly empty), ``fix`` (or
``null``) and ``evidence``. SARIF has one rule per check (title, description, remediation as help) and one result
per finding, located at its file and line when it comes from a file, else by its subject (a logical location).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import PurePath
from typing import IO, Any
from urllib.parse import quote

import orjson
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from jackwatch import __version__
from jackwatch.checks.base import CheckSpec
from jackwatch.model import Finding, Severity
from jackwatch.outputs.table import PLAIN_WIDTH

REFERENCE_TOOLS = ("kubescape", "checkov")
"""Tools whose equivalent control ids every finding lists (an empty list when there is none)."""

_RESERVED = frozenset({"resource", "fix", *REFERENCE_TOOLS})

_LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/jackwatch/jackwatch"


def ordered(findings: Sequence[Finding]) -> list[Finding]:
    """Most severe first, then by check, subject and key."""
    return sorted(findings, key=lambda f: (-f.severity.rank, f.rule_id, f.subject, f.key))


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    """One posture finding as JSON data."""
    evidence = finding.evidence
    described: dict[str, Any] = {
        "id": finding.id,
        "rule_id": finding.rule_id,
        "title": finding.title,
        "severity": str(finding.severity),
        "subject": finding.subject,
        "key": finding.key,
        "resource": dict(evidence.get("resource") or {}),
    }
    for tool in REFERENCE_TOOLS:
        described[tool] = list(evidence.get(tool) or [])
    described["fix"] = evidence.get("fix")
    described["mitre"] = list(finding.mitre)
    described["evidence"] = {name: value for name, value in evidence.items() if name not in _RESERVED}
    return described


def posture_to_dict(findings: Sequence[Finding], stats: Mapping[str, Any]) -> dict[str, Any]:
    """``{"findings": [...], "stats": {...}}``."""
    return {"findings": [finding_to_dict(finding) for finding in ordered(findings)], "stats": dict(stats)}


def write_posture_json(findings: Sequence[Finding], stats: Mapping[str, Any], stream: IO[bytes]) -> None:
    """The report as indented JSON."""
    data = posture_to_dict(findings, stats)
    stream.write(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS) + b"\n")


def posture_to_sarif(findings: Sequence[Finding], specs: Mapping[str, CheckSpec], target: str) -> dict[str, Any]:
    """The SARIF log of one run: a rule per check that has findings, a result per finding."""
    shown = ordered(findings)
    rule_ids = sorted({finding.rule_id for finding in shown})
    index = {rule_id: position for position, rule_id in enumerate(rule_ids)}
    return {
        "version": "2.1.0",
        "$schema": SARIF_SCHEMA,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "jackwatch",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule(rule_id, specs.get(rule_id)) for rule_id in rule_ids],
                    }
                },
                "originalUriBaseIds": {"ROOT": {"description": {"text": f"The working directory of: {target}"}}},
                "results": [_result(finding, index[finding.rule_id]) for finding in shown],
            }
        ],
    }


def write_posture_sarif(
    findings: Sequence[Finding], specs: Mapping[str, CheckSpec], target: str, stream: IO[bytes]
) -> None:
    """The SARIF log as indented JSON."""
    stream.write(orjson.dumps(posture_to_sarif(findings, specs, target), option=orjson.OPT_INDENT_2) + b"\n")


def _rule(rule_id: str, spec: CheckSpec | None) -> dict[str, Any]:
    if spec is None:
        return {"id": rule_id, "name": rule_id}
    tags = ["security", "misconfiguration", *(f"{tool}:{ref}" for tool, ids in spec.refs.items() for ref in ids)]
    return {
        "id": spec.id,
        "name": spec.id,
        "shortDescription": {"text": spec.title},
        "fullDescription": {"text": spec.description},
        "help": {"text": spec.remediation},
        "defaultConfiguration": {"level": _LEVELS[spec.severity]},
        "properties": {
            "security-severity": _SECURITY_SEVERITY[spec.severity],
            "tags": tags,
            **{tool: list(ids) for tool, ids in spec.refs.items()},
        },
    }


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    resource = finding.evidence.get("resource") or {}
    location: dict[str, Any] = {
        "logicalLocations": [{"fullyQualifiedName": finding.subject, "kind": "resource"}],
    }
    file, line = resource.get("file"), resource.get("line")
    if isinstance(file, str) and file and not file.startswith("<"):
        physical: dict[str, Any] = {"artifactLocation": _artifact(file)}
        if isinstance(line, int) and line >= 1:
            physical["region"] = {"startLine": line}
        location["physicalLocation"] = physical
    fix = finding.evidence.get("fix")
    return {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": _LEVELS[finding.severity],
        "message": {"text": f"{finding.title}: {describe(finding)}"},
        "locations": [location],
        "partialFingerprints": {"jackwatchFindingId": finding.id},
        "properties": {
            "severity": str(finding.severity),
            "subject": finding.subject,
            "key": finding.key,
            "fix": fix.get("summary") if isinstance(fix, Mapping) else None,
        },
    }


def _artifact(file: str) -> dict[str, Any]:
    path = PurePath(file)
    if path.is_absolute():
        return {"uri": "file://" + quote(path.as_posix())}
    return {"uri": quote(path.as_posix()), "uriBaseId": "ROOT"}


def describe(finding: Finding) -> str:
    """``Deployment prod/api (container web)``, ``ConfigMap prod/settings (key OPENAI_API_KEY)``, or the
    subject."""
    resource = finding.evidence.get("resource") or {}
    kind, name = resource.get("kind"), resource.get("name")
    if not kind or not name:
        return finding.subject
    namespace = resource.get("namespace")
    text = f"{kind} {namespace}/{name}" if namespace else f"{kind} {name}"
    if resource.get("container"):
        text += f" (container {resource['container']})"
    elif finding.key:
        text += f" ({finding.key})"
    return text


def _where(finding: Finding) -> str:
    resource = finding.evidence.get("resource") or {}
    file, line = resource.get("file"), resource.get("line")
    if not file:
        return ""
    return f"{file}:{line}" if line else str(file)


def write_posture_table(
    findings: Sequence[Finding], stats: Mapping[str, Any], stream: IO[bytes], *, title: str, color: bool = False
) -> None:
    """The report as a rich table, then a summary (by severity, what was read, what was skipped or refused)."""
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=None if color else PLAIN_WIDTH)
    table = Table(title=escape(title))
    for column in ("severity", "check", "resource", "where", "fix"):
        table.add_column(column)
    for finding in ordered(findings):
        fix = finding.evidence.get("fix")
        table.add_row(
            str(finding.severity),
            finding.rule_id,
            escape(describe(finding)),
            escape(_where(finding)),
            escape(str(fix.get("summary", "yes"))) if isinstance(fix, Mapping) else "",
        )
    console.print(table)
    counts = dict.fromkeys(reversed(list(Severity)), 0)
    for finding in findings:
        counts[finding.severity] += 1
    console.print(
        f"{len(findings)} findings: " + ", ".join(f"{count} {level}" for level, count in counts.items() if count)
        if findings
        else "no findings"
    )
    for line in _stat_lines(stats):
        console.print(line, markup=False)
    stream.write(buffer.getvalue().encode())


def _stat_lines(stats: Mapping[str, Any]) -> list[str]:
    lines = []
    if stats.get("partial"):
        lines.append("PARTIAL VIEW: " + "; ".join(str(item) for item in stats.get("denied", [])))
    read = stats.get("read") or {}
    problems = read.get("problems") if isinstance(read, Mapping) else None
    lines.extend(
        f"  skipped {problem['location']}: {problem['reason']}: {problem['message']}" for problem in problems or []
    )
    lines.extend(f"  check {error['check']} failed: {error['message']}" for error in stats.get("check_errors", []))
    return lines
