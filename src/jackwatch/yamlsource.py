"""Safe YAML reading that remembers where every mapping, key and string value is in the file.

Mappings load as :class:`YamlMap` (a ``dict`` that knows its file, line and the span of each value), so
errors found long after parsing still point at ``file:line:col``. Timestamps stay strings (a rule
test's ``eventTime`` must reach the source exactly as written), and so does a bare ``=``.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import yaml

from jackwatch.errors import Location, YamlError

try:
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class Scalar:
    """A string value of a mapping, with the 0-based (line, column) span of its text in the file."""

    text: str
    path: str
    start: tuple[int, int]
    end: tuple[int, int]
    lines: Sequence[str] = field(repr=False, compare=False)

    @property
    def location(self) -> Location:
        """Where the value starts."""
        return Location(self.path, self.start[0] + 1)

    def locate(self, offset: int) -> Location:
        """The file position of character ``offset`` of :attr:`text`, following YAML's line folding.

        Walks the source and the loaded text together (indentation, quotes and folded line breaks are
        skipped); falls back to the value's start line when they cannot be matched up.
        """
        line, col, index = self.start[0], self.start[1], 0
        while (line, col) <= self.end and line < len(self.lines):
            source = self.lines[line]
            while col < len(source):
                if index >= offset:
                    return Location(self.path, line + 1, col + 1)
                if index < len(self.text) and self.text[index] == source[col]:
                    index += 1
                    col += 1
                elif index < len(self.text) and self.text[index].isspace():
                    index += 1
                else:
                    col += 1
            if index >= offset:
                return Location(self.path, line + 1, col + 1)
            if index < len(self.text) and self.text[index] in " \n":
                index += 1
            line, col = line + 1, 0
        return self.location


class YamlMap(dict[Any, Any]):
    """A loaded mapping that knows where it is: its start line and each key's value span."""

    path: str = ""
    line: int = 0
    scalars: dict[Any, Scalar]
    lines_of: dict[Any, int]

    def location(self, key: str | None = None) -> Location:
        """Where the mapping starts, or where the value of ``key`` starts."""
        if key is not None and key in self.lines_of:
            return Location(self.path, self.lines_of[key])
        return Location(self.path, self.line)

    def scalar(self, key: str) -> Scalar | None:
        """The value of ``key`` with its span, when it is a string."""
        return self.scalars.get(key)


@dataclass(frozen=True, slots=True)
class DuplicateKey:
    """A key given twice in one mapping (YAML keeps the last)."""

    key: str
    location: Location


@dataclass(frozen=True, slots=True)
class YamlDocuments:
    """The documents of one file and the duplicate keys met while loading them."""

    values: list[object]
    duplicate_keys: list[DuplicateKey]


_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
"""What YAML counts as a line break."""

_TEXT_TAGS = frozenset({"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:value"})
"""Implicit types read as plain text: timestamps, and ``=`` (Falco's ``comps: [=, in]``)."""


class _Loader(_BaseLoader):
    """A safe loader building :class:`YamlMap` mappings; timestamps are left as strings."""

    def __init__(self, text: str, path: str) -> None:
        super().__init__(text)
        self.path = path
        self.source_lines = _LINE_BREAK.split(text)
        self.duplicates: list[DuplicateKey] = []


def _note_duplicates(loader: _Loader, node: yaml.MappingNode) -> None:
    """Record keys written twice in the mapping itself (keys merged in with ``<<`` may be overridden)."""
    seen: set[object] = set()
    for key_node, _ in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
            if key_node.value in seen:
                loader.duplicates.append(
                    DuplicateKey(key_node.value, Location(loader.path, key_node.start_mark.line + 1))
                )
            seen.add(key_node.value)


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> Iterator[YamlMap]:
    data = YamlMap()
    data.path, data.line = loader.path, node.start_mark.line + 1
    data.scalars, data.lines_of = {}, {}
    yield data
    _note_duplicates(loader, node)
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, Hashable):
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark, "found an unhashable key", key_node.start_mark
            )
        value = loader.construct_object(value_node, deep=True)
        data[key] = value
        data.lines_of[key] = value_node.start_mark.line + 1
        if isinstance(value, str):
            start = (value_node.start_mark.line, value_node.start_mark.column)
            end = (value_node.end_mark.line, value_node.end_mark.column)
            data.scalars[key] = Scalar(value, loader.path, start, end, loader.source_lines)


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _TEXT_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_yaml(text: str, path: str) -> YamlDocuments:
    """Every document of ``text`` (safe loading only); a syntax error raises :class:`YamlError`."""
    loader = _Loader(text, path)
    return YamlDocuments(load_all(loader, path), loader.duplicates)


class DocumentLoader(Protocol):
    """What :func:`load_all` needs of a PyYAML loader."""

    def check_data(self) -> bool: ...
    def get_data(self) -> Any: ...
    def dispose(self) -> None: ...


def load_all(loader: DocumentLoader, path: str) -> list[object]:
    """Every document ``loader`` reads (then disposed of); a syntax error raises :class:`YamlError` located in
    ``path``."""
    try:
        values: list[object] = []
        while loader.check_data():
            values.append(loader.get_data())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        location = Location(path, mark.line + 1, mark.column + 1) if mark else Location(path)
        raise YamlError(f"YAML syntax error: {exc.problem or exc}", location) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"YAML error: {exc}", Location(path)) from None
    finally:
        loader.dispose()
    return values
