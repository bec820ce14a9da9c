"""A realistic scanned root for the scan tests: the real dist-info samples in a virtualenv's site-packages, and an
``.env`` holding an OpenAI key made at run time."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path
from typing import Any

from jackwatch.inventory.catalog import AiCatalog
from jackwatch.inventory.directory import DirectoryRoot
from jackwatch.inventory.scan import ScanResult, scan_root
from jackwatch.sources.stats import ReadStats
from jackwatch.vulns import AdvisoryDb
from tests.datasets import DATASETS
from tests.unit.secrets.samples import URL_SAFE, draw

SAMPLES = DATASETS / "pypi-dist-info-samples"
SITE_PACKAGES = "venv/lib/python3.11/site-packages"


def openai_key(seed: int) -> str:
    """A project key in OpenAI's format (``sk-proj-…T3BlbkFJ…``)."""
    rng = random.Random(seed)
    return f"sk-proj-{draw(rng, URL_SAFE, 74)}T3BlbkFJ{draw(rng, URL_SAFE, 74)}"


def build_root(top: Path, seed: int = 7) -> str:
    """Copy the samples under ``top/venv/…/site-packages``, write ``top/app/.env``; the key written."""
    shutil.copytree(SAMPLES / "site-packages", top / SITE_PACKAGES)
    key = openai_key(seed)
    (top / "app").mkdir()
    (top / "app" / ".env").write_text(f"# settings\nOPENAI_API_KEY={key}\n", encoding="utf-8")
    return key


def expected_matches() -> dict[str, list[dict[str, Any]]]:
    """``{normalised name: [{"id", "aliases", "fixed"}…]}`` of the dataset (withdrawn advisories excluded)."""
    packages = json.loads((SAMPLES / "expected_pypa_matches.json").read_text())["packages"]
    return {item["normalized_name"]: item["pypa_advisories_matching"] for item in packages}


def scan_samples(top: Path, seed: int = 7) -> tuple[ScanResult, str]:
    """Build the root under ``top`` and scan it with the bundled advisories; the result and the key."""
    key = build_root(top, seed)
    stats = ReadStats()
    result = scan_root(DirectoryRoot(top, stats), db=AdvisoryDb.load(), catalog=AiCatalog.load(), stats=stats)
    return result, key
