from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.unit.rules.ruleskit import FIELDS, REGISTRY, event

from jackwatch.model import Event
from jackwatch.rules.condition import Node, evaluate
from jackwatch.rules.condition.compiler import Folded, compile_conditions, fold
from jackwatch.rules.engine import Engine, compile_output, compile_ruleset, unknown_output_fields
from jackwatch.rules.fields import SourceFields
from jackwatch.rules.loader import LoadResult, load_texts
from jackwatch.rules.sources import SourceRegistry
from jackwatch.rules.spec import NA
from jackwatch.rules.stateful import make_state

Load = Callable[..., LoadResult]


def rule(name: str, condition: str, output: str = "hit %t.user", **extra: str) -> str:
    lines = [f"- rule: {name}", "  desc: d", f"  condition: {condition}", f"  output: {output}", "  priority: INFO"]
    lines += ["  source: test", *(f"  {key}: {value}" for key, value in extra.items())]
    return "\n".join(lines) + "\n"


def engine_for(load: Load, *texts: str) -> Engine:
    result = load(*texts)
    assert not result.errors, [str(e) for e in result.errors]
    return Engine(compile_ruleset(result.ruleset, REGISTRY))


def names_of(engine: Engine, event: Event) -> list[str]:
    return [match.rule.spec.name for match in engine.process(event)]


def test_rules_are_indexed_by_event_name(load: Load) -> None:
    result = load(
        rule("Login", "t.name = Login")
        + rule("Auth", "t.name in (Login, Logout) and t.user exists")
        + rule("Any admin", "t.user = admin")
        + rule("Either", "t.name = Login or t.name = Token")
        + rule("Not login", "not t.name = Login")
    )
    compiled = compile_ruleset(result.ruleset, REGISTRY)
    assert [r.spec.name for r in compiled.candidates("test", "Login")] == [
        "Login",
        "Auth",
        "Any admin",
        "Either",
        "Not login",
    ]
    assert [r.spec.name for r in compiled.candidates("test", "Token")] == ["Any admin", "Either", "Not login"]
    assert [r.spec.name for r in compiled.candidates("test", "Other")] == ["Any admin", "Not login"]
    assert compiled.candidates("elsewhere", "Login") == ()
    assert {name for r in compiled.rules for name in r.event_names or ()} == {"Login", "Logout", "Token"}


def test_rules_that_pin_no_name_are_indexed_by_partition(load: Load) -> None:
    result = load(
        rule("Regional", "t.region in (eu, ap) and t.user exists")
        + rule("Named", "t.name = Login and t.region = eu")
        + rule("Anywhere", "t.user = admin")
        + rule("Mixed", "t.name = Login or t.region = eu")
    )
    compiled = compile_ruleset(result.ruleset, REGISTRY)
    regional, named, _, mixed = compiled.rules
    assert (regional.event_names, regional.partitions) == (frozenset(), frozenset({"eu", "ap"}))
    assert (named.event_names, named.partitions) == (frozenset({"Login"}), frozenset())
    assert mixed.event_names is None  # one side pins a name, the other a partition: tried everywhere
    assert [r.spec.name for r in compiled.candidates("test", "Other", "eu")] == ["Regional", "Anywhere", "Mixed"]
    assert [r.spec.name for r in compiled.candidates("test", "Other", "us")] == ["Anywhere", "Mixed"]
    assert [r.spec.name for r in compiled.candidates("test", "Login", "us")] == ["Named", "Anywhere", "Mixed"]
    engine = Engine(compiled)
    assert names_of(engine, event("Other", region="ap", user="bob")) == ["Regional"]
    assert names_of(engine, event("Other", region="us", user="bob")) == []
    assert names_of(engine, event("Login", region="eu", user="bob")) == ["Regional", "Named", "Mixed"]


def test_disabled_and_unsupported_rules_are_not_compiled(load: Load) -> None:
    text = (
        rule("Enabled", "t.name = A")
        + rule("Disabled", "t.name = A", enabled="false")
        + rule("Kernel", "evt.type = open").replace("source: test", "source: syscall")
    )
    result = load(text)
    assert not result.errors
    compiled = compile_ruleset(result.ruleset, REGISTRY)
    assert [r.spec.name for r in compiled.rules] == ["Enabled"]
    assert compile_ruleset(load(text).ruleset, SourceRegistry()).rules == ()


