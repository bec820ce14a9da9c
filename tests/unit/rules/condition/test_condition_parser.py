from __future__ import annotations

import pytest

from jackwatch.errors import ConditionError
from jackwatch.rules.condition import (
    And,
    Compare,
    ConditionSyntaxError,
    Exists,
    FieldExpr,
    FieldRef,
    MacroRef,
    Not,
    Or,
    Value,
    ValueList,
    parse,
)


def field(name: str, arg: str | None = None, *transforms: str) -> FieldExpr:
    return FieldExpr(FieldRef(name, arg), transforms)


def bare(text: str) -> Value:
    return Value(text, bare=True)


def test_precedence_not_over_and_over_or() -> None:
    assert parse("a or not b and c") == Or((MacroRef("a"), And((Not(MacroRef("b")), MacroRef("c")))))


def test_chains_are_n_ary_and_parentheses_keep_grouping() -> None:
    assert parse("a and b and c") == And((MacroRef("a"), MacroRef("b"), MacroRef("c")))
    assert parse("(a and b) and c") == And((And((MacroRef("a"), MacroRef("b"))), MacroRef("c")))
    assert parse("((a))") == MacroRef("a")


def test_not_forms() -> None:
    assert parse("not not a") == Not(Not(MacroRef("a")))
    assert parse("not(a or b)") == Not(Or((MacroRef("a"), MacroRef("b"))))
    assert parse("a and(b)") == And((MacroRef("a"), MacroRef("b")))
    # a name that merely starts with a keyword is a name
    assert parse("not_allowed or order") == Or((MacroRef("not_allowed"), MacroRef("order")))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ct.name=ConsoleLogin", Compare(field("ct.name"), "=", bare("ConsoleLogin"))),
        ('ct.name == "ConsoleLogin"', Compare(field("ct.name"), "=", Value("ConsoleLogin"))),
        ("fd.num>=0", Compare(field("fd.num"), ">=", bare("0"))),
        ("evt.res != -1", Compare(field("evt.res"), "!=", bare("-1"))),
        ("fd.name = /etc/shadow", Compare(field("fd.name"), "=", bare("/etc/shadow"))),
        ("proc.name = <NA>", Compare(field("proc.name"), "=", bare("<NA>"))),
        ("fd.name glob *.sh", Compare(field("fd.name"), "glob", bare("*.sh"))),
        ("fd.sip = 127.0.0.1", Compare(field("fd.sip"), "=", bare("127.0.0.1"))),
        ("proc.args endswith \\", Compare(field("proc.args"), "endswith", bare("\\"))),
        ("proc.name=ssh-keygen", Compare(field("proc.name"), "=", bare("ssh-keygen"))),
        ("proc.aname[2]=sh", Compare(field("proc.aname", "2"), "=", bare("sh"))),
        (
            "json.value[/requestParameters/bucketName] exists",
            Exists(field("json.value", "/requestParameters/bucketName")),
        ),
        ('json.value["/a b"] = x', Compare(field("json.value", "/a b"), "=", bare("x"))),
        ("container.mount.dest[/proc*] = x", Compare(field("container.mount.dest", "/proc*"), "=", bare("x"))),
        ("k.v[a[0]] = x", Compare(field("k.v", "a[0]"), "=", bare("x"))),
        ("ka.req.pod.containers.add-caps exists", Exists(field("ka.req.pod.containers.add-caps"))),
        ("evt.buffer bcontains cafebabe", Compare(field("evt.buffer"), "bcontains", bare("cafebabe"))),
        ("proc.name contains'x'", Compare(field("proc.name"), "contains", Value("x"))),
    ],
)
def test_comparisons(text: str, expected: object) -> None:
    assert parse(text) == expected


def test_value_lists() -> None:
    node = parse('proc.name in (bash, "puma reactor", 3,\n    runc:[0:PARENT], "")')
    assert node == Compare(
        field("proc.name"),
        "in",
        ValueList((bare("bash"), Value("puma reactor"), bare("3"), bare("runc:[0:PARENT]"), Value(""))),
    )
    assert parse("proc.name in ()") == Compare(field("proc.name"), "in", ValueList(()))
    assert parse("proc.name in(a)") == Compare(field("proc.name"), "in", ValueList((bare("a"),)))
    # one bare name without parentheses is a one-item list
    assert parse("proc.name in shells") == Compare(field("proc.name"), "in", ValueList((bare("shells"),)))


