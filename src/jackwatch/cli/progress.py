"""Progress on stderr for long reads, only when stderr is a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console


@contextmanager
def progress_reporter(enabled: bool) -> Iterator[Callable[[str], None] | None]:
    """A callback that shows what is being read (a file, an object, a region), or ``None`` when quiet."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    console = Console(stderr=True)
    with console.status("reading…") as status:
        yield lambda what: status.update(f"reading {what}")
