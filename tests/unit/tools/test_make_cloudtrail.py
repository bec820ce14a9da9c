"""Tests for the openai-app demo trace, invocation logs and bill: committed files match the generators, and the
story holds."""

from __future__ import annotations

import bisect
import csv
import gzip
import io
import itertools
import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tools"))

import cloudtrail_synth as ct
from tests.content.test_builtin_rules import rules
from tests.scripts import load_script

from jackwatch.cost import load_price_table
from jackwatch.normalize import principal_from_record
from jackwatch.secrets import scan_text
from jackwatch.sources.bedrock_invocation.content import completion_text, prompt_text

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "examples" / "openai-app"
INVOKES = {"InvokeModel", "InvokeModelWithResponseStream", "Converse", "ConverseStream"}
RULE_IDS = {rule.id for rule in rules() if rule.source == "aws_cloudtrail"}


def load(name: str) -> ModuleType:
    """The demo's script ``name``.py, imported under that name."""
    return load_script(DEMO / f"{name}.py")


@cache
def story() -> ModuleType:
    return load("make_cloudtrail")


@cache
def logs_story() -> ModuleType:
    """``make_bedrock_logs``, on top of the same ``make_cloudtrail`` module."""
    story()
    return load("make_bedrock_logs")


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


MANIFESTS = {
    "make_cloudtrail": ("cloudtrail.json", "bad-input.json"),
    "make_bedrock_logs": ("bedrock-billing.json",),
    "make_runtime_trace": ("runtime.json",),  # tested in test_make_runtime_trace.py
}
"""The files each generator writes in expected/."""


def assert_committed(fresh: Path, parts: tuple[str, ...], script: str) -> None:
    """The committed folders ``parts`` and the script's manifests hold exactly the bytes written under ``fresh``."""
    hint = f"run examples/openai-app/{script}.py to refresh the committed files"
    for part in parts:
        committed = sorted(p.relative_to(DEMO) for p in (DEMO / part).rglob("*") if p.is_file())
        written = sorted(p.relative_to(fresh) for p in (fresh / part).rglob("*") if p.is_file())
        assert committed == written, hint
        for name in committed:
            assert (DEMO / name).read_bytes() == (fresh / name).read_bytes(), name
    for name in MANIFESTS[script]:
        assert (DEMO / "expected" / name).read_bytes() == (fresh / "expected" / name).read_bytes(), hint


def test_committed_trace_is_what_the_generator_writes(tmp_path: Path) -> None:
    story().generate(tmp_path)
    assert_committed(tmp_path, ("cloudtrail", "bad-input"), "make_cloudtrail")
    assert sorted(p.name for p in (tmp_path / "expected").iterdir()) == sorted(MANIFESTS["make_cloudtrail"])


def test_expected_holds_the_manifests_of_the_generators() -> None:
    assert {p.name for p in (DEMO / "expected").iterdir()} == {name for names in MANIFESTS.values() for name in names}


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


# ---------------------------------------------------------------------------------------------------
# Bedrock invocation logs and the CUR 2.0 export

INVOCATIONS = DEMO / "bedrock-invocations"
BILLING = DEMO / "billing"
LOGGED_ERRORS = {None, "ValidationException"}
"""Outcomes of the calls that reach a model, and so its invocation log: answered, or rejected by the model."""


def log_records() -> Iterator[dict[str, Any]]:
    for path in sorted(INVOCATIONS.rglob("*.json.gz")):
        for line in gzip.decompress(path.read_bytes()).splitlines():
            yield json.loads(line)


def bill() -> list[dict[str, str]]:
    (path,) = BILLING.rglob("*.csv.gz")
    return list(csv.DictReader(io.StringIO(gzip.decompress(path.read_bytes()).decode())))


def invocations() -> list[dict[str, Any]]:
    return [r for r in trace() if r["eventSource"] == "bedrock.amazonaws.com" and r["eventName"] in INVOKES]


def test_committed_logs_and_bill_are_what_the_generator_writes(tmp_path: Path) -> None:
    logs_story().generate(tmp_path)
    assert_committed(tmp_path, ("bedrock-invocations", "billing"), "make_bedrock_logs")


