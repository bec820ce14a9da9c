"""``jackwatch demo`` ends with the correlation: openai-app critical with the blog's factors, the attack path from the
internet to Bedrock through the stolen key, the verified fixes — and the runtime factor when the store holds runtime
detections. The manifests of the environment hold the very keys of the image and of the CloudTrail trace."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.e2e.demo_env import COST_MANIFEST, DEMO
from tests.e2e.runner import run_cli, run_jackwatch

from jackwatch.detect.service import RuleSelection, build_detector, detect_events, store_result
from jackwatch.inventory.image import open_image
from jackwatch.model.runtime import RuntimeRecord, to_event
from jackwatch.normalize.asn import AsnDb
from jackwatch.secrets import fingerprint
from jackwatch.sources.stats import ReadStats
from jackwatch.store import open_store

Report = dict[str, Any]
WORKLOAD = "k8s://manifests/support/Deployment/openai-app"
USER = "identity:arn:aws:iam::123456789012:user/openai-app-bedrock"
BLOG_FACTORS = {
    "internet_exposed",
    "vulnerable_ai_package",
    "critical_vulnerability",
    "privileged",
    "leaked_key",
    "identity_can_invoke_llm",
    "llmjacking_activity",
}
KEY_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "OPENAI_API_KEY")


@pytest.fixture(scope="module")
def image_env() -> dict[str, str]:
    with open_image(DEMO / "image") as root:
        return dict(root.config.environment)


@pytest.fixture(scope="module")
def report() -> Report:
    result = run_cli("demo", DEMO, "--format", "json")
    assert result.code == 0, result.describe()
    return result.report()


def factors(risk: Report) -> set[str]:
    return {factor["name"] for factor in risk["factors"]}


def test_openai_app_is_the_first_risk_critical_with_the_blogs_factors(report: Report) -> None:
    first = report["risks"][0]
    assert first["subject"]["id"] == WORKLOAD and first["severity"] == "critical"
    assert factors(first) >= {*BLOG_FACTORS, "runtime_detection", "ai_package_in_use"}  # the recorded trace
    reasons = {factor["name"]: factor["reason"] for factor in first["factors"]}
    assert reasons["internet_exposed"] == "Service openai-app (LoadBalancer)"
    assert (
        "langchain 0.0.171" in reasons["critical_vulnerability"] and "fix 0.1.11" in reasons["critical_vulnerability"]
    )
    assert "Container runs privileged (openai-app)" in reasons["privileged"]
    assert "arn:aws:iam::123456789012:user/openai-app-bedrock" in reasons["llmjacking_activity"]
    assert [r["severity"] for r in report["risks"]].count("critical") == len(report["risks"])


def test_the_stolen_keys_identity_is_at_risk_too(report: Report) -> None:
    [identity] = [r for r in report["risks"] if r["subject"]["id"] == USER]
    assert identity["severity"] == "critical" and {"llmjacking_activity", "leaked_key"} <= factors(identity)


def test_the_session_cache_is_neither_at_risk_nor_on_a_path(report: Report) -> None:
    text = json.dumps({"risks": report["risks"], "paths": report["paths"]})
    assert "session-cache" not in text


def test_the_attack_path_from_the_internet_to_bedrock_goes_through_the_stolen_key(report: Report) -> None:
    stolen = json.loads(COST_MANIFEST.read_text(encoding="utf-8"))
    key_id = next(e for e in stolen["expected"] if e["rule_id"] == "aws.bedrock.secrets_in_prompt")["secret"]
    [path] = [p for p in report["paths"] if p["entry"]["id"] == "internet" and p["target"]["id"] == "ai:aws-bedrock"]
    walked = [path["entry"]["id"], *(hop["to"]["id"] for hop in path["hops"])]
    assert walked[1:4] == ["k8s://manifests/support/Service/openai-app", WORKLOAD, f"{WORKLOAD}/container/openai-app"]
    assert f"aws-key:{key_id['access_key_id']}" in walked and USER in walked
    assert path["hops"][0]["findings"][0]["rule_id"] == "k8s.workload.internet_exposed"
    assert {f["rule_id"] for f in path["hops"][1]["findings"]} >= {"vuln.CVE-2023-36095"}
    assert path["hops"][-1]["provenance"] == "observed"


def test_the_fixes_behind_the_risk_are_verified(report: Report, image_env: dict[str, str]) -> None:
    fixes = report["risks"][0]["fixes"]
    by_rule = {rule: fix for fix in fixes for rule in fix["rule_ids"]}
    for rule in ("k8s.container.privileged", "k8s.workload.internet_exposed", "k8s.container.env_key"):
        fix = by_rule[rule]
        assert fix["diff"] and fix["verified"] and fix["error"] is None, rule
        assert f"checking it again no longer shows {rule}" in fix["verified"]
    assert "-            privileged: true" in by_rule["k8s.container.privileged"]["diff"]
    assert by_rule["vuln.CVE-2023-36095"]["summary"] == "upgrade langchain 0.0.171 to 0.1.11"
    text = json.dumps(report)
    assert not [name for name in KEY_VARIABLES[1:] if image_env[name] in text]


def test_the_table_ends_with_risks_paths_and_fixes(image_env: dict[str, str]) -> None:
    result = run_jackwatch("demo")
    assert result.code == 0, result.describe()
    text = result.text
    assert text.index("incident(s)") < text.index("risk(s)") < text.index("Attack paths") < text.index("Fixes of")
    assert "Kubernetes posture of examples/openai-app/k8s" in text
    assert "─can_invoke→ Amazon Bedrock" in text and "verified:" in text
    assert not [name for name in KEY_VARIABLES[1:] if image_env[name] in text]


def useradd(moment: datetime) -> RuntimeRecord:
    """The intruder's ``useradd -d /dev/shm/zeus nairobi`` in the openai-app container, as the sensor records it."""
    time_ns = int(moment.timestamp()) * 1_000_000_000
    record: dict[str, Any] = {
        "type": "execve",
        "time": time_ns,
        "res": 0,
        "host": "ip-10-0-3-17",
        "proc": {
            "pid": 48321,
            "ppid": 48318,
            "vpid": 61,
            "exe": "useradd",
            "exepath": "/usr/sbin/useradd",
            "name": "useradd",
            "args": ["-d", "/dev/shm/zeus", "nairobi"],
            "cwd": "/srv/app",
            "uid": 0,
            "gid": 0,
            "start": time_ns,
        },
        "lineage": [
            {"pid": 48318, "name": "sh", "exe": "/bin/sh", "args": ["-c", "useradd -d /dev/shm/zeus nairobi"]},
            {"pid": 41007, "name": "python3.11", "exe": "/usr/local/bin/python3.11", "args": ["-m", "uvicorn"]},
        ],
        "user": {"uid": 0, "name": "root"},
        "group": {"gid": 0, "name": "root"},
        "container": {
            "id": "bd77b794276150b39b69dd501f05f3765ad79109016185371ba16dccd4e570cd",
            "runtime": "containerd",
            "name": "openai-app",
            "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/openai-app:1.4.2",
            "pod": "openai-app-6f9d8c7b5-k2x4q",
            "namespace": "support",
        },
    }
    return record  # type: ignore[return-value]


