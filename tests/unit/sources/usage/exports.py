"""Billing export files for the usage tests, written in each provider's documented layout.

Line items are plain dicts keyed by the export's own column names; the writers add the columns a real
export has around them, so that the readers meet the width and noise of real files.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]
import pyarrow.parquet as pq  # type: ignore[import-untyped,unused-ignore]

from jackwatch.model import Event
from jackwatch.sources.stats import ReadStats
from jackwatch.sources.usage import FileSummary, read_usage_files

ACCOUNT = "111122223333"
PAYER = "999988887777"
PROJECT = "acme-genai-prod"
SUBSCRIPTION = "7f3c2a10-5b4e-4d7a-9c1e-2b8f6a4d3e21"
OPENAI_RESOURCE = (
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/acme-openai"
)
PRINCIPAL = f"arn:aws:iam::{ACCOUNT}:user/ci-deploy"
HOUR = "2024-10-03T10:00:00Z"
HOUR_END = "2024-10-03T11:00:00Z"


def _fake_id(*parts: object, length: int) -> str:
    """A deterministic identifier-looking hex string derived from ``parts``."""
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:length]


# --------------------------------------------------------------------------------------------- AWS CUR

CUR2_COLUMNS = (
    "bill_bill_type",
    "bill_billing_entity",
    "bill_billing_period_end_date",
    "bill_billing_period_start_date",
    "bill_invoice_id",
    "bill_payer_account_id",
    "identity_line_item_id",
    "identity_time_interval",
    "line_item_availability_zone",
    "line_item_currency_code",
    "line_item_iam_principal",
    "line_item_line_item_description",
    "line_item_line_item_type",
    "line_item_operation",
    "line_item_product_code",
    "line_item_resource_id",
    "line_item_unblended_cost",
    "line_item_unblended_rate",
    "line_item_usage_account_id",
    "line_item_usage_amount",
    "line_item_usage_end_date",
    "line_item_usage_start_date",
    "line_item_usage_type",
    "pricing_unit",
    "product",
    "product_region_code",
    "resource_tags",
)
CUR2_NUMBERS = frozenset({"line_item_unblended_cost", "line_item_unblended_rate", "line_item_usage_amount"})
CUR2_TIMES = frozenset(
    {
        "bill_billing_period_end_date",
        "bill_billing_period_start_date",
        "line_item_usage_end_date",
        "line_item_usage_start_date",
    }
)
CUR2_MAPS = frozenset({"product", "resource_tags"})


def cur_item(usage_type: str, amount: str, cost: str, **columns: Any) -> dict[str, Any]:
    """A CUR 2.0 line item of Amazon Bedrock in us-east-1 (override any column by name)."""
    item: dict[str, Any] = {
        "bill_bill_type": "Anniversary",
        "bill_billing_entity": "AWS",
        "bill_billing_period_end_date": "2024-11-01T00:00:00Z",
        "bill_billing_period_start_date": "2024-10-01T00:00:00Z",
        "bill_invoice_id": "",
        "bill_payer_account_id": PAYER,
        "identity_line_item_id": _fake_id(usage_type, amount, cost, length=52),
        "identity_time_interval": f"{HOUR}/{HOUR_END}",
        "line_item_availability_zone": "",
        "line_item_currency_code": "USD",
        "line_item_iam_principal": PRINCIPAL,
        "line_item_line_item_description": f"Amazon Bedrock {usage_type}",
        "line_item_line_item_type": "Usage",
        "line_item_operation": "InvokeModelInference",
        "line_item_product_code": "AmazonBedrock",
        "line_item_resource_id": "",
        "line_item_unblended_cost": cost,
        "line_item_unblended_rate": "0.000003",
        "line_item_usage_account_id": ACCOUNT,
        "line_item_usage_amount": amount,
        "line_item_usage_end_date": HOUR_END,
        "line_item_usage_start_date": HOUR,
        "line_item_usage_type": usage_type,
        "pricing_unit": "tokens",
        "product": {"product_name": "Amazon Bedrock", "region": "us-east-1", "servicecode": "AmazonBedrock"},
        "product_region_code": "us-east-1",
        "resource_tags": {"user_team": "ml-platform"},
    }
    item.update(columns)
    return item


def cur_other(product_code: str, usage_type: str, amount: str, cost: str, **columns: Any) -> dict[str, Any]:
    """A CUR 2.0 line item of another service (EC2, S3…)."""
    names = {"AmazonEC2": "Amazon Elastic Compute Cloud", "AmazonS3": "Amazon Simple Storage Service"}
    item = cur_item(
        usage_type,
        amount,
        cost,
        line_item_product_code=product_code,
        line_item_operation="RunInstances" if product_code == "AmazonEC2" else "StandardStorage",
        line_item_resource_id="i-0a1b2c3d4e5f67890" if product_code == "AmazonEC2" else "acme-logs",
        line_item_line_item_description=f"{names.get(product_code, product_code)} {usage_type}",
        line_item_iam_principal="",
        pricing_unit="Hrs" if product_code == "AmazonEC2" else "GB-Mo",
        product={"product_name": names.get(product_code, product_code), "region": "us-east-1"},
    )
    item.update(columns)
    return item


BEDROCK_HOUR = [
    cur_item("USE1-Claude3.5Sonnet-input-tokens", "1250000", "3.75"),
    cur_other("AmazonEC2", "BoxUsage:m5.xlarge", "1", "0.192"),
    cur_item("USE1-Claude3.5Sonnet-output-tokens", "200000", "3.0"),
    cur_item("USE1-Claude3.7Sonnet-cache-read-input-token-count", "400000", "0.12"),
    cur_item("USE1-Claude3.7Sonnet-cache-write-input-token-count", "100000", "0.375"),
    cur_other("AmazonS3", "TimedStorage-ByteHrs", "0.0416", "0.00095"),
    cur_item(
        "USE1-MP:USE1_OutputTokenCount-Units",
        "52000",
        "0.065",
        line_item_product_code="prod-6dw3qvchef7zy",
        line_item_iam_principal="",
        line_item_line_item_description="Claude 3 Haiku (Amazon Bedrock Edition) OutputTokenCount",
        product={"product_name": "Claude 3 Haiku (Amazon Bedrock Edition)", "region": "us-east-1"},
    ),
    cur_item(
        "USE1-Claude3.5Sonnet-input-tokens",
        "0",
        "-1.5",
        line_item_line_item_type="Credit",
        line_item_line_item_description="AWS Activate credit",
    ),
]
"""One hour of a CUR 2.0 export: five Bedrock token line items (one sold through Marketplace), a credit,
and an EC2 and an S3 line item."""


def _cur2_cell(column: str, value: Any) -> str:
    if column in CUR2_MAPS:
        return json.dumps(value, separators=(",", ":")) if value else ""
    return "" if value is None else str(value)


def write_cur2_csv(path: Path, items: Sequence[Mapping[str, Any]], *, gzipped: bool = False) -> Path:
    """A CUR 2.0 CSV file (maps as JSON text, as Data Exports writes them)."""
    return _write_csv(
        path,
        CUR2_COLUMNS,
        [{key: _cur2_cell(key, item.get(key)) for key in CUR2_COLUMNS} for item in items],
        gzipped=gzipped,
    )


def write_cur2_parquet(path: Path, items: Sequence[Mapping[str, Any]]) -> Path:
    """A CUR 2.0 Parquet file with the export's types: timestamps, doubles, string maps."""
    fields = []
    for column in CUR2_COLUMNS:
        if column in CUR2_NUMBERS:
            kind = pa.float64()
        elif column in CUR2_TIMES:
            kind = pa.timestamp("ms")
        elif column in CUR2_MAPS:
            kind = pa.map_(pa.string(), pa.string())
        else:
            kind = pa.string()
        fields.append(pa.field(column, kind))
    schema = pa.schema(fields)
    columns: dict[str, list[Any]] = {column: [] for column in CUR2_COLUMNS}
    for item in items:
        for column in CUR2_COLUMNS:
            value = item.get(column)
            if column in CUR2_NUMBERS:
                value = float(value) if value not in (None, "") else None
            elif column in CUR2_TIMES:
                value = datetime.fromisoformat(value).astimezone(UTC).replace(tzinfo=None) if value else None
            elif column in CUR2_MAPS:
                value = list(value.items()) if value else None
            columns[column].append(value)
    pq.write_table(pa.table(columns, schema=schema), path, row_group_size=3)
    return path


