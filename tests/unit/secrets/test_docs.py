"""docs/secrets.md describes the catalogue as it is: one table row per detector, with its category and provider."""

from __future__ import annotations

import re
from pathlib import Path

from jackwatch.inventory.leaks import MAX_NOTEBOOK_BYTES, MAX_SCANNED_BYTES
from jackwatch.secrets import DETECTORS

DOC = Path(__file__).resolve().parents[3] / "docs" / "secrets.md"
ROW = re.compile(
    r"^\| `(?P<kind>[a-z0-9_]+)` \| (?P<category>[a-z_]+) \| (?P<provider>`[a-z0-9_]+`|—) \|", re.MULTILINE
)


def test_every_detector_has_its_row_in_catalogue_order() -> None:
    rows = [(m["kind"], m["category"], m["provider"].strip("`")) for m in ROW.finditer(DOC.read_text("utf-8"))]
    assert rows == [(d.kind, str(d.category), d.provider or "—") for d in DETECTORS]


def test_the_limits_of_root_scanning_are_the_ones_in_the_code() -> None:
    text = DOC.read_text("utf-8")
    assert f"{MAX_SCANNED_BYTES // 2**20} MiB (`MAX_SCANNED_BYTES`)" in text
    assert f"{MAX_NOTEBOOK_BYTES // 2**20} MiB (`MAX_NOTEBOOK_BYTES`" in text
