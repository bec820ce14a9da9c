"""Cells of billing exports read into typed values: column names, text, amounts, times, units, model names.

Every reader gets a cell as the file holds it: text from CSV, or a native value from Parquet and JSON
(numbers, ``datetime``). The parsers here accept both and raise :class:`ValueError` with a short
reason when a cell is not what it must be.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache

_CAMEL_LOWER = re.compile(r"([a-z0-9])([A-Z])")
_CAMEL_UPPER = re.compile(r"([A-Z]+)([A-Z][a-z])")
_SEPARATORS = re.compile(r"[\s/.\-]+")


@lru_cache(maxsize=4096)
def column_key(name: str) -> str:
    """The snake-case key of a column name, so that each export's spellings meet.

    ``lineItem/UsageStartDate`` (legacy CUR) and ``line_item_usage_start_date`` (CUR 2.0, Parquet) give
    ``line_item_usage_start_date``; ``CostInBillingCurrency`` (EA) and ``costInBillingCurrency`` (MCA)
    give ``cost_in_billing_currency``; ``service.description`` gives ``service_description``.
    """
    snake = _CAMEL_LOWER.sub(r"\1_\2", _CAMEL_UPPER.sub(r"\1_\2", name.strip().lstrip("\ufeff")))
    return _SEPARATORS.sub("_", snake).strip("_").lower()


def text_of(value: object) -> str | None:
    """A cell as stripped text; ``None`` for an empty or missing cell."""
    if value is None:
        return None
    text = value.strip() if isinstance(value, str) else str(value)
    return text or None


def decimal_of(value: object, name: str) -> Decimal:
    """A cell as an exact decimal (floats through their shortest repr, ``0.1`` → ``Decimal('0.1')``)."""
    if isinstance(value, Decimal):
        found = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        found = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    elif isinstance(value, str):
        try:
            found = Decimal(value.strip().replace(",", ""))
        except InvalidOperation:
            raise ValueError(f"{name} {value!r} is not a number") from None
    else:
        raise ValueError(f"{name} {value!r} is not a number")
    if not found.is_finite():
        raise ValueError(f"{name} {value!r} is not a finite number")
    return found


def decimal_text(value: Decimal) -> str:
    """The canonical text of an amount: no exponent, no trailing zeros (``1.50`` → ``1.5``, ``1E+2`` → ``100``)."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


_US_DATES = ("%m/%d/%Y", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M")


def time_of(value: object, name: str) -> datetime:
    """A cell as an aware UTC time.

    Accepted: ISO 8601 with ``T`` or a space, with ``Z``, an offset or a trailing ``UTC`` (BigQuery's
    form); a date alone (midnight); the US ``MM/DD/YYYY`` dates of Azure exports; ``datetime`` and
    ``date`` values from Parquet. A time without an offset is UTC.
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str) and value.strip():
        moment = _parse_time_text(value.strip(), name)
    else:
        raise ValueError(f"{name} {value!r} is not a time")
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _parse_time_text(text: str, name: str) -> datetime:
    iso = text[:-4].rstrip() if text.endswith(" UTC") else text
    try:
        return datetime.fromisoformat(iso)
    except ValueError:
        pass
    for pattern in _US_DATES:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    raise ValueError(f"{name} {text!r} is not a date or time")


def day_after(start: datetime) -> datetime:
    """The end of a daily bucket that starts at ``start``."""
    return start + timedelta(days=1)


_UNIT = re.compile(
    r"(?P<number>\d+(?:\.\d+)?)?\s*(?P<scale>k|m|thousand|million)?\s*"
    r"(?P<thing>tokens?|units?|counts?)?"
)
_SCALES = {None: 1, "k": 1_000, "thousand": 1_000, "m": 1_000_000, "million": 1_000_000}


def count_unit(text: str | None) -> int | None:
    """How many tokens one unit of ``text`` is: ``1K``/``1K Tokens`` → 1000, ``1M`` → 10⁶, ``Tokens``,
    ``count`` or ``Units`` → 1; ``None`` for a unit that is not a count (``Hrs``, ``GB-Mo``) or is missing."""
    if not text:
        return None
    found = _UNIT.fullmatch(text.strip().lower())
    if found is None or not (found["number"] or found["scale"] or found["thing"]):
        return None
    number = Decimal(found["number"] or 1) * _SCALES[found["scale"]]
    return int(number) if number == number.to_integral_value() and number > 0 else None


def token_count(amount: Decimal, unit: int) -> int:
    """The whole number of tokens in ``amount`` units of ``unit`` tokens (rounded to the nearest)."""
    return int((amount * unit).to_integral_value())


_WORD_BREAKS = (
    (re.compile(r"(?<=[a-z])(?=[A-Z])"), " "),  # NovaPro → Nova Pro
    (re.compile(r"(?<=\d)(?=[A-Z][a-z])"), " "),  # 5Sonnet → 5 Sonnet (70B stays)
    (re.compile(r"([A-Z][a-z]+)(?=\d)"), r"\1 "),  # Claude3 → Claude 3 (gpt4o, o1, R1, G1 stay)
)
_MODEL_SEPARATORS = re.compile(r"[\s_\-]+")


def model_key(name: str) -> str:
    """A provider-neutral model name: words split and joined by ``-``, lower case.

    ``Claude3.5Sonnet`` (Bedrock usage type), ``Claude 3.5 Sonnet`` (Vertex SKU) and ``claude-3.5-sonnet``
    all give ``claude-3.5-sonnet``; ``gpt 4o 0513`` (Azure meter) gives ``gpt-4o-0513``; ``Llama3.1-70B``
    gives ``llama-3.1-70b``. Lower-case ids keep their words (``o3-mini``, ``deepseek-r1``), so the key of
    a key is itself.
    """
    for pattern, replacement in _WORD_BREAKS:
        name = pattern.sub(replacement, name)
    return _MODEL_SEPARATORS.sub("-", name.strip()).strip("-").lower()
