"""Regenerate the openai-app demo's Bedrock model invocation logs, its CUR 2.0 billing export and their manifest.

    python examples/openai-app/make_bedrock_logs.py [--out DIR]

The calls are those of the CloudTrail story (``make_cloudtrail.build_trace``): every Bedrock runtime invocation
the model answered (or rejected with ValidationException) gets its token counts, and a log record when
invocation logging was on in its region at the time; the billing export charges every answered call, logged or
not. The output is deterministic: the same script always writes the same bytes. ``README.md`` tells the story.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import shutil
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from enum import StrEnum
from itertools import groupby
from pathlib import Path
from random import Random
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cur_export as bill
import invocation_bodies as bodies
import make_cloudtrail as story
import orjson
from cloudtrail_synth import INVOKE_OPERATIONS, delivery_time, format_time, parse_time

from jackwatch.cost import DEFAULT_TOKENS_PER_CALL, PriceTable, TokenUsage, cost_of, estimate_cost
from jackwatch.cost import load_price_table as builtin_prices
from jackwatch.normalize import principal_from_record

SEED = story.SEED + 2
ACCOUNT = story.ACCOUNT
LOGS = "bedrock-invocations"
BILLING = "billing"
MANIFEST = "bedrock-billing.json"

LOGGING_REGIONS = story.ALLOWED_REGIONS
"""Where invocation logging was on when the story starts: the account's baseline turned it on (text delivery on,
embeddings off) in every region the SCP allows."""

Record = Mapping[str, Any]


class Workload(StrEnum):
    """What a call is, which sets its size and its bodies."""

    CHAT = "chat"  # the app's support assistant
    EMBEDDING = "embedding"  # the RAG indexer
    PROBE = "probe"  # the key checker's request every model rejects
    ROLEPLAY = "roleplay"  # the resold key: reverse proxies and the Bedrock API key
    CACHED_ROLEPLAY = "cached_roleplay"  # the second buyer, whose client caches the character card


TOKENS: Mapping[Workload, tuple[tuple[int, int], tuple[int, int]]] = {
    Workload.CHAT: ((300, 1_500), (100, 600)),
    Workload.EMBEDDING: ((150, 800), (0, 0)),
    Workload.ROLEPLAY: ((4_000, 20_000), (500, 2_000)),
    Workload.CACHED_ROLEPLAY: ((4_000, 20_000), (500, 2_000)),
}
"""(input, output) token ranges of each workload; counts are drawn log-uniformly within them."""
CACHED_CARD = (1_800, 3_600)
"""Tokens of the character card the second buyer's client marks for caching."""
CACHE_WRITE_SHARE = 0.2
"""Share of the second buyer's calls that open a conversation (write the cache); the others read it."""
SECRET_AFTER = story.at("16:40:00")
"""The second buyer's first InvokeModel after this time asks for help with a script holding the key."""
MS_PER_TOKEN = {story.OPUS: 45}
"""Milliseconds per output token (20 for the other models)."""


def workload_of(record: Record) -> Workload | None:
    """The workload of a runtime invocation; ``None`` when the call never reached the model (throttled, denied)."""
    error = record.get("errorCode")
    if error == "ValidationException":
        return Workload.PROBE
    if error:
        return None
    if record["requestParameters"]["modelId"] == story.EMBED_MODEL:
        return Workload.EMBEDDING
    if record["sourceIPAddress"] in story.NAT_IPS:
        return Workload.CHAT
    if record["sourceIPAddress"] == story.SECOND_ACTOR_IP:
        return Workload.CACHED_ROLEPLAY
    return Workload.ROLEPLAY


def draw(rng: Random, bounds: tuple[int, int]) -> int:
    """A count drawn log-uniformly between the bounds (0 when the upper bound is 0)."""
    low, high = bounds
    return 0 if high == 0 else round(math.exp(rng.uniform(math.log(low), math.log(high))))


def draw_usage(rng: Random, workload: Workload) -> TokenUsage:
    """The tokens of one answered call of ``workload``."""
    inputs, outputs = TOKENS[workload]
    usage = TokenUsage(draw(rng, inputs), draw(rng, outputs))
    if workload is not Workload.CACHED_ROLEPLAY:
        return usage
    card = draw(rng, CACHED_CARD)
    if rng.random() < CACHE_WRITE_SHARE:
        return TokenUsage(usage.input, usage.output, 0, card)
    return TokenUsage(usage.input, usage.output, card, 0)


