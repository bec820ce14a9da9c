"""Every package of a root at once: sorted, the same version merged across places, with a summary."""

from __future__ import annotations

import json
from pathlib import Path

from tests.datasets import DATASETS, needs
from tests.unit.inventory.trees import discover, install_wheel, metadata_text, write

from jackwatch.inventory.directory import DirectoryRoot
from jackwatch.inventory.discover import discover_packages, merge_packages, summarize
from jackwatch.model.inventory import Ecosystem, Package, PackageLocation
from jackwatch.sources.stats import ReadStats

SAMPLES = DATASETS / "pypi-dist-info-samples"


def test_a_whole_tree_gives_installed_and_declared_packages_of_both_ecosystems(tmp_path: Path) -> None:
    worker = tmp_path / "srv/worker/.venv/lib/python3.11/site-packages"
    api = tmp_path / "srv/api/.venv/lib/python3.11/site-packages"
    install_wheel(worker, "openai", "1.30.1", modules=["openai"], requires=["httpx<1,>=0.23.0"])
    install_wheel(api, "openai", "1.30.1", modules=["openai"], requires=["httpx<1,>=0.23.0"])
    install_wheel(api, "openai", "0.28.1", modules=["openai"])  # a second version left behind
    write(tmp_path, "usr/lib/python3/dist-packages/Pillow-9.4.0.egg-info", metadata_text("Pillow", "9.4.0"))
    write(tmp_path, "srv/api/requirements.txt", "openai==1.30.1\npillow==9.4.0\n")
    write(
        tmp_path,
        "srv/web/node_modules/@anthropic-ai/sdk/package.json",
        json.dumps({"name": "@anthropic-ai/sdk", "version": "0.20.1"}),
    )
    write(
        tmp_path,
        "srv/web/package-lock.json",
        json.dumps({"lockfileVersion": 3, "packages": {"node_modules/@anthropic-ai/sdk": {"version": "0.20.1"}}}),
    )
    packages, stats = discover(tmp_path)
    assert [(p.ecosystem, p.name, p.version, p.declared, [place.path for place in p.locations]) for p in packages] == [
        (
            Ecosystem.PYPI,
            "openai",
            "0.28.1",
            False,
            ["srv/api/.venv/lib/python3.11/site-packages/openai-0.28.1.dist-info"],
        ),
        (
            Ecosystem.PYPI,
            "openai",
            "1.30.1",
            False,
            [
                "srv/api/.venv/lib/python3.11/site-packages/openai-1.30.1.dist-info",
                "srv/worker/.venv/lib/python3.11/site-packages/openai-1.30.1.dist-info",
            ],
        ),
        (Ecosystem.PYPI, "openai", "1.30.1", True, ["srv/api/requirements.txt"]),
        (Ecosystem.PYPI, "Pillow", "9.4.0", False, ["usr/lib/python3/dist-packages/Pillow-9.4.0.egg-info"]),
        (Ecosystem.PYPI, "pillow", "9.4.0", True, ["srv/api/requirements.txt"]),
        (Ecosystem.NPM, "@anthropic-ai/sdk", "0.20.1", False, ["srv/web/node_modules/@anthropic-ai/sdk/package.json"]),
        (Ecosystem.NPM, "@anthropic-ai/sdk", "0.20.1", True, ["srv/web/package-lock.json"]),
    ]
    merged = packages[1]
    assert merged.files.count("srv/api/.venv/lib/python3.11/site-packages/openai/__init__.py") == 1
    assert "srv/worker/.venv/lib/python3.11/site-packages/openai/__init__.py" in merged.files
    assert merged.requires == ("httpx<1,>=0.23.0",) and merged.top_level == ("openai",)
    assert stats.events_read == 8  # records read, before merging
    assert stats.problems == []
    assert summarize(packages) == {"PyPI": {"installed": 3, "declared": 2}, "npm": {"installed": 1, "declared": 1}}


def test_merging_keeps_one_package_per_spelling_equivalent_name_and_every_layer() -> None:
    def found(name: str, path: str, layer: str | None, files: tuple[str, ...]) -> Package:
        return Package(Ecosystem.PYPI, name, "2.31.0", (PackageLocation(path, layer),), files=files)

    copies = [
        found("requests", "usr/lib/python3/dist-packages/requests-2.31.0.dist-info", "sha256:bbb", ("b", "a")),
        found("Requests", "usr/lib/python3/dist-packages/requests-2.31.0.dist-info", "sha256:aaa", ("a", "c")),
        found("requests", "usr/lib/python3/dist-packages/requests-2.31.0.dist-info", "sha256:aaa", ("a",)),
    ]
    (merged,) = merge_packages(copies)
    assert merged.name == "requests"
    assert [place.layer for place in merged.locations] == ["sha256:aaa", "sha256:bbb"]
    assert merged.files == ("b", "a", "c")
    assert merge_packages(copies[:1]) == copies[:1]


def test_an_empty_root_has_no_packages_and_a_zero_summary(tmp_path: Path) -> None:
    write(tmp_path, "README.md", "nothing installed here")
    packages, stats = discover(tmp_path)
    assert packages == [] and stats.events_read == 0
    assert summarize(packages) == {"PyPI": {"installed": 0, "declared": 0}, "npm": {"installed": 0, "declared": 0}}


@needs(SAMPLES)
def test_the_real_site_packages_sample_is_discovered_exactly() -> None:
    expected = json.loads((SAMPLES / "expected_pypa_matches.json").read_text())["packages"]
    packages, _ = discover(SAMPLES / "site-packages")
    assert [(p.name, p.version) for p in packages] == sorted(
        ((entry["name"], entry["version"]) for entry in expected), key=lambda item: item[0].lower()
    )
    assert [p.purl for p in packages][:2] == ["pkg:pypi/aiohttp@3.9.1", "pkg:pypi/fastapi@0.109.0"]
    assert summarize(packages) == {"PyPI": {"installed": 9, "declared": 0}, "npm": {"installed": 0, "declared": 0}}


class TwoLayerRoot(DirectoryRoot):
    """A directory whose ``base/`` files come from one image layer and the others from a second."""

    def layer(self, path: str) -> str | None:
        return "sha256:base" if path.startswith("base/") else "sha256:app"


def test_each_location_carries_the_layer_of_its_metadata_file(tmp_path: Path) -> None:
    install_wheel(tmp_path / "base/usr/lib/python3.11/site-packages", "numpy", "1.26.3", modules=["numpy"])
    install_wheel(tmp_path / "app/usr/lib/python3.11/site-packages", "numpy", "1.26.3", modules=["numpy"])
    install_wheel(tmp_path / "app/usr/lib/python3.11/site-packages", "torch", "2.1.2", modules=["torch"])
    write(tmp_path, "app/srv/requirements.txt", "torch==2.1.2\n")
    stats = ReadStats()
    packages = discover_packages(TwoLayerRoot(tmp_path, stats), stats)
    assert [
        (p.name, p.declared, [(place.path.split("/")[0], place.layer) for place in p.locations]) for p in packages
    ] == [
        ("numpy", False, [("app", "sha256:app"), ("base", "sha256:base")]),
        ("torch", False, [("app", "sha256:app")]),
        ("torch", True, [("app", "sha256:app")]),
    ]
