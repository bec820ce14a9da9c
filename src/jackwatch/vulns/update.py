"""Replace the user's advisory database with a fresh osv.dev export, or with a local OSV export.

osv.dev publishes every ecosystem's records as ``<base>/<ecosystem>/all.zip``. Each archive is streamed to a
temporary file beside the database (at most ``max_bytes``, checked against ``Content-Length`` and while
reading), imported in place, and the new database replaces the old one atomically. A download that fails in a
way that may pass (a dropped or refused connection, a timeout, HTTP 429 or 5xx) starts again from its first byte
after a wait, as the usage API clients do (:class:`~jackwatch.sources.http.RetryPolicy`: exponential backoff,
``retry-after`` honoured, a bounded number of attempts). Nothing is replaced when a download or an archive
fails, or when no advisory could be imported; bad records are counted and reported, the rest imported.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx

from jackwatch import __version__
from jackwatch.errors import SourceError
from jackwatch.model.inventory import Ecosystem
from jackwatch.sources.http import RetryPolicy
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

Notify = Callable[[str], None]
"""Told, in one line, of each failed attempt that is retried."""


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


class _Retryable(Exception):
    """An attempt failed in a way that may pass; ``response`` is the HTTP response, when there was one."""

    def __init__(self, message: str, response: httpx.Response | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.response = response


def download(
    client: httpx.Client,
    url: str,
    target: Path,
    max_bytes: int = MAX_DOWNLOAD_BYTES,
    *,
    retry: RetryPolicy | None = None,
    notify: Notify | None = None,
) -> SourceInfo:
    """Stream ``url`` into ``target``, retrying what may pass (``retry``; each retry told to ``notify``).

    Raises :class:`SourceError` on an HTTP error that is not retried (404…), beyond ``max_bytes``, or when the
    last attempt fails (the message says how many were made and why the last one failed).
    """
    policy = retry or RetryPolicy()
    attempts = max(policy.attempts, 1)
    attempt = 1
    while True:
        try:
            return _download_once(client, url, target, max_bytes, policy)
        except _Retryable as failure:
            if attempt >= attempts:
                tries = f" (gave up after {attempt} attempts)" if attempt > 1 else ""
                raise SourceError(f"{url}: {failure.message}{tries}") from None
            wait = policy.delay(attempt, failure.response)
            if notify is not None:
                notify(f"{url}: {failure.message}; attempt {attempt + 1} of {attempts} in {wait:g} s")
            policy.sleep(wait)
            attempt += 1


def _download_once(client: httpx.Client, url: str, target: Path, max_bytes: int, policy: RetryPolicy) -> SourceInfo:
    """One attempt: ``target`` written from its first byte; :class:`_Retryable` for what may pass."""
    digest = hashlib.sha256()
    size = 0
    try:
        with client.stream("GET", url) as response, target.open("wb") as out:
            if response.status_code != httpx.codes.OK:
                message = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
                if response.status_code in policy.statuses:
                    raise _Retryable(message, response)
                raise SourceError(f"{url}: {message}")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise SourceError(f"{url}: {declared} bytes, more than the limit of {max_bytes}")
            for chunk in response.iter_bytes(CHUNK_BYTES):
                size += len(chunk)
                if size > max_bytes:
                    raise SourceError(f"{url}: more than the limit of {max_bytes} bytes")
                digest.update(chunk)
                out.write(chunk)
    except httpx.UnsupportedProtocol as error:
        raise SourceError(f"{url}: {error}") from None
    except httpx.TransportError as error:
        raise _Retryable(f"{type(error).__name__}: {error}".rstrip(": ")) from None
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
    retry: RetryPolicy | None = None,
    notify: Notify | None = None,
) -> UpdateResult:
    """Build a new database at ``target`` from osv.dev (or from the ``local`` exports, offline).

    Downloads are retried as :func:`download` says; :class:`SourceError` (and the previous database kept
    as it was) when one fails for good, an archive is unreadable or nothing could be imported.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".jackwatch-update-") as scratch:
        if local:
            inputs = [(path, _local_source(path)) for path in local]
        else:
            with nullcontext(client) if client is not None else _client() as http:
                inputs = []
                for ecosystem in ecosystems:
                    archive = Path(scratch) / f"{ecosystem.value}.zip"
                    url = export_url(base_url, ecosystem)
                    inputs.append((archive, download(http, url, archive, max_bytes, retry=retry, notify=notify)))
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
