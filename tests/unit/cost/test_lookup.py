"""Lookups: every form of model id each provider writes finds its entry; region classes; unknown models."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jackwatch.cost import Price, PriceTable, UnknownPrice

CLAUDE_35_SONNET = "anthropic.claude-3-5-sonnet-20240620-v1:0"
SONNET_45 = "anthropic.claude-sonnet-4-5-20250929-v1:0"


def found(table: PriceTable, provider: str, model: str, region: str | None = None) -> Price:
    price = table.lookup(provider, model, region)
    assert isinstance(price, Price), price
    return price


@pytest.mark.parametrize(
    "model",
    [
        CLAUDE_35_SONNET,
        f"us.{CLAUDE_35_SONNET}",
        f"eu.{CLAUDE_35_SONNET}",
        f"apac.{CLAUDE_35_SONNET}",
        f"arn:aws:bedrock:us-east-1::foundation-model/{CLAUDE_35_SONNET}",
        f"arn:aws:bedrock:eu-central-1:111122223333:inference-profile/eu.{CLAUDE_35_SONNET}",
        f"arn%3Aaws%3Abedrock%3Aus-west-2%3A%3Afoundation-model%2F{CLAUDE_35_SONNET}",
        f"  {CLAUDE_35_SONNET}\n",
        CLAUDE_35_SONNET.upper(),
        f"{CLAUDE_35_SONNET}:200k",
    ],
)
def test_every_bedrock_form_of_a_model_finds_its_standard_price(builtin: PriceTable, model: str) -> None:
    price = found(builtin, "aws_bedrock", model)
    assert (price.model, price.region_class) == (CLAUDE_35_SONNET, "standard")
    assert (price.input, price.output) == (Decimal("3.00"), Decimal("15.00"))
    assert price.cache_read is None and price.cache_write is None


@pytest.mark.parametrize(
    ("model", "region", "region_class", "input_price"),
    [
        (f"global.{SONNET_45}", None, "global", "3.00"),
        (f"arn:aws:bedrock:us-east-1:111122223333:inference-profile/global.{SONNET_45}", None, "global", "3.00"),
        (f"us.{SONNET_45}", None, "regional", "3.30"),
        (f"eu.{SONNET_45}", "eu-west-1", "regional", "3.30"),
        (f"apac.{SONNET_45}", "ap-northeast-1", "regional", "3.30"),
        (f"jp.{SONNET_45}", "ap-northeast-1", "regional", "3.30"),
        (SONNET_45, "us-west-2", "regional", "3.30"),
        (SONNET_45, None, "regional", "3.30"),
    ],
)
def test_the_profile_geography_chooses_the_region_class_where_prices_differ(
    builtin: PriceTable, model: str, region: str | None, region_class: str, input_price: str
) -> None:
    price = found(builtin, "aws_bedrock", model, region)
    assert (price.model, price.region_class, price.input) == (SONNET_45, region_class, Decimal(input_price))


def test_a_global_profile_of_a_model_with_one_price_gets_that_price(builtin: PriceTable) -> None:
    price = found(builtin, "aws_bedrock", "global.anthropic.claude-sonnet-4-20250514-v1:0")
    assert (price.region_class, price.input, price.cache_write) == ("standard", Decimal("3"), Decimal("3.75"))


def test_govcloud_falls_back_to_the_listed_price_when_no_us_gov_price_is_known(builtin: PriceTable) -> None:
    assert found(builtin, "aws_bedrock", CLAUDE_35_SONNET, "us-gov-west-1").region_class == "standard"
    arn = f"arn:aws:bedrock:us-gov-west-1::foundation-model/{SONNET_45}"
    assert found(builtin, "aws_bedrock", arn).region_class == "regional"


@pytest.mark.parametrize(
    ("model", "reason"),
    [
        ("arn:aws:bedrock:us-east-1:111122223333:provisioned-model/abcd1234efgh", "does not name a foundation model"),
        (
            "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/a1b2c3d4e5f6",
            "does not name a foundation model",
        ),
        ("arn:aws:bedrock:us-east-1:111122223333:imported-model/k1l2m3n4", "does not name a foundation model"),
        ("anthropic.claude-3-5-sonnet-20990101-v1:0", "not in the price table"),
        ("openai.gpt-oss-999b-1:0", "not in the price table"),
        ("gpt-4o", "not in the price table"),
    ],
)
def test_unknown_bedrock_models_are_unknown_never_free(builtin: PriceTable, model: str, reason: str) -> None:
    price = builtin.lookup("aws_bedrock", model)
    assert isinstance(price, UnknownPrice)
    assert price.provider == "aws_bedrock" and reason in price.reason


@pytest.mark.parametrize(
    ("provider", "model", "entry", "input_price"),
    [
        ("openai", "gpt-4o", "gpt-4o", "2.50"),
        ("openai", "gpt-4o-2024-08-06", "gpt-4o", "2.50"),
        ("openai", "gpt-4o-2024-11-20", "gpt-4o", "2.50"),
        ("openai", "gpt-4o-2024-05-13", "gpt-4o-2024-05-13", "5.00"),
        ("openai", "GPT-4o-Mini-2024-07-18", "gpt-4o-mini", "0.15"),
        ("openai", "o3-mini-2025-01-31", "o3-mini", "1.10"),
        ("openai", "gpt-4-0613", "gpt-4", "30"),
        ("openai", "gpt-4-1106-preview", "gpt-4-turbo", "10"),
        ("azure_openai", "gpt-35-turbo", "gpt-35-turbo", "0.50"),
        ("azure_openai", "gpt-3.5-turbo-0125", "gpt-35-turbo", "0.50"),
        ("azure_openai", "gpt-4.1-nano-2025-04-14", "gpt-4.1-nano", "0.10"),
        ("anthropic", "claude-3-5-sonnet-latest", "claude-3-5-sonnet-20241022", "3"),
        ("anthropic", "claude-opus-4-5", "claude-opus-4-5-20251101", "5"),
        ("anthropic", "claude-instant-1.2", "claude-instant-1.2", "0.80"),
    ],
)
def test_openai_azure_and_anthropic_snapshots_resolve_through_explicit_aliases(
    builtin: PriceTable, provider: str, model: str, entry: str, input_price: str
) -> None:
    price = found(builtin, provider, model)
    assert (price.provider, price.model, price.input) == (provider, entry, Decimal(input_price))


@pytest.mark.parametrize(
    ("provider", "model"),
    [("openai", "gpt-4o-2099-01-01"), ("openai", "ft:gpt-4o-mini-2024-07-18:acme::9abc"), ("anthropic", "claude-9")],
)
def test_snapshot_suffixes_are_never_stripped_implicitly(builtin: PriceTable, provider: str, model: str) -> None:
    price = builtin.lookup(provider, model)
    assert isinstance(price, UnknownPrice) and price.model == model.lower()


@pytest.mark.parametrize(
    ("model", "region", "entry", "region_class", "input_price"),
    [
        (
            "projects/acme-prod/locations/us-east5/publishers/anthropic/models/claude-3-5-sonnet-v2@20241022",
            None,
            "claude-3-5-sonnet-v2@20241022",
            "standard",
            "3",
        ),
        (
            "publishers/anthropic/models/claude-3-5-sonnet-v2@20241022",
            None,
            "claude-3-5-sonnet-v2@20241022",
            "standard",
            "3",
        ),
        ("claude-3-5-sonnet-v2@20241022", "us-east5", "claude-3-5-sonnet-v2@20241022", "standard", "3"),
        ("claude-3-5-sonnet-v2", None, "claude-3-5-sonnet-v2@20241022", "standard", "3"),
        (
            "https://us-east5-aiplatform.googleapis.com/v1/projects/acme-prod/locations/us-east5/publishers/"
            "anthropic/models/claude-3-7-sonnet@20250219:streamRawPredict",
            None,
            "claude-3-7-sonnet@20250219",
            "standard",
            "3",
        ),
        (
            "projects/acme-prod/locations/global/publishers/anthropic/models/claude-sonnet-4-5@20250929",
            None,
            "claude-sonnet-4-5@20250929",
            "global",
            "3",
        ),
        (
            "projects/acme-prod/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929",
            None,
            "claude-sonnet-4-5@20250929",
            "regional",
            "3.30",
        ),
        ("claude-haiku-4-5@20251001", "global", "claude-haiku-4-5@20251001", "global", "1"),
        ("claude-haiku-4-5", "europe-west1", "claude-haiku-4-5@20251001", "regional", "1.10"),
        ("publishers/google/models/gemini-2.0-flash-001", None, "gemini-2.0-flash", "standard", "0.15"),
        ("gemini-1.5-pro-002", "us-central1", "gemini-1.5-pro", "standard", "1.25"),
        (
            "projects/acme-prod/locations/us-central1/publishers/google/models/gemini-2.5-pro:generateContent",
            None,
            "gemini-2.5-pro",
            "standard",
            "1.25",
        ),
    ],
)
def test_vertex_resource_names_urls_and_versioned_ids(
    builtin: PriceTable, model: str, region: str | None, entry: str, region_class: str, input_price: str
) -> None:
    price = found(builtin, "gcp_vertex", model, region)
    assert (price.model, price.region_class, price.input) == (entry, region_class, Decimal(input_price))


def test_a_provider_jackwatch_has_no_prices_for_is_unknown(builtin: PriceTable) -> None:
    price = builtin.lookup("mistral_api", "mistral-large-latest")
    assert isinstance(price, UnknownPrice)
    assert "no prices for this provider" in price.reason and "aws_bedrock" in price.reason
    assert str(price).startswith("mistral_api mistral-large-latest: ")


def test_prices_of_one_model_differ_per_provider(builtin: PriceTable) -> None:
    bedrock = found(builtin, "aws_bedrock", "anthropic.claude-3-5-sonnet-20240620-v1:0")
    anthropic = found(builtin, "anthropic", "claude-3-5-sonnet-20240620")
    assert bedrock.cache_read is None and anthropic.cache_read == Decimal("0.30")


def test_answers_are_remembered_up_to_a_bound_and_stay_right_beyond_it(
    builtin: PriceTable, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("jackwatch.cost.table.KEPT_ANSWERS", 3)
    table = PriceTable(builtin.entries)
    first = table.lookup("aws_bedrock", CLAUDE_35_SONNET, "us-east-1")
    assert table.lookup("aws_bedrock", CLAUDE_35_SONNET, "us-east-1") is first
    made_up = [f"anthropic.claude-made-up-{n}" for n in range(5)]  # request-supplied ids: not all kept
    for model in made_up:
        assert isinstance(table.lookup("aws_bedrock", model, "us-east-1"), UnknownPrice)
    assert len(table._answers) == 3
    assert found(table, "aws_bedrock", SONNET_45, "us-east-1").model == SONNET_45
    assert table.lookup("nowhere", CLAUDE_35_SONNET) == builtin.lookup("nowhere", CLAUDE_35_SONNET)
