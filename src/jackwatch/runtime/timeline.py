"""The timeline of a workload: its runtime events and its findings, in time order.

A workload is named as a user knows it: a container id (or its first characters, at least
:data:`MIN_ID_PREFIX`), a container name, an image (``repository:tag``, the repository alone, or the image
id), or a pod (``namespace/name``, or the name alone). Every container of the history that matches is part of
it; ``host:NAME`` names the processes of host NAME that run outside containers. Findings are those whose subject
is one of its containers (the full id or Falco's 12 characters) or ``host:NAME``, active in the window; each
event says which findings it is linked to.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from jackwatch.model import Finding
from jackwatch.runtime.tree import NotInHistory
from jackwatch.store import Store
from jackwatch.store.history import RuntimeEventRow, SeenContainer

MIN_ID_PREFIX = 4
"""The fewest characters of a container id that name it."""

HOST_PREFIX = "host:"
"""A workload ``host:NAME`` is the processes of a host outside containers (the subject runtime findings give
them)."""

MAX_ENTRIES = 10_000
"""Events listed at most (the oldest first); more are counted, not listed."""

_HEX = re.compile(r"[0-9a-f]+")


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One line of the timeline: a runtime event (with the rule ids of the findings it is linked to) or a
    finding (at its first sighting)."""

    time: datetime
    event: RuntimeEventRow | None = None
    finding: Finding | None = None
    linked: tuple[str, ...] = ()

    @property
    def container_id(self) -> str | None:
        """The container of the event (``None`` for a finding)."""
        return None if self.event is None else self.event.container_id


@dataclass(slots=True)
class Timeline:
    """The entries of a workload's timeline in ``[since, until]``."""

    containers: list[SeenContainer]
    entries: list[TimelineEntry] = field(default_factory=list)
    since: datetime | None = None
    until: datetime | None = None
    events: int = 0
    findings: int = 0
    truncated: bool = False


def match_workload(containers: Sequence[SeenContainer], name: str) -> list[SeenContainer]:
    """The containers ``name`` designates (see the module's description), by id."""
    wanted = name.strip()
    if not wanted:
        return []
    lowered = wanted.lower()
    found = [
        container
        for container in containers
        if _id_match(container.id, lowered)
        or wanted in (container.name, container.pod, container.workload)
        or _image_match(container, wanted)
    ]
    return sorted(found, key=lambda container: container.id)


def timeline(
    store: Store,
    workload: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = MAX_ENTRIES,
) -> Timeline:
    """The timeline of ``workload``; :class:`~jackwatch.runtime.tree.NotInHistory` when nothing matches it.

    ``host:NAME`` is the workload of the processes of host NAME outside containers.
    """
    if workload.startswith(HOST_PREFIX):
        host = workload.removeprefix(HOST_PREFIX)
        containers: list[SeenContainer] = []
        events = store.runtime_events(host=host, host_processes=True, since=since, until=until, limit=limit + 1)
        subjects = [workload]
        if not events and not store.findings(subject=workload, limit=1):
            raise NotInHistory(f"nothing in the history about {workload!r}")
    else:
        containers = match_workload(store.containers(), workload)
        if not containers:
            raise NotInHistory(
                f"no container in the history matches {workload!r} (give a container id, a container name, an image, "
                "a pod as namespace/name, or host:NAME)"
            )
        ids = [container.id for container in containers]
        events = store.runtime_events(container_ids=ids, since=since, until=until, limit=limit + 1)
        subjects = list(dict.fromkeys(key for container in containers for key in (container.id, container.id[:12])))
    truncated = len(events) > limit
    events = events[:limit]
    findings: dict[str, Finding] = {}
    for subject in subjects:
        for finding in store.findings(subject=subject, since=since, until=until):
            findings[finding.id] = finding
    links = store.finding_links([event.id for event in events])
    entries = [
        TimelineEntry(
            event.time,
            event=event,
            linked=tuple(sorted({findings[key].rule_id for key in links.get(event.id, ()) if key in findings})),
        )
        for event in events
    ]
    entries += [TimelineEntry(finding.first_seen, finding=finding) for finding in findings.values()]
    entries.sort(key=_order)
    return Timeline(containers, entries, since, until, len(events), len(findings), truncated)


def _order(entry: TimelineEntry) -> tuple[datetime, int, int, str, str]:
    if entry.event is not None:
        return (entry.time, 0, entry.event.time_ns, "", entry.event.id)
    assert entry.finding is not None
    return (entry.time, 1, 0, entry.finding.rule_id, entry.finding.id)


def _id_match(container_id: str, wanted: str) -> bool:
    return len(wanted) >= MIN_ID_PREFIX and _HEX.fullmatch(wanted) is not None and container_id.startswith(wanted)


def _image_match(container: SeenContainer, wanted: str) -> bool:
    image = container.image
    if image is not None:
        repository = _repository(image)
        if wanted in (image, repository) or wanted == repository.rpartition("/")[2]:
            return True
    image_id = container.image_id
    if image_id is None:
        return False
    bare = image_id.removeprefix("sha256:")
    given = wanted.removeprefix("sha256:").lower()
    return len(given) >= MIN_ID_PREFIX and _HEX.fullmatch(given) is not None and bare.startswith(given)


def _repository(image: str) -> str:
    """``registry:5000/app:1.0`` → ``registry:5000/app``; a digest reference loses its digest."""
    name = image.partition("@")[0]
    head, colon, tag = name.rpartition(":")
    return head if colon and "/" not in tag else name
