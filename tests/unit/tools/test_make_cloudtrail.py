"""Tests for the openai-app demo trace: committed files match the generator, and the story holds."""

from __future__ import annotations

import bisect
import gzip
import importlib.util
import itertools
import json
import sys
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tools"))

import cloudtrail_synth as ct
from tests.content.test_builtin_rules import rules

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "examples" / "openai-app"
INVOKES = {"InvokeModel", "InvokeModelWithResponseStream", "Converse", "ConverseStream"}
RULE_IDS = {rule.id for rule in rules() if rule.source == "aws_cloudtrail"}


@cache
def story() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_cloudtrail", DEMO / "make_cloudtrail.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@cache
def trace() -> tuple[dict[str, Any], ...]:
    return tuple(story().build_trace())


def principal(record: dict[str, Any]) -> str:
    ui = record["userIdentity"]
    return str(ui.get("sessionContext", {}).get("sessionIssuer", {}).get("arn") or ui.get("arn") or ui.get("invokedBy"))


def when(record: dict[str, Any]) -> datetime:
    return ct.parse_time(record["eventTime"])


def max_in_window(times: list[datetime], window: timedelta) -> int:
    times = sorted(times)
    return max((bisect.bisect_left(times, t + window) - i for i, t in enumerate(times)), default=0)


def app_records(**match: Any) -> list[dict[str, Any]]:
    app = story().PRINCIPALS["app"]
    return [r for r in trace() if principal(r) == app and all(r.get(k) == v for k, v in match.items())]


def test_committed_trace_is_what_the_generator_writes(tmp_path: Path) -> None:
    story().generate(tmp_path)
    for part in ("cloudtrail", "bad-input", "expected"):
        committed = sorted(p.relative_to(DEMO) for p in (DEMO / part).rglob("*") if p.is_file())
        fresh = sorted(p.relative_to(tmp_path) for p in (tmp_path / part).rglob("*") if p.is_file())
        assert committed == fresh, "run examples/openai-app/make_cloudtrail.py to refresh the committed trace"
        for name in committed:
            assert (DEMO / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_files_hold_the_whole_trace_in_the_aws_layout() -> None:
    manifest = json.loads((DEMO / "expected" / "cloudtrail.json").read_text())
    files = sorted((DEMO / "cloudtrail" / "AWSLogs").rglob("*.json.gz"))
    assert len(files) == manifest["trace"]["files"]
    records = [r for f in files for r in json.loads(gzip.decompress(f.read_bytes()))["Records"]]
    assert len(records) == manifest["trace"]["events"] == len(trace())
    assert sorted(r["eventID"] for r in records) == sorted(r["eventID"] for r in trace())
    for f in files:
        match = ct.OBJECT_KEY_RE.match(f.relative_to(DEMO / "cloudtrail").as_posix())
        assert match is not None and match["account"] == story().ACCOUNT


def test_trace_spans_six_hours_in_time_order_with_thousands_of_events() -> None:
    times = [r["eventTime"] for r in trace()]
    assert times == sorted(times)
    assert times[0] >= "2025-06-10T12:00:00Z" and times[-1] < "2025-06-10T18:00:00Z"
    assert 3000 <= len(times) <= 8000
    assert len({r["eventID"] for r in trace()}) == len(times)


def test_manifest_names_known_rules_and_principals_of_the_trace() -> None:
    manifest = json.loads((DEMO / "expected" / "cloudtrail.json").read_text())
    present = {principal(r) for r in trace()}
    assert set(manifest["rules"]) <= RULE_IDS
    required = {e["rule_id"] for e in manifest["expected"] if e["required"]}
    assert required == RULE_IDS - {"aws.bedrock.throughput_tampered"}
    for entry in manifest["expected"]:
        assert entry["rule_id"] in manifest["rules"]
        assert entry["principal"] in present
        assert entry["when"] >= manifest["attack_start"]
    assert set(manifest["quiet_principals"]) <= present
    assert not {e["principal"] for e in manifest["expected"]} & set(manifest["quiet_principals"])


def test_the_app_looks_legitimate_before_the_attack() -> None:
    attack_start = story().ATTACK_START
    before = [r for r in app_records() if when(r) < attack_start]
    assert before
    assert {r["eventName"] for r in before} <= INVOKES
    assert {r["sourceIPAddress"] for r in before} == set(story().NAT_IPS)
    assert {r["userAgent"] for r in before} == {story().APP_UA}
    assert {r["awsRegion"] for r in before} == {"us-east-1"}
    assert not [r for r in before if r.get("errorCode") not in (None, "ThrottlingException")]


def test_legitimate_bedrock_traffic_stays_below_volume_and_region_thresholds() -> None:
    s = story()
    legit = {s.PRINCIPALS[name] for name in s.QUIET}
    by_principal: defaultdict[str, list[datetime]] = defaultdict(list)
    regions: defaultdict[str, set[str]] = defaultdict(set)
    app_nat = [r for r in app_records() if r["sourceIPAddress"] in s.NAT_IPS and r["eventName"] in INVOKES]
    for r in trace():
        if r["eventSource"] == "bedrock.amazonaws.com" and principal(r) in legit:
            regions[principal(r)].add(r["awsRegion"])
            if r["eventName"] in INVOKES:
                by_principal[principal(r)].append(when(r))
    assert by_principal, "the legitimate principals use Bedrock"
    assert all(max_in_window(t, timedelta(minutes=60)) < 200 for t in by_principal.values())
    assert max_in_window([when(r) for r in app_nat], timedelta(minutes=60)) < 100
    assert all(len(r) <= 2 for r in regions.values())
    admin_calls = [
        r for r in trace() if principal(r) == s.PRINCIPALS["admin"] and r["eventSource"] == "bedrock.amazonaws.com"
    ]
    assert admin_calls and all(r.get("sessionCredentialFromConsole") == "true" for r in admin_calls)


def test_key_check_probes_three_regions_within_minutes() -> None:
    probes = app_records(eventName="InvokeModel", errorCode="ValidationException")
    early = [r for r in probes if when(r) < story().at("14:05:00")]
    assert len({r["awsRegion"] for r in early}) >= 3
    assert {r["userAgent"] for r in early} == {ct.AIOHTTP_UA}
    assert all("-1 is not greater or equal to 0" in r["errorMessage"] for r in probes)
    recon = {r["eventName"] for r in app_records(userAgent=story().KEYCHECK_BOTO3_UA)}
    assert {"GetCallerIdentity", "ListAttachedUserPolicies", "GetPolicy", "GetPolicyVersion"} <= recon
    assert "os/windows" in story().KEYCHECK_BOTO3_UA


def test_model_enablement_comes_from_a_windows_browser_with_one_denial() -> None:
    s = story()
    names = Counter(
        (r["eventName"], r.get("errorCode")) for r in app_records(userAgent=s.ENABLE_UA, sourceIPAddress=s.ENABLE_IP)
    )
    assert names[("GetFoundationModelAvailability", None)] >= 5
    for name in ("ListFoundationModelAgreementOffers", "PutUseCaseForModelAccess", "PutFoundationModelEntitlement"):
        assert names[(name, None)] == 1
    assert names[("CreateFoundationModelAgreement", None)] == 1
    assert names[("CreateFoundationModelAgreement", "AccessDeniedException")] == 1
    assert "Windows NT 10.0" in s.ENABLE_UA and "Chrome/" in s.ENABLE_UA


def test_reverse_proxy_checks_logging_every_three_minutes() -> None:
    s = story()
    beats = sorted(
        when(r) for r in app_records(eventName="GetModelInvocationLoggingConfiguration", sourceIPAddress=s.PROXY_IP)
    )
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(beats)]
    assert len(beats) >= 60
    assert all(175 <= gap <= 185 for gap in gaps)
    assert len(set(gaps)) > 1, "the interval has jitter"


