"""A polite HTTP client for archives: pacing, Retry-After, backoff, fail-fast on a dead network.

Shared by ``fetch-history`` (:mod:`profilewatch.history.wayback`) and ``sweep``
(:mod:`profilewatch.sweep`).  :class:`Client` is thread-safe:

* **pacing**: at most ``rates[kind]`` requests a minute per (kind, host) -- e.g. CDX queries and
  capture downloads have their own budgets; the next slot is reserved under a lock, then waited for;
* **concurrency**: at most ``per_host`` requests in flight to one host, whatever the workers;
* **429/503**: every request to that host pauses for the ``Retry-After`` the server asked for
  (seconds or an HTTP date), else an exponential backoff; a pause longer than ``max_wait`` raises
  :class:`FetchError` (stop, re-run later to resume);
* only transient failures are retried (exponential backoff, then :class:`GaveUp`): timeouts,
  resets, truncated bodies (:data:`TRANSIENT`) and 5xx;
* a name that does not resolve, a refused connection or a TLS failure raises :class:`NetworkError`
  at once, and any other client-side error (a malformed URL...) :class:`FetchError`: no retries,
  so an offline machine fails in seconds, with a hint;
* a clear ``User-Agent`` on every request.
"""
from __future__ import annotations

import datetime as _dt
import email.utils
import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3

from .. import __version__

USER_AGENT = f"profilewatch/{__version__} (archive fetcher for document research)"


class FetchError(Exception):
    """The run cannot go on (the server asked for too long a pause, the index failed...)."""


class NetworkError(FetchError):
    """The host cannot be reached at all (no DNS, connection refused): fail fast."""


class GaveUp(Exception):
    """One request failed after every retry."""


# what is worth retrying: the server or the path to it may do better next time.  NewConnectionError
# subclasses ConnectTimeoutError in urllib3 2, so it is caught (as not transient) before these.
TRANSIENT = (urllib3.exceptions.TimeoutError, urllib3.exceptions.ProtocolError, urllib3.exceptions.IncompleteRead)
# TLS failures that a retry cannot fix (a bad certificate, a plain-HTTP port); a reset handshake is retried
_TLS_FINAL = ("certificate", "wrong_version_number", "wrong version number", "unsupported protocol", "hostname")


@dataclass(slots=True)
class Politeness:
    """How hard to push: retries, backoff, the longest pause accepted, timeouts, concurrency."""

    retries: int = 4
    backoff: float = 5.0
    max_wait: float = 300.0
    connect_timeout: float = 15.0
    read_timeout: float = 60.0
    per_host: int = 2
    user_agent: str = USER_AGENT


class Pacer:
    """At most ``per_minute`` calls a minute; a slot is reserved under a lock, then waited for."""

    def __init__(self, per_minute: float, clock: Callable[[], float], sleep: Callable[[float], None]) -> None:
        self.interval = 60.0 / per_minute if per_minute > 0 else 0.0
        self.clock, self.sleep = clock, sleep
        self.next_at: float | None = None
        self.lock = threading.Lock()

    def wait(self, not_before: float) -> None:
        with self.lock:
            now = self.clock()
            at = max(self.next_at if self.next_at is not None else now, not_before)
            self.next_at = max(at, now) + self.interval
        if at > now:
            self.sleep(at - now)


def retry_after(value: str | None, now: _dt.datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), else ``None``."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.timezone.utc)
    return max(0.0, (when - now).total_seconds())


