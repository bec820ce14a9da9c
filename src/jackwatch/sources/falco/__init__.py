"""Falco's own alerts (``json_output: true``) as events of the ``falco_alert`` source: files, directories and stdin.

:func:`read_falco_alerts` streams one :class:`~jackwatch.model.Event` per alert, counting every line or file it
has to skip (text log lines between the alerts, broken JSON, alerts without a rule or time) in the given
:class:`~jackwatch.sources.stats.ReadStats`, each with its location. The built-in rule ``falco.alert`` turns
each alert into a finding about its container, named after the Falco rule (``falco.<rule name>``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime

from jackwatch.model import Event
from jackwatch.sources.falco.records import FORMAT, SOURCE, to_event
from jackwatch.sources.reading.context import ReadOptions
from jackwatch.sources.reading.inputs import PathSpec, StdinSpec, local_inputs, local_spec, read_context, read_local
from jackwatch.sources.stats import ReadStats

__all__ = ["SOURCE", "ReadOptions", "read_falco_alerts", "to_event"]


def read_falco_alerts(
    specs: Sequence[str],
    stats: ReadStats,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    progress: Callable[[str], None] | None = None,
    options: ReadOptions | None = None,
) -> Iterator[Event]:
    """Events of every input in ``specs``, one input after the other, with ``since <= time < until``.

    A spec is a file (Falco's ``file_output``, a saved ``stdout``: JSON Lines, gzipped or not), a directory of
    such files, or ``-`` (stdin: ``falco -o json_output=true | jackwatch detect falco:-``). The specs are checked
    before anything is read: a URL or ``-`` twice raises :class:`~jackwatch.errors.ConfigError`, a path that does
    not exist or cannot be read raises :class:`~jackwatch.errors.SourceError`.
    """
    inputs = local_inputs(specs, _parse_spec, "Falco alert")
    return read_local(inputs, read_context(stats, FORMAT, since, until, progress, options))


def _parse_spec(text: str) -> PathSpec | StdinSpec:
    return local_spec(text, "Falco alerts")
