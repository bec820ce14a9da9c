"""Input specs and AWS error messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

from jackwatch.aws import aws_errors, describe
from jackwatch.errors import ConfigError, SourceError
from jackwatch.sources.cloudtrail.spec import LookupSpec, PathSpec, S3Spec, SqsSpec, StdinSpec, parse_spec


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("-", StdinSpec()),
        ("logs/trail.json.gz", PathSpec(Path("logs/trail.json.gz"))),
        ("s3://trail-bucket", S3Spec("trail-bucket", "")),
        ("s3://trail-bucket/", S3Spec("trail-bucket", "")),
        ("s3://trail-bucket/team/AWSLogs/", S3Spec("trail-bucket", "team/AWSLogs/")),
        ("sqs://trail-files", SqsSpec("trail-files")),
        (
            "sqs://https://sqs.us-east-1.amazonaws.com/111122223333/q",
            SqsSpec("https://sqs.us-east-1.amazonaws.com/111122223333/q"),
        ),
        (
            "sqs:https://sqs.us-east-1.amazonaws.com/111122223333/q",
            SqsSpec("https://sqs.us-east-1.amazonaws.com/111122223333/q"),
        ),
        (
            "sqs://sqs.us-east-1.amazonaws.com/111122223333/q",
            SqsSpec("https://sqs.us-east-1.amazonaws.com/111122223333/q"),
        ),
        ("lookup://", LookupSpec()),
        ("lookup:", LookupSpec()),
        ("lookup://us-east-1, eu-west-3", LookupSpec(("us-east-1", "eu-west-3"))),
        ("lookup://megov-northeast-1r", LookupSpec(("megov-northeast-1r",))),
    ],
)
def test_specs_parse(text: str, spec: object) -> None:
    assert parse_spec(text) == spec


@pytest.mark.parametrize("text", ["s3:///key", "sqs:", "lookup://us_east_1", "lookup://US-EAST-1", "https://x/y"])
def test_bad_specs_are_config_errors(text: str) -> None:
    with pytest.raises(ConfigError, match=r"expected a path, -, s3://"):
        parse_spec(text)


def client_error(code: str, message: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "ListObjectsV2")


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (NoCredentialsError(), "no usable AWS credentials"),
        (EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), "cannot reach the AWS endpoint"),
        (client_error("AccessDenied", "Access Denied"), "access denied (AccessDenied: Access Denied)"),
        (client_error("NoSuchBucket", "The specified bucket does not exist"), "the bucket does not exist"),
        (client_error("AWS.SimpleQueueService.NonExistentQueue", "no queue"), "the queue does not exist"),
        (client_error("ThrottlingException", "Rate exceeded"), "ThrottlingException: Rate exceeded"),
    ],
)
def test_aws_errors_are_explained(error: Exception, text: str) -> None:
    assert text in describe(error)  # type: ignore[arg-type]
    with pytest.raises(SourceError, match=r"^cannot list s3://b/: ") as caught, aws_errors("cannot list s3://b/"):
        raise error
    assert caught.value.__cause__ is error
