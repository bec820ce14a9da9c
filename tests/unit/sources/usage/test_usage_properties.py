"""Invariants of the export readers over generated exports: money and tokens are neither lost nor
invented, and the same export in another container or column variant reads the same."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.unit.sources.usage.exports import (
    azure_item,
    azure_other,
    cur_item,
    cur_other,
    facts,
    gcp_item,
    read,
    write_azure_csv,
    write_cur2_csv,
    write_cur2_parquet,
    write_gcp_csv,
    write_gcp_jsonl,
    write_legacy_cur_csv,
)

from jackwatch.model import Event

PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_costs = st.decimals(min_value=-500, max_value=50_000, places=6, allow_nan=False, allow_infinity=False)
_amounts = st.integers(min_value=0, max_value=10**9)
_bedrock_types = st.sampled_from(
    [
        ("USE1-Claude3.5Sonnet-input-tokens", "input_tokens"),
        ("USW2-Claude3.7Sonnet-output-tokens", "output_tokens"),
        ("USE1-Claude3.7Sonnet-cache-read-input-token-count", "cache_read_tokens"),
        ("USE1-Claude3.7Sonnet-cache-write-input-token-count", "cache_write_tokens"),
        ("USE1-NovaPro-input-tokens-flex", "input_tokens"),
        ("USE1-Claude3Sonnet-ModelUnits-1MonthCommit", None),
    ]
)


@st.composite
def cur_export(draw: st.DrawFn) -> tuple[list[dict[str, Any]], Decimal, dict[str, int]]:
    """CUR 2.0 line items, with the total cost of the Bedrock ones and their tokens by kind."""
    items: list[dict[str, Any]] = []
    total = Decimal(0)
    tokens: dict[str, int] = {}
    for _ in range(draw(st.integers(min_value=0, max_value=12))):
        cost = draw(_costs)
        amount = draw(_amounts)
        if draw(st.booleans()):
            usage_type, kind = draw(_bedrock_types)
            items.append(cur_item(usage_type, str(amount), str(cost)))
            total += cost
            if kind is not None:
                tokens[kind] = tokens.get(kind, 0) + amount
        else:
            code = draw(st.sampled_from(["AmazonEC2", "AmazonS3", "AWSLambda"]))
            items.append(cur_other(code, "USE1-Requests-Tier1", str(amount), str(cost)))
    return items, total, tokens


def _read_written(write: Callable[[Path], Path]) -> list[Event]:
    with tempfile.TemporaryDirectory() as folder:
        events, stats, _ = read(write(Path(folder)))
    assert not stats.problems, stats.problems
    return events


@PROPERTY
@given(cur_export())
def test_cur_money_and_tokens_are_kept(export: tuple[list[dict[str, Any]], Decimal, dict[str, int]]) -> None:
    items, total, tokens = export
    events = _read_written(lambda folder: write_cur2_csv(folder / "cur.csv", items))
    assert sum((Decimal(event.raw["cost_usd"]) for event in events), Decimal(0)) == total
    for kind in ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens"):
        assert sum(event.raw.get(kind, 0) for event in events) == tokens.get(kind, 0)


@PROPERTY
@given(cur_export())
def test_cur_csv_parquet_and_legacy_read_the_same(export: tuple[list[dict[str, Any]], Decimal, dict[str, int]]) -> None:
    items = export[0]
    from_csv = _read_written(lambda folder: write_cur2_csv(folder / "cur.csv.gz", items, gzipped=True))
    from_parquet = _read_written(lambda folder: write_cur2_parquet(folder / "cur.parquet", items))
    from_legacy = _read_written(lambda folder: write_legacy_cur_csv(folder / "legacy.csv.gz", items))
    assert [facts(event) for event in from_parquet] == [facts(event) for event in from_csv]
    assert [event.id for event in from_parquet] == [event.id for event in from_csv]
    without_key = [{k: v for k, v in facts(event).items() if k != "key"} for event in from_csv]
    assert [facts(event) for event in from_legacy] == without_key


@PROPERTY
@given(
    st.lists(st.tuples(st.booleans(), _amounts, _costs), max_size=10),
    st.decimals(min_value="0.5", max_value=2, places=4),
)
def test_gcp_json_and_csv_agree_and_rates_multiply(rows: list[tuple[bool, int, Decimal]], rate: Decimal) -> None:
    items = [
        gcp_item("Gemini 1.5 Pro Input Tokens", amount, float(cost), currency="EUR", currency_conversion_rate=None)
        if is_llm
        else gcp_item(
            "Storage Standard", amount, float(cost), service={"id": "95FF-2EF5-5EA1", "description": "Cloud Storage"}
        )
        for is_llm, amount, cost in rows
    ]
    with tempfile.TemporaryDirectory() as folder:
        from_json, _, _ = read(write_gcp_jsonl(Path(folder) / "billing.jsonl", items), rates={"EUR": rate})
        from_csv, _, _ = read(write_gcp_csv(Path(folder) / "billing.csv", items), rates={"EUR": rate})
    assert [facts(event) for event in from_csv] == [facts(event) for event in from_json]
    expected = sum((cost * rate for is_llm, _, cost in rows if is_llm), Decimal(0))
    assert sum((Decimal(event.raw["cost_usd"]) for event in from_json), Decimal(0)) == expected


@PROPERTY
@given(st.lists(st.tuples(st.booleans(), _amounts, _costs), max_size=10))
def test_azure_ea_and_mca_agree(rows: list[tuple[bool, int, Decimal]]) -> None:
    items = [
        azure_item("gpt-4o-0806-Inp-glbl Tokens", str(amount), str(cost))
        if is_llm
        else azure_other("Storage", "General Block Blob v2", "Hot LRS Data Stored", str(amount), str(cost))
        for is_llm, amount, cost in rows
    ]
    ea = _read_written(lambda folder: write_azure_csv(folder / "ea.csv", items))
    mca = _read_written(lambda folder: write_azure_csv(folder / "mca.csv", items, mca=True))
    assert [facts(event) for event in mca] == [facts(event) for event in ea]
    assert len(ea) == sum(is_llm for is_llm, _, _ in rows)
    assert sum(event.raw["input_tokens"] for event in ea) == sum(amount * 1000 for is_llm, amount, _ in rows if is_llm)
