"""The assets of a scan (its root and one asset per package found in it) and the asset ids its findings carry."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.scanroots import openai_key
from tests.unit.inventory.trees import install_wheel, write

from jackwatch.inventory.catalog import AiCatalog
from jackwatch.inventory.directory import DirectoryRoot
from jackwatch.inventory.image import open_image
from jackwatch.inventory.scan import (
    ScanResult,
    package_asset_id,
    scan_assets,
    scan_findings,
    scan_packages,
    scan_root,
)
from jackwatch.model import FindingKind, Package, asset_id
from jackwatch.model.inventory import Ecosystem
from jackwatch.sources.stats import ReadStats
from jackwatch.vulns import AdvisoryDb

NOW = datetime(2026, 11, 26, tzinfo=UTC)
DEMO_IMAGE = Path(__file__).resolve().parents[3] / "examples" / "openai-app" / "image"
SITE = "venv/lib/python3.11/site-packages"


@pytest.fixture(scope="module")
def db() -> AdvisoryDb:
    return AdvisoryDb.load()


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, str]:
    """An app directory: langchain and pillow installed, pillow also pinned in requirements.txt, a key in .env."""
    install_wheel(tmp_path / SITE, "langchain", "0.0.171", modules=["langchain"])
    install_wheel(tmp_path / SITE, "Pillow", "10.0.0", modules=["PIL"])
    write(tmp_path, "requirements.txt", "Pillow==10.0.0\n")
    key = openai_key(3)
    write(tmp_path, "app/.env", f"OPENAI_API_KEY={key}\n")
    return tmp_path, key


def scan_directory(path: Path, db: AdvisoryDb) -> ScanResult:
    stats = ReadStats()
    return scan_root(DirectoryRoot(path, stats), db=db, catalog=AiCatalog.load(), stats=stats)


def test_a_directory_is_a_filesystem_asset_holding_its_packages(project: tuple[Path, str], db: AdvisoryDb) -> None:
    top, _ = project
    root, *packages = scan_assets(scan_directory(top, db))
    host, top = socket.gethostname(), top.resolve()
    assert (root.kind, root.ref, root.name, root.parent) == ("filesystem", f"file://{host}{top}", str(top), None)
    assert root.attrs == {"host": host, "path": str(top), "ai": True}
    assert sorted(p.name for p in packages) == ["Pillow", "langchain"]
    assert {p.parent for p in packages} == {root.id}
    by_name = {p.name: p for p in packages}
    langchain, pillow = by_name["langchain"], by_name["Pillow"]
    assert (langchain.ref, langchain.purl, langchain.version) == ("pkg:pypi/langchain@0.0.171",) * 2 + ("0.0.171",)
    assert langchain.id == asset_id("package", "pkg:pypi/langchain@0.0.171", root.id)
    assert langchain.attrs["ai"] is True and langchain.attrs["category"] == "orchestration"
    assert pillow.attrs["ai"] is False and pillow.attrs["category"] is None and pillow.attrs["providers"] == []
    assert (pillow.attrs["installed"], pillow.attrs["declared"]) == (True, True)
    assert pillow.attrs["locations"] == [
        {"path": f"{SITE}/pillow-10.0.0.dist-info", "layer": None},
        {"path": "requirements.txt", "layer": None},
    ]
    assert (langchain.attrs["installed"], langchain.attrs["declared"]) == (True, False)


def test_scanning_again_gives_the_same_assets(project: tuple[Path, str], db: AdvisoryDb) -> None:
    top, _ = project
    assert scan_assets(scan_directory(top, db)) == scan_assets(scan_directory(top, db))


def test_findings_name_the_assets_they_concern(project: tuple[Path, str], db: AdvisoryDb) -> None:
    top, key = project
    result = scan_directory(top, db)
    assets = {asset.id: asset for asset in scan_assets(result)}
    findings = scan_findings(result, NOW)
    vulns = [f for f in findings if f.kind is FindingKind.VULNERABILITY]
    assert vulns, "langchain 0.0.171 and Pillow 10.0.0 have advisories"
    for finding in vulns:
        [concerned] = finding.evidence["assets"]
        assert assets[concerned].kind == "package" and assets[concerned].ref == finding.subject
    [leak] = [f for f in findings if f.kind is FindingKind.MISCONFIGURATION]
    assert leak.evidence["assets"] == [result.root_asset.id]
    assert key not in json.dumps([asset.attrs for asset in assets.values()])


def test_an_asset_of_another_root_has_another_id(tmp_path: Path, db: AdvisoryDb) -> None:
    package = Package(Ecosystem.PYPI, "gradio", "3.50.2")
    scanned = scan_packages([package], db=db, catalog=AiCatalog.load(), stats=ReadStats())
    one = ScanResult(str(tmp_path / "a.cdx.json"), "sbom", scanned, [])
    two = ScanResult(str(tmp_path / "b.cdx.json"), "sbom", scanned, [])
    assert one.root_asset.kind == "sbom" and one.root_asset.attrs["path"] == str(tmp_path / "a.cdx.json")
    assert scan_assets(one)[1].id == package_asset_id(one.root_asset.id, package)
    assert scan_assets(one)[1].id != scan_assets(two)[1].id


def test_an_image_target_without_a_description_is_still_an_image_asset() -> None:
    result = ScanResult("image://sha256:" + "ab" * 32, "image", [], [])
    assert (result.root_asset.kind, result.root_asset.ref) == ("image", "image://sha256:" + "ab" * 32)
    assert scan_assets(result)[0].attrs == {"ai": False}


def test_an_image_asset_has_its_digests_and_variable_names_never_their_values(db: AdvisoryDb) -> None:
    with open_image(DEMO_IMAGE) as root:
        result = scan_root(root, db=db, catalog=AiCatalog.load(), stats=root.stats, config=root.config, kind="image")
        values = [value for value in root.config.environment.values() if len(value) > 20]
        image_id, layers = root.image_id, [layer.diff_id for layer in root.layers]
    image, *packages = scan_assets(result)
    assert (image.kind, image.ref) == ("image", f"image://{image_id}")
    assert image.name == "123456789012.dkr.ecr.us-east-1.amazonaws.com/openai-app:1.4.2"
    assert image.attrs["image_id"] == image_id and image.attrs["platform"] == "linux/amd64"
    assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "OPENAI_API_KEY"} <= set(image.attrs["env_names"])
    assert [layer["diff_id"] for layer in image.attrs["layers"]] == layers and image.attrs["ai"] is True
    text = json.dumps([asset.attrs for asset in (image, *packages)])
    assert values and not [value for value in values if value in text]
    assert len(packages) == 9
    assert {place["layer"] for p in packages for place in p.attrs["locations"]} == {layers[1]}
