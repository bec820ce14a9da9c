"""``jackwatch fix FINDING_ID [--apply FILE]``: the exact fix of a stored finding, verified, and applied on request.

For a Kubernetes finding the change of its manifest file is shown as a unified diff (comments and layout kept) and
verified before it is shown; ``--apply FILE`` writes it (atomic replacement), refusing a file whose object changed
since the scan. For a vulnerable package the upgrade, and the change of the requirements or pyproject file that
declares it (the scanned directory's, or ``--apply FILE``); for AWS the commands and policy documents; for a leaked
key the steps to rotate and remove it, never the key.

Exit codes: 0 done; 1 ``--format patch`` with no file change to print; 2 no such finding, or a fix that cannot be
made or applied safely.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

import orjson
import typer
from rich.console import Console
from rich.markup import escape

from jackwatch.cli.common import DbOption, store_at
from jackwatch.errors import ConfigError
from jackwatch.model import Finding
from jackwatch.remediate.errors import FixError
from jackwatch.remediate.files import FileChange, write_change
from jackwatch.remediate.packages import declares
from jackwatch.remediate.plan import Remedy, RemedyKind, manifest_fix, package_fix, remedy_of
from jackwatch.store import Store

MIN_PREFIX = 6
"""The shortest finding id prefix accepted."""
AMBIGUOUS_SHOWN = 5
"""Findings named when a prefix is ambiguous."""

EXIT_NOTHING = 1
REDACTED_NOTE = "keys in the diff are shown redacted: that part does not apply as shown (use --apply FILE)"
_LABELS = {"json_patch": "JSON patch", "strategic_merge_patch": "Strategic-merge patch", "create": "Object to create"}
DECLARATION_CHECK = "every declaration of the package admits the fixed version, and no longer the old one"


class FixFormat(StrEnum):
    """How a fix is shown."""

    TEXT = "text"
    JSON = "json"
    PATCH = "patch"


class Outcome:
    """A remedy with the file changes made for it: each change, its verification, whether it was written."""

    def __init__(self, remedy: Remedy) -> None:
        self.remedy = remedy
        self.changes: list[tuple[FileChange, list[str], bool]] = []


def fix(
    finding_id: str = typer.Argument(..., metavar="FINDING_ID", help="A finding id, or its first characters (6+)."),
    apply: Path | None = typer.Option(
        None, "--apply", metavar="FILE", help="Write the change to this manifest or requirements/pyproject file."
    ),
    db: str | None = DbOption,
    fmt: FixFormat = typer.Option(
        FixFormat.TEXT, "--format", "-f", help="text, json, or patch (the unified diff only).", case_sensitive=False
    ),
) -> int:
    """Show the exact fix of a stored finding: patches and the kubectl command, the change of your manifest as a
    unified diff (verified: applied, re-read and checked again), the package upgrade, the AWS commands, or the
    steps to rotate a key. --apply FILE writes the change."""
    with store_at(db) as store:
        finding = find_finding(store, finding_id)
        outcome = Outcome(remedy_of(finding))
        wanted = outcome.remedy.kind is RemedyKind.PACKAGE and apply is None
        files = declaring_files(store, finding) if wanted else []
    make_changes(outcome, apply, files)
    if fmt is FixFormat.PATCH:
        diffs = [change.shown_diff for change, _, _ in outcome.changes if change.diff]
        if not diffs:
            why = outcome.remedy.reason or "; ".join(outcome.remedy.notes) or "the fix changes no file"
            Console(stderr=True, highlight=False, soft_wrap=True).print(f"no file change: {escape(why)}")
            return EXIT_NOTHING
        sys.stdout.buffer.write("".join(diffs).encode())
        sys.stdout.buffer.flush()
        if any(change.shown_diff != change.diff for change, _, _ in outcome.changes):
            Console(stderr=True, highlight=False, soft_wrap=True).print(REDACTED_NOTE)
        return 0
    stream = sys.stdout.buffer
    if fmt is FixFormat.JSON:
        stream.write(orjson.dumps(outcome_to_dict(outcome), option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS))
        stream.write(b"\n")
    else:
        write_text(outcome, stream)
    stream.flush()
    return 0


def find_finding(store: Store, wanted: str) -> Finding:
    """The stored finding whose id is ``wanted`` or starts with it; a :class:`ConfigError` when there is none or
    more than one."""
    text = wanted.strip().lower()
    found = store.get(text)
    if found is not None:
        return found
    if len(text) < MIN_PREFIX:
        raise ConfigError(f"give at least {MIN_PREFIX} characters of the finding id, not {wanted!r}")
    matches = store.findings_with_prefix(text, limit=AMBIGUOUS_SHOWN)
    if not matches:
        raise ConfigError(f"no finding {wanted} in the store {store.url} (jackwatch findings lists them)")
    if len(matches) > 1:
        shown = ", ".join(f"{f.id[:12]} ({f.rule_id})" for f in matches)
        more = " and more" if len(matches) == AMBIGUOUS_SHOWN else ""
        raise ConfigError(f"{wanted} names several findings: {shown}{more}; give more characters")
    return matches[0]


def declaring_files(store: Store, finding: Finding) -> list[Path]:
    """The files of the scanned directory that declare a vulnerable package (requirements, pyproject next to a
    lock file), when the scan was of a directory that is still there."""
    ids = set(finding.evidence.get("assets") or [])
    parents = {asset.parent for asset in store.assets(kind="package") if asset.id in ids}
    roots = [Path(str(root.attrs["path"])) for root in store.assets(kind="filesystem") if root.id in parents]
    files: list[Path] = []
    for root in roots:
        for place in finding.evidence.get("locations") or []:
            relative = str(place).lstrip("/")
            candidates = [relative] if declares(relative) else []
            folder = relative.rpartition("/")[0]
            candidates.append(f"{folder}/pyproject.toml" if folder else "pyproject.toml")
            for candidate in candidates:
                path = root / candidate
                if path.is_file() and path not in files:
                    files.append(path)
    return files


def make_changes(outcome: Outcome, apply: Path | None, files: Sequence[Path]) -> None:
    """Make (and with ``apply``, write) the file changes of the remedy; problems with files found on their own
    become notes, problems with ``apply`` are errors."""
    remedy = outcome.remedy
    if apply is not None and remedy.kind not in (RemedyKind.KUBERNETES, RemedyKind.PACKAGE):
        raise ConfigError("--apply changes a manifest or a requirements file: this finding's fix is not a file change")
    if remedy.kind is RemedyKind.KUBERNETES:
        path = apply or _manifest_path(remedy)
        if path is None:
            return
        try:
            change, verification = manifest_fix(remedy, path)
        except FixError as error:
            if apply is not None:
                raise
            remedy.notes.append(f"no change of {path}: {error}")
            return
        _keep(outcome, change, list(verification.checks), apply)
    elif remedy.kind is RemedyKind.PACKAGE:
        for path in [apply] if apply is not None else files:
            try:
                change = package_fix(remedy, path)
            except FixError as error:
                if apply is not None:
                    raise
                remedy.notes.append(f"no change of {path}: {error}")
                continue
            _keep(outcome, change, [DECLARATION_CHECK], apply)


def _keep(outcome: Outcome, change: FileChange, checks: list[str], apply: Path | None) -> None:
    outcome.remedy.notes.extend(change.notes)
    if apply is not None and change.old != change.new:
        write_change(change, apply)
    outcome.changes.append((change, checks, apply is not None and change.old != change.new))


def _manifest_path(remedy: Remedy) -> Path | None:
    """The manifest a Kubernetes fix applies to, as the scan recorded it (a note when it is not at hand)."""
    fix = remedy.fix or {}
    target = fix.get("object") if "object" in fix else remedy.finding.evidence.get("resource")
    file = target.get("file") if isinstance(target, Mapping) else None
    if not isinstance(file, str) or not file or file.startswith("<"):
        where = "a live cluster" if not file else "standard input"
        remedy.notes.append(f"the object was read from {where}: give its manifest with --apply FILE to change it")
        return None
    path = Path(file)
    if not path.is_file():
        remedy.notes.append(f"{file} is not here (run from where the scan ran, or give --apply FILE)")
        return None
    return path


def outcome_to_dict(outcome: Outcome) -> dict[str, Any]:
    """The fix as JSON data."""
    remedy, finding = outcome.remedy, outcome.remedy.finding
    return {
        "finding": {
            "id": finding.id,
            "rule_id": finding.rule_id,
            "kind": str(finding.kind),
            "title": finding.title,
            "severity": str(finding.severity),
            "subject": finding.subject,
            "resource": finding.evidence.get("resource"),
        },
        "fix": {
            "kind": str(remedy.kind),
            "summary": remedy.summary,
            "reason": remedy.reason,
            "remediation": remediation_of(finding.rule_id),
            "steps": remedy.steps,
            "commands": remedy.commands,
            "documents": remedy.documents,
            "changes": [
                {"path": change.path, "diff": change.shown_diff, "verified": checks, "written": written}
                for change, checks, written in outcome.changes
            ],
            "notes": remedy.notes,
        },
    }


def remediation_of(rule_id: str) -> str | None:
    """The check's remediation text, when the finding comes from a check."""
    if rule_id.startswith("k8s."):
        from jackwatch.checks.kubernetes import registry as kubernetes_checks

        spec = kubernetes_checks.specs.get(rule_id)
    elif rule_id.startswith("aws."):
        from jackwatch.checks.aws import registry as aws_checks

        spec = aws_checks.specs.get(rule_id)
    else:
        return None
    return spec.remediation if spec is not None else None


