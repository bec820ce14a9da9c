"""The collectors read an image like any root: packages per layer, keys in files, Env and history."""

from __future__ import annotations

import random
from pathlib import Path

from tests.unit.inventory.image_archives import (
    ImageSpec,
    Member,
    digest,
    docker_save,
    file,
    layer,
    oci_layout,
    whiteout,
)
from tests.unit.inventory.trees import metadata_text, record_line
from tests.unit.secrets.samples import openai_key

from jackwatch.inventory.discover import discover_packages
from jackwatch.inventory.image import open_image
from jackwatch.inventory.leaks import HistoryStep, scan_commands, scan_environment, scan_root
from jackwatch.secrets import fingerprint

SITE = "usr/local/lib/python3.11/site-packages"


def installed(name: str, version: str, module: str) -> list[Member]:
    """What pip writes for a wheel: the module, then the dist-info with its RECORD."""
    info = f"{name}-{version}.dist-info"
    files = {
        f"{module}/__init__.py": f'__version__ = "{version}"\n'.encode(),
        f"{info}/METADATA": metadata_text(name, version).encode(),
        f"{info}/INSTALLER": b"pip\n",
    }
    record = [record_line(path, data) for path, data in files.items()] + [f"{info}/RECORD,,"]
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    return [file(f"{SITE}/{path}", data) for path, data in files.items()]


def test_packages_keys_env_and_history_of_an_image(tmp_path: Path) -> None:
    key = openai_key(random.Random(3)).secret
    base = layer(
        *installed("langchain", "0.0.171", "langchain"),
        *installed("requests", "2.31.0", "requests"),
    )
    upgrade = layer(
        whiteout(f"{SITE}/requests-2.31.0.dist-info"),
        *installed("requests", "2.32.3", "requests"),
        file("srv/app/.env", f"OPENAI_API_KEY={key}\n"),
    )
    history = [
        {"created_by": "COPY site-packages /usr/local/lib/python3.11/site-packages # buildkit"},
        {"created_by": f"ENV OPENAI_API_KEY={key}", "empty_layer": True},
        {"created_by": "RUN /bin/sh -c pip install requests==2.32.3 # buildkit"},
    ]
    spec = ImageSpec([base, upgrade], env=("PATH=/usr/bin", f"OPENAI_API_KEY={key}"), extra_config={"history": history})
    with open_image(docker_save(tmp_path / "app.tar", spec)) as root:
        packages = discover_packages(root, root.stats)
        leaks = scan_root(root, root.stats)
        config = root.config
        assert not root.stats.problems
    assert [(package.key, package.version, package.locations[0].layer) for package in packages] == [
        ("langchain", "0.0.171", digest(base)),
        ("requests", "2.32.3", digest(upgrade)),
    ]
    assert [(leak.fingerprint, str(leak.location), leak.layer) for leak in leaks] == [
        (fingerprint(key), "srv/app/.env:1:16", digest(upgrade))
    ]
    [from_env] = scan_environment(config.env)
    assert (from_env.fingerprint, from_env.within) == (fingerprint(key), "OPENAI_API_KEY")
    steps = [HistoryStep(step.created_by, step.layer) for step in config.history]
    assert [step.layer for step in steps] == [digest(base), None, digest(upgrade)]
    [from_history] = scan_commands(steps)
    assert (from_history.fingerprint, from_history.within, from_history.layer) == (fingerprint(key), "step 2", None)


def test_packages_and_keys_in_zstd_layers(tmp_path: Path) -> None:
    key = openai_key(random.Random(4)).secret
    base = layer(*installed("transformers", "4.30.0", "transformers"), *installed("gradio", "3.34.0", "gradio"))
    top = layer(file("srv/app/.env", f"OPENAI_API_KEY={key}\n"))
    (tmp_path / "layout").mkdir()
    with open_image(oci_layout(tmp_path / "layout", ImageSpec([base, top], zstd_layers=True))) as root:
        packages = discover_packages(root, root.stats)
        leaks = scan_root(root, root.stats)
        assert not root.stats.problems
    assert [(package.key, package.version, package.locations[0].layer) for package in packages] == [
        ("gradio", "3.34.0", digest(base)),
        ("transformers", "4.30.0", digest(base)),
    ]
    assert [(leak.fingerprint, leak.layer) for leak in leaks] == [(fingerprint(key), digest(top))]
