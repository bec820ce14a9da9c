"""The openai-app demo image: the committed layout is what ``build_image.py`` writes, its digests are right, it holds
the samples' dist-info metadata, and its environment leaks the story's keys in a form jackwatch detects."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from functools import cache
from pathlib import Path
from random import Random
from types import ModuleType
from typing import Any

import pytest
from tests.datasets import needs
from tests.scanroots import SAMPLES
from tests.scripts import load_script

from jackwatch.inventory.image import open_image
from jackwatch.inventory.leaks import scan_environment
from jackwatch.secrets import fingerprint, scan_text

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "examples" / "openai-app"
IMAGE = DEMO / "image"


@cache
def script() -> ModuleType:
    """``examples/openai-app/build_image.py``, imported."""
    return load_script(DEMO / "build_image.py")


def blob(digest: str) -> bytes:
    return (IMAGE / "blobs" / "sha256" / digest.removeprefix("sha256:")).read_bytes()


def document(digest: str) -> Any:
    return json.loads(blob(digest))


def manifest() -> dict[str, Any]:
    [entry] = json.loads((IMAGE / "index.json").read_bytes())["manifests"]
    found: dict[str, Any] = document(entry["digest"])
    return found


def config() -> dict[str, Any]:
    found: dict[str, Any] = document(manifest()["config"]["digest"])
    return found


def environment() -> dict[str, str]:
    return dict(entry.split("=", 1) for entry in config()["config"]["Env"])


@needs(SAMPLES)
def test_the_committed_image_is_what_the_script_writes(tmp_path: Path) -> None:
    build = script()
    written = build.write(build.build_image(SAMPLES, DEMO), tmp_path)
    hint = "run examples/openai-app/build_image.py to refresh the committed image"
    committed = sorted(p.relative_to(IMAGE).as_posix() for p in IMAGE.rglob("*") if p.is_file())
    assert committed == sorted(p.relative_to(written).as_posix() for p in written.rglob("*") if p.is_file()), hint
    for name in committed:
        assert (IMAGE / name).read_bytes() == (written / name).read_bytes(), f"{name}: {hint}"


def test_every_blob_is_named_by_its_digest_and_sized_as_described() -> None:
    paths = sorted((IMAGE / "blobs" / "sha256").iterdir())
    assert paths and all(hashlib.sha256(p.read_bytes()).hexdigest() == p.name for p in paths)
    [entry] = json.loads((IMAGE / "index.json").read_bytes())["manifests"]
    described = [entry, manifest()["config"], *manifest()["layers"]]
    assert {item["digest"].removeprefix("sha256:") for item in described} == {p.name for p in paths}
    assert all(len(blob(item["digest"])) == item["size"] for item in described)


def test_layers_are_gzip_tarballs_whose_diff_ids_the_config_lists() -> None:
    layers = manifest()["layers"]
    assert {layer["mediaType"] for layer in layers} == {"application/vnd.oci.image.layer.v1.tar+gzip"}
    tars = [gzip.decompress(blob(layer["digest"])) for layer in layers]
    assert config()["rootfs"]["diff_ids"] == [f"sha256:{hashlib.sha256(data).hexdigest()}" for data in tars]
    for data in tars:
        with tarfile.open(fileobj=io.BytesIO(data)) as archive:
            members = archive.getmembers()
        assert [m.name for m in members] == sorted(m.name for m in members)
        assert {(m.uid, m.gid, m.uname, m.mtime) for m in members} == {(0, 0, "root", script().BUILT)}
    assert script().gzip_bytes(b"same") == script().gzip_bytes(b"same") != script().gzip_bytes(b"other")
    assert gzip.decompress(script().gzip_bytes(b"x" * 100_000)) == b"x" * 100_000


@needs(SAMPLES)
def test_the_site_packages_layer_holds_the_samples_metadata_unchanged() -> None:
    with open_image(IMAGE) as root:
        files = {path: root.read(path) for path in root.files()}
        layers = {root.layer(path) for path in files if path.startswith(script().SITE_PACKAGES)}
        assert root.stats.events_skipped == 0 and root.stats.problems == []
    samples = {p.relative_to(SAMPLES / "site-packages").as_posix(): p for p in (SAMPLES / "site-packages").rglob("*")}
    expected = {f"{script().SITE_PACKAGES}/{name}": p.read_bytes() for name, p in samples.items() if p.is_file()}
    assert {path: data for path, data in files.items() if path in expected} == expected
    assert set(files) - set(expected) == {"etc/os-release", "srv/app/main.py"}
    assert layers == {config()["rootfs"]["diff_ids"][1]}
    assert (SAMPLES / "NOTICE").read_text() in (IMAGE / "NOTICE").read_text()


def test_the_environment_leaks_the_stolen_aws_key_and_a_fake_openai_key() -> None:
    env = environment()
    leaks = {leak.kind: leak for leak in scan_environment(config()["config"]["Env"])}
    assert set(leaks) == {"aws_access_key", "openai_api_key"}
    openai = env["OPENAI_API_KEY"]
    assert openai.startswith("sk-proj-") and "T3BlbkFJ" in openai and "jackwatchDemoNotARealKey" in openai
    assert leaks["openai_api_key"].fingerprint == fingerprint(openai)
    manifest_entry = next(
        e
        for e in json.loads((DEMO / "expected" / "bedrock-billing.json").read_text())["expected"]
        if e["rule_id"] == "aws.bedrock.secrets_in_prompt"
    )
    assert env["AWS_ACCESS_KEY_ID"] == manifest_entry["secret"]["access_key_id"]
    assert leaks["aws_access_key"].identifier == env["AWS_ACCESS_KEY_ID"]
    assert script().stolen_key_pair(DEMO) == (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"])
    assert leaks["aws_access_key"].fingerprint == fingerprint(env["AWS_SECRET_ACCESS_KEY"])


def test_the_build_history_repeats_the_keys_and_names_the_pinned_releases() -> None:
    steps = [step["created_by"] for step in config()["history"]]
    env = environment()
    assert any(env["OPENAI_API_KEY"] in step for step in steps)
    assert any(env["AWS_SECRET_ACCESS_KEY"] in step for step in steps)
    [install] = [step for step in steps if "pip install" in step]
    assert all(pin in install for pin in script().PINNED)
    assert sum(not step.get("empty_layer") for step in config()["history"]) == len(manifest()["layers"])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_made_up_openai_keys_are_detected(seed: int) -> None:
    key = script().openai_key(Random(seed))
    [hit] = scan_text(f"OPENAI_API_KEY={key}\n")
    assert (hit.kind, hit.fingerprint) == ("openai_api_key", fingerprint(key))
