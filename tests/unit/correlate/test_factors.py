"""Each risk factor holds when (and only when) a finding supports it, seen from a workload or a cloud identity."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from tests.unit.correlate.scenario import (
    EXPERIMENTAL,
    FASTAPI,
    GRADIO,
    LANGCHAIN,
    NOW,
    USER,
    App,
    aws_user,
    cloud,
    graph_of,
    image,
    in_use,
    inputs,
    runtime,
    workload_ref,
)

from jackwatch.correlate.build import build_graph
from jackwatch.correlate.factors import FACTORS_FILE, content_dir, load_factors, supporting, view
from jackwatch.correlate.graph import AttackGraph
from jackwatch.errors import ContentError
from jackwatch.model import Finding, FindingKind, Severity

FACTORS = load_factors()


def holds(graph: AttackGraph, factor: str, subject: str | None = None) -> list[Finding]:
    """The findings supporting ``factor`` for ``subject`` (the chat workload by default)."""
    seen = view(graph, graph.nodes[subject or workload_ref()])
    return supporting(graph, FACTORS[factor], seen, NOW)


def rules(found: list[Finding]) -> set[str]:
    return {finding.rule_id for finding in found}


def test_the_built_in_factors_load() -> None:
    assert set(FACTORS) == {
        "internet_exposed",
        "privileged",
        "vulnerable_ai_package",
        "ai_package_in_use",
        "critical_vulnerability",
        "leaked_key",
        "runtime_detection",
        "identity_can_invoke_llm",
        "llmjacking_activity",
    }
    assert all(spec.weight > 0 and spec.description for spec in FACTORS.values())


@pytest.mark.parametrize("how", ["LoadBalancer", "NodePort", "Ingress"])
def test_internet_exposed(how: str) -> None:
    assert rules(holds(graph_of(App(exposed=how)), "internet_exposed")) == {"k8s.workload.internet_exposed"}


def test_not_internet_exposed() -> None:
    assert not holds(graph_of(App(exposed=None)), "internet_exposed")


def test_privileged() -> None:
    assert "k8s.container.privileged" in rules(holds(graph_of(App(privileged=True)), "privileged"))
    assert not holds(graph_of(App(privileged=False)), "privileged")


def test_vulnerable_ai_package_needs_an_ai_package() -> None:
    found = holds(graph_of(App(), packages=[GRADIO, FASTAPI]), "vulnerable_ai_package")
    assert found and all(f.subject.startswith("pkg:pypi/gradio@") for f in found)
    assert not holds(graph_of(App(), packages=[FASTAPI]), "vulnerable_ai_package")


def test_a_package_the_workload_does_not_run_is_not_its_factor() -> None:
    graph = graph_of(App(image="nginx:1.25"), packages=[LANGCHAIN])
    assert not holds(graph, "vulnerable_ai_package")


def test_ai_package_in_use_needs_the_runtime_to_have_used_it() -> None:
    used = graph_of(App(), packages=[GRADIO, LANGCHAIN], used=[in_use(*LANGCHAIN)])
    found = holds(used, "ai_package_in_use")
    assert found and {f.subject for f in found} == {"pkg:pypi/langchain@0.0.171"}
    assert not holds(graph_of(App(), packages=[GRADIO, LANGCHAIN]), "ai_package_in_use")
    assert not holds(graph_of(App(), packages=[FASTAPI], used=[in_use(*FASTAPI)]), "ai_package_in_use")


def test_critical_vulnerability_with_a_fix() -> None:
    found = holds(graph_of(App(), packages=[LANGCHAIN]), "critical_vulnerability")
    assert found and all(f.severity is Severity.CRITICAL and f.evidence["fix_version"] for f in found)


def test_critical_vulnerability_without_fix_or_exploit_or_only_high_ones_does_not_count() -> None:
    assert not holds(graph_of(App(), packages=[EXPERIMENTAL]), "critical_vulnerability")
    assert not holds(graph_of(App(), packages=[GRADIO]), "critical_vulnerability")


def test_a_known_exploited_critical_vulnerability_counts_without_a_fix() -> None:
    assets, findings = image([EXPERIMENTAL])
    exploited = [
        replace(f, evidence={**f.evidence, "kev": True}) if f.severity is Severity.CRITICAL else f for f in findings
    ]
    base = inputs(App())
    graph = build_graph(replace(base, assets=[*base.assets, *assets], findings=[*base.findings, *exploited]))
    assert rules(holds(graph, "critical_vulnerability")) == {"vuln.CVE-2023-44467"}


@pytest.mark.parametrize("app", [App(openai_key=True), App(aws_key=True)])
def test_leaked_llm_or_cloud_key(app: App) -> None:
    assert rules(holds(graph_of(app), "leaked_key")) == {"k8s.container.env_key"}


def test_no_leaked_key() -> None:
    assert not holds(graph_of(App()), "leaked_key")


def test_recent_runtime_detection() -> None:
    assert rules(holds(graph_of(App(), findings=[runtime()]), "runtime_detection")) == {"runtime.user_home_in_tmpfs"}
    falco = runtime("falco.Terminal_shell_in_container", source="falco_alert", severity=Severity.MEDIUM)
    assert holds(graph_of(App(), findings=[falco]), "runtime_detection")


def test_old_or_low_runtime_detections_do_not_count() -> None:
    old = runtime(when=NOW - timedelta(days=8))
    graph = graph_of(App(), findings=[old])
    assert not holds(graph, "runtime_detection")
    assert not holds(graph_of(App(), findings=[runtime(severity=Severity.LOW)]), "runtime_detection")
    assert not holds(graph_of(App(), findings=[runtime(pod="shop/billing-7c9d-x1")]), "runtime_detection")


def test_identity_can_invoke_llm_through_a_key_the_workload_holds() -> None:
    observed = graph_of(App(aws_key=True), findings=[cloud("aws.bedrock.invocation_volume")])
    assert rules(holds(observed, "identity_can_invoke_llm")) == {"aws.bedrock.invocation_volume"}
    posture = Finding(
        id="f" * 32,
        kind=FindingKind.MISCONFIGURATION,
        rule_id="aws.iam.user_long_term_key_can_invoke_bedrock",
        title="IAM user with a long-term key can invoke Bedrock",
        subject=f"aws://111122223333/global/{USER}",
        severity=Severity.HIGH,
        first_seen=NOW,
        last_seen=NOW,
        count=1,
    )
    declared = graph_of(App(aws_key=True), assets=[aws_user(can_invoke=True)], findings=[posture])
    assert rules(holds(declared, "identity_can_invoke_llm")) == {"aws.iam.user_long_term_key_can_invoke_bedrock"}


def test_an_identity_the_workload_cannot_reach_or_that_cannot_invoke_is_no_factor() -> None:
    unreached = graph_of(App(openai_key=True), findings=[cloud("aws.bedrock.invocation_volume")])
    assert not holds(unreached, "identity_can_invoke_llm")
    no_models = graph_of(App(aws_key=True), findings=[cloud("aws.iam.key_recon", models=())])
    assert not holds(no_models, "identity_can_invoke_llm")
    without_finding = graph_of(App(aws_key=True), assets=[aws_user(can_invoke=True)])
    assert not holds(without_finding, "identity_can_invoke_llm")  # no finding supports it


def test_llmjacking_activity_on_the_identity() -> None:
    graph = graph_of(App(aws_key=True), findings=[cloud("aws.iam.key_recon", models=())])
    assert rules(holds(graph, "llmjacking_activity")) == {"aws.iam.key_recon"}
    assert rules(holds(graph, "llmjacking_activity", f"identity:{USER}")) == {"aws.iam.key_recon"}


def test_no_llmjacking_activity_when_quiet_or_low() -> None:
    assert not holds(graph_of(App(aws_key=True)), "llmjacking_activity")
    low = cloud("aws.bedrock.new_source", severity=Severity.LOW)
    assert not holds(graph_of(App(aws_key=True), findings=[low]), "llmjacking_activity")


def test_from_an_identity_the_workloads_holding_its_key_are_in_scope() -> None:
    graph = graph_of(App(aws_key=True), findings=[cloud("aws.bedrock.invocation_volume")])
    identity = f"identity:{USER}"
    assert rules(holds(graph, "internet_exposed", identity)) == {"k8s.workload.internet_exposed"}
    assert rules(holds(graph, "leaked_key", identity)) == {"k8s.container.env_key"}
    alone = graph_of(App(), findings=[cloud("aws.bedrock.invocation_volume")])
    assert not holds(alone, "internet_exposed", identity) and not holds(alone, "leaked_key", identity)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / FACTORS_FILE
    path.write_text(text, encoding="utf-8")
    return path


HEAD = "factors:\n  - id: a\n    title: A\n    weight: 1\n    description: d\n"


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("factors: {}\n", "one mapping with a 'factors' list", 1),
        ("factors:\n  - id: a\n    title: A\n    weight: -1\n    description: d\n    scope: workload\n", "weight", 4),
        (HEAD + "    scope: moon\n", "scope", 6),
        (
            HEAD + "    scope: workload\n    colour: red\n",
            "unknown factor key",
            7,
        ),
        (
            HEAD + "    scope: keys\n    recent: soon\n",
            "not a duration",
            7,
        ),
        (
            HEAD + "    scope: keys\n    kinds: [alert]\n",
            "kinds",
            7,
        ),
    ],
)
def test_a_bad_factor_file_is_reported_with_its_location(tmp_path: Path, text: str, message: str, line: int) -> None:
    with pytest.raises(ContentError, match=message) as raised:
        load_factors(write(tmp_path, text))
    assert raised.value.location is not None and raised.value.location.line == line


def test_the_factor_file_is_where_the_content_is() -> None:
    assert (content_dir() / FACTORS_FILE).is_file()
