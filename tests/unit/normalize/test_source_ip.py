"""Tolerant parsing of CloudTrail's sourceIPAddress."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jackwatch.normalize import SourceIp, parse_source_ip


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("83.7.139.184", IPv4Address("83.7.139.184")),
        ("035.249.253.232", IPv4Address("35.249.253.232")),
        ("000.000.000.001", IPv4Address("0.0.0.1")),
        (" 194.48.248.108 ", IPv4Address("194.48.248.108")),
        ("2a01:4f8:c17:1234::1", IPv6Address("2a01:4f8:c17:1234::1")),
        ("2A01:04F8:0C17:1234:0000:0000:0000:0001", IPv6Address("2a01:4f8:c17:1234::1")),
        ("::ffff:8.8.8.8", IPv4Address("8.8.8.8")),
        ("[2606:4700::1111]", IPv6Address("2606:4700::1111")),
        ("fe80::1%eth0", IPv6Address("fe80::1")),
    ],
)
def test_addresses_are_parsed_and_canonical(raw: str, expected: IPv4Address | IPv6Address) -> None:
    parsed = parse_source_ip(raw)
    assert parsed == SourceIp(expected, None, raw)
    assert parsed.text == str(expected)


@pytest.mark.parametrize(
    ("raw", "service"),
    [
        ("bedrock.amazonaws.com", "bedrock.amazonaws.com"),
        ("AWS Internal", "AWS Internal"),
        ("aws internal", "AWS Internal"),
        ("Lambda.AmazonAWS.com", "lambda.amazonaws.com"),
        ("ec2.amazonaws.com.cn", "ec2.amazonaws.com.cn"),
        ("bedrock-mantle.us-east-1.api.aws", "bedrock-mantle.us-east-1.api.aws"),
    ],
)
def test_aws_service_hosts_are_kept_as_service(raw: str, service: str) -> None:
    parsed = parse_source_ip(raw)
    assert parsed.ip is None
    assert parsed.text is None
    assert parsed.service == service
    assert parsed.raw == raw


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "not an ip",
        "256.1.1.1",
        "1.2.3",
        "1.2.3.4.5",
        "0035.1.1.1",
        "1..2.3",
        "example.com",
        "evil.amazonaws.com/../x",
        "١.٢.٣.٤",
        "ip-10-0-0-1.ec2.internal",
    ],
)
def test_garbage_gives_neither_address_nor_service(raw: str) -> None:
    parsed = parse_source_ip(raw)
    assert parsed.ip is None
    assert parsed.service is None
    assert parsed.raw == raw


@pytest.mark.parametrize("value", [None, 12, ["1.2.3.4"], {"ip": "1.2.3.4"}])
def test_non_text_gives_an_empty_result(value: object) -> None:
    assert parse_source_ip(value) == SourceIp(None, None, "")


@given(st.integers(min_value=0, max_value=2**32 - 1), st.lists(st.integers(0, 2), min_size=4, max_size=4))
def test_zero_padded_ipv4_equals_the_unpadded_address(number: int, pads: list[int]) -> None:
    address = IPv4Address(number)
    octets = str(address).split(".")
    padded = ".".join(octet.zfill(min(3, len(octet) + pad)) for octet, pad in zip(octets, pads, strict=True))
    assert parse_source_ip(padded).ip == address


@given(st.integers(min_value=0, max_value=2**128 - 1))
def test_any_ipv6_round_trips(number: int) -> None:
    address = IPv6Address(number)
    mapped = address.ipv4_mapped
    assert parse_source_ip(address.exploded).ip == (mapped if mapped is not None else address)
