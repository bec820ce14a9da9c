"""The fix of a vulnerable package: the upgrade to the smallest version that fixes every vulnerability of it found by
the scan (``evidence.fix_version``), as a requirement line and the command that installs it, and as a change of the
file that declares the package.

Declarations changed in place (only the requirement's version, the rest of the line and of the file kept):

- pip requirements files: ``name==old`` becomes ``name==new`` (a pin stays a pin), any other specifier
  ``name>=new``; extras, markers and comments stay. A line with ``--hash`` options is refused: its hashes cannot be
  known here (``pip-compile --upgrade-package`` rewrites it);
- ``pyproject.toml``: PEP 621 ``[project]`` dependencies and optional dependencies, PEP 735 dependency groups, and
  Poetry's ``[tool.poetry…dependencies]`` (``name = "^1.2"`` or ``{version = "^1.2", …}`` becomes ``">=new"``).

Each change is verified: the file reads again (TOML parses; each requirement parses) and every declaration of the
package now admits the new version and no longer the vulnerable one. Lock files are not edited: their tool's
command is given instead.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from packageurl import PackageURL
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from jackwatch.errors import Location
from jackwatch.inventory.requirements import is_requirements_file
from jackwatch.remediate.errors import FixError
from jackwatch.remediate.files import FileChange

LOCK_COMMANDS = {
    "poetry.lock": "poetry add '{name}>={version}'",
    "uv.lock": "uv add '{name}>={version}'",
    "pdm.lock": "pdm add '{name}>={version}'",
    "Pipfile.lock": "pipenv install '{name}>={version}'",
    "package-lock.json": "npm install '{name}@{version}'",
    "yarn.lock": "yarn add '{name}@{version}'",
    "pnpm-lock.yaml": "pnpm add '{name}@{version}'",
}
"""The command that upgrades a package declared in a lock file, by the lock file's name."""


@dataclass(frozen=True, slots=True)
class Upgrade:
    """A package and the version that fixes it: ``requirement`` is the line to declare, ``command`` installs it."""

    ecosystem: str
    name: str
    current: str
    version: str

    @property
    def requirement(self) -> str:
        """``name>=version`` (``name@version`` for npm)."""
        return f"{self.name}@{self.version}" if self.ecosystem == "npm" else f"{self.name}>={self.version}"

    @property
    def command(self) -> str:
        """``pip install 'name>=version'`` (``npm install 'name@version'``)."""
        tool = "npm install" if self.ecosystem == "npm" else "pip install"
        return f"{tool} '{self.requirement}'"


def upgrade_of(purl: str, version: str) -> Upgrade:
    """The upgrade of the package ``purl`` (``pkg:pypi/langchain@0.0.171``) to ``version``."""
    try:
        parsed = PackageURL.from_string(purl)
    except ValueError as error:
        raise FixError(f"not a package URL: {purl} ({error})") from None
    name = f"{parsed.namespace}/{parsed.name}" if parsed.namespace else parsed.name
    return Upgrade(parsed.type, name, parsed.version or "", version)


def lock_command(file: str, upgrade: Upgrade) -> str | None:
    """The command that upgrades the package in the lock file ``file`` (by its name), if it is one."""
    template = LOCK_COMMANDS.get(file.rpartition("/")[2])
    return template.format(name=upgrade.name, version=upgrade.version) if template else None


def declares(file: str) -> bool:
    """Whether ``file`` is a kind of file whose declaration :func:`declaration_change` edits."""
    return is_requirements_file(file) or file.rpartition("/")[2] == "pyproject.toml"


def declaration_change(text: str, path: str, upgrade: Upgrade) -> FileChange:
    """The change of the requirements or pyproject file ``text`` (read from ``path``) that upgrades the package,
    verified; a :class:`FixError` when the file does not declare it or cannot be changed safely."""
    if upgrade.ecosystem != "pypi":
        raise FixError(f"only PyPI declarations are edited, not {upgrade.ecosystem}", Location(path))
    if path.rpartition("/")[2] == "pyproject.toml":
        new = _pyproject(text, path, upgrade)
        _verify_pyproject(new, path, upgrade)
    else:
        new = _requirements(text, path, upgrade)
    return FileChange(path, text, new)


# -- requirements files --------------------------------------------------------------------------------------------

_OPTION = re.compile(r"\s--?[A-Za-z]")
_COMMENT = re.compile(r"(^|\s)#")


def _requirements(text: str, path: str, upgrade: Upgrade) -> str:
    lines = text.splitlines(keepends=True)
    changed = False
    for number, line in enumerate(lines, 1):
        body = _COMMENT.split(line, maxsplit=1)[0].rstrip("\r\n")
        if not body.strip() or body.lstrip().startswith("-") or body.rstrip().endswith("\\"):
            continue
        option = _OPTION.search(body)
        requirement_text = body[: option.start()] if option else body
        requirement = _parse(requirement_text.strip())
        if requirement is None or canonicalize_name(requirement.name) != canonicalize_name(upgrade.name):
            continue
        where = Location(path, number)
        if "--hash" in body:
            raise FixError(
                f"{upgrade.name} is pinned with hashes: regenerate the file "
                f"(pip-compile --generate-hashes --upgrade-package '{upgrade.name}=={upgrade.version}')",
                where,
            )
        replacement = _replaced(requirement, upgrade)
        start = line.index(requirement_text.strip())
        lines[number - 1] = line[:start] + replacement + line[start + len(requirement_text.strip()) :]
        _check(_parse(replacement), upgrade, where)
        changed = True
    if not changed:
        raise FixError(f"does not declare {upgrade.name}", Location(path))
    return "".join(lines)


