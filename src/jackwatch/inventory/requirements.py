"""Pinned requirements of pip requirements files (``*requirements*.txt``, ``requirements/*.txt``).

Only ``name==version`` (or ``===``) pins declare a version: any other line naming a package (a range, no
version, an editable install, a path or URL) is reported as unpinned, never guessed. ``-r``/``--requirement``
includes are followed when they stay inside the root; ``-c`` constraints and pip options are not requirements.
Lines are read as pip reads them: ``\\`` continuations joined, ``#`` comments dropped, per-requirement options
(``--hash=…``) set aside. Each requirement itself is parsed by :class:`packaging.requirements.Requirement`.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator, Sequence
from fnmatch import fnmatchcase

from packaging.requirements import InvalidRequirement, Requirement

from jackwatch.errors import Location
from jackwatch.inventory.reading import in_installed_tree, inside, location, read_text
from jackwatch.inventory.root import Root
from jackwatch.model.inventory import Ecosystem, Package, PackageLocation
from jackwatch.sources.stats import ReadStats

_COMMENT = re.compile(r"(^|\s+)#.*$")


def is_requirements_file(path: str) -> bool:
    """``*requirements*.txt`` (``requirements-dev.txt``, ``test-requirements.txt``), or a ``.txt`` directly inside
    a ``requirements/`` directory."""
    parent, _, base = path.rpartition("/")
    return fnmatchcase(base, "*requirements*.txt") or (
        base.endswith(".txt") and parent.rpartition("/")[2] == "requirements"
    )


def pinned_requirements(root: Root, files: Sequence[str], stats: ReadStats) -> Iterator[Package]:
    """The pins of every requirements file of ``files`` and of the files they include, each file read once."""
    present = frozenset(files)
    pending = deque(path for path in files if is_requirements_file(path) and not in_installed_tree(path))
    done: set[str] = set()
    while pending:  # includes join the queue rather than recurse: a chain of includes cannot exhaust the stack
        path = pending.popleft()
        if path not in done:
            done.add(path)
            yield from _read_file(root, path, present, pending, stats)


def _read_file(
    root: Root, path: str, present: frozenset[str], includes: deque[str], stats: ReadStats
) -> Iterator[Package]:
    """The pins of one file; the files it includes are added to ``includes``."""
    text = read_text(root, path, stats)
    if text is None:
        return
    for number, line in _logical_lines(text):
        where = location(root, path, number)
        include = _option_value(line, "-r", "--requirement")
        if include is not None:
            included = _include(root, path, include, present, where, stats)
            if included is not None:
                includes.append(included)
        elif _option_value(line, "-e", "--editable") is not None:
            stats.skip("unpinned_requirement", where, f"editable install {line!r} has no version")
        elif not line.startswith("-"):  # other options (--index-url, -c constraints…) declare no package
            pin = _pin(_requirement_part(line), where, stats)
            if pin is not None:
                yield Package(Ecosystem.PYPI, *pin, (PackageLocation(path, root.layer(path)),), declared=True)


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, line) with continuations joined and comments dropped, as pip reads them."""
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        line = _COMMENT.sub("", raw)
        if line.endswith("\\"):
            pending.append(line[:-1])
            continue
        pending.append(line)
        joined = " ".join(part.strip() for part in pending).strip()
        pending = []
        if joined:
            yield start, joined
    joined = " ".join(part.strip() for part in pending).strip()
    if joined:
        yield start, joined


def _requirement_part(line: str) -> str:
    """The requirement of a line, without the options that may follow it (``--hash=…``), as pip splits it."""
    kept: list[str] = []
    for token in line.split(" "):
        if token.startswith("-"):
            break
        kept.append(token)
    return " ".join(kept).strip()


def _option_value(line: str, short: str, long: str) -> str | None:
    """The value of option ``short``/``long`` when ``line`` is that option (``-r x``, ``-rx``, ``--requirement=x``)."""
    option, _, rest = line.partition(" ")
    if option in (short, long):
        return rest.strip()
    if option.startswith(f"{long}="):
        return option[len(long) + 1 :]
    if option.startswith(short) and not option.startswith("--"):
        return option[len(short) :]
    return None


def _pin(text: str, where: Location, stats: ReadStats) -> tuple[str, str] | None:
    """(name, version) of a requirement pinned with ``==``/``===``; anything else is reported."""
    try:
        requirement = Requirement(text)
    except InvalidRequirement as error:
        if "://" in text or text.startswith((".", "/")):
            stats.skip("unpinned_requirement", where, f"{text!r} is a path or URL, not a pinned version")
        else:
            stats.skip("invalid_requirement", where, f"not a requirement: {error}")
        return None
    pins = [spec for spec in requirement.specifier if spec.operator in ("==", "===") and "*" not in spec.version]
    if len(pins) != 1 or requirement.url:
        stats.skip("unpinned_requirement", where, f"{text!r} does not pin one version")
        return None
    return requirement.name, pins[0].version


def _include(
    root: Root, current: str, target: str, present: frozenset[str], where: Location, stats: ReadStats
) -> str | None:
    """The root path of the file ``-r target`` of ``current`` names, when it can be read."""
    if not target or "://" in target:
        stats.skip("include_not_followed", where, f"-r {target!r}: only files inside the root are read")
        return None
    included = inside(current.rpartition("/")[0], target)
    if included is None:
        stats.skip("include_outside_root", where, f"-r {target!r} leaves the root")
        return None
    if included not in present:
        stats.skip("include_missing", where, f"-r {target!r}: no such file in the root")
        return None
    return included
