"""Package use on SQLite and PostgreSQL: records mapped to the distributions of their root, the learning period,
the join with a scan's assets, live roots (the host's, a container's through /proc), AI packages."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from tests.unit.inventory.trees import install_wheel
from tests.unit.runtime.kit import CONTAINER, SECOND, T0, T0_NS, Proc, Trace

from jackwatch.inventory.catalog import AiCatalog
from jackwatch.inventory.directory import DirectoryRoot
from jackwatch.inventory.scan import path_asset, scan_assets, scan_root
from jackwatch.model.runtime import RuntimeRecord
from jackwatch.runtime import FixedRoot, LiveRoots, UsageRecorder, UsageState, in_use_report, root_asset
from jackwatch.runtime.packages import DirectoryIndex
from jackwatch.sources.stats import ReadStats
from jackwatch.store import Store, open_store
from jackwatch.vulns import AdvisoryDb

SITE = "venv/lib/python3.11/site-packages"


@pytest.fixture
def top(tmp_path: Path) -> Path:
    site = tmp_path / "root" / SITE
    install_wheel(site, "openai", "1.30.1", modules=["openai"])
    install_wheel(site, "anthropic", "0.25.0", modules=["anthropic"])
    install_wheel(site, "jw-util", "1.0", modules=["jw_util"])
    return tmp_path / "root"


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with open_store(db_url, clock=lambda: T0 + timedelta(days=2)) as opened:
        yield opened


def app_trace(prefix: str = "", hours: float = 1) -> tuple[Trace, Proc]:
    """A Python app that opens openai's files (and other files) and runs for ``hours``."""
    trace = Trace()
    app = trace.add(Proc(1000, 1, T0_NS, f"{prefix}/venv/bin/python3", ["app.py"], "python3"))
    trace.record("execve", app, T0_NS, res=0)
    trace.open(app, T0_NS + SECOND, f"{prefix}/{SITE}/openai/__init__.py")
    trace.open(app, T0_NS + 2 * SECOND, f"{prefix}/{SITE}/openai/__pycache__/__init__.cpython-311.pyc")
    trace.open(app, T0_NS + 3 * SECOND, f"{prefix}/{SITE}/anthropic/__init__.py", res=-2)  # failed: not a use
    trace.open(app, T0_NS + 4 * SECOND, "/etc/hosts")
    trace.open(app, T0_NS + int(hours * 3600) * SECOND, "/etc/resolv.conf")
    return trace, app


def record_usage(store: Store, trace: Trace, roots: Any) -> UsageRecorder:
    with UsageRecorder(store, roots, host="node-1") as recorder:
        recorder.add(cast(list[RuntimeRecord], trace.records))
    return recorder


def states(store: Store, **options: Any) -> dict[str, UsageState]:
    [usage] = in_use_report(store, **options)
    return {package.use.name: package.state for package in usage.packages}


def fixed(top: Path) -> FixedRoot:
    asset = path_asset("filesystem", top)
    return FixedRoot(asset, DirectoryIndex(str(top), ReadStats(), asset.name))


def test_before_the_learning_period_ends_unused_packages_are_unknown(store: Store, top: Path) -> None:
    trace, _ = app_trace()
    recorder = record_usage(store, trace, fixed(top))
    assert recorder.used == 2
    assert states(store) == {"openai": "in_use", "anthropic": "unknown", "jw-util": "unknown"}
    [usage] = in_use_report(store)
    assert not usage.learning_over and usage.learning_ends == T0 + timedelta(hours=24)
    openai = next(package.use for package in usage.packages if package.use.name == "openai")
    assert (openai.first_used, openai.last_used) == (T0 + timedelta(seconds=1), T0 + timedelta(seconds=2))
    assert openai.example_path == f"/{SITE}/openai/__init__.py" and openai.location == f"{SITE}/openai-1.30.1.dist-info"


def test_after_the_learning_period_unused_packages_are_not_seen(store: Store, top: Path) -> None:
    trace, _ = app_trace(hours=25)
    record_usage(store, trace, fixed(top))
    assert states(store) == {"openai": "in_use", "anthropic": "not_seen", "jw-util": "not_seen"}
    assert states(store, learning=timedelta(days=2)) == {
        "openai": "in_use",
        "anthropic": "unknown",
        "jw-util": "unknown",
    }


def test_the_learning_period_spans_runs(store: Store, top: Path) -> None:
    first, _ = app_trace()
    record_usage(store, first, fixed(top))
    later = Trace()
    app = later.add(Proc(2000, 1, T0_NS + 30 * 3600 * SECOND, "/venv/bin/python3", [], "python3"))
    later.open(app, T0_NS + 30 * 3600 * SECOND, "/etc/hosts")
    record_usage(store, later, fixed(top))
    assert states(store)["anthropic"] == "not_seen"
    [usage] = in_use_report(store)
    assert usage.root.observed_since == T0 and usage.root.observed_until == T0 + timedelta(hours=30)


