"""CIDR literals: address values match the networks they lie in (allowlists of networks)."""

from __future__ import annotations

from collections.abc import Callable

import pytest


@pytest.mark.parametrize(
    ("condition", "user", "expected"),
    [
        ("t.user in (10.0.0.0/8, 192.168.1.0/24)", "10.20.30.40", True),
        ("t.user in (10.0.0.0/8, 192.168.1.0/24)", "192.168.1.255", True),
        ("t.user in (10.0.0.0/8, 192.168.1.0/24)", "192.168.2.1", False),
        ("t.user in (10.0.0.0/8)", "10.0.0.0/8", True),  # the literal text itself still matches
        ("t.user in (10.0.0.0/8)", "not-an-ip", False),
        ("t.user in (2001:db8::/32)", "2001:db8:1::7", True),
        ("t.user in (2001:db8::/32)", "10.1.1.1", False),  # other address family
        ("t.user = 203.0.113.0/24", "203.0.113.9", True),
        ("t.user != 203.0.113.0/24", "203.0.113.9", False),
        ("t.user != 203.0.113.0/24", "198.51.100.1", True),
        ("t.user in (203.0.113.7/24)", "203.0.113.200", True),  # host bits are allowed
        ("t.user in (10.0.0.1, alice)", "alice", True),  # a list without networks is plain text
    ],
)
def test_address_values_match_networks(matches: Callable[..., bool], condition: str, user: str, expected: bool) -> None:
    assert matches(condition, user=user) is expected


def test_list_fields_match_networks_per_element(matches: Callable[..., bool]) -> None:
    assert matches("t.tags intersects (10.0.0.0/8)", tags=["web", "10.9.9.9"]) is True
    assert matches("t.tags in (10.0.0.0/8)", tags=["web", "10.9.9.9"]) is False
    assert matches("t.tags in (10.0.0.0/8, web)", tags=["web", "10.9.9.9"]) is True


def test_a_missing_address_matches_no_network(matches: Callable[..., bool]) -> None:
    assert matches("t.user in (0.0.0.0/0)") is False
