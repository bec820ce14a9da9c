"""SQS message bodies: S3, SNS, CloudTrail and EventBridge notifications, and malformed ones."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from jackwatch.sources.cloudtrail.sqs import MalformedMessage, Notice, ObjectRef, parse_message, queue_region

from .conftest import make_record

KEY = "AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/111122223333_CloudTrail_us-east-1_20240501T1205Z_a.json.gz"


def s3_notification(key: str, event: str = "ObjectCreated:Put", bucket: str = "trail-bucket") -> dict[str, Any]:
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "us-east-1",
                "eventTime": "2024-05-01T12:05:31.123Z",
                "eventName": event,
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
                    "object": {"key": key, "size": 1520, "eTag": "9b2cf535f27731c974343645a3985328"},
                },
            }
        ]
    }


def eventbridge(detail_type: str, detail: dict[str, Any], source: str = "aws.s3") -> dict[str, Any]:
    return {
        "version": "0",
        "id": "17793124-05d4-b198-2fde-7ededc63b103",
        "detail-type": detail_type,
        "source": source,
        "account": "111122223333",
        "time": "2024-05-01T12:05:31Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }


def body(value: object) -> str:
    return orjson.dumps(value).decode()


def test_an_s3_notification_gives_the_decoded_key_with_the_raw_one_as_fallback() -> None:
    notice = parse_message(body(s3_notification("exports/May+2024/trail%3A1.json")))
    assert notice == Notice(
        (ObjectRef("trail-bucket", "exports/May 2024/trail:1.json", ("exports/May+2024/trail%3A1.json",)),)
    )


def test_a_plain_key_has_no_fallback() -> None:
    assert parse_message(body(s3_notification(KEY))) == Notice((ObjectRef("trail-bucket", KEY),))


def test_removed_objects_and_test_events_ask_for_nothing() -> None:
    assert parse_message(body(s3_notification(KEY, "ObjectRemoved:Delete"))) == Notice()
    test_event = {"Service": "Amazon S3", "Event": "s3:TestEvent", "Time": "2024-05-01T12:00:00Z", "Bucket": "b"}
    assert parse_message(body(test_event)) == Notice()


def test_an_sns_wrapped_s3_notification_is_unwrapped() -> None:
    wrapped = {
        "Type": "Notification",
        "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
        "TopicArn": "arn:aws:sns:us-east-1:111122223333:trail-files",
        "Message": body(s3_notification(KEY)),
        "Timestamp": "2024-05-01T12:05:32.000Z",
    }
    assert parse_message(body(wrapped)) == Notice((ObjectRef("trail-bucket", KEY),))


def test_cloudtrails_own_sns_notification_lists_its_files() -> None:
    wrapped = {"Type": "Notification", "Message": body({"s3Bucket": "trail-bucket", "s3ObjectKey": [KEY, KEY + "2"]})}
    notice = parse_message(body(wrapped))
    assert notice.objects == (ObjectRef("trail-bucket", KEY), ObjectRef("trail-bucket", KEY + "2"))


def test_an_eventbridge_object_created_keeps_the_key_as_is_first() -> None:
    event = eventbridge("Object Created", {"bucket": {"name": "trail-bucket"}, "object": {"key": "a+b.json"}})
    assert parse_message(body(event)) == Notice((ObjectRef("trail-bucket", "a+b.json", ("a b.json",)),))


def test_an_eventbridge_cloudtrail_event_carries_the_record() -> None:
    record = make_record(5)
    event = eventbridge("AWS API Call via CloudTrail", record, source="aws.bedrock")
    assert parse_message(body(event)) == Notice(records=(record,))


def test_other_s3_eventbridge_events_ask_for_nothing() -> None:
    event = eventbridge("Object Deleted", {"bucket": {"name": "b"}, "object": {"key": "k"}})
    assert parse_message(body(event)) == Notice()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "the body is not JSON"),
        ("[1, 2]", "the body is not a JSON object"),
        (body({"hello": "world"}), "not an S3, SNS or EventBridge notification"),
        (body({"Type": "Notification", "Message": "{oops"}), "the SNS Message is not JSON"),
        (body({"Records": "x"}), "Records is not an array"),
        (body({"Records": [make_record(0)]}), "not an S3 event notification"),
        (body(s3_notification("")), "no s3.object.key"),
        (body({"s3Bucket": "b", "s3ObjectKey": "k"}), "s3ObjectKey is not an array"),
        (body(eventbridge("Object Created", {"bucket": {"name": "b"}})), "no object.key"),
        (body(eventbridge("Object Created", "x")), "without detail"),  # type: ignore[arg-type]
        (body(eventbridge("EC2 Instance State-change Notification", {}, "aws.ec2")), "unsupported EventBridge"),
    ],
)
def test_malformed_messages_are_rejected_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(MalformedMessage, match=message):
        parse_message(text)


@pytest.mark.parametrize(
    ("queue", "region"),
    [
        ("https://sqs.eu-west-3.amazonaws.com/111122223333/trail-files", "eu-west-3"),
        ("https://eu-west-3.queue.amazonaws.com/111122223333/trail-files", "eu-west-3"),
        ("https://sqs.cn-north-1.amazonaws.com.cn/111122223333/q", "cn-north-1"),
        ("http://127.0.0.1:5000/123456789012/trail-files", None),
        ("trail-files", None),
    ],
)
def test_the_region_is_taken_from_an_aws_queue_url(queue: str, region: str | None) -> None:
    assert queue_region(queue) == region