@dataclass(frozen=True, slots=True)
class LoggingTimeline:
    """When invocation logging was on, per region: on in :data:`LOGGING_REGIONS` at the start, then switched by
    successful Delete/PutModelInvocationLoggingConfiguration calls of the trace (a Put counts when it delivers
    text)."""

    changes: Mapping[str, tuple[tuple[datetime, bool], ...]]

    @classmethod
    def of(cls, records: Iterable[Record]) -> LoggingTimeline:
        changes: defaultdict[str, list[tuple[datetime, bool]]] = defaultdict(list)
        for record in records:
            name = record["eventName"]
            if record.get("errorCode") or not name.endswith("ModelInvocationLoggingConfiguration"):
                continue
            config = (record.get("requestParameters") or {}).get("loggingConfig", {})
            if name.startswith("Delete"):
                changes[record["awsRegion"]].append((parse_time(record["eventTime"]), False))
            elif name.startswith("Put"):
                on = config.get("textDataDeliveryEnabled") is True
                changes[record["awsRegion"]].append((parse_time(record["eventTime"]), on))
        return cls({region: tuple(found) for region, found in changes.items()})

    def on(self, region: str, when: datetime) -> bool:
        """Whether a call in ``region`` at ``when`` was logged."""
        state = region in LOGGING_REGIONS
        for moment, switched_on in self.changes.get(region, ()):
            if moment <= when:
                state = switched_on
        return state

    def switched_off(self) -> dict[str, str]:
        """When logging went off in each region where it did (and stayed off)."""
        return {
            region: format_time(found[-1][0])
            for region, found in sorted(self.changes.items())
            if found and not found[-1][1]
        }


@dataclass(frozen=True, slots=True)
class Call:
    """One runtime invocation of the trace that reached the model, with the tokens it used."""

    record: Record
    workload: Workload
    usage: TokenUsage | None  # None: rejected by the model (the probe)
    logged: bool

    @property
    def time(self) -> datetime:
        return parse_time(self.record["eventTime"])

    @property
    def region(self) -> str:
        return str(self.record["awsRegion"])

    @property
    def model(self) -> str:
        return str(self.record["requestParameters"]["modelId"])

    @property
    def principal(self) -> str:
        return principal_from_record(self.record).id

    @property
    def thief(self) -> bool:
        """Whether the call is the attacker's (anything but the app, the indexer and their hosts)."""
        return self.workload in (Workload.ROLEPLAY, Workload.CACHED_ROLEPLAY, Workload.PROBE)


def build_calls(records: Sequence[Record], seed: int = SEED) -> list[Call]:
    """The runtime invocations of the trace that reached a model, in trace order, with their tokens."""
    timeline = LoggingTimeline.of(records)
    rng = Random(seed)
    calls = []
    for record in records:
        if record["eventSource"] != "bedrock.amazonaws.com" or record["eventName"] not in INVOKE_OPERATIONS:
            continue
        workload = workload_of(record)
        if workload is None:
            continue
        usage = None if workload is Workload.PROBE else draw_usage(rng, workload)
        logged = timeline.on(record["awsRegion"], parse_time(record["eventTime"]))
        calls.append(Call(record, workload, usage, logged))
    return calls


def secret_call(calls: Sequence[Call]) -> Call:
    """The logged call whose prompt holds the key pair."""
    return next(
        call
        for call in calls
        if call.logged
        and call.workload is Workload.CACHED_ROLEPLAY
        and call.record["eventName"] == "InvokeModel"
        and call.time >= SECRET_AFTER
    )


# ---------------------------------------------------------------------------------------------------
# Invocation log records


def log_record(call: Call, rng: Random, secret: str | None = None) -> dict[str, Any]:
    """The invocation log record of ``call``; ``secret`` is the made-up secret key its prompt carries, if any."""
    source = call.record
    record: dict[str, Any] = {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": source["eventTime"],
        "accountId": source["recipientAccountId"],
        "identity": {"arn": source["userIdentity"]["arn"]},
        "region": call.region,
        "requestId": source["requestID"],
        "operation": source["eventName"],
        "modelId": call.model,
    }
    usage = call.usage
    if usage is None:
        record["input"] = {"inputContentType": "application/json", "inputBodyJson": bodies.PROBE_BODY}
        record["errorCode"] = "ValidationException"
        return record
    if call.workload is Workload.EMBEDDING:
        request = bodies.embedding_request(rng)
        record["input"] = {
            "inputContentType": "application/json",
            "inputBodyJson": request,
            "inputTokenCount": usage.input,
        }
        record["output"] = {"outputContentType": "application/json"}  # embedding delivery is off
        return record
    request, response = _exchange(call, usage, rng, secret)
    counts: dict[str, Any] = {"inputTokenCount": usage.input}
    if usage.cache_read or usage.cache_write:
        counts |= {"cacheReadInputTokenCount": usage.cache_read, "cacheWriteInputTokenCount": usage.cache_write}
    record["input"] = {"inputContentType": "application/json", "inputBodyJson": request, **counts}
    record["output"] = {
        "outputContentType": "application/json",
        "outputBodyJson": response,
        "outputTokenCount": usage.output,
    }
    return record


