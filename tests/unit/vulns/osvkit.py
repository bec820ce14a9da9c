"""OSV records as the databases publish them (GitHub's and PyPA's exports, osv.dev's ``all.zip``), and databases
built from them, for the advisory tests."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from jackwatch.model.inventory import Ecosystem, Package
from jackwatch.vulns.db import AdvisoryDb
from jackwatch.vulns.dbfile import SourceInfo, encode
from jackwatch.vulns.epss import EpssScores
from jackwatch.vulns.importer import import_osv
from jackwatch.vulns.kev import KevCatalog

Record = dict[str, Any]

ELLIPTIC = {
    "schema_version": "1.2.0",
    "id": "GHSA-r9p9-mrjm-926w",
    "modified": "2021-03-08T16:02:43Z",
    "published": "2021-03-08T16:06:50Z",
    "aliases": ["CVE-2020-28498"],
    "summary": "Use of a Broken or Risky Cryptographic Algorithm",
    "details": "The npm package `elliptic` before version 6.5.4 are vulnerable to Cryptographic Issues via the "
    "secp256k1 implementation in elliptic/ec/key.js.",
    "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:N/A:N"}],
    "affected": [
        {
            "package": {"ecosystem": "npm", "name": "elliptic", "purl": "pkg:npm/elliptic"},
            "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "6.5.4"}]}],
            "database_specific": {"source": "https://github.com/github/advisory-database/blob/main/x.json"},
        }
    ],
    "references": [{"type": "ADVISORY", "url": "https://nvd.nist.gov/vuln/detail/CVE-2020-28498"}],
    "database_specific": {"cwe_ids": ["CWE-327"], "severity": "MODERATE", "github_reviewed": True},
}
"""The GitHub advisory of the OSV specification's npm example."""


def record(
    ident: str,
    name: str,
    *ranges: Sequence[tuple[str, str]],
    ecosystem: str = "PyPI",
    range_type: str = "ECOSYSTEM",
    versions: Sequence[str] | None = None,
    aliases: Sequence[str] = (),
    modified: str = "2024-02-05T20:20:47.716944Z",
    **fields: Any,
) -> Record:
    """An OSV record affecting one package: ``ranges`` are event lists of ``(kind, version)``."""
    affected: Record = {
        "package": {"ecosystem": ecosystem, "name": name, "purl": f"pkg:{ecosystem.lower()}/{name}"},
        "ranges": [{"type": range_type, "events": [{kind: version} for kind, version in events]} for events in ranges],
    }
    if versions is not None:
        affected["versions"] = list(versions)
    return {
        "schema_version": "1.6.0",
        "id": ident,
        "modified": modified,
        "published": "2024-01-29T23:15:00Z",
        "aliases": list(aliases),
        "details": f"{name} is affected by {ident}.",
        "affected": [affected],
        **fields,
    }


def cvss(vector: str, kind: str = "CVSS_V3") -> list[dict[str, str]]:
    """An OSV ``severity`` list holding one vector."""
    return [{"type": kind, "score": vector}]


def write_zip(path: Path, records: Iterable[Record]) -> Path:
    """An archive laid out as osv.dev's ``<ecosystem>/all.zip``: one ``<id>.json`` member per record."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in records:
            archive.writestr(f"{item['id']}.json", json.dumps(item, indent=2))
    return path


def build_db(directory: Path, records: Iterable[Record]) -> Path:
    """A database file built from ``records`` (through an osv.dev-style archive), in ``directory``."""
    result = import_osv([write_zip(directory / "all.zip", records)])
    path = directory / "advisories.json.gz"
    path.write_bytes(encode(result.advisories, [SourceInfo(origin="test", license="CC0", sha256=None)], result.stats))
    return path


EMPTY_KEV = KevCatalog("test", "2025-01-01", "<test>", {})


def load_db(
    directory: Path, records: Iterable[Record], kev: KevCatalog = EMPTY_KEV, epss: EpssScores | None = None
) -> AdvisoryDb:
    """The database of ``records``."""
    return AdvisoryDb.load(build_db(directory, records), kev=kev, epss=epss)


def pypi(name: str, version: str) -> Package:
    return Package(Ecosystem.PYPI, name, version)


def npm(name: str, version: str) -> Package:
    return Package(Ecosystem.NPM, name, version)
