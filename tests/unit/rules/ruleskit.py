"""Helpers for the rule tests: a tiny ``test`` event source whose fields read keys of the raw record."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

from jackwatch.errors import ContentError
from jackwatch.model import Event
from jackwatch.rules.fields import ArgMode, Field, SourceFields
from jackwatch.rules.loader import LoadResult, load_rules
from jackwatch.rules.sources import EventSource, SourceRegistry

SOURCE = "test"
START = datetime(2026, 1, 1, tzinfo=UTC)


def _key(key: str) -> Callable[[Event, str | None], object]:
    return lambda event, arg: event.raw.get(key)


def _arg(event: Event, arg: str | None) -> object:
    return event.raw.get("args", {}).get(arg)


def _tags(event: Event, arg: str | None) -> object:
    tags = event.raw.get("tags")
    return None if tags is None else tuple(tags)


FIELDS = SourceFields(
    source=SOURCE,
    fields={
        "t.name": Field("t.name", lambda event, arg: event.name, "the event name"),
        "t.user": Field("t.user", _key("user"), "who"),
        "t.ip": Field("t.ip", _key("ip"), "source address"),
        "t.region": Field("t.region", _key("region"), "region"),
        "t.model": Field("t.model", _key("model"), "model id"),
        "t.error": Field("t.error", _key("error"), "error code"),
        "t.count": Field("t.count", _key("count"), "a number"),
        "t.arg": Field("t.arg", _arg, "a named argument", arg=ArgMode.REQUIRED),
        "t.tags": Field("t.tags", _tags, "tags", is_list=True),
    },
    name_field="t.name",
    partition_field="t.region",
    principal=lambda event: str(event.raw.get("user", "")),
    evidence=lambda event: {},
)


def make_test_event(raw: Mapping[str, Any], origin: str) -> Event:
    """The ``test`` source: ``name`` and ``time`` (ISO 8601) are required."""
    name = raw.get("name")
    stamp = raw.get("time")
    if not isinstance(name, str):
        raise ContentError("missing name")
    if not isinstance(stamp, str):
        raise ContentError("missing time")
    return Event(SOURCE, name, datetime.fromisoformat(stamp), str(raw.get("id", origin)), raw, origin)


REGISTRY = SourceRegistry.of([EventSource(FIELDS, make_test_event)])

_ids = count()


def event(name: str, seconds: float = 0, **raw: Any) -> Event:
    """An event of the ``test`` source, ``seconds`` after :data:`START`."""
    return Event(SOURCE, name, START + timedelta(seconds=seconds), f"e{next(_ids)}", {"name": name, **raw})


def load_files(directory: Path, *texts: str, registry: SourceRegistry = REGISTRY) -> LoadResult:
    """Write each text to its own file (``rules1.yaml``…) in ``directory`` and load them in order."""
    paths = []
    for number, text in enumerate(texts, 1):
        path = directory / f"rules{number}.yaml"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return load_rules(paths, registry)
