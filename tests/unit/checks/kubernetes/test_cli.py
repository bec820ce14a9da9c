"""``jackwatch scan k8s``: table, JSON, SARIF (valid against the OASIS schema), --fail-on, --check, standard input,
bad usage, and what it stores (on SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from tests.e2e.runner import run_cli
from tests.unit.checks.kubernetes.kit import container, deployment
from tests.unit.outputs.test_sarif_schema import SCHEMA_PATH, assert_valid
from tests.unit.secrets.samples import openai_key

from jackwatch.store import open_store

KEY = openai_key(random.Random(31)).secret


def manifests(tmp_path: Path) -> Path:
    app = deployment(
        {
            "containers": [
                container(
                    "web",
                    image="ghcr.io/acme/openai-app:1.0",
                    securityContext={"privileged": True},
                    env=[{"name": "OPENAI_API_KEY", "value": KEY}],
                )
            ]
        },
        name="openai-app",
        namespace="prod",
    )
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "openai-app", "namespace": "prod"},
        "spec": {"type": "LoadBalancer", "selector": {"app": "openai-app"}, "ports": [{"port": 80}]},
    }
    folder = tmp_path / "k8s"
    folder.mkdir()
    (folder / "app.yaml").write_text(
        "# the app\n" + "---\n".join(json.dumps(o, indent=2) + "\n" for o in (app, service))
    )
    (folder / "chart.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n")
    return folder


def test_json_report(tmp_path: Path) -> None:
    run = run_cli("scan", "k8s", manifests(tmp_path), "--format", "json", "--no-store")
    assert run.code == 0, run.describe()
    report = run.report()
    assert KEY not in run.text
    findings = report["findings"]
    assert findings[0]["severity"] == "critical" and findings[0]["rule_id"] == "k8s.container.env_key"
    for finding in findings:
        assert {"id", "rule_id", "severity", "resource", "kubescape", "checkov", "fix"} <= set(finding)
        assert {"kind", "namespace", "name", "file", "line"} <= set(finding["resource"])
    privileged = next(f for f in findings if f["rule_id"] == "k8s.container.privileged")
    assert privileged["kubescape"] == ["C-0057"] and privileged["resource"]["file"].endswith("app.yaml")
    assert privileged["resource"]["line"] > 1 and privileged["fix"]["kubectl"].startswith("kubectl patch")
    exposed = next(f for f in findings if f["rule_id"] == "k8s.workload.internet_exposed")
    assert exposed["fix"]["object"]["kind"] == "Service"
    stats = report["stats"]
    assert stats["objects"] == 2 and stats["workloads"] == 1 and stats["partial"] is False
    assert stats["read"]["skipped_by_reason"] == {"template": 1}
    assert stats["by_severity"]["critical"] == 1


def test_table_fail_on_and_check_selection(tmp_path: Path) -> None:
    folder = manifests(tmp_path)
    run = run_cli("scan", "k8s", folder, "--no-store", "--fail-on", "critical")
    assert run.code == 1, run.describe()
    assert "k8s.container.env_key" in run.text and "skipped" in run.text and "template" in run.text
    only = run_cli("scan", "k8s", folder, "--no-store", "--check", "k8s.pod.host_pid", "--fail-on", "low")
    assert only.code == 0 and "no findings" in only.text


def test_sarif_is_valid(tmp_path: Path) -> None:
    schema = json.loads(SCHEMA_PATH.read_bytes())
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    out = tmp_path / "k8s.sarif"
    run = run_cli("scan", "k8s", manifests(tmp_path), "--format", "sarif", "--output", out, "--no-store")
    assert run.code == 0, run.describe()
    log: dict[str, Any] = json.loads(out.read_bytes())
    assert_valid(validator, log)
    results = log["runs"][0]["results"]
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert len(results) >= 10 and {r["id"] for r in rules} == {r["ruleId"] for r in results}
    located = results[0]["locations"][0]["physicalLocation"]
    assert located["artifactLocation"]["uri"].endswith("app.yaml") and located["region"]["startLine"] > 1
    assert KEY not in out.read_text()


def test_standard_input(tmp_path: Path) -> None:
    text = (manifests(tmp_path) / "app.yaml").read_bytes()
    run = run_cli("scan", "k8s", "-", "--format", "json", "--no-store", stdin=text)
    assert run.code == 0, run.describe()
    assert run.report()["findings"][0]["resource"]["file"] == "<stdin>"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["absent.yaml"], "no such file or directory: absent.yaml"),
        ([], "give manifest paths"),
        (["x.yaml", "--cluster"], "not both"),
        (["--check", "k8s.nope", "."], "unknown check"),
    ],
)
def test_bad_usage_exits_2(args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    run = run_cli("scan", "k8s", *args, "--no-store")
    assert run.code == 2 and message in run.stderr, run.describe()


def test_scan_k8s_stores_assets_and_findings(db_url: str, tmp_path: Path) -> None:
    folder = manifests(tmp_path)
    for _ in range(2):  # a second scan updates, it does not duplicate
        run = run_cli("scan", "k8s", folder, "--db", db_url, "--format", "json")
        assert run.code == 0, run.describe()
    report = run.report()
    with open_store(db_url) as store:
        stored = store.findings(limit=None)
        assets = store.assets()
        runs = store.runs()
    assert sorted(f.id for f in stored) == sorted(f["id"] for f in report["findings"])
    assert {a.kind for a in assets} == {"k8s_workload", "k8s_container", "image", "k8s_service"}
    workload = next(a for a in assets if a.kind == "k8s_workload")
    assert workload.ref == "k8s://manifests/prod/Deployment/openai-app" and workload.attrs["ai"] is True
    assert [r.command for r in runs][:2] == ["scan k8s", "scan k8s"]
    assert KEY not in json.dumps([f.evidence for f in stored]) + json.dumps([a.attrs for a in assets])
