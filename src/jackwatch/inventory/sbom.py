"""Packages listed by a software bill of materials: CycloneDX JSON (components, nested components) and SPDX 2.x
JSON (packages with a ``purl`` external reference or a name and ``versionInfo``).

A component is identified by its PURL when it has one, else by its name and version (taken as PyPI). PyPI and
npm packages are kept; components of other ecosystems are counted (``skipped_by_reason["other_ecosystem"]``)
and skipped, as are components without a version. Unknown fields are ignored. A document that is not JSON or
neither format raises :class:`ContentError` with its location.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from packageurl import PackageURL

from jackwatch.errors import ContentError, Location, SourceError
from jackwatch.inventory.discover import merge_packages
from jackwatch.model.inventory import Ecosystem, Package, PackageLocation
from jackwatch.sources.stats import ReadStats

MAX_SBOM_BYTES = 256 * 1024 * 1024
"""The largest SBOM read."""

_PURL_ECOSYSTEMS = {"pypi": Ecosystem.PYPI, "npm": Ecosystem.NPM}


def read_sbom(path: Path, stats: ReadStats) -> list[Package]:
    """The PyPI and npm packages of the CycloneDX or SPDX JSON document at ``path``, merged and sorted."""
    try:
        size = path.stat().st_size
        if size > MAX_SBOM_BYTES:
            raise SourceError(f"{path}: {size} bytes, more than the {MAX_SBOM_BYTES} read")
        data = path.read_bytes()
    except OSError as error:
        raise SourceError(f"{path}: cannot read: {error.strerror or error}") from None
    stats.files_read += 1
    return parse_sbom(data, str(path), stats)


def parse_sbom(data: bytes, origin: str, stats: ReadStats) -> list[Package]:
    """The packages of an SBOM document's bytes (see :func:`read_sbom`)."""
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise ContentError(f"not JSON: {error.msg}", Location(origin, error.lineno, error.colno)) from None
    if isinstance(document, dict) and document.get("bomFormat") == "CycloneDX":
        entries = _cyclonedx_entries(document.get("components"), "components")
    elif isinstance(document, dict) and str(document.get("spdxVersion", "")).startswith("SPDX-2"):
        entries = _spdx_entries(document.get("packages"))
    else:
        raise ContentError(
            "neither a CycloneDX (bomFormat) nor an SPDX 2.x (spdxVersion) JSON document", Location(origin)
        )
    packages = []
    for pointer, purl, name, version in entries:
        package = _package(purl, name, version, f"{origin}#{pointer}", stats)
        if package is not None:
            packages.append(package)
    stats.events_read += len(packages)
    return merge_packages(packages)


Entry = tuple[str, object, object, object]
"""(JSON pointer of the entry, purl, name, version) as the document writes them."""


def _cyclonedx_entries(components: object, pointer: str) -> Iterator[Entry]:
    for index, component in enumerate(components if isinstance(components, list) else []):
        if not isinstance(component, dict):
            continue
        here = f"/{pointer}/{index}"
        yield here, component.get("purl"), component.get("name"), component.get("version")
        yield from _cyclonedx_entries(component.get("components"), f"{here.lstrip('/')}/components")


def _spdx_entries(packages: object) -> Iterator[Entry]:
    for index, package in enumerate(packages if isinstance(packages, list) else []):
        if isinstance(package, dict):
            purl = next((ref.get("referenceLocator") for ref in _purl_refs(package.get("externalRefs"))), None)
            yield f"/packages/{index}", purl, package.get("name"), package.get("versionInfo")


def _purl_refs(refs: object) -> Iterator[dict[str, Any]]:
    for ref in refs if isinstance(refs, list) else []:
        if isinstance(ref, dict) and ref.get("referenceType") == "purl":
            yield ref


def _package(purl: object, name: object, version: object, where: str, stats: ReadStats) -> Package | None:
    if isinstance(purl, str) and purl:
        try:
            parsed = PackageURL.from_string(purl)
        except ValueError as error:
            stats.skip("invalid_purl", Location(where), f"{purl!r}: {error}")
            return None
        ecosystem = _PURL_ECOSYSTEMS.get(parsed.type)
        if ecosystem is None:
            stats.skip("other_ecosystem", Location(where), f"{purl}: not a PyPI or npm package")
            return None
        name = f"{parsed.namespace}/{parsed.name}" if parsed.namespace else parsed.name
        version = parsed.version or version
    else:
        ecosystem = Ecosystem.PYPI
    if not isinstance(name, str) or not name or not isinstance(version, str) or not version:
        stats.skip("missing_field", Location(where), "a component needs a purl with a version, or a name and version")
        return None
    return Package(ecosystem, name, version, locations=(PackageLocation(where),))
