"""Small correlation scenarios built from real inputs: Kubernetes manifests read and checked as ``scan k8s`` does,
an image's packages matched against the bundled advisory database as ``scan image`` does, and detection findings
shaped as the rules engine makes them (CloudTrail, runtime)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources

from tests.scanroots import openai_key

from jackwatch.checks.kubernetes import run_checks
from jackwatch.correlate.build import build_graph
from jackwatch.correlate.graph import AttackGraph
from jackwatch.correlate.inputs import GraphInputs, PackageInUse
from jackwatch.inventory.catalog import AiCatalog
from jackwatch.inventory.kubernetes import build_inventory, read_manifest_text
from jackwatch.inventory.kubernetes.assets import inventory_assets
from jackwatch.inventory.scan import ScanResult, package_asset_id, scan_assets, scan_findings, scan_packages
from jackwatch.model import Asset, Ecosystem, Finding, FindingKind, Package, Severity, finding_id
from jackwatch.sources.stats import ReadStats
from jackwatch.vulns import AdvisoryDb
from jackwatch.vulns.dbfile import bundled_path

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
CLUSTER = "test"
NAMESPACE = "shop"
IMAGE = "registry.example.com/shop/chat:2.0"
IMAGE_ID = "sha256:" + "1c" * 32
MANIFEST_DIGEST = "sha256:" + "9d" * 32
ACCOUNT = "111122223333"
USER = f"arn:aws:iam::{ACCOUNT}:user/chat-bedrock"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/chat-pod"

LANGCHAIN = ("langchain", "0.0.171")
"""An AI package with critical vulnerabilities that a newer version fixes."""
EXPERIMENTAL = ("langchain-experimental", "0.0.14")
"""An AI package whose critical vulnerability no version fixes (and no KEV entry)."""
GRADIO = ("gradio", "3.50.2")
"""An AI package with high vulnerabilities only."""
FASTAPI = ("fastapi", "0.109.0")
"""A vulnerable package that is not an AI package."""


def aws_key_pair(seed: int) -> tuple[str, str]:
    """A made-up AWS access key id and secret access key, in AWS's formats."""
    rng = random.Random(seed)
    upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    secret = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+"
    return "AKIA" + "".join(rng.choice(upper) for _ in range(16)), "".join(rng.choice(secret) for _ in range(40))


KEY_ID, SECRET_KEY = aws_key_pair(11)
OPENAI_KEY = openai_key(11)


@dataclass
class App:
    """One workload of the scenario and what is wrong with it."""

    name: str = "chat"
    exposed: str | None = "LoadBalancer"
    """``LoadBalancer``, ``NodePort``, ``Ingress``, ``HTTPRoute`` (through a Gateway), ``shared HTTPRoute`` (a Gateway
    and route of the ``edge`` namespace, which a ReferenceGrant lets reach the Service) or ``None`` (a ClusterIP
    Service)."""
    privileged: bool = False
    openai_key: bool = False
    aws_key: bool = False
    irsa: bool = False
    image: str = f"{IMAGE}@{MANIFEST_DIGEST}"
    labels: dict[str, str] = field(default_factory=dict)


def manifest(app: App) -> str:
    """The manifests of ``app``: its ServiceAccount, Deployment and Service (and Ingress)."""
    env = ["            - {name: LOG_LEVEL, value: info}"]
    if app.openai_key:
        env.append(f"            - {{name: OPENAI_API_KEY, value: {OPENAI_KEY}}}")
    if app.aws_key:
        env.append(f"            - {{name: AWS_ACCESS_KEY_ID, value: {KEY_ID}}}")
        env.append(f"            - {{name: AWS_SECRET_ACCESS_KEY, value: '{SECRET_KEY}'}}")
    context = "{privileged: true}" if app.privileged else "{allowPrivilegeEscalation: false, runAsNonRoot: true}"
    labels = {"app": app.name, **app.labels}
    label_text = ", ".join(f"{key}: {value}" for key, value in labels.items())
    annotation = f"\n  annotations: {{eks.amazonaws.com/role-arn: '{ROLE}'}}" if app.irsa else ""
    service_type = app.exposed if app.exposed in ("LoadBalancer", "NodePort") else "ClusterIP"
    text = f"""\
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {app.name}
  namespace: {NAMESPACE}{annotation}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {app.name}, namespace: {NAMESPACE}}}
spec:
  selector: {{matchLabels: {{app: {app.name}}}}}
  template:
    metadata: {{labels: {{{label_text}}}}}
    spec:
      serviceAccountName: {app.name}
      containers:
        - name: {app.name}
          image: {app.image}
          securityContext: {context}
          env:
{chr(10).join(env)}
---
apiVersion: v1
kind: Service
metadata: {{name: {app.name}, namespace: {NAMESPACE}}}
spec:
  type: {service_type}
  selector: {{app: {app.name}}}
  ports: [{{port: 80, targetPort: 8080}}]
"""
    if app.exposed == "Ingress":
        text += f"""\
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: {app.name}, namespace: {NAMESPACE}}}
spec:
  rules:
    - http:
        paths:
          - path: /
            pathType: Prefix
            backend: {{service: {{name: {app.name}, port: {{number: 80}}}}}}
"""
    if app.exposed in ("HTTPRoute", "shared HTTPRoute"):
        shared = app.exposed == "shared HTTPRoute"
        where = "edge" if shared else NAMESPACE
        text += f"""\
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {{name: public, namespace: {where}}}
spec:
  gatewayClassName: aws-alb
  listeners: [{{name: http, protocol: HTTP, port: 80}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{name: {app.name}, namespace: {where}}}
spec:
  parentRefs: [{{name: public}}]
  rules:
    - backendRefs: [{{name: {app.name}, namespace: {NAMESPACE}, port: 80}}]
"""
        if shared:
            text += f"""\
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {{name: from-edge, namespace: {NAMESPACE}}}
spec:
  from: [{{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: edge}}]
  to: [{{group: "", kind: Service}}]
"""
    return text


