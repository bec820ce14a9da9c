"""What each principal spent during a run, and what the activity behind a finding cost.

The ledger watches the events of a run as they are read. Each source that says who used which model says it
through its fields (:class:`SpendSource`): CloudTrail's successful invocations (counts only: the cost is an
estimate from an assumed number of tokens per call), Bedrock invocation logs (token counts: exact), usage and
billing rows (the provider's own charge). An invocation that both CloudTrail and an invocation log record (the
same request id) is priced once, from its tokens; the hours a billing row covers take its charge instead of the
per-call prices of the same provider. Use is kept per principal, model, region and minute, so memory
grows with the minutes of activity, not with the number of calls; a finding's window is matched to the minute.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from jackwatch.cost import TokensPerCall, TokenUsage, UsageRecord, summarize_spend
from jackwatch.cost.compute import to_usd
from jackwatch.cost.table import PriceTable, UnknownPrice
from jackwatch.model import CostBasis, CostFigures, Event, most_precise
from jackwatch.rules.buckets import TimeBuckets
from jackwatch.rules.condition import compile_condition, parse
from jackwatch.rules.fields import Extractor, SourceFields
from jackwatch.rules.spec import field_extractor

MINUTE = 60
MINUTES_PER_HOUR = 60


@dataclass(frozen=True, slots=True)
class SpendSource:
    """How the events of one source tell spend: which events count, and the fields naming what, where, how much.

    Who spent is the source's principal (the subject of its findings). ``when`` is a condition (rule syntax) the
    events must meet; ``provider`` is the price-table provider, or ``provider_field`` names a field holding it.
    ``tokens`` names the input, output, cache-read and cache-write token fields; ``usd`` a field holding a charge
    already in USD, and ``hours`` the length of the period it bills. An event is priced from its charge if it has
    one, else from its tokens, else it counts as one invocation.
    """

    when: str
    model: str
    provider: str = ""
    provider_field: str | None = None
    region: str | None = None
    request_id: str | None = None
    tokens: tuple[str, str, str, str] | None = None
    usd: str | None = None
    hours: str | None = None


SPEND_SOURCES: Mapping[str, SpendSource] = {
    "aws_cloudtrail": SpendSource(
        when="ct.name in (InvokeModel, InvokeModelWithResponseStream, Converse, ConverseStream) and aws.success = true",
        model="aws.model_id",
        provider="aws_bedrock",
        region="ct.region",
        request_id="ct.requestid",
    ),
    "aws_bedrock_invocation": SpendSource(
        when="bedrock.error = false",
        model="bedrock.model_id",
        provider="aws_bedrock",
        region="bedrock.region",
        request_id="bedrock.request_id",
        tokens=(
            "bedrock.input_tokens",
            "bedrock.output_tokens",
            "bedrock.cache_read_tokens",
            "bedrock.cache_write_tokens",
        ),
    ),
    "llm_usage": SpendSource(
        when="usage.model exists",
        model="usage.model",
        provider_field="usage.provider",
        region="usage.region",
        tokens=("usage.input_tokens", "usage.output_tokens", "usage.cache_read_tokens", "usage.cache_write_tokens"),
        usd="usage.cost_usd",
        hours="usage.hours",
    ),
}
"""The sources whose events carry spend, by source name."""


@dataclass(slots=True)
class _Use:
    """Use of one model in one region by one principal during one minute."""

    invocations: int = 0
    tokens: _Counts | None = None  # the counts of its calls summed
    usd: Decimal | None = None
    request_ids: set[str] | None = None  # created when needed: most minutes never hold one
    billed_hours: range | None = None


_Kind = tuple[str, str, str | None, CostBasis]  # provider, model, region, basis: one shared copy of each
_Key = tuple[int, _Kind]  # minute, kind


_Read = tuple[Extractor, str | None]
"""A field as the ledger reads it: ``extract(event, arg)``."""


class _Reader:
    """One source's spend, read from its events through its fields (``None``: the source has no such field)."""

    def __init__(self, spec: SpendSource, fields: SourceFields) -> None:
        self.accepts = compile_condition(parse(spec.when), fields)
        self.principal = fields.principal
        self.model = field_extractor(fields, spec.model)
        self.provider = (
            field_extractor(fields, spec.provider_field) if spec.provider_field else _constant(spec.provider)
        )
        self.region = field_extractor(fields, spec.region) if spec.region else _NOTHING
        self.request_id = field_extractor(fields, spec.request_id) if spec.request_id else _NOTHING
        self.tokens = _counts_reader(*(field_extractor(fields, name) for name in spec.tokens)) if spec.tokens else None
        self.usd = field_extractor(fields, spec.usd) if spec.usd else None
        self.hours = field_extractor(fields, spec.hours) if spec.hours else _NOTHING
        self.counts_calls = not spec.usd  # a billing row without a charge or tokens is not one call


