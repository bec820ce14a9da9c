"""The Anthropic activity source: files, standard input, and the Compliance API Activity Feed (``api://``).

:func:`read_anthropic_activity` streams :class:`~jackwatch.model.Event` objects (source
``anthropic_activity``), counting every record or file it has to skip in the given
:class:`~jackwatch.sources.stats.ReadStats`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from jackwatch.model import Event
from jackwatch.sources.anthropic.records import FORMAT, SOURCE, to_event
from jackwatch.sources.reading.context import ReadOptions
from jackwatch.sources.reading.inputs import read_context
from jackwatch.sources.stats import ReadStats

if TYPE_CHECKING:  # httpx costs a tenth of a second at start-up: loaded only when reading
    from jackwatch.sources.http import HttpOptions

__all__ = ["SOURCE", "read_anthropic_activity", "to_event"]


def read_anthropic_activity(
    specs: Sequence[str],
    stats: ReadStats,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    progress: Callable[[str], None] | None = None,
    options: ReadOptions | None = None,
    http: HttpOptions | None = None,
) -> Iterator[Event]:
    """Activity events of every input in ``specs``, one input after the other, with ``since <= time < until``.

    A spec is a file or directory path, ``-`` (stdin), or ``api://`` (``GET /v1/compliance/activities`` with
    the key in ``ANTHROPIC_ADMIN_KEY``; ``http`` tunes it). Naive ``since``/``until`` are UTC.
    A malformed spec, or ``api://`` without the key, raises :class:`~jackwatch.errors.ConfigError`; a path
    that cannot be read, or an API that refuses or keeps failing, raises
    :class:`~jackwatch.errors.SourceError`. Bad records, lines and files are counted in ``stats``.
    """
    from jackwatch.sources.anthropic.api import ACTIVITIES
    from jackwatch.sources.http import HttpOptions, read_inputs

    context = read_context(stats, FORMAT, since, until, progress, options)
    return read_inputs(specs, context, ACTIVITIES, http or HttpOptions())
