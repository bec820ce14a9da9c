from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from jackwatch.errors import ConditionError
from jackwatch.model import Event
from jackwatch.rules.condition import (
    Compare,
    FieldExpr,
    FieldRef,
    Value,
    ValueList,
    check_fields,
    compile_condition,
    evaluate,
    fields_used,
    parse,
)
from jackwatch.rules.condition.compiler import always, never
from jackwatch.rules.fields import SourceFields


def test_fields_used_in_order_without_duplicates() -> None:
    node = parse("t.user = x and (tolower(t.path) = y or t.aname[2] = val(t.user)) and t.aname[3] exists")
    assert fields_used(node) == [
        FieldRef("t.user"),
        FieldRef("t.path"),
        FieldRef("t.aname", "2"),
        FieldRef("t.aname", "3"),
    ]


def test_fields_used_ignores_macros() -> None:
    assert fields_used(parse("some_macro and not other")) == []


def test_check_fields_accepts_known_fields(fields: SourceFields) -> None:
    assert check_fields(parse("t.user = x and t.arg[k] = y and t.aname = z and t.aname[2] = w"), fields) == []


def test_check_fields_reports_every_problem(fields: SourceFields) -> None:
    node = parse("t.usr = x and t.arg = y and t.user[1] = z and t.usr exists and bogus.field = 1")
    assert check_fields(node, fields) == [
        "unknown field 't.usr' for source 'test' (did you mean 't.user'?)",
        "field 't.arg' needs an argument: t.arg[…]",
        "field 't.user' takes no argument, got [1]",
        "unknown field 'bogus.field' for source 'test'",
    ]


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("t.usr = x", "unknown field 't.usr'"),
        ("t.cmd regex '(unclosed'", "t.cmd regex \"(unclosed\": invalid regular expression '(unclosed'"),
        ("t.data bcontains xyz", "operator 'bcontains' needs hex-encoded bytes such as 'cafebabe', got 'xyz'"),
        ("t.data bstartswith abc", "needs hex-encoded bytes"),
        ("len(t.cmd) contains 3", "operator 'contains' does not apply to the number len() returns"),
        ("len(t.path) pmatch (/etc)", "operator 'pmatch' does not apply to the number len() returns"),
        ("t.cmd regex val(t.user)", "operator 'regex' needs a value written in the condition, not a field"),
        ("t.path glob tolower(t.user)", "operator 'glob' needs a value written in the condition"),
        ("t.path pmatch (/etc, '')", "operator 'pmatch' needs non-empty paths"),
        ("some_macro and t.user = x", "unknown macro 'some_macro'"),
        ("a and b", "unknown macros 'a', 'b'"),
    ],
)
def test_compile_errors(fields: SourceFields, event: Callable[..., Event], condition: str, message: str) -> None:
    node = parse(condition)
    with pytest.raises(ConditionError) as compiled:
        compile_condition(node, fields)
    assert message in str(compiled.value)
    with pytest.raises(ConditionError) as evaluated:
        evaluate(node, event(), fields)
    assert str(evaluated.value) == str(compiled.value)


@pytest.mark.parametrize(
    ("node", "message"),
    [
        (Compare(FieldExpr(FieldRef("t.num")), ">", Value("abc")), "operator '>' needs a number, got 'abc'"),
        (Compare(FieldExpr(FieldRef("t.num")), "in", Value("abc")), "operator 'in' needs a list of values"),
        (Compare(FieldExpr(FieldRef("t.num")), "=", ValueList(())), "operator '=' needs a single value"),
        (Compare(FieldExpr(FieldRef("t.num")), "~", Value("1")), "unknown operator '~'"),
        (Compare(FieldExpr(FieldRef("t.num"), ("rot13",)), "=", Value("1")), "unknown transformer 'rot13'"),
    ],
)
def test_compile_errors_of_hand_built_trees(fields: SourceFields, node: Compare, message: str) -> None:
    with pytest.raises(ConditionError, match=re.escape(message)):
        compile_condition(node, fields)


def test_all_problems_are_reported_together(fields: SourceFields) -> None:
    with pytest.raises(ConditionError) as caught:
        compile_condition(parse("m1 and t.nope = 1 and t.cmd regex '[' and t.data bcontains zz"), fields)
    text = str(caught.value)
    for part in ("unknown macro 'm1'", "unknown field 't.nope'", "invalid regular expression", "hex-encoded"):
        assert part in text


def test_compiled_predicate_is_reusable_across_events(fields: SourceFields, event: Callable[..., Event]) -> None:
    predicate = compile_condition(parse("t.user in (alice, bob) and not t.path startswith /tmp"), fields)
    assert predicate(event(user="alice", path="/etc/x"))
    assert not predicate(event(user="alice", path="/tmp/x"))
    assert not predicate(event(user="carol", path="/etc/x"))
    assert predicate(event(user="bob"))


def test_an_empty_list_folds_away(fields: SourceFields) -> None:
    assert compile_condition(parse("t.user in ()"), fields) is never
    assert compile_condition(parse("not t.user in ()"), fields) is always
    assert compile_condition(parse("t.user in () and t.path = /x"), fields) is never
    assert compile_condition(parse("(t.user in () or t.path in ()) or not t.cmd in ()"), fields) is always


@pytest.mark.parametrize(
    ("condition", "known", "expected"),
    [
        ("t.name = Act", {"t.name": "Act"}, always),
        ("t.name in (Act, Run) and t.user exists", {"t.name": "Stop"}, never),
        ("t.name startswith A or t.path = /x", {"t.name": "Act"}, always),
        ("not t.name icontains ct", {"t.name": "ACT"}, never),
        ("t.user exists", {"t.user": None}, never),
        ("t.user = val(t.path)", {"t.user": "a", "t.path": "a"}, always),
        ("t.aname[2] = x", {"t.aname": "x"}, None),  # a field read with an argument is never known
    ],
)
def test_known_fields_are_compared_once(
    fields: SourceFields, condition: str, known: dict[str, object], expected: object
) -> None:
    predicate = compile_condition(parse(condition), fields, known)
    if expected is None:
        assert predicate not in (always, never)
    else:
        assert predicate is expected


def test_what_known_fields_leave_is_still_evaluated_per_event(
    fields: SourceFields, event: Callable[..., Event]
) -> None:
    predicate = compile_condition(parse("t.name = Act and (t.user = alice or t.name = Run)"), fields, {"t.name": "Act"})
    assert predicate not in (always, never)
    assert predicate(event("Act", user="alice"))
    assert not predicate(event("Act", user="bob"))
