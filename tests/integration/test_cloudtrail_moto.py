"""CloudTrail from S3, SQS and LookupEvents, against a real moto server (and a local LookupEvents endpoint).

moto serves S3, SQS and EC2 DescribeRegions but not CloudTrail LookupEvents (it answers 500), so the
LookupEvents tests use a small local HTTP endpoint that speaks CloudTrail's JSON protocol, with real
boto3 clients, request signing and pagination; region discovery still comes from moto.
"""

from __future__ import annotations

import gzip
import json
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import orjson
import pytest

from jackwatch.errors import Location, SourceError
from jackwatch.model import Event
from jackwatch.sources.cloudtrail import ReadOptions, read_cloudtrail
from jackwatch.sources.stats import ReadStats

pytestmark = pytest.mark.moto

ACCOUNT = "111122223333"
START = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def record(index: int, **fields: Any) -> dict[str, Any]:
    """A realistic CloudTrail record, ``index`` minutes after START."""
    base: dict[str, Any] = {
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "AssumedRole",
            "principalId": "AROAQWERQWERQWERQWER1:botocore-session-1714560000",
            "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/llm-gateway/botocore-session-1714560000",
            "accountId": ACCOUNT,
            "accessKeyId": "ASIAQWERQWERQWERQWE1",
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": "AROAQWERQWERQWERQWER1",
                    "arn": f"arn:aws:iam::{ACCOUNT}:role/llm-gateway",
                    "accountId": ACCOUNT,
                    "userName": "llm-gateway",
                },
                "attributes": {"creationDate": "2024-05-01T11:58:02Z", "mfaAuthenticated": "false"},
            },
        },
        "eventTime": (START + timedelta(minutes=index)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": "bedrock.amazonaws.com",
        "eventName": "Converse",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "198.51.100.23",
        "userAgent": "aws-sdk-js/3.569.0 ua/2.0 os/linux#5.10 lang/js md/nodejs#20.12.2",
        "requestParameters": {"modelId": "us.anthropic.claude-3-5-sonnet-20240620-v1:0"},
        "responseElements": None,
        "requestID": f"1a2b{index:08x}-3c4d-4e5f-8a9b-0c1d2e3f4a5b",
        "eventID": f"evt-{index:06d}",
        "readOnly": True,
        "eventType": "AwsApiCall",
        "managementEvent": False,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Data",
    }
    base.update(fields)
    return base


def trail_object(*indexes: int) -> bytes:
    return gzip.compress(orjson.dumps({"Records": [record(i) for i in indexes]}))


def day_key(day: str, region: str = "us-east-1", account: str = ACCOUNT, prefix: str = "") -> str:
    stamp = day.replace("/", "")
    return (
        f"{prefix}AWSLogs/{account}/CloudTrail/{region}/{day}/"
        f"{account}_CloudTrail_{region}_{stamp}T1205Z_Qw3rTy7uI9oP1aS2.json.gz"
    )


@dataclass
class Calls:
    """The API parameters of the S3 calls a session made."""

    gets: list[str] = field(default_factory=list)
    lists: list[str] = field(default_factory=list)


def count_calls(session: boto3.session.Session) -> Calls:
    calls = Calls()

    def on_get(params: dict[str, Any], **_: Any) -> None:
        calls.gets.append(params["Key"])

    def on_list(params: dict[str, Any], **_: Any) -> None:
        calls.lists.append(params.get("Prefix", ""))

    session.events.register("provide-client-params.s3.GetObject", on_get)
    session.events.register("provide-client-params.s3.ListObjectsV2", on_list)
    return calls


def read_all(specs: list[str], **kwargs: Any) -> tuple[list[Event], ReadStats]:
    stats = ReadStats()
    return list(read_cloudtrail(specs, stats, **kwargs)), stats


@pytest.fixture
def bucket(moto_session: boto3.session.Session, moto_endpoint: str, unique_name: str) -> str:
    moto_session.client("s3", endpoint_url=moto_endpoint).create_bucket(Bucket=unique_name)
    return unique_name


def upload(session: boto3.session.Session, endpoint: str, bucket: str, objects: dict[str, bytes]) -> None:
    s3 = session.client("s3", endpoint_url=endpoint)
    for key, data in objects.items():
        s3.put_object(Bucket=bucket, Key=key, Body=data)