_NUMBER = (int, float)
"""The types of a charge or a length in hours (a bool, an int to Python, is told apart)."""

_Counts = tuple[int, int, int, int, bool]
"""The input, output, cache-read and cache-write counts of a call (a missing one is 0), and whether its input or
output count was missing: its cost is then a lower bound, marked estimated (an embedding logs no output count)."""


def _counts_reader(
    inputs: _Read, outputs: _Read, cache_reads: _Read, cache_writes: _Read
) -> Callable[[Event], _Counts | None]:
    """The counts of an event, read from its input, output, cache-read and cache-write fields; ``None`` when it
    knows none of them."""
    (read_input, input_arg), (read_output, output_arg) = inputs, outputs
    (read_cache_read, cache_read_arg), (read_cache_write, cache_write_arg) = cache_reads, cache_writes

    def counts(event: Event) -> _Counts | None:
        input_count, output_count = _count(read_input(event, input_arg)), _count(read_output(event, output_arg))
        cache_read = _count(read_cache_read(event, cache_read_arg))
        cache_write = _count(read_cache_write(event, cache_write_arg))
        if input_count is None and output_count is None and cache_read is None and cache_write is None:
            return None
        partial = input_count is None or output_count is None
        return input_count or 0, output_count or 0, cache_read or 0, cache_write or 0, partial

    return counts


def _constant(value: str) -> _Read:
    return (lambda _event, _arg: value), None


_NOTHING: _Read = (lambda _event, _arg: None), None


