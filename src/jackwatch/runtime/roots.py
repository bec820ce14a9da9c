"""The root whose packages a runtime record's files belong to, and how to read it.

Package use is kept per **image** for containers (every container of an image shares its files, as the image
scan's assets do) and per **host** for host processes:

- a process in a container whose image id is known: ``image``, ``image://sha256:…`` (the ref
  ``jackwatch scan image`` gives the image), read through ``/proc/<pid>/root``;
- in a container with only an image name: ``image``, ``image://<repository:tag>``, the same way;
- in a container with no image: ``container``, ``container://<host>/<id>``, the same way;
- on the host: ``filesystem``, ``file://<host>/`` (the ref ``jackwatch scan fs /`` gives it), read through ``/``.

Live (:class:`LiveRoots`), the files are read while the process runs. For a recorded trace the files are
given: an image archive or a directory (:class:`FixedRoot`), and every record of the trace is taken as
belonging to it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, cast

from jackwatch.model import Asset
from jackwatch.runtime.packages import DirectoryIndex, PackageIndex
from jackwatch.runtime.records import section, text
from jackwatch.sources.stats import ReadStats

_HEX_ID = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class WatchedRoot:
    """A root as an asset, and the index of its installed distributions."""

    asset: Asset
    index: PackageIndex


class RootResolver(Protocol):
    """The watched root of a record (``None`` when its files cannot be read)."""

    def __call__(self, record: Mapping[str, Any], host: str) -> WatchedRoot | None: ...


def root_asset(record: Mapping[str, Any], host: str) -> Asset:
    """The asset of the root the record's process runs from (see the module's description)."""
    container = section(record, "container")
    container_id = text(container.get("id"))
    if container_id is None:
        return Asset(ref=f"file://{host}/", kind="filesystem", name=f"{host}:/", attrs={"host": host, "path": "/"})
    image_id = text(container.get("image_id"))
    image = text(container.get("image"))
    if image_id is not None:
        normal = f"sha256:{image_id}" if _HEX_ID.fullmatch(image_id) else image_id
        return Asset(ref=f"image://{normal}", kind="image", name=image or normal)
    if image is not None:
        return Asset(ref=f"image://{image}", kind="image", name=image)
    name = text(container.get("name")) or container_id[:12]
    return Asset(ref=f"container://{host}/{container_id}", kind="container", name=name)


class LiveRoots:
    """The roots of running processes: a container's through ``<proc>/<pid>/root`` of the record's process, the
    host's through ``/``. One index per root, kept for the life of this object."""

    def __init__(self, stats: ReadStats, proc: str = "/proc") -> None:
        self._stats = stats
        self._proc = proc
        self._roots: dict[str, WatchedRoot] = {}

    def __call__(self, record: Mapping[str, Any], host: str) -> WatchedRoot | None:
        asset = root_asset(record, host)
        in_container = asset.kind != "filesystem"
        top = f"{self._proc}/{section(record, 'proc').get('pid')}/root" if in_container else "/"
        known = self._roots.get(asset.id)
        if known is not None:
            index = known.index
            moved = in_container and isinstance(index, DirectoryIndex) and index.root.top != top
            if moved and os.access(top, os.R_OK | os.X_OK):  # else read on through the process seen before
                cast(DirectoryIndex, index).move(top)
            return known
        if not os.access(top, os.R_OK | os.X_OK):
            return None
        watched = WatchedRoot(asset, DirectoryIndex(top, self._stats, asset.name))
        self._roots[asset.id] = watched
        return watched


class FixedRoot:
    """One root for every record: the image or directory a recorded trace ran from."""

    def __init__(self, asset: Asset, index: PackageIndex) -> None:
        self._watched = WatchedRoot(asset, index)

    @property
    def asset(self) -> Asset:
        """The root's asset."""
        return self._watched.asset

    def __call__(self, record: Mapping[str, Any], host: str) -> WatchedRoot | None:
        return self._watched
