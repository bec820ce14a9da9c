"""Loading price files: schema validation (every error, with file:line), defaults, overrides, safe YAML."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from jackwatch.cost import (
    Price,
    PriceTable,
    PriceTableError,
    Provider,
    UnknownPrice,
    load_price_table,
    read_price_file,
)

WriteFile = Callable[..., Path]

GOOD = """\
    defaults:
      provider: aws_bedrock
      effective: 2025-06-01
      source: https://prices.example.com/bedrock
    prices:
      - model: acme.frontier-v1:0
        aliases: [acme.frontier-v1:0:128k]
        input: 0.075
        output: 12
        cache_read: 0.0075
      - model: acme.frontier-v1:0
        region_class: us-gov
        input: 0.09
        output: 14.4
        effective: 2025-07-15
        source: https://prices.example.com/govcloud
        note: GovCloud list price
      - provider: openai
        model: acme-chat
        input: 1
        output: 2
"""


def errors_of(path: Path) -> list[str]:
    with pytest.raises(PriceTableError) as raised:
        load_price_table([path])
    return [str(error) for error in raised.value.errors]


def test_a_valid_file_loads_with_its_defaults_and_exact_amounts(price_file: WriteFile) -> None:
    prices, errors = read_price_file(price_file(GOOD))
    assert errors == []
    first, gov, chat = prices
    assert first == Price(
        provider=Provider.AWS_BEDROCK,
        model="acme.frontier-v1:0",
        region_class="standard",
        input=Decimal("0.075"),
        output=Decimal("12"),
        cache_read=Decimal("0.0075"),
        cache_write=None,
        effective=date(2025, 6, 1),
        source="https://prices.example.com/bedrock",
        aliases=("acme.frontier-v1:0:128k",),
    )
    assert str(first.location).endswith("prices.yaml:6")
    assert (gov.region_class, gov.effective, gov.source, gov.note) == (
        "us-gov",
        date(2025, 7, 15),
        "https://prices.example.com/govcloud",
        "GovCloud list price",
    )
    assert (chat.provider, chat.model, chat.region_class) == ("openai", "acme-chat", "standard")


def test_an_override_file_extends_the_built_in_table(price_file: WriteFile, builtin: PriceTable) -> None:
    table = load_price_table([price_file(GOOD)])
    assert len(table) == len(builtin) + 3
    price = table.lookup("aws_bedrock", "us.acme.frontier-v1:0:128k")
    assert isinstance(price, Price) and price.input == Decimal("0.075")
    assert isinstance(builtin.lookup("aws_bedrock", "acme.frontier-v1:0"), UnknownPrice)


def test_a_us_gov_price_applies_to_govcloud_calls_only(price_file: WriteFile) -> None:
    table = load_price_table([price_file(GOOD)])
    gov = table.lookup("aws_bedrock", "arn:aws:bedrock:us-gov-west-1::foundation-model/acme.frontier-v1:0")
    assert isinstance(gov, Price) and (gov.region_class, gov.input) == ("us-gov", Decimal("0.09"))
    assert isinstance(gov := table.lookup("aws_bedrock", "us-gov.acme.frontier-v1:0"), Price)
    assert gov.region_class == "us-gov"
    commercial = table.lookup("aws_bedrock", "acme.frontier-v1:0", "us-east-1")
    assert isinstance(commercial, Price) and commercial.region_class == "standard"


def test_an_override_replaces_the_built_in_entry_with_the_same_key(price_file: WriteFile) -> None:
    path = price_file(
        """\
        prices:
          - provider: aws_bedrock
            model: anthropic.claude-3-opus-20240229-v1:0
            input: 13.50
            output: 67.50
            effective: 2026-01-01
            source: https://aws.amazon.com/bedrock/pricing/
        """
    )
    table = load_price_table([path])
    price = table.lookup("aws_bedrock", "us.anthropic.claude-3-opus-20240229-v1:0")
    assert isinstance(price, Price)
    assert (price.input, price.output, price.effective) == (Decimal("13.50"), Decimal("67.50"), date(2026, 1, 1))
    assert price.location is not None and price.location.path == str(path)
    # the whole entry is replaced, aliases included
    assert isinstance(table.lookup("aws_bedrock", "anthropic.claude-3-opus-20240229-v1:0:200k"), UnknownPrice)


def test_later_override_files_win(price_file: WriteFile) -> None:
    entry = """\
        prices:
          - provider: openai
            model: gpt-4o
            input: {price}
            output: 10
            effective: 2026-01-01
            source: https://platform.openai.com/docs/pricing
        """
    first, second = price_file(entry.format(price=2.25), "a.yaml"), price_file(entry.format(price=2.00), "b.yaml")
    price = load_price_table([first, second]).lookup("openai", "gpt-4o")
    assert isinstance(price, Price) and price.input == Decimal("2.0")
    price = load_price_table([second, first]).lookup("openai", "gpt-4o")
    assert isinstance(price, Price) and price.input == Decimal("2.25")


BAD = """\
    defaults:
      provider: openai
      effective: 2025-13-01
      source: https://platform.openai.com/docs/pricing
    prices:
      - model: gpt-4o
        input: -1
        output: ten
        colour: red
      - model: us.anthropic.claude-3-haiku-20240307-v1:0
        provider: aws_bedrock
        input: 1
        output: 2
        effective: 2025-01-01
      - model: GPT-4O
        input: true
        output: .nan
        cache_read: 1
        cache_read: 2
        effective: 2025-01-01
        region_class: Global
      - provider: vertex
        model: gemini-2.0-flash
        aliases: [gemini-2.0-flash]
        input: 1
        output: 1
        effective: "2025-01-01T00:00:00Z"
        source: ftp://example.com/prices
      - just a string
      - model: o3
        effective: 2025-02-01
        aliases: o3-2025-04-16
