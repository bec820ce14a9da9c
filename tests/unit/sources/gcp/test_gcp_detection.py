"""The Vertex AI LLMjacking story, read from a sink export and run through the built-in pack (and its allowlists)."""

from __future__ import annotations

import copy
from collections import Counter
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
import pytest
from tests.unit.sources.gcp.entries import CLAUDE, KEY_ID, KEY_NAME, PROJECT, make_entry

from jackwatch.model import Event
from jackwatch.normalize import AsnDb
from jackwatch.rules.engine import Engine, compile_ruleset
from jackwatch.rules.loader import builtin_rule_files, load_texts
from jackwatch.rules.sources import SourceRegistry, default_registry
from jackwatch.rules.spec import Match
from jackwatch.sources.gcp import read_gcp_audit
from jackwatch.sources.stats import ReadStats

DAY = 86400
GKE_CALLER = {"callerIp": "34.105.22.7", "callerSuppliedUserAgent": "google-genai-sdk/1.2.0 gl-python/3.11.9,gzip(gfe)"}
VPS_CALLER = {"callerIp": "5.161.100.20", "callerSuppliedUserAgent": "python-requests/2.32.3,gzip(gfe)"}
GEMINI = f"projects/{PROJECT}/locations/us-central1/publishers/google/models/gemini-1.5-pro-002"
DENIED = "Permission 'aiplatform.endpoints.predict' denied on resource (or it may not exist)."


@lru_cache(maxsize=1)
def registry() -> SourceRegistry:
    return default_registry(AsnDb.load())


def call(
    seconds: int, caller: dict[str, str], *, method: str = "RawPredict", resource: str = CLAUDE, code: int = 0
) -> dict[str, Any]:
    """A call by the gateway's key, ``seconds`` after START, from ``caller``, with gRPC status ``code``."""
    entry = copy.deepcopy(make_entry(seconds))
    payload = entry["protoPayload"]
    payload["methodName"] = f"google.cloud.aiplatform.v1.PredictionService.{method}"
    payload["resourceName"] = resource
    payload["requestMetadata"] = dict(caller)
    if code:
        payload["status"] = {"code": code, "message": DENIED}
        entry["severity"] = "ERROR"
    return entry


def story() -> list[dict[str, Any]]:
    """A week of normal use from GKE, then the stolen key: probes across locations, then Claude 3 Opus."""
    normal = [call(day * DAY, GKE_CALLER) for day in range(8)]
    normal.append(call(DAY, GKE_CALLER, method="GenerateContent", resource=GEMINI))
    start = 9 * DAY
    probes = [
        call(start + index * 20, VPS_CALLER, resource=CLAUDE.replace("us-east5", location), code=code)
        for index, (location, code) in enumerate(
            [("us-east5", 7), ("europe-west1", 5), ("asia-southeast1", 5), ("us-central1", 5)] * 3
        )
    ]
    opus = CLAUDE.replace("claude-3-5-sonnet-v2@20241022", "claude-3-opus@20240229")
    abuse = [call(start + 600 + index * 30, VPS_CALLER, method="StreamRawPredict", resource=opus) for index in range(3)]
    return normal + probes + abuse


def export(tmp_path: Path, entries: list[dict[str, Any]]) -> Path:
    """The entries as a Cloud Storage sink writes them (JSON Lines per hour under the data_access log)."""
    root = tmp_path / "acme-audit-export"
    for entry in entries:
        moment = datetime.fromisoformat(entry["timestamp"])
        folder = root / "cloudaudit.googleapis.com" / "data_access" / f"{moment:%Y/%m/%d}"
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / f"{moment:%H}:00:00_{moment:%H}:59:59_S0.json").open("ab") as handle:
            handle.write(orjson.dumps(entry) + b"\n")
    return root


def detect(events: list[Event], extra_rules: str = "") -> list[Match]:
    documents = [(str(path), path.read_text(encoding="utf-8")) for path in builtin_rule_files()]
    if extra_rules:
        documents.append(("allowlists.yaml", extra_rules))
    loaded = load_texts(documents, registry())
    assert not loaded.errors, loaded.errors
    engine = Engine(compile_ruleset(loaded.ruleset, registry()))
    return [match for event in sorted(events, key=lambda item: item.time) for match in engine.process(event)]


@pytest.fixture
def events(tmp_path: Path) -> list[Event]:
    stats = ReadStats()
    found = list(read_gcp_audit([str(export(tmp_path, story()))], stats))
    assert stats.events_skipped == 0
    assert len(found) == len(story())
    return found


def test_the_stolen_key_trips_every_vertex_rule(events: list[Event]) -> None:
    matches = detect(events)
    fired = Counter(match.rule.id for match in matches)
    assert set(fired) == {
        "gcp.vertex.sa_key_new_source",
        "gcp.vertex.sa_key_new_client",
        "gcp.vertex.publisher_model_first_use",
        "gcp.vertex.region_fanout",
        "gcp.vertex.probe_errors",
    }
    assert fired["gcp.vertex.sa_key_new_source"] == 1
    assert fired["gcp.vertex.publisher_model_first_use"] == 1
    assert all(match.rule.fields.principal(match.events[-1]) == KEY_NAME for match in matches)
    new_source = next(match for match in matches if match.rule.id == "gcp.vertex.sa_key_new_source")
    assert f"key={KEY_ID}" in new_source.output
    assert "asn=AS213230" in new_source.output
    first_use = next(match for match in matches if match.rule.id == "gcp.vertex.publisher_model_first_use")
    assert first_use.key == (PROJECT,)
    assert "model=anthropic/claude-3-opus@20240229" in first_use.output


def test_the_allowlists_silence_the_vertex_rules(events: list[Event]) -> None:
    by_network = """
- list: jw_allowed_asns
  items: [AS213230]
  override: {items: replace}
"""
    assert not [match for match in detect(events, by_network) if match.rule.id.startswith("gcp.")]
    by_key = f"""
- list: jw_allowed_principals
  items: ["{KEY_NAME}"]
  override: {{items: replace}}
"""
    assert not [match for match in detect(events, by_key) if match.rule.id.startswith("gcp.")]


def test_normal_use_alone_raises_nothing(tmp_path: Path) -> None:
    normal = [entry for entry in story() if entry["protoPayload"]["requestMetadata"] == GKE_CALLER]
    found = list(read_gcp_audit([str(export(tmp_path, normal))], ReadStats()))
    assert not detect(found)
