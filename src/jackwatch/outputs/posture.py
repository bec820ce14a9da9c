"""Posture reports (findings of :mod:`jackwatch.checks`, Kubernetes and AWS alike) as JSON, SARIF 2.1.0 and a rich
table.

JSON is ``{"findings": [...], "stats": {...}}``: each finding has ``id``, ``rule_id``, ``title``, ``severity``,
``subject``, ``key``, ``resource`` (kind, namespace, name, file, line for Kubernetes; kind, name, arn, account,
region for AWS), the equivalent controls of the report's reference tools at the top level (``kubescape``,
``checkov`` for Kubernetes: lists, possibly empty), ``fix`` (or ``null``), the check's ``remediation``, ``refs``
and ``docs``, ``mitre`` and the rest of the ``evidence``. SARIF has one rule per check (title, description,
remediation as help) and one result per finding, located at its file and line when it comes from a file, always
by its resource (a logical location: the ARN, else the subject). The table lists the findings, counts them by
severity, and ends with what the scan read, what it could not (a partial view) and which checks failed.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePath
from typing import IO, Any
from urllib.parse import quote

import orjson
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from jackwatch.checks.base import CheckSpec
from jackwatch.model import Finding, Severity
from jackwatch.outputs.sarif import sarif_log
from jackwatch.outputs.table import PLAIN_WIDTH


class PostureFormat(StrEnum):
    """How a posture scan is reported."""

    TABLE = "table"
    JSON = "json"
    SARIF = "sarif"


KUBERNETES_TOOLS = ("kubescape", "checkov")
"""The tools whose equivalent control ids every Kubernetes finding lists (an empty list when there is none)."""

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
_SHOWN_GAPS = 20
"""Things that could not be read listed under the table; the rest are counted."""


@dataclass(frozen=True, slots=True)
class PostureReport:
    """One posture scan to report.

    ``specs`` is the metadata of the checks that ran; ``target`` what was scanned (SARIF names it); ``title`` the
    table's title; ``tools`` the reference tools every finding lists at its top level; ``notes`` lines shown under
    the table (what was read); ``gaps`` what could not be read (the view is partial when there are any).
    """

    findings: Sequence[Finding]
    stats: Mapping[str, Any]
    specs: Mapping[str, CheckSpec]
    target: str
    title: str
    tools: tuple[str, ...] = ()
    notes: Sequence[str] = ()
    gaps: Sequence[str] = ()

    @property
    def ordered(self) -> list[Finding]:
        """Most severe first, then by check, subject and key."""
        return ordered(self.findings)


def ordered(findings: Sequence[Finding]) -> list[Finding]:
    """Most severe first, then by check, subject and key."""
    return sorted(findings, key=lambda f: (-f.severity.rank, f.rule_id, f.subject, f.key))


def finding_to_dict(
    finding: Finding, spec: CheckSpec | None = None, tools: Sequence[str] = KUBERNETES_TOOLS
) -> dict[str, Any]:
    """One posture finding as JSON data (``spec``: its check's metadata, when known)."""
    evidence = finding.evidence
    refs = {tool: list(ids) for tool, ids in spec.refs.items()} if spec else {}
    reserved = {"resource", "fix", *tools, *refs}
    described: dict[str, Any] = {
        "id": finding.id,
        "rule_id": finding.rule_id,
        "title": finding.title,
        "severity": str(finding.severity),
        "subject": finding.subject,
        "key": finding.key,
        "resource": dict(evidence.get("resource") or {}),
    }
    for tool in tools:
        described[tool] = list(evidence.get(tool) or [])
    described["fix"] = evidence.get("fix")
    described["remediation"] = spec.remediation if spec else None
    described["refs"] = refs
    described["docs"] = dict(spec.docs) if spec else {}
    described["mitre"] = list(finding.mitre)
    described["evidence"] = {name: value for name, value in evidence.items() if name not in reserved}
    return described


def posture_to_dict(report: PostureReport) -> dict[str, Any]:
    """``{"findings": [...], "stats": {...}}``."""
    findings = [finding_to_dict(f, report.specs.get(f.rule_id), report.tools) for f in report.ordered]
    return {"findings": findings, "stats": dict(report.stats)}


def write_posture_json(report: PostureReport, stream: IO[bytes]) -> None:
    """The report as indented JSON."""
    data = posture_to_dict(report)
    stream.write(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS) + b"\n")


def posture_to_sarif(report: PostureReport) -> dict[str, Any]:
    """The SARIF log of one run: a rule per check that has findings, a result per finding."""
    shown = report.ordered
    rule_ids = sorted({finding.rule_id for finding in shown})
    index = {rule_id: position for position, rule_id in enumerate(rule_ids)}
    return sarif_log(
        [_rule(rule_id, report.specs.get(rule_id)) for rule_id in rule_ids],
        [_result(finding, index[finding.rule_id]) for finding in shown],
        f"The working directory of: {report.target}",
        {"target": report.target, "partial": bool(report.stats.get("partial"))},
    )


def write_posture_sarif(report: PostureReport, stream: IO[bytes]) -> None:
    """The SARIF log as indented JSON."""
    data = posture_to_sarif(report)
    stream.write(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS) + b"\n")


