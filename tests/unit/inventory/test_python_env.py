"""Installed Python distributions: dist-info, egg-info (directory and file), eggs, and broken metadata."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.datasets import DATASETS, needs
from tests.unit.inventory.trees import install_wheel, metadata_text, reasons, write

from jackwatch.inventory.directory import DirectoryRoot
from jackwatch.inventory.python_env import MetadataDir, installed_distributions, metadata_dirs
from jackwatch.model.inventory import Ecosystem, Package, PackageLocation
from jackwatch.sources.stats import ReadStats

SAMPLES = DATASETS / "pypi-dist-info-samples"
SITE = "venv/lib/python3.11/site-packages"


def installed(top: Path) -> tuple[list[Package], ReadStats]:
    stats = ReadStats()
    root = DirectoryRoot(top, stats)
    return list(installed_distributions(root, list(root.files()), stats)), stats


def test_a_wheel_installed_by_pip_gives_name_version_files_modules_and_requirements(tmp_path: Path) -> None:
    install_wheel(
        tmp_path / SITE,
        "langchain-openai",
        "0.1.7",
        modules=["langchain_openai"],
        requires=["langchain-core<0.3,>=0.1.46", 'openai<2.0.0,>=1.24.0 ; python_version >= "3.8"'],
        scripts=["langchain-openai"],
    )
    (package,), stats = installed(tmp_path)
    info = f"{SITE}/langchain_openai-0.1.7.dist-info"
    assert package == Package(
        Ecosystem.PYPI,
        "langchain-openai",
        "0.1.7",
        locations=(PackageLocation(info),),
        files=(
            f"{SITE}/langchain_openai/__init__.py",
            "venv/bin/langchain-openai",
            f"{info}/METADATA",
            f"{info}/WHEEL",
            f"{info}/INSTALLER",
            f"{info}/top_level.txt",
            f"{info}/RECORD",
        ),
        top_level=("langchain_openai",),
        requires=("langchain-core<0.3,>=0.1.46", 'openai<2.0.0,>=1.24.0 ; python_version >= "3.8"'),
    )
    assert stats.problems == [] and stats.files_read == 3


def test_an_egg_info_directory_reads_pkg_info_installed_files_and_requires_txt(tmp_path: Path) -> None:
    info = "usr/lib/python3/dist-packages/PyYAML-6.0.1.egg-info"
    pkg_info = metadata_text("PyYAML", "6.0.1", metadata_version="1.2")
    write(tmp_path, f"{info}/PKG-INFO", pkg_info)
    write(tmp_path, f"{info}/top_level.txt", "_yaml\nyaml\n")
    write(tmp_path, f"{info}/installed-files.txt", "../yaml/__init__.py\n../yaml/composer.py\n./\nPKG-INFO\n")
    write(tmp_path, f"{info}/requires.txt", 'six\n\n[:python_version < "3.8"]\ntyping-extensions\n\n[dev]\npytest>=7\n')
    (package,), stats = installed(tmp_path)
    assert (package.name, package.version, package.top_level) == ("PyYAML", "6.0.1", ("_yaml", "yaml"))
    assert package.files == (
        "usr/lib/python3/dist-packages/yaml/__init__.py",
        "usr/lib/python3/dist-packages/yaml/composer.py",
        info,
        f"{info}/PKG-INFO",
    )
    assert package.requires == ("six", 'typing-extensions; python_version < "3.8"', 'pytest>=7; extra == "dev"')
    assert package.locations == (PackageLocation(info),)
    assert stats.problems == []


def test_an_egg_info_file_and_an_egg_directory_are_distributions_too(tmp_path: Path) -> None:
    write(tmp_path, "usr/lib/python3/dist-packages/python_apt-2.4.0.egg-info", metadata_text("python-apt", "2.4.0"))
    egg = "usr/local/lib/python3.11/site-packages/requests-2.31.0-py3.11.egg"
    write(tmp_path, f"{egg}/EGG-INFO/PKG-INFO", metadata_text("requests", "2.31.0"))
    write(tmp_path, f"{egg}/EGG-INFO/requires.txt", "charset_normalizer<4,>=2\nidna<4,>=2.5\n")
    write(tmp_path, f"{egg}/requests/__init__.py", "")
    packages, stats = installed(tmp_path)
    assert [(p.name, p.version, p.locations[0].path, p.requires) for p in packages] == [
        ("python-apt", "2.4.0", "usr/lib/python3/dist-packages/python_apt-2.4.0.egg-info", ()),
        ("requests", "2.31.0", f"{egg}/EGG-INFO", ("charset_normalizer<4,>=2", "idna<4,>=2.5")),
    ]
    assert stats.problems == []


def test_metadata_directories_are_recognised_by_their_form() -> None:
    files = [
        "a/x-1.dist-info/METADATA",
        "a/x-1.dist-info/licenses/LICENSE",
        "a/y.egg-info/SOURCES.txt",
        "a/z-1.egg-info",
        "a/w-1.egg/EGG-INFO/PKG-INFO",
        "a/w-1.egg/w/__init__.py",
        "a/notes.txt",
    ]
    assert metadata_dirs(files) == [
        MetadataDir("egg", "a/w-1.egg/EGG-INFO"),
        MetadataDir("dist-info", "a/x-1.dist-info"),
        MetadataDir("egg-info", "a/y.egg-info"),
        MetadataDir("egg-info-file", "a/z-1.egg-info"),
    ]
    assert [found.metadata for found in metadata_dirs(files)] == [
        "a/w-1.egg/EGG-INFO/PKG-INFO",
        "a/x-1.dist-info/METADATA",
        "a/y.egg-info/PKG-INFO",
        "a/z-1.egg-info",
    ]


def test_distributions_are_found_in_every_site_directory_and_vendored_copies(tmp_path: Path) -> None:
    install_wheel(tmp_path / "usr/lib/python3/dist-packages", "six", "1.16.0", modules=["six"])
    install_wheel(tmp_path / "usr/local/lib/python3.11/site-packages", "openai", "1.30.1", modules=["openai"])
    install_wheel(tmp_path / "opt/app/deps", "anthropic", "0.25.0", modules=["anthropic"])  # pip --target
    install_wheel(tmp_path / "opt/app/deps/setuptools/_vendor", "packaging", "24.0", modules=["packaging"])
    packages, _ = installed(tmp_path)
    assert [(p.name, p.locations[0].path) for p in packages] == [
        ("anthropic", "opt/app/deps/anthropic-0.25.0.dist-info"),
        ("packaging", "opt/app/deps/setuptools/_vendor/packaging-24.0.dist-info"),
        ("six", "usr/lib/python3/dist-packages/six-1.16.0.dist-info"),
        ("openai", "usr/local/lib/python3.11/site-packages/openai-1.30.1.dist-info"),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "no Name field"),
        (b"Metadata-Version: 2.1\nVersion: 1.0\n", "no Name field"),
        (b"Metadata-Version: 2.1\nName: broken\n\nVersion: 1.0 is in the body\n", "no Version field"),
        (b"Metadata-Version: 2.1\nName: not a name!\nVersion: 1.0\n", "'not a name!' is not a valid distribution"),
        (b"Metadata-Version: 2.1\nName: -dash\nVersion: 1.0\n", "'-dash' is not a valid distribution name"),
        (b"Metadata-Version: 2.1\nName: ok\nVersion: 1.0 beta\n", "Version '1.0 beta' is not a version"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "no Name field"),
    ],
)
def test_broken_metadata_is_reported_with_its_path_and_skipped(tmp_path: Path, content: bytes, message: str) -> None:
    install_wheel(tmp_path / SITE, "fastapi", "0.109.0", modules=["fastapi"])
    write(tmp_path, f"{SITE}/broken-1.0.dist-info/METADATA", content)
    packages, stats = installed(tmp_path)
    assert [package.name for package in packages] == ["fastapi"]
    assert reasons(stats) == [("invalid_metadata", f"{tmp_path}/{SITE}/broken-1.0.dist-info/METADATA")]
    assert message in stats.problems[0].message
    assert stats.skipped == {"invalid_metadata": 1}


def test_a_dist_info_without_metadata_is_reported(tmp_path: Path) -> None:
    write(tmp_path, f"{SITE}/half-1.0.dist-info/RECORD", "half/__init__.py,,\n")
    write(tmp_path, f"{SITE}/half.egg-info/SOURCES.txt", "setup.py\n")
    packages, stats = installed(tmp_path)
    assert packages == []
    assert reasons(stats) == [
        ("missing_metadata", f"{tmp_path}/{SITE}/half-1.0.dist-info"),
        ("missing_metadata", f"{tmp_path}/{SITE}/half.egg-info"),
    ]
    assert [problem.message for problem in stats.problems] == ["no METADATA", "no PKG-INFO"]


def test_record_paths_that_climb_out_of_the_root_are_reported_and_dropped(tmp_path: Path) -> None:
    info = install_wheel(tmp_path / SITE, "evil", "1.0", modules=["evil"])
    record = info / "RECORD"
    rows = record.read_text().splitlines()
    rows[1:1] = ["../../../../../etc/cron.d/evil,,", "/etc/passwd,,", '"quoted,comma.py",,']
    record.write_text("\n".join(rows) + "\n")
    (package,), stats = installed(tmp_path)
    assert "etc/passwd" in package.files  # an absolute path is a path from the top of the root
    assert f"{SITE}/quoted,comma.py" in package.files
    assert not any("cron.d" in path for path in package.files)
    assert reasons(stats) == [("path_outside_root", f"{tmp_path}/{SITE}/evil-1.0.dist-info/RECORD:2")]
    assert stats.skipped == {}  # the package is kept: only a listed path is lost


def test_a_record_line_that_is_not_csv_is_reported_and_the_rest_kept(tmp_path: Path) -> None:
    info = install_wheel(tmp_path / SITE, "odd", "1.0", modules=["odd"])
    record = info / "RECORD"
    record.write_bytes(b'"odd/bad.py"x,sha256=abc,12\n' + record.read_bytes())
    (package,), stats = installed(tmp_path)
    assert f"{SITE}/odd/__init__.py" in package.files
    assert reasons(stats) == [("invalid_record", f"{tmp_path}/{SITE}/odd-1.0.dist-info/RECORD:1")]


def test_a_metadata_file_that_vanishes_before_it_is_read_is_reported_unreadable(tmp_path: Path) -> None:
    info = install_wheel(tmp_path / SITE, "flaky", "1.0")
    install_wheel(tmp_path / SITE, "steady", "2.0")
    stats = ReadStats()
    root = DirectoryRoot(tmp_path, stats)
    files = list(root.files())
    (info / "METADATA").unlink()
    assert [package.name for package in installed_distributions(root, files, stats)] == ["steady"]
    assert reasons(stats) == [("unreadable", f"{tmp_path}/{SITE}/flaky-1.0.dist-info/METADATA")]
    assert stats.files_failed == 1


@needs(SAMPLES)
def test_the_real_dist_info_samples_are_read_exactly() -> None:
    expected = json.loads((SAMPLES / "expected_pypa_matches.json").read_text())["packages"]
    packages, stats = installed(SAMPLES / "site-packages")
    assert sorted((p.name, p.version, p.locations[0].path) for p in packages) == sorted(
        (entry["name"], entry["version"], entry["dist_info"]) for entry in expected
    )
    assert {p.key for p in packages} == {entry["normalized_name"] for entry in expected}
    by_name = {package.name: package for package in packages}
    assert by_name["transformers"].top_level == ("transformers",)
    assert by_name["mlflow"].top_level == ("mlflow", "pylint_plugins")
    assert "transformers/__init__.py" in by_name["transformers"].files
    assert 'anthropic (>=0.2.6,<0.3.0) ; extra == "llms" or extra == "all"' in by_name["langchain"].requires
    # the console scripts pip wrote to ../../bin lie outside the scanned site-packages: reported, not kept
    assert {problem.reason for problem in stats.problems} == {"path_outside_root"}
    assert len(stats.problems) == 7
