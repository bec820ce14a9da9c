"""Container ids from cgroup paths (docker, containerd, CRI-O, podman), cgroup ids, runtime state files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from jackwatch.sensor.containers import (
    CgroupContainer,
    CgroupIds,
    ContainerMetadata,
    Containers,
    UpperLayers,
    cgroup2_root,
    cgroup_paths,
    container_of_lines,
    overlay_upperdir,
    parse_cgroup_path,
)

ID = "3f2a9c1b7d4e5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"
POD = "0d3c1f7e-7d2c-4e4b-9a51-2f6f3c9b8e10"
POD_ = POD.replace("-", "_")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        # docker: cgroupfs driver (v1), systemd driver
        (f"/docker/{ID}", CgroupContainer(ID, "docker")),
        (f"/system.slice/docker-{ID}.scope", CgroupContainer(ID, "docker")),
        # containerd: kubelet with the systemd driver, the cgroupfs driver, and containerd's own nested form
        (
            f"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{POD_}.slice/cri-containerd-{ID}.scope",
            CgroupContainer(ID, "containerd", POD),
        ),
        (f"/kubepods/besteffort/pod{POD}/{ID}", CgroupContainer(ID, "containerd", POD)),
        (
            f"/system.slice/containerd.service/kubepods-burstable-pod{POD_}.slice:cri-containerd:{ID}",
            CgroupContainer(ID, "containerd", POD),
        ),
        # CRI-O
        (
            f"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{POD_}.slice/crio-{ID}.scope",
            CgroupContainer(ID, "cri-o", POD),
        ),
        (f"/kubepods/burstable/pod{POD}/crio-{ID}", CgroupContainer(ID, "cri-o", POD)),
        # podman: systemd (the process sits in a "container" child cgroup), cgroupfs
        (
            f"/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-{ID}.scope/container",
            CgroupContainer(ID, "podman"),
        ),
        (f"/libpod_parent/libpod-{ID}", CgroupContainer(ID, "podman")),
    ],
)
def test_container_cgroups(path: str, expected: CgroupContainer) -> None:
    assert parse_cgroup_path(path) == expected


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/user.slice/user-1000.slice/session-3.scope",
        "/system.slice/docker.service",
        "/system.slice/containerd.service",
        f"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{POD_}.slice/crio-conmon-{ID}.scope",
        f"/machine.slice/libpod-conmon-{ID}.scope",
        f"/docker/{ID[:12]}",  # not a full id
        f"/somewhere/{ID}",  # a bare id outside kubepods and docker
        "/process_api/6b499d88c065e33357c691269fdd6f81",
    ],
)
def test_host_cgroups(path: str) -> None:
    assert parse_cgroup_path(path) is None


PROC_CGROUP_HYBRID = f"""12:pids:/kubepods/besteffort/pod{POD}/{ID}
11:memory:/kubepods/besteffort/pod{POD}/{ID}
1:name=systemd:/kubepods/besteffort/pod{POD}/{ID}
0::/
""".splitlines()


def test_proc_cgroup_lines_v2_first_then_v1() -> None:
    assert cgroup_paths(PROC_CGROUP_HYBRID)[0] == "/"
    assert container_of_lines(PROC_CGROUP_HYBRID) == CgroupContainer(ID, "containerd", POD)
    assert container_of_lines(["0::/user.slice", "3:cpu:/"]) is None
    assert container_of_lines(["garbage", ""]) is None


def test_cgroup2_mount_point(tmp_path: Path) -> None:
    mountinfo = tmp_path / "mountinfo"
    mountinfo.write_text(
        "30 25 0:26 / /sys/fs/cgroup/cpu rw,relatime shared:9 - cgroup cgroup rw,cpu\n"
        "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
    )
    assert cgroup2_root(mountinfo) == Path("/sys/fs/cgroup/unified")
    mountinfo.write_text("30 25 0:26 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n")
    assert cgroup2_root(mountinfo) is None
    assert cgroup2_root(tmp_path / "missing") is None


def test_cgroup_ids_are_directory_inodes_and_new_ones_are_found(tmp_path: Path) -> None:
    ids = CgroupIds(tmp_path, min_interval=0.0)
    scope = tmp_path / "kubepods" / f"pod{POD}" / ID
    assert ids.path_of(tmp_path.stat().st_ino) == "/"
    scope.mkdir(parents=True)  # a container started after the first walk
    assert ids.path_of(scope.stat().st_ino) == f"/kubepods/pod{POD}/{ID}"
    assert ids.path_of(123456789) is None
    assert CgroupIds(None).path_of(1) is None


def _write(path: Path, body: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(body))


def test_metadata_from_containerd_cri_o_and_docker_state_files(tmp_path: Path) -> None:
    containerd_id, crio_id, docker_id = ID, "a" * 64, "b" * 64
    _write(
        tmp_path / f"run/containerd/io.containerd.runtime.v2.task/k8s.io/{containerd_id}/config.json",
        {
            "ociVersion": "1.1.0",
            "annotations": {
                "io.kubernetes.cri.container-type": "container",
                "io.kubernetes.cri.container-name": "app",
                "io.kubernetes.cri.sandbox-name": "openai-app-7d9f8c6b5-x2kq4",
                "io.kubernetes.cri.sandbox-namespace": "prod",
                "io.kubernetes.cri.sandbox-uid": POD,
                "io.kubernetes.cri.image-name": "ghcr.io/acme/openai-app:1.4.2",
            },
        },
    )
    _write(
        tmp_path / f"var/lib/containers/storage/overlay-containers/{crio_id}/userdata/config.json",
        {
            "annotations": {
                "io.kubernetes.container.name": "worker",
                "io.kubernetes.pod.name": "batch-1",
                "io.kubernetes.pod.namespace": "jobs",
                "io.kubernetes.cri-o.ImageName": "quay.io/acme/worker:2",
            }
        },
    )
    _write(
        tmp_path / f"var/lib/docker/containers/{docker_id}/config.v2.json",
        {"Name": "/web", "Image": "sha256:" + "c" * 64, "Config": {"Image": "nginx:1.27", "Labels": {}}},
    )
    metadata = ContainerMetadata(tmp_path)
    assert metadata.lookup(containerd_id) == {
        "name": "app",
        "pod": "openai-app-7d9f8c6b5-x2kq4",
        "namespace": "prod",
        "pod_uid": POD,
        "image": "ghcr.io/acme/openai-app:1.4.2",
    }
    assert metadata.lookup(crio_id) == {
        "name": "worker",
        "pod": "batch-1",
        "namespace": "jobs",
        "image": "quay.io/acme/worker:2",
    }
    assert metadata.lookup(docker_id) == {"name": "web", "image": "nginx:1.27", "image_id": "sha256:" + "c" * 64}
    assert metadata.lookup("d" * 64) == {}


def test_unreadable_state_files_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / f"var/lib/docker/containers/{ID}/config.v2.json"
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    assert ContainerMetadata(tmp_path).lookup(ID) == {}
    path.write_text("[1, 2]")
    assert ContainerMetadata(tmp_path).lookup(ID) == {}


def test_containers_by_cgroup_id_and_by_lines(tmp_path: Path) -> None:
    cgroups, state = tmp_path / "cgroup", tmp_path / "root"
    scope = cgroups / "kubepods.slice" / f"kubepods-besteffort-pod{POD_}.slice" / f"cri-containerd-{ID}.scope"
    scope.mkdir(parents=True)
    _write(
        state / f"run/containerd/io.containerd.runtime.v2.task/k8s.io/{ID}/config.json",
        {
            "annotations": {
                "io.kubernetes.cri.sandbox-name": "openai-app",
                "io.kubernetes.cri.sandbox-namespace": "prod",
            }
        },
    )
    containers = Containers(CgroupIds(cgroups, min_interval=0.0), ContainerMetadata(state))
    found = containers.of_cgroup(scope.stat().st_ino)
    assert found == {"id": ID, "runtime": "containerd", "pod_uid": POD, "pod": "openai-app", "namespace": "prod"}
    assert containers.of_cgroup(cgroups.stat().st_ino) is None  # the root: a host process
    assert containers.of_lines(PROC_CGROUP_HYBRID) == found
    assert containers.of_lines(["0::/init.scope"]) is None
    os.rmdir(scope)  # a container that vanished keeps what was learnt of it
    assert containers.of_lines(PROC_CGROUP_HYBRID) == found


MOUNTINFO = (
    "1180 1037 0:391 / / rw,relatime master:525 - overlay overlay rw,lowerdir=/var/lib/containerd/io.containerd."
    "snapshotter.v1.overlayfs/snapshots/41/fs,upperdir=/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/"
    "snapshots/57/fs,workdir=/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/57/work\n"
    "1181 1180 0:393 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n"
)


def test_upper_layer_of_an_overlay_root() -> None:
    assert overlay_upperdir(MOUNTINFO) == ("/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/57/fs")
    assert overlay_upperdir("22 27 0:21 / / rw - ext4 /dev/vda rw\n") is None


def test_executables_written_into_the_container_are_in_its_upper_layer(tmp_path: Path) -> None:
    proc, host = tmp_path / "proc", tmp_path / "host"
    (proc / "77").mkdir(parents=True)
    (proc / "77" / "mountinfo").write_text(MOUNTINFO)
    upper = host / "var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/57/fs"
    (upper / "dev" / "shm").mkdir(parents=True)
    (upper / "dev" / "shm" / "xmrig").write_text("")
    layers = UpperLayers(proc, host)
    assert layers.contains(ID, 77, "/dev/shm/xmrig") is True
    assert layers.contains(ID, 78, "/usr/bin/python3") is False  # known now: another process of the container
    assert layers.contains("", 77, "/x") is None
    assert UpperLayers(proc, host).contains(ID, 99, "/x") is None  # no process to read the root of
