"""Merging a finding recorded again with the stored one (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jackwatch.model import CostBasis, CostFigures, Finding, FindingKind, Severity, finding_id
from jackwatch.store.merge import (
    MAX_EVIDENCE_VALUES,
    as_json,
    first_event_ids,
    merge_evidence,
    merge_findings,
    union_values,
)

T0 = datetime(2024, 11, 3, 14, 0, tzinfo=UTC)
PRINCIPAL = "arn:aws:iam::123456789012:user/ci-deployer"


def probe(**changes: Any) -> Finding:
    values: dict[str, Any] = {
        "id": finding_id(FindingKind.DETECTION, "aws.bedrock.invoke_probe", PRINCIPAL),
        "kind": FindingKind.DETECTION,
        "rule_id": "aws.bedrock.invoke_probe",
        "title": "Bedrock invocation probe",
        "subject": PRINCIPAL,
        "severity": Severity.HIGH,
        "first_seen": T0,
        "last_seen": T0 + timedelta(minutes=5),
        "count": 2,
        "event_ids": ("0b1c", "7f3a"),
        "evidence": {"regions": ["us-east-1"], "output": "probe by ci-deployer"},
        "mitre": ("T1078.004",),
    }
    values.update(changes)
    return Finding(**values)


def test_times_widen_and_descriptive_fields_come_from_the_newer_record() -> None:
    old = probe(first_seen=T0, last_seen=T0 + timedelta(hours=2), cost=cost_of(12.5))
    new = probe(
        first_seen=T0 - timedelta(hours=1),
        last_seen=T0 + timedelta(hours=1),
        title="Bedrock invoke probe (ValidationException)",
        severity=Severity.CRITICAL,
        mitre=("T1078.004", "T1496"),
        count=1,
    )
    merged = merge_findings(old, new)
    assert (merged.first_seen, merged.last_seen) == (T0 - timedelta(hours=1), T0 + timedelta(hours=2))
    assert merged.title == "Bedrock invoke probe (ValidationException)"
    assert merged.severity is Severity.CRITICAL
    assert merged.mitre == ("T1078.004", "T1496")
    assert merged.count == 2
    assert merged.cost_usd == 12.5


def test_newer_cost_replaces_older() -> None:
    assert merge_findings(probe(cost=cost_of(3.0)), probe(cost=cost_of(4.25))).cost == cost_of(4.25)


def cost_of(usd: float) -> CostFigures:
    return CostFigures(usd, usd, usd * 24, CostBasis.INVOCATIONS, True)


def test_event_ids_are_the_first_distinct_ones_sorted() -> None:
    merged = merge_findings(probe(event_ids=("c", "a")), probe(event_ids=("b", "a")))
    assert merged.event_ids == ("a", "b", "c")
    many = [f"{n:04d}" for n in range(120)]
    assert first_event_ids(many[60:], reversed(many[:60])) == tuple(many[:50])


def test_evidence_lists_union_and_scalars_take_the_newer_value() -> None:
    old = {"regions": ["us-west-2", "us-east-1"], "source_ips": ["198.51.100.7"], "output": "old", "asns": []}
    new = {"regions": ("eu-west-1", "us-east-1"), "output": "new", "user_agents": ["aiohttp/3.9.1"]}
    assert merge_evidence(old, new) == {
        "regions": ["eu-west-1", "us-east-1", "us-west-2"],
        "source_ips": ["198.51.100.7"],
        "output": "new",
        "asns": [],
        "user_agents": ["aiohttp/3.9.1"],
    }


def test_evidence_value_that_changes_shape_takes_the_newer_one() -> None:
    assert merge_evidence({"model": ["a", "b"]}, {"model": "anthropic.claude-3"}) == {"model": "anthropic.claude-3"}
    assert merge_evidence({"model": "x"}, {"model": ["b", "a", "b"]}) == {"model": ["a", "b"]}


def test_evidence_lists_are_capped() -> None:
    old = {"source_ips": [f"203.0.113.{n}" for n in range(40)]}
    new = {"source_ips": [f"198.51.100.{n}" for n in range(40)]}
    merged = merge_evidence(old, new)["source_ips"]
    assert len(merged) == MAX_EVIDENCE_VALUES
    assert merged == sorted(old["source_ips"] + new["source_ips"])[:MAX_EVIDENCE_VALUES]


def test_union_orders_text_then_numbers_then_other_json_and_drops_duplicates() -> None:
    values = [{"b": 1, "a": 2}, 10, "z", 9.5, None, "a", {"a": 2, "b": 1}, True, 10]
    assert union_values(values) == ["a", "z", 9.5, 10, None, True, {"b": 1, "a": 2}]


def test_as_json_gives_plain_json_data() -> None:
    when = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=1)))
    assert as_json({"ips": ("10.0.0.1",), "at": when, 7: "seven"}) == {
        "ips": ["10.0.0.1"],
        "at": "2024-01-02T03:04:05+01:00",
        "7": "seven",
    }
    with pytest.raises(TypeError):
        as_json({"handle": object()})


json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-1000, 1000), st.text(max_size=8))
evidence = st.dictionaries(
    st.sampled_from(["regions", "source_ips", "asns", "output", "model"]),
    st.one_of(json_scalars, st.lists(st.one_of(st.text(max_size=4), st.integers(0, 99)), max_size=40)),
    max_size=5,
)


@given(evidence, evidence)
def test_merging_evidence_again_changes_nothing(old: dict[str, Any], new: dict[str, Any]) -> None:
    once = merge_evidence(old, new)
    assert merge_evidence(once, new) == once
    assert merge_evidence(once, once) == once


@given(evidence, evidence)
def test_merged_lists_are_sorted_distinct_and_capped(old: dict[str, Any], new: dict[str, Any]) -> None:
    for value in merge_evidence(old, new).values():
        if isinstance(value, list):
            assert len(value) <= MAX_EVIDENCE_VALUES
            assert len({repr(item) for item in value}) == len(value)
            assert value == union_values(value)


@given(
    st.lists(st.text(min_size=1, max_size=4), max_size=80),
    st.lists(st.text(min_size=1, max_size=4), max_size=80),
)
def test_first_event_ids_is_order_independent(left: list[str], right: list[str]) -> None:
    assert first_event_ids(left, right) == first_event_ids(right, left) == tuple(sorted({*left, *right})[:50])
