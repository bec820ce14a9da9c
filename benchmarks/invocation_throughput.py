"""``jackwatch detect bedrock:`` throughput and memory against a baseline measured in the same run.

The baseline reads the same gzip JSON Lines files of Bedrock model invocation logs and parses each line, nothing
else: with orjson (the reference of the issue's target) and with msgspec (the parser jackwatch uses). The measured
run is the whole of ``jackwatch detect bedrock:<corpus>`` with the built-in rule pack and pricing on, the store
left out. Two more modes run the reading stage alone (files, gunzip, parsing, the compact events with their token
counts, guardrail outcome and secret screen) and what follows it alone (reorder, rules, ledger, findings, over
events read into a list beforehand), so that the report can split the cost of a record between the two and set it
against what the target leaves per record. Each measurement runs in its own process (one core), so that its peak
RSS is its own, in rounds that alternate the modes; each mode keeps its best round (:mod:`rounds`). Rates are given
per second of the process's CPU time and per wall-clock second.

    python benchmarks/invocation_throughput.py [--records 500000] [--corpus /tmp/invocations-500000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import subprocess
import sys
import time
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from parsers import BASELINES, parser_of
from rounds import Rounds, round_count

if TYPE_CHECKING:
    from jackwatch.model import Event
    from jackwatch.sources.stats import ReadStats

HERE = Path(__file__).resolve().parent
TARGET = 30_000
"""Records per second the invocation-log pipeline must reach on one core."""
READING = "read"
"""The mode that runs the reading stage alone."""
AFTER_READING = "after-reading"
"""The mode that runs what follows reading alone, over events read beforehand."""
MODES = (*BASELINES, READING, AFTER_READING, "detect")


def logs(corpus: Path) -> Path:
    """The ``AWSLogs`` folder of a corpus (its ``corpus.json`` summary is not a log)."""
    return corpus / "AWSLogs"


class Startup(NamedTuple):
    """Time spent before the first record (loading ASN data, compiling rules, reading prices): not a rate."""

    wall: float = 0.0
    cpu: float = 0.0


def baseline(corpus: Path, mode: str) -> tuple[int, Startup, dict[str, int]]:
    """gunzip + JSON parse of every line of every file with the parser of ``mode``; returns the records, no
    start-up, no matches."""
    parse = parser_of(mode)
    records = 0
    for path in sorted(logs(corpus).rglob("*.json.gz")):
        with gzip.open(path, "rb") as stream:
            for line in stream.read().splitlines():
                parse(line)
                records += 1
    return records, Startup(), {}


def _read(corpus: Path) -> tuple[list[str], ReadStats, Iterable[Event]]:
    """The ``detect`` inputs of the corpus, the stats of their reading, and their events (read as they are taken)."""
    from jackwatch.sources.inputs import ReadRequest, read_inputs
    from jackwatch.sources.stats import ReadStats

    inputs = [f"bedrock:{logs(corpus)}"]
    read = ReadStats()
    return inputs, read, read_inputs(inputs, read, ReadRequest())


def read_only(corpus: Path) -> tuple[int, Startup, dict[str, int]]:
    """The reading stage of the pipeline alone: every event ``detect`` would get, made and dropped."""
    _inputs, read, events = _read(corpus)
    for _event in events:
        pass
    return read.events_read, Startup(), {}


def detect(corpus: Path, *, read_first: bool = False) -> tuple[int, Startup, dict[str, int]]:
    """The full pipeline with the built-in pack and pricing: records read, start-up, matches per rule.

    With ``read_first``, every event is read into a list before the clock starts (reading counts as start-up):
    only what follows reading is measured, without reading in between."""
    wall, cpu = time.perf_counter(), time.process_time()
    from jackwatch.cli.options import load_pricing
    from jackwatch.detect.service import RuleSelection, build_detector, detect_read
    from jackwatch.normalize.asn import AsnDb
    from jackwatch.sources.inputs import kinds_of

    detector = build_detector(RuleSelection(), AsnDb.load())
    pricing = load_pricing([], "1000:500")
    inputs, read, events = _read(corpus)
    if read_first:
        events = list(events)
    startup = Startup(time.perf_counter() - wall, time.process_time() - cpu)
    result = detect_read(detector, events, read, kinds_of(inputs), pricing)
    if result.read.events_skipped:
        raise SystemExit(f"the corpus has bad records: {result.read.as_dict()['skipped_by_reason']}")
    priced = sum(1 for finding, _ in result.findings if finding.cost is not None)
    matches = {**result.matches, "findings": len(result.findings), "findings with a cost": priced}
    return result.read.events_read, startup, matches


def _child(mode: str, corpus: Path) -> None:
    wall, cpu = time.perf_counter(), time.process_time()
    run = {"detect": detect, READING: read_only, AFTER_READING: partial(detect, read_first=True)}.get(mode)
    records, startup, matches = run(corpus) if run is not None else baseline(corpus, mode)
    times = {
        "seconds": time.perf_counter() - wall - startup.wall,
        "cpu_seconds": time.process_time() - cpu - startup.cpu,
        "startup": startup.wall,
    }
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"records": records, **times, "peak_rss_mb": peak_mb, **matches}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=500_000, help="corpus size to generate if missing")
    parser.add_argument("--corpus", type=Path, help="an existing corpus directory (default /tmp/invocations-N)")
    parser.add_argument(
        "--rounds", type=round_count, default=3, help="rounds of each mode; the best is kept (default 3)"
    )
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    corpus = args.corpus or Path("/tmp") / f"invocations-{args.records}"
    if args.child:
        _child(args.child, corpus)
        return
    if not logs(corpus).is_dir():
        print(f"generating {args.records} records into {corpus} …", file=sys.stderr)
        generator = [sys.executable, str(HERE / "generate_invocation_corpus.py"), "--records", str(args.records)]
        subprocess.run([*generator, "--out", str(corpus)], check=True)
    rounds = Rounds(Path(__file__), MODES, corpus, args.rounds, "records")
    full = rounds.report(corpus, "jackwatch detect (full pack, pricing)", "ASN data, rules, prices", BASELINES)
    full_cpu = rounds.rates(full)[0]
    from jackwatch.sources.bedrock_invocation.native import reader_in_use

    print(f"invocation log reader: {reader_in_use()}")
    print(f"target {TARGET:,} records/s on one core: {'met' if full_cpu >= TARGET else 'not met'}")
    reading, after, whole = (rounds.micros(mode) for mode in (READING, AFTER_READING, "detect"))
    print(
        f"CPU per record: reading {reading:.1f} µs (files, gunzip, parsing, compact events), the rest"
        f" {whole - reading:.1f} µs (reorder, rules, ledger, findings; {after:.1f} µs over events read"
        f" beforehand), {whole:.1f} µs in all; the target leaves {1e6 / TARGET:.1f} µs"
    )
    skip = {"records", "seconds", "cpu_seconds", "startup", "peak_rss_mb"}
    print("matches: " + ", ".join(f"{name} {count:,}" for name, count in full.items() if name not in skip))


if __name__ == "__main__":
    main()
