"""``jackwatch scan … --db`` records assets, and ``jackwatch assets`` lists them, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.runner import run_cli
from tests.scanroots import openai_key
from tests.unit.inventory.image_archives import ImageSpec, docker_save, file, layer
from tests.unit.inventory.trees import install_wheel, write

SITE = "usr/lib/python3.11/site-packages"


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """An image with mlflow and gradio installed in two layers and an OpenAI key in its environment."""
    key = openai_key(21)
    base = layer(file(f"{SITE}/mlflow-2.9.2.dist-info/METADATA", "Name: mlflow\nVersion: 2.9.2\n"))
    app = layer(file(f"{SITE}/gradio-3.50.2.dist-info/METADATA", "Name: gradio\nVersion: 3.50.2\n"))
    spec = ImageSpec([base, app], tags=("registry.example.com/team/app:2.0",), env=(f"OPENAI_API_KEY={key}",))
    return docker_save(tmp_path_factory.mktemp("image") / "app.tar", spec), key


def assets(db: str, *args: str) -> list[dict[str, Any]]:
    result = run_cli("assets", "--db", db, "--format", "json", *args)
    assert result.code == 0, result.describe()
    body = result.json()
    assert body["stats"]["assets"] == len(body["assets"])
    listed: list[dict[str, Any]] = body["assets"]
    return listed


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def scan(*args: str | Path) -> dict[str, Any]:
    result = run_cli("scan", *args, "--format", "json")
    assert result.code in (0, 1), result.describe()
    report: dict[str, Any] = result.json()
    return report


def test_an_image_scanned_twice_is_one_image_and_its_packages(db_url: str, archive: tuple[Path, str]) -> None:
    path, key = archive
    report = scan("image", path, "--db", db_url)
    first = {a["id"]: a for a in assets(db_url)}
    scan("image", path, "--db", db_url)
    second = {a["id"]: a for a in assets(db_url)}
    assert set(first) == set(second) and len(first) == 3
    for identity, asset in second.items():
        assert asset["first_seen"] == first[identity]["first_seen"]
        assert moment(asset["last_seen"]) > moment(first[identity]["last_seen"])
        assert {k: v for k, v in asset.items() if k != "last_seen"} == {
            k: v for k, v in first[identity].items() if k != "last_seen"
        }
    [image] = assets(db_url, "--kind", "image")
    assert (image["ref"], image["name"], image["target"]) == (
        report["target"],
        "registry.example.com/team/app:2.0",
        str(path),
    )
    assert image["attrs"]["env_names"] == ["OPENAI_API_KEY"] and image["attrs"]["ai"] is True
    packages = assets(db_url, "--kind", "package")
    assert [(a["name"], a["version"], a["parent"]) for a in packages] == [
        ("gradio", "3.50.2", image["id"]),
        ("mlflow", "2.9.2", image["id"]),
    ]
    diff_ids = [entry["diff_id"] for entry in image["attrs"]["layers"]]
    assert [a["attrs"]["locations"][0]["layer"] for a in packages] == [diff_ids[1], diff_ids[0]]
    assert key not in json.dumps(list(second.values()))


def test_findings_point_at_the_assets_they_concern(db_url: str, archive: tuple[Path, str]) -> None:
    path, _ = archive
    scan("image", path, "--db", db_url)
    by_ref = {(a["kind"], a["ref"]): a["id"] for a in assets(db_url)}
    findings = run_cli("findings", "--db", db_url, "--format", "json").report()["findings"]
    assert findings
    for finding in findings:
        kind = "package" if finding["kind"] == "vulnerability" else "image"
        assert finding["evidence"]["assets"] == [by_ref[(kind, finding["principal"])]], finding["rule_id"]


def test_directories_and_sboms_are_assets_too(tmp_path: Path) -> None:
    db = str(tmp_path / "store.db")
    project = tmp_path / "project"
    install_wheel(project / "venv/lib/python3.11/site-packages", "langchain", "0.0.171", modules=["langchain"])
    write(project, "requirements.txt", "langchain==0.0.171\n")
    bom = tmp_path / "bom.cdx.json"
    components = [{"type": "library", "name": "gradio", "version": "3.50.2", "purl": "pkg:pypi/gradio@3.50.2"}]
    bom.write_text(json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": components}))
    scan("fs", project, "--db", db)
    scan("sbom", bom, "--db", db)
    listed = assets(db)
    assert [(a["kind"], a["name"]) for a in listed] == [
        ("filesystem", str(project.resolve())),
        ("package", "gradio"),
        ("package", "langchain"),
        ("sbom", str(bom.resolve())),
    ]
    roots = {a["kind"]: a["id"] for a in listed if a["parent"] is None}
    langchain = next(a for a in listed if a["name"] == "langchain")
    assert langchain["parent"] == roots["filesystem"]
    assert (langchain["attrs"]["installed"], langchain["attrs"]["declared"]) == (True, True)
    assert next(a for a in listed if a["name"] == "gradio")["parent"] == roots["sbom"]


def test_the_table_names_each_package_s_image(tmp_path: Path, archive: tuple[Path, str]) -> None:
    path, _ = archive
    db = str(tmp_path / "store.db")
    scan("image", path, "--db", db)
    result = run_cli("assets", "--db", db)
    assert result.code == 0, result.describe()
    lines = result.text.splitlines()
    [gradio] = [line for line in lines if " gradio " in line]
    assert "3.50.2" in gradio and "app_ui" in gradio and "registry.example.com/team/app:2.0" in gradio
    assert "3 asset(s) in sqlite:///" in result.text
    only = run_cli("assets", "--db", db, "--kind", "IMAGE")
    assert only.code == 0 and " gradio " not in only.text and "1 asset(s)" in only.text


def test_nothing_is_recorded_without_the_store(tmp_path: Path, archive: tuple[Path, str]) -> None:
    path, _ = archive
    db = str(tmp_path / "store.db")
    scan("image", path, "--db", db, "--no-store")
    assert assets(db) == []
    result = run_cli("assets", "--db", db)
    assert result.code == 0 and "No assets" in result.text


@pytest.mark.parametrize("args", [("--format", "xml"), ("--db", "mysql://root@localhost/jackwatch")])
def test_bad_usage_exits_2(args: tuple[str, ...]) -> None:
    result = run_cli("assets", *args)
    assert result.code == 2, result.describe()