def _rule(rule_id: str, spec: CheckSpec | None) -> dict[str, Any]:
    if spec is None:
        return {"id": rule_id, "name": rule_id}
    tags = ["security", "misconfiguration", *(f"{tool}:{ref}" for tool, ids in spec.refs.items() for ref in ids)]
    rule: dict[str, Any] = {
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
    if "url" in spec.docs:
        rule["helpUri"] = spec.docs["url"]
    return rule


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    resource = finding.evidence.get("resource") or {}
    name = resource.get("arn") or finding.subject
    location: dict[str, Any] = {"logicalLocations": [{"fullyQualifiedName": name, "kind": "resource"}]}
    file, line = resource.get("file"), resource.get("line")
    if isinstance(file, str) and file and not file.startswith("<"):
        physical: dict[str, Any] = {"artifactLocation": _artifact(file)}
        if isinstance(line, int) and line >= 1:
            physical["region"] = {"startLine": line}
        location["physicalLocation"] = physical
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
            "resource": dict(resource),
            "fix": finding.evidence.get("fix"),
        },
    }


def _artifact(file: str) -> dict[str, Any]:
    path = PurePath(file)
    if path.is_absolute():
        return {"uri": "file://" + quote(path.as_posix())}
    return {"uri": quote(path.as_posix()), "uriBaseId": "ROOT"}


def describe(finding: Finding) -> str:
    """``Deployment prod/api (container web)``, ``ConfigMap prod/settings (OPENAI_API_KEY)``,
    ``aws_iam_user ci (global)``, or the subject."""
    resource = finding.evidence.get("resource") or {}
    kind, name = resource.get("kind"), resource.get("name")
    if not kind or not name:
        return finding.subject
    namespace = resource.get("namespace")
    text = f"{kind} {namespace}/{name}" if namespace else f"{kind} {name}"
    if resource.get("container"):
        text += f" (container {resource['container']})"
    elif resource.get("region"):
        text += f" ({resource['region']})"
    elif finding.key:
        text += f" ({finding.key})"
    return text


def where(finding: Finding) -> str:
    """``file:line`` of a finding read from a file, else its region (AWS), else nothing."""
    resource = finding.evidence.get("resource") or {}
    file, line = resource.get("file"), resource.get("line")
    if file:
        return f"{file}:{line}" if line else str(file)
    return str(resource.get("region") or "")


def detail(finding: Finding) -> str:
    """A few words of evidence: the regions, the key and its age, the grants (empty when there is nothing to
    add to the resource)."""
    evidence = finding.evidence
    if "regions_not_covered" in evidence:
        return "regions: " + ", ".join(evidence["regions_not_covered"])
    if "age_days" in evidence:
        return f"{finding.key}: {evidence['age_days']} days old"
    if isinstance(evidence.get("api_key"), Mapping):
        expires = evidence["api_key"].get("expires")
        return f"{finding.key}: {'expires ' + expires[:10] if expires else 'never expires'}"
    if "access_keys" in evidence and "allowed_by" in evidence:
        keys = ", ".join(str(key.get("id")) for key in evidence["access_keys"])
        return f"keys {keys}; allowed by {', '.join(evidence['allowed_by'])}"
    if "granted_by" in evidence:
        return "granted by " + ", ".join(str(grant.get("name")) for grant in evidence["granted_by"])
    return ""


def write_posture_table(report: PostureReport, stream: IO[bytes], *, color: bool = False) -> None:
    """The report as a rich table (a detail column when some finding has one), then the counts by severity, the
    report's notes, what could not be read, and the checks that failed."""
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=None if color else PLAIN_WIDTH)
    shown = report.ordered
    details = [detail(finding) for finding in shown]
    columns = ["severity", "check", "resource", "where", *(["detail"] if any(details) else []), "fix"]
    table = Table(title=escape(report.title))
    for column in columns:
        table.add_column(column)
    for finding, text in zip(shown, details, strict=True):
        fix = finding.evidence.get("fix")
        cells = [str(finding.severity), finding.rule_id, escape(describe(finding)), escape(where(finding))]
        if "detail" in columns:
            cells.append(escape(text))
        cells.append(escape(str(fix.get("summary", "yes"))) if isinstance(fix, Mapping) else "")
        table.add_row(*cells)
    console.print(table)
    counts = dict.fromkeys(reversed(list(Severity)), 0)
    for finding in shown:
        counts[finding.severity] += 1
    summary = ", ".join(f"{count} {level}" for level, count in counts.items() if count)
    console.print(f"{len(shown)} findings: {summary}" if shown else "no findings", markup=False)
    for line in _footer(report):
        console.print(line, markup=False)
    stream.write(buffer.getvalue().encode())


def _footer(report: PostureReport) -> list[str]:
    lines = list(report.notes)
    if report.gaps:
        lines.append(f"partial view: {len(report.gaps)} not read")
        more = len(report.gaps) - _SHOWN_GAPS
        lines.extend(f"  {gap}" for gap in report.gaps[:_SHOWN_GAPS])
        if more > 0:
            lines.append(f"  … and {more} more")
    read = report.stats.get("read") or {}
    problems = read.get("problems") if isinstance(read, Mapping) else None
    lines.extend(
        f"  skipped {problem['location']}: {problem['reason']}: {problem['message']}" for problem in problems or []
    )
    errors = report.stats.get("check_errors", [])
    lines.extend(f"  check {error['check']} failed: {error['message']}" for error in errors)
    return lines


def write_posture(fmt: PostureFormat, report: PostureReport, stream: IO[bytes], *, color: bool = False) -> None:
    """The report in ``fmt``."""
    if fmt is PostureFormat.JSON:
        write_posture_json(report, stream)
    elif fmt is PostureFormat.SARIF:
        write_posture_sarif(report, stream)
    else:
        write_posture_table(report, stream, color=color)
