"""Every condition of the upstream Falco rule files parses, round-trips, expands and compiles."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

import pytest
import yaml
from tests.datasets import DATASETS, needs

from jackwatch.model import Event
from jackwatch.rules.condition import (
    Node,
    compile_condition,
    evaluate,
    event_names,
    expand,
    fields_used,
    parse,
    render,
)
from jackwatch.rules.fields import ArgMode, Field, SourceFields

FALCO = DATASETS / "falco-rules"
SYSCALL_FILES = ("rules/falco_rules.yaml", "rules/falco-incubating_rules.yaml", "rules/falco-sandbox_rules.yaml")
PLUGIN_FILES = (
    "plugins/cloudtrail/rules/aws_cloudtrail_rules.yaml",
    "plugins/k8saudit/rules/k8s_audit_rules.yaml",
)

pytestmark = needs(FALCO)


@dataclass
class RuleFile:
    """The lists, macros and rule conditions of one or more Falco files, in load order."""

    lists: dict[str, list[str]] = field(default_factory=dict)
    macros: dict[str, Node] = field(default_factory=dict)
    rules: dict[str, Node] = field(default_factory=dict)
    conditions: list[tuple[str, str]] = field(default_factory=list)


def _item_text(item: Any) -> str:
    if isinstance(item, bool):
        return "true" if item else "false"
    return str(item)


@cache
def load(names: tuple[str, ...]) -> RuleFile:
    loaded = RuleFile()
    for name in names:
        for item in yaml.safe_load((FALCO / name).read_text(encoding="utf-8")):
            if "list" in item:
                loaded.lists[item["list"]] = [_item_text(value) for value in item["items"] or []]
            elif "macro" in item:
                loaded.conditions.append((f"{name}: macro {item['macro']}", item["condition"]))
                loaded.macros[item["macro"]] = parse(item["condition"])
            elif "rule" in item:
                loaded.conditions.append((f"{name}: rule {item['rule']}", item["condition"]))
                loaded.rules[item["rule"]] = parse(item["condition"])
    return loaded


def permissive_fields(nodes: Iterable[Node]) -> SourceFields:
    """A source that knows every field the nodes use; every field is missing from every event."""
    names = {ref.name for node in nodes for ref in fields_used(node)}
    return SourceFields(
        source="falco",
        fields={name: Field(name, lambda event, arg: None, "upstream field", arg=ArgMode.OPTIONAL) for name in names},
        name_field="evt.type",
        principal=lambda event: "",
        evidence=lambda event: {},
    )


ALL_FILES = SYSCALL_FILES + PLUGIN_FILES


@pytest.mark.parametrize("name", ALL_FILES)
def test_every_condition_parses_and_round_trips(name: str) -> None:
    conditions = load((name,)).conditions
    assert conditions, f"no conditions in {name}"
    for where, text in conditions:
        node = parse(text)
        assert parse(render(node)) == node, where


@pytest.mark.parametrize(
    "names", [(name,) for name in ALL_FILES] + [SYSCALL_FILES], ids=[*ALL_FILES, "stable+incubating+sandbox"]
)
def test_every_rule_expands_and_compiles(names: tuple[str, ...]) -> None:
    loaded = load(names)
    assert loaded.rules
    expanded = {rule: expand(node, loaded.macros, loaded.lists) for rule, node in loaded.rules.items()}
    fields = permissive_fields(expanded.values())
    event = Event(source="falco", name="execve", time=datetime(2024, 1, 1, tzinfo=UTC), id="e", raw={})
    for rule, node in expanded.items():
        assert compile_condition(node, fields)(event) == evaluate(node, event, fields), rule


def test_list_references_are_resolved() -> None:
    loaded = load(SYSCALL_FILES)
    node = expand(loaded.macros["shell_procs"], loaded.macros, loaded.lists)
    assert render(node) == "proc.name in (" + ", ".join(f'"{item}"' for item in loaded.lists["shell_binaries"]) + ")"


def test_cloudtrail_rules_match_like_falco() -> None:
    loaded = load((PLUGIN_FILES[0],))
    fields = SourceFields(
        source="aws_cloudtrail",
        fields={
            "ct.name": Field("ct.name", lambda event, arg: event.name, "event name"),
            "ct.error": Field("ct.error", lambda event, arg: event.raw.get("errorCode"), "error code"),
            "ct.region": Field("ct.region", lambda event, arg: event.raw.get("awsRegion"), "region"),
        },
        name_field="ct.name",
        principal=lambda event: "",
        evidence=lambda event: {},
    )
    node = expand(loaded.rules["Run Instances in Non-approved Region"], loaded.macros, loaded.lists)
    assert event_names(node, "ct.name") == frozenset({"RunInstances"})
    predicate = compile_condition(node, fields)

    def run(name: str, **raw: str) -> bool:
        event = Event("aws_cloudtrail", name, datetime(2024, 1, 1, tzinfo=UTC), "e", raw)
        assert evaluate(node, event, fields) == predicate(event)
        return predicate(event)

    assert run("RunInstances", awsRegion="eu-west-3")
    assert not run("RunInstances", awsRegion="us-east-0")
    assert not run("RunInstances", awsRegion="eu-west-3", errorCode="UnauthorizedOperation")
    assert not run("StopInstances", awsRegion="eu-west-3")
