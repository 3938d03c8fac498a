"""Security headers on every response."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from taskcore_adapters.http.mounting import route_path

API_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Cross-Origin-Resource-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"

API_CACHE_HEADERS = {"Cache-Control": "no-store", "Pragma": "no-cache"}
"""What every API answer that does not choose its own caching gets: tokens (login,
refresh, password change), the caller's profile and everything else the API returns
belong to one caller and are kept by no cache, shared or not (``Pragma`` for HTTP/1.0
caches). Answers that set ``Cache-Control`` themselves (attachment downloads) keep it."""

API_PREFIX = "/api/"


class SecurityHeaders:
    """Adds :data:`API_HEADERS` to every response that does not set them itself,
    :data:`API_CACHE_HEADERS` to API responses without a ``Cache-Control``, and HSTS when
    the request came over HTTPS."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        secure = scope.get("scheme") == "https"
        api = route_path(scope).startswith(API_PREFIX)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in API_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
                if api and "Cache-Control" not in headers:
                    headers.update(API_CACHE_HEADERS)
                if secure:
                    headers.setdefault("Strict-Transport-Security", HSTS)
            await send(message)

        await self.app(scope, receive, send_with_headers)
