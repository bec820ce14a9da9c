"""Advisory database load time and package matching time, against baselines measured in the same run.

Generates (once, deterministically) 20,000 synthetic OSV advisories over PyPI and npm packages — several ranges of
introduced/fixed pairs, explicit version lists, aliases shared between PYSEC and GHSA records, CVSS vectors — and
1,000 installed distributions (60 % of them named by some advisory), builds the advisory database from them, then
measures, each in its own process (one core):

- ``load``: ``AdvisoryDb.load`` of that database, against the baseline ``gunzip`` of the same file;
- ``bundled``: ``AdvisoryDb.load()`` of the database shipped with jackwatch (imports included);
- ``match``: ``db.match`` of the 1,000 distributions on a freshly loaded database (every package compiled on first
  use), again once compiled, and ``db.fix_version`` of each, against the baseline of the OSV specification's
  evaluation written naively (events parsed and sorted on every call) over the same index.

    python benchmarks/vuln_match.py [--advisories 20000] [--packages 1000] [--data benchmarks/data/vulns-20000]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SEED = 20261126


def _version(rng: random.Random, ecosystem: str) -> str:
    major, minor, patch = rng.randint(0, 6), rng.randint(0, 30), rng.randint(0, 20)
    if rng.random() < 0.05:
        return (
            f"{major}.{minor}.{patch}rc{rng.randint(1, 3)}" if ecosystem == "PyPI" else f"{major}.{minor}.{patch}-rc.1"
        )
    return f"{major}.{minor}.{patch}"


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part.split("rc")[0].split("-")[0]) for part in version.split("."))


def generate(data: Path, advisories: int, packages: int) -> None:
    """Write ``all.zip`` (OSV records) and ``packages.json`` (installed distributions) into ``data``."""
    rng = random.Random(SEED)
    names = [(("PyPI", f"pkg-{n}") if n % 4 else ("npm", f"@scope/lib-{n}")) for n in range(advisories // 5)]
    data.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(data / "all.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(advisories):
            ecosystem, name = rng.choice(names)
            bounds = sorted({_version(rng, ecosystem) for _ in range(rng.choice([2, 2, 4, 6]))}, key=_key)
            events = [{"introduced" if i % 2 == 0 else "fixed": bound} for i, bound in enumerate(bounds)]
            if rng.random() < 0.2:
                events[0] = {"introduced": "0"}
            affected: dict[str, Any] = {
                "package": {"ecosystem": ecosystem, "name": name},
                "ranges": [{"type": "ECOSYSTEM" if ecosystem == "PyPI" else "SEMVER", "events": events}],
            }
            if rng.random() < 0.5:
                affected["versions"] = sorted({_version(rng, ecosystem) for _ in range(rng.randint(5, 60))})
            cve = f"CVE-2024-{n // 2 + 10000}"  # pairs of records share a CVE: they merge
            record = {
                "id": f"PYSEC-2024-{n}" if n % 2 else f"GHSA-{n:04x}-bench-mark",
                "modified": "2026-11-01T00:00:00Z",
                "aliases": [cve],
                "summary": f"synthetic advisory {n} for {name}",
                "affected": [affected],
            }
            if rng.random() < 0.5:
                record["severity"] = [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}]
            archive.writestr(f"{record['id']}.json", json.dumps(record))
    installed = []
    for n in range(packages):
        ecosystem, name = rng.choice(names) if rng.random() < 0.6 else ("PyPI", f"unrelated-{n}")
        installed.append({"ecosystem": ecosystem, "name": name, "version": _version(rng, ecosystem)})
    (data / "packages.json").write_text(json.dumps(installed))


def build(data: Path) -> float:
    """Import the generated records into ``advisories.json.gz``; returns the seconds it took."""
    from jackwatch.vulns.dbfile import SourceInfo, encode
    from jackwatch.vulns.importer import import_osv

    started = time.perf_counter()
    result = import_osv([data / "all.zip"])
    blob = encode(result.advisories, [SourceInfo(origin="benchmark", license="synthetic", sha256=None)], result.stats)
    (data / "advisories.json.gz").write_bytes(blob)
    return time.perf_counter() - started


def _child(mode: str, data: Path) -> dict[str, float]:
    if mode == "baseline-load":
        started = time.perf_counter()
        gzip.decompress((data / "advisories.json.gz").read_bytes())
        return {"seconds": time.perf_counter() - started}
    started = time.perf_counter()
    from jackwatch.model.inventory import Ecosystem, Package
    from jackwatch.vulns.db import AdvisoryDb

    imported = time.perf_counter()
    if mode == "bundled":
        AdvisoryDb.load()
        return {"seconds": time.perf_counter() - started, "imports": imported - started}
    db = AdvisoryDb.load(data / "advisories.json.gz")
    loaded = time.perf_counter()
    if mode == "load":
        return {"seconds": loaded - imported}
    packages = [
        Package(Ecosystem(p["ecosystem"]), p["name"], p["version"])
        for p in json.loads((data / "packages.json").read_text())
    ]
    started = time.perf_counter()
    if mode == "baseline-match":
        from jackwatch.vulns.dbfile import decode

        database = decode((data / "advisories.json.gz").read_bytes(), "benchmark")
        started = time.perf_counter()
        found = sum(_naive_matches(database, package) for package in packages)
        return {"seconds": time.perf_counter() - started, "affected": found}
    first = [db.match(package) for package in packages]
    compiled = time.perf_counter()
    for package in packages:
        db.match(package)
    again = time.perf_counter()
    fixes = sum(db.fix_version(package, matches) is not None for package, matches in zip(packages, first, strict=True))
    done = time.perf_counter()
    return {
        "seconds": done - started,
        "first": compiled - started,
        "again": again - compiled,
        "fix": done - again,
        "affected": sum(map(bool, first)),
        "fixes": fixes,
    }


def _naive_matches(database: Any, package: Any) -> bool:
    """The OSV specification's ``IsVulnerable`` as written, for every advisory the index names (events parsed and
    sorted on every call); whether any affects ``package``."""
    from jackwatch.vulns.versions import native_scheme

    scheme = native_scheme(package.ecosystem)
    version = scheme.parse(package.version)

    def bound(text: str) -> Any:
        return None if text == "0" else scheme.parse(text)

    affected = set()
    for position in database.header["index"].get(package.ecosystem.value, {}).get(package.key, []):
        advisory = database.advisory(position)
        for entry in advisory["affected"]:
            if entry["name"] != package.key:
                continue
            if any(scheme.parse(listed) == version for listed in entry["versions"]):
                affected.add(advisory["id"])
            for item in entry["ranges"]:
                vulnerable = False
                for kind, text in sorted(item["events"], key=lambda e: (e[1] != "0", bound(e[1]) or version)):
                    if kind == "introduced" and (bound(text) is None or version >= bound(text)):
                        vulnerable = True
                    elif kind == "fixed" and version >= bound(text):
                        vulnerable = False
                if vulnerable:
                    affected.add(advisory["id"])
    return bool(affected)


def _measure(mode: str, data: Path) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", mode, "--data", str(data)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(output.splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--advisories", type=int, default=20_000)
    parser.add_argument("--packages", type=int, default=1_000)
    parser.add_argument("--data", type=Path)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    data = args.data or HERE / "data" / f"vulns-{args.advisories}"
    if args.child:
        print(json.dumps(_child(args.child, data)))
        return
    if not (data / "advisories.json.gz").is_file():
        print(f"generating {args.advisories} advisories and {args.packages} packages into {data} …", file=sys.stderr)
        generate(data, args.advisories, args.packages)
        print(f"database built in {build(data):.1f} s", file=sys.stderr)
    base_load, load, bundled = (_measure(mode, data) for mode in ("baseline-load", "load", "bundled"))
    base_match, match = (_measure(mode, data) for mode in ("baseline-match", "match"))
    size = (data / "advisories.json.gz").stat().st_size
    print(f"database: {args.advisories:,} advisories, {size / 1e6:.1f} MB; {args.packages:,} distributions")
    print(
        f"load:   baseline (gunzip) {base_load['seconds']:.3f} s, AdvisoryDb.load {load['seconds']:.3f} s "
        f"(ratio {load['seconds'] / base_load['seconds']:.2f})"
    )
    print(
        f"bundled database: AdvisoryDb.load() {bundled['seconds']:.3f} s, of which imports {bundled['imports']:.3f} s"
    )
    print(
        f"match:  baseline (naive OSV evaluation of every advisory named) {base_match['seconds']:.3f} s, "
        f"AdvisoryDb.match {match['first']:.3f} s on first use (compiling), {match['again']:.3f} s once compiled "
        f"(ratio {match['first'] / base_match['seconds']:.2f} and {match['again'] / base_match['seconds']:.2f}); "
        f"fix_version {match['fix']:.3f} s"
    )
    print(
        f"        {match['affected']:.0f} distributions affected (baseline {base_match['affected']:.0f}), "
        f"{match['fixes']:.0f} with a fix; match + fix_version in all: {match['seconds']:.3f} s"
    )


if __name__ == "__main__":
    main()
