"""Run the bpftrace program and stream its events as runtime records.

:func:`preflight` checks what eBPF needs (root, BTF, bpftrace, tracefs: mounted when missing) and says what is
missing. :class:`Bpftrace` runs the program as a child process in its own session (a Ctrl-C in the terminal
reaches the sensor, which stops bpftrace itself, so that bpftrace prints its counters): its output is read without
blocking, partial lines are kept until their end arrives, an endless line is cut. The workload is never blocked:
the kernel writes into per-CPU perf buffers (:data:`PERF_BUFFER_MIB` each) and drops events when one is full,
counting them, rather than waiting for the sensor. :class:`EbpfSource` turns the output into records.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import resource
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from jackwatch.errors import JackwatchError
from jackwatch.model.runtime import RuntimeRecord
from jackwatch.sensor.messages import (
    Chdir,
    Connect,
    Counters,
    DnsAnswer,
    EventMessage,
    Exec,
    ExecArgs,
    Exit,
    Fork,
    Lost,
    Open,
    Ready,
    SetId,
    Stopped,
    Unreadable,
    parse_line,
)
from jackwatch.sensor.ordering import ExecPairer, Reorder
from jackwatch.sensor.program import REQUIRED_TRACEPOINTS, STOP_PGID, Program
from jackwatch.sensor.records import RecordBuilder
from jackwatch.sensor.stats import SensorStats

BTF = Path("/sys/kernel/btf/vmlinux")
TRACEFS_CANDIDATES = (Path("/sys/kernel/tracing"), Path("/sys/kernel/debug/tracing"))
MIN_VERSION = (0, 17)

PERF_BUFFER_MIB = 8
"""Perf buffer per CPU; the total is capped at :data:`PERF_BUFFER_TOTAL_MIB`."""
PERF_BUFFER_TOTAL_MIB = 512
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
MAX_LINE = 64 * 1024
"""An output line longer than this is cut and counted (bpftrace's lines are far shorter)."""
PIPE_BYTES = 1024 * 1024
"""Size asked for the pipe from bpftrace (Linux's default limit for an unprivileged process, too)."""
READY_TIMEOUT = 90.0
STOP_TIMEOUT = 10.0
DRAIN_TIMEOUT = 3.0
"""Seconds the sensor waits, once it asked the kernel program to stop, for the events made before."""
QUIET = 0.2
"""Seconds without output after which the events made before the stop are taken as all read."""


class EbpfUnavailable(JackwatchError):
    """eBPF capture cannot run here; the message says what is missing."""


@dataclass(frozen=True, slots=True)
class Environment:
    """What eBPF capture runs with: the bpftrace executable, its version, and the tracefs mount."""

    bpftrace: str
    version: tuple[int, int, int]
    tracefs: Path


def _version(executable: str) -> tuple[int, int, int]:
    try:
        output = subprocess.run(
            [executable, "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError) as error:
        raise EbpfUnavailable(f"cannot run {executable}: {error}") from None
    found = re.search(r"v?(\d+)\.(\d+)\.(\d+)", output)
    if found is None:
        raise EbpfUnavailable(f"cannot tell the version of {executable} from {output.strip()!r}")
    major, minor, patch = (int(part) for part in found.groups())
    return major, minor, patch


def _tracefs(mount: bool) -> Path | None:
    for path in TRACEFS_CANDIDATES:
        if (path / "events").is_dir():
            return path
    if mount:
        target = TRACEFS_CANDIDATES[0]
        try:
            subprocess.run(
                ["mount", "-t", "tracefs", "tracefs", str(target)], capture_output=True, timeout=30, check=False
            )
        except (OSError, subprocess.SubprocessError):
            return None
        if (target / "events").is_dir():
            return target
    return None


def preflight(bpftrace: str | None = None, *, mount: bool = True) -> Environment:
    """Check that eBPF capture can run (and mount tracefs if it is not); :class:`EbpfUnavailable` says why not."""
    if os.geteuid() != 0:
        raise EbpfUnavailable(f"eBPF capture needs root (running as uid {os.geteuid()})")
    if not BTF.exists():
        raise EbpfUnavailable(f"the kernel has no BTF type information ({BTF} is missing)")
    executable = bpftrace or shutil.which("bpftrace") or ""
    if not executable or not Path(executable).exists():
        raise EbpfUnavailable("bpftrace is not installed (Debian/Ubuntu: apt-get install bpftrace)")
    version = _version(executable)
    if version[:2] < MIN_VERSION:
        raise EbpfUnavailable(f"bpftrace {'.'.join(map(str, version))} is too old (0.17 or later is needed)")
    tracefs = _tracefs(mount)
    if tracefs is None:
        raise EbpfUnavailable("tracefs is not mounted and could not be (mount -t tracefs tracefs /sys/kernel/tracing)")
    missing = [name for name in REQUIRED_TRACEPOINTS if not (tracefs / "events" / name).is_dir()]
    if missing:
        raise EbpfUnavailable(f"the kernel lacks tracepoints the sensor needs: {', '.join(missing)}")
    return Environment(executable, version, tracefs)


def perf_pages(cpus: int | None = None) -> int:
    """Perf buffer pages per CPU: :data:`PERF_BUFFER_MIB`, less on many CPUs, a power of two (bpftrace wants one)."""
    count = cpus or os.cpu_count() or 1
    mib = max(1, min(PERF_BUFFER_MIB, PERF_BUFFER_TOTAL_MIB // count))
    pages = mib * 1024 * 1024 // PAGE
    return 1 << (pages.bit_length() - 1)


def _raise_memlock() -> None:  # pragma: no cover - runs in the child before exec
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_MEMLOCK, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


class Bpftrace:
    """bpftrace running a program, and its output as lines (stdout) and a tail of its diagnostics (stderr)."""

    def __init__(self, environment: Environment, program: Program, self_pid: int, pages: int | None = None) -> None:
        self.environment = environment
        self.program = program
        self.self_pid = self_pid
        self.pages = pages or perf_pages()
        self.process: subprocess.Popen[bytes] | None = None
        self.stderr: deque[str] = deque(maxlen=50)
        self.oversized = 0
        self._partial = {1: b"", 2: b""}
        self._open: set[int] = set()
        self._file: Path | None = None

    def start(self) -> None:
        """Start bpftrace on the program (written to a temporary file)."""
        handle, name = tempfile.mkstemp(prefix="jackwatch-sensor-", suffix=".bt")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(self.program.text)
        self._file = Path(name)
        env = {
            **os.environ,
            "BPFTRACE_STRLEN": "200",
            "BPFTRACE_PERF_RB_PAGES": str(self.pages),
            "BPFTRACE_MAP_KEYS_MAX": "65536",
            "BPFTRACE_NO_CPP_DEMANGLE": "1",
        }
        command = [self.environment.bpftrace, "--no-warnings", "-B", "line", "-f", "json", name, str(self.self_pid)]
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,
            preexec_fn=_raise_memlock,
        )
        assert self.process.stdout is not None and self.process.stderr is not None
        for pipe in (self.process.stdout, self.process.stderr):
            os.set_blocking(pipe.fileno(), False)
        with contextlib.suppress(OSError):  # a larger pipe absorbs bursts while the sensor is busy
            fcntl.fcntl(self.process.stdout.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        self._open = {self.process.stdout.fileno(), self.process.stderr.fileno()}

    @property
    def running(self) -> bool:
        """Whether bpftrace has not exited yet."""
        return self.process is not None and self.process.poll() is None

    @property
    def finished(self) -> bool:
        """Whether bpftrace exited and its output is read to the end."""
        return self.process is not None and not self._open and self.process.poll() is not None

    def read(self, timeout: float) -> list[bytes]:
        """Complete stdout lines available within ``timeout`` seconds (stderr goes to :attr:`stderr`)."""
        if self.process is None or not self._open:
            if self.process is not None:
                self.process.poll()
            time.sleep(min(timeout, 0.05))
            return []
        assert self.process.stdout is not None
        out = self.process.stdout.fileno()
        ready, _, _ = select.select(list(self._open), [], [], timeout)
        lines: list[bytes] = []
        for fd in ready:
            try:
                chunk = os.read(fd, 1 << 20)
            except BlockingIOError:
                continue
            if not chunk:
                self._open.discard(fd)
                chunk = b"\n" if self._partial[1 if fd == out else 2] else b""
            key = 1 if fd == out else 2
            parts = (self._partial[key] + chunk).split(b"\n")
            self._partial[key] = parts.pop()
            if len(self._partial[key]) > MAX_LINE:
                self.oversized += 1
                self._partial[key] = b""
            if key == 1:
                lines.extend(part for part in parts if part)
            else:
                self.stderr.extend(part.decode("utf-8", "replace") for part in parts if part.strip())
        return lines

    def interrupt(self) -> None:
        """Ask bpftrace to stop (it prints its counters, then exits)."""
        if self.running:
            assert self.process is not None
            self.process.send_signal(signal.SIGINT)

    def kill(self) -> None:
        """Stop bpftrace now, and remove the program file. The kernel takes a few seconds to detach the probes of a
        killed bpftrace: it is reaped in the background, the sensor does not wait for it."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            threading.Thread(target=self.process.wait, name="bpftrace-reaper", daemon=True).start()
        if self.process is not None:
            for stream in (self.process.stdout, self.process.stderr):
                if stream is not None:
                    stream.close()
        self._open.clear()
        if self._file is not None:
            self._file.unlink(missing_ok=True)
            self._file = None

    def diagnostics(self) -> str:
        """The last lines bpftrace wrote to stderr, without its harmless warnings."""
        noise = ("RLIMIT_MEMLOCK", "WARNING:", "~~")
        kept = [line for line in self.stderr if not any(word in line for word in noise)]
        return "\n".join(kept[-10:])


_KIND: dict[type, str] = {
    Exec: "E",
    Fork: "F",
    Exit: "X",
    Open: "O",
    Connect: "C",
    SetId: "U",
    DnsAnswer: "D",
    Chdir: "W",
}

Stop = Callable[[], bool]
"""Returns ``True`` once the run should end (duration reached, SIGINT, SIGTERM)."""


class EbpfSource:
    """Runtime records from the kernel: bpftrace's output parsed, paired, put in order and completed."""

    def __init__(
        self,
        bpftrace: Bpftrace,
        builder: RecordBuilder,
        stats: SensorStats,
        lateness: int | None = None,
    ) -> None:
        self.bpftrace = bpftrace
        self.builder = builder
        self.stats = stats
        self.pairer = ExecPairer()
        self.reorder = Reorder() if lateness is None else Reorder(lateness)
        self.ready = False
        self.stopped = False
        self._line = 0
        self._pending: deque[EventMessage] = deque()

    def start(self, timeout: float = READY_TIMEOUT) -> None:
        """Seed the process table, start bpftrace and wait until its probes are attached."""
        self.stats.processes_seeded = self.builder.seed()
        self.stats.missing_tracepoints = self.bpftrace.program.missing
        self.bpftrace.start()
        try:
            self._wait_ready(timeout)
        except BaseException:  # an error, or Ctrl-C while bpftrace loads: it must not be left running
            self.bpftrace.kill()
            raise

    def close(self) -> None:
        """Stop bpftrace if it still runs."""
        self.bpftrace.kill()

    def _wait_ready(self, timeout: float) -> None:
        """Read bpftrace's output until its BEGIN block ran (every probe is attached by then)."""
        deadline = time.monotonic() + timeout
        while not self.ready:
            for line in self.bpftrace.read(0.2):
                self._take(line)
            if self.bpftrace.finished:
                detail = self.bpftrace.diagnostics() or "no message"
                raise EbpfUnavailable(f"bpftrace could not load the sensor program:\n{detail}")
            if time.monotonic() > deadline:
                raise EbpfUnavailable(f"bpftrace did not attach its probes within {timeout:.0f} s")

    def _take(self, line: bytes) -> None:
        """Parse one output line and route it: counters, readiness, halves of an exec, or an event."""
        self._line += 1
        message = parse_line(line)
        if message is None:
            return
        if isinstance(message, Unreadable):
            self.stats.problem(message.reason, f"<bpftrace>:{self._line}: {message.detail}")
        elif isinstance(message, Lost):
            self.stats.kernel_lost += message.count
        elif isinstance(message, Counters):
            if message.name == "@emitted":
                self.stats.emitted = dict(message.values)
            elif message.name == "@opens":
                self.stats.opens_seen = sum(message.values.values())
        elif isinstance(message, Ready):
            self.ready = self.ready or message.pid > 0
        elif isinstance(message, Stopped):
            self.stopped = True
        elif isinstance(message, ExecArgs):
            self.stats.received["A"] += 1
            self._pending.extend(self.pairer.add_args(message))
        else:
            self.stats.received[_KIND[type(message)]] += 1
            if isinstance(message, Exec):
                self._pending.extend(self.pairer.add_exec(message))
            else:
                self._pending.append(message)

    def _drain(self) -> None:
        """Stop the kernel program (nothing is made or counted after), then read what it made before."""
        if not self.bpftrace.running:
            return
        with contextlib.suppress(OSError):
            os.kill(-STOP_PGID, 0)  # no such group: only the kernel program sees it
        deadline = time.monotonic() + DRAIN_TIMEOUT
        while time.monotonic() < deadline and self.bpftrace.running:
            lines = self.bpftrace.read(QUIET)
            for line in lines:
                self._take(line)
            if self.stopped and not lines:
                return

    def _build(self, messages: Iterator[EventMessage]) -> Iterator[RuntimeRecord]:
        for message in messages:
            record = self.builder.build(message)
            if record is not None:
                self.stats.seen[record["type"]] += 1
                yield record

    def _order(self, now: int) -> Iterator[EventMessage]:
        while self._pending:
            self.reorder.push(self._pending.popleft())
        for message in self.pairer.expired(now):
            self.reorder.push(message)
        return self.reorder.due(now)

    def records(self, stop: Stop) -> Iterator[RuntimeRecord]:
        """Records until ``stop()`` (or bpftrace exits), then the ones still in flight; bpftrace is stopped."""
        clock = self.builder.clock
        try:
            while not stop() and self.bpftrace.running:
                for line in self.bpftrace.read(0.1):
                    self._take(line)
                yield from self._build(self._order(clock.monotonic_now()))
            if not self.bpftrace.running and not stop():
                self.stats.errors.append(f"bpftrace exited early: {self.bpftrace.diagnostics() or 'no message'}")
            self._drain()
            if not self.stopped:  # bpftrace prints its counts when it exits: wait for them
                self.bpftrace.interrupt()
                deadline = time.monotonic() + STOP_TIMEOUT
                while not self.bpftrace.finished and time.monotonic() < deadline:
                    for line in self.bpftrace.read(0.1):
                        self._take(line)
            self._pending.extend(self.pairer.flush())
            self._order(clock.monotonic_now())
            yield from self._build(self.reorder.flush())
        finally:
            self.bpftrace.kill()
            self.stats.incomplete.update(self.builder.stats)
            if self.pairer.unpaired:
                self.stats.incomplete["exec_without_args"] += self.pairer.unpaired
            if self.bpftrace.oversized:
                self.stats.unreadable["oversized_line"] += self.bpftrace.oversized