def without_runtime(tmp_path: Path) -> Path:
    """The demo environment without its recorded runtime trace."""
    for entry in DEMO.iterdir():
        if entry.name != "runtime":
            (tmp_path / entry.name).symlink_to(entry)
    return tmp_path


def test_runtime_detections_in_the_store_add_the_runtime_factor(db_url: str, tmp_path: Path) -> None:
    environment = without_runtime(tmp_path)
    plain = run_cli("demo", environment, "--format", "json")
    assert plain.code == 0, plain.describe()
    assert "runtime" not in plain.report()
    assert "runtime_detection" not in factors(plain.report()["risks"][0])
    detector = build_detector(RuleSelection(), AsnDb.load())
    result = detect_events(detector, [to_event(useradd(datetime(2025, 6, 10, 13, 52, 11, tzinfo=UTC)))], ReadStats())
    assert {finding.rule_id for finding, _ in result.findings} >= {"runtime.user_home_in_tmpfs"}
    with open_store(db_url) as store:
        store_result(store, result, "sensor", [], result.stats(detector))
    demo = run_cli("demo", environment, "--db", db_url, "--format", "json")
    assert demo.code == 0, demo.describe()
    first = demo.report()["risks"][0]
    assert first["subject"]["id"] == WORKLOAD and first["severity"] == "critical"
    assert factors(first) >= {*BLOG_FACTORS, "runtime_detection"}
    [runtime] = [factor for factor in first["factors"] if factor["name"] == "runtime_detection"]
    assert "runtime.user_home_in_tmpfs" in {finding["rule_id"] for finding in runtime["findings"]}


def test_the_manifests_hold_the_keys_of_the_image_and_the_trace(image_env: dict[str, str]) -> None:
    documents = [
        document
        for path in sorted((DEMO / "k8s").glob("*.yaml"))
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8"))
    ]
    [deployment] = [d for d in documents if d["kind"] == "Deployment" and d["metadata"]["name"] == "openai-app"]
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    env = {item["name"]: item["value"] for item in container["env"]}
    assert {name: fingerprint(env[name]) for name in KEY_VARIABLES} == {
        name: fingerprint(image_env[name]) for name in KEY_VARIABLES
    }
    stolen = json.loads(COST_MANIFEST.read_text(encoding="utf-8"))
    pasted = next(e for e in stolen["expected"] if e["rule_id"] == "aws.bedrock.secrets_in_prompt")["secret"]
    assert env["AWS_ACCESS_KEY_ID"] == pasted["access_key_id"]
    assert container["image"].endswith("@sha256:9deee76bbe229808605f6c4b029fec9889006738552568b76866b00059c47466")
    with open_image(DEMO / "image") as root:
        assert container["image"].split("@")[1] == root.manifest_digest


def test_the_demo_stays_quiet_about_an_environment_without_manifests(tmp_path: Path) -> None:
    (tmp_path / "cloudtrail").symlink_to(DEMO / "cloudtrail")
    result = run_cli("demo", tmp_path, "--format", "json")
    assert result.code == 0, result.describe()
    body = result.report()
    assert not [r for r in body["risks"] if r["subject"]["kind"] == "workload"]
    assert {r["subject"]["id"] for r in body["risks"]} >= {USER}
    assert body["paths"] == []
