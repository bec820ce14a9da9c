"""User-agent families of real CloudTrail userAgent values."""

from __future__ import annotations

import pytest

from jackwatch.normalize import UserAgentFamily, user_agent_family

F = UserAgentFamily

CASES = [
    # console
    ("AWS Internal", F.AWS_CONSOLE),
    ("console.amazonaws.com", F.AWS_CONSOLE),
    ("console.ec2.amazonaws.com", F.AWS_CONSOLE),
    ("signin.amazonaws.com", F.AWS_CONSOLE),
    (
        "[S3Console/0.4, aws-internal/3 aws-sdk-java/1.11.666 Linux/4.9.184-0.1.ac.235.83.329.metal1.x86_64]",
        F.AWS_CONSOLE,
    ),
    (
        "aws-internal/3 aws-sdk-java/1.11.1030 Linux/5.4.116-64.217.amzn2int.x86_64"
        " OpenJDK_64-Bit_Server_VM/25.302-b08 java/1.8.0_302 vendor/Oracle_Corporation"
        " cfg/retry-mode/standard",
        F.AWS_CONSOLE,
    ),
    # services
    ("cloudformation.amazonaws.com", F.AWS_SERVICE),
    ("bedrock.amazonaws.com", F.AWS_SERVICE),
    ("eks-nodegroup.amazonaws.com", F.AWS_SERVICE),
    # CLI (also mentions botocore / Python)
    (
        "aws-cli/2.13.0 Python/3.11.4 Linux/5.10.0-1234-aws exe/x86_64.amzn.2 prompt/off command/s3.ls",
        F.AWS_CLI,
    ),
    ("aws-cli/1.15.42 Python/3.6.1 Darwin/17.7.0 botocore/1.10.42", F.AWS_CLI),
    ("aws-cli/2.15.59 md/awscrt#0.19.19 ua/2.0 os/macos#22.6.0 md/arch#arm64 lang/python#3.11.8", F.AWS_CLI),
    # SDKs
    (
        "Boto3/1.29.7 md/Botocore#1.32.7 ua/2.0 os/windows#10 md/arch#amd64 lang/python#3.12.1"
        " md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.32.7",
        F.AWS_SDK,
    ),
    ("Boto3/1.26.0", F.AWS_SDK),
    (
        "aiobotocore/2.5.0 md/Botocore#1.29.76 ua/2.0 os/linux#6.1 lang/python#3.11.4 Botocore/1.29.76",
        F.AWS_SDK,
    ),
    ("aws-sdk-go/1.15.12 (go1.12.6; linux; amd64)", F.AWS_SDK),
    ("aws-sdk-go-v2/1.14.0 os/macos lang/go/1.17.6 md/GOOS/darwin md/GOARCH/arm64", F.AWS_SDK),
    ("aws-sdk-java/2.20.0", F.AWS_SDK),
    (
        "aws-sdk-js/3.600.0 ua/2.1 os/linux#5.10 lang/js md/nodejs#20.12.2 api/bedrock-runtime#3.600.0",
        F.AWS_SDK,
    ),
    ("aws-sdk-nodejs/2.1.0 linux/v18.0.0", F.AWS_SDK),
    ("aws-sdk-net/3.7.0.0 ua/2.0 os/windows#10.0 md/aws-sdk-net-core", F.AWS_SDK),
    ("aws-sdk-php/3.281.0 OS/Linux/5.15 lang/php#8.2", F.AWS_SDK),
    ("aws-sdk-ruby3/3.181.0 ua/2.0 api/s3#1.130.0 os/linux md/x86_64 lang/ruby#3.2.2", F.AWS_SDK),
    ("aws-sdk-rust/1.1.1 os/linux lang/rust/1.74.0", F.AWS_SDK),
    (
        "APN/1.0 HashiCorp/1.0 Terraform/1.1.2 (+https://www.terraform.io)"
        " terraform-provider-aws/3.70.0 aws-sdk-go/1.42.25 (go1.16; linux; amd64)",
        F.AWS_SDK,
    ),
    ("awslambda-worker/1.0 rusoto/0.47.0 rust/1.55.0 linux", F.AWS_SDK),
    # browsers
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
        " Chrome/126.0.0.0 Safari/537.36",
        F.BROWSER,
    ),
    (
        "[Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)"
        " Version/17.0 Safari/605.1.15]",
        F.BROWSER,
    ),
    ("Mozilla/2.0 (compatible; NEWT ActiveX; Win32)", F.BROWSER),
    ("Mozilla", F.BROWSER),
    # generic HTTP libraries (the LLMjacking tooling)
    ("Python/3.11 aiohttp/3.9.5", F.HTTP_LIBRARY),
    ("Python/3.12 aiohttp/3.9.1", F.HTTP_LIBRARY),
    ("axios/1.6.1", F.HTTP_LIBRARY),
    ("python-urllib3/2.0.7", F.HTTP_LIBRARY),
    ("urllib3/1.26.18", F.HTTP_LIBRARY),
    ("python-requests/2.31.0", F.HTTP_LIBRARY),
    ("curl/8.4.0", F.HTTP_LIBRARY),
    ("Go-http-client/1.1", F.HTTP_LIBRARY),
    ("okhttp/4.12.0", F.HTTP_LIBRARY),
    ("node-fetch/1.0 (+https://github.com/bitinn/node-fetch)", F.HTTP_LIBRARY),
    ("undici", F.HTTP_LIBRARY),
    ("Java/1.8.0_392", F.HTTP_LIBRARY),
    ("Python-urllib/3.11", F.HTTP_LIBRARY),
    ("Python-httplib2/0.8 (gzip)", F.HTTP_LIBRARY),
    # empty and other
    ("", F.EMPTY),
    ("   ", F.EMPTY),
    ("[]", F.EMPTY),
    ("stratus-red-team_8b255a24-d33d-4750-bd4b-4007124741df", F.OTHER),
    ("TruffleHog", F.OTHER),
    ("Chrome Browser", F.OTHER),
    ("amazon-ssm-agent/3.2.0", F.OTHER),
]


@pytest.mark.parametrize(("user_agent", "family"), CASES)
def test_family(user_agent: str, family: UserAgentFamily) -> None:
    assert user_agent_family(user_agent) is family


@pytest.mark.parametrize("value", [None, 3, ["aws-cli/2.0"]])
def test_missing_or_non_text_is_empty(value: object) -> None:
    assert user_agent_family(value) is UserAgentFamily.EMPTY


def test_families_are_plain_text_values() -> None:
    assert user_agent_family("axios/1.7.4") == "http_library"
