"""DNS answers: question name and addresses, compression, CNAMEs, truncation, forged loops."""

from __future__ import annotations

import struct

from jackwatch.sensor.dns import Answer, DnsCache, parse_answer


def name(text: str) -> bytes:
    return b"".join(bytes([len(label)]) + label.encode() for label in text.split(".")) + b"\0"


def response(question: str, records: list[tuple[int, bytes]], flags: int = 0x8180) -> bytes:
    head = struct.pack(">HHHHHH", 0x1234, flags, 1, len(records), 0, 0)
    body = name(question) + struct.pack(">HH", 1, 1)
    for rtype, rdata in records:
        body += b"\xc0\x0c" + struct.pack(">HHIH", rtype, 1, 60, len(rdata)) + rdata
    return head + body


def test_addresses_of_the_name_asked_for() -> None:
    data = response(
        "api.openai.com",
        [
            (5, name("api.openai.com.cdn.cloudflare.net")),  # CNAME
            (1, bytes([162, 159, 140, 245])),
            (1, bytes([172, 66, 0, 243])),
            (28, bytes.fromhex("26064700000000000000000000000001")),
        ],
    )
    assert parse_answer(data) == Answer("api.openai.com", ("162.159.140.245", "172.66.0.243", "2606:4700::1"))


def test_a_cut_answer_gives_the_records_that_fit() -> None:
    data = response("Bedrock-Runtime.us-east-1.amazonaws.com", [(1, bytes([52, 94, 133, 131])), (1, bytes(4))])
    answer = parse_answer(data[:-3])
    assert answer == Answer("bedrock-runtime.us-east-1.amazonaws.com", ("52.94.133.131",))


def test_what_is_not_an_answer() -> None:
    assert parse_answer(b"\x00" * 5) is None
    assert parse_answer(response("x.example", [], flags=0x0100)) is None  # a query
    loop = struct.pack(">HHHHHH", 1, 0x8180, 1, 0, 0, 0) + b"\xc0\x0c"  # the name points at itself
    assert parse_answer(loop) is None
    assert parse_answer(struct.pack(">HHHHHH", 1, 0x8180, 1, 0, 0, 0) + b"\x05ab") is None


def test_cache_remembers_the_latest_addresses() -> None:
    cache = DnsCache(capacity=2)
    cache.learn(Answer("a.example", ("10.0.0.1",)))
    cache.learn(Answer("b.example", ("10.0.0.2", "10.0.0.3")))
    assert cache.name_of("10.0.0.1") is None  # pushed out
    assert cache.name_of("10.0.0.3") == "b.example"
    assert len(cache) == 2
