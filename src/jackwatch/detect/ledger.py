"""What each principal spent during a run, and what the activity behind a finding cost.

The ledger watches the events of a run as they are read. Each source that says who used which model says it
through its fields (:class:`SpendSource`): CloudTrail's successful invocations (counts only: the cost is an
estimate from an assumed number of tokens per call), Bedrock invocation logs (token counts: exact), usage and
billing rows (the provider's own charge). An invocation that both CloudTrail and an invocation log record (the
same request id) is priced once, from its tokens. Use is kept per principal, model, region and minute, so memory
grows with the minutes of activity, not with the number of calls; a finding's window is matched to the minute.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from jackwatch.cost import TokensPerCall, TokenUsage, UsageRecord, summarize_spend
from jackwatch.cost.compute import to_usd
from jackwatch.cost.table import PriceTable
from jackwatch.model import CostBasis, CostFigures, Event, most_precise
from jackwatch.rules.condition import compile_condition, parse
from jackwatch.rules.fields import SourceFields
from jackwatch.rules.spec import field_reader

MINUTE = 60


@dataclass(frozen=True, slots=True)
class SpendSource:
    """How the events of one source tell spend: which events count, and the fields naming who, what, how much.

    ``when`` is a condition (rule syntax) the events must meet; ``tokens`` names the input, output, cache-read
    and cache-write token fields (``None``: each event is one invocation); ``usd`` names a field holding a
    charge already in USD (billing rows), which is taken as it is.
    """

    provider: str
    when: str
    principal: str
    model: str
    region: str | None = None
    request_id: str | None = None
    tokens: tuple[str, str, str, str] | None = None
    usd: str | None = None


SPEND_SOURCES: Mapping[str, SpendSource] = {
    "aws_cloudtrail": SpendSource(
        provider="aws_bedrock",
        when="ct.name in (InvokeModel, InvokeModelWithResponseStream, Converse, ConverseStream) and aws.success = true",
        principal="aws.principal",
        model="aws.model_id",
        region="ct.region",
        request_id="ct.requestid",
    ),
}
"""The sources whose events carry spend, by source name."""


@dataclass(slots=True)
class _Use:
    """Use of one model in one region by one principal during one minute."""

    invocations: int = 0
    tokens: TokenUsage | None = None
    usd: Decimal | None = None
    request_ids: set[str] = field(default_factory=set)


_Key = tuple[int, str, str, str | None, CostBasis]  # minute, provider, model, region, basis


class _Reader:
    """One source's spend, read from its events through its fields."""

    def __init__(self, spec: SpendSource, fields: SourceFields) -> None:
        self.spec = spec
        self.accepts = compile_condition(parse(spec.when), fields)
        self.principal = field_reader(fields, spec.principal)
        self.model = field_reader(fields, spec.model)
        self.region = field_reader(fields, spec.region) if spec.region else _nothing
        self.request_id = field_reader(fields, spec.request_id) if spec.request_id else _nothing
        self.tokens = tuple(field_reader(fields, name) for name in spec.tokens) if spec.tokens else ()
        self.usd = field_reader(fields, spec.usd) if spec.usd else None
        self.basis = CostBasis.BILLING if spec.usd else CostBasis.TOKENS if spec.tokens else CostBasis.INVOCATIONS


def _nothing(_event: Event) -> None:
    return None


class SpendLedger:
    """Spend per principal, recorded from a run's events; prices the activity in a time window.

    ``sources`` are the fields of the sources the run reads; request ids are kept (to price a call once) only
    when one of them carries token counts.
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
        self.join = any(reader.basis is CostBasis.TOKENS for reader in self.readers.values())
        self.uses: dict[str, dict[_Key, _Use]] = {}
        self.priced_requests: set[str] = set()

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
        model = reader.model(event)
        if not isinstance(principal, str) or not isinstance(model, str):
            return
        region = reader.region(event)
        minute = int(event.time.timestamp()) // MINUTE
        key = (minute, reader.spec.provider, model, region if isinstance(region, str) else None, reader.basis)
        use = self.uses.setdefault(principal, {}).setdefault(key, _Use())
        request_id = reader.request_id(event) if self.join else None
        if isinstance(request_id, str):
            if reader.basis is CostBasis.TOKENS:
                self.priced_requests.add(request_id)
            elif reader.basis is CostBasis.INVOCATIONS:
                use.request_ids.add(request_id)
        use.invocations += 1
        if reader.tokens:
            counts = [_count(read(event)) for read in reader.tokens]
            usage = TokenUsage(counts[0], counts[1], counts[2] or 0, counts[3] or 0)
            use.tokens = usage if use.tokens is None else use.tokens + usage
        if reader.usd is not None:
            usd = reader.usd(event)
            if isinstance(usd, int | float) and not isinstance(usd, bool):
                use.usd = (use.usd or Decimal(0)) + Decimal(str(usd))

    def cost(self, principal: str, start: datetime, end: datetime) -> CostFigures | None:
        """What ``principal`` spent from ``start`` to ``end`` (to the minute); ``None`` when jackwatch saw it
        spend nothing there."""
        uses = self.uses.get(principal)
        if not uses:
            return None
        first, last = int(start.timestamp()) // MINUTE, int(end.timestamp()) // MINUTE
        records: list[UsageRecord] = []
        billed = Decimal(0)
        bases: set[CostBasis] = set()
        for (minute, provider, model, region, basis), use in uses.items():
            if not first <= minute <= last:
                continue
            if basis is CostBasis.BILLING:
                billed += use.usd or Decimal(0)
                bases.add(basis)
                continue
            record = self._priceable(datetime.fromtimestamp(minute * MINUTE, UTC), provider, model, region, use)
            if record is not None:
                records.append(record)
                bases.add(basis)
        if not bases:
            return None
        spend = summarize_spend(records, self.table, start, end, self.per_call)
        rate = (billed + (spend.cost or Decimal(0))) / spend.hours
        return CostFigures(
            usd=to_usd(billed + (spend.cost or Decimal(0))),
            burn_rate_usd_per_hour=to_usd(rate),
            projected_24h_usd=to_usd(rate * 24),
            basis=most_precise(bases),
            estimated=spend.estimated,
            unknown_models=tuple(sorted({f"{unknown.provider} {unknown.model}" for unknown in spend.unknown_models})),
        )

    def _priceable(
        self, time: datetime, provider: str, model: str, region: str | None, use: _Use
    ) -> UsageRecord | None:
        """A minute's use as a record to price; CloudTrail calls an invocation log already priced are left out."""
        if use.tokens is not None:
            return UsageRecord(time, provider, model, region, use.tokens)
        unpriced = use.invocations - len(use.request_ids & self.priced_requests)
        return UsageRecord(time, provider, model, region, unpriced) if unpriced > 0 else None


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
