"""``jackwatch paths``: attack paths from the internet (and from leaked keys) to LLM keys, identities that can invoke
models and AI services, each hop with the findings that enable it."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

import orjson
import typer

from jackwatch.cli.common import DbOption, OutputOption, output_stream, store_at
from jackwatch.cli.risks import load_inputs
from jackwatch.correlate.build import build_graph
from jackwatch.correlate.graph import AttackGraph
from jackwatch.correlate.paths import LIMIT, MAX_HOPS, PathSearch, crown_jewels, find_paths
from jackwatch.correlate.report import path_dict, paths_dot, paths_mermaid, paths_text
from jackwatch.errors import ConfigError
from jackwatch.model import AttackPath


class PathFormat(StrEnum):
    """How attack paths are written."""

    TEXT = "text"
    JSON = "json"
    MERMAID = "mermaid"
    DOT = "dot"


def paths(
    to: str | None = typer.Option(
        None,
        "--to",
        metavar="TARGET",
        help="Paths to this: llm_key, identity, ai_service, model, a node id, or part of a name (bedrock).",
    ),
    max_hops: int = typer.Option(MAX_HOPS, "--max-hops", min=1, max=30, help="The longest path searched."),
    fmt: PathFormat = typer.Option(
        PathFormat.TEXT, "--format", "-f", help="text, json, mermaid or dot (Graphviz).", case_sensitive=False
    ),
    output: Path | None = OutputOption,
    db: str | None = DbOption,
) -> int:
    """List attack paths: from the internet (and from each leaked key) to the crown jewels — LLM keys, cloud
    identities that can invoke models, AI services (models with --to model) — through exposure, workloads, keys and
    identities, each hop citing the findings that enable it (accepted findings left out: jackwatch accept)."""
    with store_at(db) as store:
        inputs, accepted = load_inputs(store)
        url = store.url
    graph = build_graph(inputs)
    if to is not None and not crown_jewels(graph, to):
        raise ConfigError(f"--to {to!r} names no node: use llm_key, identity, ai_service, model, or part of a name")
    search = find_paths(graph, to=to, max_hops=max_hops)
    stats = {"paths": len(search.paths), "truncated": search.truncated, "accepted_findings": len(accepted)}
    write_paths(fmt, graph, search, {**stats, "store": url}, output)
    return 0


def write_paths(
    fmt: PathFormat, graph: AttackGraph, search: PathSearch, stats: dict[str, Any], output: Path | None
) -> None:
    """Write the paths in ``fmt`` to ``output`` (or stdout)."""
    with output_stream(output) as stream:
        if fmt is PathFormat.JSON:
            body = {"paths": paths_json(graph, search.paths), "stats": stats}
            stream.write(orjson.dumps(body, option=orjson.OPT_INDENT_2) + b"\n")
        elif fmt is PathFormat.MERMAID:
            stream.write(paths_mermaid(graph, search.paths).encode())
        elif fmt is PathFormat.DOT:
            stream.write(paths_dot(graph, search.paths).encode())
        else:
            text = paths_text(graph, search.paths)
            if search.truncated:
                text += f"(the search stopped after {LIMIT} paths: narrow it with --to or --max-hops)\n"
            stream.write(text.encode())


def paths_json(graph: AttackGraph, found: Sequence[AttackPath]) -> list[dict[str, Any]]:
    """The paths as JSON data."""
    return [path_dict(graph, path) for path in found]
