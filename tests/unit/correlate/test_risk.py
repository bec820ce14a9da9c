"""Risk definitions: loaded from data with their errors located; each built-in risk holds when its necessary
factors do and not otherwise; severity, escalation, score, ordering, and one risk per story."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from tests.unit.correlate.scenario import (
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
    inputs,
    runtime,
    workload_ref,
)

from jackwatch.correlate.build import build_graph
from jackwatch.correlate.factors import load_factors
from jackwatch.correlate.risk import RiskCatalog, assessment_time, evaluate, load_definitions
from jackwatch.errors import ContentError
from jackwatch.model import Finding, FindingKind, Risk, Severity

CATALOG = RiskCatalog.load()
WORKLOAD = workload_ref()
IDENTITY = f"identity:{USER}"


def risks(*apps: App, **extra: object) -> list[Risk]:
    return evaluate(graph_of(*apps, **extra), CATALOG, NOW)  # type: ignore[arg-type]


def about(found: list[Risk], subject: str) -> dict[str, Risk]:
    return {risk.definition: risk for risk in found if risk.subject == subject}


def names(risk: Risk) -> set[str]:
    return {factor.name for factor in risk.factors}


def test_the_built_in_definitions_load_and_name_known_factors() -> None:
    ids = {definition.id for definition in CATALOG.definitions}
    assert {
        "risk.workload.exposed_vulnerable_ai",
        "risk.workload.exposed_key",
        "risk.workload.exposed_critical_vulnerability",
        "risk.workload.exposed_privileged",
        "risk.workload.runtime_detection",
        "risk.identity.llmjacking",
        "risk.identity.leaked_key_can_invoke",
    } <= ids
    for definition in CATALOG.definitions:
        assert set(definition.necessary) | set(definition.optional) <= set(CATALOG.factors)


def test_the_blog_workload_is_critical_with_every_factor_explained() -> None:
    found = risks(
        App(privileged=True, aws_key=True),
        packages=[LANGCHAIN, GRADIO],
        findings=[runtime(), cloud("aws.bedrock.invocation_volume")],
    )
    mine = about(found, WORKLOAD)
    assert list(mine) == ["risk.workload.exposed_vulnerable_ai"]  # the fullest story only
    risk = mine["risk.workload.exposed_vulnerable_ai"]
    assert risk.severity is Severity.CRITICAL
    assert names(risk) == {
        "internet_exposed",
        "vulnerable_ai_package",
        "critical_vulnerability",
        "privileged",
        "leaked_key",
        "runtime_detection",
        "identity_can_invoke_llm",
        "llmjacking_activity",
    }
    assert risk.score == sum(factor.weight for factor in risk.factors)
    assert all(factor.findings and factor.reason for factor in risk.factors)
    assert [factor.necessary for factor in risk.factors[:2]] == [True, True]
    exposed = next(factor for factor in risk.factors if factor.name == "internet_exposed")
    assert exposed.reason == "Service chat (LoadBalancer)"


def test_exposed_vulnerable_ai_is_high_without_escalation() -> None:
    risk = about(risks(App(), packages=[GRADIO]), WORKLOAD)["risk.workload.exposed_vulnerable_ai"]
    assert (risk.severity, names(risk)) == (Severity.HIGH, {"internet_exposed", "vulnerable_ai_package"})


def test_exposed_vulnerable_ai_needs_both_necessary_factors() -> None:
    assert "risk.workload.exposed_vulnerable_ai" not in about(risks(App(exposed=None), packages=[GRADIO]), WORKLOAD)
    assert "risk.workload.exposed_vulnerable_ai" not in about(risks(App(), packages=[FASTAPI]), WORKLOAD)


def test_a_high_score_escalates_to_critical() -> None:
    risk = about(risks(App(privileged=True, openai_key=True), packages=[LANGCHAIN]), WORKLOAD)
    assert risk["risk.workload.exposed_vulnerable_ai"].score >= 70
    assert risk["risk.workload.exposed_vulnerable_ai"].severity is Severity.CRITICAL


def test_exposed_key() -> None:
    mine = about(risks(App(openai_key=True)), WORKLOAD)
    assert mine["risk.workload.exposed_key"].severity is Severity.HIGH
    assert "risk.workload.exposed_key" not in about(risks(App(exposed=None, openai_key=True)), WORKLOAD)
    assert "risk.workload.exposed_key" not in about(risks(App()), WORKLOAD)


def test_exposed_key_is_critical_when_the_key_is_abused() -> None:
    mine = about(risks(App(aws_key=True), findings=[cloud("aws.iam.key_recon", models=())]), WORKLOAD)
    assert mine["risk.workload.exposed_key"].severity is Severity.CRITICAL


def test_exposed_critical_vulnerability() -> None:
    assets, findings = image([FASTAPI])
    critical = [replace(f, severity=Severity.CRITICAL) for f in findings]  # a critical flaw of a non-AI package
    base = inputs(App())
    scenario = replace(base, assets=[*base.assets, *assets], findings=[*base.findings, *critical])
    mine = about(evaluate(build_graph(scenario), CATALOG, NOW), WORKLOAD)
    assert mine["risk.workload.exposed_critical_vulnerability"].severity is Severity.HIGH

    told = about(risks(App(), packages=[FASTAPI, LANGCHAIN]), WORKLOAD)
    assert "risk.workload.exposed_critical_vulnerability" not in told  # told in full by exposed_vulnerable_ai
    assert "risk.workload.exposed_critical_vulnerability" not in about(risks(App(), packages=[FASTAPI]), WORKLOAD)


def test_exposed_privileged_is_medium_then_critical_with_a_runtime_detection() -> None:
    assert about(risks(App(privileged=True)), WORKLOAD)["risk.workload.exposed_privileged"].severity is Severity.MEDIUM
    assert "risk.workload.exposed_privileged" not in about(risks(App(exposed=None, privileged=True)), WORKLOAD)
    live = about(risks(App(privileged=True), findings=[runtime()]), WORKLOAD)
    [(_, risk)] = live.items()  # exposed_privileged and runtime_detection tell the same story: one is kept
    assert risk.severity is Severity.CRITICAL
    assert names(risk) == {"internet_exposed", "privileged", "runtime_detection"}


def test_runtime_detection_alone_is_high() -> None:
    risk = about(risks(App(exposed=None), findings=[runtime()]), WORKLOAD)["risk.workload.runtime_detection"]
    assert (risk.severity, names(risk)) == (Severity.HIGH, {"runtime_detection"})
    assert not about(risks(App(exposed=None), findings=[runtime(when=NOW - timedelta(days=30))]), WORKLOAD)


def test_llmjacking_on_an_identity() -> None:
    quiet = about(risks(findings=[cloud("aws.iam.key_recon", models=())]), IDENTITY)
    assert quiet["risk.identity.llmjacking"].severity is Severity.HIGH
    burning = about(risks(findings=[cloud("aws.bedrock.invocation_volume")]), IDENTITY)
    assert burning["risk.identity.llmjacking"].severity is Severity.CRITICAL
    assert not about(risks(findings=[cloud("aws.bedrock.new_source", severity=Severity.LOW)]), IDENTITY)


def can_invoke_check() -> Finding:
    """The AWS posture finding that the user's long-term key can invoke Bedrock."""
    return Finding(
        id="c" * 32,
        kind=FindingKind.MISCONFIGURATION,
        rule_id="aws.iam.user_long_term_key_can_invoke_bedrock",
        title="IAM user with a long-term key can invoke Bedrock",
        subject=f"aws://111122223333/global/{USER}",
        severity=Severity.HIGH,
        first_seen=NOW,
        last_seen=NOW,
        count=1,
    )


