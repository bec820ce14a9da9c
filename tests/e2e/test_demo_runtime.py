"""The demo's recorded runtime trace: ``jackwatch demo`` shows the intrusion's detections, the process tree of the
most severe one, and which of the image's packages are in use — as ``expected/runtime.json`` says. The same trace
through ``jackwatch detect syscall:`` and ``history import`` gives the same detections and history."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.demo_env import DEMO, DEMO_RUNTIME, RUNTIME_MANIFEST
from tests.e2e.runner import run_cli, run_jackwatch

Report = dict[str, Any]


@pytest.fixture(scope="module")
def manifest() -> Report:
    body = json.loads(RUNTIME_MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(body, dict) and body["expected"]
    return body


@pytest.fixture(scope="module")
def report() -> Report:
    result = run_cli("demo", DEMO, "--format", "json")
    assert result.code == 0, result.describe()
    return result.report()


def runtime_findings(report: Report) -> list[Report]:
    return [finding for finding in report["findings"] if finding["evidence"].get("source") == "syscall"]


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def nodes(tree: list[Report]) -> Iterator[Report]:
    for node in tree:
        yield node
        yield from nodes(node["children"])


def test_the_intrusion_is_detected_and_nothing_else(report: Report, manifest: Report) -> None:
    found = {finding["rule_id"]: finding["count"] for finding in runtime_findings(report)}
    assert found == {entry["rule_id"]: entry["events"] for entry in manifest["expected"]}
    container = manifest["container"]
    for finding in runtime_findings(report):
        assert moment(finding["first_seen"]) >= moment(manifest["exploited"]), finding["rule_id"]
        assert finding["evidence"]["pods"] == [f"{container['namespace']}/{container['pod']}"]


def test_the_process_tree_of_the_most_severe_detection(report: Report, manifest: Report) -> None:
    runtime = report["runtime"]
    [focus] = [f for f in runtime_findings(report) if f["id"] == runtime["focus"]]
    assert focus["rule_id"] == manifest["focus"]["rule_id"]
    tree = runtime["process_tree"]
    assert [container["id"] for container in tree["containers"]] == [manifest["container"]["id"]]
    every = list(nodes(tree["tree"]))
    [marked] = [node for node in every if node["focus"]]
    assert marked["process"]["pid"] == manifest["focus"]["pid"]
    assert marked["process"]["args"] == ["-d", "/dev/shm/zeus", "nairobi"]
    parents = [node["process"]["pid"] for node in every if marked in list(nodes(node["children"]))]
    assert parents[-2:][::-1] == manifest["focus"]["parents"]
    [app] = tree["tree"]
    assert app["process"]["args"][:2] == ["-m", "uvicorn"] and app["process"]["exited_at"] is None
    assert len(app["children"]) == 6  # one shell per command of the intruder


def test_the_packages_in_use(report: Report, manifest: Report) -> None:
    [usage] = report["runtime"]["in_use"]
    assert usage["root"]["ref"] == f"image://sha256:{manifest['container']['image_id']}"
    assert usage["learning_over"] is True
    assert {package["name"]: package["state"] for package in usage["packages"]} == manifest["in_use"]


def test_the_table_shows_the_tree_and_the_packages(manifest: Report) -> None:
    result = run_jackwatch("demo")
    assert result.code == 0, result.describe()
    text = result.text
    assert (
        text.index("incident(s)")
        < text.index("Process tree of")
        < text.index("Packages in use")
        < text.index("risk(s)")
    )
    assert f"{manifest['focus']['pid']} root /usr/sbin/useradd -d /dev/shm/zeus nairobi" in text
    assert "3 in use, 6 not seen, 0 unknown" in text


def test_detect_and_history_read_the_same_trace(tmp_path: Path, manifest: Report) -> None:
    db = str(tmp_path / "runtime.db")
    detected = run_cli("detect", f"syscall:{DEMO_RUNTIME}", "--format", "json", "--db", db)
    assert detected.code == 0, detected.describe()
    body = detected.report()
    assert {f["rule_id"]: f["count"] for f in body["findings"]} == {
        entry["rule_id"]: entry["events"] for entry in manifest["expected"]
    }
    assert body["stats"]["events_read"] == manifest["trace"]["records"]
    imported = run_cli("history", "import", DEMO_RUNTIME, "--image", DEMO / "image", "--format", "json", "--db", db)
    assert imported.code == 0, imported.describe()
    assert imported.json()["events_read"] == manifest["trace"]["records"]
    tree = run_cli("proctree", str(manifest["focus"]["pid"]), "--format", "json", "--db", db)
    assert tree.code == 0, tree.describe()
    assert tree.json()["focus"]["pid"] == manifest["focus"]["pid"]
    used = run_cli("inuse", "--format", "json", "--db", db)
    [usage] = used.json()["roots"]
    assert {package["name"]: package["state"] for package in usage["packages"]} == manifest["in_use"]
