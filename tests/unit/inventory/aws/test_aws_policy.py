"""The Bedrock permission evaluator: hand-written cases, and properties checked by hypothesis against a plain
reference evaluator over concrete actions."""

from __future__ import annotations

import fnmatch
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jackwatch.inventory.aws.policy import (
    ALL_BEDROCK,
    Access,
    PolicyError,
    PolicySource,
    Statement,
    evaluate,
    parse_document,
    wildcard_covers,
    wildcard_match,
    wildcards_meet,
)

SOURCE = PolicySource("test", "inline")
BOUNDARY = PolicySource("boundary", "boundary", "arn:aws:iam::111122223333:policy/boundary")


def statements(*items: dict[str, Any], source: PolicySource = SOURCE) -> list[Statement]:
    return parse_document({"Version": "2012-10-17", "Statement": list(items)}, source)


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


# Hand-written cases ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("items", "action", "expected"),
    [
        ([allow("bedrock:InvokeModel")], "bedrock:InvokeModel", Access.ALLOWED),
        ([allow("bedrock:invokemodel")], "bedrock:InvokeModel", Access.ALLOWED),
        ([allow("bedrock:Invoke*")], "bedrock:InvokeModelWithResponseStream", Access.ALLOWED),
        ([allow("bedrock:Converse*")], "bedrock:InvokeModel", Access.NOT_ALLOWED),
        ([allow("bedrock:*")], "bedrock:InvokeModel", Access.ALLOWED),
        ([allow("*")], "bedrock:InvokeModel", Access.ALLOWED),
        ([allow("s3:*")], "bedrock:InvokeModel", Access.NOT_ALLOWED),
        ([allow("bedrock:?nvokeModel")], "bedrock:InvokeModel", Access.ALLOWED),
        ([allow("bedrock:List*")], "bedrock:InvokeModel", Access.NOT_ALLOWED),
        ([{"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}], "bedrock:InvokeModel", Access.ALLOWED),
        ([{"Effect": "Allow", "NotAction": "bedrock:*", "Resource": "*"}], "bedrock:InvokeModel", Access.NOT_ALLOWED),
        ([allow("*"), deny("bedrock:*")], "bedrock:InvokeModel", Access.DENIED),
        ([allow("*"), {"Effect": "Deny", "NotAction": "s3:*", "Resource": "*"}], "bedrock:InvokeModel", Access.DENIED),
        (
            [allow("*"), {"Effect": "Deny", "NotAction": "bedrock:*", "Resource": "*"}],
            "bedrock:InvokeModel",
            Access.ALLOWED,
        ),
        (
            [allow("bedrock:InvokeModel", "arn:aws:bedrock:eu-west-1::foundation-model/*")],
            "bedrock:InvokeModel",
            Access.ALLOWED,
        ),
        ([allow("bedrock:InvokeModel", "arn:aws:s3:::bucket/*")], "bedrock:InvokeModel", Access.NOT_ALLOWED),
        ([allow("bedrock:InvokeModel", "arn:aws-cn:bedrock:*")], "bedrock:InvokeModel", Access.NOT_ALLOWED),
        (
            [{"Effect": "Allow", "Action": "bedrock:*", "NotResource": "arn:aws:s3:::*"}],
            "bedrock:InvokeModel",
            Access.ALLOWED,
        ),
        ([{"Effect": "Allow", "Action": "bedrock:*", "NotResource": "*"}], "bedrock:InvokeModel", Access.NOT_ALLOWED),
        ([allow("*"), deny("bedrock:InvokeModel", "arn:aws:bedrock:*")], "bedrock:InvokeModel", Access.DENIED),
        (
            [allow("*"), deny("bedrock:InvokeModel", "arn:aws:bedrock:*:*:foundation-model/*")],
            "bedrock:InvokeModel",
            Access.ALLOWED,
        ),
        (
            [allow("*"), deny("*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}})],
            "bedrock:InvokeModel",
            Access.ALLOWED,
        ),
        ([], "bedrock:InvokeModel", Access.NOT_ALLOWED),
    ],
)
def test_single_actions(items: list[dict[str, Any]], action: str, expected: Access) -> None:
    assert evaluate(statements(*items), action).access is expected


def test_a_narrow_or_conditional_deny_is_a_limit_not_a_block() -> None:
    narrow = deny("bedrock:InvokeModel", "arn:aws:bedrock:*:*:foundation-model/anthropic.*", Sid="NoClaude")
    conditional = deny("bedrock:*", Condition={"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}})
    verdict = evaluate(statements(allow("bedrock:*"), narrow, conditional), "bedrock:InvokeModel")
    assert verdict.allowed
    assert [s.sid for s in verdict.limited_by] == ["NoClaude", ""]
    assert verdict.as_dict()["limited_by"] == ["inline policy test statement NoClaude", "inline policy test"]


def test_a_grant_that_always_needs_a_condition_is_conditional() -> None:
    mfa = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    assert evaluate(statements(allow("bedrock:InvokeModel", Condition=mfa)), "bedrock:InvokeModel").conditional
    both = statements(allow("bedrock:InvokeModel", Condition=mfa), allow("bedrock:InvokeModel"))
    assert not evaluate(both, "bedrock:InvokeModel").conditional


@pytest.mark.parametrize(
    ("items", "full"),
    [
        ([allow("bedrock:*")], True),
        ([allow("*")], True),
        ([allow("bedrock:*"), deny("bedrock:PutModelInvocationLoggingConfiguration")], False),
        ([allow("bedrock:Invoke*")], False),
        ([allow(["bedrock:Get*", "bedrock:List*", "bedrock:Invoke*"])], False),
        ([{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}], True),
        ([{"Effect": "Allow", "NotAction": "bedrock:Delete*", "Resource": "*"}], False),
        ([allow("bedrock:*", "arn:aws:bedrock:us-east-1:*:*")], True),
    ],
)
def test_full_bedrock_access(items: list[dict[str, Any]], full: bool) -> None:
    assert evaluate(statements(*items), ALL_BEDROCK).allowed is full


def test_the_permissions_boundary_cuts_grants_it_does_not_allow() -> None:
    grants = statements(allow("*"))
    cut = evaluate(grants, "bedrock:InvokeModel", boundary=statements(allow("s3:*"), source=BOUNDARY))
    assert cut.access is Access.DENIED and cut.outside_boundary and not cut.denied_by
    kept = evaluate(grants, "bedrock:InvokeModel", boundary=statements(allow("bedrock:Invoke*"), source=BOUNDARY))
    assert kept.allowed and not kept.outside_boundary
    blocked = evaluate(
        grants, "bedrock:InvokeModel", boundary=statements(allow("*"), deny("bedrock:*"), source=BOUNDARY)
    )
    assert blocked.access is Access.DENIED and blocked.denied_by[0].source == BOUNDARY
    # A boundary grants nothing by itself.
    assert evaluate([], "bedrock:InvokeModel", boundary=statements(allow("*"))).access is Access.NOT_ALLOWED


def test_documents_as_iam_returns_them() -> None:
    url_encoded = (
        "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C"
        "%22Action%22%3A%22bedrock%3AInvokeModel%22%2C%22Resource%22%3A%22%2A%22%7D%7D"
    )
    [statement] = parse_document(url_encoded, SOURCE)
    assert statement.actions == ("bedrock:InvokeModel",) and statement.resources == ("*",)
    [single] = parse_document('{"Statement": {"Effect": "Deny", "NotAction": ["iam:*"], "Resource": "*"}}', SOURCE)
    assert single.not_actions == ("iam:*",)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{not json", "not JSON"),
        ([], "a policy is a JSON object"),
        ({"Statement": 3}, "Statement is an object or a list"),
        ({"Statement": ["x"]}, "statement 1 is not an object"),
        ({"Statement": [{"Effect": "Maybe", "Action": "*"}]}, "Effect 'Maybe'"),
        ({"Statement": [{"Effect": "Allow", "Action": 7}]}, "Action is a string or a list of strings"),
    ],
)
def test_bad_documents_are_policy_errors(document: Any, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        parse_document(document, SOURCE)


def test_wildcards() -> None:
    assert wildcard_match("bedrock:Invoke*", "bedrock:invokemodel", fold=True)
    assert not wildcard_match("bedrock:Invoke*", "bedrock:invokemodel")
    assert wildcard_match("a?c", "abc") and not wildcard_match("a?c", "ac")
    assert wildcards_meet("arn:aws:bedrock:eu-*", "arn:aws:bedrock:*:*:*")
    assert not wildcards_meet("arn:aws:s3:::*", "arn:aws:bedrock:*:*:*")
    assert wildcards_meet("*", "anything") and wildcards_meet("a*c", "ab*")
    assert wildcard_covers("arn:aws:bedrock:*", "arn:aws:bedrock:*:*:*")
    assert not wildcard_covers("arn:aws:bedrock:*:*:foundation-model/*", "arn:aws:bedrock:*:*:*")
    assert wildcard_covers("*", "bedrock:*") and not wildcard_covers("bedrock:Get*", "bedrock:*")


# Properties against a reference evaluator --------------------------------------------------------------------------

ACTIONS = [
    "bedrock:InvokeModel",
    "bedrock:InvokeModelWithResponseStream",
    "bedrock:ListFoundationModels",
    "bedrock:PutModelInvocationLoggingConfiguration",
    "s3:GetObject",
    "iam:CreateUser",
]
PATTERNS = [
    "*",
    "bedrock:*",
    "bedrock:Invoke*",
    "bedrock:InvokeModel",
    "bedrock:invokemodel*",
    "bedrock:InvokeModelWith*",
    "bedrock:List*",
    "bedrock:?nvokeModel",
    "s3:*",
    "iam:*",
    "*Model",
]

statement_strategy = st.fixed_dictionaries(
    {
        "Effect": st.sampled_from(["Allow", "Deny"]),
        "key": st.sampled_from(["Action", "NotAction"]),
        "patterns": st.lists(st.sampled_from(PATTERNS), min_size=1, max_size=3),
    }
).map(lambda d: {"Effect": d["Effect"], d["key"]: d["patterns"], "Resource": "*"})


def reference(items: list[dict[str, Any]], action: str) -> Access:
    """The IAM rule spelled out over one concrete action, with fnmatch standing in for IAM wildcards."""

    def matches(item: dict[str, Any]) -> bool:
        if "Action" in item:
            return any(fnmatch.fnmatchcase(action.lower(), p.lower()) for p in item["Action"])
        return not any(fnmatch.fnmatchcase(action.lower(), p.lower()) for p in item["NotAction"])

    applying = [item for item in items if matches(item)]
    if any(item["Effect"] == "Deny" for item in applying):
        return Access.DENIED
    return Access.ALLOWED if applying else Access.NOT_ALLOWED


@settings(max_examples=300, deadline=None)
@given(st.lists(statement_strategy, max_size=6), st.sampled_from(ACTIONS))
def test_concrete_actions_agree_with_the_reference(items: list[dict[str, Any]], action: str) -> None:
    assert evaluate(statements(*items), action).access is reference(items, action)


@settings(max_examples=200, deadline=None)
@given(st.lists(statement_strategy, max_size=6))
def test_full_access_implies_every_bedrock_action(items: list[dict[str, Any]]) -> None:
    if evaluate(statements(*items), ALL_BEDROCK).allowed:
        for action in ACTIONS[:4]:
            assert reference(items, action) is Access.ALLOWED


@settings(max_examples=200, deadline=None)
@given(st.lists(statement_strategy, max_size=6), st.sampled_from(ACTIONS), st.randoms())
def test_statement_order_does_not_matter(items: list[dict[str, Any]], action: str, rng: Any) -> None:
    shuffled = list(items)
    rng.shuffle(shuffled)
    assert evaluate(statements(*items), action).access is evaluate(statements(*shuffled), action).access


@settings(max_examples=200, deadline=None)
@given(st.lists(statement_strategy, max_size=5), st.sampled_from(ACTIONS), st.sampled_from(PATTERNS))
def test_adding_an_allow_never_takes_access_away_and_a_deny_never_gives_it(
    items: list[dict[str, Any]], action: str, pattern: str
) -> None:
    before = evaluate(statements(*items), action).access
    with_allow = evaluate(statements(*items, allow(pattern)), action).access
    with_deny = evaluate(statements(*items, deny(pattern)), action).access
    assert not (before is Access.ALLOWED and with_allow is not Access.ALLOWED)
    assert not (before is not Access.ALLOWED and with_deny is Access.ALLOWED)
    assert evaluate(statements(*items, deny("*")), action).access is Access.DENIED


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab*?", max_size=6), st.text(alphabet="ab*", max_size=6), st.text(alphabet="ab", max_size=7))
def test_wildcard_meeting_is_witnessed(first: str, second: str, text: str) -> None:
    if wildcard_match(first, text) and wildcard_match(second, text):
        assert wildcards_meet(first, second)
