"""What every collector does with a root: read a file or report why not, and keep paths inside the root."""

from __future__ import annotations

from typing import Any

import orjson

from jackwatch.errors import Location
from jackwatch.inventory.root import FileTooLarge, Root
from jackwatch.sources.stats import ReadStats

INSTALLED_TREES = frozenset({"node_modules", "site-packages", "dist-packages"})
"""Directories that hold installed packages: the requirement and lock files found inside them belong to those
packages (their sources or tests), not to the project being scanned."""


def location(root: Root, path: str, line: int | None = None, col: int | None = None) -> Location:
    """Where ``path`` of ``root`` is, for problems: ``<root name>/<path>[:line[:col]]``."""
    return Location(f"{root.name.rstrip('/')}/{path}", line, col)


def read_bytes(root: Root, path: str, stats: ReadStats) -> bytes | None:
    """The content of ``path``, counted as read; ``None`` (counted as failed, reported) when it cannot be read."""
    try:
        data = root.read(path)
    except FileTooLarge as error:
        stats.files_failed += 1
        stats.skip("too_large", location(root, path), str(error))
        return None
    except OSError as error:
        stats.files_failed += 1
        stats.skip("unreadable", location(root, path), f"cannot read: {error.strerror or error}")
        return None
    stats.files_read += 1
    return data


def read_text(root: Root, path: str, stats: ReadStats) -> str | None:
    """The UTF-8 text of ``path`` (a byte-order mark dropped); ``None`` (reported) when unreadable or not UTF-8."""
    data = read_bytes(root, path, stats)
    if data is None:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        stats.skip("not_utf8", location(root, path, line), f"not UTF-8 text: {error.reason}")
        return None


def read_json(root: Root, path: str, stats: ReadStats) -> dict[str, Any] | None:
    """The JSON object in ``path``; ``None`` (reported with the line and column) when unreadable or not an object."""
    data = read_bytes(root, path, stats)
    if data is None:
        return None
    try:
        document = orjson.loads(data.removeprefix(b"\xef\xbb\xbf"))
    except orjson.JSONDecodeError as error:
        stats.skip("invalid_json", location(root, path, error.lineno, error.colno), f"not JSON: {error.msg}")
        return None
    if not isinstance(document, dict):
        stats.skip("invalid_json", location(root, path), "not a JSON object")
        return None
    return document


def inside(directory: str, relative: str) -> str | None:
    """``relative`` taken from ``directory`` (a root path), normalised; ``None`` when it climbs out of the root.

    An absolute ``relative`` is a path from the top of the root, as it is inside an image.
    """
    path = relative if relative.startswith("/") else f"{directory}/{relative}"
    parts: list[str] = []
    for part in path.split("/"):
        if part == "..":
            if not parts:
                return None
            parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts) or None


def in_installed_tree(path: str) -> bool:
    """Whether ``path`` lies inside ``node_modules``, ``site-packages`` or ``dist-packages``."""
    return not INSTALLED_TREES.isdisjoint(path.split("/")[:-1])
