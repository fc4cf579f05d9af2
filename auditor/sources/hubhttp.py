"""Every request auditor makes to the Hub: ONE retry layer, a read timeout, a total deadline and a rate cap.

Requests go through huggingface_hub's shared HTTP session (its offline switch, request ids and debug logging
stay in force). huggingface_hub 2.4 retries in several places of its own: ``http_backoff`` (5 tries, honouring
Retry-After without bound) behind ``hf_hub_download``'s second metadata HEAD, pagination and uploads;
``http_get`` resumes a broken download 5 times, and a body that trickles resets that count, so it never ends.
auditor calls none of those for its metadata; for ``hf_hub_download`` (weights for smoke runs) the hooks below
turn each of the library's own retries into an immediate failure that this module's single loop handles:

- a request hook checks the deadline, takes a token from the rate cap, caps the request's timeouts at what is
  left of the deadline, and stops a request that repeats one already made in this attempt (a library retry, or
  a redirect loop);
- a response hook turns 408/429/5xx into a transient failure at once (with the server's Retry-After) and wraps
  the body so a trickling or stalled body cannot outlive the deadline.

The hooks do nothing outside ``HubHttp.run`` (a context variable, so concurrent threads keep their own state).
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, TypeVar

import httpx2
from huggingface_hub import get_session, hf_raise_for_status
from huggingface_hub.utils import build_hf_headers, parse_ratelimit_headers  # type: ignore[attr-defined]

from auditor.errors import HubUnavailableError
from auditor.sources.deadline import Deadline
from auditor.sources.ratelimit import TokenBucket
from auditor.sources.redact import redact

log = logging.getLogger(__name__)
T = TypeVar("T")

TRANSIENT_STATUS = frozenset({408, 429, 500, 502, 503, 504})
_REDIRECT_STATUS = frozenset({301, 302, 303, 307, 308})
_TRANSIENT_ERRORS = (httpx2.TimeoutException, httpx2.NetworkError, httpx2.RemoteProtocolError)


class HubDeadlineError(HubUnavailableError):
    """The target's total time budget ran out (retries and waits included)."""


class HubRetriesExhaustedError(HubUnavailableError):
    """A request kept failing transiently (429, 5xx, time-outs, broken connections) after bounded retries."""


class HubBadReplyError(HubUnavailableError):
    """The Hub answered something that is not what the API promises (not JSON, wrong shape, redirect loop …)."""


