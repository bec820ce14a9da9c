"""AWS Cost and Usage Reports: CUR 2.0 (Data Exports) and the legacy CUR, as CSV or Parquet.

CUR 2.0 names its columns ``line_item_usage_type``; the legacy CSV ``lineItem/UsageType`` and the
legacy Parquet ``line_item_usage_type`` too, once keyed (:func:`~jackwatch.sources.usage.values.column_key`),
so one schema reads them all. Rows of Amazon Bedrock (product code ``AmazonBedrock``, or a Marketplace
product ``… (Amazon Bedrock Edition)``) are LLM usage; every other service's rows are passed over.
"""

from __future__ import annotations

from collections.abc import Mapping

import orjson

from jackwatch.sources.usage.bedrock import marketplace_model, parse_usage_type
from jackwatch.sources.usage.row import Provider, UsageRow, model_names
from jackwatch.sources.usage.schema import (
    Record,
    RowContext,
    Schema,
    bucket_end,
    required_amount,
    required_text,
    required_time,
    token_counts,
)
from jackwatch.sources.usage.values import text_of

START = "line_item_usage_start_date"
END = "line_item_usage_end_date"
PRODUCT_CODE = "line_item_product_code"
USAGE_TYPE = "line_item_usage_type"
AMOUNT = "line_item_usage_amount"
COST = "line_item_unblended_cost"
CURRENCY = "line_item_currency_code"
ACCOUNT = "line_item_usage_account_id"
LINE_TYPE = "line_item_line_item_type"
DESCRIPTION = "line_item_line_item_description"
PRINCIPAL = "line_item_iam_principal"
RESOURCE = "line_item_resource_id"
PRICING_UNIT = "pricing_unit"
REGION = "product_region_code"
PRODUCT_NAME = "product_product_name"
PRODUCT = "product"

_BEDROCK_CODE = "AmazonBedrock"
_TOKEN_LINES = frozenset({"Usage", "DiscountedUsage", "SavingsPlanCoveredUsage"})
"""Line item types that bill usage; credits, refunds, taxes and fees carry no token count."""


def _product(value: object) -> Mapping[str, object]:
    """CUR 2.0's ``product`` map: JSON text in CSV, a map (key-value pairs) in Parquet."""
    if isinstance(value, Mapping):
        return value
    if isinstance(value, list):
        return {str(pair[0]): pair[1] for pair in value if isinstance(pair, tuple | list) and len(pair) == 2}
    if isinstance(value, str) and value.startswith("{"):
        try:
            found = orjson.loads(value)
        except orjson.JSONDecodeError:
            return {}
        return found if isinstance(found, dict) else {}
    return {}


def parse(record: Record, context: RowContext) -> UsageRow | None:
    """The usage row of a CUR line item of Amazon Bedrock; ``None`` for any other service."""
    product = _product(record.get(PRODUCT))
    product_name = text_of(record.get(PRODUCT_NAME)) or text_of(product.get("product_name"))
    code = text_of(record.get(PRODUCT_CODE))
    marketplace = marketplace_model(product_name)
    if code != _BEDROCK_CODE and marketplace is None:
        return None
    start = required_time(record, START)
    end = bucket_end(start, required_time(record, END), END)
    cost = required_amount(record, COST)
    currency = required_text(record, CURRENCY).upper()
    usage_type = text_of(record.get(USAGE_TYPE))
    usage = parse_usage_type(usage_type or "")
    model = usage.model or marketplace
    line_type = text_of(record.get(LINE_TYPE))
    kind = usage.kind if line_type is None or line_type in _TOKEN_LINES else None
    unit = text_of(record.get(PRICING_UNIT))
    return UsageRow(
        provider=Provider.AWS_BEDROCK,
        account=required_text(record, ACCOUNT),
        start=start,
        end=end,
        origin=context.origin,
        line=context.line,
        key=text_of(record.get(PRINCIPAL)) or text_of(record.get(RESOURCE)),
        **model_names(model),
        region=text_of(record.get(REGION)) or text_of(product.get("region_code")) or text_of(product.get("region")),
        cost=cost,
        currency=currency,
        cost_usd=context.converter.usd(cost, currency),
        usage_type=usage_type,
        description=text_of(record.get(DESCRIPTION)),
        **token_counts(kind, record.get(AMOUNT), unit, context, AMOUNT),
    )


SCHEMA = Schema(
    label="AWS CUR",
    marker=frozenset({USAGE_TYPE, PRODUCT_CODE}),
    columns=(
        (START,),
        (END,),
        (PRODUCT_CODE,),
        (USAGE_TYPE,),
        (AMOUNT,),
        (COST,),
        (CURRENCY,),
        (ACCOUNT,),
        (LINE_TYPE,),
        (DESCRIPTION,),
        (PRINCIPAL,),
        (RESOURCE,),
        (PRICING_UNIT,),
        (REGION, "product_region"),
        (PRODUCT_NAME,),
        (PRODUCT,),
    ),
    required=frozenset({START, END, PRODUCT_CODE, USAGE_TYPE, AMOUNT, COST, CURRENCY, ACCOUNT}),
    parse=parse,
)
