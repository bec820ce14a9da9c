"""The eBPF sensor's overhead under load, against the same load without the sensor, measured in the same run.

A load of ``--execs`` process executions per second (``/bin/true``, spawned and reaped) and ``--opens`` file opens
per second (``--kept`` of them of a file the sensor keeps, /etc/hostname; the others of /etc/os-release's target, which
it drops in the kernel) runs for ``--seconds``: first alone (the baseline), then with ``jackwatch sensor run``
watching. Printed: the load's achieved rates and CPU in both runs (what the kernel programs cost the workload shows
in its system time), the sensor's CPU (its Python process and bpftrace, start-up excluded), and what it saw and
dropped, by kind. Needs root and bpftrace (see docs/sensor.md).

    sudo .venv/bin/python benchmarks/sensor_overhead.py [--execs 1000] [--opens 50000] [--seconds 20]
"""

from __future__ import annotations

import argparse
import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
JACKWATCH = Path(sys.executable).with_name("jackwatch")
KEPT = "/etc/hostname"
DROPPED = os.path.realpath("/etc/os-release")  # /usr/lib/os-release: read by many programs, no rule wants it
TICK = os.sysconf("SC_CLK_TCK")


def _execs(rate: int, seconds: float) -> int:
    """Spawn and reap ``/bin/true`` ``rate`` times a second (a few in flight at once); returns how many ran."""
    done = 0
    running: list[int] = []
    start = time.monotonic()
    while (now := time.monotonic()) - start < seconds:
        due = int((now - start) * rate)
        while done + len(running) < due and len(running) < 64:
            running.append(os.posix_spawn("/bin/true", ["true"], {}))
        for pid in list(running):
            if os.waitpid(pid, os.WNOHANG)[0]:
                running.remove(pid)
                done += 1
        if done + len(running) >= due:
            time.sleep(0.0005)
    for pid in running:
        os.waitpid(pid, 0)
        done += 1
    return done


def _opens(rate: int, kept_per_mille: int, seconds: float) -> int:
    """Open and close files ``rate`` times a second; returns how many opens were made."""
    done = 0
    start = time.monotonic()
    while (now := time.monotonic()) - start < seconds:
        due = int((now - start) * rate)
        while done < due:
            path = KEPT if done % 1000 < kept_per_mille else DROPPED
            os.close(os.open(path, os.O_RDONLY))
            done += 1
        time.sleep(0.0005)
    return done


def load(execs: int, opens: int, kept: int, seconds: float) -> dict[str, float]:
    """Run both loads at once (two processes); their achieved rates and CPU seconds (user, system)."""
    children = []
    for work in ("execs", "opens"):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            os.close(read)
            count = _execs(execs, seconds) if work == "execs" else _opens(opens, kept, seconds)
            os.write(write, str(count).encode())
            os._exit(0)
        os.close(write)
        children.append((work, pid, read))
    result: dict[str, float] = {}
    for work, pid, read in children:
        count = int(os.read(read, 64) or b"0")
        os.close(read)
        _, _, usage = os.wait4(pid, 0)
        result[f"{work}_per_s"] = count / seconds
        result[f"{work}_user_s"] = usage.ru_utime
        result[f"{work}_system_s"] = usage.ru_stime
    return result


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) a running process used so far, 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text()
        found += [int(child) for child in text.split()]
    return found


def with_sensor(
    execs: int, opens: int, kept: int, seconds: float
) -> tuple[dict[str, float], dict[str, Any], float, float]:
    """The load while the sensor watches: the load's figures, the sensor's report, its CPU seconds from its start
    (probes attached) to one second after the load (all, and bpftrace's part), read in /proc."""
    sensor = subprocess.Popen(
        [str(JACKWATCH), "sensor", "run", "--format", "json", "--no-store"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert sensor.stderr is not None
    seen = b""
    while b"watching with eBPF" not in seen:
        if sensor.poll() is not None:
            raise SystemExit(f"the sensor did not start: {seen.decode()}{sensor.stderr.read().decode()}")
        if select.select([sensor.stderr], [], [], 1.0)[0]:
            seen += os.read(sensor.stderr.fileno(), 4096)
    helpers = _children(sensor.pid)
    started_cpu = _cpu(sensor.pid), sum(_cpu(pid) for pid in helpers)
    figures = load(execs, opens, kept, seconds)
    time.sleep(1.0)  # the events still in flight
    python_cpu = _cpu(sensor.pid) - started_cpu[0]
    bpftrace_cpu = sum(_cpu(pid) for pid in helpers) - started_cpu[1]
    sensor.send_signal(signal.SIGTERM)
    out, _ = sensor.communicate(timeout=120)
    return figures, json.loads(out), python_cpu + bpftrace_cpu, bpftrace_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--execs", type=int, default=1000, help="process executions per second")
    parser.add_argument("--opens", type=int, default=50_000, help="file opens per second")
    parser.add_argument("--kept", type=int, default=10, help="opens per thousand of a file the sensor keeps")
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("the eBPF sensor needs root")
    baseline = load(args.execs, args.opens, args.kept, args.seconds)
    measured, report, sensor_cpu, bpftrace_cpu = with_sensor(args.execs, args.opens, args.kept, args.seconds)
    load_cpu = sum(measured[k] for k in measured if k.endswith(("_user_s", "_system_s")))
    base_cpu = sum(baseline[k] for k in baseline if k.endswith(("_user_s", "_system_s")))
    stats = report["stats"]
    print(f"load: {args.execs} exec/s and {args.opens} opens/s ({args.kept}‰ kept) for {args.seconds:.0f} s")
    for name, figures in (("without the sensor", baseline), ("with the sensor", measured)):
        print(
            f"  {name:<19} {figures['execs_per_s']:8.0f} exec/s  {figures['opens_per_s']:8.0f} opens/s  "
            f"load CPU {sum(v for k, v in figures.items() if k.endswith('_s') and 'per' not in k):6.2f} s "
            f"(system {figures['execs_system_s'] + figures['opens_system_s']:.2f} s)"
        )
    print(f"  workload CPU with/without the sensor: {load_cpu / base_cpu:.3f}")
    print(f"  exec rate with/without: {measured['execs_per_s'] / baseline['execs_per_s']:.3f}, "
          f"open rate with/without: {measured['opens_per_s'] / baseline['opens_per_s']:.3f}")  # fmt: skip
    print(f"sensor CPU (Python + bpftrace, from its start to 1 s after the load): {sensor_cpu:.2f} s for "
          f"{args.seconds:.0f} s of load = {100 * sensor_cpu / args.seconds:.1f} % of one core "
          f"(bpftrace: {bpftrace_cpu:.2f} s)")  # fmt: skip
    print(f"events seen: {stats['events_seen']} ({stats['events_seen_total']})")
    print(f"events dropped: {stats['events_dropped']} ({stats['events_dropped_total']}, "
          f"{100 * stats['drop_ratio']:.2f} %; kernel buffer: {stats['kernel_lost_events']})")  # fmt: skip
    print(f"opens seen by the kernel: {stats.get('opens_seen_by_kernel')}, kept: {stats.get('opens_kept')}")


if __name__ == "__main__":
    main()