def test_s3_prefix_is_listed_page_by_page_and_only_logs_are_fetched(
    moto_session: boto3.session.Session, moto_endpoint: str, bucket: str
) -> None:
    upload(
        moto_session,
        moto_endpoint,
        bucket,
        {
            "exports/a.json.gz": trail_object(0, 1),
            "exports/b.json": orjson.dumps({"Records": [record(2)]}),
            "exports/c.jsonl": orjson.dumps(record(3)) + b"\n" + orjson.dumps(record(4)) + b"\n",
            "exports/d/e.json.gz": trail_object(5),
            "exports/f.log": orjson.dumps(record(6)),
            "exports/x_CloudTrail-Digest_y.json.gz": b"digest",
            "exports/README.md": b"# notes",
            "other/g.json": trail_object(7),
        },
    )
    calls = count_calls(moto_session)
    events, stats = read_all(
        [f"s3://{bucket}/exports/"],
        session=moto_session,
        endpoint_url=moto_endpoint,
        options=ReadOptions(s3_page_size=2),
    )
    assert sorted(e.id for e in events) == [f"evt-{i:06d}" for i in range(7)]
    assert len(calls.lists) == 4
    assert sorted(calls.gets) == sorted(
        ["exports/a.json.gz", "exports/b.json", "exports/c.jsonl", "exports/d/e.json.gz", "exports/f.log"]
    )
    assert stats.files_read == 5
    assert [p.reason for p in stats.problems] == ["ignored"]
    assert {e.origin for e in events} >= {f"s3://{bucket}/exports/a.json.gz"}


@pytest.mark.parametrize("prefix", ["", "team-trail/"])
def test_s3_layout_is_pruned_by_day_across_accounts_and_regions(
    moto_session: boto3.session.Session, moto_endpoint: str, bucket: str, prefix: str
) -> None:
    broken = b"out of range: must never be fetched"
    inside = {
        day_key("2024/05/01", prefix=prefix): trail_object(0, 1),
        day_key("2024/05/02", "eu-west-1", prefix=prefix): trail_object(2),
        day_key("2024/05/01", "ap-south-1", "444455556666", prefix=prefix): trail_object(3),
    }
    outside = {
        day_key("2024/04/20", prefix=prefix): broken,
        day_key("2024/05/09", "eu-west-1", prefix=prefix): broken,
        day_key("2023/12/31", "ap-south-1", "444455556666", prefix=prefix): broken,
        f"{prefix}AWSLogs/{ACCOUNT}/CloudTrail-Digest/us-east-1/2024/05/01/{ACCOUNT}_CloudTrail-Digest_x.gz": broken,
        f"{prefix}AWSLogs/{ACCOUNT}/Config/us-east-1/2024/05/01/ConfigSnapshot/{ACCOUNT}_Config_x.json.gz": broken,
    }
    upload(moto_session, moto_endpoint, bucket, {**inside, **outside})
    calls = count_calls(moto_session)
    events, stats = read_all(
        [f"s3://{bucket}/{prefix.rstrip('/')}"],
        session=moto_session,
        endpoint_url=moto_endpoint,
        since=datetime(2024, 5, 1, tzinfo=UTC),
        until=datetime(2024, 5, 3, tzinfo=UTC),
        options=ReadOptions(s3_page_size=1),
    )
    assert sorted(e.id for e in events) == [f"evt-{i:06d}" for i in range(4)]
    assert sorted(calls.gets) == sorted(inside)
    listed_days = {p for p in calls.lists if re.search(r"/\d{4}/\d{2}/\d{2}/$", p)}
    assert listed_days == {key.rsplit("/", 1)[0] + "/" for key in inside}
    assert not any("CloudTrail-Digest" in p or "/Config/" in p for p in calls.lists)
    assert stats.events_skipped == 0
    assert [p.reason for p in stats.problems] == ["ignored"]


