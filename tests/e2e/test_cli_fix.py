"""``jackwatch fix``: scan, then fix a stored finding by its id (or a prefix): the patches and the verified diff of
the user's manifest (text, JSON, patch), ``--apply`` writing it and refusing a file edited since the scan; package
upgrades in the scanned directory's requirements; key rotation without the key; findings without a fix; bad usage."""

from __future__ import annotations

import random
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.runner import run_cli
from tests.unit.secrets.samples import openai_key

from jackwatch.model import Finding, FindingKind, Severity
from jackwatch.store import open_store

KEY = openai_key(random.Random(8)).secret
MANIFEST = """\
# The openai app
apiVersion: v1
kind: Service
metadata:
  name: openai-app
  namespace: prod
spec:
  type: LoadBalancer   # public!
  selector: {app: openai-app}
  ports:
    - port: 80
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: openai-app
  namespace: prod
spec:
  selector:
    matchLabels:
      app: openai-app
  template:
    metadata:
      labels:
        app: openai-app
    spec:
      containers:
        - name: web
          image: "ghcr.io/acme/openai-app:1.0"
          securityContext:
            privileged: true      # to be removed
          env:
            - name: OPENAI_API_KEY
              value: @KEY@
"""


def scanned(tmp_path: Path, db: str) -> dict[str, str]:
    """Scan the app's manifest (in ``tmp_path``, from there); the stored finding ids by check."""
    (tmp_path / "app.yaml").write_text(MANIFEST.replace("@KEY@", KEY))
    run = run_cli("scan", "k8s", "app.yaml", "--db", db, "--format", "json")
    assert run.code == 0, run.describe()
    return {finding["rule_id"]: finding["id"] for finding in run.report()["findings"]}


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_kubernetes_fix_shows_patches_and_the_verified_diff(in_tmp: Path, db_url: str) -> None:
    ids = scanned(in_tmp, db_url)
    run = run_cli("fix", ids["k8s.container.privileged"][:8], "--db", db_url)
    assert run.code == 0, run.describe()
    text = run.text
    assert "kubectl patch deployment/openai-app -n prod --type strategic" in text and "JSON patch:" in text
    assert (
        "-            privileged: true      # to be removed\n+            privileged: false     # to be removed" in text
    )
    assert "verified: checking it again no longer shows k8s.container.privileged" in text
    assert (in_tmp / "app.yaml").read_text() == MANIFEST.replace("@KEY@", KEY)  # shown, not written


def test_json_and_patch_formats(in_tmp: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "j.db")
    ids = scanned(in_tmp, db)
    report = run_cli("fix", ids["k8s.workload.internet_exposed"], "--db", db, "-f", "json").json()
    fix: dict[str, Any] = report["fix"]
    assert report["finding"]["rule_id"] == "k8s.workload.internet_exposed" and fix["kind"] == "kubernetes"
    assert fix["documents"]["json_patch"][0] == {"op": "add", "path": "/spec/type", "value": "ClusterIP"}
    (change,) = fix["changes"]
    assert change["path"] == "app.yaml" and change["written"] is False and len(change["verified"]) == 5
    assert "+  type: ClusterIP      # public!" in change["diff"]
    egress = run_cli("fix", ids["k8s.workload.ai_egress_unrestricted"], "--db", db, "-f", "patch")
    assert egress.code == 0 and "+kind: NetworkPolicy\n" in egress.text
    assert KEY not in egress.text and "keys in the diff are shown redacted" in egress.stderr  # the key is context
    patch = run_cli("fix", ids["k8s.workload.internet_exposed"], "--db", db, "-f", "patch")
    assert patch.code == 0 and patch.text.startswith("--- app.yaml\n+++ app.yaml\n") and not patch.stderr
    if shutil.which("patch"):
        subprocess.run(["patch", "-s", "-p0"], input=patch.stdout, cwd=in_tmp, check=True)
        assert "  type: ClusterIP      # public!" in (in_tmp / "app.yaml").read_text()


