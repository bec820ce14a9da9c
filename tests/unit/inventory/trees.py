"""Builders of realistic installed trees: dist-info and egg-info directories as pip and setuptools write them."""

from __future__ import annotations

import base64
import hashlib
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

from jackwatch.inventory.directory import DirectoryRoot
from jackwatch.inventory.discover import discover_packages
from jackwatch.model.inventory import Package
from jackwatch.sources.stats import ReadStats

WHEEL = b"Wheel-Version: 1.0\nGenerator: bdist_wheel (0.41.2)\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


def wheel_name(name: str) -> str:
    """The name as wheel and dist-info names spell it: ``Jw.Alpha_Tools`` → ``jw_alpha_tools``."""
    return re.sub(r"[-_.]+", "_", name).lower()


def write(base: Path, relative: str, content: str | bytes) -> Path:
    """Write ``content`` at ``base/relative``, creating the directories above it."""
    path = base / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def metadata_text(name: str, version: str, requires: Iterable[str] = (), *, metadata_version: str = "2.1") -> str:
    """A METADATA file in the e-mail header format wheels carry."""
    lines = [
        f"Metadata-Version: {metadata_version}",
        f"Name: {name}",
        f"Version: {version}",
        f"Summary: The {name} library",
        "Home-page: https://example.org/project",
        "Author-email: Maintainer <maintainer@example.org>",
        "License: MIT",
        "Classifier: Programming Language :: Python :: 3",
        "Requires-Python: >=3.8",
        *(f"Requires-Dist: {requirement}" for requirement in requires),
        "Description-Content-Type: text/markdown",
    ]
    return "\n".join(lines) + f"\n\n# {name}\n\nName: not a header, the description.\n"


def record_line(path: str, content: bytes) -> str:
    """A RECORD row: path, urlsafe-base64 sha256 without padding, size."""
    digest = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(content)}"


def install_wheel(
    site: Path,
    name: str,
    version: str,
    *,
    modules: Iterable[str] = (),
    requires: Iterable[str] = (),
    scripts: Iterable[str] = (),
) -> Path:
    """Lay out what pip leaves in ``site`` after installing a wheel: package code and a complete dist-info.

    ``scripts`` are console scripts, written to ``../../../bin`` (a virtualenv's bin) and listed in RECORD.
    """
    dist_name = wheel_name(name)
    info = f"{dist_name}-{version}.dist-info"
    rows: list[str] = []
    for module in modules:
        content = f'"""{module}."""\n__version__ = "{version}"\n'.encode()
        write(site, f"{module}/__init__.py", content)
        rows.append(record_line(f"{module}/__init__.py", content))
    for script in scripts:
        content = f"#!/venv/bin/python\nfrom {dist_name} import main\nmain()\n".encode()
        write(site.parents[2], f"bin/{script}", content)
        rows.append(record_line(f"../../../bin/{script}", content))
    members = {
        "METADATA": metadata_text(name, version, requires).encode(),
        "WHEEL": WHEEL,
        "INSTALLER": b"pip\n",
        "top_level.txt": "".join(f"{module}\n" for module in modules).encode(),
    }
    for member, content in members.items():
        write(site, f"{info}/{member}", content)
        rows.append(record_line(f"{info}/{member}", content))
    rows.append(f"{info}/RECORD,,")
    write(site, f"{info}/RECORD", "\n".join(rows) + "\n")
    return site / info


def discover(path: Path) -> tuple[list[Package], ReadStats]:
    """The packages found in the directory ``path``, and the stats of the scan (walk problems included)."""
    stats = ReadStats()
    return discover_packages(DirectoryRoot(path, stats), stats), stats


def reasons(stats: ReadStats) -> list[tuple[str, str]]:
    """(reason, location) of every problem reported, in order."""
    return [(problem.reason, str(problem.location)) for problem in stats.problems]


def build_wheel(
    directory: Path,
    name: str,
    version: str,
    *,
    modules: Iterable[str],
    requires: Iterable[str] = (),
    console_scripts: dict[str, str] | None = None,
) -> Path:
    """A pure-Python wheel (PEP 427) in ``directory``: module code, METADATA, WHEEL, entry points and RECORD.

    Its file and dist-info names use the normalised name (``Jw.Alpha_Tools`` → ``jw_alpha_tools``), as the
    binary distribution format asks; METADATA keeps ``name`` as given.
    """
    dist_name = wheel_name(name)
    info = f"{dist_name}-{version}.dist-info"
    members: dict[str, bytes] = {
        f"{module}/__init__.py": f'"""{module}."""\n\n\ndef main() -> None:\n    print("{module}")\n'.encode()
        for module in modules
    }
    members[f"{info}/METADATA"] = metadata_text(name, version, requires).encode()
    members[f"{info}/WHEEL"] = WHEEL
    members[f"{info}/top_level.txt"] = "".join(f"{module}\n" for module in modules).encode()
    if console_scripts:
        lines = "".join(f"{script} = {target}\n" for script, target in console_scripts.items())
        members[f"{info}/entry_points.txt"] = f"[console_scripts]\n{lines}".encode()
    record = [record_line(member, content) for member, content in members.items()] + [f"{info}/RECORD,,"]
    members[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel = directory / f"{dist_name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, content in members.items():
            archive.writestr(member, content)
    return wheel
