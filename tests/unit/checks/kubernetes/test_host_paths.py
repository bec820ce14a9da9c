"""Sensitive host paths: every container runtime's socket (and its folder) is one, however the path is spelt, and
a path that only looks like one is not."""

from __future__ import annotations

from typing import Any

import pytest
from tests.unit.checks.kubernetes.kit import container, deployment, hits, inventory

from jackwatch.checks.kubernetes.pods import node_path
from jackwatch.model import Severity

CHECK = "k8s.pod.sensitive_host_path"


def mounting(path: str) -> dict[str, Any]:
    """A Deployment whose container mounts the host's ``path``, read-only."""
    mount = {"name": "runtime", "mountPath": "/host/runtime", "readOnly": True}
    spec = {
        "containers": [container(volumeMounts=[mount])],
        "volumes": [{"name": "runtime", "hostPath": {"path": path}}],
    }
    return deployment(spec)


SOCKETS = [
    "/var/run/docker.sock",
    "/run/containerd/containerd.sock",
    "/var/run/cri-dockerd.sock",
    "/var/run/dockershim.sock",
    "/run/k3s/containerd/containerd.sock",
    "/run/k3s/containerd",
    "/var/run/k3s/containerd",
    "/var/run/k3s/containerd/containerd.sock",
    "/run/k0s/containerd.sock",
    "/var/snap/microk8s/common/run/containerd.sock",
    "/run/podman/podman.sock",
    "/var/run/podman",
    "/run/user/1000/podman/podman.sock",
    "/run/user/1000/docker.sock",
]
SPELLINGS = [
    "//var/run/docker.sock",
    "/var/run/./docker.sock",
    "/var/run/docker.sock/",
    "/var//run/docker.sock",
    " /run/podman//podman.sock ",
    "///run/k3s/containerd/",
]


@pytest.mark.parametrize("path", SOCKETS + SPELLINGS)
def test_a_runtime_socket_or_its_folder_is_a_critical_finding(path: str) -> None:
    [hit] = hits(CHECK, inventory(mounting(path)))
    assert hit.severity is Severity.CRITICAL
    assert hit.evidence == {
        "path": path,
        "runtime_socket": True,
        "mounts": [{"container": "web", "mountPath": "/host/runtime", "readOnly": True}],
    }


@pytest.mark.parametrize(
    "path", ["/var/run/dockerish", "/run/k3s/other", "/run/podman-data", "/run/user/1000/app.sock", "/var/runner/x"]
)
def test_a_path_that_only_looks_like_a_socket_is_not_one(path: str) -> None:
    assert hits(CHECK, inventory(mounting(path))) == []


@pytest.mark.parametrize("path", ["/var/run", "/run/", "/var/lib/containerd", "/var/log/pods"])
def test_a_sensitive_path_that_holds_no_socket_by_itself_is_not_critical(path: str) -> None:
    [hit] = hits(CHECK, inventory(mounting(path)))
    assert hit.evidence["runtime_socket"] is False and hit.severity is None


def test_a_path_is_compared_as_the_node_reads_it() -> None:
    assert node_path("//var/run/./docker.sock/") == "/run/docker.sock"
    assert node_path("/var//lib/../lib/kubelet") == "/var/lib/kubelet"
    assert node_path("/var/runner") == "/var/runner" and node_path("") == "/"
