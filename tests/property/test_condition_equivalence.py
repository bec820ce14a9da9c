"""Random conditions and events: the compiled predicate agrees with the reference walk, rendering
round-trips through the parser, and ``event_names`` never rules out an event that matches."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jackwatch.model import Event
from jackwatch.rules.condition import (
    BINARY_OPS,
    LIST_OPS,
    NUMERIC_OPS,
    TRANSFORMERS,
    And,
    Compare,
    Exists,
    FieldExpr,
    FieldRef,
    MacroRef,
    Node,
    Not,
    Or,
    Value,
    ValueList,
    compile_condition,
    evaluate,
    event_names,
    is_bare_word,
    parse,
    render,
)
from jackwatch.rules.condition.values import hex_bytes, parse_number
from jackwatch.rules.fields import ArgMode, Field, SourceFields


def _key(key: str) -> Field:
    return Field(f"p.{key}", lambda event, arg: event.raw.get(key), f"raw[{key!r}]")


def _list(event: Event, arg: str | None) -> object:
    value = event.raw.get("l")
    return None if value is None else tuple(value)


FIELDS = SourceFields(
    source="prop",
    fields={
        "p.name": Field("p.name", lambda event, arg: event.name, "event name"),
        **{f"p.{key}": _key(key) for key in ("s", "t", "n", "b", "x")},
        "p.l": Field("p.l", _list, "list field", is_list=True),
        "p.a": Field(
            "p.a", lambda event, arg: event.raw.get("a", {}).get(arg), "field with argument", arg=ArgMode.REQUIRED
        ),
    },
    name_field="p.name",
    principal=lambda event: "",
    evidence=lambda event: {},
)

NAMES = ["CreateUser", "InvokeModel", "ListKeys", "create_user"]
TEXTS = ["", "a", "ab", "A", "aB/c", "/etc", "/etc/", "/etc/passwd", "/etcx", "/", "x y", "true", "false"]
NUMBERS = ["0", "5", "-1", "1.5", "0x10", "10", "1e3", "+2"]
GLOBS = ["*", "a*", "*b", "/etc/*", "[a-c]*", "?", "[!a]*", "*/*", "A*"]
REGEXES = ["^a", "b$", "a|b", ".*", "^/etc/", "[0-9]+", "(?i)ab"]
HEXES = ["", "61", "6162", "2f65", "cafe", "74727565"]
PATHS = ["/", "/etc", "/etc/", "/etc/passwd", "a", "a/b/", "//"]

scalar_texts = st.one_of(st.sampled_from(TEXTS + NUMBERS + NAMES + PATHS), st.text(max_size=4))
numbers = st.one_of(
    st.integers(-20, 20),
    st.floats(allow_nan=True, allow_infinity=True, width=32),
    st.sampled_from([5, 10, 1.5, 16, 1000]),
)


def literal_texts(node: Node) -> list[str]:
    """The texts written in ``node``."""
    match node:
        case And(operands) | Or(operands):
            return [text for item in operands for text in literal_texts(item)]
        case Not(operand):
            return literal_texts(operand)
        case Compare(_, _, Value(text)):
            return [text]
        case Compare(_, _, ValueList(items)):
            return [item.text for item in items]
    return []


def near_misses(text: str) -> list[str]:
    """``text`` and strings close to it, so that events often (but not always) match a literal."""
    related = [text, text.upper(), text.lower(), text + "/x", "x" + text, text[1:], text[:-1]]
    related += [text.replace("*", "zz").replace("?", "q"), base64.b64encode(text.encode()).decode()]
    decoded = hex_bytes(text)
    if decoded is not None:
        related.append(decoded.decode("utf-8", "replace"))
    return related


class _Values:
    """Draws event values, mostly close to the literals of one condition."""

    def __init__(self, draw: st.DrawFn, node: Node) -> None:
        self.draw = draw
        self.near = [near for text in literal_texts(node) for near in near_misses(text)]
        self.numbers = [number for text in self.near if (number := parse_number(text)) is not None]

    def chance(self, one_in: int) -> bool:
        roll: int = self.draw(st.integers(1, one_in))
        return roll == 1

    def text(self) -> str:
        if self.near and not self.chance(4):
            index: int = self.draw(st.integers(0, len(self.near) - 1))
            return self.near[index]
        return self.draw(scalar_texts)

    def number(self) -> object:
        if self.numbers and self.chance(2):
            index: int = self.draw(st.integers(0, len(self.numbers) - 1))
            return self.numbers[index]
        return self.draw(numbers)

    def scalar(self) -> object:
        kind: int = self.draw(st.integers(0, 4))
        if kind == 1:
            return self.number()
        if kind == 2:
            return self.chance(2)
        if kind == 3:
            return self.text().encode()
        return self.text()

    def element(self) -> object:
        return None if self.chance(8) else self.scalar()


@st.composite
def events(draw: st.DrawFn, node: Node) -> Event:
    """Events of the test source whose values are mostly close to the literals of ``node``; each key
    is present four times out of five."""
    make = _Values(draw, node)
    raw_values: dict[str, Callable[[], object]] = {
        "s": make.text,
        "t": make.text,
        "n": lambda: make.number() if draw(st.booleans()) else make.text(),
        "b": lambda: draw(st.booleans()),
        "x": make.scalar,
        "l": lambda: [make.element() for _ in range(draw(st.integers(0, 3)))],
        "a": lambda: {key: make.scalar() for key in ("k1", "k2") if draw(st.booleans())},
    }
    raw = {key: value() for key, value in raw_values.items() if draw(st.integers(0, 4))}
    return Event("prop", draw(st.sampled_from(NAMES)), datetime(2024, 1, 1, tzinfo=UTC), "e", raw)


@st.composite
def values(draw: st.DrawFn, texts: st.SearchStrategy[str]) -> Value:
    text = draw(texts)
    return Value(text, bare=is_bare_word(text) and draw(st.booleans()))


@st.composite
def field_exprs(draw: st.DrawFn, *, numeric_ok: bool = True) -> FieldExpr:
    name = draw(st.sampled_from(sorted(FIELDS.fields)))
    arg = draw(st.sampled_from(["k1", "k2"])) if name == "p.a" else None
    transforms = draw(st.lists(st.sampled_from(sorted(TRANSFORMERS)), max_size=2)) if draw(st.booleans()) else []
    while not numeric_ok and transforms[:1] == ["len"]:
        transforms = transforms[1:]
    return FieldExpr(FieldRef(name, arg), tuple(transforms))


@st.composite
def comparisons(draw: st.DrawFn, op: str | None = None) -> Compare:
    op = op or draw(st.sampled_from(sorted(BINARY_OPS)))
    text_only = op in {"contains", "icontains", "bcontains", "startswith", "bstartswith", "endswith"}
    text_only |= op in {"glob", "iglob", "regex", "pmatch"}
    left = draw(field_exprs(numeric_ok=not text_only))
    field_ok = op not in {"glob", "iglob", "regex", "bcontains", "bstartswith", "pmatch"}
    if field_ok and draw(st.integers(0, 5)) == 0:
        return Compare(left, op, draw(field_exprs()))
    if op in LIST_OPS:
        texts = st.sampled_from(PATHS) if op == "pmatch" else st.one_of(scalar_texts, st.sampled_from(NAMES))
        return Compare(left, op, ValueList(tuple(draw(st.lists(values(texts), max_size=4)))))
    texts = {
        "bcontains": st.sampled_from(HEXES),
        "bstartswith": st.sampled_from(HEXES),
        "glob": st.sampled_from(GLOBS),
        "iglob": st.sampled_from(GLOBS),
        "regex": st.sampled_from(REGEXES),
    }.get(op, st.sampled_from(NUMBERS) if op in NUMERIC_OPS else scalar_texts)
    return Compare(left, op, draw(values(texts)))


name_checks = st.one_of(
    st.builds(lambda name: Compare(FieldExpr(FieldRef("p.name")), "=", Value(name, bare=True)), st.sampled_from(NAMES)),
    st.builds(
        lambda names: Compare(FieldExpr(FieldRef("p.name")), "in", ValueList(tuple(Value(n) for n in names))),
        st.lists(st.sampled_from(NAMES), max_size=3),
    ),
)
leaves = st.one_of(comparisons(), name_checks, st.builds(Exists, field_exprs()))


def trees(leaf: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    return st.recursive(
        leaf,
        lambda children: st.one_of(
            st.builds(Not, children),
            st.builds(lambda items: And(tuple(items)), st.lists(children, min_size=2, max_size=3)),
            st.builds(lambda items: Or(tuple(items)), st.lists(children, min_size=2, max_size=3)),
        ),
        max_leaves=8,
    )


conditions = trees(leaves)

macro_names = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True).filter(lambda n: n not in ("and", "or", "not"))
field_names = st.from_regex(r"[a-z][a-z0-9_-]{0,4}(\.[a-z0-9_-]{1,4}){1,2}", fullmatch=True)
syntax_leaves = st.one_of(
    leaves,
    st.builds(MacroRef, macro_names),
    st.builds(
        lambda name, arg, op, text: Compare(FieldExpr(FieldRef(name, arg)), op, Value(text)),
        field_names,
        st.none() | st.text(max_size=6),
        st.sampled_from(sorted(BINARY_OPS - LIST_OPS - NUMERIC_OPS)),
        st.text(max_size=8),
    ),
)

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def agree(node: Node, sample: list[Event]) -> None:
    predicate = compile_condition(node, FIELDS)
    for event in sample:
        assert predicate(event) == evaluate(node, event, FIELDS), render(node)


def on_field(node: Compare | Exists, name: str) -> Compare | Exists:
    """``node`` with its left side reading field ``name`` (same transformers)."""
    left = FieldExpr(FieldRef(name, "k1" if name == "p.a" else None), node.left.transforms)
    return replace(node, left=left)


@pytest.mark.parametrize("op", [*sorted(BINARY_OPS), "exists"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_compiled_comparison_agrees_with_reference(op: str, data: st.DataObject) -> None:
    leaf: st.SearchStrategy[Compare | Exists] = st.builds(Exists, field_exprs()) if op == "exists" else comparisons(op)
    node = data.draw(leaf)
    sample = data.draw(st.lists(events(node), min_size=3, max_size=6))
    for name in FIELDS.fields:
        agree(on_field(node, name), sample)


@SETTINGS
@given(st.data())
def test_compiled_condition_agrees_with_reference(data: st.DataObject) -> None:
    node = data.draw(conditions)
    agree(node, data.draw(st.lists(events(node), min_size=1, max_size=4)))


@SETTINGS
@given(st.data())
def test_compiled_with_known_fields_agrees_with_reference(data: st.DataObject) -> None:
    # an engine compiles a condition once per group of events that share some field values (their name…)
    node = data.draw(conditions)
    for event in data.draw(st.lists(events(node), min_size=1, max_size=4)):
        known = {"p.name": event.name, "p.s": event.raw.get("s"), "p.l": _list(event, None)}
        assert compile_condition(node, FIELDS, known)(event) == evaluate(node, event, FIELDS), render(node)


@SETTINGS
@given(trees(syntax_leaves))
def test_render_then_parse_is_identity(node: Node) -> None:
    assert parse(render(node)) == node


@SETTINGS
@given(st.data())
def test_event_names_are_sound(data: st.DataObject) -> None:
    node = data.draw(conditions)
    names = event_names(node, "p.name")
    if names is None:
        return
    predicate = compile_condition(node, FIELDS)
    for event in data.draw(st.lists(events(node), min_size=1, max_size=4)):
        if predicate(event):
            assert event.name in names, render(node)
