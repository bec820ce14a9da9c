"""End-to-end ``jackwatch detect`` throughput and memory against a baseline measured in the same run.

The baseline reads the same gzip CloudTrail files and parses them, nothing else: with orjson (the reference of
the issue's targets) and with msgspec (the parser jackwatch uses). Each measurement runs in its own process (one
core) so that its peak RSS is its own, in rounds that alternate the modes; each mode keeps its best round
(:mod:`rounds`). Rates are per second of the process's CPU time and per wall-clock second.

    python benchmarks/detect_throughput.py [--events 1000000] [--corpus benchmarks/data/corpus-1000000] [--rounds 3]
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

from parsers import BASELINES, parser_of
from rounds import Rounds, round_count

HERE = Path(__file__).resolve().parent


def baseline(corpus: Path, mode: str) -> int:
    """gunzip + JSON parse of every file with the parser of ``mode``; returns the number of records."""
    parse = parser_of(mode)
    records = 0
    for path in sorted(corpus.rglob("*.json.gz")):
        with gzip.open(path, "rb") as stream:
            records += len(parse(stream.read())["Records"])
    return records


def detect(corpus: Path) -> tuple[int, tuple[float, float]]:
    """The pipeline ``jackwatch detect`` runs: the built-in rule pack, pricing, correlation (the store is left out:
    it is measured by the store's own tests).

    Returns the events read and the start-up time, wall-clock and CPU (ASN data, rule compilation, prices),
    which is not a rate.
    """
    started, cpu = time.perf_counter(), time.process_time()
    from jackwatch.cost import load_price_table
    from jackwatch.detect.service import Pricing, RuleSelection, build_detector, detect_inputs
    from jackwatch.normalize.asn import AsnDb
    from jackwatch.sources.inputs import ReadRequest

    detector = build_detector(RuleSelection(), AsnDb.load())
    pricing = Pricing(load_price_table())
    startup = (time.perf_counter() - started, time.process_time() - cpu)
    result = detect_inputs(detector, [str(corpus)], ReadRequest(), pricing)
    return result.read.events_read, startup


def _child(mode: str, corpus: Path) -> None:
    started, cpu = time.perf_counter(), time.process_time()
    events, startup = detect(corpus) if mode == "detect" else (baseline(corpus, mode), (0.0, 0.0))
    seconds = time.perf_counter() - started - startup[0]
    cpu_seconds = time.process_time() - cpu - startup[1]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "events": events,
                "seconds": seconds,
                "cpu_seconds": cpu_seconds,
                "startup": startup[0],
                "peak_rss_mb": peak_mb,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000, help="corpus size to generate if missing")
    parser.add_argument("--corpus", type=Path, help="an existing corpus directory")
    parser.add_argument(
        "--rounds", type=round_count, default=3, help="rounds of each mode; the best is kept (default 3)"
    )
    parser.add_argument("--child", choices=[*BASELINES, "detect"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    corpus = args.corpus or HERE / "data" / f"corpus-{args.events}"
    if args.child:
        _child(args.child, corpus)
        return
    if not corpus.is_dir():
        print(f"generating {args.events} events into {corpus} …", file=sys.stderr)
        generator = [sys.executable, str(HERE / "generate_corpus.py"), "--events", str(args.events)]
        subprocess.run([*generator, "--out", str(corpus)], check=True)
    rounds = Rounds(Path(__file__), [*BASELINES, "detect"], corpus, args.rounds, "events")
    rounds.report(corpus, "jackwatch detect (full pack)", "ASN data and rule compilation", BASELINES)


if __name__ == "__main__":
    main()
