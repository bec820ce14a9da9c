"""The spend ledger: who spent what on which model, priced over a finding's window."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jackwatch.cost import DEFAULT_TOKENS_PER_CALL, TokensPerCall, TokenUsage, load_price_table
from jackwatch.detect.ledger import SpendLedger, _summed
from jackwatch.model import CostBasis, Event
from jackwatch.normalize.asn import AsnDb
from jackwatch.rules.fields import SourceFields
from jackwatch.rules.sources import default_registry
from jackwatch.sources.bedrock_invocation.records import to_event as invocation_event
from jackwatch.sources.cloudtrail import to_event
from jackwatch.sources.usage.row import Provider, UsageRow
from jackwatch.sources.usage.row import to_event as usage_event

T0 = datetime(2026, 6, 10, 14, 0, tzinfo=UTC)
THIEF = "arn:aws:iam::111122223333:user/openai-app-bedrock"
SONNET = "anthropic.claude-3-5-sonnet-20240620-v1:0"


@lru_cache(maxsize=1)
def fields() -> dict[str, SourceFields]:
    return {name: source.fields for name, source in default_registry(AsnDb.load()).sources.items()}


def ledger(per_call: TokensPerCall = DEFAULT_TOKENS_PER_CALL) -> SpendLedger:
    return SpendLedger(load_price_table(), fields(), per_call)


def invoke(seconds: float, *, user: str = "openai-app-bedrock", model: str = SONNET, **changes: Any) -> Event:
    record: dict[str, Any] = {
        "eventVersion": "1.09",
        "eventTime": (T0 + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z"),
        "eventSource": "bedrock.amazonaws.com",
        "eventName": "InvokeModel",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "5.161.100.20",
        "userAgent": "axios/1.6.1",
        "userIdentity": {
            "type": "IAMUser",
            "arn": f"arn:aws:iam::111122223333:user/{user}",
            "accountId": "111122223333",
            "accessKeyId": "AKIAEXAMPLEKEY000001",
        },
        "requestParameters": {"modelId": model},
        "requestID": f"req-{user}-{seconds}",
        "eventID": f"ev-{user}-{seconds}",
        **changes,
    }
    return to_event(record, "test")


def feed(book: SpendLedger, events: list[Event]) -> None:
    assert list(book.tap(events)) == events  # the tap hands every event on, unchanged


def test_cloudtrail_invocations_are_estimated_from_calls() -> None:
    book = ledger()
    feed(book, [invoke(18 * i) for i in range(100)])  # 100 calls in 30 minutes
    cost = book.cost(THIEF, T0, T0 + timedelta(minutes=30))
    assert cost is not None
    # 100 calls × (1,000 input × $3 + 500 output × $15) per million tokens = $1.05; the window counts as one hour
    assert (cost.usd, cost.burn_rate_usd_per_hour, cost.projected_24h_usd) == (1.05, 1.05, 25.2)
    assert cost.basis is CostBasis.INVOCATIONS and cost.estimated and cost.unknown_models == ()


def test_window_and_principal_select_the_spend() -> None:
    book = ledger()
    feed(book, [invoke(60 * minute) for minute in range(180)] + [invoke(30, user="billing-batch")])
    two_hours = book.cost(THIEF, T0, T0 + timedelta(minutes=119))
    assert two_hours is not None and two_hours.usd == pytest.approx(120 * 0.0105)
    assert two_hours.burn_rate_usd_per_hour == pytest.approx(120 * 0.0105 / (119 / 60), abs=0.01)
    assert book.cost(THIEF, T0 + timedelta(hours=5), T0 + timedelta(hours=6)) is None
    assert book.cost("arn:aws:iam::111122223333:user/nobody", T0, T0 + timedelta(hours=3)) is None


def test_failed_and_non_invocation_calls_cost_nothing() -> None:
    book = ledger()
    denied = invoke(0, errorCode="AccessDeniedException", errorMessage="not authorized")
    listing = invoke(5, eventName="ListFoundationModels", requestParameters={})
    feed(book, [denied, listing])
    assert book.cost(THIEF, T0, T0 + timedelta(hours=1)) is None


def test_unknown_models_are_listed_never_priced_as_zero() -> None:
    book = ledger()
    feed(book, [invoke(0, model="acme.mystery-model-v1:0"), invoke(1)])
    cost = book.cost(THIEF, T0, T0 + timedelta(minutes=1))
    assert cost is not None and cost.usd == 0.0105
    assert cost.unknown_models == ("aws_bedrock acme.mystery-model-v1:0",)


def test_tokens_per_call_assumption_scales_the_estimate() -> None:
    book = ledger(TokensPerCall(input=10_000, output=2_000))
    feed(book, [invoke(i) for i in range(10)])
    cost = book.cost(THIEF, T0, T0 + timedelta(minutes=1))
    assert cost is not None and cost.usd == pytest.approx(10 * (10_000 * 3 + 2_000 * 15) / 1e6)


def test_inference_profiles_are_priced_like_their_model() -> None:
    book = ledger()
    feed(book, [invoke(0, requestParameters={"modelId": f"us.{SONNET}"})])
    cost = book.cost(THIEF, T0, T0 + timedelta(minutes=1))
    assert cost is not None and cost.usd == 0.0105


TOKEN_KEYS = (
    ("input", "inputTokenCount"),
    ("output", "outputTokenCount"),
    ("input", "cacheReadInputTokenCount"),
    ("input", "cacheWriteInputTokenCount"),
)
"""Where an invocation log writes the input, output, cache-read and cache-write counts."""


def invocation_log(seconds: float, request_id: str, tokens: tuple[int, int, int, int]) -> Event:
    """A Bedrock model invocation log record of the thief's key (the same principal CloudTrail names)."""
    record = {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "accountId": "111122223333",
        "identity": {"arn": THIEF},
        "region": "us-east-1",
        "requestId": request_id,
        "operation": "InvokeModel",
        "modelId": SONNET,
        "input": {
            "inputContentType": "application/json",
            "inputTokenCount": tokens[0],
            "cacheReadInputTokenCount": tokens[2],
            "cacheWriteInputTokenCount": tokens[3],
        },
        "output": {"outputContentType": "application/json", "outputTokenCount": tokens[1]},
    }
    return invocation_event(record, "test")