def test_a_plain_match_carries_the_event_and_the_rendered_output(load: Load) -> None:
    output = "user=%t.user (%(t.region)) arg=%t.arg[mode] missing=%t.ip nope=%t.nope tags=%t.tags."
    engine = engine_for(load, rule("Login", "t.name = Login", output=output))
    login = event("Login", user="bob", region="eu-west-1", args={"mode": "fast"}, tags=["a", "b"])
    (match,) = engine.process(login)
    assert match.events == (login,)
    assert match.key == ()
    assert match.count == 1
    assert match.rule.id == "login"
    assert match.output == "user=bob (eu-west-1) arg=fast missing=<NA> nope=<NA> tags=(a,b)."
    assert list(engine.process(event("Logout", user="bob"))) == []


def test_matches_come_in_rule_order_and_other_sources_are_ignored(load: Load) -> None:
    engine = engine_for(load, rule("B", "t.user = bob"), rule("A", "t.name = Login"), rule("C", "t.name exists"))
    assert names_of(engine, event("Login", user="bob")) == ["B", "A", "C"]
    assert names_of(engine, event("Other", user="eve")) == ["C"]
    assert names_of(engine, replace(event("Login", user="bob"), source="other")) == []


def test_a_sequence_is_indexed_by_the_names_of_its_steps(load: Load) -> None:
    seq = '{within: 5m, steps: [{condition: t.name = List}, {condition: "t.name in (Act, Run)"}]}'
    any_step = "{within: 5m, steps: [{condition: t.name = List}, {condition: t.user = root}]}"
    result = load(
        rule("Seq", "t.user exists", sequence=seq)
        + rule("Loose", "t.user exists", sequence=any_step)
        + rule("Pinned", "t.name = List", sequence=any_step)
    )
    assert not result.errors
    seq_rule, loose, pinned = compile_ruleset(result.ruleset, REGISTRY).rules
    assert seq_rule.event_names == frozenset({"List", "Act", "Run"})
    assert loose.event_names is None
    assert pinned.event_names == frozenset({"List"})


def test_output_helpers() -> None:
    assert unknown_output_fields("%t.user %(t.nope) %t.arg[x] %t.arg 100%", FIELDS) == ["t.nope", "t.arg"]
    render = compile_output("plain text", FIELDS)
    assert render(event("A")) == "plain text"
    assert compile_output("%t.count!", FIELDS)(event("A", count=3)) == "3!"
    assert compile_output("%t.count", FIELDS)(event("A")) == NA


def test_engines_keep_separate_state(load: Load) -> None:
    result = load(rule("Many", "t.name = A", threshold="{window: 1m, count: 2}"))
    compiled = compile_ruleset(result.ruleset, REGISTRY)
    first, second = Engine(compiled), Engine(compiled)
    assert list(first.process(event("A"))) == []
    assert len(list(first.process(event("A", 1)))) == 1
    assert list(second.process(event("A", 2))) == []
    assert first.tracked_keys() == 1 and second.tracked_keys() == 1


# ------------------------------------------------------------------------------- index never loses a rule

_NAMES = ("Login", "Logout", "Token", "Other")
_USERS = ("alice", "bob", "root")
_REGIONS = ("eu", "us")
_atoms = st.one_of(
    st.sampled_from(_NAMES).map(lambda n: f"t.name = {n}"),
    st.lists(st.sampled_from(_NAMES), min_size=1, max_size=3).map(lambda ns: f"t.name in ({', '.join(ns)})"),
    st.sampled_from(("Log", "T", "Other")).map(lambda prefix: f"t.name startswith {prefix}"),
    st.sampled_from(_REGIONS).map(lambda r: f"t.region = {r}"),
    st.just("t.region exists"),
    st.sampled_from(_USERS).map(lambda u: f"t.user = {u}"),
    st.just("t.error exists"),
)
_conditions = st.recursive(
    _atoms,
    lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda p: f"({p[0]} and {p[1]})"),
        st.tuples(inner, inner).map(lambda p: f"({p[0]} or {p[1]})"),
        inner.map(lambda c: f"not ({c})"),
    ),
    max_leaves=6,
)
_events = st.builds(
    lambda name, user, error, region: event(name, user=user, error=error, region=region),
    st.sampled_from(_NAMES),
    st.sampled_from((*_USERS, None)),
    st.sampled_from(("Denied", None)),
    st.sampled_from((*_REGIONS, None, 7)),  # a partition that is not text is not compiled in
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_conditions, min_size=1, max_size=6), st.lists(_events, min_size=1, max_size=5))
def test_the_indexed_engine_matches_exactly_what_every_rule_would_match(
    conditions: list[str], events: list[Event]
) -> None:
    # the engine compiles each rule again for the name and partition (region) of the events it meets
    text = "".join(rule(f"Rule {number}", condition) for number, condition in enumerate(conditions))
    result = load_texts([("<generated>", text)], REGISTRY)
    assert not result.errors
    engine = Engine(compile_ruleset(result.ruleset, REGISTRY))
    for item in events:
        expected = [
            spec.name for spec in result.ruleset.rules if spec.node is not None and evaluate(spec.node, item, FIELDS)
        ]
        assert names_of(engine, item) == expected


