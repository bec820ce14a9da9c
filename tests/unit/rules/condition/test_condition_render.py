from __future__ import annotations

import pytest

from jackwatch.rules.condition import (
    And,
    Compare,
    FieldExpr,
    FieldRef,
    MacroRef,
    Not,
    Or,
    Value,
    ValueList,
    is_bare_word,
    parse,
    quote_value,
    render,
)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("a and b or c", "(a and b) or c"),
        ("a and (b or c)", "a and (b or c)"),
        ("not(a)", "not a"),
        ("not (a and b)", "not (a and b)"),
        ("ct.name==ConsoleLogin", "ct.name = ConsoleLogin"),
        ("proc.name in(a,'b c' ,  3)", 'proc.name in (a, "b c", 3)'),
        ("proc.name in ()", "proc.name in ()"),
        ("tolower( basename(proc.exe) )=sh", "tolower(basename(proc.exe)) = sh"),
        ("proc.name = val(proc.pname)", "proc.name = val(proc.pname)"),
        ("json.value[/a/b]=x", "json.value[/a/b] = x"),
        ('json.value["a b"]=x', 'json.value["a b"] = x'),
        ("ct.error exists", "ct.error exists"),
        ("proc.args contains 'say \"hi\"\\n'", 'proc.args contains "say \\"hi\\"\\n"'),
    ],
)
def test_canonical_text(text: str, canonical: str) -> None:
    node = parse(text)
    assert render(node) == canonical
    assert parse(canonical) == node


@pytest.mark.parametrize(
    "node",
    [
        And((Or((MacroRef("a"), MacroRef("b"))), Not(Not(MacroRef("c"))))),
        Or((And((MacroRef("a"), MacroRef("b"))), MacroRef("c"))),
        Not(And((MacroRef("a"), MacroRef("b")))),
        Compare(FieldExpr(FieldRef("x.y", "")), "=", Value("")),
        Compare(FieldExpr(FieldRef("x.y", "a]b")), "=", Value("tab\t, (paren) 'q'")),
        Compare(FieldExpr(FieldRef("x.y", "[ok]")), "in", ValueList((Value("and", bare=True), Value("or")))),
        Compare(FieldExpr(FieldRef("x.y"), ("len",)), ">=", Value("-0x1F", bare=True)),
        Compare(FieldExpr(FieldRef("x.y")), "=", FieldExpr(FieldRef("x.z", "1"), ("b64", "tolower"))),
    ],
)
def test_render_roundtrips_hand_built_trees(node: And | Or | Not | Compare) -> None:
    assert parse(render(node)) == node


def test_bare_values_must_be_writable_bare() -> None:
    with pytest.raises(ValueError, match="cannot be written as a bare value"):
        Value("a b", bare=True)


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("/etc/shadow", "/etc/shadow"),
        ("<NA>", "<NA>"),
        ("puma reactor", '"puma reactor"'),
        ("", '""'),
        ("a=b", '"a=b"'),
        ("it's", '"it\'s"'),
        ("back\\slash", "back\\slash"),
    ],
)
def test_quote_value(text: str, written: str) -> None:
    assert quote_value(text) == written
    assert is_bare_word(text) == (written == text)
    assert parse(f"x.y = {written}") == Compare(FieldExpr(FieldRef("x.y")), "=", Value(text, bare=written == text))