def test_invocation_logs_price_exact_tokens_and_a_call_is_never_priced_twice() -> None:
    book = ledger()
    logged = invoke(0)  # CloudTrail and the invocation log both record this call
    unlogged = invoke(30)  # only CloudTrail: estimated
    feed(book, [logged, unlogged, invocation_log(0, "req-openai-app-bedrock-0", (20_000, 2_000, 0, 0))])
    cost = book.cost(THIEF, T0, T0 + timedelta(minutes=1))
    assert cost is not None
    # exact: 20,000 × $3 + 2,000 × $15 per million = $0.09; estimated: one call of 1,000/500 tokens = $0.0105
    assert cost.usd == pytest.approx(0.09 + 0.0105)
    assert cost.basis is CostBasis.TOKENS and cost.estimated


def test_invocation_logs_alone_are_exact() -> None:
    book = ledger()
    feed(book, [invocation_log(i, f"req-{i}", (1_000_000, 100_000, 0, 0)) for i in range(3)])
    cost = book.cost(THIEF, T0, T0 + timedelta(minutes=5))
    assert cost is not None and not cost.estimated and cost.basis is CostBasis.TOKENS
    assert cost.usd == pytest.approx(3 * (3.0 + 1.5))


def usage_row(hour: int, usd: float, hours: float = 1.0) -> Event:
    """A CUR line of the thief's Bedrock spend for ``hours`` from ``T0 + hour``."""
    start = T0 + timedelta(hours=hour)
    row = UsageRow(
        provider=Provider.AWS_BEDROCK,
        account="111122223333",
        key=THIEF,
        model=SONNET,
        region="us-east-1",
        start=start,
        end=start + timedelta(hours=hours),
        cost=Decimal(str(usd)),
        currency="USD",
        cost_usd=Decimal(str(usd)),
        origin="cur.csv",
        line=2 + hour,
    )
    return usage_event(row)


def test_a_bill_replaces_the_per_call_prices_of_the_hours_it_covers() -> None:
    book = ledger()
    calls = [invoke(60 * minute) for minute in range(120)]  # two hours of calls, one a minute
    feed(book, [*calls, usage_row(0, 40.0)])  # the first hour is billed, the second is not
    cost = book.cost(THIEF, T0, T0 + timedelta(minutes=119))
    assert cost is not None
    assert cost.usd == pytest.approx(40.0 + 60 * 0.0105)
    assert cost.basis is CostBasis.BILLING and cost.estimated