def test_ai_packages_come_first_and_can_be_kept_alone(store: Store, top: Path) -> None:
    trace, _ = app_trace()
    record_usage(store, trace, fixed(top))
    [usage] = in_use_report(store)
    assert [(package.use.name, package.ai_category is not None) for package in usage.packages] == [
        ("openai", True),
        ("anthropic", True),
        ("jw-util", False),
    ]
    assert states(store, ai_only=True) == {"openai": "in_use", "anthropic": "unknown"}
    assert usage.counts() == {"in_use": 1, "not_seen": 0, "unknown": 2}
    assert usage.as_dict()["packages"][0]["state"] == "in_use"


def test_package_use_rows_join_the_assets_of_a_scan_of_the_same_root(store: Store, top: Path) -> None:
    stats = ReadStats()
    result = scan_root(DirectoryRoot(top, stats), db=AdvisoryDb.load(), catalog=AiCatalog.load(), stats=stats)
    store.upsert_assets(scan_assets(result), target=str(top), seen=T0)
    install_wheel(top / "opt/tool/lib/python3.11/site-packages", "langchain", "0.0.171", modules=["langchain"])
    stats = ReadStats()
    rescanned = scan_root(DirectoryRoot(top, stats), db=AdvisoryDb.load(), catalog=AiCatalog.load(), stats=stats)
    store.upsert_assets(scan_assets(rescanned), target=str(top), seen=T0)
    trace, _ = app_trace()
    record_usage(store, trace, fixed(top))
    packages = {asset.name: asset.id for asset in store.assets(kind="package")}
    uses = {use.name: use.id for use in store.package_usage()}
    assert uses == {name: packages[name] for name in ("anthropic", "jw-util", "openai")}
    # langchain lies where no process looked: known from the scan, its use unknown
    assert states(store)["langchain"] == "unknown"


def test_on_the_host_files_are_read_from_slash(store: Store, top: Path) -> None:
    trace, _ = app_trace(prefix=str(top))
    stats = ReadStats()
    recorder = record_usage(store, trace, LiveRoots(stats))
    assert recorder.used == 2 and recorder.unresolved == 0
    [root] = store.usage_roots()
    assert (root.kind, root.ref) == ("filesystem", "file://node-1/")
    uses = {use.name: use for use in store.package_usage() if use.name in ("openai", "anthropic")}
    assert uses["openai"].example_path == f"{top}/{SITE}/openai/__init__.py" and uses["anthropic"].first_used is None


def test_in_a_container_files_are_read_through_its_process_root(store: Store, top: Path) -> None:
    trace, _ = app_trace(prefix=str(top))
    for record in trace.records:
        record["container"] = dict(CONTAINER)
        record["proc"]["pid"] = os.getpid()  # a process that is alive: its /proc/<pid>/root is readable
    record_usage(store, trace, LiveRoots(ReadStats()))
    [root] = store.usage_roots()
    assert (root.kind, root.ref, root.name) == ("image", f"image://{CONTAINER['image_id']}", CONTAINER["image"])
    assert {use.name for use in store.package_usage() if use.first_used is not None} == {"openai"}


def test_records_of_processes_that_are_gone_are_counted(store: Store) -> None:
    trace, _ = app_trace()
    gone = 2**22 + 12345  # above the pid range
    for record in trace.records:
        record["container"] = dict(CONTAINER)
        record["proc"]["pid"] = gone
    recorder = record_usage(store, trace, LiveRoots(ReadStats()))
    assert recorder.unresolved == len(trace.records) and store.usage_roots() == []


def test_bad_records_are_reported(store: Store, top: Path) -> None:
    recorder = UsageRecorder(store, fixed(top), origin="trace.jsonl")
    recorder.add(cast(list[RuntimeRecord], [{"type": "openat"}]))
    assert recorder.stats.skipped == {"invalid_record": 1}


@pytest.mark.parametrize(
    ("container", "kind", "ref"),
    [
        (None, "filesystem", "file://node-1/"),
        ({"id": "a" * 64, "image_id": "b" * 64}, "image", f"image://sha256:{'b' * 64}"),
        ({"id": "a" * 64, "image": "app:1"}, "image", "image://app:1"),
        ({"id": "a" * 64, "name": "job"}, "container", f"container://node-1/{'a' * 64}"),
    ],
)
def test_the_root_of_a_record(container: dict[str, str] | None, kind: str, ref: str) -> None:
    record: dict[str, Any] = {"type": "openat", "time": 1, "proc": {"pid": 1}}
    if container is not None:
        record["container"] = container
    asset = root_asset(record, "node-1")
    assert (asset.kind, asset.ref) == (kind, ref)


def test_the_host_root_is_the_one_a_scan_of_slash_gives() -> None:
    assert root_asset({}, socket.gethostname()).id == path_asset("filesystem", Path("/")).id


def test_a_negative_learning_period_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="negative"):
        in_use_report(store, learning=timedelta(hours=-1))


def test_records_of_a_gone_process_are_read_through_another_of_the_same_image(store: Store, top: Path) -> None:
    trace, _ = app_trace(prefix=str(top))
    for number, record in enumerate(trace.records):
        record["container"] = dict(CONTAINER)
        record["proc"]["pid"] = os.getpid() if number == 0 else 2**22 + 12345
    recorder = record_usage(store, trace, LiveRoots(ReadStats()))
    assert recorder.unresolved == 0 and recorder.used == 2
