"""Parsing of option values shared by several commands."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import typer

from jackwatch.cost import TokensPerCall, load_price_table
from jackwatch.detect.service import Pricing
from jackwatch.model import Severity

_RELATIVE = re.compile(r"(\d+)\s*([smhdw])")
_UNIT = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_moment(text: str | None, now: datetime) -> datetime | None:
    """``2026-11-24``, ``2026-11-24T10:00:00Z`` (naive means UTC) or a look-back such as ``24h``, ``7d``.

    The result is in UTC; a value that is neither form, or out of the representable range, is a
    :class:`typer.BadParameter`.
    """
    if text is None:
        return None
    relative = _RELATIVE.fullmatch(text.strip())
    try:
        if relative:
            amount, unit = relative.groups()
            return (now - timedelta(**{_UNIT[unit]: int(amount)})).astimezone(UTC)
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError:
        raise typer.BadParameter(f"{text!r} is outside the range of representable times") from None
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is neither an ISO date/time (2026-11-24, 2026-11-24T10:00:00Z) nor a look-back (24h, 7d)"
        ) from None


def parse_severity(text: str | None) -> Severity | None:
    """A severity name, case-insensitive."""
    if text is None:
        return None
    try:
        return Severity(text.strip().lower())
    except ValueError:
        names = ", ".join(s.value for s in Severity)
        raise typer.BadParameter(f"{text!r} is not a severity ({names})") from None


def parse_tokens_per_call(text: str) -> TokensPerCall:
    """``INPUT:OUTPUT`` token counts assumed per call (``1000:500``)."""
    found = re.fullmatch(r"\s*(\d+)\s*:\s*(\d+)\s*", text)
    if found is None:
        raise typer.BadParameter(f"{text!r} is not INPUT:OUTPUT token counts (like 1000:500)")
    return TokensPerCall(int(found[1]), int(found[2]))


def load_pricing(files: list[Path], tokens_per_call: str) -> Pricing:
    """The price table (built in, extended by ``files``) and the per-call assumption for estimates."""
    return Pricing(load_price_table(files), parse_tokens_per_call(tokens_per_call))


def parse_rates(texts: list[str]) -> dict[str, Decimal]:
    """``CUR=RATE`` items (``EUR=1.08``: one euro is 1.08 USD) as a currency → rate mapping."""
    rates: dict[str, Decimal] = {}
    for text in texts:
        found = re.fullmatch(r"\s*([A-Za-z]{3})\s*=\s*([0-9]+(?:\.[0-9]+)?)\s*", text)
        if found is None or Decimal(found[2]) <= 0:
            raise typer.BadParameter(f"{text!r} is not CURRENCY=RATE with a positive rate (like EUR=1.08)")
        rates[found[1].upper()] = Decimal(found[2])
    return rates
