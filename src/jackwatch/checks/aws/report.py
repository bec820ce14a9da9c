"""The report of an AWS posture scan: ``{"findings": [...], "stats": {...}}`` JSON, SARIF 2.1.0 (resources as
logical locations: an AWS setting has no file), and rich tables.

Each finding shows its ``id``, ``rule_id``, ``title``, ``severity``, ``subject`` (the asset ref), ``resource``
(kind, name, arn, account, region), ``fix`` (commands and documents), ``evidence``, and the check's
``remediation``, ``refs``, ``mitre`` and ``docs``. ``stats`` says what was read and what could not be
(``partial``, ``failures``).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

import orjson
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from jackwatch import __version__
from jackwatch.checks.base import CheckRun, CheckSpec
from jackwatch.inventory.aws.model import AwsInventory
from jackwatch.model import Finding, Severity
from jackwatch.outputs.sarif import INFORMATION_URI, SARIF_SCHEMA, SARIF_VERSION
from jackwatch.outputs.table import PLAIN_WIDTH

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
    Severity.LOW: "2.0",
    Severity.INFO: "0.0",
}
_OWN = ("resource", "fix")


@dataclass(slots=True)
class AwsScan:
    """An inventory, the checks run on it, their metadata, and the number of assets recorded."""

    inventory: AwsInventory
    run: CheckRun
    specs: Mapping[str, CheckSpec]
    assets: int = 0

    @property
    def findings(self) -> list[Finding]:
        """Most severe first, then by check and subject."""
        return sorted(self.run.findings, key=lambda f: (-f.severity.rank, f.rule_id, f.subject, f.key))

    @property
    def target(self) -> str:
        """What was scanned: ``aws://<account>``."""
        return f"aws://{self.inventory.account}"

    def stats(self) -> dict[str, Any]:
        """What was read, what was found, and what could not be read."""
        inventory = self.inventory
        per_severity = {str(severity): 0 for severity in reversed(Severity)}
        for finding in self.run.findings:
            per_severity[str(finding.severity)] += 1
        return {
            "account": inventory.account,
            "partition": inventory.partition,
            "caller": inventory.caller,
            "collected_at": inventory.collected_at.isoformat(),
            "regions": list(inventory.regions),
            "bedrock_regions": list(inventory.bedrock_regions),
            "users": None if inventory.users is None else len(inventory.users),
            "roles": None if inventory.roles is None else len(inventory.roles),
            "access_keys": sum(len(user.access_keys or ()) for user in inventory.users or ()),
            "bedrock_api_keys": None if inventory.service_credentials is None else len(inventory.service_credentials),
            "trails": len(inventory.trails),
            "assets": self.assets,
            "findings": len(self.run.findings),
            "by_severity": per_severity,
            "by_check": dict(self.run.counts),
            "check_errors": [{"check": e.check_id, "message": e.message} for e in self.run.errors],
            "partial": inventory.partial,
            "failures": [failure.as_dict() for failure in inventory.failures],
        }

    def finding_dict(self, finding: Finding) -> dict[str, Any]:
        """One finding as the JSON report shows it."""
        spec = self.specs.get(finding.rule_id)
        evidence = {k: v for k, v in finding.evidence.items() if k not in _OWN and k not in (spec.refs if spec else {})}
        return {
            "id": finding.id,
            "rule_id": finding.rule_id,
            "title": finding.title,
            "severity": str(finding.severity),
            "subject": finding.subject,
            "resource": finding.evidence.get("resource", {}),
            "fix": finding.evidence.get("fix"),
            "evidence": evidence,
            "remediation": spec.remediation if spec else None,
            "refs": {tool: list(ids) for tool, ids in spec.refs.items()} if spec else {},
            "mitre": list(finding.mitre),
            "docs": dict(spec.docs) if spec else {},
        }

    def to_dict(self) -> dict[str, Any]:
        """``{"findings": [...], "stats": {...}}``."""
        return {"findings": [self.finding_dict(f) for f in self.findings], "stats": self.stats()}


def write_json(scan: AwsScan, stream: IO[bytes]) -> None:
    """The report as indented JSON."""
    stream.write(orjson.dumps(scan.to_dict(), option=orjson.OPT_INDENT_2) + b"\n")


def to_sarif(scan: AwsScan) -> dict[str, Any]:
    """The SARIF log: one rule per check that found something, one result per finding located at its resource
    (a logical location named by its ARN or ref)."""
    findings = scan.findings
    rule_ids = list(dict.fromkeys(finding.rule_id for finding in findings))
    rules = [_rule(scan.specs[rule_id]) for rule_id in rule_ids]
    results = [_result(finding, rule_ids.index(finding.rule_id)) for finding in findings]
    return {
        "version": SARIF_VERSION,
        "$schema": SARIF_SCHEMA,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "jackwatch",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "results": results,
                "properties": {"target": scan.target, "partial": scan.inventory.partial},
            }
        ],
    }


