"""A real virtualenv: a Python process imports one AI package and not the other; the in-use state says so.

The virtualenv is made by ``python -m venv`` without pip, and two wheels built here (``openai`` and
``anthropic``, pure Python) are installed into it by this interpreter's pip (``--python``), without an index.
The child process imports ``openai``, reports the files Python loaded for it (``__file__`` and the compiled
``__cached__`` it read), and waits: the open records are made of those real paths, with the child's real pid,
and recorded while it is alive, so that its container root is read through ``/proc/<pid>/root`` as the sensor
would. The kernel-side capture of the same opens is the sensor's own test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from tests.unit.inventory.trees import build_wheel
from tests.unit.runtime.kit import CONTAINER, SECOND

from jackwatch.model.runtime import RuntimeRecord
from jackwatch.runtime import LiveRoots, UsageRecorder, UsageState, in_use_report
from jackwatch.sources.stats import ReadStats
from jackwatch.store import open_store

pytestmark = pytest.mark.slow

CHILD = """
import json, sys
import openai
files = sorted(
    path
    for module in list(sys.modules.values())
    for path in (getattr(module, "__file__", None), getattr(module, "__cached__", None))
    if path
)
print(json.dumps(files), flush=True)
sys.stdin.read()
"""


def run(*command: str | Path) -> str:
    env = {**os.environ, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"}
    env.pop("PIP_REQUIRE_VIRTUALENV", None)
    done = subprocess.run([str(part) for part in command], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    top = tmp_path_factory.mktemp("inuse")
    wheels = top / "wheels"
    wheels.mkdir()
    build_wheel(wheels, "openai", "1.30.1", modules=["openai"])
    build_wheel(wheels, "anthropic", "0.25.0", modules=["anthropic"])
    run(sys.executable, "-m", "venv", "--without-pip", top / "venv")
    python = top / "venv/bin/python"
    run(sys.executable, "-m", "pip", "--python", python, "install", "--no-index", "--find-links", wheels, "openai")
    run(sys.executable, "-m", "pip", "--python", python, "install", "--no-index", "--find-links", wheels, "anthropic")
    return top / "venv"


@pytest.fixture
def child(venv: Path) -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    process = subprocess.Popen(
        [str(venv / "bin/python"), "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    loaded = json.loads(process.stdout.readline())
    try:
        yield process, loaded
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(timeout=30)


def records_of(process: subprocess.Popen[str], venv: Path, files: list[str], hours: float) -> list[dict[str, Any]]:
    """The exec of the child and an open of each file it loaded, then a last record ``hours`` later."""
    start = time.time_ns() - SECOND
    proc = {
        "pid": process.pid,
        "ppid": os.getpid(),
        "exe": str(venv / "bin/python"),
        "exepath": str(venv / "bin/python"),
        "name": "python",
        "args": ["-c", "…"],
        "uid": os.getuid(),
        "gid": os.getgid(),
        "start": start,
    }
    base: dict[str, Any] = {"proc": proc, "lineage": [], "container": dict(CONTAINER), "host": "node-1"}
    records = [{**base, "type": "execve", "time": start, "res": 0}]
    records += [
        {
            **base,
            "type": "openat",
            "time": start + index + 1,
            "res": 3,
            "fd": {"type": "file", "name": path, "flags": 0},
        }
        for index, path in enumerate(files)
        if os.path.exists(path)
    ]
    records.append(
        {**base, "type": "openat", "time": start + int(hours * 3600 * SECOND), "res": 3, "fd": {"name": "/etc/hosts"}}
    )
    return records


@pytest.mark.parametrize(("hours", "anthropic"), [(1, UsageState.UNKNOWN), (25, UsageState.NOT_SEEN)])
def test_the_imported_package_is_in_use_and_the_other_is_not(
    child: tuple[subprocess.Popen[str], list[str]], venv: Path, tmp_path: Path, hours: float, anthropic: UsageState
) -> None:
    process, loaded = child
    site = next(str(path) for path in venv.glob("lib/python*/site-packages"))
    openai_files = [path for path in loaded if path.startswith(f"{site}/openai/")]
    assert openai_files and not any("/anthropic/" in path for path in loaded)
    with open_store(f"sqlite:///{tmp_path}/store.db") as store:
        with UsageRecorder(store, LiveRoots(ReadStats())) as recorder:
            recorder.add(cast(list[RuntimeRecord], records_of(process, venv, loaded, hours)))
        assert recorder.unresolved == 0
        [usage] = in_use_report(store)
        found = {package.use.name: package for package in usage.packages}
        assert found["openai"].state is UsageState.IN_USE
        assert found["openai"].use.example_path in openai_files
        assert found["anthropic"].state is anthropic
        assert usage.learning_over is (hours > 24)
        assert usage.root.ref == f"image://{CONTAINER['image_id']}"
        assert in_use_report(store, learning=timedelta(minutes=30))[0].learning_over
