"""``jackwatch detect bedrock:`` throughput and memory against a baseline measured in the same run.

The baseline reads the same gzip JSON Lines files of Bedrock model invocation logs and parses each line, nothing
else: with orjson (the reference of the issue's target) and with msgspec (the parser jackwatch uses). The measured
run is the whole of ``jackwatch detect bedrock:<corpus>`` with the built-in rule pack and pricing on, the store
left out. Each measurement runs in its own process (one core), so that its peak RSS is its own, in rounds that
alternate the modes; each mode keeps its best round (:mod:`rounds`). Rates are given per second of the process's
CPU time and per wall-clock second.

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
from pathlib import Path
from typing import NamedTuple

from parsers import BASELINES, parser_of
from rounds import Rounds, round_count

HERE = Path(__file__).resolve().parent
TARGET = 30_000
"""Records per second the invocation-log pipeline must reach on one core."""


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


def detect(corpus: Path) -> tuple[int, Startup, dict[str, int]]:
    """The full pipeline with the built-in pack and pricing: records read, start-up, matches per rule."""
    wall, cpu = time.perf_counter(), time.process_time()
    from jackwatch.cli.options import load_pricing
    from jackwatch.detect.service import RuleSelection, build_detector, detect_inputs
    from jackwatch.normalize.asn import AsnDb
    from jackwatch.sources.inputs import ReadRequest

    detector = build_detector(RuleSelection(), AsnDb.load())
    pricing = load_pricing([], "1000:500")
    startup = Startup(time.perf_counter() - wall, time.process_time() - cpu)
    result = detect_inputs(detector, [f"bedrock:{logs(corpus)}"], ReadRequest(), pricing)
    if result.read.events_skipped:
        raise SystemExit(f"the corpus has bad records: {result.read.as_dict()['skipped_by_reason']}")
    priced = sum(1 for finding, _ in result.findings if finding.cost is not None)
    matches = {**result.matches, "findings": len(result.findings), "findings with a cost": priced}
    return result.read.events_read, startup, matches


def _child(mode: str, corpus: Path) -> None:
    wall, cpu = time.perf_counter(), time.process_time()
    records, startup, matches = detect(corpus) if mode == "detect" else baseline(corpus, mode)
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
    parser.add_argument("--child", choices=[*BASELINES, "detect"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    corpus = args.corpus or Path("/tmp") / f"invocations-{args.records}"
    if args.child:
        _child(args.child, corpus)
        return
    if not logs(corpus).is_dir():
        print(f"generating {args.records} records into {corpus} …", file=sys.stderr)
        generator = [sys.executable, str(HERE / "generate_invocation_corpus.py"), "--records", str(args.records)]
        subprocess.run([*generator, "--out", str(corpus)], check=True)
    rounds = Rounds(Path(__file__), [*BASELINES, "detect"], corpus, args.rounds, "records")
    full = rounds.report(corpus, "jackwatch detect (full pack, pricing)", "ASN data, rules, prices", BASELINES)
    full_cpu = rounds.rates(full)[0]
    print(f"target {TARGET:,} records/s on one core: {'met' if full_cpu >= TARGET else 'not met'}")
    skip = {"records", "seconds", "cpu_seconds", "startup", "peak_rss_mb"}
    print("matches: " + ", ".join(f"{name} {count:,}" for name, count in full.items() if name not in skip))


if __name__ == "__main__":
    main()
