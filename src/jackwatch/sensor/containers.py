"""Which container a process belongs to: its id from the cgroup path, its pod and image from the runtime.

The container id is read from the cgroup path (``/proc/PID/cgroup``, or, for a process already gone, the path of
the cgroup v2 directory whose inode is the cgroup id the kernel event carried). The runtimes name their cgroups:

=============  ==========================================================================================
docker         ``/docker/<id>``, ``docker-<id>.scope``
containerd     ``cri-containerd-<id>.scope``, ``…:cri-containerd:<id>``, ``/kubepods/…/pod<uid>/<id>``
CRI-O          ``crio-<id>.scope``, ``crio-<id>`` (not ``crio-conmon-<id>``: that is the monitor)
podman         ``libpod-<id>.scope``, ``/libpod_parent/libpod-<id>`` (not ``libpod-conmon-<id>``)
=============  ==========================================================================================

Pod, namespace, name and image come from the runtime's state files when they are present, not from a call to the
CRI socket (jackwatch ships no gRPC client): the OCI ``config.json`` that containerd and CRI-O write per container
(its ``io.kubernetes.*`` annotations) and Docker's ``config.v2.json``. A container whose files are not found
keeps its id and runtime only.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jackwatch.model.runtime import ContainerInfo

_ID = r"(?P<id>[0-9a-f]{64})"
_PREFIXED = re.compile(rf"^(?P<prefix>docker|cri-containerd|crio|libpod)-{_ID}(?:\.scope)?$")
_COLON = re.compile(rf":(?P<prefix>cri-containerd|docker|crio):{_ID}$")
_BARE = re.compile(rf"^{_ID}$")
_POD = re.compile(r"pod(?P<uid>[0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})")

RUNTIMES = {"docker": "docker", "cri-containerd": "containerd", "crio": "cri-o", "libpod": "podman"}
MAX_STATE_FILE = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class CgroupContainer:
    """What a cgroup path says: the container id, its runtime and (under kubepods) the pod uid."""

    id: str
    runtime: str
    pod_uid: str | None = None


def parse_cgroup_path(path: str) -> CgroupContainer | None:
    """The container of a cgroup path, or ``None`` for a host cgroup (the deepest container component wins)."""
    parts = [part for part in path.split("/") if part]
    for index in range(len(parts) - 1, -1, -1):
        part = parts[index]
        found = _PREFIXED.match(part) or _COLON.search(part)
        runtime = RUNTIMES[found.group("prefix")] if found else None
        if found is None:
            found = _BARE.match(part)
            if found is None:
                continue
            parents = parts[:index]
            if index and parents[-1] == "docker":
                runtime = "docker"
            elif any(p.startswith("kubepods") for p in parents):
                runtime = "containerd"
            else:
                continue
        before = [*parts[:index], part[: found.start()]]  # ``…-pod<uid>.slice:cri-containerd:<id>`` holds both
        pod = next((m for p in before for m in [_POD.search(p)] if m), None)
        pod_uid = pod.group("uid").replace("_", "-") if pod else None
        assert runtime is not None
        return CgroupContainer(found.group("id"), runtime, pod_uid)
    return None


def cgroup_paths(lines: list[str]) -> list[str]:
    """The paths of ``/proc/PID/cgroup`` lines (``hierarchy:controllers:path``), the cgroup v2 one first."""
    unified: list[str] = []
    others: list[str] = []
    for line in lines:
        hierarchy, _, rest = line.partition(":")
        _, _, path = rest.partition(":")
        (unified if hierarchy == "0" else others).append(path)
    return unified + others


def container_of_lines(lines: list[str]) -> CgroupContainer | None:
    """The container of a process from its ``/proc/PID/cgroup`` lines."""
    for path in cgroup_paths(lines):
        found = parse_cgroup_path(path)
        if found is not None:
            return found
    return None


def cgroup2_root(mountinfo: Path = Path("/proc/self/mountinfo")) -> Path | None:
    """Where the cgroup v2 hierarchy is mounted (``/sys/fs/cgroup``, or ``/sys/fs/cgroup/unified`` in hybrid mode)."""
    try:
        text = mountinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        before, _, after = line.partition(" - ")
        fields = before.split()
        if after.split()[:1] == ["cgroup2"] and len(fields) >= 5:
            return Path(fields[4].replace("\\040", " "))
    return None


class CgroupIds:
    """cgroup v2 id → path below the hierarchy's root (the id of a cgroup is the inode of its directory).

    The tree is walked again, at most every ``min_interval`` seconds, when an id is not known yet: a container
    started after the sensor gets its cgroup then.
    """

    def __init__(self, root: Path | None, min_interval: float = 0.05, max_dirs: int = 200_000) -> None:
        self.root = root
        self.min_interval = min_interval
        self.max_dirs = max_dirs
        self._paths: dict[int, str] = {}
        self._walked = float("-inf")

    def _walk(self) -> None:
        assert self.root is not None
        paths: dict[int, str] = {}
        root = os.fspath(self.root)
        for count, (directory, _, _) in enumerate(os.walk(root)):
            if count >= self.max_dirs:
                break
            try:
                inode = os.stat(directory).st_ino
            except OSError:
                continue
            relative = directory[len(root) :] or "/"
            paths[inode] = relative
        self._paths = paths
        self._walked = time.monotonic()

    def path_of(self, cgroup_id: int) -> str | None:
        """The path of a cgroup id (``/kubepods/…``), walking the tree again if it is new."""
        if self.root is None:
            return None
        found = self._paths.get(cgroup_id)
        if found is None and time.monotonic() - self._walked >= self.min_interval:
            self._walk()
            found = self._paths.get(cgroup_id)
        return found


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        if path.stat().st_size > MAX_STATE_FILE:
            return None
        loaded = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None


def _from_annotations(annotations: dict[str, Any]) -> ContainerInfo:
    info: ContainerInfo = {}
    keys = {
        "name": ("io.kubernetes.cri.container-name", "io.kubernetes.container.name"),
        "pod": ("io.kubernetes.cri.sandbox-name", "io.kubernetes.pod.name"),
        "namespace": ("io.kubernetes.cri.sandbox-namespace", "io.kubernetes.pod.namespace"),
        "pod_uid": ("io.kubernetes.cri.sandbox-uid", "io.kubernetes.pod.uid"),
        "image": ("io.kubernetes.cri.image-name", "io.kubernetes.cri-o.ImageName"),
        "image_id": ("io.kubernetes.cri-o.ImageRef",),
    }
    for key, names in keys.items():
        value = next((annotations[name] for name in names if isinstance(annotations.get(name), str)), None)
        if value:
            info[key] = value  # type: ignore[literal-required]
    return info


class ContainerMetadata:
    """Pod, namespace, name and image of containers, from the runtimes' state files below ``host_root``."""

    OCI_CONFIGS = (
        "run/containerd/io.containerd.runtime.v2.task/*/{id}/config.json",
        "run/containers/storage/overlay-containers/{id}/userdata/config.json",
        "var/lib/containers/storage/overlay-containers/{id}/userdata/config.json",
    )
    DOCKER_CONFIG = "var/lib/docker/containers/{id}/config.v2.json"

    def __init__(self, host_root: Path = Path("/")) -> None:
        self.host_root = host_root

    def _oci_configs(self, container_id: str) -> Iterator[Path]:
        for pattern in self.OCI_CONFIGS:
            yield from self.host_root.glob(pattern.format(id=container_id))

    def lookup(self, container_id: str) -> ContainerInfo:
        """What the state files say about ``container_id`` (nothing when none is found)."""
        for path in self._oci_configs(container_id):
            config = _read_json(path)
            annotations = config.get("annotations") if config else None
            if isinstance(annotations, dict):
                return _from_annotations(annotations)
        docker = _read_json(self.host_root / self.DOCKER_CONFIG.format(id=container_id))
        if docker:
            info: ContainerInfo = {}
            config = docker.get("Config") if isinstance(docker.get("Config"), dict) else {}
            assert isinstance(config, dict)
            labels = config.get("Labels") if isinstance(config.get("Labels"), dict) else {}
            assert isinstance(labels, dict)
            info.update(_from_annotations(labels))
            name = docker.get("Name")
            if isinstance(name, str) and name.strip("/") and "name" not in info:
                info["name"] = name.strip("/")
            if isinstance(config.get("Image"), str):
                info["image"] = config["Image"]
            if isinstance(docker.get("Image"), str):
                info["image_id"] = docker["Image"]
            return info
        return {}


