"""Unified diffs: what ``diff -u`` writes, applied back exactly (files without a final newline too), and refused
where the text differs from the diff's context."""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.unit.secrets.samples import openai_key

from jackwatch.remediate.diff import apply_diff, redact_secrets, unified_diff
from jackwatch.remediate.errors import FixError

lines = st.lists(st.sampled_from(["a\n", "b\n", "c\n", "  d: 1\n", "# e\n", "f"]), max_size=30).map("".join)


@given(lines, lines)
def test_a_diff_applies_back_to_the_new_text(old: str, new: str) -> None:
    diff = unified_diff(old, new, "m.yaml")
    assert apply_diff(old, diff) == new
    assert (diff == "") == (old == new)


def test_the_diff_reads_as_diff_u_writes_it() -> None:
    diff = unified_diff("a\nb\nc\n", "a\nB\nc", "m.yaml")
    assert diff == "--- m.yaml\n+++ m.yaml\n@@ -1,3 +1,3 @@\n a\n-b\n-c\n+B\n+c\n\\ No newline at end of file\n"


@pytest.mark.skipif(shutil.which("patch") is None, reason="no patch program")
def test_patch_applies_it(tmp_path: Path) -> None:
    old = "".join(f"line {i}\n" for i in range(40))
    new = old.replace("line 3\n", "line three\n").replace("line 30\n", "") + "end"
    (tmp_path / "m.yaml").write_text(old)
    diff = unified_diff(old, new, "m.yaml")
    subprocess.run(["patch", "-s", "-p0"], input=diff.encode(), cwd=tmp_path, check=True)
    assert (tmp_path / "m.yaml").read_text() == new


def test_a_diff_whose_context_differs_is_refused() -> None:
    diff = unified_diff("a\nb\nc\n", "a\nx\nc\n", "m.yaml")
    with pytest.raises(FixError, match="does not apply at line 2"):
        apply_diff("a\nB\nc\n", diff)


def test_keys_in_a_diff_are_shown_redacted() -> None:
    key = openai_key(random.Random(4)).secret
    diff = unified_diff(f"a: 1\nvalue: '{key}'\n", "a: 2\n", "m.yaml")
    shown, count = redact_secrets(diff)
    assert count == 1 and key not in shown and f"-value: '{key[:4]}…{key[-3:]}'" in shown
    assert redact_secrets("--- m\n+++ m\n") == ("--- m\n+++ m\n", 0)
