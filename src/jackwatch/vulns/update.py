"""Replace the user's advisory database with a fresh osv.dev export, or with a local OSV export.

osv.dev publishes every ecosystem's records as ``<base>/<ecosystem>/all.zip``. Each archive is streamed to a
temporary file beside the database (at most ``max_bytes``, checked against ``Content-Length`` and while
reading), imported in place, and the new database replaces the old one atomically. Nothing is replaced when a
download or an archive fails, or when no advisory could be imported; bad records are counted and reported, the
rest imported.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx

from jackwatch import __version__
from jackwatch.errors import SourceError
from jackwatch.model.inventory import Ecosystem
from jackwatch.vulns.dbfile import SourceInfo, encode, write_atomic
from jackwatch.vulns.importer import DEFAULT_LIMITS, FILE_FAILURES, ImportLimits, import_osv
from jackwatch.vulns.records import ImportStats

OSV_BASE_URL = "https://osv-vulnerabilities.storage.googleapis.com"
OSV_LICENSE = (
    "each record under its source database's license (https://google.github.io/osv.dev/data/): GitHub Advisory "
    "Database and PyPI Advisory Database CC-BY-4.0, OpenSSF Malicious Packages Apache-2.0"
)
LOCAL_LICENSE = "as the export's source states"
MAX_DOWNLOAD_BYTES = 1024 * 1024 * 1024
"""The largest archive downloaded (osv.dev's npm archive is a few hundred MB)."""

CHUNK_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class UpdateResult:
    """What an update wrote, from which sources, and the statistics of the import."""

    path: Path
    advisories: int
    sources: tuple[SourceInfo, ...]
    stats: ImportStats


def export_url(base: str, ecosystem: Ecosystem) -> str:
    """The URL of an ecosystem's ``all.zip`` under ``base``."""
    return f"{base.rstrip('/')}/{quote(ecosystem.value)}/all.zip"


def download(client: httpx.Client, url: str, target: Path, max_bytes: int = MAX_DOWNLOAD_BYTES) -> SourceInfo:
    """Stream ``url`` into ``target``; raises :class:`SourceError` on an HTTP error or beyond ``max_bytes``."""
    digest = hashlib.sha256()
    size = 0
    try:
        with client.stream("GET", url) as response, target.open("wb") as out:
            if response.status_code != httpx.codes.OK:
                raise SourceError(f"{url}: HTTP {response.status_code} {response.reason_phrase}")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise SourceError(f"{url}: {declared} bytes, more than the limit of {max_bytes}")
            for chunk in response.iter_bytes(CHUNK_BYTES):
                size += len(chunk)
                if size > max_bytes:
                    raise SourceError(f"{url}: more than the limit of {max_bytes} bytes")
                digest.update(chunk)
                out.write(chunk)
    except httpx.HTTPError as error:
        raise SourceError(f"{url}: {error}") from None
    return SourceInfo(origin=url, license=OSV_LICENSE, sha256=digest.hexdigest())


def update_database(
    target: Path,
    ecosystems: Sequence[Ecosystem],
    *,
    base_url: str = OSV_BASE_URL,
    local: Sequence[Path] = (),
    client: httpx.Client | None = None,
    max_bytes: int = MAX_DOWNLOAD_BYTES,
    limits: ImportLimits = DEFAULT_LIMITS,
) -> UpdateResult:
    """Build a new database at ``target`` from osv.dev (or from the ``local`` exports, offline)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".jackwatch-update-") as scratch:
        if local:
            inputs = [(path, _local_source(path)) for path in local]
        else:
            with nullcontext(client) if client is not None else _client() as http:
                inputs = []
                for ecosystem in ecosystems:
                    archive = Path(scratch) / f"{ecosystem.value}.zip"
                    inputs.append((archive, download(http, export_url(base_url, ecosystem), archive, max_bytes)))
        result = import_osv([path for path, _ in inputs], ecosystems, limits)
        stats = result.stats
        if stats.read.files_failed:
            failed = "; ".join(f"{p.location}: {p.message}" for p in stats.read.problems if p.reason in FILE_FAILURES)
            raise SourceError(f"{failed}: nothing was replaced")
        if not result.advisories:
            raise SourceError("no advisory could be imported: nothing was replaced")
        sources = tuple(source for _, source in inputs)
        write_atomic(target, encode(result.advisories, sources, stats))
    return UpdateResult(target, len(result.advisories), sources, stats)


def _client() -> httpx.Client:
    timeout = httpx.Timeout(30.0, read=120.0)
    return httpx.Client(timeout=timeout, follow_redirects=True, headers={"User-Agent": f"jackwatch/{__version__}"})


def _local_source(path: Path) -> SourceInfo:
    if not path.exists():
        raise SourceError(f"{path}: no such file or directory")
    digest = None
    if path.is_file():
        with path.open("rb") as stream:
            digest = hashlib.file_digest(stream, "sha256").hexdigest()
    return SourceInfo(origin=str(path.resolve()), license=LOCAL_LICENSE, sha256=digest)
