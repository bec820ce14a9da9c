"""Kubernetes manifests → inventory → every posture check, against the baseline of parsing the same YAML.

Generates (once, deterministically) a tree of multi-document manifest files as ``helm template`` writes them:
5,000 objects by default — Deployments, StatefulSets, CronJobs and Pods with one to three containers (security
contexts from hardened to privileged, resources, environment variables, some with LLM keys), their Services (a
tenth of them LoadBalancers), Ingresses, ConfigMaps, Secrets, ServiceAccounts with cloud identities and
NetworkPolicies, over 50 namespaces. Then measures, in this process (one core):

- ``baseline``: ``yaml.load_all`` with the C safe loader of every file (the least any YAML reader must do);
- ``read``: ``read_manifests`` (safe loading with line numbers, template and alias checks);
- ``inventory``: ``build_inventory`` (workloads, containers, identities, Secret and env values through the key
  detector);
- ``checks``: ``run_checks`` (every Kubernetes check, fixes included), after ``gc.freeze()`` as the command does.

    python benchmarks/k8s_scan.py [--objects 5000] [--data benchmarks/data/k8s-5000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import base64
import gc
import json
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
SEED = 20261127
PER_FILE = 50


def _key(rng: random.Random) -> str:
    """An OpenAI-shaped key made up at run time (never a real one)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return (
        "sk-proj-"
        + "".join(rng.choice(alphabet) for _ in range(20))
        + "T3BlbkFJ"
        + "".join(rng.choice(alphabet) for _ in range(20))
    )


def _container(rng: random.Random, name: str) -> dict[str, Any]:
    image = rng.choice(["nginx:1.25", "ghcr.io/acme/api:2.1", "vllm/vllm-openai:v0.6.0", "redis", "python:3.11-slim"])
    body: dict[str, Any] = {"name": name, "image": image, "ports": [{"containerPort": 8080}]}
    posture = rng.random()
    if posture < 0.3:
        body["securityContext"] = {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        }
    elif posture < 0.4:
        body["securityContext"] = {"privileged": True, "capabilities": {"add": ["SYS_ADMIN", "NET_ADMIN"]}}
    elif posture < 0.7:
        body["securityContext"] = {"runAsUser": rng.choice([0, 1000])}
    if rng.random() < 0.6:
        body["resources"] = {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}}
    env = [{"name": f"SETTING_{i}", "value": f"value-{rng.randint(0, 999)}"} for i in range(rng.randint(0, 6))]
    if rng.random() < 0.05:
        env.append({"name": "OPENAI_API_KEY", "value": _key(rng)})
    if env:
        body["env"] = env
    if rng.random() < 0.05:
        body["ports"][0]["hostPort"] = 8080
    return body


def _workload(rng: random.Random, kind: str, name: str, namespace: str) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "serviceAccountName": rng.choice(["default", name]),
        "containers": [_container(rng, f"c{i}") for i in range(rng.randint(1, 3))],
    }
    if rng.random() < 0.05:
        spec["hostNetwork"] = True
        spec["volumes"] = [{"name": "sock", "hostPath": {"path": "/var/run/docker.sock"}}]
    template = {"metadata": {"labels": {"app": name, "tier": "web"}}, "spec": spec}
    metadata = {"name": name, "namespace": namespace, "labels": {"app": name}}
    if kind == "Pod":
        return {"apiVersion": "v1", "kind": "Pod", "metadata": {**metadata, "labels": {"app": name}}, "spec": spec}
    if kind == "CronJob":
        jobs = {"schedule": "*/5 * * * *", "jobTemplate": {"spec": {"template": template}}}
        return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": metadata, "spec": jobs}
    body = {"replicas": 2, "selector": {"matchLabels": {"app": name}}, "template": template}
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": metadata, "spec": body}


