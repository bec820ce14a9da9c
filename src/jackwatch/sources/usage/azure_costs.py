"""Azure Cost Management exports (cost and usage details, CSV): the EA and the MCA column variants.

EA files write ``Date``, ``SubscriptionId``, ``CostInBillingCurrency``, ``BillingCurrencyCode``; MCA files
``date``, ``subscriptionId``, ``costInBillingCurrency``, ``billingCurrency``; older files
``UsageDate``, ``SubscriptionGuid``, ``PreTaxCost``. Keyed by
:func:`~jackwatch.sources.usage.values.column_key`, one schema reads them all. Rows of Azure OpenAI and
Foundry Models (by meter category, subcategory or product) are LLM usage; each covers one day.
"""

from __future__ import annotations

import re

from jackwatch.sources.usage.row import Provider, TokenKind, UsageRow, model_names
from jackwatch.sources.usage.schema import (
    Record,
    RowContext,
    Schema,
    optional_amount,
    required_amount,
    required_text,
    required_time,
    token_counts,
)
from jackwatch.sources.usage.values import day_after, text_of

DATE = "date"
SUBSCRIPTION = "subscription_id"
RESOURCE = "resource_id"
RESOURCE_GROUP = "resource_group"
LOCATION = "resource_location"
CATEGORY = "meter_category"
SUBCATEGORY = "meter_sub_category"
METER = "meter_name"
PRODUCT = "product_name"
QUANTITY = "quantity"
UNIT = "unit_of_measure"
COST = "cost_in_billing_currency"
CURRENCY = "billing_currency"
COST_USD = "cost_in_usd"
CHARGE_TYPE = "charge_type"

LLM_CATEGORIES = frozenset({"azure openai", "foundry models", "azure ai foundry models"})
_OPENAI = "openai"

_TOKENS_SUFFIX = re.compile(r"\s+(?:\d+\s*[KM]\s+)?Tokens?\s*$", re.IGNORECASE)
_WORD = re.compile(r"[^\s\-]+")
_INPUT = frozenset({"inp", "input", "inpt", "in"})
_OUTPUT = frozenset({"outp", "output", "outpt", "out"})
_CACHED = frozenset({"cached", "cchd", "cache", "cch"})
_QUALIFIERS = frozenset({"batch", "aud", "audio", "txt", "text", "img", "image", "rt", "realtime"}) | _CACHED


def meter_model(meter: str) -> tuple[str | None, TokenKind | None]:
    """The model and token kind of an Azure OpenAI meter name.

    ``gpt-4o-0806-Inp-glbl 1M Tokens`` → (``gpt-4o-0806``, input); ``gpt 4o 0513 Output global Tokens``
    → (``gpt 4o 0513``, output); ``gpt 4.1 nano cached Inp glbl`` → (``gpt 4.1 nano``, cache read);
    ``gpt-4-8K-Batch-Inp-glbl Tokens`` → (``gpt-4-8K``, input). A meter without an input or output word
    (fine-tuning hosting hours, provisioned units) bills no tokens: (``None``, ``None``).
    """
    text = _TOKENS_SUFFIX.sub("", meter)
    words = [(found.start(), found.group().lower()) for found in _WORD.finditer(text)]
    for index, (start, word) in enumerate(words):
        if word in _INPUT or word in _OUTPUT:
            before = {earlier for _, earlier in words[:index]}
            stop = next((at for at, earlier in words[:index] if earlier in _QUALIFIERS), start)
            model = text[:stop].strip(" -") or None
            if before & _CACHED:
                cache_write = any(later in ("write", "wrt") for _, later in words[index:])
                return model, TokenKind.CACHE_WRITE if cache_write else TokenKind.CACHE_READ
            return model, TokenKind.INPUT if word in _INPUT else TokenKind.OUTPUT
    return None, None


def _is_llm(record: Record) -> bool:
    category = (text_of(record.get(CATEGORY)) or "").lower()
    if category in LLM_CATEGORIES:
        return True
    return any(_OPENAI in (text_of(record.get(name)) or "").lower().replace(" ", "") for name in (SUBCATEGORY, PRODUCT))


def parse(record: Record, context: RowContext) -> UsageRow | None:
    """The usage row of a cost details row of Azure OpenAI or Foundry Models; ``None`` for any other meter."""
    if not _is_llm(record):
        return None
    start = required_time(record, DATE)
    cost = required_amount(record, COST)
    currency = required_text(record, CURRENCY).upper()
    meter = text_of(record.get(METER))
    model, kind = meter_model(meter) if meter else (None, None)
    charge_type = text_of(record.get(CHARGE_TYPE))
    if charge_type is not None and charge_type.lower() != "usage":
        kind = None
    return UsageRow(
        provider=Provider.AZURE_OPENAI,
        account=required_text(record, SUBSCRIPTION),
        start=start,
        end=day_after(start),
        origin=context.origin,
        line=context.line,
        key=text_of(record.get(RESOURCE)),
        project=text_of(record.get(RESOURCE_GROUP)),
        **model_names(model),
        region=text_of(record.get(LOCATION)),
        cost=cost,
        currency=currency,
        cost_usd=context.converter.usd(cost, currency, optional_amount(record, COST_USD)),
        usage_type=meter,
        description=text_of(record.get(PRODUCT)) or text_of(record.get(SUBCATEGORY)),
        **token_counts(kind, record.get(QUANTITY), text_of(record.get(UNIT)), context, QUANTITY),
    )


SCHEMA = Schema(
    label="Azure cost export",
    marker=frozenset({CATEGORY, METER}),
    columns=(
        (DATE, "usage_date", "usage_date_time"),
        (SUBSCRIPTION, "subscription_guid"),
        (RESOURCE, "instance_id"),
        (RESOURCE_GROUP, "resource_group_name"),
        (LOCATION, "location", "meter_region"),
        (CATEGORY,),
        (SUBCATEGORY,),
        (METER,),
        (PRODUCT, "product"),
        (QUANTITY, "consumed_quantity", "usage_quantity"),
        (UNIT, "unitof_measure"),
        (COST, "cost", "pre_tax_cost", "extended_cost"),
        (CURRENCY, "billing_currency_code", "currency"),
        (COST_USD,),
        (CHARGE_TYPE,),
    ),
    required=frozenset({DATE, SUBSCRIPTION, CATEGORY, METER, QUANTITY, COST, CURRENCY}),
    parse=parse,
)
