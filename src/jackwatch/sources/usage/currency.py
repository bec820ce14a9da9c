"""Costs in US dollars: never guessed, only from USD itself, a rate the user gave, or the export's own figure."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from decimal import Decimal

from jackwatch.errors import ConfigError, Location
from jackwatch.sources.stats import ReadStats

USD = "USD"
_CODE = re.compile(r"[A-Z]{3}")


def checked_rates(rates: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """``rates`` (currency code → USD for one unit, ``{"EUR": Decimal("1.08")}``) with upper-case codes;
    raises :class:`~jackwatch.errors.ConfigError` for a code that is not three letters or a rate that is
    not a positive finite decimal."""
    checked: dict[str, Decimal] = {}
    for code, rate in rates.items():
        upper = code.strip().upper()
        if not _CODE.fullmatch(upper):
            raise ConfigError(f"currency {code!r} is not an ISO 4217 code (three letters, like EUR)")
        if not isinstance(rate, Decimal) or not rate.is_finite() or rate <= 0:
            raise ConfigError(f"the rate of {upper} must be a positive decimal number of US dollars, got {rate!r}")
        checked[upper] = rate
    return checked


class UsdConverter:
    """Converts the costs of one file to USD, and remembers how many rows of each currency it could not."""

    __slots__ = ("rates", "unconverted")

    def __init__(self, rates: Mapping[str, Decimal]) -> None:
        self.rates = rates
        self.unconverted: Counter[str] = Counter()

    def usd(self, cost: Decimal, currency: str, stated: Decimal | None = None) -> Decimal | None:
        """``cost`` in USD: as it is for USD, times the user's rate for ``currency``, else the USD amount the
        export ``stated`` for the row (Azure ``CostInUsd``, GCP ``currency_conversion_rate``); ``None``
        (and counted) when there is none of these."""
        if currency == USD:
            return cost
        rate = self.rates.get(currency)
        if rate is not None:
            return cost * rate
        if stated is not None:
            return stated
        self.unconverted[currency] += 1
        return None

    def report(self, stats: ReadStats, origin: str) -> None:
        """Report, once per currency, the rows of ``origin`` left without a USD cost (they are kept)."""
        for currency, count in sorted(self.unconverted.items()):
            rows = "row" if count == 1 else "rows"
            stats.skip(
                "unconverted_currency",
                Location(origin),
                f"{count} {currency} {rows} not converted to USD: give a rate for {currency}",
                records=0,
            )
