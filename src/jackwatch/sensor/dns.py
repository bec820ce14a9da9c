"""Names of the addresses processes connect to, learnt from the DNS answers they received.

The kernel program hands over the first bytes (up to 200) of each UDP datagram a process receives with
``recvfrom`` on a socket connected to port 53. :func:`parse_answer` reads the question and the A/AAAA records
that fit; :class:`DnsCache` remembers, per address, the name that was asked for (not the CNAME targets), so a later
connect to that address is shown with the name the program used (``api.openai.com``, not a CDN host).
"""

from __future__ import annotations

import ipaddress
from collections import OrderedDict
from dataclasses import dataclass

MAX_POINTERS = 16
"""Compression pointers followed in one name (a loop in a forged answer ends here)."""

TYPE_A = 1
TYPE_AAAA = 28


@dataclass(frozen=True, slots=True)
class Answer:
    """The name asked for and the addresses the answer gave for it."""

    name: str
    addresses: tuple[str, ...]


def _name(data: bytes, offset: int) -> tuple[str, int]:
    """The name at ``offset`` and the offset after it (in the message, not after a pointer's target)."""
    labels: list[str] = []
    end = -1
    jumps = 0
    while True:
        if offset >= len(data):
            raise ValueError("name runs past the data")
        length = data[offset]
        if length == 0:
            offset += 1
            break
        if length & 0xC0 == 0xC0:
            if offset + 1 >= len(data) or jumps >= MAX_POINTERS:
                raise ValueError("bad compression pointer")
            if end < 0:
                end = offset + 2
            offset = ((length & 0x3F) << 8) | data[offset + 1]
            jumps += 1
            continue
        if length & 0xC0:
            raise ValueError("unsupported label type")
        label = data[offset + 1 : offset + 1 + length]
        if len(label) != length:
            raise ValueError("label runs past the data")
        labels.append(label.decode("ascii", "replace"))
        offset += 1 + length
    return ".".join(labels).lower(), end if end >= 0 else offset


def parse_answer(data: bytes) -> Answer | None:
    """The question and the addresses of a DNS response (as many records as the bytes hold); ``None`` when the
    bytes are not a response with one question."""
    if len(data) < 12:
        return None
    flags = int.from_bytes(data[2:4], "big")
    questions = int.from_bytes(data[4:6], "big")
    answers = int.from_bytes(data[6:8], "big")
    if not flags & 0x8000 or questions != 1:
        return None
    try:
        name, offset = _name(data, 12)
    except ValueError:
        return None
    offset += 4  # QTYPE, QCLASS
    found: list[str] = []
    for _ in range(answers):
        try:
            _, offset = _name(data, offset)
        except ValueError:
            break
        if offset + 10 > len(data):
            break
        rtype = int.from_bytes(data[offset : offset + 2], "big")
        length = int.from_bytes(data[offset + 8 : offset + 10], "big")
        rdata = data[offset + 10 : offset + 10 + length]
        if len(rdata) != length:
            break
        if rtype == TYPE_A and length == 4:
            found.append(str(ipaddress.IPv4Address(rdata)))
        elif rtype == TYPE_AAAA and length == 16:
            found.append(str(ipaddress.IPv6Address(rdata)))
        offset += 10 + length
    return Answer(name, tuple(found)) if name else None


class DnsCache:
    """Address → the name last resolved to it, for the ``capacity`` most recent addresses."""

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._names: OrderedDict[str, str] = OrderedDict()

    def learn(self, answer: Answer) -> None:
        """Remember the addresses of ``answer``."""
        for address in answer.addresses:
            self._names[address] = answer.name
            self._names.move_to_end(address)
        while len(self._names) > self.capacity:
            self._names.popitem(last=False)

    def name_of(self, address: str) -> str | None:
        """The name ``address`` was resolved from, if the sensor saw the answer."""
        return self._names.get(address)

    def __len__(self) -> int:
        return len(self._names)
