"""CloudTrail from an SQS queue of notifications, read until the queue is empty.

A message may be an S3 event notification (keys URL-encoded), the same wrapped in SNS, CloudTrail's
own SNS notification (``s3Bucket``/``s3ObjectKey``), an EventBridge ``Object Created`` event, or an
EventBridge ``… via CloudTrail`` event whose ``detail`` is a CloudTrail record. A message is deleted
only once everything it refers to was read; a malformed message is counted and left in the queue.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

import orjson

from jackwatch.aws import AwsAccess, aws_errors
from jackwatch.errors import Location
from jackwatch.model import Event
from jackwatch.sources.cloudtrail.s3 import read_object
from jackwatch.sources.reading.blob import Outcome
from jackwatch.sources.reading.context import ReadContext
from jackwatch.sources.reading.layout import Verdict
from jackwatch.sources.reading.records import Converter

if TYPE_CHECKING:
    from collections.abc import Generator

    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef

_BATCH = 10
_QUEUE_HOST = re.compile(
    r"^https?://(?:sqs\.(?P<region>[a-z0-9-]+)|(?P<legacy>[a-z0-9-]+)\.queue)\.amazonaws\.com(?:\.cn)?/"
)


class MalformedMessage(ValueError):
    """A message that is not a notification jackwatch can use."""


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """An S3 object a message refers to; ``alternatives`` are other spellings of the key to try."""

    bucket: str
    key: str
    alternatives: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Notice:
    """What one message asks to read: objects, or CloudTrail records carried in the message itself."""

    objects: tuple[ObjectRef, ...] = ()
    records: tuple[Mapping[str, Any], ...] = ()


def parse_message(body: str) -> Notice:
    """The objects or records of one message body; raises :class:`MalformedMessage`."""
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise MalformedMessage(f"the body is not JSON ({exc.msg})") from None
    return _notice(value, wrapped=False)


def _notice(value: object, *, wrapped: bool) -> Notice:
    if not isinstance(value, dict):
        raise MalformedMessage("the body is not a JSON object")
    if not wrapped and value.get("Type") == "Notification" and isinstance(value.get("Message"), str):
        try:
            inner = orjson.loads(value["Message"])
        except orjson.JSONDecodeError as exc:
            raise MalformedMessage(f"the SNS Message is not JSON ({exc.msg})") from None
        return _notice(inner, wrapped=True)
    if "Records" in value:
        return _s3_notification(value["Records"])
    if value.get("Event") == "s3:TestEvent":
        return Notice()
    if "s3Bucket" in value:
        return _trail_notification(value)
    if "detail-type" in value:
        return _eventbridge(value)
    raise MalformedMessage("not an S3, SNS or EventBridge notification")


def _text(mapping: Mapping[str, Any], *path: str) -> str:
    """The non-empty string at ``path`` in nested objects."""
    value: Any = mapping
    for step in path:
        value = value.get(step) if isinstance(value, Mapping) else None
    if not isinstance(value, str) or not value:
        raise MalformedMessage(f"no {'.'.join(path)} in the notification")
    return value


def _s3_notification(records: object) -> Notice:
    """An S3 event notification: created objects, keys URL-encoded (the raw key is kept as a fallback)."""
    if not isinstance(records, list):
        raise MalformedMessage("Records is not an array")
    refs = []
    for record in records:
        if not isinstance(record, dict) or not isinstance(record.get("s3"), dict):
            raise MalformedMessage("a record without s3: not an S3 event notification")
        if not str(record.get("eventName", "")).startswith("ObjectCreated:"):
            continue
        key = _text(record, "s3", "object", "key")
        decoded = unquote_plus(key)
        refs.append(ObjectRef(_text(record, "s3", "bucket", "name"), decoded, (key,) if key != decoded else ()))
    return Notice(tuple(refs))


def _trail_notification(value: Mapping[str, Any]) -> Notice:
    """CloudTrail's own SNS notification of delivered files."""
    bucket = _text(value, "s3Bucket")
    keys = value.get("s3ObjectKey")
    if not isinstance(keys, list) or not all(isinstance(key, str) and key for key in keys):
        raise MalformedMessage("s3ObjectKey is not an array of keys")
    return Notice(tuple(ObjectRef(bucket, key) for key in keys))