class Containers:
    """Container of a process, from its cgroup lines or its cgroup id, with metadata cached per container."""

    def __init__(
        self,
        cgroup_ids: CgroupIds,
        metadata: ContainerMetadata,
        now: Callable[[], float] = time.monotonic,
        refresh: float = 30.0,
    ) -> None:
        self.cgroup_ids = cgroup_ids
        self.metadata = metadata
        self._now = now
        self._refresh = refresh
        self._by_cgroup: dict[int, CgroupContainer | None] = {}
        self._info: dict[str, tuple[float | None, ContainerInfo]] = {}

    def _info_of(self, found: CgroupContainer) -> ContainerInfo:
        """The container's info: looked up once when its state files were found, else again every ``refresh``
        seconds (the runtime may write them just after the container's first process started)."""
        cached = self._info.get(found.id)
        now = self._now()
        if cached is not None and (cached[0] is None or now - cached[0] < self._refresh):
            return cached[1]
        info: ContainerInfo = {"id": found.id, "runtime": found.runtime}  # type: ignore[typeddict-item]
        if found.pod_uid:
            info["pod_uid"] = found.pod_uid
        metadata = self.metadata.lookup(found.id)
        info.update(metadata)
        if cached is not None and cached[1] == info:
            info = cached[1]  # unchanged: records made before share it
        self._info[found.id] = (None if metadata else now, info)
        return info

    def of_lines(self, lines: list[str]) -> ContainerInfo | None:
        """The container of a process from its ``/proc/PID/cgroup`` lines (``None``: a host process)."""
        found = container_of_lines(lines)
        return None if found is None else self._info_of(found)

    def knows(self, cgroup_id: int) -> bool:
        """Whether the path of ``cgroup_id`` was found (its container, or the host, is known for sure)."""
        return cgroup_id in self._by_cgroup

    def of_cgroup(self, cgroup_id: int) -> ContainerInfo | None:
        """The container of a cgroup v2 id (``None``: a host cgroup, or one that is gone)."""
        if cgroup_id in self._by_cgroup:
            known = self._by_cgroup[cgroup_id]
            return None if known is None else self._info_of(known)
        path = self.cgroup_ids.path_of(cgroup_id)
        if path is None:
            return None
        found = parse_cgroup_path(path)
        if len(self._by_cgroup) > 100_000:
            self._by_cgroup.clear()
        self._by_cgroup[cgroup_id] = found
        return None if found is None else self._info_of(found)


