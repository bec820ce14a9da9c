"""HTTP APIs as log sources: a retrying JSON client, cursor pagination, and the ``api://`` input.

:func:`open_api` makes an :class:`ApiClient` for an :class:`ApiEndpoint` (base URL, authentication headers
built from a key read from an environment variable, fixed headers) with :class:`HttpOptions` (timeout,
:class:`RetryPolicy`). The client retries 429 (waiting what ``retry-after`` says), 5xx and transport errors
with exponential backoff, a bounded number of times, and turns everything else into a
:class:`~jackwatch.errors.SourceError` that names the key's variable, never the key. :func:`cursor_pages`
walks a list endpoint page by page (``{"data": [...], "has_more": …, "last_id": …}`` by default, any
:class:`ListShape`); :func:`read_pages` turns the pages into events, oldest first.

A :class:`LogApi` is a log listing of such an API; :func:`read_inputs` reads the inputs of a log source that has
both files and an API: paths, ``-`` and ``api://``.
"""

from __future__ import annotations

import math
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from jackwatch import __version__
from jackwatch.errors import ConfigError, SourceError
from jackwatch.model import Event
from jackwatch.secrets import redact, redact_secrets
from jackwatch.sources.cloudtrail.spec import parse_spec
from jackwatch.sources.reading.context import ReadContext, TimeWindow
from jackwatch.sources.reading.inputs import PathSpec, StdinSpec, local_inputs, read_local
from jackwatch.sources.reading.records import Converter

Params = Mapping[str, str | int]
"""Query parameters of a request."""

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 529})
"""Statuses worth another attempt: rate limited, or a server error that may pass (529: Anthropic overloaded)."""

USER_AGENT = f"jackwatch/{__version__}"

API_INPUT = "api://"
"""The input spec that reads a source's HTTP API instead of files."""


# ------------------------------------------------------------------------------------------- the client


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to retry a request that may succeed later.

    ``attempts`` counts the first try. A 429 waits what its ``retry-after`` header says (seconds or an
    HTTP date), else like a server error: ``backoff`` seconds, doubled at each further attempt. No wait
    exceeds ``max_delay``. ``sleep`` is how to wait (replaced in tests).
    """

    attempts: int = 5
    backoff: float = 1.0
    max_delay: float = 60.0
    statuses: frozenset[int] = RETRY_STATUSES
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def delay(self, attempt: int, response: httpx.Response | None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based) that got ``response``."""
        wanted = retry_after(response) if response is not None and response.status_code == 429 else None
        if wanted is None:
            wanted = self.backoff * 2 ** (attempt - 1)
        return min(max(wanted, 0.0), self.max_delay)


