"""Spend over a time window: total cost, burn rate per hour and the 24-hour projection.

The burn rate is the window's cost divided by the window's length in hours, **at least one hour**: a burst of
a few minutes is not extrapolated as if it lasted all hour, so the rate is never inflated by a short window.
The projection is the burn rate times 24: what the window's pace would cost over a day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from jackwatch.cost.compute import (
    DEFAULT_TOKENS_PER_CALL,
    Cost,
    TokensPerCall,
    TokenUsage,
    cost_of,
    estimate_cost,
    to_usd,
)
from jackwatch.cost.table import PriceTable, UnknownPrice

MIN_WINDOW_HOURS = Decimal(1)
"""The shortest window the burn rate is taken over."""

_MICROSECONDS_PER_HOUR = Decimal(3_600_000_000)


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """Usage of one model at one time: token counts, or only the number of invocations (the cost is then
    estimated from :class:`~jackwatch.cost.compute.TokensPerCall`). A naive ``time`` is read as UTC."""

    time: datetime
    provider: str
    model: str
    region: str | None
    usage: TokenUsage | int


@dataclass(frozen=True, slots=True)
class Spend:
    """What the records of a window cost.

    ``cost`` sums every record that could be priced (``None`` when records exist but none could be); records
    with no known price are listed in ``unknown_models``, records with invalid counts in ``problems``, and both
    are counted in ``unpriced``: when either is non-empty the total is a lower bound.
    """

    cost: Decimal | None
    hours: Decimal
    estimated: bool
    unknown_models: tuple[UnknownPrice, ...]
    problems: tuple[str, ...]
    priced: int
    unpriced: int
    outside_window: int

    @property
    def complete(self) -> bool:
        """True when every record of the window was priced."""
        return self.unpriced == 0

    @property
    def burn_rate_per_hour(self) -> Decimal | None:
        """Cost per hour over the window (at least one hour long)."""
        return None if self.cost is None else self.cost / self.hours

    @property
    def projected_24h(self) -> Decimal | None:
        """The burn rate held for 24 hours."""
        rate = self.burn_rate_per_hour
        return None if rate is None else rate * 24

    @property
    def cost_usd(self) -> float | None:
        """:attr:`cost` as a float, rounded."""
        return None if self.cost is None else to_usd(self.cost)

    @property
    def burn_rate_usd_per_hour(self) -> float | None:
        """:attr:`burn_rate_per_hour` as a float, rounded."""
        rate = self.burn_rate_per_hour
        return None if rate is None else to_usd(rate)

    @property
    def projected_24h_usd(self) -> float | None:
        """:attr:`projected_24h` as a float, rounded."""
        projected = self.projected_24h
        return None if projected is None else to_usd(projected)


def summarize_spend(
    records: Iterable[UsageRecord],
    table: PriceTable,
    start: datetime | None = None,
    end: datetime | None = None,
    per_call: TokensPerCall = DEFAULT_TOKENS_PER_CALL,
) -> Spend:
    """Price the records between ``start`` and ``end`` (inclusive; by default the first and last record's
    times) and derive the burn rate and projection; records outside the window are counted, not priced."""
    timed = [(_utc(record.time), record) for record in records]
    start = _utc(start) if start else min((time for time, _ in timed), default=None)
    end = _utc(end) if end else max((time for time, _ in timed), default=None)
    if start is not None and end is not None and end < start:
        raise ValueError(f"the window ends ({end.isoformat()}) before it starts ({start.isoformat()})")
    total, priced, unpriced, outside, estimated = Decimal(0), 0, 0, 0, False
    unknown: dict[UnknownPrice, None] = {}
    problems: dict[str, None] = {}
    for time, record in timed:
        if (start is not None and time < start) or (end is not None and time > end):
            outside += 1
            continue
        cost = _cost(record, table, per_call)
        estimated = estimated or cost.estimated
        if cost.amount is None:
            unpriced += 1
            unknown.update(dict.fromkeys(cost.unknown_models))
            if not cost.unknown_models and cost.reason:
                problems[f"{record.provider} {record.model}: {cost.reason}"] = None
            continue
        total += cost.amount
        priced += 1
    return Spend(
        total if priced or not unpriced else None,
        window_hours(start, end),
        estimated,
        tuple(unknown),
        tuple(problems),
        priced,
        unpriced,
        outside,
    )


def _cost(record: UsageRecord, table: PriceTable, per_call: TokensPerCall) -> Cost:
    price = table.lookup(record.provider, record.model, record.region)
    if isinstance(record.usage, TokenUsage):
        return cost_of(price, record.usage)
    return estimate_cost(price, record.usage, per_call)


def window_hours(start: datetime | None, end: datetime | None) -> Decimal:
    """The hours from ``start`` to ``end`` that a burn rate is taken over: at least :data:`MIN_WINDOW_HOURS`."""
    if start is None or end is None:
        return MIN_WINDOW_HOURS
    hours = Decimal((end - start) // timedelta(microseconds=1)) / _MICROSECONDS_PER_HOUR
    return max(hours, MIN_WINDOW_HOURS)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
