"""The demo's AWS bill: a CUR 2.0 Data Export (hourly, caller identity included) of the story's hours.

Bedrock line items charge the tokens of every answered call at the list prices of jackwatch's price table, one
line item per hour, IAM principal, region, model and token kind, as Bedrock bills them; EC2, EKS and S3 line items
(the cluster behind the app) are there too, as in any export.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import make_cloudtrail as story

from jackwatch.cost import Price, PriceTable, TokenUsage

ACCOUNT = story.ACCOUNT
PROVIDER = "aws_bedrock"
EXPORT = "acme-cur2"
PERIOD = "2025-06"

REGION_CODES = {"us-east-1": "USE1", "us-west-2": "USW2", "eu-central-1": "EUC1"}
REGION_NAMES = {"us-east-1": "US East (N. Virginia)", "us-west-2": "US West (Oregon)"}
BILLED_MODELS = {
    story.APP_MODEL: ("Claude3.5Sonnet", "Claude 3.5 Sonnet"),
    story.EMBED_MODEL: ("TitanEmbedTextV2", "Titan Text Embeddings V2"),
    story.OPUS: ("Claude3Opus", "Claude 3 Opus"),
    story.SONNET: ("Claude3Sonnet", "Claude 3 Sonnet"),
    story.BUYER_MODEL: ("Claude3.7Sonnet", "Claude 3.7 Sonnet"),
}
"""Model id → (name in the usage type, name in the line item description)."""
TOKEN_KINDS = (
    ("input", "input-tokens", "input"),
    ("output", "output-tokens", "output"),
    ("cache_read", "cache-read-input-token-count", "cache read input"),
    ("cache_write", "cache-write-input-token-count", "cache write input"),
)
"""(TokenUsage field, usage type suffix, words of the description) of each token kind Bedrock bills."""
CUR_COLUMNS = (
    "bill_bill_type",
    "bill_billing_entity",
    "bill_billing_period_end_date",
    "bill_billing_period_start_date",
    "bill_invoice_id",
    "bill_invoicing_entity",
    "bill_payer_account_id",
    "bill_payer_account_name",
    "identity_line_item_id",
    "identity_time_interval",
    "line_item_availability_zone",
    "line_item_blended_cost",
    "line_item_blended_rate",
    "line_item_currency_code",
    "line_item_iam_principal",
    "line_item_legal_entity",
    "line_item_line_item_description",
    "line_item_line_item_type",
    "line_item_operation",
    "line_item_product_code",
    "line_item_resource_id",
    "line_item_unblended_cost",
    "line_item_unblended_rate",
    "line_item_usage_account_id",
    "line_item_usage_account_name",
    "line_item_usage_amount",
    "line_item_usage_end_date",
    "line_item_usage_start_date",
    "line_item_usage_type",
    "pricing_currency",
    "pricing_public_on_demand_cost",
    "pricing_public_on_demand_rate",
    "pricing_term",
    "pricing_unit",
    "product",
    "product_region_code",
    "product_servicecode",
    "resource_tags",
)
"""The columns of the export (a CUR 2.0 Data Export with caller identity, IAM principal, included)."""

INFRASTRUCTURE = (
    *(
        (
            "AmazonEC2",
            "BoxUsage:m5.xlarge",
            "RunInstances",
            f"i-0{index}5f3c9a8e7d6b4a2",
            f"us-east-1{zone}",
            "0.192",
            "Hrs",
        )
        for index, zone in enumerate("abc")
    ),
    *(
        ("AmazonEC2", "NatGateway-Hours", "NatGateway", f"nat-0{index}d4c1e7b9a3f5e21", "", "0.045", "Hrs")
        for index in range(2)
    ),
    ("AmazonEKS", "USE1-AmazonEKS-Hours:perCluster", "CreateOperation", "openai-app", "", "0.10", "Hours"),
    ("AmazonS3", "TimedStorage-ByteHrs", "StandardStorage", "acme-bedrock-logs", "", "0.0000319444", "GB-Mo"),
)
"""Hourly line items that are not LLM usage: (product, usage type, operation, resource, zone, rate, unit)."""


@dataclass(frozen=True, slots=True)
class LineItem:
    """One hour of one token kind of one model, for one principal in one region."""

    hour: datetime
    principal: str
    region: str
    model: str
    kind: str
    amount: int
    rate: Decimal  # USD per token

    @property
    def cost(self) -> Decimal:
        return self.amount * self.rate


def token_rates(price: Price) -> dict[str, Decimal]:
    """USD per token of each kind (cache tokens without a price of their own cost what input tokens cost)."""
    per_million = {
        "input": price.input,
        "output": price.output,
        "cache_read": price.input if price.cache_read is None else price.cache_read,
        "cache_write": price.input if price.cache_write is None else price.cache_write,
    }
    return {kind: rate / 1_000_000 for kind, rate in per_million.items()}


def price_of(table: PriceTable, model: str, region: str) -> Price:
    found = table.lookup(PROVIDER, model, region)
    if not isinstance(found, Price):
        raise SystemExit(f"no price for {model} in {region}: {found}")
    return found


class Use(NamedTuple):
    """One answered call as the bill sees it."""

    time: datetime
    principal: str
    region: str
    model: str
    usage: TokenUsage


def line_items(uses: Iterable[Use], table: PriceTable) -> list[LineItem]:
    """Bedrock's hourly line items: the calls' tokens, summed per hour, principal, region, model and kind."""
    amounts: defaultdict[tuple[datetime, str, str, str, str], int] = defaultdict(int)
    for use in uses:
        hour = use.time.replace(minute=0, second=0)
        for kind, _, _ in TOKEN_KINDS:
            amounts[(hour, use.principal, use.region, use.model, kind)] += getattr(use.usage, kind) or 0
    return [
        LineItem(hour, principal, region, model, kind, amount, token_rates(price_of(table, model, region))[kind])
        for (hour, principal, region, model, kind), amount in sorted(amounts.items())
        if amount
    ]


def _time(moment: datetime) -> str:
    return f"{moment:%Y-%m-%dT%H:%M:%S}.000Z"


def _money(amount: Decimal) -> str:
    return f"{amount:.10f}"


def _cur_row(hour: datetime, **columns: str) -> dict[str, str]:
    """A CUR 2.0 row for ``hour`` with the columns every line item of the export shares."""
    end = hour + timedelta(hours=1)
    row = {
        "bill_bill_type": "Anniversary",
        "bill_billing_entity": "AWS",
        "bill_billing_period_end_date": "2025-07-01T00:00:00.000Z",
        "bill_billing_period_start_date": "2025-06-01T00:00:00.000Z",
        "bill_invoice_id": "",
        "bill_invoicing_entity": "Amazon Web Services, Inc.",
        "bill_payer_account_id": ACCOUNT,
        "bill_payer_account_name": "acme-prod",
        "identity_time_interval": f"{_time(hour)}/{_time(end)}",
        "line_item_currency_code": "USD",
        "line_item_legal_entity": "Amazon Web Services, Inc.",
        "line_item_line_item_type": "Usage",
        "line_item_usage_account_id": ACCOUNT,
        "line_item_usage_account_name": "acme-prod",
        "line_item_usage_end_date": _time(end),
        "line_item_usage_start_date": _time(hour),
        "pricing_currency": "USD",
        "pricing_term": "OnDemand",
        **columns,
    }
    cost, rate = row["line_item_unblended_cost"], row["line_item_unblended_rate"]
    row |= {
        "line_item_blended_cost": cost,
        "line_item_blended_rate": rate,
        "pricing_public_on_demand_cost": cost,
        "pricing_public_on_demand_rate": rate,
    }
    key = "|".join(
        (
            row["identity_time_interval"],
            row["line_item_usage_type"],
            row["line_item_resource_id"],
            row.get("line_item_iam_principal", ""),
        )
    )
    row["identity_line_item_id"] = hashlib.sha256(key.encode()).hexdigest()[:52]
    return row


def bedrock_row(item: LineItem) -> dict[str, str]:
    """The CUR 2.0 row of a Bedrock line item."""
    usage_name, label = BILLED_MODELS[item.model]
    suffix, words = next((suffix, words) for kind, suffix, words in TOKEN_KINDS if kind == item.kind)
    usage_type = f"{REGION_CODES[item.region]}-{usage_name}-{suffix}"
    per_million = (item.rate * 1_000_000).normalize()
    product = {
        "product_name": "Amazon Bedrock",
        "region": item.region,
        "servicecode": "AmazonBedrock",
        "usagetype": usage_type,
    }
    return _cur_row(
        item.hour,
        line_item_availability_zone="",
        line_item_iam_principal=item.principal,
        line_item_line_item_description=(
            f"${per_million:f} per million {words} tokens for {label} in {REGION_NAMES.get(item.region, item.region)}"
        ),
        line_item_operation="InvokeModelInference",
        line_item_product_code="AmazonBedrock",
        line_item_resource_id="",
        line_item_unblended_cost=_money(item.cost),
        line_item_unblended_rate=f"{item.rate:f}",
        line_item_usage_amount=str(item.amount),
        line_item_usage_type=usage_type,
        pricing_unit="tokens",
        product=json.dumps(product, separators=(",", ":")),
        product_region_code=item.region,
        product_servicecode="AmazonBedrock",
        resource_tags="",
    )


def infrastructure_rows(hour: datetime) -> list[dict[str, str]]:
    """The hour's line items of EC2, EKS and S3 (not LLM usage)."""
    rows = []
    for code, usage_type, operation, resource, zone, rate, unit in INFRASTRUCTURE:
        amount = Decimal("0.0416666667") if code == "AmazonS3" else Decimal(1)
        product = {"product_name": code, "region": "us-east-1", "servicecode": code, "usagetype": usage_type}
        rows.append(
            _cur_row(
                hour,
                line_item_availability_zone=zone,
                line_item_iam_principal="",
                line_item_line_item_description=f"${rate} per {unit} of {usage_type}",
                line_item_operation=operation,
                line_item_product_code=code,
                line_item_resource_id=resource,
                line_item_unblended_cost=_money(amount * Decimal(rate)),
                line_item_unblended_rate=rate,
                line_item_usage_amount=str(amount),
                line_item_usage_type=usage_type,
                pricing_unit=unit,
                product=json.dumps(product, separators=(",", ":")),
                product_region_code="us-east-1",
                product_servicecode=code,
                resource_tags=json.dumps({"user_cluster": "openai-app"}, separators=(",", ":")),
            )
        )
    return rows


def billing_path(root: Path) -> Path:
    """Where Data Exports writes the month's CSV (the export's metadata/ folder is left out)."""
    return root / EXPORT / "data" / f"BILLING_PERIOD={PERIOD}" / f"{EXPORT}-00001.csv.gz"


def write_billing(items: Sequence[LineItem], root: Path) -> tuple[Path, int]:
    """Write the hourly CUR 2.0 export (gzipped CSV) of the story's hours; return the file and its row count."""
    rows = []
    for hour in sorted({item.hour for item in items}):
        rows += infrastructure_rows(hour)
        rows += [bedrock_row(item) for item in items if item.hour == hour]
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=CUR_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path = billing_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(text.getvalue().encode(), mtime=0))
    return path, len(rows)
