"""The check reference in docs/kubernetes-checks.md is the one the metadata generates, and the page keeps its
conformance and Checkov sections."""

from __future__ import annotations

from pathlib import Path

import pytest

from jackwatch.checks.docs import BEGIN, END, render_reference, update_page
from jackwatch.checks.kubernetes import registry

PAGE = Path(__file__).resolve().parents[4] / "docs" / "kubernetes-checks.md"


def test_the_reference_is_up_to_date() -> None:
    page = PAGE.read_text(encoding="utf-8")
    assert update_page(page, registry.specs) == page, (
        "regenerate: python -m jackwatch.checks.docs kubernetes docs/kubernetes-checks.md"
    )


def test_every_check_is_documented_with_its_equivalents() -> None:
    reference = render_reference(registry.specs)
    for spec in registry.specs.values():
        assert f"### `{spec.id}`" in reference and spec.remediation in reference
    assert (
        "| [`k8s.container.privileged`](#k8scontainerprivileged) | high | Container runs privileged | C-0057 |"
        in reference
    )


def test_the_page_has_the_conformance_figures_and_the_checkov_table() -> None:
    page = PAGE.read_text(encoding="utf-8")
    assert "## Conformance" in page and "98.1 %" in page and "<!-- BEGIN CHECKOV TABLE -->" in page


def test_a_page_without_markers_is_refused() -> None:
    with pytest.raises(ValueError, match="markers"):
        update_page("# nothing\n", registry.specs)
    assert update_page(f"a\n{BEGIN}\nold\n{END}\nb\n", registry.specs).startswith(f"a\n{BEGIN}\n\n| check |")