def _exchange(call: Call, usage: TokenUsage, rng: Random, secret: str | None) -> tuple[Any, Any]:
    """The request and response bodies of an answered chat or role-play call."""
    if secret is not None:
        system, turn, reply = bodies.script_turn(call.record["userIdentity"]["accessKeyId"], secret)
    elif call.workload is Workload.CHAT:
        system, turn, reply = bodies.support_turn(rng)
    else:
        system, turn, reply = bodies.roleplay_turn(rng)
    max_tokens = 1024 if call.workload is Workload.CHAT else 2048
    per_token = MS_PER_TOKEN.get(call.model, 20)
    cached = call.workload is Workload.CACHED_ROLEPLAY
    match call.record["eventName"]:
        case "Converse":
            return (
                bodies.converse_request(system, turn, max_tokens),
                bodies.converse_response(rng, reply, usage, per_token),
            )
        case "InvokeModelWithResponseStream":
            return (
                bodies.messages_request(system, turn, max_tokens, cached_system=cached),
                bodies.streamed_response(rng, call.model, reply, usage, per_token),
            )
        case _:
            return (
                bodies.messages_request(system, turn, max_tokens, cached_system=cached),
                bodies.messages_response(rng, call.model, reply, usage),
            )


def log_object_key(region: str, delivered: datetime, suffix: str) -> str:
    """The S3 key Bedrock gives a log object: ``AWSLogs/<account>/BedrockModelInvocationLogs/<region>/YYYY/MM/DD/HH/
    <YYYYMMDDTHHMMSSmmmZ>_<suffix>.json.gz``."""
    stamp = f"{delivered:%Y%m%dT%H%M%S}{delivered.microsecond // 1000:03d}Z"
    return f"AWSLogs/{ACCOUNT}/BedrockModelInvocationLogs/{region}/{delivered:%Y/%m/%d/%H}/{stamp}_{suffix}.json.gz"


