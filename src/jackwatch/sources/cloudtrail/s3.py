"""Logs from S3: ``s3://bucket/prefix``, listed page by page, each object streamed.

With a time window, a prefix in (or directly above) the ``AWSLogs`` layout is walked folder by folder
(accounts, regions, years, months, days) and only the day folders that may hold events of the window
are listed, across every account and region; other prefixes are listed whole, and keys are still
filtered by the date in their path before anything is fetched.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from jackwatch.aws import AwsAccess, aws_errors, describe, error_code
from jackwatch.errors import Location
from jackwatch.model import Event
from jackwatch.sources.reading.blob import EventStream, Outcome, read_events
from jackwatch.sources.reading.chunks import CHUNK_SIZE, StreamBroken
from jackwatch.sources.reading.context import ReadContext
from jackwatch.sources.reading.layout import Tally, Verdict, folder
from jackwatch.sources.reading.records import Converter

if TYPE_CHECKING:
    from botocore.response import StreamingBody
    from mypy_boto3_s3 import S3Client

_SEARCH_DEPTH = 2
"""How many folders below a prefix outside the layout are searched for an ``AWSLogs/`` folder."""


def read_s3(bucket: str, prefix: str, access: AwsAccess, context: ReadContext) -> Iterator[Event]:
    """Events of every log object of the context's format under ``s3://bucket/prefix``; listing errors raise
    SourceError.

    The keys are listed first and read in delivery order across regions and accounts (a key costs about
    100 bytes of memory: narrow a large bucket with ``since``/``until``).
    """
    client = access.s3()
    tally = Tally(f"s3://{bucket}/{prefix}", context.format.label)
    with aws_errors(f"cannot list s3://{bucket}/{prefix}"):
        keys = context.format.order(list_keys(client, bucket, prefix, context, tally))
    for key in keys:
        yield from read_object(client, bucket, key, context)
    tally.report(context.stats)


def list_keys(client: S3Client, bucket: str, prefix: str, context: ReadContext, tally: Tally) -> Iterator[str]:
    """The keys to read under ``prefix``, pruned by the window where the layout allows it."""
    if context.window.bounded:
        yield from _walk(client, bucket, prefix, context, tally, 0)
    else:
        yield from _kept(_list_all(client, bucket, prefix, context.options.s3_page_size), context, tally)


def _list_all(client: S3Client, bucket: str, prefix: str, page_size: int) -> Iterator[str]:
    """Every key under ``prefix``, page by page."""
    pages = client.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=prefix, PaginationConfig={"PageSize": page_size}
    )
    for page in pages:
        for item in page.get("Contents", ()):
            yield item["Key"]


def _list_level(client: S3Client, bucket: str, prefix: str, page_size: int) -> tuple[list[str], list[str]]:
    """The keys directly under ``prefix`` and its sub-folders (``…/``)."""
    keys: list[str] = []
    folders: list[str] = []
    pages = client.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=prefix, Delimiter="/", PaginationConfig={"PageSize": page_size}
    )
    for page in pages:
        keys.extend(item["Key"] for item in page.get("Contents", ()))
        folders.extend(item["Prefix"] for item in page.get("CommonPrefixes", ()))
    return keys, folders


def _walk(client: S3Client, bucket: str, prefix: str, context: ReadContext, tally: Tally, depth: int) -> Iterator[str]:
    """Keys under ``prefix``, descending the layout and skipping the folders the window rules out."""
    page_size = context.options.s3_page_size
    place = folder(prefix) if prefix == "" or prefix.endswith("/") else None
    if place is not None and place.is_day:
        yield from _kept(_list_all(client, bucket, prefix, page_size), context, tally)
        return
    keys, subfolders = _list_level(client, bucket, prefix, page_size)
    yield from _kept(keys, context, tally)
    for sub in subfolders:
        sub_place = folder(sub)
        if sub_place is not None:
            verdict = context.format.layout.folder_verdict(sub_place, context.window)
            if verdict is Verdict.READ:
                yield from _walk(client, bucket, sub, context, tally, 0)
            else:
                tally.note(verdict, sub)
        elif place is None and depth < _SEARCH_DEPTH:
            yield from _walk(client, bucket, sub, context, tally, depth + 1)
        else:
            yield from _kept(_list_all(client, bucket, sub, page_size), context, tally)


def _kept(keys: Iterable[str], context: ReadContext, tally: Tally) -> Iterator[str]:
    """The keys a walk reads (folder markers, digests, other services, non-logs and dates outside are not)."""
    for key in keys:
        if key.endswith("/"):
            continue
        verdict = context.format.layout.file_verdict(key, context.window)
        tally.note(verdict, key)
        if verdict is Verdict.READ:
            yield key


def read_object(
    client: S3Client, bucket: str, key: str, context: ReadContext, alternatives: Sequence[str] = ()
) -> EventStream:
    """Events of one object; when ``key`` does not exist, each of ``alternatives`` is tried in turn.

    An object that cannot be fetched is counted (files_failed, reason ``unreadable``) and gives
    :attr:`Outcome.UNREADABLE`.
    """
    try:
        key, body = _open(client, bucket, (key, *alternatives))
    except StreamBroken as exc:
        context.stats.files_failed += 1
        context.stats.skip(exc.reason, Location(f"s3://{bucket}/{key}"), exc.message)
        return Outcome.UNREADABLE
    origin = f"s3://{bucket}/{key}"
    context.progress(origin)
    converter = Converter(origin, context)
    return (yield from read_events(_body_chunks(body), converter, context.options.stream_threshold))


def _open(client: S3Client, bucket: str, keys: Sequence[str]) -> tuple[str, StreamingBody]:
    """The first of ``keys`` that exists, with its body."""
    for key in keys:
        body = _get(client, bucket, key)
        if body is not None:
            return key, body
    raise StreamBroken("unreadable", "the object does not exist (NoSuchKey)")


def _get(client: S3Client, bucket: str, key: str) -> StreamingBody | None:
    """The body of an object, or ``None`` if it does not exist; other failures raise StreamBroken."""
    try:
        return client.get_object(Bucket=bucket, Key=key)["Body"]
    except ClientError as exc:
        if error_code(exc) == "NoSuchKey":
            return None
        raise StreamBroken("unreadable", f"cannot get the object: {describe(exc)}") from None
    except BotoCoreError as exc:
        raise StreamBroken("unreadable", f"cannot get the object: {describe(exc)}") from None


def _body_chunks(body: StreamingBody) -> Iterator[bytes]:
    """The bytes of an object's body; a failing read raises :class:`StreamBroken`."""
    try:
        with closing(body):
            yield from body.iter_chunks(CHUNK_SIZE)
    except (BotoCoreError, OSError) as exc:
        raise StreamBroken("unreadable", f"reading the object failed: {exc}") from None
