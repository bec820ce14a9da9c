"""Rule evaluation on runtime (``syscall``) events against a baseline measured in the same run.

The corpus is a synthetic but realistic mix of runtime records as the sensor writes them (model/runtime.py):
AI-serving containers whose Python processes mostly open their packages, models and configuration, start
workers and helpers, connect to LLM APIs and databases, and exit; a few intrusions among them (a shell from the
app, a read of credentials, a write below /etc, a tool dropped in /tmp). The records are JSON Lines held in memory.

* baseline: parse each line with the same JSON parser, nothing else;
* rules: parse, make the event, run it through Falco's upstream stable pack (falco_rules.yaml) and jackwatch's
  runtime pack (content/rules/syscall/, when present) — the engine alone;
* detect: the same through ``detect_events`` (rules, findings aggregated with their evidence).

Rates are per second of CPU time of this process (one core). ``--matches FILE`` writes every match of the
corpus (rule id and event ids, one per line, untimed) to compare two versions of the engine or the fields.

    python benchmarks/runtime_rules.py [--events 300000] [--seed 7] [--matches FILE]
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

from jackwatch.detect.service import Detector, detect_events
from jackwatch.model import Event
from jackwatch.normalize.asn import AsnDb
from jackwatch.rules.engine import CompiledRuleSet, Engine, compile_ruleset
from jackwatch.rules.fields.syscall import to_event
from jackwatch.rules.loader import builtin_rule_files, load_rules
from jackwatch.rules.sources import default_registry
from jackwatch.sources.stats import ReadStats

TARGET = 100_000
"""Runtime events per second the rules must evaluate on one core."""

UPSTREAM = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "falco-rules" / "rules" / "falco_rules.yaml"
NS = 1_000_000_000
START = 1_777_629_600 * NS

# (weight, kind): the mix of event types
MIX = [(55, "openat"), (17, "execve"), (9, "clone"), (9, "procexit"), (9, "connect"), (1, "setuid")]
SITE = "/usr/local/lib/python3.11/site-packages"
PACKAGES = ["openai", "anthropic", "torch", "transformers", "numpy", "fastapi", "pydantic", "httpx", "langchain"]
OPENS = [
    (lambda r: f"{SITE}/{r.choice(PACKAGES)}/{r.choice(['__init__', 'client', 'types', 'utils'])}.py", 0o2000000),
    (lambda r: f"{SITE}/{r.choice(['torch/lib/libtorch_cpu', 'numpy/core/_multiarray_umath'])}.so", 0o2000000),
    (lambda r: "/app/main.py", 0),
    (lambda r: "/models/llama-3-8b.Q4_K_M.gguf", 0),
    (lambda r: "/etc/hosts", 0o2000000),
    (lambda r: "/etc/resolv.conf", 0o2000000),
    (lambda r: "/etc/ssl/certs/ca-certificates.crt", 0),
    (lambda r: f"/proc/self/{r.choice(['status', 'stat', 'cgroup'])}", 0),
    (lambda r: f"/tmp/tmp{r.randrange(10**6):06d}", 0o1 | 0o100 | 0o1000),
    (lambda r: "/app/.env", 0),
]
EXECS = [
    ("python3", "/usr/local/bin/python3.11", ["-m", "uvicorn", "app.main:app"]),
    ("gunicorn", "/usr/local/bin/python3.11", ["-w", "4", "app:app"]),
    ("ls", "/usr/bin/ls", ["-la", "/app"]),
    ("git", "/usr/bin/git", ["rev-parse", "HEAD"]),
    ("nvidia-smi", "/usr/bin/nvidia-smi", ["--query-gpu=memory.used", "--format=csv"]),
    ("curl", "/usr/bin/curl", ["-sf", "http://localhost:8000/health"]),
]
DESTINATIONS = [
    ("162.159.140.245", 443, "api.openai.com"),
    ("160.79.104.10", 443, "api.anthropic.com"),
    ("10.96.0.10", 53, None),
    ("10.42.3.15", 5432, None),
    ("52.94.236.248", 443, "bedrock-runtime.us-east-1.amazonaws.com"),
]
INTRUSIONS = [
    ("execve", "sh", "/bin/dash", ["-c", "id; cat /proc/1/environ"], None, 0),
    ("openat", "cat", "/usr/bin/cat", ["/etc/shadow"], "/etc/shadow", 0),
    ("openat", "cat", "/usr/bin/cat", ["/root/.aws/credentials"], "/root/.aws/credentials", 0),
    ("openat", "vi", "/usr/bin/vi", ["/etc/ld.so.preload"], "/etc/ld.so.preload", 0o1 | 0o100),
    ("execve", "useradd", "/usr/sbin/useradd", ["-d", "/dev/shm/zeus", "nairobi"], None, 0),
    ("execve", "xmrig", "/tmp/.x/xmrig", ["-o", "pool.example:3333"], None, 0),
]


class Corpus:
    """Records of ``containers`` AI-serving containers on a few hosts, one event every 100 µs."""

    def __init__(self, seed: int, containers: int = 24) -> None:
        self.random = random.Random(seed)
        self.containers = [
            {
                "id": f"{self.random.getrandbits(256):064x}",
                "runtime": "containerd",
                "name": "app",
                "image": f"ghcr.io/acme/llm-gateway-{index % 6}:1.{index % 4}.0",
                "pod": f"llm-gateway-{index}-7d9f8c6b5-x2kq4",
                "namespace": "prod" if index % 3 else "staging",
                "pod_uid": f"0d3c1f7e-7d2c-4e4b-9a51-{index:012d}",
            }
            for index in range(containers)
        ]
        self.kinds = [kind for weight, kind in MIX for _ in range(weight)]

    def records(self, count: int) -> Iterator[dict[str, Any]]:
        for number in range(count):
            yield self.record(number)

    def record(self, number: int) -> dict[str, Any]:
        r = self.random
        index = r.randrange(len(self.containers))
        container = self.containers[index]
        app_pid = 10_000 + index * 100
        shim = {"pid": 900 + index, "name": "containerd-shim", "exe": "/usr/bin/containerd-shim-runc-v2", "start": 0}
        app = {
            "pid": app_pid,
            "name": "python3",
            "exe": "python3",
            "exepath": "/usr/local/bin/python3.11",
            "args": ["-m", "uvicorn", "app.main:app", "--host", "0.0.0.0"],
            "start": START - 3600 * NS,
        }
        if r.random() < 0.001:
            return self.intrusion(number, container, app, shim)
        kind = r.choice(self.kinds)
        proc: dict[str, Any] = {
            **app,
            "ppid": shim["pid"],
            "vpid": 1,
            "uid": 1000,
            "gid": 1000,
            "euid": 1000,
            "cwd": "/app",
            "tty": 0,
            "loginuid": -1,
            "sid": app_pid,
        }
        lineage = [shim]
        record: dict[str, Any] = {"type": kind, "time": START + number * 100_000, "res": 0, "host": f"node-{index % 4}"}
        if kind == "openat":
            path, flags = r.choice(OPENS)
            record["fd"] = {"type": "file", "name": path(r), "flags": flags}
            record["res"] = r.choice([3, 7, 12, -2]) if flags == 0 else 5
        elif kind in ("execve", "clone", "procexit"):
            name, exepath, args = r.choice(EXECS)
            child = {"pid": app_pid + 1 + r.randrange(90), "ppid": app_pid, "name": name, "exe": name}
            proc |= child | {"exepath": exepath, "args": args, "start": START + number * 100_000 - 1000}
            lineage = [app, shim]
            if kind == "procexit":
                record["exit_code"] = 0
        elif kind == "connect":
            ip, port, dns = r.choice(DESTINATIONS)
            fd = {"type": "ipv4", "sip": "10.42.0.17", "sport": 40000 + r.randrange(20000), "dip": ip, "dport": port}
            fd |= {"l4proto": "tcp", "name": f"10.42.0.17:{fd['sport']}->{ip}:{port}"}
            record["fd"] = fd | ({"dns": dns} if dns else {})
        else:
            record["target_uid"] = 1000
        return record | {
            "proc": proc,
            "lineage": lineage,
            "user": {"uid": 1000, "name": "app"},
            "group": {"gid": 1000, "name": "app"},
            "container": container,
        }

    def intrusion(
        self, number: int, container: dict[str, Any], app: dict[str, Any], shim: dict[str, Any]
    ) -> dict[str, Any]:
        kind, name, exepath, args, path, flags = self.random.choice(INTRUSIONS)
        shell = {"pid": app["pid"] + 95, "name": "sh", "exe": "/bin/sh", "exepath": "/bin/dash", "args": ["-c", "x"]}
        proc = {"pid": app["pid"] + 96, "ppid": shell["pid"], "name": name, "exe": exepath, "exepath": exepath}
        proc |= {"args": args, "uid": 0, "gid": 0, "euid": 0, "cwd": "/app", "tty": 0, "loginuid": -1}
        proc |= {"start": START + number * 100_000 - 1000, "exe_upper_layer": exepath.startswith("/tmp")}
        record: dict[str, Any] = {"type": kind, "time": START + number * 100_000, "res": 3 if path else 0}
        if path:
            record["fd"] = {"type": "file", "name": path, "flags": flags}
        return record | {
            "proc": proc,
            "lineage": [shell, app, shim],
            "user": {"uid": 0, "name": "root"},
            "container": container,
            "host": "node-0",
        }


def rule_files() -> list[Path]:
    """Falco's stable pack, then jackwatch's runtime pack (if present)."""
    runtime = [path for path in builtin_rule_files() if path.parent.name == "syscall"]
    return [UPSTREAM, *runtime]


def timed(work: Callable[[], int]) -> tuple[int, float]:
    """``work()``'s count and the CPU seconds it took (collector frozen as ``detect`` does)."""
    gc.collect()
    gc.freeze()
    started = time.process_time()
    try:
        count = work()
    finally:
        gc.unfreeze()
    return count, time.process_time() - started