def test_apply_writes_the_change_and_refuses_a_file_edited_since(in_tmp: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    ids = scanned(in_tmp, db)
    copy = in_tmp / "copy.yaml"
    copy.write_text(MANIFEST.replace("@KEY@", KEY))
    run = run_cli("fix", ids["k8s.container.env_key"], "--db", db, "--apply", copy)
    assert run.code == 0, run.describe()
    assert "(written)" in run.text and KEY not in run.text
    written = copy.read_text()
    assert KEY not in written and "secretKeyRef:" in written and "# The openai app" in written
    assert (
        "kubectl create secret generic openai-app-keys -n prod --from-literal=OPENAI_API_KEY=<the new key>" in run.text
    )
    again = run_cli("fix", ids["k8s.container.privileged"], "--db", db, "--apply", copy)
    assert again.code == 2 and "changed since the scan" in again.stderr and "copy.yaml" in again.stderr
    assert copy.read_text() == written
    wrong = in_tmp / "other.yaml"
    wrong.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
    refused = run_cli("fix", ids["k8s.container.privileged"], "--db", db, "--apply", wrong)
    assert refused.code == 2 and "no Deployment prod/openai-app in the file" in refused.stderr


def test_a_finding_without_a_fix_says_why(in_tmp: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "n.db")
    ids = scanned(in_tmp, db)
    run = run_cli("fix", ids["k8s.container.image_not_pinned"], "--db", db)
    assert run.code == 0 and "No automatic fix: pinning an image needs the digest" in run.text
    assert "What to do:" in run.text
    patch = run_cli("fix", ids["k8s.container.image_not_pinned"], "--db", db, "-f", "patch")
    assert patch.code == 1 and "no file change" in patch.stderr
    apply = run_cli("fix", ids["k8s.container.image_not_pinned"], "--db", db, "--apply", "app.yaml")
    assert apply.code == 2 and "not a file change" in apply.stderr


def test_a_vulnerable_package_is_upgraded_in_the_scanned_requirements(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "requirements.txt").write_text("# deps\nlangchain==0.0.171  # the agent\n")
    (project / "settings.py").write_text(f'OPENAI_API_KEY = "{KEY}"\n')
    db = str(tmp_path / "p.db")
    assert run_cli("scan", "fs", project, "--db", db).code == 0
    with open_store(f"sqlite:///{db}") as store:
        stored = store.findings()
    vulnerability = next(f for f in stored if f.rule_id.startswith("vuln.") and "langchain" in f.subject)
    leak = next(f for f in stored if f.rule_id == "secret.openai")
    version = vulnerability.evidence["fix_version"]
    run = run_cli("fix", vulnerability.id, "--db", db, "-f", "json")
    assert run.code == 0, run.describe()
    fix = run.json()["fix"]
    assert fix["commands"][0] == f"pip install 'langchain>={version}'"
    (change,) = fix["changes"]
    assert change["path"] == str(project / "requirements.txt")
    assert f"+langchain=={version}  # the agent" in change["diff"]
    applied = run_cli("fix", vulnerability.id, "--db", db, "--apply", project / "requirements.txt")
    assert (
        applied.code == 0
        and (project / "requirements.txt").read_text() == f"# deps\nlangchain=={version}  # the agent\n"
    )
    rotate = run_cli("fix", leak.id, "--db", db)
    assert rotate.code == 0 and "Revoke sk-" in rotate.text and "settings.py" in rotate.text
    assert KEY not in rotate.text


@pytest.mark.parametrize(("wanted", "message"), [("abc", "at least 6 characters"), ("abcdef12", "no finding abcdef12")])
def test_bad_ids_exit_2(wanted: str, message: str, tmp_path: Path) -> None:
    run = run_cli("fix", wanted, "--db", str(tmp_path / "e.db"))
    assert run.code == 2 and message in run.stderr


def test_an_ambiguous_prefix_names_the_findings_it_matches(db_url: str) -> None:
    moment = datetime(2026, 11, 20, tzinfo=UTC)
    twins = [
        Finding(
            id=f"abcdef{n}" + "0" * 25,
            kind=FindingKind.MISCONFIGURATION,
            rule_id=f"k8s.check.{n}",
            title="t",
            subject=f"k8s://c/ns/Deployment/app{n}",
            severity=Severity.LOW,
            first_seen=moment,
            last_seen=moment,
            count=1,
        )
        for n in range(7)
    ]
    db = db_url
    with open_store(db) as store:
        store.record_many([(finding, ()) for finding in twins])
    run = run_cli("fix", "abcdef", "--db", db)
    assert run.code == 2, run.describe()
    message = " ".join(run.stderr.split())
    assert "abcdef names several findings: abcdef000000 (k8s.check.0), abcdef100000 (k8s.check.1)," in message
    assert "abcdef400000 (k8s.check.4) and more; give more characters" in message
    exact = run_cli("fix", "abcdef3", "--db", db)
    assert "names several" not in exact.stderr and "k8s.check.3" in exact.text + exact.stderr
