"""The Google Cloud audit log source (``gcp_auditlog``): Cloud Audit Logs entries from files, directories and stdin.

:func:`read_gcp_audit` streams :class:`~jackwatch.model.Event` objects from ``LogEntry`` records as Cloud
Logging exports them — JSON Lines files of a Cloud Storage sink, the JSON array of ``gcloud logging read
--format=json``, the Logging API's ``{"entries": [...]}`` — counting every record or file it has to skip
in the given :class:`~jackwatch.sources.stats.ReadStats`. Every service's entries are read; rules choose
(Vertex AI's are ``aiplatform.googleapis.com``, in the Data Access log, which must be enabled).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime

from jackwatch.model import Event
from jackwatch.sources.gcp.records import FORMAT, SOURCE, to_event
from jackwatch.sources.reading.context import ReadOptions
from jackwatch.sources.reading.inputs import (
    LOCAL_USAGE,
    PathSpec,
    StdinSpec,
    local_inputs,
    local_spec,
    read_context,
    read_local,
)
from jackwatch.sources.stats import ReadStats

__all__ = ["SOURCE", "ReadOptions", "read_gcp_audit", "to_event"]

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
    inputs = local_inputs(specs, _parse_spec, "Cloud Audit Logs")
    return read_local(inputs, read_context(stats, FORMAT, since, until, progress, options))


def _parse_spec(text: str) -> PathSpec | StdinSpec:
    """The spec of one input; raises ConfigError when it is not a path or ``-``."""
    return local_spec(text, "Cloud Audit Logs", _COPY_FIRST if text.startswith("gs://") else LOCAL_USAGE)