def kubernetes(*apps: App) -> tuple[list[Asset], list[Finding]]:
    """The assets and findings of a ``scan k8s`` of the apps' manifests."""
    stats = ReadStats()
    text = "---\n".join(manifest(app) for app in apps)
    inventory = build_inventory(read_manifest_text(text, "apps.yaml", stats), CLUSTER, stats)
    assert not stats.problems, stats.problems
    run = run_checks(inventory, NOW)
    assert not run.errors, run.errors
    return inventory_assets(inventory), run.findings


@cache
def advisories() -> AdvisoryDb:
    with resources.as_file(bundled_path()) as path:
        return AdvisoryDb.load(path)


def image_scan(packages: Sequence[tuple[str, str]], *, image_id: str = IMAGE_ID) -> ScanResult:
    """A scan of an image holding ``packages`` (matched against the bundled advisories)."""
    found = [Package(Ecosystem.PYPI, name, version) for name, version in packages]
    scanned = scan_packages(found, db=advisories(), catalog=AiCatalog.load(), stats=ReadStats())
    root = Asset(
        ref=f"image://{image_id}",
        kind="image",
        name=IMAGE,
        attrs={"image_id": image_id, "manifest_digest": MANIFEST_DIGEST, "repo_tags": [IMAGE]},
    )
    return ScanResult(f"image://{image_id}", "image", scanned, [], root=root)


def image(packages: Sequence[tuple[str, str]]) -> tuple[list[Asset], list[Finding]]:
    """The assets and findings of a ``scan image`` of an image holding ``packages``."""
    result = image_scan(packages)
    return scan_assets(result), scan_findings(result, NOW)


def in_use(name: str, version: str) -> PackageInUse:
    """A package of the image used by a process (as the runtime history records it)."""
    package = Package(Ecosystem.PYPI, name, version)
    return PackageInUse(package_asset_id(image_scan([]).root_asset.id, package), NOW - timedelta(hours=1))


def cloud(
    rule_id: str,
    principal: str = USER,
    *,
    keys: Sequence[str] = (KEY_ID,),
    models: Sequence[str] = ("anthropic.claude-3-opus-20240229-v1:0",),
    severity: Severity = Severity.HIGH,
    source: str = "aws_cloudtrail",
    when: datetime = NOW,
) -> Finding:
    """A cloud detection finding about ``principal``, as the rules engine makes it."""
    evidence: dict[str, object] = {"source": source, "output": rule_id}
    if keys:
        evidence["access_key_ids"] = list(keys)
    if models:
        evidence["models"] = list(models)
    return Finding(
        id=finding_id(FindingKind.DETECTION, rule_id, principal),
        kind=FindingKind.DETECTION,
        rule_id=rule_id,
        title=rule_id,
        subject=principal,
        severity=severity,
        first_seen=when - timedelta(minutes=30),
        last_seen=when,
        count=12,
        evidence=evidence,
    )


def runtime(
    rule_id: str = "runtime.user_home_in_tmpfs",
    *,
    pod: str = f"{NAMESPACE}/chat-6f9d8c7b5-k2x4q",
    container: str = "chat",
    severity: Severity = Severity.CRITICAL,
    when: datetime = NOW,
    source: str = "syscall",
) -> Finding:
    """A runtime detection in a container of a pod, as the ``syscall`` rules make it."""
    subject = "bd77b7942761"
    return Finding(
        id=finding_id(FindingKind.DETECTION, rule_id, subject, pod),
        kind=FindingKind.DETECTION,
        rule_id=rule_id,
        title="User created with its home in tmpfs",
        subject=subject,
        severity=severity,
        first_seen=when,
        last_seen=when,
        count=1,
        evidence={
            "source": source,
            "containers": [subject],
            "container_names": [container],
            "pods": [pod],
            "commands": ["useradd -d /dev/shm/zeus nairobi"],
        },
    )


def inputs(
    *apps: App,
    packages: Sequence[tuple[str, str]] = (),
    findings: Sequence[Finding] = (),
    assets: Sequence[Asset] = (),
    used: Sequence[PackageInUse] = (),
) -> GraphInputs:
    """The graph inputs of ``apps`` (scanned manifests), an image with ``packages``, and extra findings."""
    k8s_assets, k8s_findings = kubernetes(*apps) if apps else ([], [])
    image_assets, image_findings = image(packages) if packages else ([], [])
    return GraphInputs(
        assets=[*k8s_assets, *image_assets, *assets],
        findings=[*k8s_findings, *image_findings, *findings],
        in_use=list(used),
    )


def graph_of(*apps: App, **extra: object) -> AttackGraph:
    """The graph of :func:`inputs`."""
    return build_graph(inputs(*apps, **extra))  # type: ignore[arg-type]


def workload_ref(name: str = "chat") -> str:
    return f"k8s://{CLUSTER}/{NAMESPACE}/Deployment/{name}"


def aws_user(*, can_invoke: bool, key_id: str = KEY_ID) -> Asset:
    """An IAM user of the AWS inventory with an active access key, able to invoke Bedrock or not."""
    bedrock = {"can_invoke": can_invoke, "full_access": False, "invoke": [], "full": {}}
    return Asset(
        ref=f"aws://{ACCOUNT}/global/{USER}",
        kind="aws_iam_user",
        name="chat-bedrock",
        attrs={
            "arn": USER,
            "account": ACCOUNT,
            "bedrock": bedrock,
            "access_keys": [{"id": key_id, "status": "Active", "age_days": 400}],
        },
    )
