"""Pod checks: host namespaces, sensitive host paths, the service account and its token."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping

from jackwatch.checks.base import Hit
from jackwatch.checks.kubernetes.common import registry, resource, workload_hit
from jackwatch.checks.kubernetes.fixes import Patch
from jackwatch.inventory.kubernetes import K8sInventory, K8sObject, Workload
from jackwatch.inventory.kubernetes.objects import line_of, mapping, sequence
from jackwatch.model import Severity

RUNTIME_SOCKETS = (
    "/run/docker.sock",
    "/run/docker",
    "/run/containerd",
    "/run/crio",
    "/run/cri-dockerd.sock",
    "/run/dockershim.sock",
    "/run/k3s/containerd",
    "/run/k0s/containerd.sock",
    "/var/snap/microk8s/common/run",
    "/run/podman",
    "/run/user/*/podman",
    "/run/user/*/docker.sock",
)
"""Container runtime sockets (and the folders that hold them) of Docker, containerd, CRI-O, cri-dockerd, the
kubelet's dockershim, k3s (and RKE2), k0s, MicroK8s and Podman, rootless Podman and Docker too (``*``: one folder,
the user's id), as :func:`node_path` writes them: whoever reaches them runs any container on the node."""

SENSITIVE_TREES = (
    *RUNTIME_SOCKETS,
    "/etc/kubernetes",
    "/var/lib/kubelet",
    "/var/lib/etcd",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/root",
    "/proc",
    "/sys",
    "/dev",
    "/boot",
    "/etc/ssh",
    "/var/log",
)
"""Host paths that are sensitive with everything under them (node credentials, runtime state, kernel
interfaces, logs whose symlinks lead anywhere on the node)."""

SENSITIVE_EXACT = frozenset({"/", "/etc", "/home", "/var", "/run", "/usr", "/lib", "/bin", "/sbin"})
"""Host folders that are sensitive themselves (a subfolder of them may not be)."""


def node_path(path: str) -> str:
    """``path`` as the node reads it: absolute, without empty, ``.`` and ``..`` parts or a trailing slash (``//``
    at the start too, which ``posixpath.normpath`` keeps), and ``/var/run/…``, a link to ``/run`` on current
    distributions, written ``/run/…``."""
    normalized = "/" + posixpath.normpath("/" + path.strip()).lstrip("/")
    if normalized == "/var/run" or normalized.startswith("/var/run/"):
        return normalized.removeprefix("/var")
    return normalized


def _within(path: str, tree: str) -> bool:
    """Whether the :func:`node_path` ``path`` is ``tree`` or under it (a ``*`` part of ``tree``: any one part)."""
    parts, wanted = path.split("/"), tree.split("/")
    return len(parts) >= len(wanted) and all(want in ("*", part) for part, want in zip(parts, wanted, strict=False))


def runtime_socket(path: str) -> bool:
    """Whether mounting the host's ``path`` exposes a container runtime socket (:data:`RUNTIME_SOCKETS`)."""
    return any(_within(node_path(path), tree) for tree in RUNTIME_SOCKETS)


def sensitive_host_path(path: str) -> bool:
    """Whether mounting the host's ``path`` exposes the node."""
    normalized = node_path(path)
    return normalized in SENSITIVE_EXACT or any(_within(normalized, tree) for tree in SENSITIVE_TREES)


def _host_namespace(field: str, inventory: K8sInventory, what: str) -> Iterator[Hit]:
    for workload in inventory.checked_workloads:
        if workload.spec.get(field) is not True:
            continue
        patch = Patch(workload.obj).set((*workload.spec_path, field), False)
        yield workload_hit(workload, field=field, fix=patch.fix(f"stop sharing the node's {what} ({field}: false)"))


@registry.check("k8s.pod.host_pid")
def host_pid(inventory: K8sInventory) -> Iterator[Hit]:
    """``hostPID: true``."""
    return _host_namespace("hostPID", inventory, "process namespace")


@registry.check("k8s.pod.host_ipc")
def host_ipc(inventory: K8sInventory) -> Iterator[Hit]:
    """``hostIPC: true``."""
    return _host_namespace("hostIPC", inventory, "IPC namespace")


@registry.check("k8s.pod.host_network")
def host_network(inventory: K8sInventory) -> Iterator[Hit]:
    """``hostNetwork: true``."""
    return _host_namespace("hostNetwork", inventory, "network namespace")


@registry.check("k8s.pod.sensitive_host_path")
def sensitive_host_paths(inventory: K8sInventory) -> Iterator[Hit]:
    """A hostPath volume of a sensitive host path (one hit per volume)."""
    for workload in inventory.checked_workloads:
        for volume in sequence(workload.spec.get("volumes")):
            entry = mapping(volume)
            path = mapping(entry.get("hostPath")).get("path")
            if not isinstance(path, str) or not sensitive_host_path(path):
                continue
            name = str(entry.get("name", ""))
            socket = runtime_socket(path)
            mounts = [
                {
                    "container": container.name,
                    "mountPath": mapping(mount).get("mountPath"),
                    "readOnly": mapping(mount).get("readOnly") is True,
                }
                for container in workload.containers
                for mount in sequence(container.body.get("volumeMounts"))
                if mapping(mount).get("name") == name
            ]
            yield Hit(
                subject=workload.ref,
                key=name,
                resource=resource(workload.obj, line_of(entry), volume=name),
                evidence={"path": path, "runtime_socket": socket, "mounts": mounts},
                severity=Severity.CRITICAL if socket else None,
            )


def automounts_token(workload: Workload, accounts: Mapping[tuple[str | None, str], K8sObject]) -> bool:
    """Whether the pods get the service account token: the pod's setting, else the service account's (when it
    is among ``accounts``, by namespace and name), else Kubernetes' default (yes)."""
    own = workload.spec.get("automountServiceAccountToken")
    if isinstance(own, bool):
        return own
    account = accounts.get((workload.obj.namespace, workload.service_account))
    value = account.body.get("automountServiceAccountToken") if account is not None else None
    return value if isinstance(value, bool) else True


def service_accounts(inventory: K8sInventory) -> dict[tuple[str | None, str], K8sObject]:
    """The inventory's service accounts by (namespace, name)."""
    return {(account.namespace, account.name): account for account in inventory.of_kind("ServiceAccount")}


@registry.check("k8s.pod.service_account_token")
def service_account_token(inventory: K8sInventory) -> Iterator[Hit]:
    """The service account token is mounted into the pods."""
    accounts = service_accounts(inventory)
    for workload in inventory.checked_workloads:
        if not automounts_token(workload, accounts):
            continue
        patch = Patch(workload.obj).set((*workload.spec_path, "automountServiceAccountToken"), False)
        yield workload_hit(
            workload,
            field="automountServiceAccountToken",
            fix=patch.fix("do not mount the service account token (automountServiceAccountToken: false)"),
            evidence={"service_account": workload.service_account},
        )


@registry.check("k8s.pod.default_service_account")
def default_service_account(inventory: K8sInventory) -> Iterator[Hit]:
    """The pods run as the namespace's ``default`` service account."""
    for workload in inventory.checked_workloads:
        if workload.service_account != "default":
            continue
        yield workload_hit(workload, field="serviceAccountName", evidence={"service_account": "default"})
