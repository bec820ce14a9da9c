"""A scan as a CycloneDX 1.6 JSON SBOM (with ``cyclonedx-python-lib``): one component per package URL, AI packages
tagged with properties, and the vulnerabilities with their ratings, the components they affect and the upgrade
that fixes them."""

from __future__ import annotations

from decimal import Decimal
from typing import IO

from cyclonedx.model import Property, XsUri
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.vulnerability import (
    BomTarget,
    BomTargetVersionRange,
    Vulnerability,
    VulnerabilityRating,
    VulnerabilityScoreSource,
    VulnerabilitySeverity,
    VulnerabilitySource,
)
from cyclonedx.output.json import JsonV1Dot6
from packageurl import PackageURL

from jackwatch import __version__
from jackwatch.inventory.scan import ScannedPackage, ScanResult
from jackwatch.vulns import VulnerabilityMatch

AI_CATEGORY = "jackwatch:ai:category"
AI_PROVIDERS = "jackwatch:ai:providers"
KEV_PROPERTY = "jackwatch:kev"

_SCORE_SOURCES = {"CVSS:4": VulnerabilityScoreSource.CVSS_V4, "CVSS:3.1": VulnerabilityScoreSource.CVSS_V3_1}


def scan_to_bom(result: ScanResult) -> Bom:
    """The SBOM of ``result``: its target as the described component, its packages, their vulnerabilities."""
    bom = Bom()
    target = Component(name=result.target, type=_target_type(result.kind), bom_ref="target")
    bom.metadata.component = target
    bom.metadata.properties.add(Property(name="jackwatch:version", value=__version__))
    components: dict[str, Component] = {}
    for scanned in result.packages:
        purl = scanned.package.purl
        if purl not in components:
            components[purl] = _component(scanned)
            bom.components.add(components[purl])
    bom.register_dependency(target, components.values())
    for scanned in result.packages:
        for match in scanned.vulnerabilities:
            bom.vulnerabilities.add(_vulnerability(scanned, match))
    return bom


def bom_json(result: ScanResult) -> str:
    """The SBOM as CycloneDX 1.6 JSON."""
    return JsonV1Dot6(scan_to_bom(result)).output_as_string(indent=2)


def write_cyclonedx(result: ScanResult, stream: IO[bytes]) -> None:
    """Write :func:`bom_json` to ``stream``."""
    stream.write(bom_json(result).encode() + b"\n")


def _target_type(kind: str) -> ComponentType:
    return ComponentType.CONTAINER if kind == "image" else ComponentType.APPLICATION


def _component(scanned: ScannedPackage) -> Component:
    package = scanned.package
    properties = [Property(name="jackwatch:location", value=place.path) for place in package.locations]
    if scanned.ai is not None:
        properties.append(Property(name=AI_CATEGORY, value=str(scanned.ai.category)))
        properties.append(Property(name=AI_PROVIDERS, value=",".join(map(str, scanned.ai.providers))))
    return Component(
        name=package.name,
        version=package.version,
        purl=PackageURL.from_string(package.purl),
        bom_ref=package.purl,
        properties=properties,
    )


def _vulnerability(scanned: ScannedPackage, match: VulnerabilityMatch) -> Vulnerability:
    purl = scanned.package.purl
    properties = [Property(name=KEV_PROPERTY, value=match.kev.date_added)] if match.kev else []
    return Vulnerability(
        bom_ref=f"{match.id}@{purl}",
        id=match.id,
        source=VulnerabilitySource(name="OSV", url=XsUri(f"https://osv.dev/vulnerability/{match.id}")),
        ratings=[_rating(match)],
        description=match.summary or None,
        recommendation=f"Upgrade {scanned.package.name} to {scanned.fix_version}" if scanned.fix_version else None,
        affects=[BomTarget(ref=purl, versions=[BomTargetVersionRange(version=scanned.package.version)])],
        properties=properties,
    )


def _rating(match: VulnerabilityMatch) -> VulnerabilityRating:
    method = next(
        (source for prefix, source in _SCORE_SOURCES.items() if (match.cvss_vector or "").startswith(prefix)),
        VulnerabilityScoreSource.CVSS_V3 if match.cvss_vector else None,
    )
    return VulnerabilityRating(
        score=Decimal(str(match.cvss_score)) if match.cvss_score is not None else None,
        severity=VulnerabilitySeverity(match.severity.value),
        method=method,
        vector=match.cvss_vector,
    )
