"""Several conditions compiled into one function (``compile_conditions``): it agrees with ``evaluate``, reads each
field once per event and evaluates each shared subexpression once."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.unit.rules.condition.conftest import FIELDS, make_event

from jackwatch.model import Event
from jackwatch.rules.condition import And, Node, Not, Or, compile_condition, evaluate, parse
from jackwatch.rules.condition.compiler import compile_conditions, fold
from jackwatch.rules.fields import Field, SourceFields

_ATOMS = [
    parse(text)
    for text in (
        "t.user = alice",
        "t.user in (alice, bob, 7)",
        "t.user != bob",
        "t.user startswith al",
        "t.user exists",
        "t.path contains etc",
        "t.path endswith .conf",
        "t.path startswith /var",
        "t.path in (/etc, /tmp/etc)",
        "t.path pmatch (/etc, /var/lib/)",
        "t.path glob '/etc/*'",
        "t.num >= 3",
        "t.num = 7",
        "t.num in (2, x)",
        "t.num != 7",
        "t.flag = true",
        "t.flag != false",
        "t.tags in (a, b)",
        "t.tags intersects (c)",
        "t.aname[2] = init",
        "t.user = val(t.cmd)",
        "t.user in ()",
        "tolower(t.user) = alice",
        "t.name = Act",
    )
]


def _combined(parts: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    return st.recursive(
        parts,
        lambda inner: st.one_of(
            st.lists(inner, min_size=2, max_size=3).map(lambda items: And(tuple(items))),
            st.lists(inner, min_size=2, max_size=3).map(lambda items: Or(tuple(items))),
            inner.map(Not),
        ),
        max_leaves=8,
    )


_values = {
    "user": st.sampled_from(["alice", "bob", "carol", "ALICE", 7, True, None]),
    "path": st.sampled_from(["/etc/app.conf", "/var/lib/x", "/var/libx", "/etc", "/tmp/etc", 3, None]),
    "num": st.sampled_from([2, 3, 7, 7.0, "7", "x", False, None]),
    "flag": st.sampled_from([True, False, "true", 1, None]),
    "tags": st.sampled_from([["a"], ["a", "b"], ["a", "c"], [], None]),
    "cmd": st.sampled_from(["alice", "bob", None]),
    "ancestors": st.sampled_from([["sh", "init"], ["sh"], []]),
}
_events = st.builds(
    lambda name, raw: make_event(name, **{key: value for key, value in raw.items() if value is not None}),
    st.sampled_from(["Act", "Run"]),
    st.fixed_dictionaries(_values),
)


def _hits(conditions: list[Node], event: Event) -> list[int]:
    return [index for index, node in enumerate(conditions) if evaluate(node, event, FIELDS)]


@settings(max_examples=300, deadline=None)
@given(st.lists(_combined(st.sampled_from(_ATOMS)), min_size=1, max_size=3), st.data())
def test_conditions_compiled_together_agree_with_evaluate(macros: list[Node], data: st.DataObject) -> None:
    # conditions made of the same subtrees, as rules share Falco's macros
    conditions = data.draw(st.lists(_combined(st.sampled_from([*macros, *_ATOMS])), min_size=1, max_size=5))
    known = data.draw(st.sampled_from([{}, {"t.name": "Act"}, {"t.name": "Run"}]))
    matching = compile_conditions([fold(node, FIELDS, known) for node in conditions], FIELDS)
    for item in data.draw(st.lists(_events, min_size=1, max_size=4)):
        if not known or item.name == known["t.name"]:
            assert matching(item) == _hits(conditions, item)


def test_decided_conditions_keep_their_place() -> None:
    matching = compile_conditions([True, parse("t.user = alice"), False, parse("t.user exists")], FIELDS)
    assert matching(make_event(user="alice")) == [0, 1, 3]
    assert matching(make_event()) == [0]
    assert compile_conditions([True], FIELDS)(make_event()) == [0]


def _counting(fields: SourceFields, calls: Counter[str]) -> SourceFields:
    def counted(field: Field) -> Field:
        def extract(event: Event, arg: str | None) -> object:
            calls[field.name] += 1
            return field.extract(event, arg)

        return replace(field, extract=extract)

    return replace(fields, fields={name: counted(field) for name, field in fields.fields.items()})


def test_each_field_is_read_once_per_event_and_a_shared_subexpression_evaluated_once() -> None:
    calls: Counter[str] = Counter()
    fields = _counting(FIELDS, calls)
    shared = parse("(t.path startswith /etc or t.path endswith .conf) and t.num >= 3")
    conditions: list[Node] = [
        And((parse("t.user = bob"), shared)),
        And((shared, parse("t.user = alice"))),
        Or((parse("t.user in (carol)"), Not(shared))),
        And((shared, parse("t.path contains app"))),
    ]
    matching = compile_conditions(conditions, fields)
    assert matching(make_event(user="alice", path="/etc/app.conf", num=5)) == [1, 3]
    assert calls == {"t.user": 1, "t.path": 1, "t.num": 1}
    calls.clear()
    assert matching(make_event(user="carol", path="/tmp/x", num=5)) == [2]
    assert calls == {"t.user": 1, "t.path": 1}  # t.num is never needed: the shared part fails on the path


def test_deeply_nested_conditions_compile() -> None:
    # deeper than one generated expression may nest: the deep part becomes a function of its own
    node: Node = parse("t.user = alice")
    for level in range(150):
        node = (
            Not(node)
            if level % 3 == 0
            else And((node, parse("t.num >= 3")))
            if level % 3 == 1
            else Or((node, parse("t.path = /x")))
        )
    for item in (make_event(user="alice", num=5), make_event(user="bob", num=1), make_event(path="/x")):
        expected = evaluate(node, item, FIELDS)
        assert compile_condition(node, FIELDS)(item) == expected
        assert compile_conditions([node, node], FIELDS)(item) == ([0, 1] if expected else [])
