from __future__ import annotations

from collections.abc import Callable

import pytest

from jackwatch.model import Event
from jackwatch.rules.condition import compile_condition, event_names, parse
from jackwatch.rules.fields import SourceFields

NAMES = ["CreateUser", "DeleteUser", "RunInstances", "InvokeModel", "ConsoleLogin"]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("t.name = CreateUser", {"CreateUser"}),
        ('t.name == "CreateUser" and not t.user exists', {"CreateUser"}),
        ("t.name in (CreateUser, DeleteUser)", {"CreateUser", "DeleteUser"}),
        ("t.name intersects (CreateUser)", {"CreateUser"}),
        ("t.name in ()", set()),
        ("t.name in (CreateUser, DeleteUser) and t.name = DeleteUser", {"DeleteUser"}),
        ("t.name = CreateUser and t.name = DeleteUser", set()),
        ("t.name = CreateUser or t.name in (RunInstances, DeleteUser)", {"CreateUser", "RunInstances", "DeleteUser"}),
        ("(t.name = CreateUser or t.name = RunInstances) and t.user = root", {"CreateUser", "RunInstances"}),
        (
            "t.user = root and (t.name = InvokeModel or (t.name = CreateUser and t.num > 1))",
            {"InvokeModel", "CreateUser"},
        ),
        # nothing known about the name
        ("t.user = root", None),
        ("t.name = CreateUser or t.user = root", None),
        ("not t.name = CreateUser", None),
        ("not t.name in (CreateUser)", None),
        ("t.name != CreateUser", None),
        ("t.name startswith Create", None),
        ("tolower(t.name) = createuser", None),
        ("t.name = val(t.user)", None),
        ("t.name exists", None),
        ("some_macro", None),
        ("t.user = CreateUser", None),
    ],
)
def test_event_names(condition: str, expected: set[str] | None) -> None:
    names = event_names(parse(condition), "t.name")
    assert names == (None if expected is None else frozenset(expected))


@pytest.mark.parametrize(
    "condition",
    [
        "t.name = CreateUser and t.user = root",
        "t.name in (CreateUser, DeleteUser) or (t.name = InvokeModel and t.num > 1)",
        "(t.name = CreateUser or t.name = RunInstances) and not t.name = RunInstances",
    ],
)
def test_event_names_are_sound(fields: SourceFields, event: Callable[..., Event], condition: str) -> None:
    node = parse(condition)
    names = event_names(node, "t.name")
    assert names is not None
    predicate = compile_condition(node, fields)
    for name in NAMES:
        if predicate(event(name, user="root", num=2)):
            assert name in names
