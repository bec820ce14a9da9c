"""EPSS scores (FIRST's Exploit Prediction Scoring System), read from the CSV file FIRST publishes.

The file (``epss_scores-YYYY-MM-DD.csv``, gzip-compressed or not) starts with a comment line
``#model_version:v2023.03.01,score_date:2024-06-19T00:00:00+0000``, then the header ``cve,epss,percentile``,
then one row per CVE. Rows that are not ``CVE-…,<0..1>,<0..1>`` are skipped and reported with their line.
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass, field
from pathlib import Path

from jackwatch.errors import ContentError, Location
from jackwatch.sources.stats import ReadStats

HEADER = ["cve", "epss", "percentile"]


@dataclass(frozen=True, slots=True)
class EpssScore:
    """The probability of exploitation in the next 30 days, and its percentile among all scored CVEs."""

    cve: str
    epss: float
    percentile: float


@dataclass(frozen=True, slots=True)
class EpssScores:
    """Scores by CVE id, with the model version and date the file names."""

    model_version: str
    score_date: str
    origin: str
    scores: dict[str, EpssScore] = field(repr=False)

    @classmethod
    def load(cls, path: Path, stats: ReadStats | None = None) -> EpssScores:
        """Read FIRST's CSV file at ``path``; raises :class:`ContentError` when it is not one."""
        try:
            blob = path.read_bytes()
            text = (gzip.decompress(blob) if blob[:2] == b"\x1f\x8b" else blob).decode("utf-8")
        except (OSError, EOFError, UnicodeDecodeError) as error:
            raise ContentError(f"cannot read the EPSS file: {error}", Location(str(path))) from None
        return cls.parse(text, str(path), stats)

    @classmethod
    def parse(cls, text: str, origin: str, stats: ReadStats | None = None) -> EpssScores:
        """Parse the text of an EPSS CSV file."""
        stats = stats if stats is not None else ReadStats()
        lines = text.splitlines()
        meta: dict[str, str] = {}
        first = 0
        if lines and lines[0].startswith("#"):
            meta = dict(part.partition(":")[::2] for part in lines[0].lstrip("#").split(","))
            first = 1
        rows = csv.reader(io.StringIO("\n".join(lines[first:])))
        header = next(rows, None)
        if [cell.strip().lower() for cell in header or []] != HEADER:
            raise ContentError(f"not an EPSS file: expected the header {','.join(HEADER)}", Location(origin, first + 1))
        scores: dict[str, EpssScore] = {}
        for number, row in enumerate(rows, start=first + 2):
            stats.events_read += 1
            score = _score(row)
            if score is None:
                stats.skip("invalid_epss_row", Location(origin, number), f"not cve,epss,percentile: {row!r}"[:200])
            else:
                scores[score.cve] = score
        return cls(meta.get("model_version", ""), meta.get("score_date", ""), origin, scores)

    def get(self, cve: str) -> EpssScore | None:
        """The score of ``cve``, if the file has one."""
        return self.scores.get(cve)

    def __len__(self) -> int:
        return len(self.scores)


def _score(row: list[str]) -> EpssScore | None:
    if len(row) != 3 or not row[0].startswith("CVE-"):
        return None
    try:
        epss, percentile = float(row[1]), float(row[2])
    except ValueError:
        return None
    if not (0.0 <= epss <= 1.0 and 0.0 <= percentile <= 1.0):
        return None
    return EpssScore(row[0], epss, percentile)