def test_proxies_push_opus_past_five_hundred_an_hour_from_several_networks() -> None:
    s = story()
    calls = [r for r in app_records() if r["eventName"] in INVOKES and r["userAgent"].startswith("axios/")]
    ok = [r for r in calls if "errorCode" not in r]
    opus = [when(r) for r in ok if r["requestParameters"]["modelId"] == s.OPUS]
    assert max_in_window(opus, timedelta(minutes=60)) >= 500
    assert len({r["sourceIPAddress"] for r in ok}) >= 3
    assert {r["eventName"] for r in ok} >= {"InvokeModel", "InvokeModelWithResponseStream", "Converse"}
    assert any(r.get("errorCode") == "ThrottlingException" for r in calls)


def test_anti_forensics_and_api_key_persistence() -> None:
    s = story()
    outcomes = {(r["eventName"], r.get("errorCode")) for r in app_records()}
    assert ("DeleteModelInvocationLoggingConfiguration", None) in outcomes
    assert ("PutModelInvocationLoggingConfiguration", "ValidationException") in outcomes
    assert ("DeleteGuardrail", None) in outcomes
    created = app_records(eventName="CreateServiceSpecificCredential")
    assert created and created[0]["requestParameters"]["userName"] == "BedrockAPIKey-x1y2"
    api_key = [r for r in trace() if principal(r) == s.PRINCIPALS["api_key"]]
    bearer = [r for r in api_key if r.get("additionalEventData", {}).get("callWithBearerToken") is True]
    assert any(r["eventName"] == "DeleteGuardrail" for r in bearer)
    assert all(r["eventSource"] == "bedrock.amazonaws.com" and "accessKeyId" not in r["userIdentity"] for r in bearer)
    assert any(
        r["eventSource"] == "iam.amazonaws.com" and r["userIdentity"]["accessKeyId"].startswith("AKIA") for r in api_key
    )


def test_second_actor_is_denied_listing_models_more_than_nine_times_in_an_hour() -> None:
    s = story()
    denied = [
        when(r)
        for r in app_records(eventName="ListFoundationModels", sourceIPAddress=s.SECOND_ACTOR_IP)
        if r.get("errorCode")
    ]
    assert max_in_window(denied, timedelta(minutes=60)) > 9


def test_bad_inputs_are_broken_as_described() -> None:
    bad = DEMO / "bad-input"
    notes = json.loads((DEMO / "expected" / "bad-input.json").read_text())
    assert set(notes) == {p.name for p in bad.iterdir()}
    with pytest.raises(EOFError):
        gzip.decompress((bad / "truncated.json.gz").read_bytes())
    with pytest.raises(json.JSONDecodeError):
        json.loads((bad / "invalid-json.json").read_bytes())
    records = json.loads((bad / "not-an-object.json").read_bytes())["Records"]
    assert sum(not isinstance(r, dict) for r in records) == notes["not-an-object.json"]["bad_records"] == 3
    records = json.loads((bad / "missing-eventtime.json").read_bytes())["Records"]
    assert [("eventTime" in r) for r in records] == [True, False, True]
    records = json.loads((bad / "eventtime-number.json").read_bytes())["Records"]
    assert isinstance(records[1]["eventTime"], int)