@settings(max_examples=250, deadline=None)
@given(st.lists(_atoms, min_size=2, max_size=3), _conditions, st.lists(_events, min_size=1, max_size=16))
def test_a_sequence_compiled_per_name_matches_what_it_matches_on_every_event(
    steps: list[str], condition: str, events: list[Event]
) -> None:
    listed = ", ".join(f'{{condition: "{step}"}}' for step in steps)
    text = rule("Seq", condition, sequence=f"{{by: [t.user], within: 1h, steps: [{listed}]}}")
    result = load_texts([("<generated>", text)], REGISTRY)
    assert not result.errors, [str(e) for e in result.errors]
    compiled = compile_ruleset(result.ruleset, REGISTRY)
    engine, reference = Engine(compiled), make_state(compiled.rules[0])
    for number, item in enumerate(events):
        timed = replace(item, time=item.time + timedelta(seconds=number))
        expected = [[e.id for e in match.events] for match in reference.feed(timed)]
        assert [[e.id for e in match.events] for match in engine.process(timed)] == expected


def test_a_rule_is_compiled_again_only_for_names_and_partitions_it_tells_apart(
    load: Load, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = engine_for(load, rule("Either", "t.name in (A, B) or (t.region = eu and t.user = root)"))
    compiled: list[Node] = []

    def counted(node: Node, fields: SourceFields, known: Mapping[str, object]) -> Folded:
        compiled.append(node)
        return fold(node, fields, known)

    monkeypatch.setattr("jackwatch.rules.engine.fold", counted)
    names = [f"Other{number}" for number in range(20)] + ["A", "B"]
    found = [names_of(engine, event(name, user="root", region=region)) for name in names for region in ("eu", "us")]
    assert found.count(["Either"]) == 20 + 4  # every other name in eu, A and B anywhere
    # outcomes told apart: in (A, B) or not, region eu or not (a name that is neither A nor B is like any other)
    assert len(compiled) == 4


def test_a_comparison_of_the_name_with_another_field_is_made_per_event(load: Load) -> None:
    # compiled once for every name (its result cannot be decided from the name alone)
    engine = engine_for(load, rule("Echo", "t.user = val(t.name) or t.region = val(t.name)"))
    assert names_of(engine, event("A", user="A")) == ["Echo"]
    assert names_of(engine, event("B", user="B")) == ["Echo"]
    assert names_of(engine, event("B", user="A")) == []
    assert names_of(engine, event("C", user="x", region="C")) == ["Echo"]


def test_partitions_share_the_batch_their_tests_do_not_tell_apart(load: Load, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = engine_for(
        load,
        rule("Europe", "t.name = A and t.region = eu and t.user = root"),
        rule("Elsewhere", "t.name = A and t.region != eu and t.user = root"),
    )
    batches: list[list[Folded]] = []

    def counted(conditions: list[Folded], fields: SourceFields) -> Callable[[Event], list[int]]:
        batches.append(conditions)
        return compile_conditions(conditions, fields)

    monkeypatch.setattr("jackwatch.rules.engine.compile_conditions", counted)
    regions = ["eu", *(f"region-{number}" for number in range(30))]
    for region in regions * 2:
        assert names_of(engine, event("A", user="root", region=region)) == ["Europe" if region == "eu" else "Elsewhere"]
        assert names_of(engine, event("A", user="bob", region=region)) == []
    assert len(batches) == 2  # eu, and every other region alike


def test_an_engine_forgets_partitions_beyond_its_bound(load: Load, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("jackwatch.rules.engine.MAX_PARTITIONS", 4)
    engine = engine_for(load, rule("Europe", "t.name = A and t.region = eu"), rule("Any", "t.name = A"))
    for number in range(20):
        region = "eu" if number % 5 == 0 else f"region-{number}"
        assert names_of(engine, event("A", region=region)) == (["Europe", "Any"] if region == "eu" else ["Any"])
        _, by_name = engine._tables["test"]
        assert len(by_name["A"] or {}) <= 4


def test_names_no_rule_can_meet_are_not_partitioned(load: Load) -> None:
    engine = engine_for(load, rule("Login", "t.name = Login"))
    assert names_of(engine, event("Logout", region=["not", "hashable"])) == []  # the partition is never read
    assert names_of(engine, event("Login", region="eu")) == ["Login"]
