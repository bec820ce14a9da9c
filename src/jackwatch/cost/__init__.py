"""LLM prices and what usage costs: the price table (``content/prices/``), lookups, costs, burn rate."""

from jackwatch.cost.compute import (
    DEFAULT_TOKENS_PER_CALL,
    Cost,
    TokensPerCall,
    TokenUsage,
    cost_of,
    estimate_cost,
)
from jackwatch.cost.loader import builtin_price_files, load_price_table, read_price_file
from jackwatch.cost.models import Provider
from jackwatch.cost.spend import Spend, UsageRecord, summarize_spend
from jackwatch.cost.table import Price, PriceError, PriceTable, PriceTableError, UnknownPrice

__all__ = [
    "DEFAULT_TOKENS_PER_CALL",
    "Cost",
    "Price",
    "PriceError",
    "PriceTable",
    "PriceTableError",
    "Provider",
    "Spend",
    "TokenUsage",
    "TokensPerCall",
    "UnknownPrice",
    "UsageRecord",
    "builtin_price_files",
    "cost_of",
    "estimate_cost",
    "load_price_table",
    "read_price_file",
    "summarize_spend",
]
