"""A scan as SARIF 2.1.0: one rule per vulnerability and per kind of leaked key, one result per finding, located
in the files of the scanned root (``uriBaseId`` ``ROOT``), levels from severities."""

from __future__ import annotations

from typing import IO, Any
from urllib.parse import quote

import orjson

from jackwatch import __version__
from jackwatch.inventory.leaks import Leak
from jackwatch.inventory.scan import ScannedPackage, ScanResult, ordered_vulnerabilities
from jackwatch.vulns import VulnerabilityMatch, VulnSeverity

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/jackwatch/jackwatch"

_LEVELS = {
    VulnSeverity.CRITICAL: "error",
    VulnSeverity.HIGH: "error",
    VulnSeverity.MEDIUM: "warning",
    VulnSeverity.LOW: "note",
    VulnSeverity.UNKNOWN: "warning",
}
"""SARIF levels of vulnerability severities (an unrated vulnerability is a warning)."""

_SECURITY_SEVERITY = {
    VulnSeverity.CRITICAL: "9.5",
    VulnSeverity.HIGH: "8.0",
    VulnSeverity.MEDIUM: "5.5",
    VulnSeverity.LOW: "2.0",
    VulnSeverity.UNKNOWN: "5.5",
}
"""``security-severity`` when no CVSS score is known (the middle of each CVSS band), as code scanning reads it."""

LEAK_LEVEL = "error"


def scan_to_sarif(result: ScanResult) -> dict[str, Any]:
    """The SARIF log of one run over ``result``."""
    rules: dict[str, dict[str, Any]] = {}
    results: list[dict[str, Any]] = []
    for scanned, match in ordered_vulnerabilities(result.packages):
        rules.setdefault(match.id, _vulnerability_rule(match))
        results.append(_vulnerability_result(scanned, match))
    for leak in result.leaks:
        rule_id = leak_rule_id(leak)
        rules.setdefault(rule_id, _leak_rule(rule_id, leak))
        results.append(_leak_result(rule_id, leak))
    ordered_rules = list(rules.values())
    index = {rule["id"]: position for position, rule in enumerate(ordered_rules)}
    for item in results:
        item["ruleIndex"] = index[item["ruleId"]]
    return sarif_log(ordered_rules, results, f"The scanned root: {result.target}")


def sarif_log(
    rules: list[dict[str, Any]], results: list[dict[str, Any]], root: str, properties: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A SARIF log of one jackwatch run: its rules and results, ``root`` describing the ``ROOT`` base of relative
    locations, and the run's ``properties`` (when given)."""
    run: dict[str, Any] = {
        "tool": {
            "driver": {"name": "jackwatch", "version": __version__, "informationUri": INFORMATION_URI, "rules": rules}
        },
        "originalUriBaseIds": {"ROOT": {"description": {"text": root}}},
        "results": results,
    }
    if properties is not None:
        run["properties"] = properties
    return {"version": SARIF_VERSION, "$schema": SARIF_SCHEMA, "runs": [run]}


def write_sarif(result: ScanResult, stream: IO[bytes]) -> None:
    """The SARIF log as indented JSON."""
    stream.write(orjson.dumps(scan_to_sarif(result), option=orjson.OPT_INDENT_2) + b"\n")


def leak_rule_id(leak: Leak) -> str:
    """``secret.<provider>`` (or ``secret.<kind>`` for a key of no provider)."""
    return f"secret.{leak.provider or leak.kind}"


def _vulnerability_rule(match: VulnerabilityMatch) -> dict[str, Any]:
    score = f"{match.cvss_score:.1f}" if match.cvss_score is not None else _SECURITY_SEVERITY[match.severity]
    tags = ["security", "vulnerability", *(["kev"] if match.kev else [])]
    return {
        "id": match.id,
        "name": match.id,
        "shortDescription": {"text": match.summary or match.id},
        "helpUri": f"https://osv.dev/vulnerability/{match.id}",
        "defaultConfiguration": {"level": _LEVELS[match.severity]},
        "properties": {"security-severity": score, "tags": tags, "aliases": list(match.aliases)},
    }


def _vulnerability_result(scanned: ScannedPackage, match: VulnerabilityMatch) -> dict[str, Any]:
    package = scanned.package
    fix = f"; upgrade to {scanned.fix_version}" if scanned.fix_version else "; no fixed version"
    kev = " (known exploited, CISA KEV)" if match.kev else ""
    return {
        "ruleId": match.id,
        "level": _LEVELS[match.severity],
        "message": {"text": f"{package.name} {package.version} is affected by {match.id}{kev}{fix}"},
        "locations": [_location(place.path) for place in package.locations] or [_location(package.purl)],
        "partialFingerprints": {"packageVulnerability": f"{package.purl}#{match.id}"},
        "properties": {
            "purl": package.purl,
            "severity": str(match.severity),
            "fixed_versions": list(match.fixed_versions),
            "fix_version": scanned.fix_version,
            "kev": match.kev is not None,
        },
    }


def _leak_rule(rule_id: str, leak: Leak) -> dict[str, Any]:
    owner = leak.provider or leak.kind
    return {
        "id": rule_id,
        "name": rule_id,
        "shortDescription": {"text": f"A {owner} key in plain sight"},
        "defaultConfiguration": {"level": LEAK_LEVEL},
        "properties": {"security-severity": "8.0", "tags": ["security", "secret"]},
    }


def _leak_result(rule_id: str, leak: Leak) -> dict[str, Any]:
    where = f" ({leak.within})" if leak.within else ""
    return {
        "ruleId": rule_id,
        "level": LEAK_LEVEL,
        "message": {"text": f"{leak.kind} {leak.redacted} (sha256 {leak.fingerprint[:16]}…){where}"},
        "locations": [_location(leak.location.path, leak.location.line, leak.location.col)],
        "partialFingerprints": {"secretFingerprint": leak.fingerprint},
        "properties": {"kind": leak.kind, "redacted": leak.redacted, "fingerprint": leak.fingerprint},
    }


def _location(path: str, line: int | None = None, col: int | None = None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": quote(path), "uriBaseId": "ROOT"}}
    if line is not None:
        physical["region"] = {"startLine": line, **({"startColumn": col} if col is not None else {})}
    return {"physicalLocation": physical}
