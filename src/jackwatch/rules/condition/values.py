"""How field values and literals are read, converted and transformed.

A field value is ``None`` (missing), a scalar, or a ``tuple`` of scalars (a list field). Scalars
compare by kind:

* ``str`` compares as text; ``bool`` with the literals ``true``/``false``; ``int``/``float`` as numbers
  (a literal that is not a number never equals one);
* ``bytes`` compare through their UTF-8 text (and raw for ``bcontains``/``bstartswith``); any other type
  through ``str()``;
* a literal that is a CIDR network (``10.0.0.0/8``, ``2001:db8::/32``) also equals every text value that
  is an IP address inside it, so ``=``, ``!=``, ``in`` and ``intersects`` work on address fields with
  network allowlists (as Falco's ``in`` does on its IP-typed fields).

Numbers are written as Falco writes them: decimal integers, decimals with an optional exponent, or
``0x`` hexadecimal. A string field value is converted with the same rules for numeric operators.

Transformers apply to each element of a list, except ``len``, which counts the elements:
``tolower``/``toupper`` change case, ``basename`` keeps the last path component (``/a/b/`` → ``""``),
``b64`` decodes base64 (invalid input → missing), ``len`` counts characters (or bytes, or elements).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_HEX = re.compile(r"[+-]?0[xX][0-9a-fA-F]+")

Number = int | float


def parse_number(text: str) -> Number | None:
    """The number ``text`` spells, or ``None``."""
    if _INTEGER.fullmatch(text):
        return int(text)
    if _HEX.fullmatch(text):
        return int(text, 16)
    if _DECIMAL.fullmatch(text):
        return float(text)
    return None


def parse_bool(text: str) -> bool | None:
    """``true``/``false`` → ``True``/``False``; anything else → ``None``."""
    return {"true": True, "false": False}.get(text)


def text_of(value: object) -> str:
    """The text form of a scalar field value."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def bytes_of(value: object) -> bytes:
    """The bytes of a scalar field value (UTF-8 for text)."""
    if isinstance(value, bytes):
        return value
    return text_of(value).encode("utf-8", "surrogatepass")


def number_of(value: object) -> Number | None:
    """The numeric form of a scalar field value, or ``None`` when it is not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        return parse_number(value)
    return None


@dataclass(frozen=True, slots=True)
class Literal:
    """A right-hand value in all the forms an operator may need."""

    text: str
    number: Number | None
    boolean: bool | None
    network: Network | None = field(default=None, compare=False)

    @classmethod
    def of_text(cls, text: str) -> Literal:
        """A literal written in the condition."""
        return cls(text, parse_number(text), parse_bool(text), parse_network(text))

    @classmethod
    def of_value(cls, value: object) -> Literal:
        """A literal read from a field (the right side of ``val(…)``)."""
        text = text_of(value)
        boolean = value if isinstance(value, bool) else parse_bool(text)
        return cls(text, number_of(value), boolean)


def parse_network(text: str) -> Network | None:
    """The CIDR network ``text`` spells (host bits allowed), or ``None``."""
    if "/" not in text:
        return None
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


@lru_cache(maxsize=65_536)
def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def in_networks(text: str, networks: Iterable[Network]) -> bool:
    """Whether ``text`` is an IP address inside one of ``networks``."""
    address = _address(text)
    return address is not None and any(address in network for network in networks)


def equals(value: object, literal: Literal) -> bool:
    """Falco ``=`` between one scalar field value and a literal."""
    if value is None:
        return False
    if isinstance(value, bool):
        return literal.boolean is not None and value == literal.boolean
    if isinstance(value, int | float):
        return literal.number is not None and value == literal.number
    text = text_of(value)
    if text == literal.text:
        return True
    return literal.network is not None and in_networks(text, (literal.network,))


def hex_bytes(text: str) -> bytes | None:
    """The bytes a hex literal spells (``cafebabe``), or ``None`` when it is not hex."""
    try:
        return bytes.fromhex(text)
    except ValueError:
        return None


def _elementwise(function: Callable[[object], object | None]) -> Callable[[object], object | None]:
    def apply(value: object) -> object | None:
        if isinstance(value, tuple):
            return tuple(None if item is None else function(item) for item in value)
        return function(value)

    return apply


def _textwise(function: Callable[[str], str]) -> Callable[[object], object | None]:
    """A transformer of text, applied to the text of each element (at once to a value that is text)."""
    each = _elementwise(lambda value: function(text_of(value)))

    def apply(value: object) -> object | None:
        return function(value) if type(value) is str else each(value)

    return apply


def _basename(text: str) -> str:
    return text[text.rfind("/") + 1 :]


def _b64(value: object) -> str | None:
    try:
        return base64.b64decode(text_of(value), validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return None


def _len(value: object) -> int:
    if isinstance(value, tuple | str | bytes):
        return len(value)
    return len(text_of(value))


TRANSFORM_FUNCTIONS: dict[str, Callable[[object], object | None]] = {
    "tolower": _textwise(str.lower),
    "toupper": _textwise(str.upper),
    "basename": _textwise(_basename),
    "b64": _elementwise(_b64),
    "len": _len,
}
"""Transformer name → function of a present (non-``None``) field value."""


def transform(value: object, transforms: tuple[str, ...]) -> object | None:
    """Apply ``transforms`` (outermost first, as written) to a field value."""
    for name in reversed(transforms):
        if value is None:
            return None
        value = TRANSFORM_FUNCTIONS[name](value)
    return value