LEGACY_COLUMNS = {
    "identity/LineItemId": "identity_line_item_id",
    "identity/TimeInterval": "identity_time_interval",
    "bill/InvoiceId": "bill_invoice_id",
    "bill/BillingEntity": "bill_billing_entity",
    "bill/BillType": "bill_bill_type",
    "bill/PayerAccountId": "bill_payer_account_id",
    "bill/BillingPeriodStartDate": "bill_billing_period_start_date",
    "bill/BillingPeriodEndDate": "bill_billing_period_end_date",
    "lineItem/UsageAccountId": "line_item_usage_account_id",
    "lineItem/LineItemType": "line_item_line_item_type",
    "lineItem/UsageStartDate": "line_item_usage_start_date",
    "lineItem/UsageEndDate": "line_item_usage_end_date",
    "lineItem/ProductCode": "line_item_product_code",
    "lineItem/UsageType": "line_item_usage_type",
    "lineItem/Operation": "line_item_operation",
    "lineItem/AvailabilityZone": "line_item_availability_zone",
    "lineItem/ResourceId": "line_item_resource_id",
    "lineItem/UsageAmount": "line_item_usage_amount",
    "lineItem/CurrencyCode": "line_item_currency_code",
    "lineItem/UnblendedRate": "line_item_unblended_rate",
    "lineItem/UnblendedCost": "line_item_unblended_cost",
    "lineItem/LineItemDescription": "line_item_line_item_description",
    "product/ProductName": "product_name",
    "product/region": "region",
    "pricing/unit": "pricing_unit",
}


