"""The OpenAI organization audit log source: files, standard input, and the Admin API (``api://``).

:func:`read_openai_audit` streams :class:`~jackwatch.model.Event` objects (source ``openai_audit``),
counting every record or file it has to skip in the given :class:`~jackwatch.sources.stats.ReadStats`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from jackwatch.model import Event
from jackwatch.sources.openai.records import FORMAT, SOURCE, to_event
from jackwatch.sources.reading.context import ReadOptions
from jackwatch.sources.reading.inputs import read_context
from jackwatch.sources.stats import ReadStats

if TYPE_CHECKING:  # httpx costs a tenth of a second at start-up: loaded only when reading
    from jackwatch.sources.http import HttpOptions

__all__ = ["SOURCE", "read_openai_audit", "to_event"]


def read_openai_audit(
    specs: Sequence[str],
    stats: ReadStats,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    progress: Callable[[str], None] | None = None,
    options: ReadOptions | None = None,
    http: HttpOptions | None = None,
) -> Iterator[Event]:
    """Audit log events of every input in ``specs``, one input after the other, with ``since <= time < until``.

    A spec is a file or directory path, ``-`` (stdin), or ``api://`` (``GET /v1/organization/audit_logs``
    with the key in ``OPENAI_ADMIN_KEY``; ``http`` tunes it). Naive ``since``/``until`` are UTC.
    A malformed spec, or ``api://`` without the key, raises :class:`~jackwatch.errors.ConfigError`; a path
    that cannot be read, or an API that refuses or keeps failing, raises
    :class:`~jackwatch.errors.SourceError`. Bad records, lines and files are counted in ``stats``.
    """
    from jackwatch.sources.http import HttpOptions, read_inputs
    from jackwatch.sources.openai.api import AUDIT_LOGS

    context = read_context(stats, FORMAT, since, until, progress, options)
    return read_inputs(specs, context, AUDIT_LOGS, http or HttpOptions())