def test_the_logs_and_bill_stay_small_and_in_the_aws_layouts() -> None:
    files = [p for root in (INVOCATIONS, BILLING) for p in root.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) < 2_000_000
    layout = re.compile(
        r"AWSLogs/123456789012/BedrockModelInvocationLogs/[a-z]{2}-[a-z]+-\d/\d{4}/\d{2}/\d{2}/\d{2}/"
        r"\d{8}T\d{9}Z_[0-9a-f]{16}\.json\.gz"
    )
    assert all(layout.fullmatch(p.relative_to(INVOCATIONS).as_posix()) for p in INVOCATIONS.rglob("*.gz"))
    (cur,) = BILLING.rglob("*.csv.gz")
    assert cur.relative_to(BILLING).as_posix() == "acme-cur2/data/BILLING_PERIOD=2025-06/acme-cur2-00001.csv.gz"


def test_each_log_record_is_a_cloudtrail_invocation_seen_from_the_model() -> None:
    by_request = {r["requestID"]: r for r in trace()}
    records = list(log_records())
    assert records
    for record in records:
        event = by_request[record["requestId"]]
        assert (record["timestamp"], record["accountId"], record["identity"]["arn"], record["region"]) == (
            event["eventTime"],
            event["recipientAccountId"],
            event["userIdentity"]["arn"],
            event["awsRegion"],
        )
        assert (record["operation"], record["modelId"]) == (event["eventName"], event["requestParameters"]["modelId"])
        assert record.get("errorCode") == event.get("errorCode") and record.get("errorCode") in LOGGED_ERRORS
    assert len({r["requestId"] for r in records}) == len(records)


def test_every_call_is_logged_while_logging_is_on_and_none_after_it_is_deleted() -> None:
    s = story()
    (deleted,) = [
        r for r in trace() if r["eventName"] == "DeleteModelInvocationLoggingConfiguration" and "errorCode" not in r
    ]
    off_region, off_since = deleted["awsRegion"], when(deleted)
    logged = {r["requestId"] for r in log_records()}
    reached = [r for r in invocations() if r.get("errorCode") in LOGGED_ERRORS]
    for r in reached:
        on = r["awsRegion"] in s.ALLOWED_REGIONS and not (r["awsRegion"] == off_region and when(r) >= off_since)
        assert (r["requestID"] in logged) == on, r["requestID"]
    thief = [r for r in reached if principal(r) == s.PRINCIPALS["app"] and r["sourceIPAddress"] not in s.NAT_IPS]
    assert 0 < sum(r["requestID"] in logged for r in thief) < len(thief) / 2, "most of the theft is unlogged"
    assert not {r["requestID"] for r in invocations() if r.get("errorCode") not in LOGGED_ERRORS} & logged


def test_token_counts_fit_each_kind_of_traffic() -> None:
    s = story()
    by_request = {r["requestID"]: r for r in trace()}
    cached = 0
    for record in log_records():
        if "errorCode" in record or record["modelId"] == s.EMBED_MODEL:
            continue
        counts = (record["input"]["inputTokenCount"], record["output"]["outputTokenCount"])
        event = by_request[record["requestId"]]
        chat = event["sourceIPAddress"] in s.NAT_IPS
        assert chat or event["sourceIPAddress"] == s.SECOND_ACTOR_IP
        low, high = ((300, 100), (1_500, 600)) if chat else ((4_000, 500), (20_000, 2_000))
        assert all(lo <= count <= hi for count, lo, hi in zip(counts, low, high, strict=True)), counts
        cache = record["input"].get("cacheReadInputTokenCount", 0) + record["input"].get("cacheWriteInputTokenCount", 0)
        assert cache == 0 or record["modelId"] == s.BUYER_MODEL
        cached += cache > 0
    assert cached > 100


