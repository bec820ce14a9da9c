"""The caller's network from Azure's ``callerIpAddress``, which resource logs write with the last octet
masked (``203.0.113.***``, ``203.0.113.*``); the Activity log writes whole addresses."""

from __future__ import annotations

from functools import lru_cache
from ipaddress import IPv4Address, IPv4Network, IPv6Network, ip_network

from jackwatch.normalize import parse_source_ip

IPV4_PREFIX = 24
"""The network of an IPv4 caller: the /24 that masking leaves visible."""

IPV6_PREFIX = 48
"""The network of an IPv6 caller: a site's usual allocation."""

_MASK_CHARACTERS = frozenset("*xX")


@lru_cache(maxsize=65536)
def caller_network(text: str) -> IPv4Network | IPv6Network | None:
    """The network a caller address lies in: ``203.0.113.***`` → ``203.0.113.0/24``; a whole IPv4 address
    → its /24, an IPv6 address → its /48; ``None`` for anything else (other masks, host names, garbage)."""
    value = text.strip()
    head, _, last = value.rpartition(".")
    if last and set(last) <= _MASK_CHARACTERS:
        address = parse_source_ip(f"{head}.0").ip
        if isinstance(address, IPv4Address):
            return IPv4Network(f"{address}/{IPV4_PREFIX}")
        return None
    address = parse_source_ip(value).ip
    if address is None:
        return None
    prefix = IPV4_PREFIX if isinstance(address, IPv4Address) else IPV6_PREFIX
    return ip_network(f"{address}/{prefix}", strict=False)