def write_text(outcome: Outcome, stream: IO[bytes]) -> None:
    """The fix for people: what, steps, commands, documents, and each file change with what verified it."""
    buffer = io.StringIO()
    console = Console(file=buffer, no_color=True, width=200, highlight=False, soft_wrap=True)
    remedy, finding = outcome.remedy, outcome.remedy.finding
    say = console.print
    say(f"Finding {finding.id} {finding.rule_id} ({finding.severity})", markup=False)
    say(f"  {finding.title}: {finding.subject}", markup=False)
    if remedy.kind is RemedyKind.NONE:
        say(f"No automatic fix: {remedy.reason}", markup=False)
        remediation = remediation_of(finding.rule_id)
        if remediation:
            say(f"What to do: {remediation}", markup=False)
    else:
        say(f"Fix: {remedy.summary}", markup=False)
    for number, step in enumerate(remedy.steps, 1):
        say(f"  {number}. {step}", markup=False)
    if remedy.commands:
        say("Commands:", markup=False)
        for command in remedy.commands:
            say(_indented(command, "  $ "), markup=False)
    for name, document in remedy.documents.items():
        if name in ("requirement", "version"):
            say(f"{name.capitalize()}: {document}", markup=False)
            continue
        say(f"{_LABELS.get(name, name.replace('_', ' ').capitalize())}:", markup=False)
        say(_indented(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode(), "  "), markup=False)
    for change, checks, written in outcome.changes:
        if not change.diff:
            say(f"{change.path}: already fixed, nothing to change", markup=False)
            continue
        say(f"Change of {change.path}{' (written)' if written else ''}:", markup=False)
        say(change.shown_diff.rstrip("\n"), markup=False)
        if change.shown_diff != change.diff:
            say(f"  {REDACTED_NOTE}", markup=False)
        for check in checks:
            say(f"  verified: {check}", markup=False)
    for note in remedy.notes:
        say(f"Note: {note}", markup=False)
    stream.write(buffer.getvalue().encode())


def _indented(text: str, first: str) -> str:
    pad = " " * len(first)
    lines = text.splitlines() or [""]
    return "\n".join([first + lines[0], *(pad + line for line in lines[1:])])