"""


def test_every_error_of_a_bad_file_is_reported_with_its_line(price_file: WriteFile) -> None:
    path = price_file(BAD)
    errors = errors_of(path)
    expected = [
        "3: effective: '2025-13-01' is not a calendar date",
        "7: input: must be a finite number that is not negative, not -1",
        "8: output: must be a number (USD per million tokens), not 'ten'",
        "9: unknown key 'colour' (expected: model, aliases",
        "10: model: write the bare aws_bedrock model id ('anthropic.claude-3-haiku-20240307-v1:0'), "
        "not 'us.anthropic.claude-3-haiku-20240307-v1:0'",
        "15: model: write the bare openai model id ('gpt-4o'), not 'GPT-4O'",
        "16: input: must be a number (USD per million tokens), not True",
        "17: output: must be a finite number that is not negative, not nan",
        "19: key 'cache_read' given twice",
        "21: region_class: must be a lower-case name such as standard, global, regional or us-gov, not 'Global'",
        "22: provider: unknown provider 'vertex' (one of aws_bedrock, azure_openai, gcp_vertex, openai, anthropic)",
        "27: effective: must be a date written YYYY-MM-DD, not '2025-01-01T00:00:00Z'",
        "28: source: must be the URL of the public price list (https://…), not 'ftp://example.com/prices'",
        "6: price entry 5 must be a mapping, not 'just a string'",
        "30: missing input",
        "30: missing output",
        "32: aliases: must be a list of model ids, not 'o3-2025-04-16'",
    ]
    assert len(errors) == len(expected), "\n".join(errors)
    for want in expected:
        line, _, message = want.partition(": ")
        assert any(error.startswith(f"{path}:{line}: {message}") for error in errors), (want, errors)


def test_an_entry_relying_on_a_bad_default_is_dropped_without_a_second_error(price_file: WriteFile) -> None:
    path = price_file(
        """\
        defaults:
          provider: openai
          source: www.example.com
        prices:
          - model: gpt-4o
            input: 1
            output: 2
            effective: 2025-01-01
        """
    )
    prices, errors = read_price_file(path)
    assert prices == []
    assert [str(error) for error in errors] == [
        f"{path}:3: source: must be the URL of the public price list (https://…), not 'www.example.com'"
    ]


def test_the_same_entry_twice_in_one_layer_is_an_error_naming_both_places(price_file: WriteFile) -> None:
    path = price_file(
        """\
        defaults: {provider: anthropic, effective: 2025-01-01, source: "https://example.com/p"}
        prices:
          - {model: claude-x-1, input: 1, output: 2}
          - {model: claude-x-1, input: 3, output: 4}
        """
    )
    assert errors_of(path) == [f"{path}:4: anthropic claude-x-1 (standard) is already priced at {path}:3"]


def test_an_alias_claimed_by_two_models_is_an_error(price_file: WriteFile) -> None:
    path = price_file(
        """\
        defaults: {provider: openai, effective: 2025-01-01, source: "https://example.com/p"}
        prices:
          - {model: acme-1, aliases: [gpt-4o-2024-08-06], input: 1, output: 2}
        """
    )
    [error] = errors_of(path)
    assert error.startswith(f"{path}:3: openai id 'gpt-4o-2024-08-06' (standard) is already the model or an alias")
    assert "'gpt-4o'" in error and "openai.yaml:" in error


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "1: a price file is one YAML mapping with a 'prices' list"),
        ("- model: gpt-4o\n", "1: a price file is one YAML mapping with a 'prices' list"),
        ("prices: []\n", "1: prices must be a non-empty list of entries"),
        ("prices: {}\ndefaults: []\n", "2: defaults must be a mapping"),
        ("prices:\n  - model: [unclosed\n", "3:1: YAML syntax error"),
        ("a: 1\n---\nb: 2\n", "1: a price file is one YAML mapping with a 'prices' list"),
        ("prices: !!python/object/apply:os.system ['touch /tmp/pwned']\n", "1:9: YAML syntax error"),
        ("pricez: []\n", "1: unknown key 'pricez' (expected: defaults, prices)"),
    ],
)
def test_files_that_are_not_price_files(price_file: WriteFile, text: str, message: str) -> None:
    path = price_file(text)
    errors = errors_of(path)
    assert any(error.startswith(f"{path}:{message}") for error in errors), errors


def test_a_missing_or_undecodable_file_is_an_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    assert errors_of(missing) == [f"{missing}: cannot read the price file: No such file or directory"]
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"prices:\n  - model: \xff\xfe\n")
    [error] = errors_of(binary)
    assert error.startswith(f"{binary}: cannot read the price file: 'utf-8' codec can't decode")


def test_errors_of_several_files_are_all_reported(price_file: WriteFile) -> None:
    one = price_file("prices: []\n", "one.yaml")
    two = price_file("prices:\n  - model: x\n", "two.yaml")
    with pytest.raises(PriceTableError) as raised:
        load_price_table([one, two])
    text = str(raised.value)
    assert f"{one}:1: prices must be a non-empty list" in text
    assert f"{two}:2: missing provider" in text and f"{two}:2: missing input" in text
