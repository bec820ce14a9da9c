"""Container checks: security context (privileged, escalation, capabilities, user, root filesystem, seccomp),
host ports, resource limits and images. One hit per container; the fix patches that container."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from jackwatch.checks.base import Hit
from jackwatch.checks.kubernetes.common import container_hit, registry
from jackwatch.checks.kubernetes.fixes import Patch
from jackwatch.inventory.kubernetes import Container, K8sInventory, Workload
from jackwatch.inventory.kubernetes.images import exempt, parse_image
from jackwatch.inventory.kubernetes.objects import mapping, sequence
from jackwatch.model import Severity

DANGEROUS_CAPABILITIES = frozenset(
    {
        "ALL",
        "BPF",
        "DAC_READ_SEARCH",
        "MAC_ADMIN",
        "MAC_OVERRIDE",
        "NET_ADMIN",
        "NET_RAW",
        "PERFMON",
        "SETPCAP",
        "SYS_ADMIN",
        "SYS_BOOT",
        "SYS_MODULE",
        "SYS_PTRACE",
        "SYS_RAWIO",
        "SYSLOG",
    }
)
"""Capabilities that open a way out of the container or onto the node (kubescape C-0046's list and Falco's
"excessively capable" ones)."""

DEFAULT_CAPABILITIES = frozenset(
    {
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "NET_RAW",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    }
)
"""What container runtimes grant by default: dropping all of them is as good as dropping ``ALL``."""

NON_ROOT_ID = 10001
"""The user and group id a fix puts in place of 0."""

DEFAULT_LIMITS = {"cpu": "500m", "memory": "512Mi"}
"""Limits a fix sets when the container requests nothing (to be tuned: shown in the fix's summary)."""

SECCOMP_CONFINED = frozenset({"RuntimeDefault", "Localhost"})
_SECCOMP_ANNOTATION_TYPES = {"runtime/default": "RuntimeDefault", "docker/default": "RuntimeDefault"}


def capability(name: object) -> str:
    """A capability's name as compared: upper case, without ``CAP_``."""
    return str(name).strip().upper().removeprefix("CAP_")


def added_capabilities(container: Container) -> list[str]:
    """The capabilities a container adds, as written."""
    return [str(item) for item in sequence(mapping(container.security_context.get("capabilities")).get("add"))]


def _context_path(container: Container, *fields: str) -> tuple[str | int, ...]:
    return (*container.path, "securityContext", *fields)


def _containers(inventory: K8sInventory) -> Iterator[tuple[Workload, Container]]:
    for workload in inventory.checked_workloads:
        for container in workload.containers:
            yield workload, container


def _effective(workload: Workload, container: Container, field: str) -> Any:
    """A security setting that the container inherits from the pod unless it sets it itself."""
    value = container.security_context.get(field)
    if value is None:
        value = mapping(workload.spec.get("securityContext")).get(field)
    return value


@registry.check("k8s.container.privileged")
def privileged(inventory: K8sInventory) -> Iterator[Hit]:
    """``privileged: true``, or ``SYS_ADMIN`` added (which is nearly the same)."""
    for workload, container in _containers(inventory):
        context = container.security_context
        added = added_capabilities(container)
        sys_admin = [name for name in added if capability(name) == "SYS_ADMIN"]
        if context.get("privileged") is not True and not sys_admin:
            continue
        patch = Patch(workload.obj)
        if context.get("privileged") is True:
            patch.set(_context_path(container, "privileged"), False)
        if sys_admin:
            _set_added(patch, container, [name for name in added if capability(name) != "SYS_ADMIN"])
        evidence = {"privileged": context.get("privileged") is True, "sys_admin": bool(sys_admin)}
        yield container_hit(
            workload,
            container,
            field="privileged" if "privileged" in context else "capabilities",
            fix=patch.fix("run unprivileged (privileged: false, without SYS_ADMIN)"),
            evidence=evidence,
        )


def _set_added(patch: Patch, container: Container, kept: list[str]) -> None:
    if kept:
        patch.set(_context_path(container, "capabilities", "add"), kept)
    else:
        patch.remove(_context_path(container, "capabilities", "add"))


@registry.check("k8s.container.allow_privilege_escalation")
def allow_privilege_escalation(inventory: K8sInventory) -> Iterator[Hit]:
    """``allowPrivilegeEscalation`` not set to false (Kubernetes allows escalation by default)."""
    for workload, container in _containers(inventory):
        context = container.security_context
        if context.get("allowPrivilegeEscalation") is False:
            continue
        patch = Patch(workload.obj)
        patch.set(_context_path(container, "allowPrivilegeEscalation"), False)
        # the API rejects allowPrivilegeEscalation: false together with privileged or CAP_SYS_ADMIN
        if context.get("privileged") is True:
            patch.set(_context_path(container, "privileged"), False)
        added = added_capabilities(container)
        if any(capability(name) == "SYS_ADMIN" for name in added):
            _set_added(patch, container, [name for name in added if capability(name) != "SYS_ADMIN"])
        yield container_hit(
            workload,
            container,
            field="allowPrivilegeEscalation",
            fix=patch.fix("set allowPrivilegeEscalation: false"),
            evidence={"allowPrivilegeEscalation": context.get("allowPrivilegeEscalation")},
        )


@registry.check("k8s.container.dangerous_capabilities")
def dangerous_capabilities(inventory: K8sInventory) -> Iterator[Hit]:
    """Capabilities of :data:`DANGEROUS_CAPABILITIES` added."""
    for workload, container in _containers(inventory):
        added = added_capabilities(container)
        dangerous = [name for name in added if capability(name) in DANGEROUS_CAPABILITIES]
        if not dangerous:
            continue
        patch = Patch(workload.obj)
        _set_added(patch, container, [name for name in added if capability(name) not in DANGEROUS_CAPABILITIES])
        yield container_hit(
            workload,
            container,
            field="capabilities",
            fix=patch.fix(f"stop adding {', '.join(dangerous)}"),
            evidence={"capabilities": dangerous},
        )


@registry.check("k8s.container.capabilities_not_dropped")
def capabilities_not_dropped(inventory: K8sInventory) -> Iterator[Hit]:
    """``ALL`` not dropped (nor every default capability)."""
    for workload, container in _containers(inventory):
        capabilities = mapping(container.security_context.get("capabilities"))
        dropped = {capability(name) for name in sequence(capabilities.get("drop"))}
        if "ALL" in dropped or dropped >= DEFAULT_CAPABILITIES:
            continue
        patch = Patch(workload.obj)
        patch.set(_context_path(container, "capabilities", "drop"), ["ALL"])
        yield container_hit(
            workload,
            container,
            field="capabilities",
            fix=patch.fix("drop ALL capabilities (add back only what the process needs)"),
            evidence={"dropped": sorted(dropped)},
        )


@registry.check("k8s.container.run_as_root")
def run_as_root(inventory: K8sInventory) -> Iterator[Hit]:
    """The container may run as user 0 (neither ``runAsNonRoot: true`` nor a non-zero ``runAsUser``, from the
    container or the pod), or sets ``runAsGroup: 0``."""
    for workload, container in _containers(inventory):
        non_root = _effective(workload, container, "runAsNonRoot")
        user = _effective(workload, container, "runAsUser")
        group = _effective(workload, container, "runAsGroup")
        root_user = _is_zero(user) or (not _positive(user) and non_root is not True)
        root_group = _is_zero(group)
        if not (root_user or root_group):
            continue
        patch = Patch(workload.obj)
        if root_user:
            patch.set(_context_path(container, "runAsNonRoot"), True)
            if _is_zero(user):
                patch.set(_context_path(container, "runAsUser"), NON_ROOT_ID)
        if root_group:
            patch.set(_context_path(container, "runAsGroup"), NON_ROOT_ID)
        reasons = (["user 0"] if root_user else []) + (["group 0"] if root_group else [])
        yield container_hit(
            workload,
            container,
            field="runAsUser" if "runAsUser" in container.security_context else "runAsNonRoot",
            fix=patch.fix("run as a non-root user (runAsNonRoot: true, non-zero ids)"),
            evidence={"reasons": reasons, "runAsNonRoot": non_root, "runAsUser": user, "runAsGroup": group},
        )


def _is_zero(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value == 0


def _positive(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


@registry.check("k8s.container.writable_root_filesystem")
def writable_root_filesystem(inventory: K8sInventory) -> Iterator[Hit]:
    """``readOnlyRootFilesystem`` not true."""
    for workload, container in _containers(inventory):
        if container.security_context.get("readOnlyRootFilesystem") is True:
            continue
        patch = Patch(workload.obj).set(_context_path(container, "readOnlyRootFilesystem"), True)
        yield container_hit(
            workload,
            container,
            field="readOnlyRootFilesystem",
            fix=patch.fix("mount the root filesystem read-only (give writable paths an emptyDir)"),
        )


@registry.check("k8s.container.host_port")
def host_port(inventory: K8sInventory) -> Iterator[Hit]:
    """A container port bound to a port of the node (``hostPort``)."""
    for workload, container in _containers(inventory):
        ports = sequence(container.body.get("ports"))
        bound = [(index, mapping(port)) for index, port in enumerate(ports) if _positive(mapping(port).get("hostPort"))]
        if not bound:
            continue
        patch = Patch(workload.obj)
        for index, _ in bound:
            patch.remove((*container.path, "ports", index, "hostPort"))
        yield container_hit(
            workload,
            container,
            fix=patch.fix("stop binding node ports (expose through a Service)"),
            evidence={"host_ports": [port.get("hostPort") for _, port in bound]},
        )


@registry.check("k8s.container.resource_limits")
def resource_limits(inventory: K8sInventory) -> Iterator[Hit]:
    """No CPU or no memory limit."""
    for workload, container in _containers(inventory):
        if container.field == "ephemeralContainers":  # ephemeral containers take no resources
            continue
        resources = mapping(container.body.get("resources"))
        limits, requests = mapping(resources.get("limits")), mapping(resources.get("requests"))
        missing = [name for name in ("cpu", "memory") if limits.get(name) in (None, "", 0, "0")]
        if not missing:
            continue
        patch = Patch(workload.obj)
        values: dict[str, Any] = {}
        for name in missing:
            values[name] = requests.get(name) or DEFAULT_LIMITS[name]
            patch.set((*container.path, "resources", "limits", name), values[name])
        shown = ", ".join(f"{name} {value}" for name, value in values.items())
        yield container_hit(
            workload,
            container,
            fix=patch.fix(f"set limits ({shown}: the requests, or defaults to tune)"),
            evidence={"missing": missing},
        )


@registry.check("k8s.container.seccomp_unconfined")
def seccomp_unconfined(inventory: K8sInventory) -> Iterator[Hit]:
    """No seccomp profile (container, pod, or the legacy annotations), or ``Unconfined``."""
    for workload, container in _containers(inventory):
        profile = _seccomp(workload, container)
        if profile in SECCOMP_CONFINED:
            continue
        patch = Patch(workload.obj).set(_context_path(container, "seccompProfile"), {"type": "RuntimeDefault"})
        yield container_hit(
            workload,
            container,
            field="seccompProfile",
            fix=patch.fix("use the runtime's default seccomp profile (RuntimeDefault)"),
            evidence={"profile": profile or "unset"},
            severity=Severity.MEDIUM if profile == "Unconfined" else None,
        )


def _seccomp(workload: Workload, container: Container) -> str | None:
    own = mapping(container.security_context.get("seccompProfile")).get("type")
    if isinstance(own, str):
        return own
    annotations = workload.pod_annotations
    legacy = annotations.get(f"container.seccomp.security.alpha.kubernetes.io/{container.name}")
    if legacy is not None:
        return _legacy_seccomp(legacy)
    pod = mapping(mapping(workload.spec.get("securityContext")).get("seccompProfile")).get("type")
    if isinstance(pod, str):
        return pod
    legacy = annotations.get("seccomp.security.alpha.kubernetes.io/pod")
    return _legacy_seccomp(legacy) if legacy is not None else None


def _legacy_seccomp(value: str) -> str:
    if value.startswith("localhost/"):
        return "Localhost"
    return _SECCOMP_ANNOTATION_TYPES.get(value, "Unconfined")


@registry.check("k8s.container.image_latest")
def image_latest(inventory: K8sInventory) -> Iterator[Hit]:
    """An image without a tag or tagged ``latest``, and without a digest."""
    for workload, container in _containers(inventory):
        if not container.image or not parse_image(container.image).floating:
            continue
        yield container_hit(workload, container, evidence={"image": container.image})


@registry.check("k8s.container.image_not_pinned")
def image_not_pinned(inventory: K8sInventory) -> Iterator[Hit]:
    """An image without a valid digest, unless its repository is exempt (settings)."""
    exempted = inventory.settings.digest_exempt_repositories
    for workload, container in _containers(inventory):
        if not container.image:
            continue
        image = parse_image(container.image)
        if image.pinned or exempt(image, exempted):
            continue
        yield container_hit(workload, container, evidence={"image": container.image, "digest": image.digest})


def container_env_index(container: Container, name: str) -> int | None:
    """The index of the first ``env`` entry called ``name`` with a literal value."""
    for index, item in enumerate(sequence(container.body.get("env"))):
        entry: Mapping[str, Any] = mapping(item)
        if entry.get("name") == name and "value" in entry:
            return index
    return None