def _eventbridge(value: Mapping[str, Any]) -> Notice:
    """An EventBridge event: an S3 ``Object Created`` (key as is, decoded as a fallback) or a CloudTrail record."""
    kind = value.get("detail-type")
    detail = value.get("detail")
    if not isinstance(detail, dict):
        raise MalformedMessage("an EventBridge event without detail")
    if kind == "Object Created":
        key = _text(detail, "object", "key")
        decoded = unquote_plus(key)
        return Notice((ObjectRef(_text(detail, "bucket", "name"), key, (decoded,) if decoded != key else ()),))
    if isinstance(kind, str) and kind.endswith("via CloudTrail"):
        return Notice(records=(detail,))
    if value.get("source") == "aws.s3":
        return Notice()
    raise MalformedMessage(f"unsupported EventBridge event {kind!r}")


def queue_region(queue: str) -> str | None:
    """The region in an AWS queue URL, if it has one."""
    match = _QUEUE_HOST.match(queue)
    return None if match is None else match["region"] or match["legacy"]


def read_sqs(queue: str, access: AwsAccess, context: ReadContext) -> Iterator[Event]:
    """Events of every notification in the queue (a URL or a name), until it is empty.

    Stops after ``options.sqs_max_messages`` messages, or when a receive returns no message not
    seen before. Queue errors raise :class:`~jackwatch.errors.SourceError`.
    """
    client = access.sqs(queue_region(queue))
    what = f"cannot read the SQS queue {queue}"
    with aws_errors(what):
        url = queue if "://" in queue else client.get_queue_url(QueueName=queue)["QueueUrl"]
    name = url.rstrip("/").rsplit("/", 1)[-1]
    s3 = access.s3()
    limit = context.options.sqs_max_messages
    seen: set[str] = set()
    while limit is None or len(seen) < limit:
        with aws_errors(what):
            messages = _receive(client, url, _BATCH if limit is None else min(_BATCH, limit - len(seen)), context)
        fresh = [message for message in messages if message.get("MessageId", "") not in seen]
        if not fresh:
            break
        done = []
        for message in fresh:
            seen.add(message.get("MessageId", ""))
            if (yield from _handle(message, name, s3, context)):
                done.append(message)
        with aws_errors(what):
            _delete(client, url, name, done, context)


def _receive(client: SQSClient, url: str, count: int, context: ReadContext) -> list[MessageTypeDef]:
    """One long-polling receive of up to ``count`` messages."""
    options = context.options
    if options.sqs_visibility_timeout is None:
        reply = client.receive_message(
            QueueUrl=url, MaxNumberOfMessages=count, WaitTimeSeconds=options.sqs_wait_seconds
        )
    else:
        reply = client.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=count,
            WaitTimeSeconds=options.sqs_wait_seconds,
            VisibilityTimeout=options.sqs_visibility_timeout,
        )
    return list(reply.get("Messages", ()))


def _handle(message: MessageTypeDef, queue: str, s3: S3Client, context: ReadContext) -> Generator[Event, None, bool]:
    """Events of one message; returns whether it was fully read (so that it may be deleted)."""
    location = f"sqs://{queue}#{message.get('MessageId', '')}"
    context.progress(location)
    try:
        notice = parse_message(message.get("Body", ""))
    except MalformedMessage as exc:
        context.stats.skip("invalid_message", Location(location), f"{exc}; the message is left in the queue")
        return False
    convert = Converter(location, context)
    for record in notice.records:
        event = convert(record)
        if event is not None:
            yield event
    complete = True
    for ref in notice.objects:
        verdict = context.format.layout.file_verdict(ref.key, context.window)
        if verdict is Verdict.OUT_OF_RANGE:
            complete = False  # not read: left in the queue for a run whose window covers it
            continue
        if verdict is not Verdict.READ:
            continue
        outcome = yield from read_object(s3, ref.bucket, ref.key, context, ref.alternatives)
        complete = complete and outcome is not Outcome.UNREADABLE
    return complete


def _delete(client: SQSClient, url: str, queue: str, messages: Sequence[MessageTypeDef], context: ReadContext) -> None:
    """Delete fully read messages (one batch); a failed deletion is reported, not raised."""
    if not messages:
        return
    reply = client.delete_message_batch(
        QueueUrl=url,
        Entries=[{"Id": str(index), "ReceiptHandle": m.get("ReceiptHandle", "")} for index, m in enumerate(messages)],
    )
    for failure in reply.get("Failed", ()):
        message_id = messages[int(failure["Id"])].get("MessageId", "")
        context.stats.skip(
            "not_deleted",
            Location(f"sqs://{queue}#{message_id}"),
            f"the message could not be deleted ({failure.get('Code')}: {failure.get('Message', '')})",
            records=0,
        )