def write_legacy_cur_csv(path: Path, items: Sequence[Mapping[str, Any]], *, gzipped: bool = True) -> Path:
    """A legacy CUR CSV (``lineItem/UsageType`` headers), gzipped as AWS delivers it."""
    rows = []
    for item in items:
        product = item.get("product") or {}
        row = {}
        for header, key in LEGACY_COLUMNS.items():
            value = product.get(key) if key in ("product_name", "region") else item.get(key)
            row[header] = "" if value is None else str(value)
        rows.append(row)
    return _write_csv(path, tuple(LEGACY_COLUMNS), rows, gzipped=gzipped)


# --------------------------------------------------------------------------------------------- GCP

VERTEX = {"id": "C7E2-9256-1C43", "description": "Vertex AI"}


def gcp_item(
    sku: str, amount: float, cost: float, *, service: Mapping[str, str] = VERTEX, **fields: Any
) -> dict[str, Any]:
    """A row of the GCP standard usage cost export, nested as BigQuery writes it to JSON."""
    item: dict[str, Any] = {
        "billing_account_id": "01A2B3-C4D5E6-F7A8B9",
        "service": dict(service),
        "sku": {"id": "-".join(_fake_id(sku, part, length=4).upper() for part in "abc"), "description": sku},
        "usage_start_time": "2024-10-03 10:00:00 UTC",
        "usage_end_time": "2024-10-03 11:00:00 UTC",
        "project": {
            "id": PROJECT,
            "number": "482917365021",
            "name": "ACME GenAI prod",
            "labels": [{"key": "env", "value": "prod"}],
            "ancestry_numbers": "/1234567890/482917365021/",
        },
        "labels": [],
        "system_labels": [],
        "location": {"location": "us-central1", "country": "US", "region": "us-central1", "zone": None},
        "export_time": "2024-10-03 14:12:09.377 UTC",
        "cost": cost,
        "currency": "USD",
        "currency_conversion_rate": 1.0,
        "usage": {
            "amount": amount,
            "unit": "count",
            "amount_in_pricing_units": amount / 1000,
            "pricing_unit": "thousand count",
        },
        "credits": [],
        "invoice": {"month": "202410"},
        "cost_type": "regular",
        "adjustment_info": None,
    }
    item.update(fields)
    return item


