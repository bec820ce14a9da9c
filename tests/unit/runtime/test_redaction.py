"""What the history keeps of command lines: secrets redacted (catalogue hits, secret options and variables,
headers, URL passwords), everything else as it was, strings storable."""

from __future__ import annotations

import random

import pytest
from tests.scanroots import openai_key

from jackwatch.runtime.redaction import joined, redact_args, redact_record, redact_text, secret_name, storable
from jackwatch.secrets import redact

KEY = openai_key(3)
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ8aPr3Lq1"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--api-key", KEY, "chat"), ("--api-key", redact(KEY), "chat")),
        ((f"--api-key={KEY}",), (f"--api-key={redact(KEY)}",)),
        ((f"OPENAI_API_KEY={KEY}", "python", "app.py"), (f"OPENAI_API_KEY={redact(KEY)}", "python", "app.py")),
        ((f"AWS_SECRET_ACCESS_KEY={AWS_SECRET}",), (f"AWS_SECRET_ACCESS_KEY={redact(AWS_SECRET)}",)),
        (("--password", "hunter2", "--user", "bob"), ("--password", redact("hunter2"), "--user", "bob")),
        (("-H", f"Authorization: Bearer {KEY}"), ("-H", f"Authorization: {redact('Bearer ' + redact(KEY))}")),
        (("mysql://app:s3cr3t-pw@db:3306/app",), (f"mysql://app:{redact('s3cr3t-pw')}@db:3306/app",)),
        (
            ("-c", f'curl -d \'{{"key": "{KEY}"}}\' https://x'),
            ("-c", f'curl -d \'{{"key": "{redact(KEY)}"}}\' https://x'),
        ),
    ],
)
def test_secrets_in_arguments_are_redacted(args: tuple[str, ...], expected: tuple[str, ...]) -> None:
    redacted = redact_args(args)
    assert redacted == expected
    assert KEY not in " ".join(redacted) and "hunter2" not in " ".join(redacted)


@pytest.mark.parametrize(
    "args",
    [
        ("-d", "/dev/shm/zeus", "nairobi"),
        ("-m", "uvicorn", "app:api", "--host", "0.0.0.0", "--port", "8000"),
        ("--tokenizer", "gpt2", "--max-tokens", "512", "--keyfile", "/etc/ssl/key.pem"),
        ("install", "openai==1.30.1"),
        ("--password-file", "/run/secrets/db"),
        ("https://api.openai.com/v1/models",),
    ],
)
def test_ordinary_arguments_are_kept(args: tuple[str, ...]) -> None:
    assert redact_args(args) == args


def test_a_secret_option_at_the_end_or_before_another_option_hides_nothing_else() -> None:
    assert redact_args(("--token",)) == ("--token",)
    assert redact_args(("--token", "--verbose")) == ("--token", "--verbose")


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("--password", True),
        ("DB_PASSWD", True),
        ("--client-secret", True),
        ("HF_TOKEN", True),
        ("--api_key", True),
        ("x-access-key", True),
        ("--max-tokens", False),
        ("--password-file", False),
        ("TOKEN_PATH", False),
        ("--sort-key", False),
        ("--host", False),
        ("", False),
    ],
)
def test_secret_names(name: str, secret: bool) -> None:
    assert secret_name(name) is secret


def test_a_private_key_block_is_redacted_whole() -> None:
    rng = random.Random(5)
    body = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") for _ in range(256))
    pem = f"-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----"
    redacted = redact_text(f"echo '{pem}' > /tmp/k")
    assert body[:40] not in redacted and redacted.endswith("' > /tmp/k")


def test_records_are_copied_with_every_args_list_redacted() -> None:
    record = {
        "type": "execve",
        "time": 1,
        "proc": {"pid": 5, "args": ["--api-key", KEY], "exe": "/usr/bin/tool\udcff"},
        "lineage": [{"pid": 4, "name": "sh", "args": ["-c", f"tool --api-key {KEY}"]}],
    }
    copy = redact_record(record)
    assert KEY not in str(copy)
    assert copy["proc"]["exe"] == "/usr/bin/tool\ufffd"
    assert record["proc"]["args"] == ["--api-key", KEY]  # the record itself is untouched


def test_storable_replaces_only_what_stores_refuse() -> None:
    assert storable("a\x00b\udc80c\n\t") == "a\ufffdb\ufffdc\n\t"
    text = "plain /path"
    assert storable(text) is text


def test_joined_arguments_read_as_a_shell_would_take_them() -> None:
    assert (
        joined(["-c", "useradd -d /dev/shm/zeus nairobi", "", "a\nb"])
        == "-c 'useradd -d /dev/shm/zeus nairobi' '' 'a\\nb'"
    )
    assert joined(["-d", "/dev/shm/zeus"]) == "-d /dev/shm/zeus"
