"""The AWS CloudTrail event source: files, directories, stdin, S3, SQS notifications and LookupEvents.

:func:`read_cloudtrail` streams :class:`~jackwatch.model.Event` objects (source ``aws_cloudtrail``)
from any mix of inputs, with bounded memory, counting every record or file it has to skip in the
given :class:`~jackwatch.sources.stats.ReadStats`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from jackwatch.errors import ConfigError
from jackwatch.model import Event
from jackwatch.sources.cloudtrail.records import FORMAT, SOURCE, to_event
from jackwatch.sources.cloudtrail.spec import LookupSpec, PathSpec, S3Spec, Spec, SqsSpec, StdinSpec, parse_spec
from jackwatch.sources.reading.context import ReadContext, ReadOptions, TimeWindow, no_progress
from jackwatch.sources.reading.files import check_path, read_path, read_stdin
from jackwatch.sources.stats import ReadStats

if TYPE_CHECKING:  # boto3 costs ~20 MB and a second of start-up: loaded only for AWS inputs
    import boto3

    from jackwatch.sources.cloudtrail.aws import AwsAccess

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
    parsed = [parse_spec(text) for text in specs]
    if not parsed:
        raise ConfigError("no CloudTrail input given")
    if sum(isinstance(spec, StdinSpec) for spec in parsed) > 1:
        raise ConfigError("standard input (-) can be read only once")
    for spec in parsed:
        if isinstance(spec, PathSpec):
            check_path(spec.path)
    window = TimeWindow.checked(since, until)
    opts = options or ReadOptions()
    context = ReadContext(stats, FORMAT, window, opts, progress or no_progress)
    access = None
    if any(isinstance(spec, S3Spec | SqsSpec | LookupSpec) for spec in parsed):
        import boto3

        from jackwatch.sources.cloudtrail.aws import AwsAccess

        access = AwsAccess(session or boto3.session.Session(), endpoint_url, opts.max_attempts)
    return _read(parsed, context, access)


def _read(specs: Sequence[Spec], context: ReadContext, access: AwsAccess | None) -> Iterator[Event]:
    """Events of each input in turn."""
    if access is not None:
        from jackwatch.sources.cloudtrail.lookup import read_lookup
        from jackwatch.sources.cloudtrail.s3 import read_s3
        from jackwatch.sources.cloudtrail.sqs import read_sqs
    for spec in specs:
        match spec:
            case PathSpec(path):
                yield from read_path(path, context)
            case StdinSpec():
                yield from read_stdin(context)
            case S3Spec(bucket, prefix) if access is not None:
                yield from read_s3(bucket, prefix, access, context)
            case SqsSpec(queue) if access is not None:
                yield from read_sqs(queue, access, context)
            case LookupSpec(regions) if access is not None:
                yield from read_lookup(regions, access, context)