def test_s3_keys_outside_the_window_are_not_fetched_without_the_layout(
    moto_session: boto3.session.Session, moto_endpoint: str, bucket: str
) -> None:
    objects = {
        "flat/" + day_key("2024/05/01").rsplit("/", 1)[1]: trail_object(0),
        "flat/archive/" + day_key("2024/05/01"): trail_object(1),
        "flat/archive/" + day_key("2024/01/01"): b"must not be fetched",
    }
    upload(moto_session, moto_endpoint, bucket, objects)
    calls = count_calls(moto_session)
    events, stats = read_all(
        [f"s3://{bucket}/flat/"],
        session=moto_session,
        endpoint_url=moto_endpoint,
        since=datetime(2024, 5, 1, tzinfo=UTC),
    )
    assert sorted(e.id for e in events) == ["evt-000000", "evt-000001"]
    assert len(calls.gets) == 2
    assert not stats.problems


def test_s3_empty_prefix_is_a_problem(moto_session: boto3.session.Session, moto_endpoint: str, bucket: str) -> None:
    events, stats = read_all([f"s3://{bucket}/nothing/"], session=moto_session, endpoint_url=moto_endpoint)
    assert events == []
    assert [(p.reason, p.location) for p in stats.problems] == [("no_files", Location(f"s3://{bucket}/nothing/"))]


def test_s3_missing_bucket_is_a_source_error(moto_session: boto3.session.Session, moto_endpoint: str) -> None:
    with pytest.raises(SourceError, match="the bucket does not exist"):
        read_all(["s3://jw-no-such-bucket-x1/"], session=moto_session, endpoint_url=moto_endpoint)


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.mark.parametrize("spec", ["s3://trail-bucket/", "sqs://trail-files", "lookup://us-east-1"])
def test_an_unreachable_endpoint_is_a_source_error(moto_session: boto3.session.Session, spec: str) -> None:
    with pytest.raises(SourceError, match="cannot reach the AWS endpoint"):
        read_all([spec], session=moto_session, endpoint_url=closed_port_url(), options=ReadOptions(max_attempts=1))


def test_missing_credentials_are_a_source_error(
    aws_env: None, monkeypatch: pytest.MonkeyPatch, moto_endpoint: str
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(SourceError, match="no usable AWS credentials"):
        read_all(["s3://trail-bucket/"], endpoint_url=moto_endpoint, options=ReadOptions(max_attempts=1))


@dataclass
class Queue:
    url: str
    name: str
    sqs: Any

    def send(self, body: object) -> None:
        self.sqs.send_message(QueueUrl=self.url, MessageBody=body if isinstance(body, str) else json.dumps(body))

    def left(self) -> int:
        attributes = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["All"])["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


@pytest.fixture
def queue(moto_session: boto3.session.Session, moto_endpoint: str, unique_name: str) -> Queue:
    sqs = moto_session.client("sqs", endpoint_url=moto_endpoint)
    url = sqs.create_queue(QueueName=unique_name)["QueueUrl"]
    return Queue(url, unique_name, sqs)


def s3_event(bucket: str, key: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "us-east-1",
                "eventTime": "2024-05-01T12:05:31.000Z",
                "eventName": "ObjectCreated:Put",
                "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": bucket}, "object": {"key": key, "size": 1}},
            }
        ]
    }


