"""Paths inside an image: archive member names made relative and safe, and symlinks resolved within the root.

Member names are normalised as container runtimes do when they unpack a layer: ``./a//b`` is ``a/b``, an
absolute ``/etc/x`` is ``etc/x`` (reported, since image builders never write one) and a name that climbs out
of the root (``../../escape``) is refused. Symlinks are followed as a process chrooted to the image would
follow them: an absolute target starts again at the image root and ``..`` stops at the root, so that no
path ever leaves the image.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass

_MAY_CHANGE = re.compile(r"//|/\.\.?(?:/|$)|/$|^\.\.?$")
"""What normalisation would change in a relative name: empty, ``.`` or ``..`` components, a trailing ``/``."""

MAX_SYMLINKS = 40
"""Symlinks followed while resolving one path, as Linux allows (``ELOOP`` beyond)."""


@dataclass(frozen=True, slots=True)
class MemberName:
    """A member name made relative: ``path`` is ``""`` for the root itself, ``None`` when refused."""

    path: str | None
    absolute: bool = False


def normalize_member(name: str) -> MemberName:
    """The path ``name`` designates inside the root, or ``path=None`` when it climbs out of it."""
    if name and not name.startswith(("/", "./", "../")) and not _MAY_CHANGE.search(name):
        return MemberName(name)
    absolute = name.startswith("/")
    if not absolute:
        relative = posixpath.normpath(name)
        if relative == ".." or relative.startswith("../"):
            return MemberName(None)
    return MemberName(posixpath.normpath("/" + name).lstrip("/"), absolute)


def parent_and_base(path: str) -> tuple[str, str]:
    """``("a/b", "c")`` for ``a/b/c``, ``("", "c")`` for ``c``."""
    parent, _, base = path.rpartition("/")
    return parent, base


def join(parent: str, base: str) -> str:
    """``parent/base``, or ``base`` when ``parent`` is the root."""
    return f"{parent}/{base}" if parent else base


def ancestors(path: str) -> list[str]:
    """The directories above ``path``, outermost first, without the root: ``["a", "a/b"]`` for ``a/b/c``."""
    found = []
    position = path.find("/")
    while position != -1:
        found.append(path[:position])
        position = path.find("/", position + 1)
    return found


class SymlinkLoop(OSError):
    """More than :data:`MAX_SYMLINKS` symlinks met while resolving a path."""


def resolve(path: str, symlink_target: Callable[[str], str | None], follow_last: bool = True) -> str:
    """The path ``path`` leads to once every symlink on the way is followed, never leaving the root.

    ``symlink_target(p)`` gives the target of ``p`` when ``p`` is a symlink, else ``None``. The last
    component is followed only when ``follow_last``. Missing components are kept as they are (the result
    then names nothing).
    """
    pending = list(reversed(path.split("/")))
    resolved: list[str] = []
    followed = 0
    while pending:
        part = pending.pop()
        if part in ("", "."):
            continue
        if part == "..":
            if resolved:
                resolved.pop()
            continue
        candidate = "/".join([*resolved, part])
        target = symlink_target(candidate) if pending or follow_last else None
        if target is None:
            resolved.append(part)
            continue
        followed += 1
        if followed > MAX_SYMLINKS:
            raise SymlinkLoop(f"too many levels of symbolic links in {path!r}")
        if target.startswith("/"):
            resolved.clear()
        pending.extend(reversed(target.split("/")))
    return "/".join(resolved)
