"""The Azure OpenAI event source: Cognitive Services resource logs and the Azure Activity log.

:func:`read_azure_openai` streams :class:`~jackwatch.model.Event` objects (source ``azure_openai``) from
files, directory trees (such as the ``insights-logs-*`` and ``insights-activity-logs`` containers of a
storage account, downloaded) and standard input, with bounded memory, counting every record or file it
has to skip in the given :class:`~jackwatch.sources.stats.ReadStats`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime

from jackwatch.errors import ConfigError
from jackwatch.model import Event
from jackwatch.sources.azure.records import FORMAT, SOURCE, to_event
from jackwatch.sources.cloudtrail.spec import parse_spec
from jackwatch.sources.reading.context import ReadOptions
from jackwatch.sources.reading.inputs import PathSpec, StdinSpec, local_inputs, read_context, read_local
from jackwatch.sources.stats import ReadStats

__all__ = ["SOURCE", "read_azure_openai", "to_event"]

USAGE = "expected a file or directory path, or - (download blobs first, e.g. with az storage blob download-batch)"


def read_azure_openai(
    specs: Sequence[str],
    stats: ReadStats,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    progress: Callable[[str], None] | None = None,
    options: ReadOptions | None = None,
) -> Iterator[Event]:
    """Events of every input in ``specs``, one after the other, with ``since <= time < until``.

    A spec is a file or directory path or ``-`` (stdin). Naive ``since``/``until`` are UTC. ``progress``
    is called with each file as it is read. A malformed spec raises :class:`~jackwatch.errors.ConfigError`
    and a path that does not exist or cannot be read :class:`~jackwatch.errors.SourceError`, before
    anything is read; a bad record, line or file is counted in ``stats`` with its location.
    """
    inputs = local_inputs(specs, _input, "Azure log")
    return read_local(inputs, read_context(stats, FORMAT, since, until, progress, options))


def _input(text: str) -> PathSpec | StdinSpec:
    """A local input; other schemes are refused."""
    try:
        spec = parse_spec(text)
    except ConfigError:
        spec = None
    if not isinstance(spec, PathSpec | StdinSpec):
        raise ConfigError(f"{text!r}: not a local input ({USAGE})")
    return spec
