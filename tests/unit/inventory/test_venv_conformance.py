"""Conformance: the packages found in a real virtualenv are exactly those its own pip lists.

The virtualenv is made by ``python -m venv`` (with its pip and setuptools); two wheels built here are
installed by that pip without an index. Takes about ten seconds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.unit.inventory.trees import build_wheel, discover

from jackwatch.model.inventory import Ecosystem, Package
from jackwatch.sources.stats import ReadStats

pytestmark = pytest.mark.slow

SITE = "venv/lib/python{}.{}/site-packages".format(*sys.version_info[:2])


def run(*command: str | Path) -> str:
    env = {**os.environ, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"}
    env.pop("PIP_REQUIRE_VIRTUALENV", None)
    done = subprocess.run([str(part) for part in command], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, str]]]:
    top = tmp_path_factory.mktemp("conformance")
    wheels = top / "wheels"
    wheels.mkdir()
    build_wheel(
        wheels,
        "Jw.Alpha_Tools",
        "1.2.0",
        modules=["jw_alpha"],
        console_scripts={"jw-alpha": "jw_alpha:main"},
    )
    build_wheel(wheels, "jw-beta", "0.9.1rc1", modules=["jw_beta", "jw_beta_extra"], requires=["jw-alpha-tools>=1"])
    run(sys.executable, "-m", "venv", top / "venv")
    python = top / "venv/bin/python"
    run(python, "-m", "pip", "install", "--no-index", "--find-links", wheels, "jw-beta")
    listed = json.loads(run(python, "-m", "pip", "list", "--format", "json"))
    return top, listed


@pytest.fixture(scope="module")
def found(venv: tuple[Path, list[dict[str, str]]]) -> tuple[list[Package], ReadStats]:
    return discover(venv[0])


def test_the_packages_found_are_exactly_those_pip_lists(
    venv: tuple[Path, list[dict[str, str]]], found: tuple[list[Package], ReadStats]
) -> None:
    _, listed = venv
    packages, _ = found
    assert {entry["name"] for entry in listed} >= {"pip", "Jw.Alpha_Tools", "jw-beta"}
    assert sorted((p.name, p.version) for p in packages) == sorted((e["name"], e["version"]) for e in listed)
    assert all(p.ecosystem is Ecosystem.PYPI and not p.declared and len(p.locations) == 1 for p in packages)


def test_what_pip_recorded_is_read_back(found: tuple[list[Package], ReadStats]) -> None:
    packages, _ = found
    alpha = next(p for p in packages if p.name == "Jw.Alpha_Tools")
    beta = next(p for p in packages if p.name == "jw-beta")
    assert alpha.key == "jw-alpha-tools"
    assert alpha.locations[0].path == f"{SITE}/jw_alpha_tools-1.2.0.dist-info"
    assert "venv/bin/jw-alpha" in alpha.files  # pip's RECORD lists the script as ../../../bin/jw-alpha
    assert f"{SITE}/jw_alpha/__init__.py" in alpha.files
    assert f"{SITE}/jw_alpha_tools-1.2.0.dist-info/INSTALLER" in alpha.files
    assert beta.top_level == ("jw_beta", "jw_beta_extra") and beta.requires == ("jw-alpha-tools>=1",)
    pip = next(p for p in packages if p.name == "pip")
    assert f"{SITE}/pip/__init__.py" in pip.files and pip.top_level == ("pip",)


def test_the_interpreter_links_that_leave_the_virtualenv_are_reported_not_followed(
    found: tuple[list[Package], ReadStats],
) -> None:
    _, stats = found
    assert {problem.reason for problem in stats.problems} == {"symlink_outside_root"}
    assert all("/venv/bin/python" in str(problem.location) for problem in stats.problems)
    assert stats.files_failed == 0
