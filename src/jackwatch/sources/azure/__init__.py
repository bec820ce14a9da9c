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
from jackwatch.sources.cloudtrail.spec import PathSpec, StdinSpec, parse_spec
from jackwatch.sources.reading.context import ReadContext, ReadOptions, TimeWindow, no_progress
from jackwatch.sources.reading.files import check_path, read_path, read_stdin
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
    inputs = [_input(text) for text in specs]
    if not inputs:
        raise ConfigError("no Azure log input given")
    if sum(isinstance(spec, StdinSpec) for spec in inputs) > 1:
        raise ConfigError("standard input (-) can be read only once")
    window = TimeWindow.checked(since, until)
    context = ReadContext(stats, FORMAT, window, options or ReadOptions(), progress or no_progress)
    return _read(inputs, context)


def _input(text: str) -> PathSpec | StdinSpec:
    """A local input; other schemes are refused, a path must exist and be readable."""
    try:
        spec = parse_spec(text)
    except ConfigError:
        spec = None
    if isinstance(spec, StdinSpec):
        return spec
    if not isinstance(spec, PathSpec):
        raise ConfigError(f"{text!r}: not a local input ({USAGE})")
    check_path(spec.path)
    return spec


def _read(inputs: Sequence[PathSpec | StdinSpec], context: ReadContext) -> Iterator[Event]:
    for spec in inputs:
        if isinstance(spec, StdinSpec):
            yield from read_stdin(context)
        else:
            yield from read_path(spec.path, context)