VERTEX_HOUR = [
    gcp_item("Gemini 1.5 Pro Input Tokens", 2_000_000, 2.5),
    gcp_item(
        "Storage Standard Tokyo",
        3.2,
        0.07,
        service={"id": "95FF-2EF5-5EA1", "description": "Cloud Storage"},
        usage={
            "amount": 3.2,
            "unit": "gibibyte month",
            "amount_in_pricing_units": 3.2,
            "pricing_unit": "gibibyte month",
        },
    ),
    gcp_item("Gemini 1.5 Pro Output Tokens", 150_000, 0.75),
    gcp_item(
        "Claude 3.5 Sonnet Output Tokens",
        80_000,
        1.2,
        credits=[
            {
                "name": "FreeTrial:204",
                "amount": -0.4,
                "full_name": "Free trial credit",
                "id": "FreeTrial:204",
                "type": "FREE_TRIAL",
            }
        ],
    ),
    gcp_item(
        "N1 Predefined Instance Core running in Americas",
        4.0,
        0.19,
        service={"id": "6F81-5844-456A", "description": "Compute Engine"},
        usage={"amount": 14400, "unit": "seconds", "amount_in_pricing_units": 4.0, "pricing_unit": "hour"},
    ),
    gcp_item(
        "Vertex AI: Online/Batch Prediction N1 Predefined Instance Core running in Americas",
        4.0,
        0.22,
        usage={"amount": 14400, "unit": "seconds", "amount_in_pricing_units": 4.0, "pricing_unit": "hour"},
    ),
]
"""One hour of a GCP billing export: Gemini and Claude token SKUs on Vertex AI (one with a credit), and
Cloud Storage, Compute Engine and a Vertex AI prediction node that are not LLM usage."""


def write_gcp_jsonl(path: Path, items: Sequence[Mapping[str, Any]], *, gzipped: bool = False) -> Path:
    """The export as newline-delimited JSON (BigQuery's JSON extract)."""
    data = "".join(json.dumps(item) + "\n" for item in items).encode()
    path.write_bytes(gzip.compress(data) if gzipped else data)
    return path


def write_gcp_parquet(path: Path, items: Sequence[Mapping[str, Any]]) -> Path:
    """The export as a BigQuery Parquet extract: nested records as structs, times as UTC timestamps."""
    times = ("usage_start_time", "usage_end_time", "export_time")
    rows = [dict(item) | {key: _bigquery_time(item[key]) for key in times} for item in items]
    pq.write_table(pa.Table.from_pylist(rows), path)
    return path


def _bigquery_time(text: str) -> datetime:
    return datetime.fromisoformat(text.removesuffix(" UTC")).replace(tzinfo=UTC)


def _dotted(item: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in item.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping):
            flat.update(_dotted(value, name))
        else:
            flat[name] = value
    return flat


def write_gcp_csv(path: Path, items: Sequence[Mapping[str, Any]]) -> Path:
    """The export as CSV with dotted headers (``service.description``); arrays as JSON text."""
    rows = [_dotted(item) for item in items]
    columns = tuple(dict.fromkeys(key for row in rows for key in row))
    cells = [{key: _csv_text(row.get(key)) for key in columns} for row in rows]
    return _write_csv(path, columns, cells)


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return json.dumps(value)
    return str(value)


# ------------------------------------------------------------------------------------------- Azure

EA_COLUMNS = (
    "InvoiceSectionName",
    "AccountName",
    "AccountOwnerId",
    "SubscriptionId",
    "SubscriptionName",
    "ResourceGroup",
    "ResourceLocation",
    "Date",
    "ProductName",
    "MeterCategory",
    "MeterSubCategory",
    "MeterId",
    "MeterName",
    "MeterRegion",
    "UnitOfMeasure",
    "Quantity",
    "EffectivePrice",
    "CostInBillingCurrency",
    "CostCenter",
    "ConsumedService",
    "ResourceId",
    "Tags",
    "AdditionalInfo",
    "ChargeType",
    "Frequency",
    "PricingModel",
    "BillingAccountId",
    "BillingAccountName",
    "BillingCurrencyCode",
    "BillingPeriodStartDate",
    "BillingPeriodEndDate",
    "CostInUsd",
)

