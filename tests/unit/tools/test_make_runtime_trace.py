"""The openai-app demo's runtime trace: the committed files are what ``make_runtime_trace.py`` writes, the records
are valid sensor records, and the story holds (packages loaded from the image's RECORD files, then the intrusion)."""

from __future__ import annotations

import gzip
import json
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from tests.scripts import load_script

from jackwatch.inventory.image import open_image
from jackwatch.runtime.packages import RootIndex
from jackwatch.runtime.records import record_problem
from jackwatch.sources.stats import ReadStats

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "examples" / "openai-app"


@cache
def script() -> ModuleType:
    """``examples/openai-app/make_runtime_trace.py``, imported."""
    return load_script(DEMO / "make_runtime_trace.py")


def committed() -> list[dict[str, Any]]:
    with gzip.open(DEMO / script().TRACE, "rt", encoding="utf-8") as stream:
        return [json.loads(line) for line in stream]


def test_the_committed_files_are_what_the_script_writes(tmp_path: Path) -> None:
    (tmp_path / "expected").mkdir()
    module = script()
    records, manifest = module.build_trace()
    module.write(records, tmp_path / module.TRACE)
    assert (tmp_path / module.TRACE).read_bytes() == (DEMO / module.TRACE).read_bytes()
    assert json.loads((DEMO / module.MANIFEST).read_text(encoding="utf-8")) == manifest


def test_every_record_is_a_sensor_record_in_time_order() -> None:
    records = committed()
    assert [record_problem(record) for record in records if record_problem(record)] == []
    times = [record["time"] for record in records]
    assert times == sorted(times)
    manifest = json.loads((DEMO / script().MANIFEST).read_text(encoding="utf-8"))
    assert len(records) == manifest["trace"]["records"]
    assert {record["container"]["id"] for record in records} == {manifest["container"]["id"]}


def test_the_app_opens_files_of_the_packages_it_loads_and_of_no_other() -> None:
    module = script()
    with open_image(DEMO / "image") as root:
        index = RootIndex(root, ReadStats())
        owners = {
            getattr(index.lookup(record["fd"]["name"]), "name", None)
            for record in committed()
            if record["type"] == "openat"
        }
    assert owners == {*module.LOADED, None}  # None: /proc/1/environ and /etc/* of the intrusion


def test_no_key_is_written_whole() -> None:
    with open_image(DEMO / "image") as root:
        env = dict(item.partition("=")[::2] for item in root.config.env)
    text = gzip.decompress((DEMO / script().TRACE).read_bytes()).decode()
    assert env["OPENAI_API_KEY"] not in text and env["AWS_SECRET_ACCESS_KEY"] not in text
    assert "Bearer sk-p…" in text
