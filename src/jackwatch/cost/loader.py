"""Read price files (YAML) into a :class:`~jackwatch.cost.table.PriceTable`, reporting every error with file:line.

A price file is one mapping: optional ``defaults`` (``provider``, ``region_class``, ``effective``, ``source``) that
every entry inherits unless it sets the key itself, and ``prices``, a list of entries (``model``, ``aliases``,
``input``, ``output``, ``cache_read``, ``cache_write``, ``note`` and the keys above). Prices are USD per million
tokens. The built-in files load first, then each extra file in order; an entry with the same (provider, model,
region class) as an earlier one replaces it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from jackwatch.cost.models import STANDARD, Provider, normalize
from jackwatch.cost.table import Price, PriceError, PriceTable, PriceTableError
from jackwatch.errors import ContentError, Location
from jackwatch.yamlsource import YamlMap, read_yaml

T = TypeVar("T")

_DEFAULT_KEYS = ("provider", "region_class", "effective", "source")
_ENTRY_KEYS = ("model", "aliases", "input", "output", "cache_read", "cache_write", "note", *_DEFAULT_KEYS)
_FILE_KEYS = ("defaults", "prices")
_REGION_CLASS = re.compile(r"[a-z][a-z0-9-]*")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def builtin_price_files() -> list[Path]:
    """The price files shipped as package data (``jackwatch/content/prices/*.yaml``), sorted."""
    root = Path(str(files("jackwatch") / "content" / "prices"))
    return sorted(root.glob("*.yaml")) if root.is_dir() else []


def load_price_table(extra: Sequence[Path] = ()) -> PriceTable:
    """The built-in prices with the entries of ``extra`` files replacing or extending them, in order.

    Raises :class:`PriceTableError` carrying every problem of every file (each with file:line).
    """
    merged: dict[tuple[Provider, str, str], Price] = {}
    errors: list[PriceError] = []
    for layer in (builtin_price_files(), *([path] for path in extra)):
        seen: dict[tuple[Provider, str, str], Price] = {}
        for path in layer:
            prices, problems = read_price_file(path)
            errors.extend(problems)
            for price in prices:
                earlier = seen.setdefault(price.key, price)
                if earlier is not price:
                    provider, model, region_class = price.key
                    errors.append(
                        PriceError(
                            f"{provider} {model} ({region_class}) is already priced at {earlier.location}",
                            price.location,
                        )
                    )
        merged.update(seen)
    if errors:
        raise PriceTableError(errors)
    return PriceTable(merged.values())


def read_price_file(path: Path) -> tuple[list[Price], list[PriceError]]:
    """The valid entries of one file and every problem found in it; a bad entry is left out, the others kept."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return [], [PriceError(f"cannot read the price file: {reason}", Location(name))]
    try:
        loaded = read_yaml(text, name)
    except ContentError as exc:
        return [], [PriceError(exc.message, exc.location)]
    errors = [PriceError(f"key {dup.key!r} given twice", dup.location) for dup in loaded.duplicate_keys]
    if len(loaded.values) != 1 or not isinstance(loaded.values[0], YamlMap):
        errors.append(PriceError("a price file is one YAML mapping with a 'prices' list", Location(name, 1)))
        return [], errors
    top = loaded.values[0]
    _check_keys(top, _FILE_KEYS, errors)
    defaults = top.get("defaults")
    if defaults is not None and not isinstance(defaults, YamlMap):
        errors.append(PriceError("defaults must be a mapping", top.location("defaults")))
        defaults = None
    if defaults is not None:
        _check_keys(defaults, _DEFAULT_KEYS, errors)
        _Fields(defaults, None, errors).check_all(_DEFAULT_KEYS)
    entries = top.get("prices")
    if not isinstance(entries, list) or not entries:
        errors.append(PriceError("prices must be a non-empty list of entries", top.location("prices")))
        return [], errors
    prices = [price for number, item in enumerate(entries, 1) if (price := _entry(item, number, defaults, top, errors))]
    return prices, sorted(errors, key=_line)


def _entry(
    item: object, number: int, defaults: YamlMap | None, parent: YamlMap, errors: list[PriceError]
) -> Price | None:
    if not isinstance(item, YamlMap):
        message = f"price entry {number} must be a mapping, not {item!r}"
        errors.append(PriceError(message, parent.location("prices")))
        return None
    before = len(errors)
    _check_keys(item, _ENTRY_KEYS, errors)
    fields = _Fields(item, defaults, errors)
    provider = fields.take("provider", _provider)
    model = fields.take("model", _text)
    aliases = fields.take("aliases", _names, required=False) or ()
    region_class = fields.take("region_class", _region_class, required=False) or STANDARD
    input_price, output_price = fields.take("input", _amount), fields.take("output", _amount)
    cache_read = fields.take("cache_read", _amount, required=False)
    cache_write = fields.take("cache_write", _amount, required=False)
    effective, source = fields.take("effective", _effective), fields.take("source", _source)
    note = fields.take("note", _text, required=False)
    if provider is not None and model is not None:
        _check_ids(item, provider, model, aliases, errors)
    if (
        len(errors) > before
        or fields.invalid
        or provider is None
        or model is None
        or input_price is None
        or output_price is None
        or effective is None
        or source is None
    ):
        return None
    return Price(
        provider,
        model,
        region_class,
        input_price,
        output_price,
        cache_read,
        cache_write,
        effective,
        source,
        aliases,
        note,
        item.location(),
    )


class _Fields:
    """Reads the values of one mapping, falling back to the file's defaults, and records each problem."""

    def __init__(self, item: YamlMap, defaults: YamlMap | None, errors: list[PriceError]) -> None:
        self.item, self.defaults, self.errors = item, defaults, errors
        self.invalid = False

    def take(self, key: str, parse: Callable[[object], T], required: bool = True) -> T | None:
        """The parsed value of ``key`` (or of the default), ``None`` when absent or invalid (and recorded)."""
        if key in self.item and self.item[key] is not None:
            try:
                return parse(self.item[key])
            except ValueError as exc:
                self.errors.append(PriceError(f"{key}: {exc}", self.item.location(key)))
                return None
        if self.defaults is not None and key in self.defaults:
            try:
                return parse(self.defaults[key])
            except ValueError:
                self.invalid = True  # reported once, where the defaults are
                return None
        if required:
            self.errors.append(PriceError(f"missing {key}", self.item.location()))
        return None

    def check_all(self, keys: Iterable[str]) -> None:
        """Parse every key present (used for the defaults)."""
        parsers = {"provider": _provider, "region_class": _region_class, "effective": _effective, "source": _source}
        for key in keys:
            if key in self.item:
                self.take(key, parsers[key], required=False)


def _line(error: PriceError) -> int:
    return (error.location.line or 0) if error.location else 0


def _check_keys(item: YamlMap, allowed: Sequence[str], errors: list[PriceError]) -> None:
    for key in item:
        if key not in allowed:
            expected = ", ".join(allowed)
            errors.append(PriceError(f"unknown key {key!r} (expected: {expected})", item.location(key)))


def _check_ids(
    item: YamlMap, provider: Provider, model: str, aliases: tuple[str, ...], errors: list[PriceError]
) -> None:
    """Ids must be written as lookups normalise them, so that every form a provider writes finds them."""
    for key, names in (("model", (model,)), ("aliases", aliases)):
        for name in names:
            ref = normalize(provider, name)
            if ref.key != name or ref.geography is not None or not ref.priceable:
                errors.append(
                    PriceError(
                        f"{key}: write the bare {provider} model id ({ref.key!r}), not {name!r}", item.location(key)
                    )
                )
    if model in aliases:
        errors.append(PriceError(f"aliases: {model!r} is the model id itself", item.location("aliases")))


def _provider(value: object) -> Provider:
    try:
        return Provider(str(value))
    except ValueError:
        names = ", ".join(p.value for p in Provider)
        raise ValueError(f"unknown provider {value!r} (one of {names})") from None


def _text(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"must be a non-empty string, not {value!r}")
    return value.strip()


def _names(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ValueError(f"must be a list of model ids, not {value!r}")
    names = tuple(_text(name) for name in value)
    if len(set(names)) != len(names):
        raise ValueError("lists an id twice")
    return names


def _region_class(value: object) -> str:
    if not isinstance(value, str) or not _REGION_CLASS.fullmatch(value):
        raise ValueError(f"must be a lower-case name such as standard, global, regional or us-gov, not {value!r}")
    return value


def _amount(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"must be a number (USD per million tokens), not {value!r}")
    amount = Decimal(str(value))  # str() gives the shortest repr of a float: 0.075 stays exactly 0.075
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"must be a finite number that is not negative, not {value!r}")
    return amount


def _effective(value: object) -> date:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise ValueError(f"must be a date written YYYY-MM-DD, not {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a calendar date") from None


def _source(value: object) -> str:
    text = _text(value)
    parts = urlsplit(text)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ValueError(f"must be the URL of the public price list (https://…), not {value!r}")
    return text