def _objects(count: int) -> list[dict[str, Any]]:
    rng = random.Random(SEED)
    objects: list[dict[str, Any]] = []
    index = 0
    while len(objects) < count:
        namespace = f"team-{index % 50}"
        name = f"app-{index}"
        kind = rng.choices(["Deployment", "StatefulSet", "CronJob", "Pod"], [6, 2, 1, 1])[0]
        objects.append(_workload(rng, kind, name, namespace))
        service_type = "LoadBalancer" if rng.random() < 0.1 else "ClusterIP"
        service_spec = {"type": service_type, "selector": {"app": name}, "ports": [{"port": 80, "targetPort": 8080}]}
        objects.append(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": name, "namespace": namespace},
                "spec": service_spec,
            }
        )
        data = {f"key{i}": f"value {i} of {name}" for i in range(rng.randint(1, 8))}
        objects.append(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": f"{name}-config", "namespace": namespace},
                "data": data,
            }
        )
        if rng.random() < 0.5:
            secret = {"token": base64.b64encode((_key(rng) if rng.random() < 0.3 else "hunter2").encode()).decode()}
            objects.append(
                {
                    "apiVersion": "v1",
                    "kind": "Secret",
                    "metadata": {"name": f"{name}-secret", "namespace": namespace},
                    "data": secret,
                }
            )
        if rng.random() < 0.3:
            annotations = {"eks.amazonaws.com/role-arn": f"arn:aws:iam::111122223333:role/{name}"}
            objects.append(
                {
                    "apiVersion": "v1",
                    "kind": "ServiceAccount",
                    "metadata": {"name": name, "namespace": namespace, "annotations": annotations},
                }
            )
        if rng.random() < 0.2:
            rules = [
                {
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": name, "port": {"number": 80}}},
                            }
                        ]
                    }
                }
            ]
            objects.append(
                {
                    "apiVersion": "networking.k8s.io/v1",
                    "kind": "Ingress",
                    "metadata": {"name": name, "namespace": namespace},
                    "spec": {"rules": rules},
                }
            )
        if rng.random() < 0.2:
            policy = {
                "podSelector": {"matchLabels": {"app": name}},
                "policyTypes": ["Egress"],
                "egress": [{"ports": [{"port": 53, "protocol": "UDP"}]}],
            }
            objects.append(
                {
                    "apiVersion": "networking.k8s.io/v1",
                    "kind": "NetworkPolicy",
                    "metadata": {"name": name, "namespace": namespace},
                    "spec": policy,
                }
            )
        index += 1
    return objects[:count]


def generate(data: Path, count: int) -> None:
    """Write the manifests, :data:`PER_FILE` documents a file, as block YAML."""
    data.mkdir(parents=True, exist_ok=True)
    objects = _objects(count)
    for start in range(0, len(objects), PER_FILE):
        chunk = objects[start : start + PER_FILE]
        text = "".join(
            f"---\n# Source: chart/templates/{o['kind'].lower()}.yaml\n" + yaml.safe_dump(o, sort_keys=False)
            for o in chunk
        )
        (data / f"release-{start // PER_FILE:04d}.yaml").write_text(text)
    (data / "count.json").write_text(json.dumps({"objects": len(objects)}))


def _timed(function: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def measure(data: Path) -> dict[str, float]:
    """One run of every stage; seconds per stage."""
    from jackwatch.checks.kubernetes import registry, run_checks
    from jackwatch.inventory.kubernetes import build_inventory, read_manifests
    from jackwatch.sources.stats import ReadStats

    files = sorted(data.glob("*.yaml"))
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    baseline, _ = _timed(lambda: [list(yaml.load_all(f.read_text(), Loader=loader)) for f in files])
    _ = registry.specs  # metadata loaded once, as a scan does before reading
    stats = ReadStats()
    read, objects = _timed(lambda: read_manifests([data], stats))
    inventory_time, inventory = _timed(lambda: build_inventory(objects, "bench", stats))
    gc.freeze()  # as jackwatch scan k8s does once the inventory is built
    checks, run = _timed(lambda: run_checks(inventory, datetime.now(UTC)))
    gc.unfreeze()
    assert not run.errors, run.errors
    return {
        "baseline": baseline,
        "read": read,
        "inventory": inventory_time,
        "checks": checks,
        "objects": len(objects),
        "workloads": len(inventory.workloads),
        "findings": len(run.findings),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, default=5000)
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    data = options.data or HERE / "data" / f"k8s-{options.objects}"
    if not (data / "count.json").exists():
        generate(data, options.objects)
    runs = [measure(data) for _ in range(options.repeat)]
    first = runs[0]
    print(f"{first['objects']} objects, {first['workloads']} workloads, {first['findings']} findings")
    for stage in ("baseline", "read", "inventory", "checks"):
        values = [run[stage] for run in runs]
        print(f"{stage:>10}: {min(values):.3f}–{max(values):.3f} s")
    totals = [run["read"] + run["inventory"] + run["checks"] for run in runs]
    ratios = [total / run["baseline"] for total, run in zip(totals, runs, strict=True)]
    print(f"{'total':>10}: {min(totals):.3f}–{max(totals):.3f} s (read + inventory + checks)")
    print(f"{'ratio':>10}: {min(ratios):.2f}–{max(ratios):.2f} × the YAML parse baseline")


if __name__ == "__main__":
    main()
