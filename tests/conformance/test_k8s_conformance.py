"""Our Kubernetes checks against the labels of kubescape's regolibrary tests (every ``workload_only`` case of a rule
we implement) and Polaris' check tests (every check we implement): at least 98 % agreement, disagreements printed.

The figures are in docs/kubernetes-checks.md; each known disagreement is explained there."""

from __future__ import annotations

import pytest
from tests.conformance.corpora import (
    KUBESCAPE,
    KUBESCAPE_RULES,
    POLARIS,
    POLARIS_CHECKS,
    Case,
    Outcome,
    agreement,
    compare,
    kubescape_cases,
    polaris_cases,
    verdict,
)
from tests.datasets import needs

from jackwatch.checks.kubernetes import registry

THRESHOLD = 0.98

KNOWN_DISAGREEMENTS = {
    # C-0210 wants RuntimeDefault exactly; a Localhost profile is confined too, and we accept it (as the Pod
    # Security Standards' restricted profile does).
    "kubescape:set-seccomp-profile-RuntimeDefault/pod",
    "kubescape:set-seccomp-profile-RuntimeDefault/workloads",
}


def report(outcomes: list[Outcome]) -> str:
    lines = [f"{agreement(outcomes):.1%} of {len(outcomes)} cases agree"]
    for outcome in outcomes:
        if not outcome.agrees:
            expected = "fail" if outcome.case.fails else "pass"
            lines.append(f"  {outcome.case.label}: labelled {expected}, we say {'fail' if outcome.ours else 'pass'}")
    return "\n".join(lines)


@needs(KUBESCAPE)
def test_kubescape_workload_cases() -> None:
    cases = list(kubescape_cases())
    outcomes = compare(cases, KUBESCAPE_RULES)
    print(report(outcomes))
    assert len(cases) >= 100 and {case.rule for case in cases} == set(KUBESCAPE_RULES)
    assert agreement(outcomes) >= THRESHOLD, report(outcomes)
    assert {o.case.label for o in outcomes if not o.agrees} <= KNOWN_DISAGREEMENTS, report(outcomes)


@needs(POLARIS)
def test_polaris_check_cases() -> None:
    cases = list(polaris_cases())
    outcomes = compare(cases, POLARIS_CHECKS)
    print(report(outcomes))
    assert len(cases) >= 50 and {case.rule for case in cases} == set(POLARIS_CHECKS)
    assert agreement(outcomes) >= THRESHOLD, report(outcomes)


def test_the_mapped_checks_exist_and_name_their_kubescape_controls() -> None:
    for mapping in [*KUBESCAPE_RULES.values(), *POLARIS_CHECKS.values()]:
        assert set(mapping.checks) <= set(registry.specs)
    for rule, mapping in KUBESCAPE_RULES.items():
        assert any(registry.specs[check].refs.get("kubescape") for check in mapping.checks), rule


@needs(KUBESCAPE)
def test_a_case_says_why_it_fails() -> None:
    case = next(c for c in kubescape_cases() if c.rule == "rule-privileged-container" and c.name == "workloads")
    fails, hits = verdict(case, KUBESCAPE_RULES[case.rule])
    assert fails and hits[0].resource["line"] is not None


@pytest.mark.parametrize("tool", ["kubescape", "polaris"])
def test_cases_are_not_trivially_one_sided(tool: str) -> None:
    if not (KUBESCAPE if tool == "kubescape" else POLARIS).exists():
        pytest.skip("dataset absent")
    cases: list[Case] = list(kubescape_cases() if tool == "kubescape" else polaris_cases())
    assert any(c.fails for c in cases) and any(not c.fails for c in cases)
