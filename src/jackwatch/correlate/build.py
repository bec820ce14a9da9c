"""Building the correlation graph from assets and findings: the one place where links between what the
inventories saw are derived.

Every edge below is derived here, from data the inventories and scans already hold (``declared``) or from what
runtime events and cloud audit logs showed (``observed``):

============================  ==============================================================================
edge                          derived from
============================  ==============================================================================
internet → Service            a Service of type LoadBalancer (not internal), NodePort or with external IPs
                              (its asset's ``exposed``); the ``k8s.workload.internet_exposed`` findings naming it
internet → Ingress            every Ingress (an Ingress is how a cluster publishes HTTP)
Ingress → Service             the Services its rules and default backend name, in its namespace
Service → workload            the Service's selector is a subset of the workload's pod labels, same namespace
workload → container          the container asset's parent
workload → ServiceAccount     the workload's ``service_account`` (when the ServiceAccount is in the inventory)
ServiceAccount → identity     IRSA (``eks.amazonaws.com/role-arn``), GKE and Azure workload identity annotations
                              (the workload's ``identities``); from the workload itself when only its
                              environment shows the identity
container → image             the image reference joined to a scanned image by digest (the manifest's
                              ``@sha256:…`` is the scanned image's manifest digest or id), else by repository and
                              tag; the Kubernetes image asset otherwise; ``observed`` from the image id runtime
                              events report for the container
image → package               the package asset's parent (scanned image, directory or SBOM)
package → vulnerability       ``vuln.*`` findings naming the package's asset (``evidence.assets``)
container → key               the container asset's ``keys``, ``k8s.container.env_key`` and ``args_key`` findings
workload → key                ``k8s.last_applied.key`` findings (the key only the annotation still holds)
image → key                   ``secret.*`` findings of an image scan (``evidence.assets`` names the image)
workload → ConfigMap          the workloads a ``k8s.configmap.key`` finding says read the ConfigMap (``used_by``:
                              envFrom, env valueFrom or a volume)
ConfigMap → key               ``k8s.configmap.key`` and ``k8s.last_applied.key`` findings
key → access key              the key's identifier (an AWS secret access key's ``AKIA…`` id)
access key → identity         AWS inventory (the user's access keys), or ``observed``: detection findings about a
                              principal that list the key (``evidence.access_key_ids``)
identity → AI service         AWS inventory (effective Bedrock permissions allow invocation), or ``observed``:
                              cloud detection findings about the identity that name models
AI service → model            ``observed``: the models cloud detection findings name
============================  ==============================================================================

Findings are attached to the nodes they are about: Kubernetes misconfigurations to their workload (and container),
vulnerabilities to their package, leaked keys to the key and to where it was found, AWS posture findings to the
identity or Bedrock region, cloud detections to the principal, runtime detections (sources ``syscall`` and
``falco_alert``) to the container they came from — found by pod name (the workload's name followed by ``-``, the
longest match) and container name, or through the runtime history's containers.

Workloads made by another workload of the inventory (a live Deployment's ReplicaSets and Pods) are left out:
checks report on their controller, which stands for them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from jackwatch.correlate.graph import INTERNET, AttackGraph, NodeKind, Rel
from jackwatch.correlate.incidents import SOURCE_PROVIDERS, USAGE_PROVIDERS
from jackwatch.correlate.inputs import GraphInputs, RuntimeContainer
from jackwatch.inventory.aws.assets import BEDROCK, ROLE, USER
from jackwatch.inventory.kubernetes.assets import CONTAINER, INGRESS, SERVICE, SERVICE_ACCOUNT, WORKLOAD
from jackwatch.inventory.kubernetes.images import parse_image
from jackwatch.inventory.scan import PACKAGE
from jackwatch.model import Asset, Edge, Finding, FindingKind, Provenance
from jackwatch.secrets import DETECTORS

RUNTIME_SOURCES = frozenset({"syscall", "falco_alert"})
"""Sources of runtime detections: their findings are about containers."""

AI_SERVICES: Mapping[str, tuple[str, str]] = {
    "aws": ("ai:aws-bedrock", "Amazon Bedrock"),
    "azure": ("ai:azure-openai", "Azure OpenAI"),
    "gcp": ("ai:gcp-vertex", "Vertex AI"),
    "openai": ("ai:openai", "OpenAI API"),
    "anthropic": ("ai:anthropic", "Anthropic API"),
}
"""The AI service of each cloud or LLM provider: (node id, name)."""

INVOKE_CHECKS = frozenset({"aws.iam.user_long_term_key_can_invoke_bedrock", "aws.iam.user_bedrock_full_access"})
"""AWS checks whose findings say that an identity can invoke Bedrock models."""

MANIFEST_KEY_RULES = frozenset(
    {"k8s.container.env_key", "k8s.container.args_key", "k8s.configmap.key", "k8s.last_applied.key"}
)
"""Checks whose findings are keys written in a manifest: the key, and the container or object that holds it."""

_DETECTOR_OF = {detector.provider or detector.kind: detector for detector in DETECTORS}
"""The detector behind each ``secret.<provider or kind>`` rule id of an image scan."""


def build_graph(inputs: GraphInputs) -> AttackGraph:
    """The graph of ``inputs`` (see the module's table for how each edge is derived)."""
    builder = _Builder(inputs)
    builder.build()
    return builder.graph


class _Builder:
    def __init__(self, inputs: GraphInputs) -> None:
        self.inputs = inputs
        self.graph = AttackGraph()
        self.graph.add_node(INTERNET, NodeKind.INTERNET, "Internet")
        self.node_of_asset: dict[str, str] = {}
        """Asset id → node id."""
        self.workloads: dict[tuple[str, str], list[str]] = {}
        """(cluster, namespace) → workload node ids."""
        self.scanned_images: dict[str, str] = {}
        """Digest, image id or canonical repository:tag → scanned image node id."""

    def build(self) -> None:
        assets = list(self.inputs.assets)
        by_kind: dict[str, list[Asset]] = {}
        for asset in assets:
            by_kind.setdefault(asset.kind, []).append(asset)
        self._roots(by_kind)
        self._packages(by_kind.get(PACKAGE, []))
        self._workloads(by_kind.get(WORKLOAD, []))
        self._containers(by_kind.get(CONTAINER, []))
        self._services(by_kind.get(SERVICE, []))
        self._ingresses(by_kind.get(INGRESS, []))
        self._service_accounts(by_kind.get(SERVICE_ACCOUNT, []), by_kind.get(WORKLOAD, []))
        self._aws(by_kind.get(USER, []) + by_kind.get(ROLE, []), by_kind.get(BEDROCK, []))
        self._in_use()
        self._findings(self.inputs.findings)

    # ------------------------------------------------------------------------------------------- assets

    def _roots(self, by_kind: Mapping[str, list[Asset]]) -> None:
        """Scanned roots (images, directories, SBOMs): the nodes packages hang from; images indexed for the join."""
        for kind in ("image", "filesystem", "sbom"):
            for asset in by_kind.get(kind, []):
                if asset.attrs.get("source") == "kubernetes":
                    continue  # an image a manifest names: added when a container runs it
                node_kind = NodeKind.IMAGE if kind == "image" else NodeKind.ROOT
                self.graph.add_node(asset.ref, node_kind, asset.name, ref=asset.ref, attrs=dict(asset.attrs))
                self.node_of_asset[asset.id] = asset.ref
                if kind != "image":
                    continue
                for key in ("manifest_digest", "image_id"):
                    value = asset.attrs.get(key)
                    if isinstance(value, str) and value:
                        self.scanned_images[value] = asset.ref
                for tag in asset.attrs.get("repo_tags") or ():
                    if isinstance(tag, str) and ":" in tag:  # repository:tag (a bare tag names nothing)
                        self.scanned_images.setdefault(parse_image(tag).canonical, asset.ref)

    def _packages(self, packages: Sequence[Asset]) -> None:
        for asset in packages:
            root = self.node_of_asset.get(asset.parent or "")
            if root is None:
                continue
            node_id = f"{root}#{asset.purl or asset.ref}"
            attrs = {**asset.attrs, "version": asset.version, "purl": asset.purl, "package": asset.name}
            self.graph.add_node(node_id, NodeKind.PACKAGE, f"{asset.name} {asset.version or ''}".strip(), attrs=attrs)
            self.node_of_asset[asset.id] = node_id
            self.graph.add_edge(Edge(root, Rel.CONTAINS, node_id, Provenance.DECLARED, reason="found by the scan"))

    def _workloads(self, workloads: Sequence[Asset]) -> None:
        for asset in workloads:
            if asset.attrs.get("owner"):
                continue
            attrs = asset.attrs
            name = f"{attrs.get('kind', 'Workload')} {attrs.get('namespace')}/{attrs.get('name')}"
            self.graph.add_node(asset.ref, NodeKind.WORKLOAD, name, ref=asset.ref, attrs=dict(attrs))
            self.node_of_asset[asset.id] = asset.ref
            key = (str(attrs.get("cluster")), str(attrs.get("namespace")))
            self.workloads.setdefault(key, []).append(asset.ref)

    def _containers(self, containers: Sequence[Asset]) -> None:
        for asset in containers:
            workload = self.node_of_asset.get(asset.parent or "")
            if workload is None:
                continue
            self.graph.add_node(asset.ref, NodeKind.CONTAINER, asset.name, ref=asset.ref, attrs=dict(asset.attrs))
            self.node_of_asset[asset.id] = asset.ref
            self.graph.add_edge(Edge(workload, Rel.RUNS, asset.ref, Provenance.DECLARED, reason="pod spec"))
            reference = asset.attrs.get("image")
            if isinstance(reference, str) and reference:
                self._container_image(asset.ref, reference)
            for key in asset.attrs.get("keys") or ():
                if isinstance(key, Mapping) and key.get("fingerprint"):
                    secret = self._secret(str(key["fingerprint"]), {"kind": key.get("kind")})
                    reason = (
                        f"env {key['variable']}" if key.get("variable") else str(key.get("argument") or "environment")
                    )
                    self.graph.add_edge(Edge(asset.ref, Rel.HOLDS, secret, Provenance.DECLARED, reason=reason))

    def _container_image(self, container: str, reference: str) -> None:
        """container → image: the scanned image with the reference's digest, or its repository and tag."""
        image = parse_image(reference)
        if image.digest and image.digest in self.scanned_images:
            target, reason = self.scanned_images[image.digest], f"digest {image.digest} of the scanned image"
        elif image.digest is None and image.canonical in self.scanned_images:
            target, reason = self.scanned_images[image.canonical], f"tag {image.canonical} of the scanned image"
        else:
            target, reason = f"image://{image.canonical}", "named by the pod spec (not scanned)"
            self.graph.add_node(
                target, NodeKind.IMAGE, reference, ref=target, attrs={"reference": reference, "scanned": False}
            )
        self.graph.add_edge(Edge(container, Rel.RUNS_IMAGE, target, Provenance.DECLARED, reason=reason))

    def _services(self, services: Sequence[Asset]) -> None:
        for asset in services:
            attrs = asset.attrs
            exposed = attrs.get("exposed")
            name = f"{asset.name} ({exposed})" if exposed else asset.name
            self.graph.add_node(asset.ref, NodeKind.SERVICE, name, ref=asset.ref, attrs=dict(attrs))
            self.node_of_asset[asset.id] = asset.ref
            if exposed:
                reason = f"type {attrs.get('type')}" if exposed != "externalIPs" else "external IPs"
                self.graph.add_edge(Edge(INTERNET, Rel.EXPOSES, asset.ref, Provenance.DECLARED, reason=reason))
            selector = attrs.get("selector")
            if not isinstance(selector, Mapping) or not selector:
                continue
            shown = ",".join(f"{key}={value}" for key, value in sorted(selector.items()))
            for workload in self.workloads.get((str(attrs.get("cluster")), str(attrs.get("namespace"))), []):
                labels = self.graph.nodes[workload].attrs.get("labels") or {}
                if all(labels.get(key) == value for key, value in selector.items()):
                    reason = f"selector {shown} matches the pod labels"
                    self.graph.add_edge(Edge(asset.ref, Rel.SELECTS, workload, Provenance.DECLARED, reason=reason))

    def _ingresses(self, ingresses: Sequence[Asset]) -> None:
        services = {node.ref: node.id for node in self.graph.of_kind(NodeKind.SERVICE) if node.ref}
        for asset in ingresses:
            attrs = asset.attrs
            self.graph.add_node(asset.ref, NodeKind.INGRESS, asset.name, ref=asset.ref, attrs=dict(attrs))
            self.node_of_asset[asset.id] = asset.ref
            reason = str(attrs.get("kind") or "Ingress")  # an Ingress, or a Gateway API route
            self.graph.add_edge(Edge(INTERNET, Rel.EXPOSES, asset.ref, Provenance.DECLARED, reason=reason))
            base = asset.ref.rsplit("/", 2)[0]  # k8s://cluster/namespace
            cluster = base.rsplit("/", 1)[0]
            for name in attrs.get("services") or ():  # a Service of another namespace is <namespace>/<name>
                namespace, _, short = str(name).rpartition("/")
                service = services.get(
                    f"{cluster}/{namespace}/Service/{short}" if namespace else f"{base}/Service/{name}"
                )
                if service is not None:
                    edge = Edge(asset.ref, Rel.ROUTES_TO, service, Provenance.DECLARED, reason=f"backend {name}")
                    self.graph.add_edge(edge)

    def _service_accounts(self, accounts: Sequence[Asset], workloads: Sequence[Asset]) -> None:
        by_name: dict[tuple[str, str, str], str] = {}
        for asset in accounts:
            attrs = asset.attrs
            self.graph.add_node(asset.ref, NodeKind.SERVICE_ACCOUNT, asset.name, ref=asset.ref, attrs=dict(attrs))
            self.node_of_asset[asset.id] = asset.ref
            by_name[(str(attrs.get("cluster")), str(attrs.get("namespace")), str(attrs.get("name")))] = asset.ref
        for asset in workloads:
            if asset.ref not in self.graph.nodes:
                continue
            attrs = asset.attrs
            key = (str(attrs.get("cluster")), str(attrs.get("namespace")), str(attrs.get("service_account")))
            account = by_name.get(key)
            if account is not None:
                reason = f"serviceAccountName {key[2]}"
                self.graph.add_edge(Edge(asset.ref, Rel.USES, account, Provenance.DECLARED, reason=reason))
            for identity in attrs.get("identities") or ():
                if not isinstance(identity, Mapping) or not identity.get("principal") or not identity.get("active"):
                    continue
                provider = str(identity.get("provider", ""))
                source = str(identity.get("source", ""))
                node = self._identity(str(identity["principal"]), provider.split("_", 1)[0])
                holder = account if account is not None and source.startswith("ServiceAccount") else asset.ref
                reason = f"{provider}: {source}"
                self.graph.add_edge(Edge(holder, Rel.ASSUMES, node, Provenance.DECLARED, reason=reason))

    def _aws(self, principals: Sequence[Asset], regions: Sequence[Asset]) -> None:
        """IAM users and roles (their access keys, whether they can invoke Bedrock) and Bedrock's regions."""
        for asset in principals:
            attrs = asset.attrs
            arn = str(attrs.get("arn") or asset.ref.split("/", 4)[-1])
            node = self._identity(arn, "aws", attrs=dict(attrs))
            self.node_of_asset[asset.id] = node
            for key in attrs.get("access_keys") or ():
                if isinstance(key, Mapping) and key.get("id") and key.get("status") == "Active":
                    access = self._access_key(str(key["id"]))
                    edge = Edge(access, Rel.AUTHENTICATES_AS, node, Provenance.DECLARED, reason="IAM lists the key")
                    self.graph.add_edge(edge)
            bedrock = attrs.get("bedrock")
            if isinstance(bedrock, Mapping) and bedrock.get("can_invoke"):
                service = self._ai_service("aws")
                full = " (full access)" if bedrock.get("full_access") else ""
                reason = f"its policies allow bedrock:InvokeModel{full}"
                self.graph.add_edge(Edge(node, Rel.CAN_INVOKE, service, Provenance.DECLARED, reason=reason))
        for asset in regions:
            self.node_of_asset[asset.id] = self._ai_service("aws")

    def _in_use(self) -> None:
        for use in self.inputs.in_use:
            node_id = self.node_of_asset.get(use.asset_id)
            if node_id is not None:
                attrs = self.graph.nodes[node_id].attrs
                attrs["in_use"] = True
                attrs["first_used"] = use.first_used.isoformat()
                attrs["used_path"] = use.path

    # ------------------------------------------------------------------------------------------- findings

    def _findings(self, findings: Iterable[Finding]) -> None:
        containers = {container.id[:12]: container for container in self.inputs.containers}
        for finding in findings:
            source = finding.evidence.get("source")
            if finding.kind is FindingKind.VULNERABILITY:
                self._vulnerability(finding)
            elif finding.kind is FindingKind.DETECTION and source in RUNTIME_SOURCES:
                self._runtime(finding, containers)
            elif finding.kind is FindingKind.DETECTION:
                self._cloud_detection(finding)
            elif finding.rule_id.startswith("secret."):
                self._image_secret(finding)
            elif finding.rule_id in MANIFEST_KEY_RULES:
                self._manifest_key(finding)
            elif finding.subject.startswith("aws://"):
                self._aws_finding(finding)
            else:
                self._on_subject(finding)

    def _on_subject(self, finding: Finding) -> None:
        """A Kubernetes misconfiguration: on its workload, and on its container when it names one."""
        if finding.subject not in self.graph.nodes:
            return
        resource = finding.evidence.get("resource")
        container = resource.get("container") if isinstance(resource, Mapping) else None
        target = f"{finding.subject}/container/{container}" if container else finding.subject
        self.graph.attach(target if target in self.graph.nodes else finding.subject, finding)
        if finding.rule_id == "k8s.workload.internet_exposed":
            self._exposure(finding)

    def _exposure(self, finding: Finding) -> None:
        """The exposure finding enables the internet → Service (or Ingress) edge it names."""
        via = finding.evidence.get("exposed_by")
        if not isinstance(via, Mapping):
            return
        cluster, namespace = finding.subject.rsplit("/", 3)[0], via.get("namespace")  # a route may be elsewhere
        base = f"{cluster}/{namespace}" if namespace else finding.subject.rsplit("/", 2)[0]
        node = f"{base}/{via.get('kind')}/{via.get('name')}"
        if node in self.graph.nodes and self.graph.graph.has_edge(INTERNET, node):
            edge = Edge(INTERNET, Rel.EXPOSES, node, Provenance.DECLARED, finding.last_seen, findings=(finding.id,))
            self.graph.add_edge(edge)

    def _vulnerability(self, finding: Finding) -> None:
        vuln = f"vuln:{finding.rule_id.removeprefix('vuln.')}"
        aliases = finding.evidence.get("aliases") or []
        for asset_id in finding.evidence.get("assets") or ():
            package = self.node_of_asset.get(str(asset_id))
            if package is None:
                continue
            self.graph.add_node(vuln, NodeKind.VULNERABILITY, vuln.removeprefix("vuln:"), attrs={"aliases": aliases})
            self.graph.attach(package, finding)
            self.graph.attach(vuln, finding)
            edge = Edge(package, Rel.AFFECTED_BY, vuln, Provenance.DECLARED, finding.last_seen, findings=(finding.id,))
            self.graph.add_edge(edge)

    def _image_secret(self, finding: Finding) -> None:
        """A key found by an image (directory) scan: held by the root the finding names."""
        detector = _DETECTOR_OF.get(finding.rule_id.removeprefix("secret."))
        fingerprint = finding.evidence.get("fingerprint") or finding.key
        if not fingerprint:
            return
        attrs = {
            "kind": detector.kind if detector else None,
            "provider": detector.provider if detector else None,
            "category": str(detector.category) if detector else None,
            "redacted": finding.evidence.get("redacted"),
        }
        secret = self._secret(str(fingerprint), attrs)
        self.graph.attach(secret, finding)
        for asset_id in finding.evidence.get("assets") or ():
            root = self.node_of_asset.get(str(asset_id))
            if root is not None:
                self.graph.attach(root, finding)
                reason = str(finding.evidence.get("location") or "image")
                edge = Edge(root, Rel.HOLDS, secret, Provenance.DECLARED, finding.last_seen, reason, (finding.id,))
                self.graph.add_edge(edge)

    def _manifest_key(self, finding: Finding) -> None:
        """A key in a container's env literal, command or arguments, in a ConfigMap, or in the last-applied
        annotation of either: the key node, what holds it, its identifier."""
        described = finding.evidence.get("secret")
        if not isinstance(described, Mapping) or not described.get("fingerprint"):
            return
        secret = self._secret(str(described["fingerprint"]), described)
        self.graph.attach(secret, finding)
        resource = finding.evidence.get("resource")
        resource = resource if isinstance(resource, Mapping) else {}
        field = finding.evidence.get("field")
        if finding.rule_id in ("k8s.container.env_key", "k8s.container.args_key"):
            holder = f"{finding.subject}/container/{resource.get('container')}"
            reason = f"env {finding.evidence['variable']}" if "variable" in finding.evidence else str(field)
        else:  # a ConfigMap's data, or the last-applied annotation of a workload or a ConfigMap
            holder = finding.subject
            if resource.get("kind") == "ConfigMap":
                name = f"{resource.get('namespace')}/{resource.get('name')}"
                self.graph.add_node(holder, NodeKind.CONFIG, name, ref=holder, attrs=dict(resource))
                self._readers(holder, finding)
            annotation = finding.evidence.get("annotation")
            reason = f"annotation {annotation}" if annotation else f"data {field}"
        if holder in self.graph.nodes:
            self.graph.attach(holder, finding)
            edge = Edge(holder, Rel.HOLDS, secret, Provenance.DECLARED, finding.last_seen, reason, (finding.id,))
            self.graph.add_edge(edge)
        identifier = described.get("identifier")
        if described.get("provider") == "aws" and isinstance(identifier, str) and identifier:
            access = self._access_key(identifier)
            reason = "the access key id written beside it"
            edge = Edge(secret, Rel.IDENTIFIES, access, Provenance.DECLARED, finding.last_seen, reason, (finding.id,))
            self.graph.add_edge(edge)

    def _readers(self, configmap: str, finding: Finding) -> None:
        """workload → ConfigMap, for each workload the finding says reads it (``used_by``) that is in the graph (a
        live Deployment's ReplicaSets and Pods are not: the Deployment reads it too)."""
        for ref in finding.evidence.get("used_by") or ():
            workload = str(ref)
            if workload in self.graph.nodes:
                reason = "reads it (envFrom, env valueFrom or a volume)"
                self.graph.add_edge(Edge(workload, Rel.USES, configmap, Provenance.DECLARED, reason=reason))

    def _aws_finding(self, finding: Finding) -> None:
        """An AWS posture finding: on the identity (``aws://…/global/<arn>``) or Bedrock (``aws://…/<region>/bedrock``)."""
        _, _, rest = finding.subject.removeprefix("aws://").partition("/")
        _, _, arn = rest.partition("/")
        if arn == "bedrock":
            self.graph.attach(self._ai_service("aws"), finding)
        elif arn.startswith("arn:") and (":user/" in arn or ":role/" in arn):
            node = self._identity(arn, "aws")
            self.graph.attach(node, finding)
            if finding.rule_id in INVOKE_CHECKS:
                service = self._ai_service("aws")
                edge = Edge(node, Rel.CAN_INVOKE, service, Provenance.DECLARED, finding.last_seen, finding.title)
                self.graph.add_edge(replace(edge, findings=(finding.id,)))

    def _cloud_detection(self, finding: Finding) -> None:
        """A cloud (or usage) detection: on its principal, with the keys it used and the models it touched."""
        provider = _provider(finding)
        node = self._identity(finding.subject, provider or "")
        self.graph.attach(node, finding)
        for key in finding.evidence.get("access_key_ids") or ():
            access = self._access_key(str(key))
            reason = "seen signing the principal's calls"
            edge = Edge(access, Rel.AUTHENTICATES_AS, node, Provenance.OBSERVED, finding.last_seen, reason)
            edge = replace(edge, findings=(finding.id,))
            self.graph.add_edge(edge)
        models = [str(model) for model in finding.evidence.get("models") or ()]
        if provider is None or provider not in AI_SERVICES or not models:
            return
        service = self._ai_service(provider)
        reason = f"seen calling {AI_SERVICES[provider][1]} about its models"
        edge = Edge(node, Rel.CAN_INVOKE, service, Provenance.OBSERVED, finding.last_seen, reason, (finding.id,))
        self.graph.add_edge(edge)
        for model in models:
            model_node = f"model:{service.removeprefix('ai:')}/{model}"
            self.graph.add_node(model_node, NodeKind.MODEL, model, attrs={"provider": provider})
            self.graph.attach(model_node, finding)
            reason = "seen invoked"
            edge = Edge(service, Rel.SERVES, model_node, Provenance.OBSERVED, finding.last_seen, reason, (finding.id,))
            self.graph.add_edge(edge)

    def _runtime(self, finding: Finding, containers: Mapping[str, RuntimeContainer]) -> None:
        """A runtime detection: on the containers (and workloads) it came from."""
        evidence = finding.evidence
        pods = [str(pod) for pod in evidence.get("pods") or ()]
        names = [str(name) for name in evidence.get("container_names") or ()]
        seen = containers.get(finding.subject[:12])
        if seen is not None:
            if seen.namespace and seen.pod:
                pods.append(f"{seen.namespace}/{seen.pod}")
            if seen.name:
                names.append(seen.name)
        for pod in dict.fromkeys(pods):
            namespace, _, pod_name = pod.rpartition("/")
            for workload in self._workloads_of_pod(namespace, pod_name):
                self.graph.attach(workload, finding)
                for name in dict.fromkeys(names):
                    container = f"{workload}/container/{name}"
                    if container in self.graph.nodes:
                        self.graph.attach(container, finding)
                        if seen is not None and seen.image_id in self.scanned_images:
                            target = self.scanned_images[seen.image_id]
                            edge = Edge(container, Rel.RUNS_IMAGE, target, Provenance.OBSERVED, finding.last_seen)
                            self.graph.add_edge(edge)

    def _workloads_of_pod(self, namespace: str, pod: str) -> list[str]:
        """The workloads (of any cluster) a pod belongs to: its name is the workload's, or starts with it and a
        ``-`` (the longest such name wins: ``app-worker-7d9f`` is ``app-worker``'s, not ``app``'s)."""
        found: list[str] = []
        for (_, space), refs in self.workloads.items():
            if space != namespace:
                continue
            best, length = None, -1
            for ref in refs:
                name = str(self.graph.nodes[ref].attrs.get("name", ""))
                if (pod == name or pod.startswith(f"{name}-")) and len(name) > length:
                    best, length = ref, len(name)
            if best is not None:
                found.append(best)
        return found

    # ------------------------------------------------------------------------------------------- nodes

    def _secret(self, fingerprint: str, described: Mapping[str, Any]) -> str:
        node_id = f"secret:{fingerprint}"
        attrs = {
            key: described.get(key)
            for key in ("kind", "provider", "category", "redacted", "identifier")
            if described.get(key) is not None
        }
        attrs["fingerprint"] = fingerprint
        node = self.graph.add_node(node_id, NodeKind.SECRET, "", attrs=attrs)
        node.name = " ".join(str(node.attrs[key]) for key in ("kind", "redacted") if node.attrs.get(key)) or fingerprint
        return node_id

    def _access_key(self, key_id: str) -> str:
        node_id = f"aws-key:{key_id}"
        self.graph.add_node(node_id, NodeKind.ACCESS_KEY, key_id, attrs={"provider": "aws"})
        return node_id

    def _identity(self, principal: str, provider: str, *, attrs: Mapping[str, Any] | None = None) -> str:
        node_id = f"identity:{principal}"
        self.graph.add_node(node_id, NodeKind.CLOUD_IDENTITY, principal, attrs={"provider": provider, **(attrs or {})})
        return node_id

    def _ai_service(self, provider: str) -> str:
        node_id, name = AI_SERVICES[provider]
        self.graph.add_node(node_id, NodeKind.AI_SERVICE, name, attrs={"provider": provider})
        return node_id


def _provider(finding: Finding) -> str | None:
    """The provider whose account a cloud detection is about: its source's, else the usage rows' provider."""
    source = finding.evidence.get("source")
    if isinstance(source, str) and source in SOURCE_PROVIDERS:
        return SOURCE_PROVIDERS[source]
    providers = finding.evidence.get("providers")
    if isinstance(providers, list) and providers:
        return USAGE_PROVIDERS.get(str(providers[0]), str(providers[0]))
    if finding.subject.startswith("arn:aws"):
        return "aws"
    return None
