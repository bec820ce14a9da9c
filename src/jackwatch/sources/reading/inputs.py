"""The inputs every reader takes — file and directory paths, and ``-`` for standard input — checked before
anything is read, the context of one read, and the events of each input in turn.

A reader parses its input specs with its own parser, which may accept more kinds (``s3://`` for CloudTrail,
``api://`` for the organisation audit logs) and refuse some; :func:`local_inputs` checks what every reader
checks, :func:`read_local` reads the paths and ``-`` and hands every other spec to the reader's own function.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

from jackwatch.errors import ConfigError
from jackwatch.model import Event
from jackwatch.sources.reading.context import ReadContext, ReadOptions, TimeWindow, no_progress
from jackwatch.sources.reading.files import check_path, read_path, read_stdin
from jackwatch.sources.reading.records import RecordFormat
from jackwatch.sources.stats import ReadStats


@dataclass(frozen=True, slots=True)
class PathSpec:
    """A local file or directory."""

    path: Path


@dataclass(frozen=True, slots=True)
class StdinSpec:
    """``-``: the standard input."""


SpecT = TypeVar("SpecT")


LOCAL_USAGE = "expected a file or directory path, or - for standard input"
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def local_spec(text: str, label: str, hints: Mapping[str, str] | None = None) -> PathSpec | StdinSpec:
    """The spec of an input read only from local files or ``-``: a URL or an empty spec is a
    :class:`~jackwatch.errors.ConfigError` (``label`` names the logs; ``hints`` maps a URL prefix — ``""`` for
    any — to what to do instead, such as the command that copies the objects; the first that matches is said)."""
    if text == "-":
        return StdinSpec()
    if not text:
        raise ConfigError(f"empty input ({LOCAL_USAGE})")
    if _URL.match(text):
        hint = next((hint for prefix, hint in (hints or {}).items() if text.startswith(prefix)), LOCAL_USAGE)
        raise ConfigError(
            f"{text!r}: not a local input: {label} inputs are read from local files or standard input ({hint})"
        )
    return PathSpec(Path(text))


class LocalLogReader(Protocol):
    """``read(specs, stats, since=, until=, progress=, options=)``: the events of local log inputs."""

    def __call__(
        self,
        specs: Sequence[str],
        stats: ReadStats,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        progress: Callable[[str], None] | None = None,
        options: ReadOptions | None = None,
    ) -> Iterator[Event]: ...


def local_log_reader(log_format: RecordFormat, label: str, hints: Mapping[str, str] | None = None) -> LocalLogReader:
    """The reader of ``log_format`` from files, directories and ``-``: the events of every input in turn, with
    ``since <= time < until`` (naive times are UTC), ``progress`` called with each file as it is read.

    The specs are checked before anything is read: a URL, an empty spec or ``-`` twice raises
    :class:`~jackwatch.errors.ConfigError` (see :func:`local_spec` for ``label`` and ``hints``), a path that does
    not exist or cannot be read :class:`~jackwatch.errors.SourceError`; while reading, a bad record, line or file
    is counted in ``stats`` with its location and the rest is read.
    """

    def parse(text: str) -> PathSpec | StdinSpec:
        return local_spec(text, label, hints)

    def read(
        specs: Sequence[str],
        stats: ReadStats,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        progress: Callable[[str], None] | None = None,
        options: ReadOptions | None = None,
    ) -> Iterator[Event]:
        inputs = local_inputs(specs, parse, label)
        return read_local(inputs, read_context(stats, log_format, since, until, progress, options))

    return read


STDIN_ONCE = "standard input (-) can be read only once"


def local_inputs(specs: Sequence[str], parse: Callable[[str], SpecT], label: str) -> list[SpecT]:
    """``specs`` parsed by ``parse`` and checked before anything is read.

    ``parse`` raises :class:`~jackwatch.errors.ConfigError` for a spec it does not accept; no spec at all, or
    ``-`` twice, is a ``ConfigError`` too (``label`` names the logs: ``no CloudTrail input given``); a path
    that does not exist or cannot be read raises :class:`~jackwatch.errors.SourceError`.
    """
    parsed = [parse(text) for text in specs]
    if not parsed:
        raise ConfigError(f"no {label} input given")
    if sum(isinstance(spec, StdinSpec) for spec in parsed) > 1:
        raise ConfigError(STDIN_ONCE)
    for spec in parsed:
        if isinstance(spec, PathSpec):
            check_path(spec.path)
    return parsed


def read_context(
    stats: ReadStats,
    log_format: RecordFormat,
    since: datetime | None,
    until: datetime | None,
    progress: Callable[[str], None] | None,
    options: ReadOptions | None,
) -> ReadContext:
    """The context of one read; :class:`~jackwatch.errors.ConfigError` when ``since`` is not before ``until``."""
    return ReadContext(
        stats, log_format, TimeWindow.checked(since, until), options or ReadOptions(), progress or no_progress
    )


def read_local(
    inputs: Iterable[object], context: ReadContext, read_other: Callable[[Any], Iterator[Event]] | None = None
) -> Iterator[Event]:
    """Events of each input in turn: paths and ``-`` read here, every other spec by ``read_other`` (the
    reader's own kinds of input, such as ``s3://``)."""
    for spec in inputs:
        if isinstance(spec, PathSpec):
            yield from read_path(spec.path, context)
        elif isinstance(spec, StdinSpec):
            yield from read_stdin(context)
        elif read_other is None:
            raise TypeError(f"{spec!r} is not a local input and no reader was given for it")
        else:
            yield from read_other(spec)
