"""The built-in risk content and its page agree: every factor with its weight and scope, every risk with its
subject and necessary factors, and the page's example definition loads and works as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.unit.correlate.scenario import NOW, App, aws_user, cloud, graph_of

from jackwatch.correlate.risk import RiskCatalog, RiskDefinition, evaluate, load_definitions

PAGE = Path(__file__).resolve().parents[2] / "docs" / "risks.md"
CATALOG = RiskCatalog.load()
TEXT = PAGE.read_text(encoding="utf-8")


@pytest.mark.parametrize("factor", sorted(CATALOG.factors))
def test_every_factor_is_documented_with_its_weight_and_scope(factor: str) -> None:
    spec = CATALOG.factors[factor]
    assert f"| `{factor}` | {spec.weight} | {spec.scope} |" in TEXT


@pytest.mark.parametrize("definition", CATALOG.definitions, ids=lambda d: d.id)
def test_every_risk_is_documented_with_its_subject_and_factors(definition: RiskDefinition) -> None:
    row = f"| `{definition.id}` | {definition.subject} | {', '.join(definition.necessary)} | "
    assert row in TEXT
    line = TEXT[TEXT.index(row) :].splitlines()[0]
    assert f"| {', '.join(definition.optional)} | {definition.severity} →" in line


def test_the_example_definition_loads_and_works(tmp_path: Path) -> None:
    [example] = re.findall(r"```yaml\n# example: risk definition\n(.*?)```", TEXT, re.DOTALL)
    path = tmp_path / "mine.yaml"
    path.write_text(example, encoding="utf-8")
    catalog = RiskCatalog(CATALOG.factors, tuple(load_definitions(path, CATALOG.factors)))
    graph = graph_of(
        App(aws_key=True), packages=[("gradio", "3.50.2")], findings=[cloud("aws.bedrock.invocation_volume")]
    )
    [risk] = evaluate(graph, catalog, NOW)
    assert risk.definition == "team.exposed_ai_with_cloud_identity" and str(risk.severity) == "critical"
    assert not evaluate(
        graph_of(App(aws_key=True), packages=[("gradio", "3.50.2")], assets=[aws_user(can_invoke=True)]), catalog, NOW
    )