def test_a_daily_bill_covers_its_whole_day() -> None:
    book = ledger()
    feed(book, [invoke(3600 * 5), invoke(3600 * 20), usage_row(0, 12.5, hours=24)])
    cost = book.cost(THIEF, T0, T0 + timedelta(hours=23))
    assert cost is not None and cost.usd == 12.5 and not cost.estimated


def test_a_call_in_the_first_minute_of_the_window_counts() -> None:
    book = ledger()
    feed(book, [invoke(30)])
    cost = book.cost(THIEF, T0 + timedelta(seconds=30), T0 + timedelta(seconds=30))
    assert cost is not None and cost.usd == 0.0105


def test_a_billing_row_without_a_usd_charge_or_tokens_is_not_priced_as_a_call() -> None:
    book = ledger()
    unconverted = replace(usage_row(0, 40.0), raw={**usage_row(0, 40.0).raw, "cost_usd": None})
    feed(book, [unconverted])
    assert book.cost(THIEF, T0, T0 + timedelta(hours=1)) is None


@pytest.mark.parametrize(
    ("calls", "total"),
    [
        ([(10, 5, 0, 0, False)], (10, 5, 0, 0, False)),
        ([(10, 5, 2, 0, False), (7, 1, 0, 3, False), (1, 1, 1, 1, False)], (18, 7, 3, 4, False)),
        ([(10, 0, 0, 0, True), (7, 1, 0, 3, False)], (17, 1, 0, 3, True)),  # one call without its output count
    ],
)
def test_a_minutes_counts_are_summed_count_by_count(calls: list[tuple[Any, ...]], total: tuple[Any, ...]) -> None:
    summed = None
    for call in calls:
        summed = _summed(summed, call)
    assert summed == total


def test_a_call_without_a_usable_count_leaves_the_rest_of_its_minute_priced() -> None:
    good = [invocation_log(number, f"req-{number}", (1000, 500, 0, 0)) for number in range(3)]
    negative = dict(good[0].raw, requestId="req-bad", input={**good[0].raw["input"], "inputTokenCount": -5})
    book, alone = ledger(), ledger()
    feed(book, [*good, invocation_event(negative, "test")])
    feed(alone, good)
    cost, exact = book.cost(THIEF, T0, T0 + timedelta(minutes=1)), alone.cost(THIEF, T0, T0 + timedelta(minutes=1))
    assert cost is not None and exact is not None and not exact.estimated
    assert cost.usd >= exact.usd > 0 and cost.estimated  # a lower bound, said so


def test_a_spend_only_on_unknown_models_has_no_cost_rather_than_zero() -> None:
    book = ledger()
    feed(book, [invoke(0, model="acme.mystery-model-v1:0")])
    assert book.cost(THIEF, T0, T0 + timedelta(minutes=1)) is None
    assert book.unpriced_models() == ["aws_bedrock acme.mystery-model-v1:0"]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(*[st.one_of(st.none(), st.integers(0, 10**6))] * 4), min_size=1, max_size=8))
def test_a_minutes_logged_counts_add_up_as_token_usages(calls: list[tuple[int | None, ...]]) -> None:
    book = ledger()
    events = []
    for number, counts in enumerate(calls):
        record = dict(invocation_log(number, f"req-{number}", (0, 0, 0, 0)).raw)
        parts = {"input": dict(record["input"]), "output": dict(record["output"])}
        for (part, key), count in zip(TOKEN_KEYS, counts, strict=True):
            if count is None:
                del parts[part][key]
            else:
                parts[part][key] = count
        events.append(invocation_event(record | parts, "test"))
    feed(book, events)
    logged = [(a, b, c, d) for a, b, c, d in calls if (a, b, c, d) != (None,) * 4]
    known = [TokenUsage(a or 0, b or 0, c or 0, d or 0) for a, b, c, d in logged]
    uses = {key[1][3]: use for key, use in book.uses[THIEF].items()}
    tokens, calls_only = ({CostBasis.TOKENS} if known else set()), len(known) < len(calls)
    assert uses.keys() == tokens | ({CostBasis.INVOCATIONS} if calls_only else set())  # no count: one invocation
    if known:
        use = uses[CostBasis.TOKENS]
        assert use.invocations == len(known) and use.tokens is not None
        assert TokenUsage(*use.tokens[:4]) == sum(known[1:], known[0])
        assert use.tokens[4] == any(a is None or b is None for a, b, _, _ in logged)
