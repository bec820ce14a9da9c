"""What the corpus generators share: the tally of what a slot wrote, and running the slots in worker processes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields
from multiprocessing import Pool
from typing import Self, TypeVar

T = TypeVar("T")


@dataclass(slots=True)
class Tally:
    """Counts of what was written; subclasses declare the fields (numbers and :class:`Counter`\\ s)."""

    def add(self, other: Self) -> Self:
        """Add ``other``'s counts into this tally; this tally."""
        for item in fields(self):
            mine, theirs = getattr(self, item.name), getattr(other, item.name)
            if isinstance(mine, Counter):
                mine.update(theirs)
            else:
                setattr(self, item.name, mine + theirs)
        return self


def run_slots(job: Callable[[int], T], slots: int, workers: int) -> Iterator[T]:
    """``job(index)`` for every slot, ``workers`` processes at a time (in this one for a single worker), yielding
    each result as it completes. ``job`` must pickle: a module-level function or a ``partial`` of one."""
    if workers <= 1:
        yield from map(job, range(slots))
        return
    with Pool(workers) as pool:
        yield from pool.imap_unordered(job, range(slots))


def add_up(results: Iterable[T], into: T) -> T:
    """Every tally of ``results`` added into ``into``."""
    for result in results:
        into.add(result)  # type: ignore[attr-defined]
    return into
