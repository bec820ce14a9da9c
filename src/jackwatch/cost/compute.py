"""What tokens cost: exact arithmetic in :class:`~decimal.Decimal`, floats only at the edge (:attr:`Cost.usd`).

Money is computed with ``Decimal`` throughout (prices are read from the table exactly as written), so sums
are exact and additive; :attr:`Cost.usd` rounds to :data:`USD_PLACES` decimal places (a millionth of a dollar)
for output.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from jackwatch.cost.table import Price, UnknownPrice

PER_MILLION = Decimal(1_000_000)
USD_PLACES = 6
"""Decimal places kept when a cost leaves jackwatch as a float."""

_QUANTUM = Decimal(1).scaleb(-USD_PLACES)


def to_usd(amount: Decimal) -> float:
    """``amount`` rounded half-even to :data:`USD_PLACES` places, as a float."""
    return float(amount.quantize(_QUANTUM, rounding=ROUND_HALF_EVEN))


@dataclass(frozen=True, slots=True)
class TokenUsage:
    """Token counts of one call or a batch of calls, as the provider reports them.

    ``input`` excludes the cached tokens (as Bedrock and Anthropic report it; for OpenAI subtract
    ``cached_tokens`` from ``prompt_tokens``). ``None`` means the count is missing, which is reported, never
    read as zero.
    """

    input: int | None
    output: int | None
    cache_read: int | None = 0
    cache_write: int | None = 0

    def problems(self) -> list[str]:
        """Why these counts cannot be priced (missing, negative or not whole numbers); empty when they can."""
        found = []
        for name in ("input", "output", "cache_read", "cache_write"):
            value = getattr(self, name)
            label = name.replace("_", "-")
            if value is None:
                found.append(f"{label} token count missing")
            elif isinstance(value, bool) or not isinstance(value, int):
                found.append(f"{label} token count is not a whole number: {value!r}")
            elif value < 0:
                found.append(f"{label} token count is negative: {value}")
        return found

    def __add__(self, other: TokenUsage) -> TokenUsage:
        """Counts summed field by field (a missing count stays missing)."""

        def add(a: int | None, b: int | None) -> int | None:
            return None if a is None or b is None else a + b

        return TokenUsage(
            add(self.input, other.input),
            add(self.output, other.output),
            add(self.cache_read, other.cache_read),
            add(self.cache_write, other.cache_write),
        )


@dataclass(frozen=True, slots=True)
class TokensPerCall:
    """The tokens one call is assumed to use when only the number of calls is known (``estimated`` costs).

    The default, 1,000 input and 500 output tokens, is a modest chat turn; LLMjacking proxies often send far
    longer prompts, so estimates made with it are usually low.
    """

    input: int = 1_000
    output: int = 500

    def __post_init__(self) -> None:
        if min(self.input, self.output) < 0:
            raise ValueError(f"tokens per call cannot be negative: {self.input} input, {self.output} output")


DEFAULT_TOKENS_PER_CALL = TokensPerCall()


@dataclass(frozen=True, slots=True)
class Cost:
    """A cost in USD, or why there is none.

    ``amount`` is ``None`` when the cost cannot be computed: the model has no known price (``unknown_models``)
    or the usage is invalid (``reason``). ``estimated`` is true when it rests on an assumed number of tokens
    per call.
    """

    amount: Decimal | None
    estimated: bool = False
    unknown_models: tuple[UnknownPrice, ...] = ()
    reason: str | None = None

    @property
    def usd(self) -> float | None:
        """The amount rounded to :data:`USD_PLACES` places, or ``None``."""
        return None if self.amount is None else to_usd(self.amount)


def cost_of(price: Price | UnknownPrice, usage: TokenUsage) -> Cost:
    """The cost of ``usage`` at ``price``; cache tokens without a price of their own are charged as input."""
    if isinstance(price, UnknownPrice):
        return Cost(None, unknown_models=(price,), reason=f"no price for {price}")
    problems = usage.problems()
    if problems:
        return Cost(None, reason="; ".join(problems))
    assert usage.input is not None and usage.output is not None  # checked by problems()
    assert usage.cache_read is not None and usage.cache_write is not None
    micro = (
        usage.input * price.input
        + usage.output * price.output
        + usage.cache_read * (price.input if price.cache_read is None else price.cache_read)
        + usage.cache_write * (price.input if price.cache_write is None else price.cache_write)
    )
    return Cost(micro / PER_MILLION)


def estimate_cost(
    price: Price | UnknownPrice, invocations: int, per_call: TokensPerCall = DEFAULT_TOKENS_PER_CALL
) -> Cost:
    """The cost of ``invocations`` calls of ``per_call`` tokens each, marked ``estimated``."""
    if isinstance(invocations, bool) or not isinstance(invocations, int) or invocations < 0:
        return Cost(None, estimated=True, reason=f"invocation count must be a whole number ≥ 0, not {invocations!r}")
    usage = TokenUsage(invocations * per_call.input, invocations * per_call.output)
    cost = cost_of(price, usage)
    return Cost(cost.amount, True, cost.unknown_models, cost.reason)