class SpendLedger:
    """Spend per principal, recorded from a run's events; prices the activity in a time window.

    ``sources`` are the fields of the sources the run reads; request ids are kept (to price a call once) only
    when one of them carries token counts and another counts calls without them (CloudTrail).
    """

    def __init__(
        self,
        table: PriceTable,
        sources: Mapping[str, SourceFields],
        per_call: TokensPerCall,
        spend_sources: Mapping[str, SpendSource] = SPEND_SOURCES,
    ) -> None:
        self.table = table
        self.per_call = per_call
        self.readers = {name: _Reader(spec, sources[name]) for name, spec in spend_sources.items() if name in sources}
        counted = [reader.tokens is not None for reader in self.readers.values()]
        self.join = any(counted) and not all(counted)  # calls counted without tokens, and calls with tokens
        self.uses: dict[str, dict[_Key, _Use]] = {}
        self.kinds: dict[_Kind, _Kind] = {}  # each (provider, model, region, basis) once, shared by every minute
        self.priced_requests: set[str] = set()
        self.minute_of = TimeBuckets(MINUTE, lambda seconds: int(seconds) // MINUTE).of

    def tap(self, events: Iterable[Event]) -> Iterator[Event]:
        """The events, unchanged, recorded as they pass."""
        readers = self.readers
        for event in events:
            reader = readers.get(event.source)
            if reader is not None and reader.accepts(event):
                self._record(reader, event)
            yield event

    def _record(self, reader: _Reader, event: Event) -> None:
        principal = reader.principal(event)
        (read_model, model_arg), (read_provider, provider_arg) = reader.model, reader.provider
        model, provider = read_model(event, model_arg), read_provider(event, provider_arg)
        if not principal or not isinstance(model, str) or not isinstance(provider, str):
            return
        usd = None if reader.usd is None else reader.usd[0](event, reader.usd[1])
        counts = None if reader.tokens is None else reader.tokens(event)
        if usd is not None and isinstance(usd, _NUMBER) and not isinstance(usd, bool):
            basis = CostBasis.BILLING
        elif counts is not None:
            basis = CostBasis.TOKENS
        elif reader.counts_calls:
            basis = CostBasis.INVOCATIONS
        else:
            return
        read_region, region_arg = reader.region
        region = read_region(event, region_arg)
        minute = self.minute_of(event.time)
        kind = (provider, model, region if isinstance(region, str) else None, basis)
        key = (minute, self.kinds.setdefault(kind, kind))
        uses = self.uses.get(principal)
        if uses is None:
            uses = self.uses[principal] = {}
        use = uses.get(key)
        if use is None:
            use = uses[key] = _Use()
        use.invocations += 1
        request_id = reader.request_id[0](event, reader.request_id[1]) if self.join else None
        if basis is CostBasis.BILLING:
            use.usd = (use.usd or Decimal(0)) + Decimal(str(usd))
            hours = reader.hours[0](event, reader.hours[1])
            span = max(1, round(hours)) if isinstance(hours, _NUMBER) and not isinstance(hours, bool) else 1
            first_hour = minute // MINUTES_PER_HOUR
            covered = use.billed_hours or range(first_hour, first_hour + 1)
            use.billed_hours = range(first_hour, max(covered.stop, first_hour + span))
        elif counts is not None:  # priced from its tokens
            use.tokens = _summed(use.tokens, counts)
            if isinstance(request_id, str):
                self.priced_requests.add(request_id)
        elif isinstance(request_id, str):
            if use.request_ids is None:
                use.request_ids = set()
            use.request_ids.add(request_id)

    def cost(self, principal: str, start: datetime, end: datetime) -> CostFigures | None:
        """What ``principal`` spent from ``start`` to ``end`` (to the minute); ``None`` when jackwatch saw it
        spend nothing there."""
        uses = self.uses.get(principal)
        if not uses:
            return None
        first, last = int(start.timestamp()) // MINUTE, int(end.timestamp()) // MINUTE
        inside = [(key, use) for key, use in uses.items() if first <= key[0] <= last]
        billed_hours = {
            (hour, key[1][0]) for key, use in inside if use.billed_hours is not None for hour in use.billed_hours
        }
        records: list[UsageRecord] = []
        billed = Decimal(0)
        bases: set[CostBasis] = set()
        partial = False  # calls priced without their input or output count
        for (minute, (provider, model, region, basis)), use in inside:
            if basis is CostBasis.BILLING:
                billed += use.usd or Decimal(0)
            elif (minute // MINUTES_PER_HOUR, provider) in billed_hours:
                continue  # the bill of that hour already counts these calls
            else:
                record = self._priceable(datetime.fromtimestamp(minute * MINUTE, UTC), provider, model, region, use)
                if record is None:
                    continue
                records.append(record)
                partial = partial or (use.tokens is not None and use.tokens[4])
            bases.add(basis)
        if not bases:
            return None
        window_start = datetime.fromtimestamp(first * MINUTE, UTC)  # records are stamped at the start of their minute
        spend = summarize_spend(records, self.table, window_start, end, self.per_call)
        if spend.cost is None and CostBasis.BILLING not in bases:
            return None  # nothing could be priced (unknown models): the cost is unknown, not 0
        rate = (billed + (spend.cost or Decimal(0))) / spend.hours
        return CostFigures(
            usd=to_usd(billed + (spend.cost or Decimal(0))),
            burn_rate_usd_per_hour=to_usd(rate),
            projected_24h_usd=to_usd(rate * 24),
            basis=most_precise(bases),
            estimated=spend.estimated or partial,
            unknown_models=tuple(sorted({f"{unknown.provider} {unknown.model}" for unknown in spend.unknown_models})),
        )

    def unpriced_models(self) -> list[str]:
        """Every ``provider model`` used in the run that the price table does not know (priced as unknown, not 0)."""
        used = {
            (provider, model, region) for provider, model, region, basis in self.kinds if basis is not CostBasis.BILLING
        }
        unknown = {
            f"{price.provider} {price.model}"
            for provider, model, region in used
            if isinstance(price := self.table.lookup(provider, model, region), UnknownPrice)
        }
        return sorted(unknown)

    def _priceable(
        self, time: datetime, provider: str, model: str, region: str | None, use: _Use
    ) -> UsageRecord | None:
        """A minute's use as a record to price; CloudTrail calls an invocation log already priced are left out."""
        if use.tokens is not None:
            return UsageRecord(time, provider, model, region, TokenUsage(*use.tokens[:4]))
        logged = len(use.request_ids & self.priced_requests) if use.request_ids else 0
        unpriced = use.invocations - logged
        return UsageRecord(time, provider, model, region, unpriced) if unpriced > 0 else None


def _summed(total: _Counts | None, counts: _Counts) -> _Counts:
    """``counts`` added to ``total`` count by count (partial when either is), without a :class:`TokenUsage` made
    for every call."""
    if total is None:
        return counts
    return (
        total[0] + counts[0],
        total[1] + counts[1],
        total[2] + counts[2],
        total[3] + counts[3],
        total[4] or counts[4],
    )


def _count(value: object) -> int | None:
    if type(value) is int:  # the usual count, told by its exact type
        return value
    return value if isinstance(value, int) and not isinstance(value, bool) else None
