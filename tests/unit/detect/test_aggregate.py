"""Merging rule matches into one finding per (rule, principal, key)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from jackwatch.detect.aggregate import MAX_EVIDENCE_VALUES, FindingAggregator, RuleFacts
from jackwatch.model import Event, Finding, FindingKind, Severity, finding_id
from jackwatch.model.finding import MAX_EVENT_IDS

T0 = datetime(2024, 11, 3, 14, 0, tzinfo=UTC)
ALICE = "arn:aws:iam::123456789012:user/alice"
MALLORY = "arn:aws:iam::123456789012:user/mallory"
PROBE = RuleFacts("aws.bedrock.invoke_probe", "Bedrock invocation probe", Severity.HIGH, ("T1496.004",), "test")
RECON = RuleFacts(
    "aws.bedrock.recon_then_invoke", "Recon then invoke", Severity.CRITICAL, ("T1580", "T1496.004"), "test"
)
VOLUME = RuleFacts("aws.bedrock.invocation_volume", "Invocation volume", Severity.HIGH, ("T1496.004",), "test")


def event(
    event_id: str,
    minutes: float = 0,
    *,
    principal: str = MALLORY,
    region: str = "us-east-1",
    ip: str = "194.48.248.108",
    asn: str = "AS9009",
    agent: str = "python-requests/2.31.0",
    name: str = "InvokeModel",
) -> Event:
    """A test event; its raw record holds what the principal and evidence callables read."""
    raw = {"principal": principal, "region": region, "ip": ip, "asn": asn, "agent": agent}
    return Event(source="test", name=name, time=T0 + timedelta(minutes=minutes), id=event_id, raw=raw)


def principal_of(e: Event) -> str:
    return str(e.raw["principal"])


def evidence_of(e: Event) -> Mapping[str, str]:
    raw = e.raw
    return {"region": raw["region"], "source_ip": raw["ip"], "asn": raw["asn"], "user_agent": raw["agent"]}


def aggregator() -> FindingAggregator:
    return FindingAggregator({"test": principal_of}, {"test": evidence_of})


def findings(agg: FindingAggregator) -> list[Finding]:
    return [finding for finding, _ in agg.results()]


def only(agg: FindingAggregator) -> Finding:
    (finding,) = findings(agg)
    return finding


def test_one_match_gives_a_complete_finding() -> None:
    agg = aggregator()
    agg.add(PROBE, (event("e1", 5),), (), "probe by mallory")
    finding = only(agg)
    assert finding.id == finding_id(FindingKind.DETECTION, PROBE.id, MALLORY, "")
    assert (finding.kind, finding.rule_id, finding.title) == (FindingKind.DETECTION, PROBE.id, PROBE.title)
    assert (finding.subject, finding.severity, finding.mitre, finding.key) == (
        MALLORY,
        Severity.HIGH,
        ("T1496.004",),
        "",
    )
    assert (finding.first_seen, finding.last_seen, finding.count) == (T0 + timedelta(minutes=5),) * 2 + (1,)
    assert finding.event_ids == ("e1",)
    assert finding.evidence == {
        "asns": ["AS9009"],
        "regions": ["us-east-1"],
        "source_ips": ["194.48.248.108"],
        "user_agents": ["python-requests/2.31.0"],
        "output": "probe by mallory",
        "source": "test",
    }


def test_an_event_counts_once_per_finding_whatever_the_number_of_matches() -> None:
    agg = aggregator()
    recon, invoke, invoke_again = event("recon", 0), event("invoke-1", 3), event("invoke-2", 9)
    agg.add(RECON, (recon, invoke), (), "recon then invoke")
    agg.add(RECON, (recon, invoke_again), (), "recon then invoke")
    agg.add(RECON, (invoke_again,), (), "recon then invoke")
    ((finding, every_id),) = list(agg.results())
    assert finding.count == 3
    assert finding.event_ids == ("recon", "invoke-1", "invoke-2")
    assert every_id == ("recon", "invoke-1", "invoke-2")


def test_the_same_event_counts_for_each_finding_it_supports() -> None:
    agg = aggregator()
    shared = event("e1")
    agg.add(PROBE, (shared,), (), "probe")
    agg.add(RECON, (shared,), (), "recon")
    assert sorted((f.rule_id, f.count) for f in findings(agg)) == [(PROBE.id, 1), (RECON.id, 1)]


def test_first_and_last_seen_hold_with_events_out_of_order() -> None:
    agg = aggregator()
    for event_id, minutes in [("c", 30), ("a", 10), ("e", 50), ("b", 20), ("d", 40)]:
        agg.add(PROBE, (event(event_id, minutes),), (), f"probe at {minutes}")
    finding = only(agg)
    assert finding.first_seen == T0 + timedelta(minutes=10)
    assert finding.last_seen == T0 + timedelta(minutes=50)
    assert finding.count == 5


def test_output_is_that_of_the_latest_event_not_of_the_latest_match() -> None:
    agg = aggregator()
    agg.add(PROBE, (event("late", 50),), (), "probe at 50")
    agg.add(PROBE, (event("early", 10),), (), "probe at 10")
    agg.add(PROBE, (event("middle", 30),), (), "probe at 30")
    assert only(agg).evidence["output"] == "probe at 50"


def test_a_sequence_whose_first_step_is_older_widens_first_seen() -> None:
    agg = aggregator()
    agg.add(RECON, (event("invoke", 20),), (), "first")
    agg.add(RECON, (event("recon", 2), event("invoke-2", 25)), (), "second")
    finding = only(agg)
    assert (finding.first_seen, finding.last_seen) == (T0 + timedelta(minutes=2), T0 + timedelta(minutes=25))
    assert finding.evidence["output"] == "second"


def test_event_ids_are_capped_but_the_count_is_the_total() -> None:
    agg = aggregator()
    total = MAX_EVENT_IDS * 2 + 7
    for n in range(total):
        agg.add(VOLUME, (event(f"e{n:04d}", n / 10),), ("anthropic.claude-v2",), "volume")
    ((finding, every_id),) = list(agg.results())
    assert finding.count == total
    assert len(finding.event_ids) == MAX_EVENT_IDS
    assert finding.event_ids == tuple(f"e{n:04d}" for n in range(MAX_EVENT_IDS))
    assert len(every_id) == len(set(every_id)) == total


def test_evidence_lists_are_capped_sorted_and_distinct() -> None:
    agg = aggregator()
    for n in range(MAX_EVIDENCE_VALUES + 30):
        ip = f"203.0.113.{n % 200}"
        agg.add(PROBE, (event(f"e{n}", n, ip=ip, region="us-east-1" if n % 2 else "eu-west-1"),), (), "probe")
    evidence = only(agg).evidence
    assert len(evidence["source_ips"]) == MAX_EVIDENCE_VALUES
    assert evidence["source_ips"] == sorted(set(evidence["source_ips"]))
    assert evidence["regions"] == ["eu-west-1", "us-east-1"]


def test_empty_evidence_values_are_left_out() -> None:
    agg = aggregator()
    agg.add(PROBE, (event("e1", agent=""), event("e2", 1, agent="")), (), "probe")
    evidence = only(agg).evidence
    assert "user_agents" not in evidence
    assert evidence["regions"] == ["us-east-1"]


def test_findings_are_separated_by_key() -> None:
    agg = aggregator()
    agg.add(VOLUME, (event("e1"),), ("anthropic.claude-v2",), "volume")
    agg.add(VOLUME, (event("e2", 1),), ("anthropic.claude-3-sonnet",), "volume")
    agg.add(VOLUME, (event("e3", 2),), ("anthropic.claude-v2",), "volume")
    by_key = {f.key: f for f in findings(agg)}
    assert set(by_key) == {"anthropic.claude-v2", "anthropic.claude-3-sonnet"}
    assert by_key["anthropic.claude-v2"].count == 2
    assert by_key["anthropic.claude-3-sonnet"].count == 1
    assert by_key["anthropic.claude-v2"].id != by_key["anthropic.claude-3-sonnet"].id
    assert len(agg) == 2


def test_key_parts_are_joined_into_the_finding_key() -> None:
    agg = aggregator()
    agg.add(VOLUME, (event("e1"),), ("us-east-1", "anthropic.claude-v2"), "volume")
    finding = only(agg)
    assert finding.key == "us-east-1|anthropic.claude-v2"
    assert finding.id == finding_id(FindingKind.DETECTION, VOLUME.id, MALLORY, "us-east-1|anthropic.claude-v2")


def test_findings_are_separated_by_principal_and_by_rule() -> None:
    agg = aggregator()
    agg.add(PROBE, (event("e1", principal=ALICE),), (), "probe")
    agg.add(PROBE, (event("e2", principal=MALLORY),), (), "probe")
    agg.add(RECON, (event("e3", principal=MALLORY),), (), "recon")
    assert sorted((f.rule_id, f.subject) for f in findings(agg)) == [
        (PROBE.id, ALICE),
        (PROBE.id, MALLORY),
        (RECON.id, MALLORY),
    ]
    assert len({f.id for f in findings(agg)}) == 3


def test_the_principal_is_that_of_the_trigger_event() -> None:
    agg = aggregator()
    agg.add(RECON, (event("recon", principal=ALICE), event("invoke", 1, principal=MALLORY)), (), "recon")
    assert only(agg).subject == MALLORY


def test_principal_and_evidence_are_read_with_the_rule_source_callables() -> None:
    other = RuleFacts("k8s.exec", "Exec into a pod", Severity.MEDIUM, (), "other")
    agg = FindingAggregator(
        {"test": principal_of, "other": lambda e: "system:serviceaccount:default:runner"},
        {"test": evidence_of, "other": lambda e: {"namespace": "default"}},
    )
    agg.add(other, (event("e1"),), (), "exec")
    agg.add(PROBE, (event("e2"),), (), "probe")
    by_rule = {f.rule_id: f for f in findings(agg)}
    assert by_rule["k8s.exec"].subject == "system:serviceaccount:default:runner"
    assert by_rule["k8s.exec"].evidence == {"namespaces": ["default"], "output": "exec", "source": "other"}
    assert by_rule[PROBE.id].subject == MALLORY


def test_an_empty_aggregator_has_no_findings() -> None:
    agg = aggregator()
    assert len(agg) == 0
    assert list(agg.results()) == []


def test_ids_are_the_same_across_aggregators_for_the_same_rule_principal_and_key() -> None:
    first, second = aggregator(), aggregator()
    first.add(VOLUME, (event("e1", 0),), ("anthropic.claude-v2",), "volume")
    second.add(VOLUME, (event("other-event", 600, ip="35.249.253.232"),), ("anthropic.claude-v2",), "volume 2")
    assert only(first).id == only(second).id


_matches = st.lists(
    st.tuples(
        st.sampled_from(["e1", "e2", "e3", "e4", "e5", "e6"]),
        st.integers(min_value=-10_000, max_value=10_000),
        st.sampled_from(["us-east-1", "us-west-2", "eu-central-1"]),
    ),
    min_size=1,
    max_size=20,
    unique_by=lambda m: m[0],
)


@given(_matches, st.randoms(use_true_random=False), st.sampled_from([(), ("anthropic.claude-v2",), ("a", "b")]))
def test_finding_id_and_totals_do_not_depend_on_event_order_or_times(
    matches: list[tuple[str, int, str]], random: Any, key: tuple[str, ...]
) -> None:
    shuffled = list(matches)
    random.shuffle(shuffled)
    results = []
    for order in (matches, shuffled):
        agg = aggregator()
        for event_id, seconds, region in order:
            agg.add(VOLUME, (event(event_id, seconds / 60, region=region),), key, "volume")
        results.append(only(agg))
    forward, backward = results
    assert forward.id == backward.id == finding_id(FindingKind.DETECTION, VOLUME.id, MALLORY, "|".join(key))
    assert forward.count == backward.count == len(matches)
    assert forward.first_seen == backward.first_seen == T0 + timedelta(seconds=min(m[1] for m in matches))
    assert forward.last_seen == backward.last_seen == T0 + timedelta(seconds=max(m[1] for m in matches))
    assert forward.evidence == backward.evidence
    assert set(forward.event_ids) == set(backward.event_ids) == {m[0] for m in matches}


def test_a_capped_match_counts_the_events_it_does_not_list() -> None:
    agg = aggregator()
    window = tuple(event(f"w{n:03d}", n / 10) for n in range(MAX_EVENT_IDS))
    agg.add(VOLUME, window, ("anthropic.claude-v2",), "volume", count=500)
    agg.add(VOLUME, (event("next", 60),), ("anthropic.claude-v2",), "volume", count=1)
    ((finding, listed),) = list(agg.results())
    assert finding.count == 501
    assert len(listed) == MAX_EVENT_IDS + 1


def test_only_the_latest_output_of_a_finding_is_rendered() -> None:
    agg = aggregator()
    rendered: list[str] = []

    def render(text: str) -> Callable[[], str]:
        def output() -> str:
            rendered.append(text)
            return text

        return output

    for minutes in (1, 5, 3):
        agg.add(PROBE, (event(f"e{minutes}", minutes),), (), render(f"probe at {minutes}"))
    assert rendered == []  # nothing is rendered while matches come in
    assert only(agg).evidence["output"] == "probe at 5"
    assert rendered == ["probe at 5"]
