"""S3 inputs: the bucket Bedrock delivers invocation logs to, read through boto3 against moto's S3."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import boto3
import pytest
from moto import mock_aws
from tests.unit.sources.sourcekit import gzipped_lines

from jackwatch.errors import SourceError

from .conftest import ACCOUNT, Reader, RecordFactory

BUCKET = "acme-bedrock-logs"
PREFIX = f"invocations/AWSLogs/{ACCOUNT}/BedrockModelInvocationLogs"


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.session.Session]:
    """A session with made-up credentials, inside moto's in-process AWS."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    with mock_aws():
        yield boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
        )


def test_a_bucket_is_read_hour_by_hour_with_days_outside_the_window_left_out(
    session: boto3.session.Session, read: Reader, record: RecordFactory
) -> None:
    s3 = session.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(
        Bucket=BUCKET,
        Key=f"{PREFIX}/us-east-1/2025/05/15/15/20250515T150412Z_9a1b.json.gz",
        Body=gzipped_lines([record(3700)]),
    )
    s3.put_object(
        Bucket=BUCKET,
        Key=f"{PREFIX}/ap-south-1/2025/05/15/14/20250515T145902Z_7c2d.json.gz",
        Body=gzipped_lines([record(5), record(6)]),
    )
    s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}/us-east-1/2025/04/01/10/20250401T100000Z_old.json.gz", Body=b"no")
    s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}/us-east-1/2025/05/15/15/data/9a1b_input.pdf", Body=b"%PDF-1.7")
    seen: list[str] = []
    events, stats = read(
        [f"s3://{BUCKET}/invocations/"], session=session, since=datetime(2025, 5, 15, tzinfo=UTC), progress=seen.append
    )
    assert [event.id for event in events] == [record(i)["requestId"] for i in (5, 6, 3700)]
    assert [event.origin.split("/")[7] for event in events] == ["ap-south-1", "ap-south-1", "us-east-1"]
    assert len(seen) == 2 and stats.files_read == 2 and stats.events_skipped == 0
    assert [p.reason for p in stats.problems] == ["ignored"]


def test_a_missing_bucket_is_a_source_error(session: boto3.session.Session, read: Reader) -> None:
    with pytest.raises(SourceError, match="the bucket does not exist"):
        read(["s3://no-such-bucket-for-bedrock/"], session=session)
