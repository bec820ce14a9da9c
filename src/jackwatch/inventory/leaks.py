"""Keys in plain sight: in a root's env files, Dockerfiles, configs, scripts, source files and notebooks, and in
an image's config (``Env``) and history.

Every text goes through the one secret catalogue (:func:`jackwatch.secrets.scan_text`), so a key found here has
the fingerprint of the same key found in a prompt or a manifest. A :class:`Leak` keeps where the key is and what
:mod:`jackwatch.secrets` keeps of it — kind, provider, fingerprint, redacted form — never the key.
"""

from __future__ import annotations

import posixpath
import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

import orjson

from jackwatch.errors import Location
from jackwatch.inventory.reading import in_installed_tree, location, read_bytes
from jackwatch.inventory.root import MAX_FILE_BYTES, Root
from jackwatch.secrets import DETECTORS_BY_KIND, Category, SecretHit, scan_text
from jackwatch.sources.stats import ReadStats

MAX_SCANNED_BYTES = 8 * 1024 * 1024
"""The largest env file, Dockerfile, config, script or source file scanned; bigger ones are reported, not scanned."""

MAX_NOTEBOOK_BYTES = MAX_FILE_BYTES
"""The largest notebook scanned (its images and other binary outputs make it big, and are not scanned)."""

BINARY_PROBE = 8192
"""Bytes looked at for a NUL, which marks a file as binary (not scanned, reported)."""

NAMED_FILES = frozenset(
    {
        ".env",
        ".envrc",
        "environment",
        "credentials",
        ".npmrc",
        ".pypirc",
        ".netrc",
        ".git-credentials",
        ".bashrc",
        ".bash_profile",
        ".profile",
        ".zshrc",
    }
)
"""Files scanned whatever their directory: env files, ``/etc/environment``, ``~/.aws/credentials``, package
registry and git credentials, shell start-up files."""

SCANNED_SUFFIXES = frozenset(
    {
        # env files and configs
        ".env",
        ".yaml",
        ".yml",
        ".json",
        ".toml",
        ".ini",
        ".cfg",
        ".conf",
        ".properties",
        ".tfvars",
        # scripts and source
        ".sh",
        ".bash",
        ".zsh",
        ".py",
        ".js",
        ".mjs",
        ".cjs",
        ".ts",
    }
)
"""File name endings scanned as text."""

_PYTHON_LIBRARY = re.compile(r"(?:^|/)lib(?:64)?/python\d+(?:\.\d+)?/")
"""The standard library of a Python installation (``usr/lib/python3.11/``): not the workload's code."""

_LEGACY_ENV = re.compile(r"(?im)^([ \t]*ENV[ \t]+[A-Za-z_][A-Za-z0-9_.-]*)([ \t]+)(?=\S)")
"""``ENV NAME value``, the Dockerfile form without ``=``."""

FileKind = Literal["text", "dockerfile", "notebook"]


@dataclass(frozen=True, slots=True)
class Leak:
    """A key found in plain sight, without the key.

    ``location`` is a path inside the root with the line and column where the key starts, or what was scanned
    (``image config Env``, ``image history``). ``within`` says where inside it: a notebook's ``cell 3`` or
    ``cell 3 output 1`` (the line is then counted in that cell's source or output), an environment variable's
    name, a history ``step 4``. ``layer`` is the digest of the image layer that holds it. ``identifier`` is
    the non-secret name that goes with the key (an AWS access key id, a service account's e-mail).
    """

    kind: str
    provider: str | None
    category: Category
    fingerprint: str
    redacted: str
    location: Location
    within: str | None = None
    layer: str | None = None
    identifier: str | None = None

    @property
    def where(self) -> str:
        """``app/.env:3:16``, ``notebook.ipynb:2:9 (cell 3 output 1)``, ``image config Env (OPENAI_API_KEY)``."""
        return f"{self.location} ({self.within})" if self.within else str(self.location)

    def describe(self) -> str:
        """``<kind> <redacted> <fingerprint> [identifier] at <where>``: what outputs may show of the leak."""
        parts = [self.kind, self.redacted, self.fingerprint]
        if self.identifier:
            parts.append(self.identifier)
        return f"{' '.join(parts)} at {self.where}"


