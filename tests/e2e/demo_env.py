"""Where the demo environment and its manifests are in the checkout."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.runner import REPO

DEMO = REPO / "examples" / "openai-app"
DEMO_TRAIL = DEMO / "cloudtrail"
DEMO_INVOCATIONS = DEMO / "bedrock-invocations"
DEMO_BILLING = DEMO / "billing"
DEMO_SETTINGS = DEMO / "jackwatch.yaml"
BAD_INPUT = DEMO / "bad-input"
MANIFEST_CANDIDATES = (DEMO / "expected.json", DEMO / "expected" / "cloudtrail.json", DEMO_TRAIL / "expected.json")
"""Where the manifest of expected detections may be, in order of preference."""
BAD_INPUT_MANIFEST_CANDIDATES = (BAD_INPUT / "expected.json", DEMO / "expected" / "bad-input.json")
"""Where the manifest of the bad-input files may be, in order of preference."""
COST_MANIFEST = DEMO / "expected" / "bedrock-billing.json"
"""The manifest of the invocation logs and the billing export: their detections, and the incident with its cost."""
DEMO_RUNTIME = DEMO / "runtime"
RUNTIME_MANIFEST = DEMO / "expected" / "runtime.json"
"""The manifest of the runtime trace: its detections, the process in focus, the packages in use."""


def first_existing(candidates: tuple[Path, ...]) -> Path | None:
    """The first of ``candidates`` that is a file."""
    return next((path for path in candidates if path.is_file()), None)