MCA_COLUMNS = (
    "invoiceId",
    "billingAccountId",
    "billingAccountName",
    "billingProfileId",
    "billingProfileName",
    "invoiceSectionName",
    "billingPeriodStartDate",
    "billingPeriodEndDate",
    "date",
    "serviceFamily",
    "meterId",
    "meterName",
    "meterCategory",
    "meterSubCategory",
    "meterRegion",
    "ProductName",
    "subscriptionId",
    "subscriptionName",
    "resourceGroupName",
    "resourceLocation",
    "quantity",
    "unitOfMeasure",
    "chargeType",
    "billingCurrency",
    "costInBillingCurrency",
    "effectivePrice",
    "resourceId",
    "tags",
    "additionalInfo",
)


def azure_item(meter: str, quantity: str, cost: str, **columns: Any) -> dict[str, Any]:
    """An EA cost details row of Azure OpenAI (``Cognitive Services`` / ``Azure OpenAI``) in East US."""
    item: dict[str, Any] = {
        "InvoiceSectionName": "AI Platform",
        "AccountName": "ACME Enrollment",
        "AccountOwnerId": "cloud-billing@acme.example",
        "SubscriptionId": SUBSCRIPTION,
        "SubscriptionName": "acme-ai-prod",
        "ResourceGroup": "rg-ai",
        "ResourceLocation": "eastus",
        "Date": "10/03/2024",
        "ProductName": "Azure OpenAI",
        "MeterCategory": "Cognitive Services",
        "MeterSubCategory": "Azure OpenAI",
        "MeterId": "3a9f2c4e-1d7b-4f60-8e2a-5c9d0b7e1f32",
        "MeterName": meter,
        "MeterRegion": "US East",
        "UnitOfMeasure": "1K",
        "Quantity": quantity,
        "EffectivePrice": "0.0025",
        "CostInBillingCurrency": cost,
        "CostCenter": "",
        "ConsumedService": "Microsoft.CognitiveServices",
        "ResourceId": OPENAI_RESOURCE,
        "Tags": '"team": "ml-platform"',
        "AdditionalInfo": "",
        "ChargeType": "Usage",
        "Frequency": "UsageBased",
        "PricingModel": "OnDemand",
        "BillingAccountId": "71234567",
        "BillingAccountName": "ACME Corp",
        "BillingCurrencyCode": "USD",
        "BillingPeriodStartDate": "10/01/2024",
        "BillingPeriodEndDate": "10/31/2024",
        "CostInUsd": "",
    }
    item.update(columns)
    return item


def azure_other(
    category: str, subcategory: str, meter: str, quantity: str, cost: str, **columns: Any
) -> dict[str, Any]:
    """An EA cost details row of another service (storage, virtual machines, speech)."""
    resource = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-ai/providers/Microsoft.Storage/storageAccounts/logs"
    defaults: dict[str, Any] = {
        "MeterCategory": category,
        "MeterSubCategory": subcategory,
        "ProductName": f"{category} {subcategory}".strip(),
        "UnitOfMeasure": "1 GB/Month" if category == "Storage" else "1 Hour",
        "ConsumedService": "Microsoft.Storage",
        "ResourceId": resource,
    }
    return azure_item(meter, quantity, cost, **(defaults | columns))


AZURE_DAY = [
    azure_item("gpt-4o-0806-Inp-glbl 1M Tokens", "1.8", "4.5", UnitOfMeasure="1M", EffectivePrice="2.5"),
    azure_other("Storage", "General Block Blob v2", "Hot LRS Data Stored", "120.5", "2.21"),
    azure_item("gpt-4o-0806-Outp-glbl Tokens", "210", "2.1", EffectivePrice="0.01"),
    azure_item("gpt 4o 0513 cached Inp glbl Tokens", "640", "0.8", EffectivePrice="0.00125"),
    azure_other("Virtual Machines", "Dv3/DSv3 Series", "D4s v3", "24", "4.61"),
    azure_other("Cognitive Services", "Speech", "S1 Speech To Text", "3", "3.0", UnitOfMeasure="1 Hour"),
    azure_item(
        "Hosting Hours",
        "24",
        "40.8",
        MeterCategory="Foundry Models",
        MeterSubCategory="Azure OpenAI",
        UnitOfMeasure="1 Hour",
    ),
]
"""One day of an Azure EA export: gpt-4o input, output and cached input, fine-tuned model hosting, and
storage, virtual machine and speech rows that are not LLM usage."""


