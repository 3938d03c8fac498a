"""``Idempotency-Key`` on the POST routes that create something.

An endpoint declared ``idempotent=True`` accepts the header: the JSON POST routes that
create something. Webhook endpoints are left out on purpose: their answers carry the
signing secret, which must not be stored a second time.

A client that does not know whether its POST took effect (timeout, dropped connection,
503 after commit) retries with the same key and gets the first answer again instead of a
second task. The semantics follow Stripe's API:

- The first request with a key claims it (an INSERT the primary key lets only one
  concurrent request win), runs, and stores its answer (status, headers, body) with a
  SHA-256 fingerprint of the method, path, query and body. Keys belong to the
  authenticated user and are kept :data:`KEY_TTL`, in the store the runtime chose
  (:mod:`taskcore_adapters.idempotency`; the database, or process memory without one).
- The same key with the same request replays the stored answer byte for byte, marked
  ``Idempotent-Replayed: true``; the handler does not run again.
- The same key with a different request is refused with 422.
- The same key while the first request is still running is refused with 409 and
  ``Retry-After`` (the client retries and then gets the replay).
- Only successful answers (below 400) are stored. An error, raised or returned, releases
  the key: the failed request's transaction rolled back, so a retry, corrected or not,
  runs afresh.
- A claim whose request never finished (the process died) is taken over after
  :data:`CLAIM_TIMEOUT`. If the process died after the work committed but before the
  answer was stored, that retry runs the work a second time; the claim and the work are
  separate transactions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

import anyio
import attrs
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message

from taskcore_adapters.http import schemas as s
from taskcore_adapters.http.context import HttpContext
from taskcore_adapters.http.endpoint import Endpoint, Handler, Param
from taskcore_adapters.http.wire import error, read_body
from taskcore_adapters.idempotency import IdempotencyStore, StoredResponse

HEADER = "Idempotency-Key"

KEY_TTL = dt.timedelta(hours=24)
"""How long a key and its stored answer are kept."""

CLAIM_TIMEOUT = dt.timedelta(minutes=2)
"""After this long, an unfinished claim is taken to belong to a request that died."""

RETRY_AFTER = 1
"""Seconds a client is told to wait while the first request with its key runs."""

_KEY = re.compile(r"[!-~](?:[ -~]{0,253}[!-~])?")
"""1 to 255 printable ASCII characters, not starting or ending with a space."""

PARAM = Param(
    name=HEADER,
    where="header",
    schema={"type": "string", "minLength": 1, "maxLength": 255, "pattern": f"^{_KEY.pattern}$"},
    description="A unique key per intended operation (a UUID, say); a retry with the same "
    "key and request replays the first answer instead of acting twice",
)

_KEPT_OUT = frozenset({"content-length", "set-cookie", "date", "server"})
"""Response headers not stored (recomputed, per-connection or never to be replayed)."""

_RESPONSES: dict[int, tuple[str, dict[str, Any] | None]] = {
    400: ("Invalid request, or an invalid `Idempotency-Key`", s.ref("Error")),
    409: ("A request with this `Idempotency-Key` is still running", s.ref("Error")),
    422: ("This `Idempotency-Key` was used for a different request", s.ref("Error")),
}


def fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    """SHA-256 of what makes two requests "the same" (hex)."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query.encode()):
        digest.update(part)
        digest.update(b"\n")
    digest.update(body)
    return digest.hexdigest()


def with_idempotency(ep: Endpoint, store: IdempotencyStore) -> Endpoint:
    """``ep`` accepting ``Idempotency-Key`` if it is declared idempotent, else unchanged."""
    if not ep.idempotent:
        return ep
    responses = dict(ep.responses)
    for code, described in _RESPONSES.items():
        responses.setdefault(code, described)
    return attrs.evolve(
        ep,
        handler=_guarded(ep.handler, store),
        params=(*ep.params, PARAM),
        responses=responses,
    )


def _replay(stored: StoredResponse) -> Response:
    response = Response(stored.body, status_code=stored.status)
    for name, value in stored.headers:
        response.headers.append(name, value)
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _kept(response: Response) -> StoredResponse | None:
    """What to store of ``response``: ``None`` for an error or a streamed body."""
    body = getattr(response, "body", None)
    if response.status_code >= 400 or not isinstance(body, bytes):
        return None
    headers = tuple(
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, value in response.raw_headers
        if name.decode("latin-1").lower() not in _KEPT_OUT
    )
    return StoredResponse(status=response.status_code, headers=headers, body=body)


def _guarded(handler: Handler, store: IdempotencyStore) -> Handler:
    async def run(ctx: HttpContext, request: Request) -> Response:
        key = request.headers.get(HEADER)
        if key is None:
            return await handler(ctx, request)
        actor = await ctx.slow(ctx.principal, request)
        if not _KEY.fullmatch(key):
            return error(400, f"{HEADER} must be 1 to 255 printable ASCII characters (a UUID, say)")
        body = await read_body(request)
        digest = fingerprint(request.method, request.url.path, request.url.query, body)
        now = ctx.core.clock.now()
        found = await ctx.slow(
            store.claim,
            actor.user_id,
            key,
            fingerprint=digest,
            now=now,
            expires_at=now + KEY_TTL,
            stale_before=now - CLAIM_TIMEOUT,
        )
        if found is not None:
            if found.fingerprint != digest:
                return error(
                    422,
                    f"This {HEADER} was already used for a different request; "
                    "use a new key for a new request",
                )
            if found.response is None:
                return error(
                    409,
                    f"A request with this {HEADER} is still in progress; retry later",
                    {"Retry-After": str(RETRY_AFTER)},
                )
            return _replay(found.response)

        sent = False

        async def receive() -> Message:
            # The body was read above: hand it to the handler once, as one chunk.
            nonlocal sent
            if sent:
                return await request.receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        try:
            response = await handler(ctx, Request(request.scope, receive))
        except BaseException:
            with anyio.CancelScope(shield=True):
                await ctx.slow(store.release, actor.user_id, key)
            raise
        kept = _kept(response)
        if kept is None:
            await ctx.slow(store.release, actor.user_id, key)
        else:
            await ctx.slow(store.complete, actor.user_id, key, kept)
        return response

    return run