class _Transient(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class _OutOfTime(Exception):
    pass


class _RedirectLoop(Exception):
    pass


class TooLargeError(Exception):
    """A reply body is larger than the caller allows."""


@dataclass
class _Attempt:
    deadline: Deadline
    bucket: TokenBucket | None
    timeout: float
    seen: dict[tuple[str, str], int] = field(default_factory=dict)  # (method, url) → last status (0: none yet)
    last_error: str | None = None


_CURRENT: ContextVar[_Attempt | None] = ContextVar("auditor_hub_attempt", default=None)


def _on_request(request: httpx2.Request) -> None:
    attempt = _CURRENT.get()
    if attempt is None:
        return
    key = (request.method, str(request.url))
    if key in attempt.seen:
        if attempt.seen[key] in _REDIRECT_STATUS:
            raise _RedirectLoop(f"redirect loop: {request.method} {request.url} was redirected back to itself")
        raise _Transient(f"{attempt.last_error or 'the request failed'}")
    attempt.seen[key] = 0
    if attempt.deadline.expired():
        raise _OutOfTime(attempt.last_error or "")
    if attempt.bucket is not None and not attempt.bucket.acquire(attempt.deadline.remaining()):
        raise _OutOfTime("waiting for the --rate cap")
    left = max(0.05, min(attempt.timeout, attempt.deadline.remaining()))
    current = request.extensions.get("timeout") or {}
    request.extensions["timeout"] = {
        name: left if current.get(name) is None else min(float(current[name]), left)
        for name in ("connect", "read", "write", "pool")
    }


def _on_response(response: httpx2.Response) -> None:
    attempt = _CURRENT.get()
    if attempt is None:
        return
    attempt.seen[(response.request.method, str(response.request.url))] = response.status_code
    if response.status_code in TRANSIENT_STATUS:
        reason = f"HTTP {response.status_code} {response.reason_phrase}".strip()
        raise _Transient(reason, retry_after_seconds(response))
    response.stream = _GuardedStream(response.stream, attempt)


class _GuardedStream(httpx2.SyncByteStream):
    """A response body that stops when the deadline passes and remembers why a read failed."""

    def __init__(self, inner: Any, attempt: _Attempt) -> None:
        self._inner = inner
        self._attempt = attempt

    def __iter__(self) -> Iterator[bytes]:
        try:
            for chunk in self._inner:
                if self._attempt.deadline.expired():
                    raise _OutOfTime("the reply body was still arriving")
                yield chunk
        except _TRANSIENT_ERRORS as error:
            self._attempt.last_error = describe(error)
            raise

    def close(self) -> None:
        self._inner.close()


def _install_hooks(client: httpx2.Client) -> None:
    """Add the hooks to huggingface_hub's shared client (idempotent: the client may have been replaced)."""
    hooks = client.event_hooks
    if _on_request not in hooks["request"] or _on_response not in hooks["response"]:
        client.event_hooks = {
            "request": [*(h for h in hooks["request"] if h is not _on_request), _on_request],
            "response": [*(h for h in hooks["response"] if h is not _on_response), _on_response],
        }


def retry_after_seconds(response: httpx2.Response) -> float | None:
    """What the server asks to wait: Retry-After (seconds or HTTP date), or the Hub's RateLimit reset on 429."""
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return float(value)
    if value:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
            return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
    if response.status_code == 429:
        info = parse_ratelimit_headers(response.headers)
        if info is not None and info.remaining == 0:
            return float(info.reset_in_seconds)
    return None


def describe(error: BaseException) -> str:
    """One line saying what went wrong on the wire (redacted)."""
    if isinstance(error, httpx2.ConnectTimeout):
        text = "connecting timed out"
    elif isinstance(error, httpx2.ReadTimeout):
        text = "no data for longer than the read timeout (stalled)"
    elif isinstance(error, httpx2.TimeoutException):
        text = "timed out"
    elif isinstance(error, httpx2.ConnectError):
        text = f"cannot connect ({error})"
    elif isinstance(error, httpx2.RemoteProtocolError):
        text = f"the connection broke ({error})"
    else:
        text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return redact(text)[:300]


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str


class HubHttp:
    """Requests to one Hub endpoint with one retry loop, per-request read timeouts, deadlines and a rate cap."""

    def __init__(
        self,
        *,
        token: str | bool | None,
        timeout: float,
        retries: int,
        backoff: float,
        max_wait: float,
        bucket: TokenBucket | None,
    ) -> None:
        self.token = token
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.bucket = bucket

    def run(self, call: Callable[[], T], deadline: Deadline, what: str) -> T:
        """``call()`` under the hooks, retried on transient failures within the deadline; errors named and redacted.

        Non-transient HTTP errors (huggingface_hub's named errors: gated, not found …) propagate unchanged.
        """
        tries = 0
        while True:
            tries += 1
            attempt = _Attempt(deadline, self.bucket, self.timeout)
            _install_hooks(get_session())
            token = _CURRENT.set(attempt)
            try:
                return call()
            except _OutOfTime as error:
                raise self._out_of_time(what, deadline, tries, str(error) or attempt.last_error) from None
            except _RedirectLoop as error:
                raise HubBadReplyError(redact(f"{what}: {error}")) from None
            except httpx2.TooManyRedirects:
                raise HubBadReplyError(redact(f"{what}: too many redirects")) from None
            except _Transient as error:
                reason, retry_after = error.reason, error.retry_after
            except _TRANSIENT_ERRORS as error:
                reason, retry_after = describe(error), None
            finally:
                _CURRENT.reset(token)
            if tries > self.retries:
                raise HubRetriesExhaustedError(
                    redact(f"{what} failed: {reason}; gave up after {deadline.elapsed():.0f} s and {tries} attempts")
                )
            wait = retry_after if retry_after is not None else min(self.backoff * 2.0 ** (tries - 1), self.max_wait)
            if wait >= deadline.remaining():
                if retry_after is not None:
                    reason += f"; the wait of {wait:.0f} s asked by the server would pass the deadline"
                raise self._out_of_time(what, deadline, tries, reason)
            log.info("%s: %s; retrying in %.1f s", redact(what), reason, wait)
            time.sleep(wait)

    def _out_of_time(self, what: str, deadline: Deadline, tries: int, reason: str | None) -> HubDeadlineError:
        failed = f" failed: {reason};" if reason else ":"
        return HubDeadlineError(
            redact(
                f"{what}{failed} gave up after {deadline.elapsed():.0f} s "
                f"(deadline {deadline.seconds:.0f} s, {tries} attempt{'s' if tries > 1 else ''})"
            )
        )

    def get(
        self,
        url: str,
        deadline: Deadline,
        what: str,
        *,
        params: Sequence[tuple[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
        max_bytes: int,
    ) -> Reply:
        """GET (redirects followed, Authorization dropped when they leave the origin) with a bounded body.

        Raises huggingface_hub's named errors for 4xx replies, TooLargeError for a body above ``max_bytes``.
        """

        def call() -> Reply:
            session = get_session()
            request = session.build_request(
                "GET",
                url,
                params=list(params) if params is not None else None,
                headers={**build_hf_headers(token=self.token), **(headers or {})},
            )
            response = session.send(request, stream=True, follow_redirects=True)
            try:
                body = read_bounded(response, max_bytes)
            finally:
                response.close()
            if response.status_code >= 400:
                raise_for_status(response, body)
            return Reply(response.status_code, response.headers, body, str(response.url))

        return self.run(call, deadline, what)


def read_bounded(response: httpx2.Response, max_bytes: int) -> bytes:
    """The body, or TooLargeError as soon as it passes ``max_bytes`` (the Content-Length is checked first)."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise TooLargeError(f"{declared} bytes, above the {max_bytes} allowed")
    chunks, total = [], 0
    for chunk in response.iter_bytes():
        total += len(chunk)
        if total > max_bytes:
            raise TooLargeError(f"more than the {max_bytes} bytes allowed")
        chunks.append(chunk)
    return b"".join(chunks)


def raise_for_status(response: httpx2.Response, body: bytes) -> None:
    """huggingface_hub's named error (gated, not found …) for a 4xx/5xx reply whose body was already read."""
    copy = httpx2.Response(response.status_code, headers=response.headers, content=body, request=response.request)
    hf_raise_for_status(copy)
    raise HubBadReplyError(f"HTTP {response.status_code}")  # a 3xx without a Location, say