def per_type(compiled: CompiledRuleSet, events: list[Event]) -> dict[str, tuple[int, float]]:
    """Events of each type and the engine's CPU microseconds per event of that type (runners compiled first)."""
    engine = Engine(compiled)
    for event in events:
        engine.process(event)
    found: dict[str, tuple[int, float]] = {}
    for kind in sorted({event.name for event in events}):
        some = [event for event in events if event.name == kind]
        count, seconds = timed(lambda: sum(1 for event in some if engine.process(event) is not None))  # noqa: B023
        found[kind] = (count, seconds / count * 1e6)
    return found


def match_lines(compiled: CompiledRuleSet, events: list[Event]) -> list[str]:
    """Each match the engine makes on ``events``: the rule's id and the ids of the events of the match."""
    engine = Engine(compiled)
    return [f"{match.rule.id} {' '.join(e.id for e in match.events)}" for ev in events for match in engine.process(ev)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=300_000, help="runtime records in the corpus")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--matches", type=Path, help="write every match (rule id, event ids) to this file")
    args = parser.parse_args()
    lines = [orjson.dumps(record) for record in Corpus(args.seed).records(args.events)]
    registry = default_registry(AsnDb.load())
    loaded = load_rules(rule_files(), registry)
    if loaded.errors:
        raise SystemExit("\n".join(map(str, loaded.errors)))
    compiled = compile_ruleset(loaded.ruleset, registry)
    matches: Counter[str] = Counter()
    made = [to_event(orjson.loads(line), "bench") for line in lines]

    def baseline() -> int:
        for line in lines:
            orjson.loads(line)
        return len(lines)

    def engine_only() -> int:
        engine = Engine(compiled)
        for event in made:
            engine.process(event)
        return len(made)

    def rules() -> int:
        engine = Engine(compiled)
        for line in lines:
            for match in engine.process(to_event(orjson.loads(line), "bench")):
                matches[match.rule.id] += 1
        return len(lines)

    detector = Detector(registry, loaded, compiled)
    findings: list[int] = []

    def detect() -> int:
        events = (to_event(orjson.loads(line), "bench") for line in lines)
        findings.append(len(detect_events(detector, events, ReadStats()).findings))
        return len(lines)

    count, base_cpu = timed(baseline)
    _, engine_cpu = timed(engine_only)
    _, rules_cpu = timed(rules)
    _, detect_cpu = timed(detect)
    base, rate = count / base_cpu, count / rules_cpu
    print(f"corpus: {count:,} runtime records; {os.cpu_count()} cores available, one used")
    print(f"rules: {len(compiled.rules)} evaluated ({', '.join(path.name for path in rule_files())})")
    print(f"baseline (JSON parse): {base:,.0f} events/s of CPU")
    print(f"engine alone (events already made): {count / engine_cpu:,.0f} events/s of CPU")
    print(f"rules (parse + event + engine): {rate:,.0f} events/s of CPU ({rate / base:.1%} of baseline)")
    print(f"detect (+ findings and their evidence): {count / detect_cpu:,.0f} events/s of CPU, {findings[0]} findings")
    evaluation = count / engine_cpu
    print(
        f"target {TARGET:,} events/s of rule evaluation on one core: {'met' if evaluation >= TARGET else 'not met'}"
        f" (end to end, JSON lines included: {'met' if rate >= TARGET else 'not met'})"
    )
    print(
        "engine per event type: "
        + ", ".join(f"{k} {n:,} × {us:.1f} µs" for k, (n, us) in per_type(compiled, made).items())
    )
    print("matches: " + ", ".join(f"{name} {number:,}" for name, number in sorted(matches.items())))
    if args.matches:
        args.matches.write_text("".join(f"{line}\n" for line in match_lines(compiled, made)))


if __name__ == "__main__":
    main()
