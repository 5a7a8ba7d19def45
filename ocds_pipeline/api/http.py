"""HTTP behaviour shared by every endpoint: problem details, validators and caching, per-client rate
limits and request limits (docs/api.md)."""

from __future__ import annotations

import hashlib
import math
import time
from typing import Any, Awaitable, Callable
from urllib.parse import parse_qsl

import orjson
from starlette.requests import Request
from starlette.responses import Response

PROBLEM = "application/problem+json"
Scope = dict[str, Any]
ASGIApp = Callable[[Scope, Callable, Callable], Awaitable[None]]


def problem(status: int, title: str, detail: str, **extra: Any) -> Response:
    """An RFC 9457 problem details response."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    headers = {"Retry-After": str(extra["retry_after"])} if "retry_after" in extra else None
    return Response(orjson.dumps(body), status_code=status, media_type=PROBLEM, headers=headers)


def validated(request: Request, body: bytes, media_type: str, max_age: int,
              headers: dict[str, str] | None = None) -> Response:
    """``body`` with a strong ETag of its bytes and ``Cache-Control``; ``304`` when the client has it."""
    etag = f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'
    cache = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}", **(headers or {})}
    wanted = request.headers.get("if-none-match")
    if wanted and (wanted.strip() == "*" or etag in (tag.strip().removeprefix("W/") for tag in wanted.split(","))):
        return Response(status_code=304, headers=cache)
    return Response(body, media_type=media_type, headers=cache)


async def _send_problem(send: Callable, response: Response) -> None:
    await send({"type": "http.response.start", "status": response.status_code,
                "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()]})
    await send({"type": "http.response.body", "body": response.body})


def _nul_parameter(scope: Scope) -> str | None:
    """The first part of the request holding a NUL character (no database text can): ``path`` or a
    parameter's name; None when there is none."""
    if "\x00" in scope["path"]:
        return "path"
    query = scope.get("query_string") or b""
    if b"%00" in query or b"\x00" in query:
        for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
            if "\x00" in name or "\x00" in value:
                return name.replace("\x00", "") or "query"
    return None


class Limits:
    """Refuses what no endpoint needs before it reaches one: a request body larger than ``max_body``
    bytes (413) and a target (path and query) longer than ``max_target`` bytes (414)."""

    def __init__(self, app: ASGIApp, max_body: int = 1024, max_target: int = 4096) -> None:
        self.app, self.max_body, self.max_target = app, max_body, max_target

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        if scope["type"] == "http":
            target = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"")
            if target > self.max_target:
                return await _send_problem(send, problem(414, "URI Too Long", f"the path and query are longer than {self.max_target} bytes"))
            bad = _nul_parameter(scope)
            if bad is not None:
                return await _send_problem(send, problem(400, "Bad Request", f"{bad}: NUL characters are not allowed",
                                                         invalid_params=[{"name": bad, "reason": "NUL characters are not allowed"}]))
            length = dict(scope["headers"]).get(b"content-length")
            if length and (not length.isdigit() or int(length) > self.max_body):
                return await _send_problem(send, problem(413, "Content Too Large", f"request bodies are limited to {self.max_body} bytes"))
        await self.app(scope, receive, send)


class RateLimit:
    """A token bucket per client address: ``per_minute`` requests a minute on average, bursts up to the
    same number; beyond it, ``429`` with ``Retry-After``. Each server worker counts on its own."""

    def __init__(self, app: ASGIApp, per_minute: int, prefix: str = "/api/", clock: Callable[[], float] = time.monotonic) -> None:
        self.app, self.capacity, self.prefix, self.clock = app, float(per_minute), prefix, clock
        self.rate = per_minute / 60.0
        self.buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, when)

    def take(self, client: str) -> float:
        """Take a token for ``client``; return 0, or the seconds until one is available."""
        now = self.clock()
        tokens, when = self.buckets.get(client, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - when) * self.rate)
        if tokens < 1:
            self.buckets[client] = (tokens, now)
            return (1 - tokens) / self.rate
        self.buckets[client] = (tokens - 1, now)
        if len(self.buckets) > 100_000:  # forget clients whose buckets have refilled
            self.buckets = {c: (t, w) for c, (t, w) in self.buckets.items() if t + (now - w) * self.rate < self.capacity}
        return 0.0

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        if scope["type"] == "http" and self.capacity > 0 and scope["path"].startswith(self.prefix):
            client = (scope.get("client") or ("unknown",))[0]
            wait = self.take(client)
            if wait:
                seconds = max(1, math.ceil(wait))
                return await _send_problem(send, problem(
                    429, "Too Many Requests", f"more than {int(self.capacity)} requests a minute from {client}; "
                    f"retry in {seconds} s", retry_after=seconds))
        await self.app(scope, receive, send)
