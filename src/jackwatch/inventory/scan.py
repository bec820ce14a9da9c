"""Scanning a root: its packages (AI or not), their vulnerabilities with the upgrade that fixes them, and the keys
in plain sight; for an image also its configuration's environment and build history.

Nothing is printed here: a :class:`ScanResult` is rendered by :mod:`jackwatch.outputs` and recorded by
:func:`scan_findings` as store findings.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jackwatch.inventory.catalog import AiCatalog, AiPackage
from jackwatch.inventory.discover import discover_packages, summarize
from jackwatch.inventory.image import ImageConfig
from jackwatch.inventory.leaks import HistoryStep, Leak, scan_commands, scan_environment
from jackwatch.inventory.leaks import scan_root as scan_leaks
from jackwatch.inventory.root import Root
from jackwatch.model import Finding, Severity
from jackwatch.model.finding import FindingKind, finding_id
from jackwatch.model.inventory import Package
from jackwatch.sources.stats import ReadStats
from jackwatch.vulns import AdvisoryDb, VulnerabilityMatch, VulnSeverity

LEAK_SEVERITY = Severity.HIGH
"""The severity of a key found in plain sight."""


@dataclass(frozen=True, slots=True)
class ScannedPackage:
    """A package with its catalog entry (``None``: not an AI package), vulnerabilities and fixing upgrade."""

    package: Package
    ai: AiPackage | None
    vulnerabilities: tuple[VulnerabilityMatch, ...]
    fix_version: str | None

    @property
    def worst(self) -> VulnSeverity | None:
        """The severity of its most severe vulnerability, ``None`` when it has none."""
        return max((match.severity for match in self.vulnerabilities), key=lambda s: s.rank, default=None)


@dataclass(slots=True)
class ScanResult:
    """What a scan found in ``target`` (a directory, an image reference, an SBOM file)."""

    target: str
    kind: str
    packages: list[ScannedPackage]
    leaks: list[Leak]
    stats: ReadStats = field(default_factory=ReadStats)

    @property
    def vulnerable(self) -> list[ScannedPackage]:
        """The packages that have at least one vulnerability."""
        return [scanned for scanned in self.packages if scanned.vulnerabilities]

    def summary(self) -> dict[str, Any]:
        """Counts: packages per ecosystem, AI packages, vulnerabilities per severity, KEV, leaks."""
        per_severity = {str(severity): 0 for severity in reversed(VulnSeverity)}
        kev = 0
        for scanned in self.packages:
            for match in scanned.vulnerabilities:
                per_severity[str(match.severity)] += 1
                kev += match.kev is not None
        return {
            "target": self.target,
            "kind": self.kind,
            "packages": summarize(scanned.package for scanned in self.packages),
            "ai_packages": sum(scanned.ai is not None for scanned in self.packages),
            "vulnerable_packages": len(self.vulnerable),
            "vulnerabilities": per_severity,
            "kev": kev,
            "secrets": len(self.leaks),
        }


def scan_root(
    root: Root,
    *,
    db: AdvisoryDb,
    catalog: AiCatalog,
    stats: ReadStats | None = None,
    config: ImageConfig | None = None,
    kind: str = "fs",
) -> ScanResult:
    """Discover the packages of ``root``, match them, and find the keys in its files (and in ``config``'s
    environment and history when it is an image). Problems go to ``stats`` (a new one by default)."""
    stats = stats if stats is not None else ReadStats()
    packages = discover_packages(root, stats)
    leaks = scan_leaks(root, stats)
    if config is not None:
        leaks.extend(scan_environment(config.env))
        leaks.extend(scan_commands(HistoryStep(step.created_by, step.layer) for step in config.history))
    return ScanResult(root.name, kind, scan_packages(packages, db=db, catalog=catalog, stats=stats), leaks, stats)


def scan_packages(
    packages: Iterable[Package], *, db: AdvisoryDb, catalog: AiCatalog, stats: ReadStats
) -> list[ScannedPackage]:
    """Each package with its catalog entry, vulnerabilities (most severe first) and fixing upgrade."""
    scanned = []
    for package in packages:
        matches = db.match(package, stats)
        fix = db.fix_version(package, matches) if matches else None
        scanned.append(ScannedPackage(package, catalog.lookup(package), tuple(matches), fix))
    return scanned


def scan_findings(result: ScanResult, now: datetime) -> list[Finding]:
    """The store findings of a scan: one ``vulnerability`` per (package, vulnerability), subject the package
    PURL, and one ``misconfiguration`` per leaked key (``secret.<provider>``), subject the scanned target."""
    findings = [
        _vulnerability_finding(scanned, match, now)
        for scanned in result.vulnerable
        for match in scanned.vulnerabilities
    ]
    findings.extend(_leak_finding(result.target, leak, now) for leak in result.leaks)
    return findings


def finding_severity(severity: VulnSeverity) -> Severity:
    """A vulnerability's severity as a finding severity (``unknown`` becomes ``info``)."""
    return Severity.INFO if severity is VulnSeverity.UNKNOWN else Severity(severity.value)


def _vulnerability_finding(scanned: ScannedPackage, match: VulnerabilityMatch, now: datetime) -> Finding:
    package = scanned.package
    rule_id = f"vuln.{match.id}"
    return Finding(
        id=finding_id(FindingKind.VULNERABILITY, rule_id, package.purl),
        kind=FindingKind.VULNERABILITY,
        rule_id=rule_id,
        title=f"{package.name} {package.version}: {match.summary or match.id}",
        subject=package.purl,
        severity=finding_severity(match.severity),
        first_seen=now,
        last_seen=now,
        count=1,
        evidence={
            "aliases": list(match.aliases),
            "locations": _locations(package),
            "fixed_versions": list(match.fixed_versions),
            "fix_version": scanned.fix_version,
            "kev": match.kev is not None,
            "cvss": match.cvss_score,
        },
    )


def _leak_finding(target: str, leak: Leak, now: datetime) -> Finding:
    rule_id = f"secret.{leak.provider or leak.kind}"
    return Finding(
        id=finding_id(FindingKind.MISCONFIGURATION, rule_id, target, leak.fingerprint),
        kind=FindingKind.MISCONFIGURATION,
        rule_id=rule_id,
        title=f"{leak.kind} in plain sight at {leak.where}",
        subject=target,
        severity=LEAK_SEVERITY,
        first_seen=now,
        last_seen=now,
        count=1,
        key=leak.fingerprint,
        evidence={"fingerprint": leak.fingerprint, "redacted": leak.redacted, "location": leak.where},
    )


def _locations(package: Package) -> list[str]:
    return [place.path for place in package.locations]


def ordered_vulnerabilities(packages: Sequence[ScannedPackage]) -> list[tuple[ScannedPackage, VulnerabilityMatch]]:
    """Every (package, vulnerability), KEV and most severe first, then by package and id."""
    pairs = [(scanned, match) for scanned in packages for match in scanned.vulnerabilities]
    return sorted(
        pairs,
        key=lambda pair: (
            pair[1].kev is None,
            -pair[1].severity.rank,
            pair[0].package.key,
            pair[0].package.version,
            pair[1].id,
        ),
    )
