"""The price table: list prices per (provider, model, region class), looked up by any id a provider writes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from jackwatch.cost.models import Provider, normalize, region_classes
from jackwatch.errors import ContentError, JackwatchError, Location


class PriceError(ContentError):
    """One problem in a price file, with its location."""


class PriceTableError(JackwatchError):
    """The price table could not be built; ``errors`` holds every problem found, each with its location."""

    def __init__(self, errors: Iterable[PriceError]) -> None:
        self.errors = tuple(errors)
        super().__init__("\n".join(str(error) for error in self.errors))


@dataclass(frozen=True, slots=True)
class Price:
    """The list price of one model on one provider in one region class, in USD per million tokens.

    ``cache_read``/``cache_write`` are ``None`` when the provider does not price those tokens apart; such tokens
    are then charged at the ``input`` price.
    """

    provider: Provider
    model: str
    region_class: str
    input: Decimal
    output: Decimal
    cache_read: Decimal | None
    cache_write: Decimal | None
    effective: date
    source: str
    aliases: tuple[str, ...] = ()
    note: str | None = None
    location: Location | None = field(default=None, compare=False)

    @property
    def key(self) -> tuple[Provider, str, str]:
        """What identifies the entry: an override with the same key replaces it."""
        return (self.provider, self.model, self.region_class)


@dataclass(frozen=True, slots=True)
class UnknownPrice:
    """No price is known for the model: never read as zero. ``model`` is the normalised id when there is one."""

    provider: str
    model: str
    reason: str

    def __str__(self) -> str:
        return f"{self.provider} {self.model}: {self.reason}"


KEPT_ANSWERS = 4096
"""How many (provider, model, region) questions a price table remembers the answer to."""


class PriceTable:
    """The prices, indexed by (provider, region class, id or alias)."""

    def __init__(self, prices: Iterable[Price]) -> None:
        """Index ``prices`` in order; an id or alias claimed by two entries of one provider and region class is a
        :class:`PriceTableError` located at the later one."""
        given = tuple(prices)
        self._entries = tuple(sorted(given, key=lambda price: (price.provider, price.model, price.region_class)))
        self._index: dict[tuple[Provider, str, str], Price] = {}
        self._answers: dict[tuple[str, str, str | None], Price | UnknownPrice] = {}
        errors: list[PriceError] = []
        for price in given:
            for name in (price.model, *price.aliases):
                slot = (price.provider, price.region_class, name)
                other = self._index.setdefault(slot, price)
                if other is not price:
                    where = f" (at {other.location})" if other.location else ""
                    errors.append(
                        PriceError(
                            f"{price.provider} id {name!r} ({price.region_class}) is already the model or an alias "
                            f"of {other.model!r}{where}",
                            price.location,
                        )
                    )
        if errors:
            raise PriceTableError(errors)

    @property
    def entries(self) -> tuple[Price, ...]:
        """Every entry, sorted by provider, model and region class."""
        return self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Price]:
        return iter(self._entries)

    def lookup(self, provider: str, model: str, region: str | None = None) -> Price | UnknownPrice:
        """The price of ``model`` as ``provider`` writes it, called in ``region`` (an AWS region, a Vertex AI
        location, or ``None``); see :func:`jackwatch.cost.models.region_classes` for the region class chosen.
        Answers are kept (up to :data:`KEPT_ANSWERS`): a run prices the same models and regions again and again."""
        asked = (provider, model, region)
        answer = self._answers.get(asked)
        if answer is None:
            answer = self._lookup(provider, model, region)
            if len(self._answers) < KEPT_ANSWERS:  # model ids come from requests: anyone can make up new ones
                self._answers[asked] = answer
        return answer

    def _lookup(self, provider: str, model: str, region: str | None) -> Price | UnknownPrice:
        try:
            known = Provider(provider)
        except ValueError:
            names = ", ".join(p.value for p in Provider)
            return UnknownPrice(provider, model, f"no prices for this provider (known: {names})")
        ref = normalize(known, model)
        if not ref.priceable:
            reason = "the id does not name a foundation model (provisioned, custom, imported or application profile)"
            return UnknownPrice(known.value, ref.key, reason)
        for region_class in region_classes(known, ref, region):
            price = self._index.get((known, region_class, ref.key))
            if price is not None:
                return price
        return UnknownPrice(known.value, ref.key, "not in the price table")
