"""Build jackwatch's bundled advisory database and CISA KEV extract.

Usage::

    python tools/build_advisory_db.py --advisories DIR --origin TEXT --kev FILE [--output-dir DIR]

``--advisories`` is a copy of the PyPA advisory database's ``vulns/`` folder (OSV records in YAML); ``--origin``
names it in the database (repository and commit). ``--kev`` is CISA's ``known_exploited_vulnerabilities.json``.
The outputs (default: under ``src/jackwatch/content/``) are ``advisories/advisories.json.gz`` (the format of
``jackwatch.vulns.dbfile``) and ``kev/kev.json`` (the extract ``jackwatch.vulns.kev`` reads). The build is
deterministic: the same inputs give the same bytes. Problems in the records are printed (file:line); they do not
stop the build.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import orjson

from jackwatch.errors import JackwatchError
from jackwatch.vulns.dbfile import FILE_NAME, SourceInfo, encode
from jackwatch.vulns.importer import import_osv
from jackwatch.vulns.kev import extract
from jackwatch.vulns.records import ImportStats

CONTENT = Path(__file__).resolve().parents[1] / "src/jackwatch/content"
LICENSE = "CC-BY-4.0"


def build_advisories(source: Path, origin: str) -> tuple[bytes, ImportStats]:
    """The database file of the OSV records under ``source``, and the statistics of their import."""
    result = import_osv([source])
    return encode(result.advisories, [SourceInfo(origin=origin, license=LICENSE, sha256=None)], result.stats), (
        result.stats
    )


def build_kev(path: Path) -> bytes:
    """The bundled extract of the KEV catalog at ``path``."""
    return extract(orjson.loads(path.read_bytes()))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--advisories", type=Path, required=True, help="the PyPA advisory database's vulns/ folder")
    parser.add_argument("--origin", required=True, help="where the advisories come from (repository@commit)")
    parser.add_argument("--kev", type=Path, required=True, help="CISA's known_exploited_vulnerabilities.json")
    parser.add_argument("--output-dir", type=Path, default=CONTENT, help="the content folder to write into")
    args = parser.parse_args(argv)
    try:
        database, stats = build_advisories(args.advisories, args.origin)
        kev = build_kev(args.kev)
    except (JackwatchError, OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for problem in stats.read.problems:
        print(f"{problem.location}: {problem.reason}: {problem.message}", file=sys.stderr)
    (args.output_dir / "advisories").mkdir(parents=True, exist_ok=True)
    (args.output_dir / "kev").mkdir(parents=True, exist_ok=True)
    (args.output_dir / "advisories" / FILE_NAME).write_bytes(database)
    (args.output_dir / "kev" / "kev.json").write_bytes(kev)
    imported = ", ".join(f"{count} {ecosystem}" for ecosystem, count in sorted(stats.imported.items()))
    print(f"{imported} advisories; {stats.read.events_skipped} record(s) skipped; ignored: {dict(stats.ignored)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