def eventbridge(detail_type: str, detail: dict[str, Any], source: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "0d8b3a5e-2f2d-4a43-9d0e-6a1c3f1c2b7a",
        "detail-type": detail_type,
        "source": source,
        "account": ACCOUNT,
        "time": "2024-05-01T12:05:31Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }


def test_sqs_notifications_are_read_and_deleted_once_their_objects_are_read(
    moto_session: boto3.session.Session, moto_endpoint: str, bucket: str, queue: Queue
) -> None:
    upload(
        moto_session,
        moto_endpoint,
        bucket,
        {
            "trail/may 2024/a.json.gz": trail_object(0, 1),
            "trail/b.jsonl": orjson.dumps(record(2)) + b"\n",
            "trail/c.json": orjson.dumps({"Records": [record(3)]}),
        },
    )
    queue.send(s3_event(bucket, "trail/may+2024/a.json.gz"))
    queue.send({"Type": "Notification", "MessageId": "m-1", "Message": json.dumps(s3_event(bucket, "trail/b.jsonl"))})
    queue.send(eventbridge("Object Created", {"bucket": {"name": bucket}, "object": {"key": "trail/c.json"}}, "aws.s3"))
    queue.send(eventbridge("AWS API Call via CloudTrail", record(4), "aws.bedrock"))
    queue.send({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": bucket})
    queue.send("hello, this is not a notification")
    queue.send(s3_event(bucket, "trail/missing.json.gz"))

    stats = ReadStats()
    reader = read_cloudtrail(
        [f"sqs://{queue.url}"],
        stats,
        session=moto_session,
        endpoint_url=moto_endpoint,
        options=ReadOptions(sqs_wait_seconds=0),
    )
    first = next(reader)
    assert queue.left() == 7
    events = [first, *reader]

    assert sorted(e.id for e in events) == [f"evt-{i:06d}" for i in range(5)]
    assert {e.origin for e in events if e.id == "evt-000000"} == {f"s3://{bucket}/trail/may 2024/a.json.gz"}
    assert next(e.origin for e in events if e.id == "evt-000004").startswith(f"sqs://{queue.name}#")
    assert stats.skipped == {"invalid_message": 1, "unreadable": 1}
    assert all(
        p.location.path.startswith(f"sqs://{queue.name}#") for p in stats.problems if p.reason == "invalid_message"
    )
    assert queue.left() == 2


def test_sqs_stops_after_the_maximum_number_of_messages(
    moto_session: boto3.session.Session, moto_endpoint: str, bucket: str, queue: Queue
) -> None:
    upload(moto_session, moto_endpoint, bucket, {f"t/{i}.json.gz": trail_object(i) for i in range(5)})
    for index in range(5):
        queue.send(s3_event(bucket, f"t/{index}.json.gz"))
    events, stats = read_all(
        [f"sqs://{queue.name}"],
        session=moto_session,
        endpoint_url=moto_endpoint,
        options=ReadOptions(sqs_wait_seconds=0, sqs_max_messages=2),
    )
    assert len(events) == 2
    assert stats.files_read == 2
    assert queue.left() == 3


def test_sqs_objects_outside_the_window_are_not_fetched_and_their_messages_stay_queued(
    moto_session: boto3.session.Session, moto_endpoint: str, bucket: str, queue: Queue
) -> None:
    keys = {day_key("2024/05/01"): trail_object(0), day_key("2023/01/01"): b"must not be fetched"}
    upload(moto_session, moto_endpoint, bucket, keys)
    for key in keys:
        queue.send(s3_event(bucket, key))
    calls = count_calls(moto_session)
    events, stats = read_all(
        [f"sqs:{queue.url}"],
        session=moto_session,
        endpoint_url=moto_endpoint,
        since=datetime(2024, 5, 1, tzinfo=UTC),
        options=ReadOptions(sqs_wait_seconds=0),
    )
    assert [e.id for e in events] == ["evt-000000"]
    assert calls.gets == [day_key("2024/05/01")]
    assert not stats.problems
    assert queue.left() == 1  # the notification of the unread object is kept for a later run


def test_a_missing_queue_is_a_source_error(moto_session: boto3.session.Session, moto_endpoint: str) -> None:
    with pytest.raises(SourceError, match="the queue does not exist"):
        read_all(["sqs://jw-no-such-queue-x1"], session=moto_session, endpoint_url=moto_endpoint)


@dataclass
class FakeCloudTrail:
    """A local endpoint answering CloudTrail LookupEvents, with pagination, per signed region."""

    events: dict[str, list[dict[str, Any]]]
    denied: set[str]
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    url: str = ""

    def answer(self, region: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.requests.append((region, body))
        if region in self.denied:
            return 400, {"__type": "AccessDeniedException", "message": "User is not authorized in this region"}
        start = body.get("StartTime", float("-inf"))
        end = body.get("EndTime", float("inf"))
        matching = [e for e in self.events.get(region, []) if start <= e["EventTime"] <= end]
        offset = int(body.get("NextToken", "0"))
        size = int(body.get("MaxResults", 50))
        page: dict[str, Any] = {"Events": matching[offset : offset + size]}
        if offset + size < len(matching):
            page["NextToken"] = str(offset + size)
        return 200, page


def lookup_event(raw: dict[str, Any] | str) -> dict[str, Any]:
    text = raw if isinstance(raw, str) else orjson.dumps(raw).decode()
    when = raw["eventTime"] if isinstance(raw, dict) else "2024-05-01T12:00:00Z"
    return {
        "EventId": raw["eventID"] if isinstance(raw, dict) else "broken",
        "EventName": "Converse",
        "EventTime": datetime.fromisoformat(when).timestamp(),
        "CloudTrailEvent": text,
    }


@pytest.fixture
def fake_cloudtrail() -> Iterator[FakeCloudTrail]:
    fake = FakeCloudTrail(
        events={
            "us-east-1": [lookup_event(record(i)) for i in range(120)],
            "eu-west-1": [lookup_event(record(200 + i, eventTime=f"2024-05-01T12:3{i}:00Z")) for i in range(6)]
            + [lookup_event("{not json")],
        },
        denied={"ap-south-1"},
    )

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            credential = re.search(r"Credential=[^/]+/\d+/([^/]+)/", self.headers.get("Authorization", ""))
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
            assert self.headers.get("X-Amz-Target", "").endswith("CloudTrail_20131101.LookupEvents")
            status, reply = fake.answer(credential.group(1) if credential else "", body)
            data = json.dumps(reply).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Keep the test output quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


def test_lookup_reads_every_enabled_region_to_its_last_page(
    moto_session: boto3.session.Session,
    moto_endpoint: str,
    fake_cloudtrail: FakeCloudTrail,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_EC2", moto_endpoint)
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDTRAIL", fake_cloudtrail.url)
    regions = moto_session.client("ec2", endpoint_url=moto_endpoint).describe_regions(AllRegions=True)["Regions"]
    enabled = {r["RegionName"] for r in regions if r["OptInStatus"] != "not-opted-in"}
    assert {"us-east-1", "eu-west-1", "ap-south-1"} <= enabled
    assert len(enabled) < len(regions)
    since, until = START, START + timedelta(minutes=119)

    events, stats = read_all(["lookup://"], session=moto_session, since=since, until=until)

    assert sorted(e.id for e in events) == sorted(
        [f"evt-{i:06d}" for i in range(119)] + [f"evt-{200 + i:06d}" for i in range(6)]
    )
    assert {region for region, _ in fake_cloudtrail.requests} == enabled
    east = [body for region, body in fake_cloudtrail.requests if region == "us-east-1"]
    assert len(east) == 3
    assert [body.get("NextToken") for body in east] == [None, "50", "100"]
    assert all(body["MaxResults"] == 50 for body in east)
    assert east[0]["StartTime"] == since.timestamp()
    assert east[0]["EndTime"] == until.timestamp()
    assert {e.origin for e in events} == {"lookup://us-east-1", "lookup://eu-west-1"}
    assert stats.skipped == {"invalid_json": 1, "unreadable": 1}
    denied = next(p for p in stats.problems if p.reason == "unreadable")
    assert denied.location == Location("lookup://ap-south-1")
    assert "access denied" in denied.message
    assert stats.files_failed == 1
    assert stats.files_read == len(enabled) - 1


def test_lookup_of_named_regions_does_not_list_regions(
    moto_session: boto3.session.Session, fake_cloudtrail: FakeCloudTrail, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDTRAIL", fake_cloudtrail.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_EC2", closed_port_url())
    events, stats = read_all(["lookup://eu-west-1,ap-south-1"], session=moto_session)
    assert len(events) == 6
    assert [region for region, _ in fake_cloudtrail.requests] == ["eu-west-1", "ap-south-1"]
    assert "StartTime" not in fake_cloudtrail.requests[0][1]
    assert stats.files_read == 1


def test_lookup_against_moto_which_lacks_it_is_counted_per_region(
    moto_session: boto3.session.Session, moto_endpoint: str
) -> None:
    events, stats = read_all(
        ["lookup://us-east-1"], session=moto_session, endpoint_url=moto_endpoint, options=ReadOptions(max_attempts=1)
    )
    assert events == []
    assert stats.skipped == {"unreadable": 1}
    assert stats.problems[0].location == Location("lookup://us-east-1")