def test_transformers_and_val() -> None:
    assert parse("tolower(basename(proc.exe)) = sh") == Compare(
        field("proc.exe", None, "tolower", "basename"), "=", bare("sh")
    )
    assert parse("len( ct.name ) > 3") == Compare(field("ct.name", None, "len"), ">", bare("3"))
    assert parse("proc.name = val(proc.pname)") == Compare(field("proc.name"), "=", field("proc.pname"))
    assert parse("proc.name = toupper(proc.pname)") == Compare(
        field("proc.name"), "=", field("proc.pname", None, "toupper")
    )
    assert parse("b64(t.x) exists") == Exists(field("t.x", None, "b64"))
    # a transformer name not followed by '(' is an ordinary value
    assert parse("proc.name = tolower") == Compare(field("proc.name"), "=", bare("tolower"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r'"a\"b"', 'a"b'),
        (r"'a\'b'", "a'b"),
        (r'"tab\there"', "tab\there"),
        (r'"back\\slash"', "back\\slash"),
        (r'"a\/b"', "a/b"),
        # Falco reads "\ " as one backslash; upstream rules rely on it
        (r'"\ "', "\\"),
        ("'it''", None),
    ],
)
def test_quoted_string_escapes(text: str, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(ConditionSyntaxError):
            parse(f"proc.args contains {text}")
        return
    assert parse(f"proc.args contains {text}") == Compare(field("proc.args"), "contains", Value(expected))


@pytest.mark.parametrize(
    ("text", "column", "expected"),
    [
        ("", 1, "empty condition"),
        ("proc.name =", 12, "expected a value after '=', found end of condition"),
        ("proc.name foo", 11, "expected an operator (=, !=,"),
        ("proc.name in bash)", 18, "expected 'and', 'or' or end of condition, found ')'"),
        ("proc.name in (a, )", 18, "expected a value, found ')'"),
        ("proc.name in (a b)", 17, "expected ',' or ')' in the list of values, found 'b)'"),
        ("(a and b", 9, "expected 'and', 'or' or ')' closing the '(' at column 1, found end of condition"),
        ("a and", 6, "expected a field, a macro name, 'not' or '(', found end of condition"),
        ("a AND b", 3, "expected 'and', 'or' or end of condition, found 'AND'"),
        ("fd.num > abc", 10, "expected a number after '>', found 'abc'"),
        ('proc.name = "abc', 13, 'unterminated string (missing closing ")'),
        (r'proc.name = "a\qb"', 15, "unsupported escape sequence '\\q'"),
        ("foo(proc.name) = x", 1, "unknown transformer 'foo'"),
        ("val(proc.name) = x", 1, "val() is only allowed on the right of an operator"),
        ("tolower(proc.name = x", 19, "expected ')' closing tolower(, found '='"),
        ("tolower(foo) = x", 9, "expected a field inside tolower(), found 'foo)'"),
        ("proc.aname[2 = x", 14, "expected ']' closing the field argument, found '='"),
        ("proc.aname[] = x", 12, "expected a field argument"),
        ("proc.name = x or", 17, "expected a field, a macro name"),
        ("= x", 1, "expected a field, a macro name, 'not' or '(', found '='"),
    ],
)
def test_syntax_errors_name_column_and_expectation(text: str, column: int, expected: str) -> None:
    with pytest.raises(ConditionSyntaxError) as caught:
        parse(text)
    assert caught.value.column == column
    assert expected in str(caught.value)
    assert str(caught.value).endswith(f"at column {column}")
    assert isinstance(caught.value, ConditionError)


def test_syntax_error_in_multiline_condition_names_line_and_column() -> None:
    with pytest.raises(ConditionSyntaxError) as caught:
        parse("spawned_process\n  and proc.name in (a,\n  b c)")
    assert (caught.value.line, caught.value.column, caught.value.offset) == (3, 5, 43)
    assert caught.value.reason == "expected ',' or ')' in the list of values, found 'c)'"
    assert str(caught.value).endswith("at line 3, column 5")


def test_nesting_is_bounded() -> None:
    assert parse("(" * 50 + "a" + ")" * 50) == MacroRef("a")
    with pytest.raises(ConditionSyntaxError, match="nests deeper than 100 levels"):
        parse("(" * 150 + "a" + ")" * 150)
    with pytest.raises(ConditionSyntaxError, match="nests deeper"):
        parse("not " * 150 + "a")
