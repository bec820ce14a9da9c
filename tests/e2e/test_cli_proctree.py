"""``jackwatch history import``, ``proctree``, ``timeline``, ``inuse`` and ``history prune`` on a recorded trace of
the intrusion, on SQLite and PostgreSQL; their errors."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.runner import run_cli
from tests.unit.inventory.image_archives import ImageSpec, docker_save, file, layer
from tests.unit.inventory.trees import install_wheel, metadata_text, record_line
from tests.unit.runtime.kit import CONTAINER, T0_NS, Trace, intrusion

from jackwatch.inventory.image import open_image

SITE = "usr/local/lib/python3.11/site-packages"


def trace_file(directory: Path, container: dict[str, str] | None = None) -> Path:
    """The intrusion, the app loading openai first, and one line that is not JSON."""
    trace = Trace()
    if container is not None:
        CONTAINER_SAVED = dict(CONTAINER)
        CONTAINER.update(container)
    try:
        trace, procs = intrusion(trace)
    finally:
        if container is not None:
            CONTAINER.clear()
            CONTAINER.update(CONTAINER_SAVED)
    app = procs["app"]
    trace.open(app, T0_NS + 1_000, f"/{SITE}/openai/__init__.py")
    trace.records.sort(key=lambda record: record["time"])
    lines = [json.dumps(record) for record in trace.records]
    lines.insert(3, "{broken")
    path = directory / "trace.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    top = tmp_path / "rootfs"
    install_wheel(top / SITE, "openai", "1.30.1", modules=["openai"])
    install_wheel(top / SITE, "anthropic", "0.25.0", modules=["anthropic"])
    return top


def ok(*args: str | Path) -> Any:
    result = run_cli(*args)
    assert result.code == 0, result.describe()
    return result


def imported(db: str, tmp_path: Path, root: Path) -> dict[str, Any]:
    body: dict[str, Any] = ok(
        "history", "import", trace_file(tmp_path), "--root", root, "--db", db, "-f", "json"
    ).json()
    return body


def test_a_trace_is_imported_and_its_bad_line_reported(db_url: str, tmp_path: Path, root: Path) -> None:
    body = imported(db_url, tmp_path, root)
    assert body["events_written"] == 14 and body["events_read"] == 14
    assert body["skipped_by_reason"] == {"invalid_json": 1}
    assert body["problems"][0]["location"].endswith("trace.jsonl:4:2")
    assert body["root"].startswith("file://") and body["root"].endswith("/rootfs")
    assert body["package_use"]["records_using_packages"] == 1
    table = ok("history", "import", trace_file(tmp_path), "--db", db_url).text
    assert "events_written: 14" in table and "trace.jsonl:4:2: invalid_json" in table


def test_proctree_draws_the_intrusion(db_url: str, tmp_path: Path, root: Path) -> None:
    imported(db_url, tmp_path, root)
    text = ok("proctree", "1101", "--db", db_url, "--events").text
    lines = text.splitlines()
    order = [
        next(number for number, line in enumerate(lines) if part in line)
        for part in ("python3.11 -m uvicorn app:api", "/bin/sh -c 'useradd -d /dev/shm/zeus nairobi'", "◀")
    ]
    assert order == sorted(order)
    useradd = next(line for line in lines if "/usr/sbin/useradd -d /dev/shm/zeus nairobi" in line and "◀" in line)
    assert "root" in useradd and "exit 0" in useradd
    assert any("open /etc/shadow (read-write)" in line for line in lines)
    body = ok("proctree", "1101", "--db", db_url, "--format", "json").json()
    [app] = body["tree"]
    shell = app["children"][0]
    useradd_node = shell["children"][0]
    assert (app["process"]["pid"], shell["process"]["pid"], useradd_node["process"]["pid"]) == (1000, 1100, 1101)
    assert useradd_node["focus"] and useradd_node["process"]["args"] == ["-d", "/dev/shm/zeus", "nairobi"]
    assert body["focus"]["container"]["name"] == "openai-app" and body["focus"]["user"] == "root"


def test_proctree_of_a_container_redacts_command_lines(db_url: str, tmp_path: Path, root: Path) -> None:
    imported(db_url, tmp_path, root)
    text = ok("proctree", "openai-app", "--db", db_url).text
    assert "Processes of openai-app" in text and "pod prod/openai-app-7d9f8c-x2x7q" in text
    assert "/usr/bin/curl -H 'Authorization: Bear…123'" in text
    assert "abcdefghijklmnopqrstuvwxyz0123" not in text
    at = ok("proctree", "openai-app", "--at", "2026-11-20T10:00:11.5Z", "--db", db_url, "-f", "json").json()
    assert at["at"] == "2026-11-20T10:00:11.500000Z"
    assert [child["process"]["pid"] for child in at["tree"][0]["children"][0]["children"]] == [1101]


def test_timeline_lists_the_events_in_order(db_url: str, tmp_path: Path, root: Path) -> None:
    imported(db_url, tmp_path, root)
    body = ok("timeline", "openai-app", "--since", "2026-11-20", "--db", db_url, "-f", "json").json()
    summaries = [entry["summary"] for entry in body["entries"]]
    assert summaries[:3] == [
        "open /app/app.py (read)",
        "open /usr/local/lib/python3.11/site-packages/openai/__init__.py (read)",
        "fork: child 1100",
    ]
    assert "exec /usr/sbin/useradd -d /dev/shm/zeus nairobi" in summaries
    assert body["stats"] == {
        "events": 14,
        "findings": 0,
        "truncated": False,
        "since": "2026-11-20T00:00:00Z",
        "until": None,
    }
    times = [datetime.fromisoformat(entry["time"].replace("Z", "+00:00")) for entry in body["entries"]]
    assert times == sorted(times)
    text = ok("timeline", CONTAINER["id"][:12], "--since", "2026-11-20", "--db", db_url).text
    assert "connect 169.254.169.254:80" in text and "14 event(s), 0 finding(s)" in text
    empty = ok("timeline", "openai-app", "--since", "2026-11-21", "--db", db_url).text
    assert "nothing in the window" in empty


def test_inuse_shows_the_package_the_app_loaded(db_url: str, tmp_path: Path, root: Path) -> None:
    imported(db_url, tmp_path, root)
    body = ok("inuse", "--db", db_url, "-f", "json").json()
    [usage] = body["roots"]
    states = {package["name"]: package["state"] for package in usage["packages"]}
    assert states == {"openai": "in_use", "anthropic": "unknown"}
    assert not usage["learning_over"] and usage["learning_hours"] == 24
    assert ok("inuse", str(root.resolve()), "--learning", "10s", "--db", db_url, "-f", "json").json()["roots"][0][
        "counts"
    ] == {"in_use": 1, "not_seen": 1, "unknown": 0}
    text = ok("inuse", "--db", db_url).text
    assert "openai" in text and "in_use" in text and "1 in use, 0 not seen, 1 unknown" in text


def test_inuse_of_a_container_finds_its_image(db_url: str, tmp_path: Path) -> None:
    record = ["openai/__init__.py", "openai-1.30.1.dist-info/METADATA", "openai-1.30.1.dist-info/RECORD"]
    contents = {
        "openai/__init__.py": b'"""openai."""\n',
        "openai-1.30.1.dist-info/METADATA": metadata_text("openai", "1.30.1").encode(),
    }
    rows = [record_line(path, content) for path, content in contents.items()] + [f"{record[2]},,"]
    members = [file(f"{SITE}/{path}", content) for path, content in contents.items()]
    members.append(file(f"{SITE}/{record[2]}", "\n".join(rows) + "\n"))
    archive = docker_save(tmp_path / "app.tar", ImageSpec([layer(*members)], tags=("openai-app:1.4.2",)))
    with open_image(archive) as image:
        image_id = image.image_id
    trace = trace_file(tmp_path, {"image_id": image_id, "image": "openai-app:1.4.2"})
    ok("history", "import", trace, "--image", archive, "--db", db_url)
    body = ok("inuse", "openai-app", "--db", db_url, "-f", "json").json()
    [usage] = body["roots"]
    assert usage["root"]["ref"] == f"image://{image_id}" and usage["root"]["name"] == "openai-app:1.4.2"
    assert [(package["name"], package["state"]) for package in usage["packages"]] == [("openai", "in_use")]


def test_prune_deletes_what_is_older_than_the_retention(db_url: str, tmp_path: Path, root: Path) -> None:
    imported(db_url, tmp_path, root)
    body = ok("history", "prune", "--retention", "1m", "--db", db_url, "-f", "json").json()
    assert body["cutoff"] == "2026-11-20T09:59:22Z"  # a minute before the newest event
    assert (body["events_deleted"], body["processes_deleted"]) == (0, 0)
    body = ok("history", "prune", "--retention", "10s", "--db", db_url, "-f", "json").json()
    assert (body["events_deleted"], body["processes_deleted"]) == (8, 0)  # processes seen since (as ancestors too)
    kept = ok("timeline", "openai-app", "--since", "2026-11-20", "--db", db_url, "-f", "json").json()
    assert kept["entries"][0]["summary"] == "exit 0"
    assert kept["stats"]["events"] == 6


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("proctree", "99999"), "no process 99999 in the history"),
        (("proctree", "nginx"), "no process 'nginx' and no container matching it"),
        (("timeline", "nginx"), "no container in the history matches 'nginx'"),
        (("inuse", "nginx"), "no watched image, host or container matches 'nginx'"),
        (("history", "import", "missing.jsonl"), "missing.jsonl: no such file or directory"),
        (("history", "prune", "--retention", "0d"), "is not a positive duration"),
        (("inuse", "--learning", "soon"), "is not a positive duration"),
        (("proctree", "1", "--at", "yesterday"), "'yesterday' is neither an ISO date/time"),
    ],
)
def test_errors_are_one_line_and_exit_2(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = run_cli(*args, "--db", str(tmp_path / "empty.db"))
    assert result.code == 2, result.describe()
    assert message in " ".join(result.stderr.split())


def test_root_and_image_together_are_refused(tmp_path: Path, root: Path) -> None:
    result = run_cli(
        "history", "import", trace_file(tmp_path), "--root", root, "--image", root, "--db", str(tmp_path / "x.db")
    )
    assert result.code == 2 and "give --root or --image, not both" in result.stderr
