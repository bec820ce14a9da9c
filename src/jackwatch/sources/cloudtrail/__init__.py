"""The AWS CloudTrail event source: files, directories, stdin, S3, SQS notifications and LookupEvents.

:func:`read_cloudtrail` streams :class:`~jackwatch.model.Event` objects (source ``aws_cloudtrail``)
from any mix of inputs, with bounded memory, counting every record or file it has to skip in the
given :class:`~jackwatch.sources.stats.ReadStats`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from jackwatch.model import Event
from jackwatch.sources.cloudtrail.records import FORMAT, SOURCE, to_event
from jackwatch.sources.cloudtrail.spec import LookupSpec, S3Spec, SqsSpec, parse_spec
from jackwatch.sources.reading.context import ReadContext, ReadOptions
from jackwatch.sources.reading.inputs import local_inputs, read_context, read_local
from jackwatch.sources.stats import ReadStats

if TYPE_CHECKING:  # boto3 costs ~20 MB and a second of start-up: loaded only for AWS inputs
    import boto3

__all__ = ["SOURCE", "ReadOptions", "read_cloudtrail", "to_event"]


def read_cloudtrail(
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

    A spec is a file or directory path, ``-`` (stdin), ``s3://bucket/prefix``, ``sqs://queue-name-or-url``
    (or ``sqs:https://…``), or ``lookup://`` / ``lookup://region,region``. Naive ``since``/``until`` are
    UTC. ``session`` gives the AWS credentials (default: boto3's default chain); ``endpoint_url``
    overrides every AWS endpoint (``AWS_ENDPOINT_URL`` works too). ``progress`` is called with each
    file, object, message or region as it is read.

    The specs are checked before anything is read: a malformed spec raises
    :class:`~jackwatch.errors.ConfigError`, a local path that does not exist or cannot be accessed
    raises :class:`~jackwatch.errors.SourceError`. While reading, an AWS input that cannot be listed
    or received from at all raises ``SourceError``; everything smaller (a bad record, line, file,
    object, message or region) is counted in ``stats`` with its location and the rest is read.
    """
    parsed = local_inputs(specs, parse_spec, "CloudTrail")
    context = read_context(stats, FORMAT, since, until, progress, options)
    on_aws = any(isinstance(spec, S3Spec | SqsSpec | LookupSpec) for spec in parsed)
    return read_local(parsed, context, _aws_reader(session, endpoint_url, context) if on_aws else None)


def _aws_reader(
    session: boto3.session.Session | None, endpoint_url: str | None, context: ReadContext
) -> Callable[[S3Spec | SqsSpec | LookupSpec], Iterator[Event]]:
    """What reads an AWS input (boto3 is loaded here, for AWS inputs only)."""
    import boto3

    from jackwatch.aws import AwsAccess
    from jackwatch.sources.cloudtrail.lookup import read_lookup
    from jackwatch.sources.cloudtrail.s3 import read_s3
    from jackwatch.sources.cloudtrail.sqs import read_sqs

    access = AwsAccess(session or boto3.session.Session(), endpoint_url, context.options.max_attempts)

    def read(spec: S3Spec | SqsSpec | LookupSpec) -> Iterator[Event]:
        match spec:
            case S3Spec(bucket, prefix):
                return read_s3(bucket, prefix, access, context)
            case SqsSpec(queue):
                return read_sqs(queue, access, context)
            case LookupSpec(regions):
                return read_lookup(regions, access, context)

    return read