def write_sarif(scan: AwsScan, stream: IO[bytes]) -> None:
    """The SARIF log as indented JSON."""
    stream.write(orjson.dumps(to_sarif(scan), option=orjson.OPT_INDENT_2) + b"\n")


def _rule(spec: CheckSpec) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": spec.id,
        "name": spec.id,
        "shortDescription": {"text": spec.title},
        "fullDescription": {"text": spec.description},
        "help": {"text": spec.remediation},
        "defaultConfiguration": {"level": _LEVELS[spec.severity]},
        "properties": {
            "security-severity": _SECURITY_SEVERITY[spec.severity],
            "tags": ["security", "aws", "misconfiguration"],
            **({"refs": {tool: list(ids) for tool, ids in spec.refs.items()}} if spec.refs else {}),
        },
    }
    if "url" in spec.docs:
        rule["helpUri"] = spec.docs["url"]
    return rule


def _result(finding: Finding, index: int) -> dict[str, Any]:
    resource = finding.evidence.get("resource", {})
    name = resource.get("arn") or finding.subject
    fix = finding.evidence.get("fix") or {}
    where = resource.get("region")
    return {
        "ruleId": finding.rule_id,
        "ruleIndex": index,
        "level": _LEVELS[finding.severity],
        "message": {"text": f"{finding.title}: {resource.get('name', name)} ({where})"},
        "locations": [{"logicalLocations": [{"fullyQualifiedName": name, "kind": "resource"}]}],
        "partialFingerprints": {"jackwatchFindingId": finding.id},
        "properties": {
            "severity": str(finding.severity),
            "subject": finding.subject,
            "resource": resource,
            "fix": fix,
        },
    }


def write_table(scan: AwsScan, stream: IO[bytes], *, color: bool = False) -> None:
    """The report as a rich table, the fixes' summaries, and what could not be read."""
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=None if color else PLAIN_WIDTH)
    inventory = scan.inventory
    table = Table(title=f"AWS posture of account {inventory.account}")
    for column in ("severity", "check", "resource", "region", "detail", "fix"):
        table.add_column(column)
    for finding in scan.findings:
        resource = finding.evidence.get("resource", {})
        fix = finding.evidence.get("fix") or {}
        table.add_row(
            str(finding.severity),
            finding.rule_id,
            escape(str(resource.get("name", finding.subject))),
            str(resource.get("region", "")),
            escape(_detail(finding)),
            escape(str(fix.get("summary", ""))),
        )
    console.print(table)
    stats = scan.stats()
    counts = ", ".join(f"{n} {level}" for level, n in stats["by_severity"].items() if n)
    console.print(
        f"{stats['findings']} findings ({counts or 'none'}); {len(inventory.regions)} regions read "
        f"({len(inventory.bedrock_regions)} with Bedrock), {stats['users']} users, {stats['roles']} roles, "
        f"{stats['trails']} trails",
        markup=False,
    )
    if inventory.partial:
        console.print(f"partial view: {len(inventory.failures)} calls failed", markup=False)
        for failure in _shown(inventory.failures):
            console.print(f"  {failure}", markup=False)
    for error in scan.run.errors:
        console.print(f"  check {error.check_id} failed: {error.message}", markup=False)
    console.print("Run with --format json for each finding's commands and policy documents.", markup=False)
    stream.write(buffer.getvalue().encode())


_SHOWN_FAILURES = 20


def _shown(items: Sequence[Any]) -> list[Any]:
    more = len(items) - _SHOWN_FAILURES
    return list(items[:_SHOWN_FAILURES]) + ([f"… and {more} more"] if more > 0 else [])


def _detail(finding: Finding) -> str:
    """A few words of evidence: the regions, the key and its age, the grants."""
    evidence = finding.evidence
    if "regions_not_covered" in evidence:
        return "regions: " + ", ".join(evidence["regions_not_covered"])
    if "age_days" in evidence:
        return f"{finding.key}: {evidence['age_days']} days old"
    if "api_key" in evidence:
        expires = evidence["api_key"].get("expires")
        return f"{finding.key}: {'expires ' + expires[:10] if expires else 'never expires'}"
    if "access_keys" in evidence:
        keys = ", ".join(key["id"] for key in evidence["access_keys"])
        return f"keys {keys}; allowed by {', '.join(evidence['allowed_by'])}"
    if "granted_by" in evidence:
        return "granted by " + ", ".join(grant["name"] for grant in evidence["granted_by"])
    return ""
