"""The JSON documents of an image (manifests, indexes, configurations): read with a size cap, checked by shape."""

from __future__ import annotations

from typing import Any

import orjson

from jackwatch.errors import ContentError, Location
from jackwatch.inventory.image.blobs import Blobs


class MissingBlob(ContentError):
    """A document or layer the image refers to is not in the archive or layout."""


def location_of(blobs: Blobs, path: str) -> Location:
    """``archive!path``: a file inside an image archive or layout."""
    return Location(f"{blobs.name}!{path}")


def read_blob(blobs: Blobs, path: str, limit: int) -> bytes:
    """The whole content of a small blob; :class:`MissingBlob`, or ``ContentError`` beyond ``limit`` bytes."""
    try:
        with blobs.open(path) as stream:
            data = stream.read(limit + 1)
    except FileNotFoundError:
        raise MissingBlob("missing from the image", location_of(blobs, path)) from None
    except OSError as exc:
        raise ContentError(f"unreadable: {exc}", location_of(blobs, path)) from None
    if len(data) > limit:
        raise ContentError(f"larger than {limit:,} bytes: not read", location_of(blobs, path))
    return data


def parse_json(raw: bytes, location: Location) -> Any:
    """The parsed document; ``ContentError`` at the line and column of a syntax error."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        where = Location(location.path, exc.lineno, exc.colno)
        raise ContentError(f"invalid JSON: {exc.msg}", where) from None


def read_json(blobs: Blobs, path: str, limit: int) -> Any:
    """The parsed JSON document at ``path`` (see :func:`read_blob`)."""
    return parse_json(read_blob(blobs, path, limit), location_of(blobs, path))


def json_object(value: Any, what: str, location: Location) -> dict[str, Any]:
    """``value`` when it is a JSON object (``{}`` for null), else ``ContentError`` naming ``what``."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ContentError(f"{what}: expected an object, found {type(value).__name__}", location)
    return value


def json_string(value: Any, what: str, location: Location) -> str:
    """``value`` when it is a string (``""`` for null)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ContentError(f"{what}: expected a string, found {type(value).__name__}", location)
    return value


def json_strings(value: Any, what: str, location: Location) -> tuple[str, ...] | None:
    """``value`` when it is a list of strings (``None`` for null)."""
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ContentError(f"{what}: expected a list of strings", location)
    return tuple(value)


def json_list(value: Any, what: str, location: Location) -> list[Any]:
    """``value`` when it is a list (``[]`` for null)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ContentError(f"{what}: expected a list, found {type(value).__name__}", location)
    return value