class Client:
    """urllib3 with pacing per (kind, host), a concurrency cap per host, retries and Retry-After."""

    def __init__(self, polite: Politeness, rates: dict[str, float], clock: Callable[[], float],
                 sleep: Callable[[float], None]) -> None:
        self.polite, self.rates, self.clock, self.sleep = polite, rates, clock, sleep
        self.http = urllib3.PoolManager(num_pools=32, maxsize=max(1, polite.per_host),
                                        headers={"User-Agent": polite.user_agent}, retries=False,
                                        timeout=urllib3.Timeout(connect=polite.connect_timeout,
                                                                read=polite.read_timeout))
        self.lock = threading.Lock()
        self.pacers: dict[tuple[str, str], Pacer] = {}
        self.slots: dict[str, threading.BoundedSemaphore] = {}
        self.paused_until: dict[str, float] = {}
        self.requests = 0

    def _host(self, url: str) -> str:
        return urlsplit(url).netloc.lower()

    def _pacer(self, kind: str, host: str) -> Pacer:
        with self.lock:
            key = (kind, host)
            if key not in self.pacers:
                self.pacers[key] = Pacer(self.rates.get(kind, 0.0), self.clock, self.sleep)
                self.slots.setdefault(host, threading.BoundedSemaphore(max(1, self.polite.per_host)))
            return self.pacers[key]

    def get(self, url: str, kind: str, headers: dict[str, str] | None = None) -> tuple[int, list[tuple[str, str]], bytes]:
        """Status, headers (as sent) and the body (de-chunked, not decoded); retried as configured."""
        host, last = self._host(url), ""
        pacer = self._pacer(kind, host)
        for attempt in range(self.polite.retries + 1):
            pacer.wait(self.paused_until.get(host, 0.0))
            try:
                with self.slots[host]:
                    self.requests += 1
                    sent = {"User-Agent": self.polite.user_agent, **(headers or {})}  # headers= replaces the pool's
                    resp = self.http.request("GET", url, headers=sent, redirect=False, preload_content=False,
                                             decode_content=False)
                    try:
                        body = resp.read(decode_content=False)
                    finally:
                        resp.release_conn()
            except urllib3.exceptions.NewConnectionError as exc:  # no DNS, refused
                raise NetworkError(f"cannot reach {host}: {_why(exc)}") from None
            except urllib3.exceptions.SSLError as exc:
                if any(word in str(exc).lower() for word in _TLS_FINAL):
                    raise NetworkError(f"cannot reach {host}: {_why(exc)}") from None
                last = f"{type(exc).__name__}: {exc}"
                self._pause(host, self._backoff(attempt))
                continue
            except TRANSIENT as exc:  # timeouts, resets, truncated bodies
                last = f"{type(exc).__name__}: {exc}"
                self._pause(host, self._backoff(attempt))
                continue
            except (urllib3.exceptions.HTTPError, ValueError) as exc:  # a bad URL, a proxy error...: not transient
                raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from None
            if resp.status in (429, 503):
                wait = retry_after(resp.headers.get("Retry-After"), _dt.datetime.now(_dt.timezone.utc))
                wait = self._backoff(attempt) if wait is None else wait
                if wait > self.polite.max_wait:
                    raise FetchError(f"{url}: HTTP {resp.status}, server asks to wait {wait:.0f} s "
                                     f"(more than max_wait {self.polite.max_wait:.0f} s): stopped; re-run later to resume")
                last = f"HTTP {resp.status}"
                self._pause(host, wait)
                continue
            if resp.status >= 500:
                last = f"HTTP {resp.status}"
                self._pause(host, self._backoff(attempt))
                continue
            return resp.status, list(resp.headers.iteritems()), body
        raise GaveUp(f"{url}: {last} (after {self.polite.retries + 1} attempts)")

    def _backoff(self, attempt: int) -> float:
        return self.polite.backoff * (2 ** attempt)

    def _pause(self, host: str, seconds: float) -> None:
        """Every request to ``host`` waits until the pause is over."""
        with self.lock:
            self.paused_until[host] = max(self.paused_until.get(host, 0.0), self.clock() + seconds)


def _why(exc: Exception) -> str:
    text = str(exc)
    if isinstance(exc, urllib3.exceptions.NameResolutionError) or "resolve" in text.lower():
        return "the name does not resolve (offline, or no such host)"
    if "refused" in text.lower():
        return "connection refused"
    if isinstance(exc, urllib3.exceptions.SSLError):
        return f"TLS failed ({text.split(': ', 1)[-1][:160]})"
    return text.split(": ", 1)[-1]
