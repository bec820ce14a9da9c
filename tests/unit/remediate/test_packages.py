"""Upgrading a vulnerable package where it is declared: requirements files and pyproject (PEP 621, dependency
groups, Poetry), only the version changed, each change verified; files that cannot be changed safely refused."""

from __future__ import annotations

import pytest

from jackwatch.remediate.errors import FixError
from jackwatch.remediate.packages import Upgrade, declaration_change, lock_command, upgrade_of

UPGRADE = upgrade_of("pkg:pypi/langchain@0.0.171", "0.1.11")


def test_the_upgrade_of_a_package_url() -> None:
    assert Upgrade("pypi", "langchain", "0.0.171", "0.1.11") == UPGRADE
    assert UPGRADE.requirement == "langchain>=0.1.11" and UPGRADE.command == "pip install 'langchain>=0.1.11'"
    npm = upgrade_of("pkg:npm/%40anthropic-ai/sdk@0.20.1", "0.24.0")
    assert npm.name == "@anthropic-ai/sdk" and npm.command == "npm install '@anthropic-ai/sdk@0.24.0'"
    assert lock_command("app/poetry.lock", UPGRADE) == "poetry add 'langchain>=0.1.11'"
    assert lock_command("requirements.txt", UPGRADE) is None


def test_requirements_pins_stay_pins_and_ranges_become_lower_bounds() -> None:
    text = "# deps\nLangChain[openai]==0.0.171 ; python_version >= '3.9'  # agent\nrequests>=2\nlangchain>=0.0.100\n"
    change = declaration_change(text, "requirements.txt", UPGRADE)
    assert change.new == (
        '# deps\nLangChain[openai]==0.1.11; python_version >= "3.9"  # agent\nrequests>=2\nlangchain>=0.1.11\n'
    )
    assert change.diff.count("\n-") == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("requests==2.0\n", "does not declare langchain"),
        ("langchain==0.0.171 --hash=sha256:abc\n", "pinned with hashes"),
    ],
)
def test_requirements_that_cannot_be_changed_are_refused(text: str, message: str) -> None:
    with pytest.raises(FixError, match=message):
        declaration_change(text, "requirements.txt", UPGRADE)


def test_pyproject_declarations_change_in_place() -> None:
    text = """\
[project]
name = "app"
dependencies = [
  "langchain==0.0.171",  # the agent
  "requests",
]
[project.optional-dependencies]
ai = ['langchain[openai]>=0.0.150']

[dependency-groups]
dev = ["langchain<0.1"]

[tool.poetry.dependencies]
python = "^3.11"
langchain = "^0.0.171"
[tool.poetry.group.dev.dependencies]
LangChain = { version = "~0.0.171", extras = ["openai"] }
"""
    change = declaration_change(text, "pyproject.toml", UPGRADE)
    assert '"langchain==0.1.11",  # the agent' in change.new
    assert "ai = ['langchain[openai]>=0.1.11']" in change.new and 'dev = ["langchain>=0.1.11"]' in change.new
    assert 'langchain = ">=0.1.11"' in change.new
    assert 'LangChain = { version = ">=0.1.11", extras = ["openai"] }' in change.new
    assert 'python = "^3.11"' in change.new and '"requests",' in change.new


def test_pyproject_without_the_package_or_with_a_path_source_is_refused() -> None:
    with pytest.raises(FixError, match="does not declare"):
        declaration_change('[project]\ndependencies = ["requests"]\n', "pyproject.toml", UPGRADE)
    path_source = '[tool.poetry.dependencies]\nlangchain = { path = "../langchain" }\n'
    with pytest.raises(FixError, match="without a version"):
        declaration_change(path_source, "pyproject.toml", UPGRADE)
    with pytest.raises(FixError, match="not valid TOML"):
        declaration_change("[project\n", "pyproject.toml", UPGRADE)
