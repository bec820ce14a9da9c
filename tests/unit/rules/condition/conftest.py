"""A small event source for condition tests: each ``t.*`` field reads one key of ``event.raw``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from jackwatch.model import Event
from jackwatch.rules.condition import compile_condition, evaluate, parse
from jackwatch.rules.fields import ArgMode, Field, SourceFields


def _key(key: str) -> Callable[[Event, str | None], object]:
    return lambda event, arg: event.raw.get(key)


def _listed(key: str) -> Callable[[Event, str | None], object]:
    def extract(event: Event, arg: str | None) -> object:
        value = event.raw.get(key)
        return None if value is None else tuple(value)

    return extract


def _argument(event: Event, arg: str | None) -> object:
    return event.raw.get("args", {}).get(arg)


def _ancestor(event: Event, arg: str | None) -> object:
    ancestors = event.raw.get("ancestors", [])
    index = int(arg) if arg is not None else 1
    return ancestors[index - 1] if 0 < index <= len(ancestors) else None


FIELDS = SourceFields(
    source="test",
    fields={
        "t.name": Field("t.name", lambda event, arg: event.name, "event name"),
        "t.user": Field("t.user", _key("user"), "user name (optional)"),
        "t.path": Field("t.path", _key("path"), "file path"),
        "t.cmd": Field("t.cmd", _key("cmd"), "command line"),
        "t.num": Field("t.num", _key("num"), "a number"),
        "t.text_num": Field("t.text_num", _key("text_num"), "a number written as text"),
        "t.flag": Field("t.flag", _key("flag"), "a boolean"),
        "t.data": Field("t.data", _key("data"), "raw bytes"),
        "t.tags": Field("t.tags", _listed("tags"), "list of tags", is_list=True),
        "t.ports": Field("t.ports", _listed("ports"), "list of numbers", is_list=True),
        "t.arg": Field("t.arg", _argument, "named argument", arg=ArgMode.REQUIRED),
        "t.aname": Field("t.aname", _ancestor, "ancestor name", arg=ArgMode.OPTIONAL),
    },
    name_field="t.name",
    principal=lambda event: str(event.raw.get("user", "")),
    evidence=lambda event: {},
)


def make_event(name: str = "Act", **raw: object) -> Event:
    """An event of the test source."""
    return Event(source="test", name=name, time=datetime(2024, 5, 1, tzinfo=UTC), id="e-1", raw=raw)


@pytest.fixture
def fields() -> SourceFields:
    return FIELDS


@pytest.fixture
def event() -> Callable[..., Event]:
    """``event(name, **raw)``: an event of the test source."""
    return make_event


@pytest.fixture
def matches() -> Callable[..., bool]:
    """``matches(condition, name=…, **raw)``: compiled and reference results, asserted equal."""

    def check(condition: str, name: str = "Act", **raw: object) -> bool:
        node = parse(condition)
        event = make_event(name, **raw)
        compiled = compile_condition(node, FIELDS)(event)
        assert compiled == evaluate(node, event, FIELDS), condition
        return compiled

    return check
