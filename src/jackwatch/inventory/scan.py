"""Scanning a root: its packages (AI or not), their vulnerabilities with the upgrade that fixes them, and the keys
in plain sight; for an image also its configuration's environment and build history.

Nothing is printed here: a :class:`ScanResult` is rendered by :mod:`jackwatch.outputs`, and recorded in the store
as assets (:func:`scan_assets`: the scanned root and its packages) and findings (:func:`scan_findings`), each
finding naming the assets it concerns in its evidence (``assets``).
"""

from __future__ import annotations

import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from jackwatch.inventory.catalog import AiCatalog, AiPackage
from jackwatch.inventory.discover import discover_packages, summarize
from jackwatch.inventory.image import ImageConfig, ImageRoot
from jackwatch.inventory.leaks import HistoryStep, Leak, scan_commands, scan_environment
from jackwatch.inventory.leaks import scan_root as scan_leaks
from jackwatch.inventory.root import Root
from jackwatch.model import Asset, Finding, Severity, asset_id
from jackwatch.model.finding import FindingKind, finding_id
from jackwatch.model.inventory import Package
from jackwatch.sources.stats import ReadStats
from jackwatch.vulns import AdvisoryDb, VulnerabilityMatch, VulnSeverity

LEAK_SEVERITY = Severity.HIGH
"""The severity of a key found in plain sight."""

ROOT_KINDS = {"fs": "filesystem", "image": "image", "sbom": "sbom"}
"""The asset kind of each kind of scanned root."""

PACKAGE = "package"
"""The asset kind of a package found in a root."""


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
    """What a scan found in ``target`` (a directory, an image reference, an SBOM file).

    ``root`` is the scanned root as an asset when the scan described it (an image's digest, tags and environment
    names); otherwise :attr:`root_asset` makes one from ``kind`` and ``target``.
    """

    target: str
    kind: str
    packages: list[ScannedPackage]
    leaks: list[Leak]
    stats: ReadStats = field(default_factory=ReadStats)
    root: Asset | None = None

    @property
    def root_asset(self) -> Asset:
        """The scanned root as an asset (kind ``filesystem``, ``image`` or ``sbom``)."""
        if self.root is not None:
            return self.root
        if self.kind == "image":
            ref = self.target if self.target.startswith("image://") else f"image://{self.target}"
            return Asset(ref=ref, kind=ROOT_KINDS["image"], name=self.target)
        return path_asset(ROOT_KINDS.get(self.kind, self.kind), Path(self.target))

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
    scanned = scan_packages(packages, db=db, catalog=catalog, stats=stats)
    described = image_asset(root) if isinstance(root, ImageRoot) else None
    return ScanResult(root.name, kind, scanned, leaks, stats, described)


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
    PURL, and one ``misconfiguration`` per leaked key (``secret.<provider>``), subject the scanned target.

    Each names in ``evidence["assets"]`` the id of the asset it concerns (:func:`scan_assets`): the package's
    asset for a vulnerability, the root's for a leaked key. A finding recorded again by the scan of another
    root keeps both ids (the store merges evidence lists).
    """
    root = result.root_asset.id
    findings = [
        _vulnerability_finding(scanned, match, now, package_asset_id(root, scanned.package))
        for scanned in result.vulnerable
        for match in scanned.vulnerabilities
    ]
    findings.extend(_leak_finding(result.target, leak, now, root) for leak in result.leaks)
    return findings


def scan_assets(result: ScanResult) -> list[Asset]:
    """The assets of a scan: its root first (``ai`` says whether it holds an AI package), then one ``package``
    asset per PURL found in it, whose parent is the root.

    Installed and declared copies of one version are one asset (``installed``, ``declared``, every location
    with its image layer); the catalog's ``category`` and ``providers`` mark AI packages.
    """
    root = result.root_asset
    groups: dict[str, list[ScannedPackage]] = {}
    for scanned in result.packages:
        groups.setdefault(scanned.package.purl, []).append(scanned)
    ai = any(scanned.ai is not None for scanned in result.packages)
    return [
        replace(root, attrs={**root.attrs, "ai": ai}),
        *(_package_asset(root.id, group) for group in groups.values()),
    ]


def package_asset_id(root_id: str, package: Package) -> str:
    """The id of the asset of ``package`` found in the root whose asset id is ``root_id``."""
    return asset_id(PACKAGE, package.purl, root_id)


def path_asset(kind: str, path: Path) -> Asset:
    """A directory (``filesystem``) or a file (``sbom``) as an asset, ref ``file://<host>/<absolute path>``."""
    host = socket.gethostname()
    absolute = path.resolve()
    uri = absolute.as_uri()
    return Asset(
        ref=f"file://{host}{uri.removeprefix('file://')}",
        kind=kind,
        name=str(absolute),
        attrs={"host": host, "path": str(absolute)},
    )


def image_asset(root: ImageRoot) -> Asset:
    """An image as an asset, ref ``image://<image id>``: its references, digests, platform, layers and the
    names (never the values) of its environment variables."""
    config = root.config
    return Asset(
        ref=f"image://{root.image_id}",
        kind=ROOT_KINDS["image"],
        name=root.repo_tags[0] if root.repo_tags else root.image_id,
        attrs={
            "archive": root.name,
            "image_id": root.image_id,
            "manifest_digest": root.manifest_digest,
            "repo_tags": list(root.repo_tags),
            "platform": root.platform,
            "created": config.created,
            "user": config.user,
            "working_dir": config.working_dir,
            "env_names": sorted(config.environment),
            "layers": [{"diff_id": layer.diff_id, "digest": layer.digest} for layer in root.layers],
        },
    )


def _package_asset(root_id: str, copies: list[ScannedPackage]) -> Asset:
    package = copies[0].package
    ai = next((scanned.ai for scanned in copies if scanned.ai is not None), None)
    return Asset(
        ref=package.purl,
        kind=PACKAGE,
        name=package.name,
        parent=root_id,
        version=package.version,
        purl=package.purl,
        attrs={
            "ecosystem": str(package.ecosystem),
            "ai": ai is not None,
            "category": str(ai.category) if ai else None,
            "providers": [str(provider) for provider in ai.providers] if ai else [],
            "installed": any(not scanned.package.declared for scanned in copies),
            "declared": any(scanned.package.declared for scanned in copies),
            "locations": [
                {"path": place.path, "layer": place.layer} for scanned in copies for place in scanned.package.locations
            ],
        },
    )


def finding_severity(severity: VulnSeverity) -> Severity:
    """A vulnerability's severity as a finding severity (``unknown`` becomes ``info``)."""
    return Severity.INFO if severity is VulnSeverity.UNKNOWN else Severity(severity.value)


def _vulnerability_finding(scanned: ScannedPackage, match: VulnerabilityMatch, now: datetime, asset: str) -> Finding:
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
            "assets": [asset],
        },
    )


def _leak_finding(target: str, leak: Leak, now: datetime, asset: str) -> Finding:
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
        evidence={
            "fingerprint": leak.fingerprint,
            "redacted": leak.redacted,
            "location": leak.where,
            "assets": [asset],
        },
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
