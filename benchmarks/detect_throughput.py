"""End-to-end ``jackwatch detect`` throughput and memory against a baseline measured in the same run.

The baseline reads the same gzip CloudTrail files and parses them with the same JSON parser, nothing else.
Each measurement runs in its own process (one core) so that its peak RSS is its own.

    python benchmarks/detect_throughput.py [--events 1000000] [--corpus benchmarks/data/corpus-1000000]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import orjson

HERE = Path(__file__).resolve().parent


def baseline(corpus: Path) -> int:
    """gunzip + JSON parse of every file; returns the number of records."""
    records = 0
    for path in sorted(corpus.rglob("*.json.gz")):
        with gzip.open(path, "rb") as stream:
            records += len(orjson.loads(stream.read())["Records"])
    return records


def detect(corpus: Path) -> tuple[int, float]:
    """The pipeline ``jackwatch detect`` runs: the built-in rule pack, pricing, correlation (the store is left out:
    it is measured by the store's own tests).

    Returns the events read and the start-up time (ASN data, rule compilation, prices), which is not a rate.
    """
    started = time.perf_counter()
    from jackwatch.cost import load_price_table
    from jackwatch.detect.service import Pricing, RuleSelection, build_detector, detect_inputs
    from jackwatch.normalize.asn import AsnDb
    from jackwatch.sources.inputs import ReadRequest

    detector = build_detector(RuleSelection(), AsnDb.load())
    pricing = Pricing(load_price_table())
    startup = time.perf_counter() - started
    result = detect_inputs(detector, [str(corpus)], ReadRequest(), pricing)
    return result.read.events_read, startup


def _measure(mode: str, corpus: Path) -> dict[str, float]:
    """Run one mode in a child process; return events, seconds and peak RSS (MB)."""
    command = [sys.executable, __file__, "--child", mode, "--corpus", str(corpus)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(output.splitlines()[-1]))


def _child(mode: str, corpus: Path) -> None:
    started = time.perf_counter()
    events, startup = (baseline(corpus), 0.0) if mode == "baseline" else detect(corpus)
    seconds = time.perf_counter() - started - startup
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"events": events, "seconds": seconds, "startup": startup, "peak_rss_mb": peak_mb}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000, help="corpus size to generate if missing")
    parser.add_argument("--corpus", type=Path, help="an existing corpus directory")
    parser.add_argument("--child", choices=["baseline", "detect"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    corpus = args.corpus or HERE / "data" / f"corpus-{args.events}"
    if args.child:
        _child(args.child, corpus)
        return
    if not corpus.is_dir():
        print(f"generating {args.events} events into {corpus} …", file=sys.stderr)
        generator = [sys.executable, str(HERE / "generate_corpus.py"), "--events", str(args.events)]
        subprocess.run([*generator, "--out", str(corpus)], check=True)
    base = _measure("baseline", corpus)
    full = _measure("detect", corpus)
    base_rate = base["events"] / base["seconds"]
    full_rate = full["events"] / full["seconds"]
    print(f"corpus: {corpus} ({full['events']:,} events, {os.cpu_count()} cores available, one used)")
    print(f"baseline (gunzip + JSON parse): {base_rate:,.0f} events/s, peak RSS {base['peak_rss_mb']:.0f} MB")
    print(
        f"jackwatch detect (full pack):   {full_rate:,.0f} events/s, peak RSS {full['peak_rss_mb']:.0f} MB "
        f"(+ {full['startup']:.1f} s start-up: ASN data and rule compilation)"
    )
    print(f"ratio detect/baseline: {full_rate / base_rate:.1%}")


if __name__ == "__main__":
    main()