class HistoryStep(NamedTuple):
    """One entry of an image's history: the command that made it (``created_by``) and the layer it added."""

    command: str
    layer: str | None = None


def scan_root(root: Root, stats: ReadStats) -> list[Leak]:
    """The keys in the files of ``root`` that :func:`scanned_kind` selects, in path order then text order.

    A file that cannot be read, is bigger than its cap or is binary is reported to ``stats`` and skipped; a
    notebook that is not valid JSON is reported and scanned as plain text.
    """
    leaks: list[Leak] = []
    for path in root.files():
        kind = scanned_kind(path)
        if kind is not None:
            leaks.extend(_scan_file(root, path, kind, stats))
    return leaks


def scanned_kind(path: str) -> FileKind | None:
    """How the file at ``path`` is scanned, or ``None`` when it is not.

    Files inside installed packages (``site-packages``, ``node_modules``…) and a Python's standard library
    belong to their packages, not to the workload, and are not scanned.
    """
    if in_installed_tree(path) or _PYTHON_LIBRARY.search(path):
        return None
    base = posixpath.basename(path)
    lowered = base.lower()
    if lowered.endswith(".ipynb"):
        return "notebook"
    if (
        lowered in ("dockerfile", "containerfile")
        or lowered.startswith("dockerfile.")
        or lowered.endswith(".dockerfile")
    ):
        return "dockerfile"
    if base in NAMED_FILES or base.startswith(".env.") or posixpath.splitext(lowered)[1] in SCANNED_SUFFIXES:
        return "text"
    return None


def scan_environment(
    env: Mapping[str, str] | Iterable[str], where: str = "image config Env", layer: str | None = None
) -> list[Leak]:
    """The keys in environment variables: a mapping, or ``NAME=value`` entries as an image config lists them.

    The variables are scanned together, one per line, so that an AWS key id and its secret in two variables
    are one pair; each leak names its variable in ``within``.
    """
    entries = env.items() if isinstance(env, Mapping) else (_split_variable(entry) for entry in env)
    return _scan_entries(((f"{name}={value}", name, layer) for name, value in entries), where)


def scan_commands(history: Iterable[str | HistoryStep], where: str = "image history") -> list[Leak]:
    """The keys in an image's history commands (``ENV``, ``ARG`` values, ``RUN`` lines with their build args).

    Each leak says its step (``step 4``, counted from 1) and, when the step says it, the layer it added.
    """
    steps = (step if isinstance(step, HistoryStep) else HistoryStep(step) for step in history)
    return _scan_entries(((step.command, f"step {number}", step.layer) for number, step in enumerate(steps, 1)), where)


# ------------------------------------------------------------------------------------------------ files


def _scan_file(root: Root, path: str, kind: FileKind, stats: ReadStats) -> list[Leak]:
    data = read_bytes(root, path, stats)
    if data is None:
        return []
    cap = MAX_NOTEBOOK_BYTES if kind == "notebook" else MAX_SCANNED_BYTES
    if len(data) > cap:
        stats.skip("too_large", location(root, path), f"{len(data)} bytes, more than the {cap} scanned for keys")
        return []
    if b"\x00" in data[:BINARY_PROBE]:
        stats.skip("binary", location(root, path), "binary content, not scanned for keys")
        return []
    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    layer = root.layer(path)
    if kind == "notebook":
        parts = _notebook_parts(root, path, text, stats)
        if parts is not None:
            return [leak for within, part in parts for leak in _scan_text(part, path, layer, within)]
    elif kind == "dockerfile":
        text = _LEGACY_ENV.sub(_with_equals, text)
    return list(_scan_text(text, path, layer))


