"""JSON patches (RFC 6902) applied to plain data (mappings, lists, scalars), and JSON pointers (RFC 6901) parsed.

``add``, ``remove``, ``replace``, ``move``, ``copy`` and ``test`` follow the RFC: ``add`` needs the parent to exist
(and replaces a member that is there), ``remove`` and ``replace`` need the target to exist, ``-`` appends to a
list. The document is not changed: the patched copy is returned.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from jackwatch.remediate.errors import FixError


def parse_pointer(pointer: str) -> list[str]:
    """The reference tokens of a JSON pointer (``/a/b~1c`` → ``["a", "b/c"]``)."""
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise FixError(f"not a JSON pointer: {pointer!r}")
    return [token.replace("~1", "/").replace("~0", "~") for token in pointer[1:].split("/")]


def _index(token: str) -> int:
    if not token.isdigit() or (len(token) > 1 and token.startswith("0")):
        raise FixError(f"not a list index: {token!r}")
    return int(token)


def apply_patch(document: Any, operations: Sequence[Mapping[str, Any]]) -> Any:
    """``document`` with ``operations`` applied, in order (a copy); a :class:`FixError` when one does not apply."""
    result = copy.deepcopy(document)
    for operation in operations:
        result = apply_operation(result, operation)
    return result


def apply_operation(document: Any, operation: Mapping[str, Any]) -> Any:
    """One operation applied to ``document`` in place (the new root is returned: a patch may replace it)."""
    op = operation.get("op")
    tokens = parse_pointer(str(operation.get("path", "")))
    if op == "test":
        if _get(document, tokens) != operation.get("value"):
            raise FixError(f"test failed at {operation.get('path')}")
        return document
    if op in ("move", "copy"):
        source = parse_pointer(str(operation.get("from", "")))
        value = copy.deepcopy(_get(document, source))
        if op == "move":
            document = _remove(document, source)
        return _add(document, tokens, value)
    if op == "add":
        return _add(document, tokens, copy.deepcopy(operation.get("value")))
    if op == "remove":
        return _remove(document, tokens)
    if op == "replace":
        _get(document, tokens)
        return _add(_remove(document, tokens), tokens, copy.deepcopy(operation.get("value")))
    raise FixError(f"unknown JSON patch operation {op!r}")


def _get(document: Any, tokens: Sequence[str]) -> Any:
    node = document
    for token in tokens:
        if isinstance(node, list):
            index = _index(token)
            if index >= len(node):
                raise FixError(f"no element {index} in a list of {len(node)}")
            node = node[index]
        elif isinstance(node, Mapping):
            if token not in node:
                raise FixError(f"no member {token!r}")
            node = node[token]
        else:
            raise FixError(f"cannot look into a {type(node).__name__} for {token!r}")
    return node


def _add(document: Any, tokens: Sequence[str], value: Any) -> Any:
    if not tokens:
        return value
    parent = _get(document, tokens[:-1])
    last = tokens[-1]
    if isinstance(parent, list):
        index = len(parent) if last == "-" else _index(last)
        if index > len(parent):
            raise FixError(f"cannot insert at {index} in a list of {len(parent)}")
        parent.insert(index, value)
    elif isinstance(parent, dict):
        parent[last] = value
    else:
        raise FixError(f"cannot add {last!r} to a {type(parent).__name__}")
    return document


def _remove(document: Any, tokens: Sequence[str]) -> Any:
    if not tokens:
        raise FixError("cannot remove the whole document")
    parent = _get(document, tokens[:-1])
    last = tokens[-1]
    if isinstance(parent, list):
        index = _index(last)
        if index >= len(parent):
            raise FixError(f"no element {index} to remove")
        del parent[index]
    elif isinstance(parent, dict):
        if last not in parent:
            raise FixError(f"no member {last!r} to remove")
        del parent[last]
    else:
        raise FixError(f"cannot remove {last!r} from a {type(parent).__name__}")
    return document