def test_one_prompt_holds_a_key_pair_and_it_is_the_attackers() -> None:
    s = story()
    by_request = {r["requestID"]: r for r in trace()}
    hits = [
        (record, hit)
        for record in log_records()
        for text in (prompt_text(record), completion_text(record))
        if text
        for hit in scan_text(text)
    ]
    ((record, hit),) = hits
    event = by_request[record["requestId"]]
    assert (hit.kind, hit.identifier) == ("aws_access_key", event["userIdentity"]["accessKeyId"])
    assert event["sourceIPAddress"] == s.SECOND_ACTOR_IP
    assert "EXAMPLE" not in json.dumps(record)


BILLED_KINDS = {
    "input-tokens": "input",
    "output-tokens": "output",
    "cache-read-input-token-count": "cache_read",
    "cache-write-input-token-count": "cache_write",
}
"""Usage type suffix → the token kind it bills."""
USAGE_TYPE = re.compile(r"[A-Z]+\d-(?P<model>.+?)-(?P<kind>input-tokens|output-tokens|cache-\S+-token-count)")

Group = tuple[str, str, str, str]  # hour, principal, region, model id


def billed_tokens() -> Counter[tuple[Group, str]]:
    """Tokens of each kind the bill charges, per hour, principal, region and model."""
    models = {name: model for model, (name, _) in logs_story().bill.BILLED_MODELS.items()}
    billed: Counter[tuple[Group, str]] = Counter()
    for row in bill():
        if row["line_item_product_code"] == "AmazonBedrock":
            found = USAGE_TYPE.fullmatch(row["line_item_usage_type"])
            assert found is not None, row["line_item_usage_type"]
            group = (
                row["line_item_usage_start_date"][:13],
                row["line_item_iam_principal"],
                row["product_region_code"],
                models[found["model"]],
            )
            billed[(group, BILLED_KINDS[found["kind"]])] += int(row["line_item_usage_amount"])
    return billed


def test_bill_rows_cost_their_tokens_at_list_price() -> None:
    table = load_price_table()
    rows = bill()
    assert {row["line_item_product_code"] for row in rows} >= {"AmazonBedrock", "AmazonEC2", "AmazonS3"}
    models = {name: model for model, (name, _) in logs_story().bill.BILLED_MODELS.items()}
    for row in rows:
        if row["line_item_product_code"] != "AmazonBedrock":
            continue
        found = USAGE_TYPE.fullmatch(row["line_item_usage_type"])
        assert found is not None
        price = table.lookup("aws_bedrock", models[found["model"]], row["product_region_code"])
        per_million = getattr(price, BILLED_KINDS[found["kind"]]) or price.input  # cache tokens without own price
        amount = Decimal(row["line_item_usage_amount"])
        assert Decimal(row["line_item_unblended_cost"]) == amount * per_million / 1_000_000, row["line_item_usage_type"]


def test_the_bill_matches_the_logs_and_goes_on_where_they_stop() -> None:
    billed = billed_tokens()
    logged: Counter[tuple[Group, str]] = Counter()
    logged_calls: Counter[Group] = Counter()
    for record in log_records():
        if "errorCode" in record:
            continue
        who = principal_from_record({"userIdentity": record["identity"], "recipientAccountId": record["accountId"]})
        group = (record["timestamp"][:13], who.id, record["region"], record["modelId"])
        logged_calls[group] += 1
        logged[(group, "input")] += record["input"]["inputTokenCount"]
        logged[(group, "output")] += record["output"].get("outputTokenCount", 0)
        logged[(group, "cache_read")] += record["input"].get("cacheReadInputTokenCount", 0)
        logged[(group, "cache_write")] += record["input"].get("cacheWriteInputTokenCount", 0)
    answered: Counter[Group] = Counter(
        (r["eventTime"][:13], principal(r), r["awsRegion"], r["requestParameters"]["modelId"])
        for r in invocations()
        if "errorCode" not in r
    )
    assert set(answered) == {group for group, _ in billed}, "the bill charges every answered call, logged or not"
    whole = {group for group, count in logged_calls.items() if count == answered[group]}
    assert len(whole) >= 5
    assert all(billed[(group, kind)] == amount for (group, kind), amount in logged.items() if group in whole)
    unlogged = {group[0] for group, _ in billed if group not in logged_calls}
    assert {"2025-06-10T15", "2025-06-10T16", "2025-06-10T17"} <= unlogged, "the bill shows the unlogged hours"
