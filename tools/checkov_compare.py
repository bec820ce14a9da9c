"""Our Kubernetes checks against Checkov's equivalents on the same manifests: a side-by-side table for the docs.

Usage::

    python tools/checkov_compare.py [--checkov PATH] [--output FILE]

The manifests are the labelled cases of the conformance corpora (``shared/datasets``: kubescape's workload cases
and Polaris' check tests, those ``tests/conformance`` compares with). Each case's files are copied into a folder of
its own, Checkov (``pip install checkov``, run as a command: it need not share jackwatch's environment) scans them
all at once (``--framework kubernetes -o json``), and for every case and every check of ours that names Checkov ids
(``refs.checkov`` in ``content/checks/kubernetes.yaml``) the two verdicts are compared: Checkov fails the case when
one of those ids fails on one of its objects, passes it when they pass, and has no verdict when it evaluated none of
them (a kind it does not check). Prints a Markdown summary table and the list of disagreements.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conformance.corpora import Case, inventory_of, kubescape_cases, polaris_cases

from jackwatch.checks.kubernetes import registry


@dataclass(frozen=True)
class Verdicts:
    """Checkov's failed and passed check ids per case folder."""

    failed: dict[str, set[str]]
    passed: dict[str, set[str]]


def run_checkov(checkov: str, cases: list[Case], work: Path) -> tuple[Verdicts, dict[str, Case]]:
    folders: dict[str, Case] = {}
    for number, case in enumerate(cases):
        folder = work / f"case{number:04d}"
        folder.mkdir()
        for index, source in enumerate(case.inputs):
            suffix = ".json" if source.suffix == ".json" else ".yaml"
            shutil.copyfile(source, folder / f"input{index}{suffix}")
        folders[folder.name] = case
    command = [checkov, "-d", str(work), "--framework", "kubernetes", "-o", "json", "--quiet", "--compact"]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if not completed.stdout.strip():
        raise SystemExit(f"checkov gave no output (exit {completed.returncode}): {completed.stderr[-2000:]}")
    report = json.loads(completed.stdout)
    reports = report if isinstance(report, list) else [report]
    failed: dict[str, set[str]] = {}
    passed: dict[str, set[str]] = {}
    for item in reports:
        results = item.get("results", {})
        for kind, into in (("failed_checks", failed), ("passed_checks", passed)):
            for check in results.get(kind, []):
                folder = Path(check["file_path"].lstrip("/")).parts[0]
                into.setdefault(folder, set()).add(check["check_id"])
    return Verdicts(failed, passed), folders


def compare(verdicts: Verdicts, folders: dict[str, Case]) -> tuple[list[dict[str, Any]], list[str]]:
    rows: dict[str, Counter[str]] = {}
    disagreements: list[str] = []
    for folder, case in folders.items():
        inventory = inventory_of(case)
        for check, spec in registry.specs.items():
            ids = set(spec.refs.get("checkov", ()))
            if not ids:
                continue
            ours = bool(registry.hits(check, inventory))
            failed = ids & verdicts.failed.get(folder, set())
            passed = ids & verdicts.passed.get(folder, set())
            counts = rows.setdefault(check, Counter())
            if not failed and not passed:
                counts["no Checkov verdict"] += 1
                continue
            theirs = bool(failed)
            counts["cases"] += 1
            if ours == theirs:
                counts["agree"] += 1
            else:
                counts["only jackwatch fails" if ours else "only Checkov fails"] += 1
                what = "jackwatch fails, Checkov passes" if ours else f"Checkov fails ({', '.join(sorted(failed))})"
                disagreements.append(f"{check} on {case.label}: {what}")
    table = [
        {"check": check, "checkov": ", ".join(registry.specs[check].refs["checkov"]), **counts}
        for check, counts in rows.items()
    ]
    return table, disagreements


def markdown(table: list[dict[str, Any]], disagreements: list[str]) -> str:
    columns = ["cases", "agree", "only jackwatch fails", "only Checkov fails", "no Checkov verdict"]
    lines = [
        "| check | Checkov | " + " | ".join(columns) + " |",
        "|---|---|" + "---|" * len(columns),
    ]
    total: Counter[str] = Counter()
    for row in table:
        lines.append(
            f"| `{row['check']}` | {row['checkov']} | " + " | ".join(str(row.get(c, 0)) for c in columns) + " |"
        )
        total.update({c: row.get(c, 0) for c in columns})
    lines.append("| **all** | | " + " | ".join(f"**{total[c]}**" for c in columns) + " |")
    lines.append("")
    lines.append(f"Disagreements ({len(disagreements)}):")
    lines.append("")
    lines.extend(f"- {item}" for item in sorted(disagreements))
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkov", default="checkov", help="the checkov command (default: checkov on PATH)")
    parser.add_argument("--output", type=Path, help="write the Markdown here instead of stdout")
    options = parser.parse_args()
    cases = [*kubescape_cases(), *polaris_cases()]
    with tempfile.TemporaryDirectory() as directory:
        verdicts, folders = run_checkov(options.checkov, cases, Path(directory))
    table, disagreements = compare(verdicts, folders)
    text = markdown(table, disagreements)
    if options.output:
        options.output.write_text(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
