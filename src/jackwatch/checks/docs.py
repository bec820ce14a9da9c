"""The check reference of the docs, generated from the metadata (``content/checks/<name>.yaml``).

A docs page holds the reference between two markers; :func:`update_page` rewrites what is between them, and the
test suite checks that the page is up to date::

    python -m jackwatch.checks.docs kubernetes docs/kubernetes-checks.md
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

from jackwatch.checks.base import CheckSpec, content_path, load_specs

BEGIN = "<!-- BEGIN GENERATED CHECK REFERENCE -->"
END = "<!-- END GENERATED CHECK REFERENCE -->"

_TOOLS = {"kubescape": "kubescape", "checkov": "Checkov"}


def render_reference(specs: Mapping[str, CheckSpec]) -> str:
    """A summary table, then one section per check: severity, description, remediation, equivalents, ATT&CK."""
    lines = ["| check | severity | title | kubescape | Checkov |", "|---|---|---|---|---|"]
    for spec in specs.values():
        kubescape = ", ".join(spec.refs.get("kubescape", ())) or "—"
        checkov = ", ".join(spec.refs.get("checkov", ())) or "—"
        lines.append(
            f"| [`{spec.id}`](#{_anchor(spec.id)}) | {spec.severity} | {spec.title} | {kubescape} | {checkov} |"
        )
    for spec in specs.values():
        lines += ["", f"### `{spec.id}`", "", f"**{spec.title}** — severity **{spec.severity}**.", ""]
        lines += [spec.description, "", f"*Remediation.* {spec.remediation}"]
        refs = [f"{_TOOLS.get(tool, tool)} {', '.join(ids)}" for tool, ids in spec.refs.items() if ids]
        if refs:
            lines += ["", f"*Equivalent controls.* {'; '.join(refs)}."]
        if spec.mitre:
            lines += ["", f"*MITRE ATT&CK.* {', '.join(spec.mitre)}."]
        lines += [f"*{key.replace('_', ' ').capitalize()}.* {value}" for key, value in spec.docs.items()]
    return "\n".join(lines) + "\n"


def _anchor(check_id: str) -> str:
    return check_id.replace(".", "").lower()


def update_page(page: str, specs: Mapping[str, CheckSpec]) -> str:
    """``page`` with the reference between its markers replaced (:class:`ValueError` without markers)."""
    start, end = page.find(BEGIN), page.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the page has no {BEGIN} … {END} markers")
    return page[: start + len(BEGIN)] + "\n\n" + render_reference(specs) + "\n" + page[end:]


def main(arguments: list[str]) -> int:
    """``NAME PAGE``: regenerate the reference of ``content/checks/NAME.yaml`` in the Markdown file ``PAGE``."""
    if len(arguments) != 2:
        print("usage: python -m jackwatch.checks.docs NAME PAGE", file=sys.stderr)
        return 2
    name, page = arguments
    path = Path(page)
    path.write_text(update_page(path.read_text(encoding="utf-8"), load_specs(content_path(name))), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
