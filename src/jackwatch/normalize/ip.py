"""Tolerant parsing of CloudTrail's ``sourceIPAddress``.

The field holds an IPv4 or IPv6 address (IPv4 sometimes zero-padded: ``035.249.253.232``), an AWS
service host when a service acted for the caller (``bedrock.amazonaws.com``), or ``AWS Internal``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from ipaddress import IPv4Address, IPv6Address, ip_address

AWS_INTERNAL = "AWS Internal"
_SERVICE_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn", ".api.aws", ".amazon.com")
_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-")


@dataclass(frozen=True, slots=True)
class SourceIp:
    """A parsed source: an address, or the AWS service that made the call, or neither (garbage).

    ``text`` is the address in canonical form (``35.249.253.232``, compressed IPv6), or ``None``.
    """

    ip: IPv4Address | IPv6Address | None
    service: str | None
    raw: str
    text: str | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", None if self.ip is None else str(self.ip))  # read for every event shown


_EMPTY = SourceIp(None, None, "")


def parse_source_ip(text: object) -> SourceIp:
    """Parse ``sourceIPAddress``; never raises (anything but a string gives an empty result).

    Zero-padded IPv4 octets are read as decimal; IPv4-mapped IPv6 addresses become IPv4; a bracketed
    IPv6 or a scope id is accepted. AWS service hosts and ``AWS Internal`` go to ``service``.
    """
    if not isinstance(text, str):
        return _EMPTY
    return _parse(text)


@lru_cache(maxsize=65536)
def _parse(text: str) -> SourceIp:
    value = text.strip()
    address = _address(value)
    if address is not None:
        return SourceIp(address, None, text)
    return SourceIp(None, _service(value), text)


def _address(value: str) -> IPv4Address | IPv6Address | None:
    if value.startswith("[") and value.endswith("]"):
        value = value[1:-1]
    try:
        address = ip_address(value)
    except ValueError:
        return _padded_ipv4(value)
    if isinstance(address, IPv6Address):
        mapped = address.ipv4_mapped
        if mapped is not None:
            return mapped
        if address.scope_id is not None:
            return IPv6Address(value.partition("%")[0])
    return address


def _padded_ipv4(value: str) -> IPv4Address | None:
    parts = value.split(".")
    if len(parts) != 4 or not all(0 < len(part) <= 3 and part.isascii() and part.isdigit() for part in parts):
        return None
    octets = [int(part) for part in parts]
    if max(octets) > 255:
        return None
    return IPv4Address(bytes(octets))


def _service(value: str) -> str | None:
    if value.casefold() == AWS_INTERNAL.casefold():
        return AWS_INTERNAL
    host = value.lower()
    if host.endswith(_SERVICE_SUFFIXES) and _HOST_CHARS.issuperset(host) and ".." not in host:
        return host
    return None
