"""The desk's guards: host-header check, security headers, CSRF tokens.

Contract:

* :class:`Guard` is an ASGI middleware.  A request whose ``Host`` is not one of the allowed
  names (loopback by default) is refused with 421 before any route runs: a DNS-rebinding page
  in the reviewer's browser cannot reach the store under a foreign name.  A state-changing
  request (anything but GET/HEAD) from another site (``Origin`` or ``Sec-Fetch-Site`` say so) is
  refused with 403.  Every response gets a strict Content-Security-Policy (own script and style
  files only, no inline code, no request to anywhere else, not framable), ``nosniff``,
  ``Referrer-Policy: same-origin`` (nothing leaks to other sites; ``no-referrer`` would make the
  browser send ``Origin: null`` on the desk's own form posts, which the cross-site check refuses)
  and ``no-store``.
* :class:`Csrf` makes and checks the per-process token that every form carries
  (:meth:`Csrf.check` compares in constant time).
"""
from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable
from typing import Any

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; frame-src 'self'")
SANDBOX_CSP = "default-src 'none'; sandbox"
"""For the evidentiary copy (served as text/plain): no script, no origin, no request."""
HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
           (b"cache-control", b"no-store"), (b"x-frame-options", b"SAMEORIGIN"),
           (b"cross-origin-opener-policy", b"same-origin"), (b"cross-origin-resource-policy", b"same-origin")]
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")
SAFE_METHODS = ("GET", "HEAD")


def host_name(value: str) -> str:
    """The name part of a Host header value (port removed, IPv6 brackets kept), lower-cased."""
    value = value.strip().lower()
    if value.startswith("["):
        return value.split("]", 1)[0] + "]"
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class Csrf:
    """One random token per server process; forms carry it, :meth:`check` verifies it."""

    def __init__(self, token: str | None = None) -> None:
        self.token = token or secrets.token_urlsafe(32)

    def check(self, value: Any) -> bool:
        return isinstance(value, str) and hmac.compare_digest(value.encode(), self.token.encode())


class Guard:
    """ASGI middleware: host check, cross-site state change refusal, security headers."""

    def __init__(self, app: Any, allowed_hosts: Iterable[str] = LOOPBACK) -> None:
        self.app = app
        self.allowed = {h.lower() for h in allowed_hosts}

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if host_name(headers.get("host", "")) not in self.allowed:
            return await _plain(send, 421, "unknown host: the desk answers only on its own loopback address")
        if scope["method"] not in SAFE_METHODS:
            origin = headers.get("origin")
            site = headers.get("sec-fetch-site")
            if (origin and host_name(origin.split("://", 1)[-1]) not in self.allowed) or \
                    (site and site not in ("same-origin", "none")):
                return await _plain(send, 403, "cross-site request refused")

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in HEADERS if k not in have]
                if b"content-security-policy" not in have:
                    extra.append((b"content-security-policy", CSP.encode()))
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _plain(send: Any, status: int, text: str) -> None:
    body = text.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
                            (b"content-security-policy", CSP.encode()), *HEADERS]})
    await send({"type": "http.response.body", "body": body})
