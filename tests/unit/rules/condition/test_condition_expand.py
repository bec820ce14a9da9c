from __future__ import annotations

import pytest

from jackwatch.errors import ConditionError
from jackwatch.rules.condition import Node, UnknownMacroError, expand, parse, render


def macros(**conditions: str) -> dict[str, Node]:
    return {name: parse(text) for name, text in conditions.items()}


def test_macros_expand_recursively() -> None:
    defined = macros(
        spawned_process="evt.type = execve and evt.dir = <",
        shell_procs="proc.name in (shell_binaries)",
        shell_spawn="spawned_process and shell_procs",
    )
    node = expand(parse("shell_spawn and not proc.pname exists"), defined, {"shell_binaries": ["bash", "sh"]})
    assert render(node) == (
        '((evt.type = execve and evt.dir = <) and proc.name in ("bash", "sh")) and not proc.pname exists'
    )


def test_expanded_macro_keeps_its_grouping() -> None:
    node = expand(parse("a and x.z = 3"), macros(a="x.y = 1 or x.y = 2"), {})
    assert node == parse("(x.y = 1 or x.y = 2) and x.z = 3")


def test_unknown_macros_are_all_listed_once_in_order() -> None:
    defined = macros(known="x.y = 1 and inner_missing")
    with pytest.raises(UnknownMacroError) as caught:
        expand(parse("missing_one and known and (missing_two or missing_one)"), defined, {})
    assert caught.value.names == ("missing_one", "inner_missing", "missing_two")
    assert str(caught.value) == "unknown macros 'missing_one', 'inner_missing', 'missing_two'"


def test_one_unknown_macro_message() -> None:
    with pytest.raises(ConditionError, match=r"^unknown macro 'foo'$"):
        expand(parse("x.y = 1 and foo"), {}, {})


def test_macro_cycle_is_reported_with_its_path() -> None:
    defined = macros(a="b and x.y = 1", b="x.z = 2 or c", c="a")
    with pytest.raises(ConditionError, match=r"macro cycle: a -> b -> c -> a"):
        expand(parse("a"), defined, {})


def test_self_referencing_macro_is_a_cycle() -> None:
    with pytest.raises(ConditionError, match=r"macro cycle: a -> a"):
        expand(parse("a"), macros(a="x.y = 1 or a"), {})


def test_lists_inside_lists_expand_recursively() -> None:
    lists = {
        "shells": ["bash", "sh"],
        "interpreters": ["shells", "python", "puma reactor"],
        "all_binaries": ["interpreters", "ls"],
    }
    node = expand(parse("proc.name in (all_binaries, vi)"), {}, lists)
    assert render(node) == 'proc.name in ("bash", "sh", "python", "puma reactor", "ls", vi)'


def test_list_cycle_is_reported() -> None:
    with pytest.raises(ConditionError, match=r"list cycle: a -> b -> a"):
        expand(parse("proc.name in (a)"), {}, {"a": ["x", "b"], "b": ["a"]})


def test_quoted_items_and_scalar_values_are_not_list_references() -> None:
    lists = {"shells": ["bash", "sh"]}
    text = 'proc.name in ("shells", other) and proc.pname = shells'
    assert expand(parse(text), {}, lists) == parse(text)


def test_list_references_work_in_every_list_operator_and_in_macros() -> None:
    lists = {"dirs": ["/etc", "/usr"], "empty": []}
    defined = macros(m="fd.name pmatch (dirs) or fd.name intersects (empty)")
    assert render(expand(parse("m"), defined, lists)) == 'fd.name pmatch ("/etc", "/usr") or fd.name intersects ()'


def test_expanded_items_are_literal_and_expansion_is_idempotent() -> None:
    lists = {"a": ["b"], "b": ["c"]}
    once = expand(parse("x.y in (a)"), {}, lists)
    assert render(once) == 'x.y in ("c")'
    assert expand(parse(render(once)), {}, lists) == once
