"""Normalisation of Bedrock model ids, inference profiles and ARNs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jackwatch.normalize import ModelId, ModelRefKind, model_id_from_record, normalize_model_id
from jackwatch.normalize.model_id import PROFILE_PREFIXES

K = ModelRefKind
SONNET = "anthropic.claude-3-sonnet-20240229-v1:0"


@pytest.mark.parametrize(
    ("raw", "normalized", "vendor", "prefix", "kind"),
    [
        (SONNET, SONNET, "anthropic", None, K.FOUNDATION_MODEL),
        ("anthropic.claude-v2", "anthropic.claude-v2", "anthropic", None, K.FOUNDATION_MODEL),
        ("meta.llama3-70b-instruct-v1:0", "meta.llama3-70b-instruct-v1:0", "meta", None, K.FOUNDATION_MODEL),
        (f"us.{SONNET}", SONNET, "anthropic", "us", K.INFERENCE_PROFILE),
        (f"eu.{SONNET}", SONNET, "anthropic", "eu", K.INFERENCE_PROFILE),
        (f"apac.{SONNET}", SONNET, "anthropic", "apac", K.INFERENCE_PROFILE),
        (f"us-gov.{SONNET}", SONNET, "anthropic", "us-gov", K.INFERENCE_PROFILE),
        (
            "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "anthropic.claude-sonnet-4-5-20250929-v1:0",
            "anthropic",
            "global",
            K.INFERENCE_PROFILE,
        ),
        ("jp.amazon.nova-lite-v1:0", "amazon.nova-lite-v1:0", "amazon", "jp", K.INFERENCE_PROFILE),
        (
            "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2",
            "anthropic.claude-v2",
            "anthropic",
            None,
            K.FOUNDATION_MODEL,
        ),
        (
            f"arn:aws:bedrock:us-east-1::foundation-model/{SONNET}",
            SONNET,
            "anthropic",
            None,
            K.FOUNDATION_MODEL,
        ),
        (
            f"arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.{SONNET}",
            SONNET,
            "anthropic",
            "us",
            K.INFERENCE_PROFILE,
        ),
        (
            f"arn:aws-us-gov:bedrock:us-gov-west-1:111122223333:inference-profile/us-gov.{SONNET}",
            SONNET,
            "anthropic",
            "us-gov",
            K.INFERENCE_PROFILE,
        ),
        (f"  {SONNET}\n", SONNET, "anthropic", None, K.FOUNDATION_MODEL),
        (
            "arn%3Aaws%3Abedrock%3Aus-east-1%3A%3Afoundation-model%2Fanthropic.claude-v2",
            "anthropic.claude-v2",
            "anthropic",
            None,
            K.FOUNDATION_MODEL,
        ),
        ("gpt-4o", "gpt-4o", None, None, K.FOUNDATION_MODEL),
        ("us.gpt", "us.gpt", "us", None, K.FOUNDATION_MODEL),
    ],
)
def test_model_ids_normalise(raw: str, normalized: str, vendor: str | None, prefix: str | None, kind: K) -> None:
    assert normalize_model_id(raw) == ModelId(normalized, vendor, raw, prefix, kind)


@pytest.mark.parametrize(
    ("arn", "kind", "vendor"),
    [
        (
            "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/a1b2c3d4e5f6",
            K.APPLICATION_INFERENCE_PROFILE,
            None,
        ),
        ("arn:aws:bedrock:us-east-1:111122223333:provisioned-model/pq3x7vbr2y8k", K.PROVISIONED_MODEL, None),
        ("arn:aws:bedrock:us-east-1:111122223333:imported-model/q1w2e3r4t5y6", K.IMPORTED_MODEL, None),
        (
            "arn:aws:bedrock:us-east-1:111122223333:custom-model/amazon.titan-text-express-v1:0:8k/abcd1234",
            K.CUSTOM_MODEL,
            "amazon",
        ),
        ("arn:aws:sagemaker:us-east-1:111122223333:endpoint/my-endpoint", K.OTHER_ARN, None),
        ("arn:aws:bedrock:us-east-1:111122223333:prompt-router/abc", K.OTHER_ARN, None),
        ("arn:aws:bedrock:us-east-1", K.OTHER_ARN, None),
    ],
)
def test_arns_that_hide_the_model_are_kept_and_flagged(arn: str, kind: K, vendor: str | None) -> None:
    model = normalize_model_id(arn)
    assert model is not None
    assert (model.normalized, model.kind, model.vendor, model.profile_prefix) == (arn, kind, vendor, None)


@pytest.mark.parametrize("value", [None, "", "   ", 42, {"modelId": SONNET}])
def test_missing_or_blank_is_none(value: object) -> None:
    assert normalize_model_id(value) is None


@pytest.mark.parametrize(
    ("request_parameters", "expected"),
    [
        ({"modelId": f"us.{SONNET}", "accept": "application/json"}, SONNET),
        ({"modelIdentifier": "anthropic.claude-v2"}, "anthropic.claude-v2"),
        (
            {"modelArn": "arn:aws:bedrock:eu-west-3::foundation-model/mistral.mistral-large-2402-v1:0"},
            "mistral.mistral-large-2402-v1:0",
        ),
        ({"modelId": "", "modelIdentifier": "anthropic.claude-v2"}, "anthropic.claude-v2"),
    ],
)
def test_model_from_record(request_parameters: dict[str, str], expected: str) -> None:
    model = model_id_from_record({"eventName": "InvokeModel", "requestParameters": request_parameters})
    assert model is not None
    assert model.normalized == expected


@pytest.mark.parametrize("request_parameters", [None, "modelId", [], {}, {"accept": "*/*"}, {"modelId": 7}])
def test_no_model_in_record(request_parameters: object) -> None:
    assert model_id_from_record({"requestParameters": request_parameters}) is None


@given(
    st.sampled_from(sorted(PROFILE_PREFIXES)),
    st.sampled_from(["anthropic", "meta", "amazon", "mistral", "deepseek"]),
    st.from_regex(r"[a-z0-9][a-z0-9\-]{0,30}(-v[0-9]:[0-9])?", fullmatch=True),
)
def test_profile_and_arn_forms_agree_with_the_bare_id(prefix: str, vendor: str, name: str) -> None:
    bare = f"{vendor}.{name}"
    forms = [
        f"{prefix}.{bare}",
        f"arn:aws:bedrock:us-east-1::foundation-model/{bare}",
        f"arn:aws:bedrock:us-west-2:111122223333:inference-profile/{prefix}.{bare}",
    ]
    for form in forms:
        model = normalize_model_id(form)
        assert model is not None
        assert (model.normalized, model.vendor) == (bare, vendor)
