"""Reading a live cluster through the official client, against a small local server that speaks the Kubernetes API's
JSON (lists, pages, refusals), with a kubeconfig pointing at it."""

from __future__ import annotations

import base64
import ipaddress
import json
import random
import re
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
import pytest
import yaml
from tests.e2e.runner import run_cli
from tests.unit.secrets.samples import openai_key

from jackwatch.errors import ConfigError, SourceError
from jackwatch.inventory.kubernetes.cluster import RESOURCES, read_cluster

TOKEN = "fake-token-for-tests"


@dataclass
class FakeApi:
    """What the fake API server serves: items per list path, paths it refuses, and the requests it saw."""

    items: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    forbidden: set[str] = field(default_factory=set)
    missing: set[str] = field(default_factory=set)
    page_size: int = 2
    requests: list[str] = field(default_factory=list)
    tokens: list[str | None] = field(default_factory=list)


def _handler(api: FakeApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            api.requests.append(self.path)
            api.tokens.append(self.headers.get("Authorization"))
            if url.path in api.forbidden:
                return self._send(403, {"kind": "Status", "code": 403, "reason": "Forbidden", "message": "forbidden"})
            if url.path in api.missing:
                return self._send(404, {"kind": "Status", "code": 404, "reason": "NotFound"})
            items = api.items.get(url.path, [])
            start = int(parse_qs(url.query).get("continue", ["0"])[0])
            page = items[start : start + api.page_size]
            following = start + api.page_size
            metadata = {"continue": str(following)} if following < len(items) else {}
            return self._send(200, {"kind": "List", "apiVersion": "v1", "metadata": metadata, "items": page})

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def fake_api() -> Iterator[tuple[FakeApi, str]]:
    api = FakeApi()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def kubeconfig(tmp_path: Path, server: str, cluster: str = "prod-eks") -> Path:
    path = tmp_path / "kubeconfig"
    path.write_text(
        f"""\
apiVersion: v1
kind: Config
clusters:
  - name: {cluster}
    cluster: {{server: "{server}"}}
  - name: other
    cluster: {{server: "http://127.0.0.1:9"}}
users:
  - name: reader
    user: {{token: {TOKEN}}}
contexts:
  - name: prod
    context: {{cluster: {cluster}, user: reader}}
  - name: elsewhere
    context: {{cluster: other, user: reader}}
current-context: prod
"""
    )
    return path


def pod(name: str, namespace: str = "ai", **spec: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": namespace, "labels": {"app": name}},
        "spec": {"containers": [{"name": "app", "image": "vllm/vllm-openai:v0.6.0"}], **spec},
    }


def test_everything_listed_page_by_page_with_the_kubeconfig_credentials(
    fake_api: tuple[FakeApi, str], tmp_path: Path
) -> None:
    api, server = fake_api
    api.items["/api/v1/pods"] = [pod(f"p{i}", hostPID=True) for i in range(5)]
    api.items["/apis/apps/v1/deployments"] = [
        {"metadata": {"name": "web", "namespace": "ai"}, "spec": {"template": {"spec": pod("x")["spec"]}}}
    ]
    api.items["/apis/rbac.authorization.k8s.io/v1/clusterroles"] = [{"metadata": {"name": "admin"}}]
    built = read_cluster(kubeconfig(tmp_path, server))
    assert built.cluster == "prod-eks" and not built.partial and built.denied == []
    assert built.kinds() == {"ClusterRole": 1, "Deployment": 1, "Pod": 5}
    assert [w.ref for w in built.workloads][-1] == "k8s://prod-eks/ai/Deployment/web"
    assert built.of_kind("ClusterRole")[0].namespace is None and built.objects[0].file is None
    assert sum("/api/v1/pods" in path for path in api.requests) == 3  # 5 pods, 2 per page
    assert set(api.tokens) == {f"Bearer {TOKEN}"}
    listed = {urlsplit(path).path for path in api.requests}
    assert len(listed) == len(RESOURCES)


def test_refused_lists_make_a_partial_view(fake_api: tuple[FakeApi, str], tmp_path: Path) -> None:
    api, server = fake_api
    api.items["/api/v1/pods"] = [pod("p")]
    api.forbidden = {"/api/v1/secrets", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"}
    api.missing = {"/apis/batch/v1/cronjobs"}
    built = read_cluster(kubeconfig(tmp_path, server))
    assert built.partial is True
    assert built.denied == ["secrets: 403 Forbidden", "cronjobs: 404 Not Found", "clusterrolebindings: 403 Forbidden"]
    assert [obj.name for obj in built.objects] == ["p"]


def test_namespaces_are_listed_one_by_one(fake_api: tuple[FakeApi, str], tmp_path: Path) -> None:
    api, server = fake_api
    api.items["/api/v1/namespaces/ai/pods"] = [pod("a")]
    api.items["/api/v1/namespaces/web/pods"] = [pod("b", namespace="web")]
    built = read_cluster(kubeconfig(tmp_path, server), namespaces=("ai", "web"))
    assert sorted(obj.name for obj in built.objects) == ["a", "b"]
    assert "/api/v1/pods" not in {urlsplit(path).path for path in api.requests}


def test_secret_values_from_the_cluster_are_scanned_and_not_kept(fake_api: tuple[FakeApi, str], tmp_path: Path) -> None:
    api, server = fake_api
    key = openai_key(random.Random(11)).secret
    encoded = base64.b64encode(key.encode()).decode()
    api.items["/api/v1/secrets"] = [
        {"metadata": {"name": "llm", "namespace": "ai"}, "type": "Opaque", "data": {"KEY": encoded}}
    ]
    built = read_cluster(kubeconfig(tmp_path, server))
    [holder] = built.secrets
    assert [leak.kind for leak in holder.leaks] == ["openai_api_key"]
    text = orjson.dumps([obj.body for obj in built.objects]).decode()
    assert key not in text and encoded not in text


def test_an_unknown_context_and_an_unreadable_kubeconfig_are_usage_errors(tmp_path: Path) -> None:
    path = kubeconfig(tmp_path, "http://127.0.0.1:9")
    with pytest.raises(ConfigError, match="no context 'nope'"):
        read_cluster(path, "nope")
    broken = tmp_path / "broken"
    broken.write_text("apiVersion: v1\nkind: Config\n")
    with pytest.raises(ConfigError, match="Kubernetes configuration"):
        read_cluster(broken)


def test_an_unreachable_cluster_is_a_source_error(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    path = kubeconfig(tmp_path, f"http://127.0.0.1:{port}")
    with pytest.raises(SourceError, match=f"cannot reach the Kubernetes API at http://127.0.0.1:{port}"):
        read_cluster(path)


def test_scan_k8s_cluster_json_report_marks_the_partial_view(fake_api: tuple[FakeApi, str], tmp_path: Path) -> None:
    api, server = fake_api
    api.items["/api/v1/pods"] = [pod("p", hostPID=True)]
    api.forbidden = {"/api/v1/secrets"}
    run = run_cli(
        "scan",
        "k8s",
        "--cluster",
        "--kubeconfig",
        kubeconfig(tmp_path, server),
        "--context",
        "prod",
        "--format",
        "json",
        "--no-store",
        "--fail-on",
        "high",
    )
    assert run.code == 1, run.describe()
    report = run.report()
    assert report["stats"]["partial"] is True and report["stats"]["denied"] == ["secrets: 403 Forbidden"]
    host_pid = [f for f in report["findings"] if f["rule_id"] == "k8s.pod.host_pid"]
    assert host_pid[0]["resource"]["name"] == "p" and host_pid[0]["subject"] == "k8s://prod-eks/ai/Pod/p"
    table = run_cli("scan", "k8s", "--cluster", "--kubeconfig", kubeconfig(tmp_path, server), "--no-store")
    assert table.code == 0 and "partial view: 1 not read" in table.text and "secrets: 403 Forbidden" in table.text


def test_scan_k8s_cluster_unreachable_exits_2(tmp_path: Path) -> None:
    run = run_cli("scan", "k8s", "--cluster", "--kubeconfig", kubeconfig(tmp_path, "x"), "--context", "elsewhere")
    assert run.code == 2 and "cannot reach the Kubernetes API" in run.stderr


def certificate_pair(folder: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for 127.0.0.1 signed by it: (ca.crt, server.crt, server.key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.now(UTC)

    def certificate(name: str, key: Any, issuer: x509.Name, signer: Any, *, ca: bool) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(hours=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            alt = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
            builder = builder.add_extension(alt, critical=False)
        return builder.sign(signer, hashes.SHA256())

    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kubernetes-ca")])
    ca = certificate("kubernetes-ca", ca_key, ca_name, ca_key, ca=True)
    server = certificate("kube-apiserver", server_key, ca_name, ca_key, ca=False)
    paths = folder / "ca.crt", folder / "server.crt", folder / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(server.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return paths


def test_in_cluster_the_pods_service_account_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As in a pod: the API server over TLS at $KUBERNETES_SERVICE_HOST:PORT, the service account's token and CA."""
    from kubernetes.config import incluster_config

    ca, certificate, key = certificate_pair(tmp_path)
    token = tmp_path / "token"
    token.write_text("in-cluster-service-account-token")
    api = FakeApi(items={"/api/v1/pods": [pod("chat")]})
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(incluster_config, "SERVICE_TOKEN_FILENAME", str(token))
    monkeypatch.setattr(incluster_config, "SERVICE_CERT_FILENAME", str(ca))
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", str(server.server_address[1]))
    try:
        built = read_cluster(in_cluster=True)
    finally:
        server.shutdown()
        server.server_close()
    assert built.cluster == "in-cluster" and built.kinds() == {"Pod": 1}
    assert {str(token).lower() for token in api.tokens} == {
        "bearer in-cluster-service-account-token"
    }  # the scheme is case-insensitive


def test_in_cluster_outside_a_pod_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    run = run_cli("scan", "k8s", "--cluster", "--in-cluster", "--no-store")
    assert run.code == 2, run.describe()
    assert "cannot load the Kubernetes configuration: Service host/port is not set." in run.stderr


CILIUM = "/apis/cilium.io/v2"


def test_cilium_policies_are_listed_where_cilium_is_installed(fake_api: tuple[FakeApi, str], tmp_path: Path) -> None:
    api, server = fake_api
    api.items["/api/v1/pods"] = [pod("llm")]
    api.items[f"{CILIUM}/ciliumnetworkpolicies"] = [
        {"metadata": {"name": "to-world", "namespace": "ai"}, "spec": {"endpointSelector": {}, "egress": [{}]}}
    ]
    api.items[f"{CILIUM}/ciliumclusterwidenetworkpolicies"] = [
        {"metadata": {"name": "no-world"}, "spec": {"endpointSelector": {}, "egressDeny": [{"toEntities": ["world"]}]}}
    ]
    built = read_cluster(kubeconfig(tmp_path, server))
    assert not built.partial
    [namespaced] = built.of_kind("CiliumNetworkPolicy")
    [clusterwide] = built.of_kind("CiliumClusterwideNetworkPolicy")
    assert (namespaced.namespace, namespaced.body["apiVersion"]) == ("ai", "cilium.io/v2")
    assert clusterwide.namespace is None


def test_a_cluster_without_cilium_is_not_partial_but_a_refusal_is(
    fake_api: tuple[FakeApi, str], tmp_path: Path
) -> None:
    api, server = fake_api
    api.missing = {f"{CILIUM}/ciliumnetworkpolicies", f"{CILIUM}/ciliumclusterwidenetworkpolicies"}
    built = read_cluster(kubeconfig(tmp_path, server))
    assert not built.partial and built.denied == []
    api.missing = set()
    api.forbidden = {f"{CILIUM}/namespaces/ai/ciliumnetworkpolicies"}
    built = read_cluster(kubeconfig(tmp_path, server), namespaces=("ai",))
    assert built.partial and built.denied == ["ciliumnetworkpolicies in ai: 403 Forbidden"]
    assert f"{CILIUM}/ciliumclusterwidenetworkpolicies" in {urlsplit(path).path for path in api.requests}


def test_the_documented_read_only_role_grants_what_is_listed_and_nothing_more() -> None:
    docs = (Path(__file__).parents[4] / "docs" / "kubernetes.md").read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", docs, re.DOTALL)
    [role] = [body for body in map(yaml.safe_load, blocks) if body.get("kind") == "ClusterRole"]
    granted = {
        (group, resource)
        for rule in role["rules"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        if set(rule["verbs"]) == {"get", "list"}
    }
    assert granted == {(resource.group, resource.plural) for resource in RESOURCES}
    assert {resource.plural for resource in RESOURCES} >= {"networkpolicies", "ingresses", "serviceaccounts"}
