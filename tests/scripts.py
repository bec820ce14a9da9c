"""Importing the project's scripts (``tools/``, ``benchmarks/``, ``examples/``), which are not packages."""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path
from types import ModuleType


@cache
def load_script(path: Path) -> ModuleType:
    """The script at ``path``, imported once under its file name (so its dataclasses and pickles resolve)."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
