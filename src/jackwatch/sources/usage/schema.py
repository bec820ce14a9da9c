"""What an export format is: the columns it needs, and how one of its rows becomes a :class:`UsageRow`.

A :class:`Schema` names its columns by their :func:`~jackwatch.sources.usage.values.column_key`; each
column may have other spellings (``subscription_id`` or ``subscription_guid``), the first being the one
messages name. Its ``parse`` returns ``None`` for a row that is not LLM usage (EC2, storage…) and raises
:class:`~jackwatch.sources.reading.records.RecordError` for an LLM row it cannot use.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from jackwatch.errors import Location
from jackwatch.sources.reading.records import RecordError
from jackwatch.sources.stats import ReadStats
from jackwatch.sources.usage.currency import UsdConverter
from jackwatch.sources.usage.row import TokenCounts, TokenKind, UsageRow, token_fields
from jackwatch.sources.usage.values import count_unit, decimal_of, text_of, time_of, token_count

Record = Mapping[str, object]
"""One row: the value of each column of the schema (by its first spelling), ``None`` when absent."""


@dataclass(frozen=True, slots=True)
class RowContext:
    """Where a row is, and what its parsing shares with the rest of the file."""

    origin: str
    line: int
    converter: UsdConverter
    stats: ReadStats

    def note(self, reason: str, message: str) -> None:
        """Report a problem of this row that loses no record (the row is kept without the bad value)."""
        self.stats.skip(reason, Location(self.origin, self.line), message, records=0)


Parse = Callable[[Record, RowContext], UsageRow | None]


@dataclass(frozen=True, slots=True)
class Schema:
    """An export format: ``label`` for messages, the ``marker`` columns that identify it, every column it
    reads (each a tuple of spellings), those a file must have, and the row parser."""

    label: str
    marker: frozenset[str]
    columns: tuple[tuple[str, ...], ...]
    required: frozenset[str]
    parse: Parse

    def matches(self, keys: Collection[str]) -> bool:
        """Whether a file with these column keys is of this format."""
        return self.marker <= set(keys)

    @property
    def spellings(self) -> frozenset[str]:
        """Every column key the format reads."""
        return frozenset(key for column in self.columns for key in column)

    def missing(self, keys: Collection[str]) -> list[str]:
        """The required columns a file with these column keys lacks (by their first spelling)."""
        present = set(keys)
        return [column[0] for column in self.columns if column[0] in self.required and present.isdisjoint(column)]

    def pick(self, cells: Mapping[str, object]) -> dict[str, object]:
        """The record of a row: for each column, the first of its spellings that has a value."""
        record: dict[str, object] = {}
        for column in self.columns:
            value = None
            for key in column:
                value = cells.get(key)
                if value is not None and value != "":
                    break
            record[column[0]] = value
        return record


# ------------------------------------------------------------------------------------ cell readers


def required_text(record: Record, name: str) -> str:
    """The text of a column every LLM row must have."""
    value = text_of(record.get(name))
    if value is None:
        raise RecordError("missing_field", f"missing {name}")
    return value


def required_time(record: Record, name: str) -> datetime:
    """The time in a column every LLM row must have."""
    value = record.get(name)
    if text_of(value) is None:
        raise RecordError("missing_field", f"missing {name}")
    try:
        return time_of(value, name)
    except ValueError as exc:
        raise RecordError("invalid_field", str(exc)) from None


def required_amount(record: Record, name: str) -> Decimal:
    """The decimal amount in a column every LLM row must have."""
    found = optional_amount(record, name)
    if found is None:
        raise RecordError("missing_field", f"missing {name}")
    return found


def optional_amount(record: Record, name: str) -> Decimal | None:
    """The decimal amount in a column, ``None`` when empty; a value that is not a number is an error."""
    value = record.get(name)
    if text_of(value) is None:
        return None
    try:
        return decimal_of(value, name)
    except ValueError as exc:
        raise RecordError("invalid_field", str(exc)) from None


def bucket_end(start: datetime, end: datetime, name: str) -> datetime:
    """``end`` after checking that the bucket does not end before ``start``."""
    if end < start:
        raise RecordError("invalid_field", f"{name} {end.isoformat()} is before the start {start.isoformat()}")
    return end


def token_counts(
    kind: TokenKind | None, amount: object, unit: str | None, context: RowContext, name: str
) -> TokenCounts:
    """The token count of a row as keyword arguments of :class:`UsageRow` (none when it counts no tokens).

    ``amount`` is the usage amount in ``unit`` (``1K`` → thousands of tokens; no unit → tokens). An
    amount that is missing, not a number or negative, or a unit that is not a count, is reported and
    leaves the count out; the row (and its cost) is kept.
    """
    if kind is None:
        return {}
    scale = 1 if unit is None else count_unit(unit)
    if scale is None:
        context.note("invalid_tokens", f"{kind.value}: unit {unit!r} is not a count of tokens; count left out")
        return {}
    if text_of(amount) is None:
        context.note("invalid_tokens", f"{kind.value}: missing {name}; count left out")
        return {}
    try:
        quantity = decimal_of(amount, name)
    except ValueError as exc:
        context.note("invalid_tokens", f"{kind.value}: {exc}; count left out")
        return {}
    if quantity < 0:
        context.note("invalid_tokens", f"{kind.value}: negative {name} {amount!r}; count left out")
        return {}
    return token_fields(kind, token_count(quantity, scale))
