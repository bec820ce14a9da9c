"""AWS clients for the inventory, and calls whose failures are recorded instead of raised.

A call that AWS refuses (``AccessDenied``…) or that fails on the way makes the view *partial*: the failure is kept
with what it leaves unknown, and reading goes on. Only missing or invalid credentials stop the inventory.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from jackwatch.aws import CREDENTIAL_ERRORS, describe, error_code
from jackwatch.errors import SourceError
from jackwatch.inventory.aws.model import CallFailure

T = TypeVar("T")
R = TypeVar("R")

WORKERS = 8
"""Calls made at once (regions, users)."""


class AwsClients:
    """boto3 clients by (service, region) from one session, made once each (client creation is not
    thread-safe; the clients themselves are). ``endpoint_url`` sends every call to one endpoint (a local
    emulator); ``AWS_ENDPOINT_URL_<SERVICE>`` is honoured by boto3 when it is not given."""

    def __init__(self, session: boto3.session.Session, endpoint_url: str | None = None, max_attempts: int = 5):
        self.session = session
        self.endpoint_url = endpoint_url
        self._config = Config(
            retries={"total_max_attempts": max_attempts, "mode": "standard"},
            connect_timeout=10,
            read_timeout=60,
            user_agent_extra="jackwatch",
            max_pool_connections=WORKERS * 2,
        )
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def client(self, service: str, region: str) -> Any:
        """The client of ``service`` in ``region``."""
        with self._lock:
            found = self._clients.get((service, region))
            if found is None:
                found = self.session.client(
                    service,  # type: ignore[call-overload]
                    region_name=region,
                    endpoint_url=self.endpoint_url,
                    config=self._config,
                )
                self._clients[(service, region)] = found
            return found


class Calls:
    """Makes AWS calls and keeps the failures (thread-safe)."""

    def __init__(self) -> None:
        self.failures: list[CallFailure] = []
        self._lock = threading.Lock()

    def run(self, call: Callable[[], T], *, service: str, operation: str, region: str, scope: str) -> T | None:
        """``call()``, or ``None`` when AWS refused it or it failed (recorded with ``scope``, what stays unknown,
        and the operation that failed when AWS names it, else ``operation``).

        Missing or invalid credentials raise :class:`SourceError`: no other call would succeed.
        """
        try:
            return call()
        except CREDENTIAL_ERRORS as exc:
            raise SourceError(describe(exc)) from exc
        except (ClientError, BotoCoreError) as exc:
            failed = str(getattr(exc, "operation_name", "") or operation)
            self.fail(service, failed, region, error_code(exc) or type(exc).__name__, describe(exc), scope)
            return None

    def fail(self, service: str, operation: str, region: str, code: str, message: str, scope: str) -> None:
        """Record a failure."""
        with self._lock:
            self.failures.append(CallFailure(service, operation, region, code, message, scope))


def each(items: Iterable[T], work: Callable[[T], R], workers: int = WORKERS) -> Iterator[R]:
    """``work(item)`` for every item, ``workers`` at a time, results in the items' order."""
    listed = list(items)
    if len(listed) <= 1:
        yield from map(work, listed)
        return
    with ThreadPoolExecutor(max_workers=min(workers, len(listed))) as pool:
        yield from pool.map(work, listed)
