"""Properties of the risk engine over generated scenarios (manifests scanned, images matched, detections):
a risk never lists a factor without supporting findings, and accepting every finding that supports one of its
necessary factors removes the risk."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.unit.correlate.scenario import (
    EXPERIMENTAL,
    FASTAPI,
    GRADIO,
    LANGCHAIN,
    NOW,
    App,
    aws_user,
    cloud,
    in_use,
    inputs,
    runtime,
)

from jackwatch.correlate.build import build_graph
from jackwatch.correlate.inputs import GraphInputs
from jackwatch.correlate.risk import RiskCatalog, evaluate
from jackwatch.model import Severity

CATALOG = RiskCatalog.load()
DEFINITIONS = {definition.id: definition for definition in CATALOG.definitions}
PACKAGES = [LANGCHAIN, GRADIO, FASTAPI, EXPERIMENTAL]
RULES = ["aws.bedrock.invocation_volume", "aws.iam.key_recon", "aws.bedrock.new_source"]


@st.composite
def scenarios(draw: st.DrawFn) -> GraphInputs:
    names = draw(st.lists(st.sampled_from(["chat", "api", "chat-worker"]), min_size=1, max_size=3, unique=True))
    apps = [
        App(
            name=name,
            exposed=draw(st.sampled_from([None, "LoadBalancer", "NodePort", "Ingress"])),
            privileged=draw(st.booleans()),
            openai_key=draw(st.booleans()),
            aws_key=draw(st.booleans()),
            irsa=draw(st.booleans()),
            image=draw(st.sampled_from(["registry.example.com/shop/chat:2.0", "nginx:1.25"])),
        )
        for name in names
    ]
    packages = draw(st.lists(st.sampled_from(PACKAGES), max_size=4, unique=True))
    used = [in_use(*package) for package in packages if draw(st.booleans())]
    findings = []
    for name in names:
        if draw(st.booleans()):
            severity = draw(st.sampled_from([Severity.LOW, Severity.MEDIUM, Severity.CRITICAL]))
            age = draw(st.sampled_from([0, 3, 10]))
            pod = f"shop/{name}-6f9d8c7b5-k2x4q"
            findings.append(runtime(pod=pod, container=name, severity=severity, when=NOW - timedelta(days=age)))
    for rule in draw(st.lists(st.sampled_from(RULES), max_size=3, unique=True)):
        models = () if rule == "aws.iam.key_recon" else ("anthropic.claude-3-opus-20240229-v1:0",)
        findings.append(cloud(rule, models=models, severity=draw(st.sampled_from([Severity.LOW, Severity.HIGH]))))
    assets = [aws_user(can_invoke=draw(st.booleans()))] if draw(st.booleans()) else []
    return inputs(*apps, packages=packages, findings=findings, assets=assets, used=used)


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(scenarios())
def test_every_factor_of_a_risk_has_supporting_findings(scenario: GraphInputs) -> None:
    known = {finding.id for finding in scenario.findings}
    for risk in evaluate(build_graph(scenario), CATALOG, NOW):
        definition = DEFINITIONS[risk.definition]
        present = {factor.name for factor in risk.factors}
        assert set(definition.necessary) <= present
        assert present <= {*definition.necessary, *definition.optional}
        assert risk.score == sum(factor.weight for factor in risk.factors)
        for factor in risk.factors:
            assert factor.findings, (risk.definition, factor.name)
            assert set(factor.findings) <= known
            assert factor.necessary == (factor.name in definition.necessary)


@SETTINGS
@given(scenarios())
def test_accepting_the_support_of_a_necessary_factor_removes_the_risk(scenario: GraphInputs) -> None:
    for risk in evaluate(build_graph(scenario), CATALOG, NOW):
        for factor in risk.factors:
            if not factor.necessary:
                continue
            after = evaluate(build_graph(scenario.without(set(factor.findings))), CATALOG, NOW)
            assert not [r for r in after if (r.definition, r.subject) == (risk.definition, risk.subject)], (
                risk.definition,
                factor.name,
            )