def to_mca(item: Mapping[str, Any]) -> dict[str, Any]:
    """The same row in the MCA export's columns (``costInBillingCurrency``, ``billingCurrency``)."""
    renamed = {
        "date": datetime.strptime(item["Date"], "%m/%d/%Y").date().isoformat(),
        "meterName": item["MeterName"],
        "meterCategory": item["MeterCategory"],
        "meterSubCategory": item["MeterSubCategory"],
        "meterRegion": item["MeterRegion"],
        "ProductName": item["ProductName"],
        "subscriptionId": item["SubscriptionId"],
        "subscriptionName": item["SubscriptionName"],
        "resourceGroupName": item["ResourceGroup"],
        "resourceLocation": item["ResourceLocation"],
        "quantity": item["Quantity"],
        "unitOfMeasure": item["UnitOfMeasure"],
        "chargeType": item["ChargeType"],
        "billingCurrency": item["BillingCurrencyCode"],
        "costInBillingCurrency": item["CostInBillingCurrency"],
        "effectivePrice": item["EffectivePrice"],
        "resourceId": item["ResourceId"],
        "meterId": item["MeterId"],
    }
    common = {
        "invoiceId": "G012345678",
        "billingAccountId": "a1b2c3d4-0000-1111-2222-333344445555:6e7f8a9b-cccc-dddd-eeee-ffff00001111_2019-05-31",
        "billingAccountName": "ACME Corp",
        "billingProfileId": "AB12-CD34-EF5-GH67",
        "billingProfileName": "ACME Billing",
        "invoiceSectionName": "AI Platform",
        "billingPeriodStartDate": "2024-10-01",
        "billingPeriodEndDate": "2024-10-31",
        "serviceFamily": "AI + Machine Learning",
        "tags": "",
        "additionalInfo": "",
    }
    return common | renamed


def write_azure_csv(path: Path, items: Sequence[Mapping[str, Any]], *, mca: bool = False) -> Path:
    """A cost details export as Azure writes it: UTF-8 with a byte order mark, CRLF line ends."""
    columns = MCA_COLUMNS if mca else EA_COLUMNS
    rows = [{key: str(item.get(key, "")) for key in columns} for item in (map(to_mca, items) if mca else items)]
    return _write_csv(path, columns, rows, bom=True)


def write_azure_parquet(path: Path, items: Sequence[Mapping[str, Any]]) -> Path:
    """An EA export in the Parquet format Cost Management exports can also write (numbers as doubles)."""
    numbers = ("Quantity", "EffectivePrice", "CostInBillingCurrency")
    rows = [
        {key: (float(item[key]) if key in numbers and item.get(key) else item.get(key) or None) for key in EA_COLUMNS}
        for item in items
    ]
    pq.write_table(pa.Table.from_pylist(rows), path)
    return path


# ------------------------------------------------------------------------------------------ common


def _write_csv(
    path: Path, columns: Sequence[str], rows: Sequence[Mapping[str, str]], *, gzipped: bool = False, bom: bool = False
) -> Path:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(columns), lineterminator="\r\n" if bom else "\n")
    writer.writeheader()
    writer.writerows(rows)
    data = (("\ufeff" if bom else "") + text.getvalue()).encode()
    path.write_bytes(gzip.compress(data) if gzipped else data)
    return path


def read(*paths: Path, **options: Any) -> tuple[list[Event], ReadStats, list[FileSummary]]:
    """The events of ``paths``, the stats and the file summaries."""
    stats = ReadStats()
    summaries: list[FileSummary] = []
    events = list(read_usage_files(list(paths), stats, on_file=summaries.append, **options))
    return events, stats, summaries


def facts(event: Event) -> dict[str, Any]:
    """What an event's row says, without the file and line it was read from."""
    return {key: value for key, value in event.raw.items() if key not in ("origin", "line")}


def problems(stats: ReadStats) -> list[tuple[str, str, str]]:
    """Each reported problem as (location, reason, message)."""
    return [(str(problem.location), problem.reason, problem.message) for problem in stats.problems]