def write_logs(calls: Sequence[Call], root: Path, seed: int = SEED) -> list[Path]:
    """Write the logged calls under ``root`` as Bedrock delivers them: gzipped JSON Lines, one object per region
    and five minutes, delivered shortly after the slot ends; return the files written."""
    body_rng, file_rng = Random(seed + 1), Random(seed + 2)
    secret = secret_call(calls)
    secret_key = bodies.synthetic_secret_key(body_rng)
    lines = {
        id(call): orjson.dumps(log_record(call, body_rng, secret_key if call is secret else None)) + b"\n"
        for call in calls
        if call.logged
    }

    def slot(call: Call) -> tuple[str, datetime]:
        return call.region, delivery_time(call.time)

    logged = sorted((call for call in calls if call.logged), key=lambda call: (*slot(call), call.time))
    written = []
    for (region, slot_end), group in groupby(logged, key=slot):
        delivered = slot_end + timedelta(seconds=file_rng.randint(20, 170), milliseconds=file_rng.randint(0, 999))
        path = root / log_object_key(region, delivered, f"{file_rng.getrandbits(64):016x}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(b"".join(lines[id(call)] for call in group), mtime=0))
        written.append(path)
    return written


# ---------------------------------------------------------------------------------------------------
# What jackwatch must find, and what the incident costs


COST_RULE = (
    "An incident costs, for each of its principals, the cost of the principal's costliest finding, summed over "
    "the principals. A finding costs what its principal spent from its first_seen to its last_seen, to the "
    "minute: the billing rows (the provider's charge) of the hours that start inside the window, then for the "
    "other calls the invocation-log tokens × the price table when the call was logged (same request id: priced "
    "once), else 1,000 input + 500 output tokens per CloudTrail invocation × the price table (estimated)."
)
SPEND_FLOOR = 50
"""The hourly floor in USD of ``cost.llm_spend_spike`` (its default)."""
SCENARIOS = {
    "cloudtrail": (False, False),
    "cloudtrail_and_logs": (True, False),
    "all": (True, True),
}
"""The incident cost ranges given, by the inputs read: (invocation logs, billing)."""


def minute(moment: datetime) -> datetime:
    """The minute ``moment`` falls in (jackwatch keeps spend per minute)."""
    return moment.replace(second=0, microsecond=0)


def window_cost(
    calls: Sequence[Call],
    items: Sequence[bill.LineItem],
    principal: str,
    window: tuple[datetime, datetime],
    table: PriceTable,
    *,
    logs: bool,
    billing: bool,
) -> Decimal:
    """What jackwatch prices ``principal``'s activity in ``window`` at (see :data:`COST_RULE`)."""
    start, end = window
    billed = {
        item.hour for item in items if billing and item.principal == principal and minute(start) <= item.hour <= end
    }
    total = sum((item.cost for item in items if item.principal == principal and item.hour in billed), Decimal(0))
    for call in calls:
        when = call.time
        if call.principal != principal or call.usage is None or when.replace(minute=0, second=0) in billed:
            continue
        if start <= minute(when) <= end:
            price = bill.price_of(table, call.model, call.region)
            cost = (
                cost_of(price, call.usage) if logs and call.logged else estimate_cost(price, 1, DEFAULT_TOKENS_PER_CALL)
            )
            assert cost.amount is not None, cost
            total += cost.amount
    return total


def cost_range(low: Decimal, high: Decimal) -> dict[str, float]:
    """The bounds as the report's rounded dollars (a millionth), rounded outwards."""
    places = Decimal("0.000001")
    return {"min": float(low.quantize(places, ROUND_FLOOR)), "max": float(high.quantize(places, ROUND_CEILING))}


def incident(calls: Sequence[Call], items: Sequence[bill.LineItem], table: PriceTable) -> dict[str, Any]:
    """The expected incident: who, which providers and rules, and its cost for each set of inputs.

    Bounds: the stolen key's costliest finding (``aws.bedrock.long_term_key_suspicious_client`` fires on every call
    of the key's HTTP-library clients) spans at least its first to its last answered call, and no finding starts
    before the attack or ends after the trace; the Bedrock API key's findings add at most its whole spend.
    """
    app, api_key = story.PRINCIPALS["app"], story.PRINCIPALS["api_key"]
    stolen = [call.time for call in calls if call.principal == app and call.thief and call.usage is not None]
    tight = (min(stolen), max(stolen))
    whole = (story.ATTACK_START, story.TRACE_END)
    costs = {}
    for name, (logs, billing) in SCENARIOS.items():
        low = window_cost(calls, items, app, tight, table, logs=logs, billing=billing)
        high = sum(
            (window_cost(calls, items, who, whole, table, logs=logs, billing=billing) for who in (app, api_key)),
            Decimal(0),
        )
        costs[name] = cost_range(low, high)
    return {
        "principals": [app, api_key],
        "providers": ["aws"],
        "rule_ids": [
            "aws.bedrock.invocation_volume",
            "aws.bedrock.logging_tampered",
            "aws.bedrock.secrets_in_prompt",
            "aws.bedrock.token_spike",
            "cost.llm_spend_spike",
        ],
        "cost_rule": COST_RULE,
        "cost_usd": costs,
        "cost_basis": {"cloudtrail": "invocations", "cloudtrail_and_logs": "tokens", "all": "tokens"},
    }


def first_expensive_hour(items: Sequence[bill.LineItem], principal: str) -> datetime:
    """The first hour in which ``principal``'s charge for one model reaches :data:`SPEND_FLOOR`."""
    hourly: defaultdict[tuple[datetime, str], Decimal] = defaultdict(Decimal)
    for item in items:
        if item.principal == principal:
            hourly[(item.hour, item.model)] += item.cost
    return min(hour for (hour, _), cost in hourly.items() if cost >= SPEND_FLOOR)


def spend(calls: Sequence[Call], items: Sequence[bill.LineItem], table: PriceTable) -> dict[str, Any]:
    """What the theft really cost (every answered call of the attacker at its tokens) and what the bill says."""
    thief = [(call, call.usage) for call in calls if call.thief and call.usage is not None]
    true_cost = sum(
        (cost_of(bill.price_of(table, call.model, call.region), usage).amount or Decimal(0) for call, usage in thief),
        Decimal(0),
    )
    billed: defaultdict[str, Decimal] = defaultdict(Decimal)
    for item in items:
        billed[item.principal] += item.cost
    return {
        "attacker_calls": len(thief),
        "attacker_calls_logged": sum(call.logged for call, _ in thief),
        "attacker_cost_usd": float(round(true_cost, 2)),
        "billed_usd": {principal: float(round(amount, 2)) for principal, amount in sorted(billed.items())},
    }


def manifest(
    calls: Sequence[Call],
    timeline: LoggingTimeline,
    logs: Sequence[Path],
    items: Sequence[bill.LineItem],
    rows: int,
    table: PriceTable,
) -> dict[str, Any]:
    """The manifest the tests compare jackwatch's report with (format in README.md)."""
    app = story.PRINCIPALS["app"]
    buyer = [call for call in calls if call.logged and call.workload is Workload.CACHED_ROLEPLAY]
    secret = secret_call(calls)
    logged = [call for call in calls if call.logged]
    return {
        "format": 1,
        "account": ACCOUNT,
        "attack_start": format_time(story.ATTACK_START),
        "inputs": {
            "bedrock": {
                "path": LOGS,
                "records": len(logged),
                "files": len(logs),
                "logging_regions": list(LOGGING_REGIONS),
                "logging_switched_off": timeline.switched_off(),
                "answered_invocations": sum(call.usage is not None for call in calls),
                "answered_invocations_logged": sum(call.usage is not None for call in logged),
                "rejected_invocations_logged": sum(call.usage is None for call in logged),
            },
            "usage": {"path": BILLING, "files": 1, "rows": rows, "llm_rows": len(items)},
        },
        "rules": [
            "aws.bedrock.guardrail_blocks_burst",
            "aws.bedrock.secrets_in_prompt",
            "aws.bedrock.token_spike",
            "aws.bedrock.validation_errors_burst",
            "cost.llm_spend_spike",
            "cost.llm_spend_spike_daily",
        ],
        "expected": [
            {
                "rule_id": "cost.llm_spend_spike",
                "principal": app,
                "required": True,
                "when": format_time(first_expensive_hour(items, app)),
                "why": f"the bill of the stolen key's user for one model passes ${SPEND_FLOOR} in an hour: Claude 3 "
                "Opus, which the key never used before, at its first full hour",
            },
            {
                "rule_id": "aws.bedrock.token_spike",
                "principal": app,
                "required": True,
                "when": format_time(buyer[0].time),
                "why": "the second buyer's role-play in us-west-2: millions of tokens an hour against a baseline "
                "of tens of thousands",
            },
            {
                "rule_id": "aws.bedrock.secrets_in_prompt",
                "principal": app,
                "required": True,
                "when": format_time(secret.time),
                "why": "the buyer pastes his client script, with the stolen key pair, into a prompt",
                "secret": {"kind": "aws_access_key", "access_key_id": secret.record["userIdentity"]["accessKeyId"]},
                "request_id": secret.record["requestID"],
            },
        ],
        "quiet_principals": [story.PRINCIPALS["rag_indexer"]],
        "quiet_before_attack": [app],
        "incident": incident(calls, items, table),
        "spend": spend(calls, items, table),
    }


# ---------------------------------------------------------------------------------------------------


def generate(out: Path, seed: int = SEED) -> dict[str, Any]:
    """Write the invocation logs, the billing export and their manifest under ``out``; return the manifest."""
    records = story.build_trace(story.SEED)
    table = builtin_prices()
    calls = build_calls(records, seed)
    shutil.rmtree(out / LOGS, ignore_errors=True)
    shutil.rmtree(out / BILLING, ignore_errors=True)
    logs = write_logs(calls, out / LOGS, seed)
    uses = [bill.Use(c.time, c.principal, c.region, c.model, c.usage) for c in calls if c.usage is not None]
    items = bill.line_items(uses, table)
    _, rows = bill.write_billing(items, out / BILLING)
    found = manifest(calls, LoggingTimeline.of(records), logs, items, rows, table)
    (out / "expected").mkdir(exist_ok=True)
    (out / "expected" / MANIFEST).write_text(json.dumps(found, indent=2, ensure_ascii=False) + "\n")
    return found


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent, help="output directory")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    found = generate(args.out, args.seed)
    logs, usage = found["inputs"]["bedrock"], found["inputs"]["usage"]
    print(f"wrote {logs['records']} invocation log records in {logs['files']} files under {args.out / LOGS}")
    print(f"wrote {usage['rows']} CUR rows ({usage['llm_rows']} Bedrock) under {args.out / BILLING}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
