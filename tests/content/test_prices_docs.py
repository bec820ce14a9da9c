"""docs/prices.md matches the code: its override example works as described, every source of the built-in
table is linked, and its worked examples are what jackwatch computes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from jackwatch.cost import (
    Price,
    TokenUsage,
    UsageRecord,
    cost_of,
    estimate_cost,
    load_price_table,
    summarize_spend,
)

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "prices.md"
_EXAMPLE = re.compile(r"```yaml\n# example: override\n(.*?)```", re.DOTALL)


def test_the_override_example_loads_and_does_what_it_says(tmp_path: Path) -> None:
    [example] = _EXAMPLE.findall(GUIDE.read_text(encoding="utf-8"))
    path = tmp_path / "override.yaml"
    path.write_text(example, encoding="utf-8")
    table = load_price_table([path])
    discounted = table.lookup("aws_bedrock", "us.anthropic.claude-3-5-sonnet-20241022-v2:0")
    gov = table.lookup("aws_bedrock", "anthropic.claude-3-5-sonnet-20241022-v2:0", "us-gov-west-1")
    new = table.lookup("openai", "gpt-9-preview-2026-01-01")
    assert isinstance(discounted, Price) and discounted.input == Decimal("2.70")
    assert isinstance(gov, Price) and (gov.region_class, gov.input) == ("us-gov", Decimal("3.60"))
    assert isinstance(new, Price) and new.source == "https://platform.openai.com/docs/pricing"


def test_every_source_of_the_built_in_table_is_linked() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    for source in {price.source for price in load_price_table()}:
        assert f"<{source}>" in text, source


def test_the_worked_examples_are_what_jackwatch_computes() -> None:
    text = " ".join(GUIDE.read_text(encoding="utf-8").split())
    table = load_price_table()
    sonnet = cost_of(
        table.lookup("aws_bedrock", "anthropic.claude-3-5-sonnet-20240620-v1:0"), TokenUsage(1_234_567, 89_012)
    )
    assert f"**${sonnet.usd}**" in text
    opus = "anthropic.claude-3-opus-20240229-v1:0"
    estimate = estimate_cost(table.lookup("aws_bedrock", opus), 10_000)
    assert f"are estimated at 10M × $15/M + 5M × $75/M = ${estimate.usd:.0f}" in text
    start = datetime(2026, 11, 24, tzinfo=UTC)
    records = [UsageRecord(start + timedelta(hours=hour), "aws_bedrock", opus, None, 2_000) for hour in range(3)]
    spend = summarize_spend(records, table, start, start + timedelta(hours=3))
    assert spend.cost_usd is not None and spend.burn_rate_usd_per_hour is not None and spend.projected_24h_usd
    assert (
        f"${spend.cost_usd:,.0f} over 3 h, a burn rate of ${spend.burn_rate_usd_per_hour:,.0f}/h, "
        f"projected to ${spend.projected_24h_usd:,.0f} a day" in text
    )
