"""Properties of leak scanning: wherever a generated key of any kind sits (an environment, a history, a notebook
cell or output, a config file), it is found with its fingerprint, and no leak ever holds the key."""

from __future__ import annotations

import json
import random
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.unit.inventory.trees import write
from tests.unit.secrets.samples import SAMPLES, Sample

from jackwatch.inventory.directory import DirectoryRoot
from jackwatch.inventory.leaks import Leak, scan_commands, scan_environment, scan_root
from jackwatch.secrets import fingerprint
from jackwatch.sources.stats import ReadStats

KINDS = sorted(SAMPLES)
PROSE = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789 .,:;!?()", max_size=80)


def samples(kinds: list[str], seed: int) -> list[Sample]:
    rng = random.Random(seed)
    return [SAMPLES[kind](rng) for kind in kinds]


def assert_never_kept(leaks: list[Leak], found: list[Sample]) -> None:
    for leak in leaks:
        shown = (repr(leak), leak.describe(), leak.where, leak.redacted, str(leak.location), leak.within or "")
        assert not any(sample.secret in text for sample in found for text in shown)


@settings(max_examples=150)
@given(kinds=st.lists(st.sampled_from(KINDS), min_size=1, max_size=4), seed=st.integers(0, 2**32))
def test_keys_in_environment_variables_and_history_steps(kinds: list[str], seed: int) -> None:
    found = samples(kinds, seed)
    env = {f"VAR_{number}": sample.text for number, sample in enumerate(found)}
    leaks = scan_environment(env)
    assert [leak.fingerprint for leak in leaks] == [fingerprint(sample.secret) for sample in found]
    assert [leak.within for leak in leaks] == list(env)
    history = scan_commands([f"RUN cat > /etc/app.conf <<'EOF'\n{sample.text}\nEOF" for sample in found])
    assert [leak.fingerprint for leak in history] == [fingerprint(sample.secret) for sample in found]
    assert_never_kept(leaks + history, found)


@settings(max_examples=60, deadline=None)
@given(
    kind=st.sampled_from(KINDS),
    seed=st.integers(0, 2**32),
    cell=st.integers(0, 3),
    in_output=st.booleans(),
    before=PROSE,
)
def test_a_key_anywhere_in_a_notebook(kind: str, seed: int, cell: int, in_output: bool, before: str) -> None:
    (sample,) = samples([kind], seed)
    cells: list[dict[str, object]] = [
        {"cell_type": "code", "metadata": {}, "source": [f"# {before}\n", "x = 1"], "outputs": []} for _ in range(4)
    ]
    text = f"{before}\n{sample.text}\n"
    if in_output:
        cells[cell]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": text.splitlines(True)}]
    else:
        cells[cell]["source"] = text.splitlines(True)
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}
    with tempfile.TemporaryDirectory() as top:
        write(Path(top), "work/analysis.ipynb", json.dumps(notebook, indent=1))
        stats = ReadStats()
        leaks = scan_root(DirectoryRoot(top, stats), stats)
    assert [(leak.kind, leak.fingerprint) for leak in leaks] == [(kind, fingerprint(sample.secret))]
    assert leaks[0].within == f"cell {cell + 1}" + (" output 1" if in_output else "")
    assert_never_kept(leaks, [sample])
