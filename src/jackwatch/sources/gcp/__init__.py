"""The Google Cloud audit log source (``gcp_auditlog``): Cloud Audit Logs entries from files, directories and stdin.

:func:`read_gcp_audit` streams :class:`~jackwatch.model.Event` objects from ``LogEntry`` records as Cloud
Logging exports them — JSON Lines files of a Cloud Storage sink, the JSON array of ``gcloud logging read
--format=json``, the Logging API's ``{"entries": [...]}`` — counting every record or file it has to skip
in the given :class:`~jackwatch.sources.stats.ReadStats`. Every service's entries are read; rules choose
(Vertex AI's are ``aiplatform.googleapis.com``, in the Data Access log, which must be enabled).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path

from jackwatch.errors import ConfigError
from jackwatch.model import Event
from jackwatch.sources.gcp.records import FORMAT, SOURCE, to_event
from jackwatch.sources.reading.context import ReadContext, ReadOptions, TimeWindow, no_progress
from jackwatch.sources.reading.files import check_path, read_path, read_stdin
from jackwatch.sources.stats import ReadStats

__all__ = ["SOURCE", "ReadOptions", "read_gcp_audit", "to_event"]

USAGE = "expected a file or directory path, or - for standard input"
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_COPY_FIRST = "copy the objects first (gcloud storage cp -r gs://…/cloudaudit.googleapis.com .) or pipe them to -"


def read_gcp_audit(
    specs: Sequence[str],
    stats: ReadStats,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    progress: Callable[[str], None] | None = None,
    options: ReadOptions | None = None,
) -> Iterator[Event]:
    """Events of every input in ``specs``, one input after the other, with ``since <= time < until``.

    A spec is a file or directory path, or ``-`` (stdin). Naive ``since``/``until`` are UTC.
    ``progress`` is called with each file as it is read. The specs are checked before anything is read:
    a malformed spec (a URL, ``-`` twice) raises :class:`~jackwatch.errors.ConfigError`, a path that does
    not exist or cannot be accessed raises :class:`~jackwatch.errors.SourceError`. While reading, a bad
    record, line or file is counted in ``stats`` with its location and the rest is read.
    """
    inputs = [_parse_spec(text) for text in specs]
    if not inputs:
        raise ConfigError("no Cloud Audit Logs input given")
    if inputs.count(None) > 1:
        raise ConfigError("standard input (-) can be read only once")
    for path in inputs:
        if path is not None:
            check_path(path)
    window = TimeWindow.checked(since, until)
    context = ReadContext(stats, FORMAT, window, options or ReadOptions(), progress or no_progress)
    return _read(inputs, context)


def _parse_spec(text: str) -> Path | None:
    """The path of one input, ``None`` for stdin; raises ConfigError when it is not one."""
    if text == "-":
        return None
    if not text:
        raise ConfigError(f"empty input ({USAGE})")
    if _URL.match(text):
        hint = _COPY_FIRST if text.startswith("gs://") else USAGE
        raise ConfigError(f"{text!r}: Cloud Audit Logs are read from local files ({hint})")
    return Path(text)


def _read(inputs: Sequence[Path | None], context: ReadContext) -> Iterator[Event]:
    for path in inputs:
        yield from read_stdin(context) if path is None else read_path(path, context)
