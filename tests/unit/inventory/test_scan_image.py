"""Scanning an image: packages of its layers, keys in its files, its config's environment and its history."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path

from tests.scanroots import openai_key
from tests.unit.inventory.image_archives import ImageSpec, docker_save, file, layer
from tests.unit.secrets.samples import ALNUM, draw

from jackwatch.inventory.catalog import AiCatalog
from jackwatch.inventory.image import open_image
from jackwatch.inventory.scan import scan_findings, scan_root
from jackwatch.secrets import fingerprint
from jackwatch.vulns import AdvisoryDb

SITE = "usr/local/lib/python3.11/site-packages"


def test_an_image_with_a_vulnerable_package_and_keys_in_env_history_and_files(tmp_path: Path) -> None:
    env_key, file_key = openai_key(1), openai_key(2)
    hf_token = f"hf_{draw(random.Random(3), ALNUM, 34)}"
    base = layer(
        file(f"{SITE}/gradio-3.50.2.dist-info/METADATA", "Metadata-Version: 2.1\nName: gradio\nVersion: 3.50.2\n")
    )
    app = layer(file("srv/app/.env", f"OPENAI_API_KEY={file_key}\n"))
    spec = ImageSpec([base, app], env=("PATH=/usr/bin", f"OPENAI_API_KEY={env_key}"))
    history = json.loads(spec.config())["history"]
    history[2]["created_by"] = f"RUN |1 HF_TOKEN={hf_token} /bin/sh -c pip install gradio # buildkit"
    spec.extra_config = {"history": history}
    archive = docker_save(tmp_path / "image.tar", spec)
    with open_image(archive) as root:
        result = scan_root(
            root, db=AdvisoryDb.load(), catalog=AiCatalog.load(), stats=root.stats, config=root.config, kind="image"
        )
    [gradio] = result.packages
    assert gradio.ai is not None and gradio.vulnerabilities and gradio.fix_version
    assert gradio.package.locations[0].layer is not None
    places = sorted((leak.fingerprint, leak.where) for leak in result.leaks)
    assert places == sorted(
        [
            (fingerprint(file_key), "srv/app/.env:1:16"),
            (fingerprint(env_key), "image config Env (OPENAI_API_KEY)"),
            (fingerprint(hf_token), "image history (step 3)"),
        ]
    )
    text = repr(scan_findings(result, datetime(2026, 11, 26, tzinfo=UTC)))
    assert env_key not in text and file_key not in text and hf_token not in text


def test_an_image_without_keys_or_packages_finds_nothing(tmp_path: Path) -> None:
    archive = docker_save(tmp_path / "image.tar", ImageSpec([layer(file("etc/hostname", "app\n"))]))
    with open_image(archive) as root:
        result = scan_root(root, db=AdvisoryDb.load(), catalog=AiCatalog.load(), stats=root.stats, config=root.config)
    assert (result.packages, result.leaks) == ([], [])