def retry_after(response: httpx.Response, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> float | None:
    """Seconds the ``retry-after`` header asks to wait (a number, or an HTTP date); ``None`` without one."""
    text = response.headers.get("retry-after", "").strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return max((moment - now()).total_seconds(), 0.0)
    return seconds if math.isfinite(seconds) else None


@dataclass(frozen=True, slots=True)
class HttpOptions:
    """Tuning of an API reader: ``base_url`` replaces the endpoint's (a proxy, a test server); ``timeout``
    bounds each request in seconds; ``page_size`` replaces the source's page size."""

    base_url: str | None = None
    timeout: float = 30.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    page_size: int | None = None


@dataclass(frozen=True, slots=True)
class ApiEndpoint:
    """An HTTP API: ``label`` names it in messages; the key is read from the environment variable
    ``key_variable`` and ``auth`` turns it into headers; ``headers`` are sent with every request."""

    label: str
    base_url: str
    key_variable: str
    auth: Callable[[str], Mapping[str, str]]
    headers: Mapping[str, str] = field(default_factory=dict)


def bearer(key: str) -> Mapping[str, str]:
    """``Authorization: Bearer <key>``."""
    return {"Authorization": f"Bearer {key}"}


def api_key(variable: str) -> str:
    """The key in the environment variable ``variable``; :class:`ConfigError` when it is unset or blank."""
    key = os.environ.get(variable, "").strip()
    if not key:
        raise ConfigError(f"{variable} is not set: export the API key in it to read the API")
    return key


class ApiClient:
    """JSON over HTTP with retries; every failure becomes a :class:`SourceError` without the key in it."""

    def __init__(self, client: httpx.Client, endpoint: ApiEndpoint, secret: str, retry: RetryPolicy) -> None:
        self.client = client
        self.endpoint = endpoint
        self.retry = retry
        self._secret = secret

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.client.close()

    def url(self, path: str, params: Params) -> str:
        """The full URL of a request, for messages and locations (it holds no credential)."""
        return str(self.client.build_request("GET", path, params=params).url)

    def get_json(self, path: str, params: Params) -> Any:
        """The parsed JSON body of ``GET path?params``, after as many attempts as the policy allows."""
        attempts = max(self.retry.attempts, 1)
        attempt = 1
        while True:
            failed: httpx.Response | None = None
            try:
                response = self.client.get(path, params=params)
            except httpx.TransportError as exc:
                if attempt >= attempts:
                    message = f"{self.endpoint.label}: request failed after {attempt} attempts: {exc}"
                    raise SourceError(self._safe(message)) from None
            else:
                if response.status_code not in self.retry.statuses or attempt >= attempts:
                    return self._body(response, attempt)
                failed = response
            self.retry.sleep(self.retry.delay(attempt, failed))
            attempt += 1

    def _body(self, response: httpx.Response, attempt: int) -> Any:
        """The JSON of a final response, or the error it stands for."""
        label, variable = self.endpoint.label, self.endpoint.key_variable
        status = response.status_code
        if status == 401:
            raise SourceError(f"{label}: the key in {variable} was rejected (HTTP 401): set {variable} to a valid key")
        if status == 403:
            raise SourceError(
                self._safe(
                    f"{label}: the key in {variable} may not read this (HTTP 403{_said(response)}): "
                    f"give it the permission, or use a key that has it"
                )
            )
        if status >= 400:
            tries = f" after {attempt} attempts" if attempt > 1 else ""
            raise SourceError(self._safe(f"{label}: HTTP {status}{tries}{_said(response)}"))
        try:
            return response.json()
        except ValueError:
            raise SourceError(f"{label}: the response to {response.request.url} is not JSON") from None

    def _safe(self, message: str) -> str:
        """``message`` with the key, should the server have echoed it whole or in part, and any other secret, in
        redacted form."""
        if self._secret:
            key = self._secret
            message = _RUNS.sub(
                lambda run: redact(run[0]) if run[0] in key else run[0], message.replace(key, redact(key))
            )
        return redact_secrets(message)


_RUNS = re.compile(r"[A-Za-z0-9_\-]{12,}")
"""Runs of key characters long enough that one found in the key is a piece of it."""


def _said(response: httpx.Response) -> str:
    """``: <the error message of the body>`` (OpenAI and Anthropic both use ``{"error": {"message": …}}``)."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return f": {text[:200]}" if text else ""
    error = body.get("error") if isinstance(body, dict) else None
    message = error.get("message") if isinstance(error, dict) else error
    return f": {str(message)[:200]}" if message else ""


def open_api(endpoint: ApiEndpoint, options: HttpOptions, transport: httpx.BaseTransport | None = None) -> ApiClient:
    """A client for ``endpoint``, authenticated with the key of its variable (:class:`ConfigError` if unset)."""
    key = api_key(endpoint.key_variable)
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **endpoint.headers, **endpoint.auth(key)}
    client = httpx.Client(
        base_url=options.base_url or endpoint.base_url,
        headers=headers,
        timeout=options.timeout,
        transport=transport,
    )
    return ApiClient(client, endpoint, key, options.retry)


# ------------------------------------------------------------------------------------------ pagination


@dataclass(frozen=True, slots=True)
class ListShape:
    """Where a list response keeps its items, whether more pages follow, and the next page's cursor."""

    items: str = "data"
    has_more: str = "has_more"
    next_cursor: str = "last_id"


@dataclass(frozen=True, slots=True)
class Page:
    """The items of one response, and the URL that returned them (their location in messages)."""

    items: list[Any]
    origin: str


def cursor_pages(
    api: ApiClient, path: str, params: Params, *, cursor_param: str, shape: ListShape | None = None
) -> Iterator[Page]:
    """Every page of a cursor-paginated list: the next page is asked for with ``cursor_param`` set to the
    cursor the previous page gave, until a page says there is no more. A malformed page, or a cursor that
    does not move, raises :class:`SourceError` (the rest of the list cannot be reached)."""
    shape = shape or ListShape()
    label = api.endpoint.label
    query: dict[str, str | int] = dict(params)
    seen: set[str] = set()
    while True:
        origin = api.url(path, query)
        body = api.get_json(path, query)
        items = body.get(shape.items) if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise SourceError(f"{label}: {origin}: the response has no {shape.items!r} array")
        yield Page(items, origin)
        if body.get(shape.has_more) is not True:
            return
        cursor = body.get(shape.next_cursor)
        if not isinstance(cursor, str) or not cursor:
            raise SourceError(f"{label}: {origin}: {shape.has_more} is true but there is no {shape.next_cursor}")
        if cursor in seen:
            raise SourceError(f"{label}: {origin}: the cursor {cursor!r} came back: the listing does not advance")
        seen.add(cursor)
        query[cursor_param] = cursor


def read_pages(pages: Iterable[Page], context: ReadContext) -> Iterator[Event]:
    """The events of every page, oldest first once the last page is read.

    Log APIs list newest first; stateful rules need time order, so the events of the whole listing are
    held and sorted (bound the listing with ``--since``). Each bad record is counted with its page's URL.
    """
    events: list[Event] = []
    for page in pages:
        context.progress(page.origin)
        convert = Converter(page.origin, context)
        events.extend(event for event in map(convert, page.items) if event is not None)
    context.stats.files_read += 1
    events.sort(key=lambda event: event.time)
    yield from events


# ---------------------------------------------------------------------------------------- log listings

BoundParam = tuple[str, Callable[[datetime], str | int]]
"""A query parameter that bounds a listing in time: its name, and how it writes the bound."""


@dataclass(frozen=True, slots=True)
class LogApi:
    """A log listing of an HTTP API: ``GET path`` on ``endpoint``, ``page_size`` items a page (``limit``), the
    next page asked for with ``cursor_param``, and the time window sent as the ``since`` and ``until``
    parameters (those of its bounds that are set)."""

    endpoint: ApiEndpoint
    path: str
    page_size: int
    cursor_param: str
    since: BoundParam
    until: BoundParam

    def params(self, window: TimeWindow, page_size: int | None = None) -> dict[str, str | int]:
        """The query of the first page: the page size (default: the listing's), then the window's bounds."""
        params: dict[str, str | int] = {"limit": page_size or self.page_size}
        for bound, (name, write) in ((window.since, self.since), (window.until, self.until)):
            if bound is not None:
                params[name] = write(bound)
        return params

    def pages(self, window: TimeWindow, options: HttpOptions) -> Iterator[Page]:
        """Every page of the listing in ``window``, following the cursor."""
        with open_api(self.endpoint, options) as api:
            params = self.params(window, options.page_size)
            yield from cursor_pages(api, self.path, params, cursor_param=self.cursor_param)

    def read(self, context: ReadContext, options: HttpOptions) -> Iterator[Event]:
        """The events of the listing within the context's window, oldest first."""
        return read_pages(self.pages(context.window, options), context)


# ------------------------------------------------------------------------------------------ the inputs


@dataclass(frozen=True, slots=True)
class ApiSpec:
    """``api://``: the source's HTTP API."""


InputSpec = PathSpec | StdinSpec | ApiSpec


def parse_input(text: str) -> InputSpec:
    """The spec of one input of an API-backed source: a path, ``-`` or ``api://``."""
    if text in ("api:", API_INPUT):
        return ApiSpec()
    spec = parse_spec(text) if "://" not in text else None
    if not isinstance(spec, PathSpec | StdinSpec):
        raise ConfigError(f"{text!r}: unsupported input (expected a path, - or {API_INPUT})")
    return spec


def read_inputs(specs: Sequence[str], context: ReadContext, api: LogApi, options: HttpOptions) -> Iterator[Event]:
    """Events of every input in ``specs`` (paths, ``-``, ``api://``: ``api`` read with ``options``), one after
    the other.

    The specs are checked before anything is read: a malformed spec, standard input given twice, or an
    ``api://`` input without the API's key in its variable raise :class:`ConfigError`; a path that does not
    exist or cannot be read raises :class:`SourceError`.
    """
    inputs = local_inputs(specs, parse_input, context.format.label)
    if any(isinstance(spec, ApiSpec) for spec in inputs):
        api_key(api.endpoint.key_variable)
    return read_local(inputs, context, lambda _spec: api.read(context, options))
