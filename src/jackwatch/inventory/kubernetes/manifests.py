"""Kubernetes objects from manifests: files, directories, standard input; multi-document YAML, JSON, ``List`` kinds,
the output of ``helm template`` and ``kustomize build``.

Input is untrusted: YAML is read with the safe loader, a file larger than :data:`MAX_MANIFEST_BYTES` is skipped,
a document whose aliases would expand past :data:`MAX_ALIAS_NODES` nodes (a "billion laughs" bomb) is refused, and
a document that is a template left unrendered (``{{ .Values… }}``) is refused with a hint. Each problem is reported
in :class:`~jackwatch.sources.stats.ReadStats` with its ``file:line``; the other documents of the file are read.
Directories are walked in name order without following links out of them; hidden folders are skipped.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Hashable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from jackwatch.errors import Location, YamlError
from jackwatch.inventory.kubernetes.objects import K8sObject, make_object, sequence
from jackwatch.sources.stats import ReadStats
from jackwatch.yamlsource import YamlMap, load_all

try:
    from yaml import CSafeLoader as _ComposeLoader
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeLoader as _ComposeLoader  # type: ignore[assignment]


class _ManifestLoader(_ComposeLoader):
    """The safe loader, building :class:`YamlMap` mappings that know their line and each key's line (without the
    spans of string values that :mod:`jackwatch.yamlsource` keeps: manifests are big and need only lines).
    Timestamps stay strings."""

    def __init__(self, text: str, path: str) -> None:
        super().__init__(text)
        self.path = path


_NO_SCALARS: dict[Any, Any] = {}


def _construct_map(loader: _ManifestLoader, node: yaml.MappingNode) -> Iterator[YamlMap]:
    data = YamlMap()
    data.path, data.line = loader.path, node.start_mark.line + 1
    data.scalars, data.lines_of = _NO_SCALARS, {}
    yield data
    loader.flatten_mapping(node)
    lines = data.lines_of
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, Hashable):
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark, "found an unhashable key", key_node.start_mark
            )
        data[key] = loader.construct_object(value_node, deep=True)
        lines[key] = value_node.start_mark.line + 1


_ManifestLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_ManifestLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_documents(text: str, path: str) -> list[object]:
    """Every document of ``text`` (safe loading); a syntax error raises :class:`YamlError` with its location."""
    return load_all(_ManifestLoader(text, path), path)


MAX_MANIFEST_BYTES = 64 * 1024 * 1024
"""The largest manifest file read; bigger ones are reported and skipped."""

MAX_ALIAS_NODES = 200_000
"""The most nodes a document may expand to through its aliases (a document without aliases is not limited)."""

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
"""File name endings read when walking a directory (a file named explicitly is read whatever its name)."""

STDIN = "-"

_DOCUMENT_START = re.compile(r"^(?:---|\.\.\.)(?=[ \t\r\n]|$)", re.MULTILINE)
_TEMPLATE = re.compile(r"\{\{.*?\}\}", re.DOTALL)
_TEMPLATE_HINT = "an unrendered template ({{ … }}): render it first (helm template, kustomize build)"


def read_manifests(paths: Iterable[str | Path], stats: ReadStats) -> list[K8sObject]:
    """Every object in ``paths`` (files, directories, or ``-`` for standard input), in order."""
    objects: list[K8sObject] = []
    for path in paths:
        if str(path) == STDIN:
            objects.extend(read_manifest_text(sys.stdin.read(), "<stdin>", stats))
            stats.files_read += 1
            continue
        target = Path(path)
        if target.is_dir():
            for file in walk_manifests(target):
                objects.extend(read_manifest_file(file, stats))
        elif target.exists():
            objects.extend(read_manifest_file(target, stats))
        else:
            stats.files_failed += 1
            stats.skip("unreadable", Location(str(path)), "no such file or directory", records=0)
    return objects


def walk_manifests(root: Path) -> Iterator[Path]:
    """The manifest files under ``root``, in name order; hidden folders and links leading out of ``root`` skipped."""
    top = root.resolve()
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(name for name in dirs if not name.startswith("."))
        for name in sorted(files):
            if not name.lower().endswith(MANIFEST_SUFFIXES):
                continue
            file = Path(folder) / name
            if file.is_symlink() and not file.resolve().is_relative_to(top):
                continue
            yield file


def read_manifest_file(path: Path, stats: ReadStats) -> list[K8sObject]:
    """The objects of one file; an unreadable, oversized or non-UTF-8 file is reported and gives none."""
    where = Location(str(path))
    try:
        size = path.stat().st_size
        if size > MAX_MANIFEST_BYTES:
            stats.files_failed += 1
            stats.skip("too_large", where, f"{size} bytes, more than the {MAX_MANIFEST_BYTES} read")
            return []
        data = path.read_bytes()
    except OSError as error:
        stats.files_failed += 1
        stats.skip("unreadable", where, error.strerror or str(error))
        return []
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        stats.files_failed += 1
        stats.skip("not_utf8", where, f"not UTF-8 text (byte {error.start})")
        return []
    stats.files_read += 1
    return read_manifest_text(text, str(path), stats)


def read_manifest_text(text: str, path: str, stats: ReadStats) -> list[K8sObject]:
    """The objects of the manifest ``text`` read from ``path``.

    The whole text is parsed at once; when that fails, or when it uses aliases, each document is parsed on its
    own so that one bad document costs only itself.
    """
    if not _may_use_aliases(text):
        try:
            documents = load_documents(text, path)
        except YamlError:
            pass
        else:
            return [obj for index, value in enumerate(documents) for obj in _objects(value, path, index, stats)]
    objects: list[K8sObject] = []
    for index, (line, part) in enumerate(_split_documents(text)):
        value = _read_document(part, line, path, stats)
        if value is not None:
            objects.extend(_objects(value, path, index, stats))
    return objects


def _may_use_aliases(text: str) -> bool:
    return "&" in text and "*" in text


def _split_documents(text: str) -> list[tuple[int, str]]:
    """(0-based first line, text) of each document, split at ``---`` / ``...`` lines (which YAML forbids inside a
    document's content)."""
    parts: list[tuple[int, str]] = []
    start, line = 0, 0
    for match in _DOCUMENT_START.finditer(text):
        parts.append((line, text[start : match.start()]))
        line += text.count("\n", start, match.end())
        start = match.end()
    parts.append((line, text[start:]))
    return [(first, part) for first, part in parts if part.strip(" \t\r\n")]


def _read_document(part: str, first_line: int, path: str, stats: ReadStats) -> object:
    """One document, its lines numbered as in the file; ``None`` (reported) when it cannot be used."""
    padded = "\n" * first_line + part
    where = Location(path, first_line + 1)
    try:
        if _may_use_aliases(part) and (nodes := _expanded_size(padded)) > MAX_ALIAS_NODES:
            stats.skip("alias_bomb", where, f"aliases expand to more than {MAX_ALIAS_NODES} nodes ({nodes})")
            return None
        values = load_documents(padded, path)
    except (YamlError, yaml.YAMLError) as error:
        if _TEMPLATE.search(part):
            location = error.location if isinstance(error, YamlError) and error.location else where
            stats.skip("template", location, _TEMPLATE_HINT)
        elif isinstance(error, YamlError):
            stats.skip("invalid_yaml", error.location or where, error.message)
        else:
            stats.skip("invalid_yaml", where, f"YAML error: {error}")
        return None
    return values[0] if values else None


def _expanded_size(text: str) -> int:
    """How many nodes the document would have with every alias expanded (counting stops past the limit)."""
    root = yaml.compose(text, Loader=_ComposeLoader)
    if root is None:
        return 0
    sizes: dict[int, int] = {}

    def size(node: yaml.Node) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        total = 1
        if isinstance(node, yaml.SequenceNode):
            for child in node.value:
                total += size(child)
                if total > MAX_ALIAS_NODES:
                    break
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                total += size(key) + size(value)
                if total > MAX_ALIAS_NODES:
                    break
        sizes[id(node)] = total
        return total

    return size(root)


def _objects(value: object, path: str, index: int, stats: ReadStats) -> Iterator[K8sObject]:
    """The objects of one loaded document: the object itself, or the items of a ``List``."""
    if value is None:
        return
    where = Location(path, value.line if isinstance(value, YamlMap) else None)
    if not isinstance(value, Mapping):
        if isinstance(value, str) and _TEMPLATE.search(value):
            stats.skip("template", where, _TEMPLATE_HINT)
        else:
            stats.skip("not_an_object", where, f"document {index + 1} is a {type(value).__name__}, not an object")
        return
    if _templated(value):
        stats.skip("template", where, _TEMPLATE_HINT)
        return
    kind = value.get("kind")
    items = value.get("items")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(items, list):
        for item in sequence(items):
            yield from _objects(item, path, index, stats)
        return
    obj = make_object(value, path)
    if obj is None:
        stats.skip("not_an_object", where, "no apiVersion, kind or metadata.name: not a Kubernetes object")
        return
    stats.events_read += 1
    yield obj


def _templated(value: Mapping[str, object]) -> bool:
    """Whether the fields that identify an object hold template markers (values elsewhere may, legitimately:
    alerting rules, dashboards)."""
    metadata = value.get("metadata")
    fields = [value.get("apiVersion"), value.get("kind")]
    if isinstance(metadata, Mapping):
        fields += [metadata.get("name"), metadata.get("namespace")]
    if any(isinstance(key, str) and "{{" in key for key in value):
        return True
    return any(isinstance(field, str) and _TEMPLATE.search(field) for field in fields)
