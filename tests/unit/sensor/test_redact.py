"""Secrets in command lines are redacted; everything else is left as it is."""

from __future__ import annotations

from jackwatch.sensor.redact import redact_args, redact_text

KEY = "sk-ant-api03-" + "Zx8Kq2Lm4Np6Rt8Vw0Yz2Bd4Fh6Jk8Mn0Pq2St4Uv6Wx8Za0Cb2Ef4Gh6Ij8Kl0Mn2Op4Qr6St8Uv0Wx2Yz4-AbCdEfAA"


def test_a_key_in_an_argument_is_redacted() -> None:
    text = f"x-api-key: {KEY}"
    redacted = redact_text(text)
    assert KEY not in redacted and redacted.startswith("x-api-key: sk-a…")


def test_arguments_without_secrets_are_the_same_list() -> None:
    args = ["uvicorn", "app:main", "--host", "0.0.0.0", "--port", "8000", "AKIAIOSFODNN7EXAMPLE"]
    assert redact_args(args) is args
    assert redact_args(["--key", KEY])[1] != KEY