def _scan_text(text: str, path: str, layer: str | None, within: str | None = None) -> Iterator[Leak]:
    line, counted = 1, 0
    for hit in scan_text(text):
        line += text.count("\n", counted, hit.offset)
        counted = hit.offset
        line_start = text.rfind("\n", 0, hit.offset) + 1
        yield _leak(hit, Location(path, line, hit.offset - line_start + 1), within, layer)


def _with_equals(match: re.Match[str]) -> str:
    """``ENV NAME value`` as ``ENV NAME=value``, keeping every offset."""
    return f"{match[1]}={' ' * (len(match[2]) - 1)}"


# -------------------------------------------------------------------------------------------- notebooks


def _notebook_parts(root: Root, path: str, text: str, stats: ReadStats) -> list[tuple[str, str]] | None:
    """(``cell N`` or ``cell N output M``, text) of every cell source and text output of an nbformat 4 notebook.

    ``None`` when the file is not one: invalid JSON is reported; the caller scans the file as plain text.
    """
    try:
        notebook = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        where = location(root, path, error.lineno, error.colno)
        stats.skip("invalid_notebook", where, f"not JSON ({error.msg}): scanned as plain text", records=0)
        return None
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        stats.skip("invalid_notebook", location(root, path), "no nbformat 4 cells: scanned as plain text", records=0)
        return None
    parts: list[tuple[str, str]] = []
    for number, cell in enumerate(cells, 1):
        if not isinstance(cell, dict):
            continue
        parts.append((f"cell {number}", _joined(cell.get("source"))))
        outputs = cell.get("outputs")
        for index, output in enumerate(outputs if isinstance(outputs, list) else [], 1):
            if isinstance(output, dict):
                parts.append((f"cell {number} output {index}", _output_text(output)))
    return parts


def _output_text(output: dict[str, Any]) -> str:
    """The text of an output: a stream's text, an error's traceback, and the textual forms of a result.

    Images and other binary forms (base64) are not text and are left out.
    """
    pieces = [_joined(output.get("text")), _joined(output.get("traceback"), "\n")]
    data = output.get("data")
    if isinstance(data, dict):
        for mime, value in data.items():
            if mime.startswith("text/") or mime.endswith(("json", "javascript")):
                pieces.append(value if isinstance(value, str) else _joined(value) or orjson.dumps(value).decode())
    return "\n".join(piece for piece in pieces if piece)


def _joined(value: object, separator: str = "") -> str:
    """A multiline string of nbformat: one string, or a list of lines (with their line breaks)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(line, str) for line in value):
        return separator.join(value)
    return ""


# ----------------------------------------------------------------------------- environments and history


def _split_variable(entry: str) -> tuple[str, str]:
    name, _, value = entry.partition("=")
    return name, value


def _scan_entries(entries: Iterable[tuple[str, str, str | None]], where: str) -> list[Leak]:
    """Scan (text, within, layer) entries as one text, one entry per line, and give each leak its entry's place."""
    texts: list[str] = []
    places: list[tuple[str, str | None]] = []
    starts: list[int] = []
    offset = 0
    for text, within, layer in entries:
        starts.append(offset)
        texts.append(text)
        places.append((within, layer))
        offset += len(text) + 1
    leaks = []
    for hit in scan_text("\n".join(texts)):
        within, layer = places[bisect_right(starts, hit.offset) - 1]
        leaks.append(_leak(hit, Location(where), within, layer))
    return leaks


def _leak(hit: SecretHit, where: Location, within: str | None, layer: str | None) -> Leak:
    detector = DETECTORS_BY_KIND[hit.kind]
    return Leak(
        hit.kind,
        detector.provider,
        detector.category,
        hit.fingerprint,
        hit.redacted,
        where,
        within,
        layer,
        hit.identifier,
    )
