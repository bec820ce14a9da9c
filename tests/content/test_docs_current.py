"""The documentation matches the code: the generated rule and field references, and the examples of docs/rules.md."""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from itertools import islice
from pathlib import Path

import pytest

from jackwatch.normalize.asn import AsnDb
from jackwatch.rules.docs import render_rule_docs
from jackwatch.rules.fields.docs import render_field_docs
from jackwatch.rules.inline_tests import run_inline_tests
from jackwatch.rules.loader import builtin_rule_files, load_rules, load_texts
from jackwatch.rules.settings import apply_settings, parse_settings
from jackwatch.rules.sources import SourceRegistry, default_registry
from jackwatch.yamlsource import read_yaml

DOCS = Path(__file__).resolve().parents[2] / "docs"
GUIDE = DOCS / "rules.md"
STALE = "is not the generator's output for the built-in pack: run `make docs`"

_EXAMPLE = re.compile(r"```yaml\n# example: (standalone|after the built-in pack|settings)\n(.*?)```", re.DOTALL)
"""A YAML block of the guide that must work as written; its first line says how it is loaded. A standalone
example must load cleanly and its inline tests pass; one loaded after the built-in pack must load cleanly; a
settings example must apply to the built-in pack."""


@lru_cache(maxsize=1)
def registry() -> SourceRegistry:
    return default_registry(AsnDb.load())


def examples() -> list[tuple[str, str, str]]:
    text = GUIDE.read_text(encoding="utf-8")
    return [
        (f"docs/rules.md:{text.count(chr(10), 0, found.start()) + 2}", found[1], found[2])
        for found in _EXAMPLE.finditer(text)
    ]


def sources() -> list[str]:
    return sorted(registry().sources)


def assert_current(page: Path, expected: str) -> None:
    assert page.is_file(), f"{page} is missing: run `make docs`"
    actual = page.read_text(encoding="utf-8")
    if actual != expected:
        diff = difflib.unified_diff(
            actual.splitlines(), expected.splitlines(), "docs (committed)", "docs (generated)", lineterm=""
        )
        pytest.fail(f"{page.relative_to(DOCS.parent)} {STALE}\n" + "\n".join(islice(diff, 40)))


@pytest.mark.parametrize("source", sources())
def test_rule_reference_is_current(source: str) -> None:
    loaded = load_rules(builtin_rule_files(), registry())
    assert not loaded.errors, "\n".join(map(str, loaded.errors))
    assert_current(DOCS / "rules" / f"{source}.md", render_rule_docs(loaded.ruleset, source))


@pytest.mark.parametrize("source", sources())
def test_field_reference_is_current(source: str) -> None:
    found = registry().get(source)
    assert found is not None
    assert_current(DOCS / "fields" / f"{source}.md", render_field_docs(found.fields))


def test_the_guide_has_examples() -> None:
    kinds = {kind for _, kind, _ in examples()}
    assert kinds == {"standalone", "after the built-in pack", "settings"}


@pytest.mark.parametrize(("where", "kind", "text"), examples(), ids=[where for where, _, _ in examples()])
def test_guide_example_works_as_written(where: str, kind: str, text: str) -> None:
    builtin = [(str(path), path.read_text(encoding="utf-8")) for path in builtin_rule_files()]
    if kind == "settings":
        document = read_yaml(text, where).values[0]
        assert isinstance(document, dict)
        ruleset = load_texts(builtin, registry()).ruleset
        apply_settings(ruleset, parse_settings(document["rules"], ruleset.rules[0].location))
        return
    loaded = load_texts([*(builtin if kind == "after the built-in pack" else []), (where, text)], registry())
    problems = [f"error {error}" for error in loaded.errors] + [f"warning {warning}" for warning in loaded.warnings]
    assert not problems, "\n".join(problems)
    if kind == "standalone":
        outcomes = run_inline_tests(loaded, registry())
        assert outcomes, f"{where}: the example has no inline test"
        failed = [f"{o.rule_id}: {o.name}: {o.message} ({o.location})" for o in outcomes if not o.passed]
        assert not failed, "\n".join(failed)