def test_leaked_key_of_an_identity_that_can_invoke() -> None:
    hidden = about(
        risks(App(exposed=None, aws_key=True), assets=[aws_user(can_invoke=True)], findings=[can_invoke_check()]),
        IDENTITY,
    )
    assert set(hidden) == {"risk.identity.leaked_key_can_invoke"}
    assert hidden["risk.identity.leaked_key_can_invoke"].severity is Severity.HIGH
    exposed = about(
        risks(App(aws_key=True), assets=[aws_user(can_invoke=True)], findings=[can_invoke_check()]), IDENTITY
    )
    assert exposed["risk.identity.leaked_key_can_invoke"].severity is Severity.CRITICAL
    unable = risks(App(aws_key=True), assets=[aws_user(can_invoke=False)])
    assert not about(unable, IDENTITY)
    no_key = risks(App(openai_key=True), assets=[aws_user(can_invoke=True)], findings=[can_invoke_check()])
    assert not about(no_key, IDENTITY)


def test_risks_are_sorted_by_severity_then_score() -> None:
    found = risks(
        App(privileged=True),
        App(name="api", openai_key=True),
        App(name="bot", exposed=None),
        packages=[LANGCHAIN],
        findings=[cloud("aws.iam.key_recon", models=(), keys=())],
    )
    keys = [(-risk.severity.rank, -risk.score) for risk in found]
    assert keys == sorted(keys) and len(found) >= 3