def _parse(text: str) -> Requirement | None:
    try:
        return Requirement(text)
    except InvalidRequirement:
        return None


def _replaced(requirement: Requirement, upgrade: Upgrade) -> str:
    pinned = any(spec.operator in ("==", "===") for spec in requirement.specifier)
    extras = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
    marker = f"; {requirement.marker}" if requirement.marker else ""
    operator = "==" if pinned else ">="
    return f"{requirement.name}{extras}{operator}{upgrade.version}{marker}"


def _check(requirement: Requirement | None, upgrade: Upgrade, where: Location) -> None:
    """The new declaration admits the fixed version and not the vulnerable one."""
    if requirement is None:
        raise FixError("the changed requirement does not parse", where)
    _check_specifier(requirement.specifier, upgrade, where)


def _check_specifier(specifier: SpecifierSet, upgrade: Upgrade, where: Location) -> None:
    try:
        fixed, current = Version(upgrade.version), Version(upgrade.current) if upgrade.current else None
    except InvalidVersion:
        return  # not a PEP 440 version: nothing to compare
    if not specifier.contains(fixed, prereleases=True) or (
        current is not None and specifier.contains(current, prereleases=True)
    ):
        raise FixError(f"the changed declaration {specifier} does not exclude {upgrade.current}", where)


# -- pyproject.toml ------------------------------------------------------------------------------------------------


def _load_toml(text: str, path: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise FixError(f"not valid TOML: {error}", Location(path)) from None


def _pep508_lists(data: Mapping[str, Any]) -> Iterator[list[Any]]:
    """The lists of requirement strings of a pyproject (project, optional dependencies, dependency groups)."""
    project = data.get("project") if isinstance(data.get("project"), Mapping) else {}
    assert isinstance(project, Mapping)
    if isinstance(project.get("dependencies"), list):
        yield project["dependencies"]
    for group in (project.get("optional-dependencies") or {}).values():
        if isinstance(group, list):
            yield group
    groups = data.get("dependency-groups")
    for group in (groups if isinstance(groups, Mapping) else {}).values():
        if isinstance(group, list):
            yield group


def _poetry_tables(data: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    poetry = (data.get("tool") or {}).get("poetry") if isinstance(data.get("tool"), Mapping) else None
    if not isinstance(poetry, Mapping):
        return
    for key in ("dependencies", "dev-dependencies"):
        if isinstance(poetry.get(key), Mapping):
            yield poetry[key]
    for group in (poetry.get("group") or {}).values():
        if isinstance(group, Mapping) and isinstance(group.get("dependencies"), Mapping):
            yield group["dependencies"]


def _pyproject(text: str, path: str, upgrade: Upgrade) -> str:
    data = _load_toml(text, path)
    wanted = canonicalize_name(upgrade.name)
    new = text
    changed = False
    for items in _pep508_lists(data):
        for item in items:
            requirement = _parse(item) if isinstance(item, str) else None
            if requirement is None or canonicalize_name(requirement.name) != wanted:
                continue
            replacement = _replaced(requirement, upgrade)
            for quote in ('"', "'"):
                literal = f"{quote}{item}{quote}"
                if literal in new:
                    new = new.replace(literal, f"{quote}{replacement}{quote}")
                    changed = True
    for table in _poetry_tables(data):
        for key, value in table.items():
            if canonicalize_name(str(key)) != wanted:
                continue
            new = _poetry_line(new, str(key), value, upgrade, path)
            changed = True
    if not changed:
        raise FixError(f"does not declare {upgrade.name}", Location(path))
    return new


def _poetry_line(text: str, key: str, value: Any, upgrade: Upgrade, path: str) -> str:
    """``key = "constraint"`` or ``key = {version = "constraint", …}`` with the constraint ``>=version``."""
    name = re.escape(key)
    if isinstance(value, str):
        pattern = re.compile(rf'(?m)^(\s*["\']?{name}["\']?\s*=\s*)(["\'])[^"\'\n]*\2')
    elif isinstance(value, Mapping) and isinstance(value.get("version"), str):
        pattern = re.compile(rf'(?m)^(\s*["\']?{name}["\']?\s*=\s*\{{[^}}\n]*?\bversion\s*=\s*)(["\'])[^"\'\n]*\2')
    else:
        raise FixError(f"{key} is declared without a version (a path or a git source)", Location(path))
    new, count = pattern.subn(lambda m: f"{m[1]}{m[2]}>={upgrade.version}{m[2]}", text)
    if count == 0:
        raise FixError(f"cannot find the declaration of {key} to change it", Location(path))
    return new


def _verify_pyproject(text: str, path: str, upgrade: Upgrade) -> None:
    data = _load_toml(text, path)
    wanted = canonicalize_name(upgrade.name)
    where = Location(path)
    for items in _pep508_lists(data):
        for item in items:
            requirement = _parse(item) if isinstance(item, str) else None
            if requirement is not None and canonicalize_name(requirement.name) == wanted:
                _check(requirement, upgrade, where)
    for table in _poetry_tables(data):
        for key, value in table.items():
            if canonicalize_name(str(key)) != wanted:
                continue
            constraint = value if isinstance(value, str) else value.get("version")
            try:
                specifier = SpecifierSet(str(constraint))
            except InvalidSpecifier:
                raise FixError(f"the changed constraint of {key} does not parse", where) from None
            _check_specifier(specifier, upgrade, where)