def overlay_upperdir(mountinfo: str) -> str | None:
    """The upper directory of the overlay mounted at ``/`` in a ``/proc/PID/mountinfo`` (a container's root)."""
    for line in mountinfo.splitlines():
        before, _, after = line.partition(" - ")
        fields, rest = before.split(), after.split()
        if len(fields) >= 5 and fields[4] == "/" and rest[:1] == ["overlay"] and len(rest) >= 3:
            for option in rest[2].split(","):
                if option.startswith("upperdir="):
                    return option.removeprefix("upperdir=").replace("\\040", " ")
    return None


class UpperLayers:
    """Whether a container's executable was written after the container started: the file is in the upper layer
    of its overlay root (the layer that holds what changed since the image), as seen from the host. Only for the
    containers whose root is an overlay; ``None`` when that cannot be told."""

    def __init__(self, proc: Path = Path("/proc"), host_root: Path = Path("/")) -> None:
        self.proc = proc
        self.host_root = host_root
        self._upper: dict[str, str | None] = {}

    def contains(self, container_id: str, pid: int, path: str) -> bool | None:
        """Whether ``path`` (inside the container of ``pid``) is in the container's upper layer."""
        if not container_id or not path.startswith("/"):
            return None
        if container_id not in self._upper:
            try:
                text = (self.proc / str(pid) / "mountinfo").read_text(encoding="utf-8", errors="replace")
            except OSError:
                return None  # gone before its root was seen: try with the container's next process
            if len(self._upper) > 10_000:
                self._upper.clear()
            self._upper[container_id] = overlay_upperdir(text)
        upper = self._upper[container_id]
        if upper is None:
            return None
        return os.path.lexists(os.path.join(self.host_root, upper.lstrip("/"), path.lstrip("/")))