def test_assessment_time_is_the_newest_detection_unless_in_the_future() -> None:
    old = cloud("aws.iam.key_recon", when=NOW - timedelta(days=300))
    assert assessment_time([old], NOW) == NOW - timedelta(days=300)
    assert assessment_time([cloud("aws.iam.key_recon", when=NOW + timedelta(days=1))], NOW) == NOW
    assert assessment_time([], NOW) == NOW


def test_an_old_trace_is_assessed_at_its_own_time() -> None:
    then = NOW - timedelta(days=400)
    graph = graph_of(App(exposed=None), findings=[runtime(when=then), cloud("aws.iam.key_recon", when=then)])
    assert about(evaluate(graph, CATALOG), WORKLOAD)  # recent as of the trace, not as of today


def definition_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "mine.yaml"
    path.write_text("risks:\n" + body, encoding="utf-8")
    return path


GOOD = """\
  - id: risk.mine
    title: Mine
    description: d
    subject: workload
    necessary: [internet_exposed]
    optional: [privileged]
    severity: low
    escalate:
      - {to: high, all: [privileged]}
"""


def test_a_definition_file_adds_risks(tmp_path: Path) -> None:
    catalog = RiskCatalog.load([definition_file(tmp_path, GOOD)])
    found = about(evaluate(graph_of(App(privileged=True)), catalog, NOW), WORKLOAD)
    assert found["risk.mine"].severity is Severity.HIGH
    assert about(evaluate(graph_of(App()), catalog, NOW), WORKLOAD)["risk.mine"].severity is Severity.LOW


@pytest.mark.parametrize(
    ("change", "message", "line"),
    [
        (("subject: workload", "subject: pod"), "subject 'pod'", 5),
        (("necessary: [internet_exposed]", "necessary: [exposed]"), "unknown factor 'exposed'", 6),
        (("necessary: [internet_exposed]", "necessary: []"), "at least one necessary", 6),
        (("optional: [privileged]", "optional: [internet_exposed]"), "either necessary or optional", 7),
        (("severity: low", "severity: urgent"), "not a severity", 8),
        (("{to: high, all: [privileged]}", "{to: high, all: [leaked_key]}"), "not a factor of this risk", 10),
        (("{to: high, all: [privileged]}", "{to: high}"), "needs all, any or min_score", 10),
        (("    title: Mine\n", "    title: Mine\n    colour: red\n"), "unknown risk key", 4),
    ],
)
def test_a_bad_definition_is_reported_with_its_location(
    tmp_path: Path, change: tuple[str, str], message: str, line: int
) -> None:
    path = definition_file(tmp_path, GOOD.replace(*change))
    with pytest.raises(ContentError, match=message) as raised:
        load_definitions(path, load_factors())
    assert raised.value.location is not None
    assert (raised.value.location.path, raised.value.location.line) == (str(path), line)


def test_a_definition_given_twice_is_refused(tmp_path: Path) -> None:
    path = definition_file(tmp_path, GOOD.replace("risk.mine", "risk.workload.exposed_key"))
    with pytest.raises(ContentError, match="defined twice"):
        RiskCatalog.load([path])
