"""The Amazon Bedrock model invocation log source: files, directories, stdin and S3.

:func:`read_bedrock_invocation` streams :class:`~jackwatch.model.Event` objects (source
``aws_bedrock_invocation``) from the logs Bedrock writes to S3 (``AWSLogs/<account>/BedrockModelInvocationLogs/
<region>/YYYY/MM/DD/HH/*.json.gz``, JSON Lines), local copies of them, and CloudWatch Logs events printed
by ``aws logs filter-log-events``. Its events are compact (:mod:`~jackwatch.sources.bedrock_invocation.bodies`):
what the prompt and completion bodies say is in their memo, the bodies are left out. Every record or file it
has to skip, and every unusable token count, is counted in the given :class:`~jackwatch.sources.stats.ReadStats`
with its location.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from jackwatch.errors import ConfigError, Location
from jackwatch.model import Event
from jackwatch.sources.bedrock_invocation.bodies import COMPACT_KEY, compact
from jackwatch.sources.bedrock_invocation.records import FORMAT, SOURCE, to_event
from jackwatch.sources.bedrock_invocation.tokens import MEMO_KEY
from jackwatch.sources.cloudtrail.spec import S3Spec, parse_spec
from jackwatch.sources.reading.context import ReadContext, ReadOptions
from jackwatch.sources.reading.inputs import PathSpec, StdinSpec, local_inputs, read_context, read_local
from jackwatch.sources.stats import ReadStats

if TYPE_CHECKING:  # boto3 is loaded only for S3 inputs
    import boto3

__all__ = ["SOURCE", "ReadOptions", "read_bedrock_invocation", "to_event"]

USAGE = "expected a path, - or s3://bucket/prefix"


def read_bedrock_invocation(
    specs: Sequence[str],
    stats: ReadStats,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    session: boto3.session.Session | None = None,
    progress: Callable[[str], None] | None = None,
    endpoint_url: str | None = None,
    options: ReadOptions | None = None,
) -> Iterator[Event]:
    """Events of every input in ``specs``, one input after the other, with ``since <= time < until``.

    A spec is a file or directory path, ``-`` (stdin) or ``s3://bucket/prefix``. Naive ``since``/``until``
    are UTC. ``session`` gives the AWS credentials (default: boto3's default chain); ``endpoint_url``
    overrides the S3 endpoint. ``progress`` is called with each file or object as it is read.

    A malformed or unsupported spec raises :class:`~jackwatch.errors.ConfigError`, a local path that does
    not exist or cannot be read :class:`~jackwatch.errors.SourceError`, before anything is read; a bucket
    that cannot be listed raises ``SourceError`` while reading. Anything smaller (a bad record, line, file
    or object) is counted in ``stats`` with its location, and the rest is read. Token counts that are
    negative or not numbers (``invalid_token_count``), and successful invocations without an input token
    count (``missing_token_count``), are counted too; their events are kept.
    """
    parsed = local_inputs(specs, _spec, "Bedrock invocation log")
    context = read_context(stats, FORMAT, since, until, progress, options)
    from_s3 = _s3_reader(session, endpoint_url, context) if any(isinstance(spec, S3Spec) for spec in parsed) else None
    return _compacted(read_local(parsed, context, from_s3), stats)


def _s3_reader(
    session: boto3.session.Session | None, endpoint_url: str | None, context: ReadContext
) -> Callable[[S3Spec], Iterator[Event]]:
    """What reads an ``s3://`` input (boto3 is loaded here, for S3 inputs only)."""
    import boto3

    from jackwatch.aws import AwsAccess
    from jackwatch.sources.cloudtrail.s3 import read_s3

    access = AwsAccess(session or boto3.session.Session(), endpoint_url, context.options.max_attempts)
    return lambda spec: read_s3(spec.bucket, spec.prefix, access, context)


def _spec(text: str) -> PathSpec | StdinSpec | S3Spec:
    spec = parse_spec(text)
    if not isinstance(spec, PathSpec | StdinSpec | S3Spec):
        raise ConfigError(f"{text!r}: Bedrock invocation logs are not read from this kind of input ({USAGE})")
    return spec


def _compacted(events: Iterator[Event], stats: ReadStats) -> Iterator[Event]:
    """The compact events (the compiled reader makes them so), the problems of their token counts counted."""
    for event in events:
        if COMPACT_KEY not in event.memo:
            event = compact(event)
        for problem in event.memo[MEMO_KEY].problems:
            stats.skip(problem.reason, Location(event.origin), f"request {event.id}: {problem.message}", records=0)
        yield event
