"""A scan's report as JSON and as rich tables: packages (AI first), vulnerabilities (KEV and most severe first),
keys in plain sight (redacted, never the key), and what was read or skipped."""

from __future__ import annotations

import io
from typing import IO, Any

import orjson
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from jackwatch.inventory.leaks import Leak
from jackwatch.inventory.scan import ScannedPackage, ScanResult, ordered_vulnerabilities
from jackwatch.outputs.table import PLAIN_WIDTH
from jackwatch.vulns import VulnerabilityMatch


def scan_to_dict(result: ScanResult) -> dict[str, Any]:
    """``{"target", "summary", "packages", "vulnerabilities", "secrets", "stats"}``."""
    return {
        "target": result.target,
        "summary": result.summary(),
        "packages": [package_to_dict(scanned) for scanned in ai_first(result.packages)],
        "vulnerabilities": [
            vulnerability_to_dict(scanned, match) for scanned, match in ordered_vulnerabilities(result.packages)
        ],
        "secrets": [leak_to_dict(leak) for leak in result.leaks],
        "stats": result.stats.as_dict(),
    }


def ai_first(packages: list[ScannedPackage]) -> list[ScannedPackage]:
    """AI packages first, each group in its given order."""
    return sorted(packages, key=lambda scanned: scanned.ai is None)


def package_to_dict(scanned: ScannedPackage) -> dict[str, Any]:
    """A package with its AI category and providers (``null`` / empty when not an AI package)."""
    package = scanned.package
    return {
        "name": package.name,
        "version": package.version,
        "ecosystem": str(package.ecosystem),
        "purl": package.purl,
        "declared": package.declared,
        "locations": [place.path for place in package.locations],
        "ai": scanned.ai is not None,
        "category": str(scanned.ai.category) if scanned.ai else None,
        "providers": [str(provider) for provider in scanned.ai.providers] if scanned.ai else [],
        "vulnerabilities": len(scanned.vulnerabilities),
        "fix_version": scanned.fix_version,
    }


def vulnerability_to_dict(scanned: ScannedPackage, match: VulnerabilityMatch) -> dict[str, Any]:
    """One vulnerability of one package."""
    package = scanned.package
    return {
        "id": match.id,
        "aliases": list(match.aliases),
        "package": package.name,
        "version": package.version,
        "purl": package.purl,
        "severity": str(match.severity),
        "cvss": {"score": match.cvss_score, "vector": match.cvss_vector} if match.cvss_vector else None,
        "epss": {"score": match.epss.epss, "percentile": match.epss.percentile} if match.epss else None,
        "kev": match.kev is not None,
        "kev_date_added": match.kev.date_added if match.kev else None,
        "fixed_versions": list(match.fixed_versions),
        "fix_version": scanned.fix_version,
        "summary": match.summary,
        "locations": [place.path for place in package.locations],
    }


def leak_to_dict(leak: Leak) -> dict[str, Any]:
    """A key in plain sight: what it is and where, its fingerprint and redacted form — never the key."""
    return {
        "kind": leak.kind,
        "provider": leak.provider,
        "category": str(leak.category),
        "fingerprint": leak.fingerprint,
        "redacted": leak.redacted,
        "identifier": leak.identifier,
        "location": leak.where,
        "path": leak.location.path,
        "line": leak.location.line,
        "layer": leak.layer,
    }


def write_json(result: ScanResult, stream: IO[bytes]) -> None:
    """The report as indented JSON."""
    stream.write(orjson.dumps(scan_to_dict(result), option=orjson.OPT_INDENT_2) + b"\n")


def write_table(result: ScanResult, stream: IO[bytes], *, color: bool = False) -> None:
    """The report as rich tables."""
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=None if color else PLAIN_WIDTH)
    packages = Table(title=f"Packages in {escape(result.target)}")
    for column in ("package", "version", "ecosystem", "AI category", "providers", "vulns", "fix"):
        packages.add_column(column)
    for scanned in ai_first(result.packages):
        ai = scanned.ai
        packages.add_row(
            scanned.package.name,
            scanned.package.version,
            str(scanned.package.ecosystem),
            str(ai.category) if ai else "",
            ", ".join(map(str, ai.providers)) if ai else "",
            str(len(scanned.vulnerabilities) or ""),
            scanned.fix_version or "",
        )
    console.print(packages)
    vulns = Table(title="Vulnerabilities")
    for column in ("severity", "id", "package", "version", "KEV", "fixed in", "summary"):
        vulns.add_column(column)
    for scanned, match in ordered_vulnerabilities(result.packages):
        vulns.add_row(
            str(match.severity),
            match.id,
            scanned.package.name,
            scanned.package.version,
            "KEV" if match.kev else "",
            scanned.fix_version or ", ".join(match.fixed_versions),
            escape(match.summary),
        )
    console.print(vulns)
    secrets = Table(title="Keys in plain sight")
    for column in ("kind", "provider", "redacted", "fingerprint", "where"):
        secrets.add_column(column)
    for leak in result.leaks:
        secrets.add_row(
            leak.kind, leak.provider or "", escape(leak.redacted), leak.fingerprint[:16], escape(leak.where)
        )
    console.print(secrets)
    summary = result.summary()
    console.print(
        f"{len(result.packages)} packages ({summary['ai_packages']} AI), "
        f"{sum(summary['vulnerabilities'].values())} vulnerabilities ({summary['kev']} KEV), "
        f"{summary['secrets']} keys; {result.stats.events_skipped} items skipped"
    )
    for problem in result.stats.problems:
        console.print(f"  skipped {problem.location}: {problem.reason}: {problem.message}", markup=False)
    stream.write(buffer.getvalue().encode())
