"""Single sign-on pages: a "Sign in with <provider>" button per configured OpenID Connect
provider on the login page, ``/login/oidc/<name>`` sending the browser to the provider,
and ``/login/oidc/<name>/callback`` logging the person in exactly as a password login
does (the same session cookies).

What the answer must match (``state``, ``nonce``, the PKCE verifier, and where to go
afterwards) is kept in a short-lived cookie signed with a key derived from the server's
signing key; it is used once. A failed sign-in (cancelled at the provider, an answer
that does not belong to the sign-in, an invalid ID token, a refused account) shows the
login page with the reason.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from taskcore import errors
from taskcore.domain.identities import SignInPolicy
from taskcore.ports.identities import AuthorizationRequest, IdentityProvider
from taskcore_adapters.config_checks import OidcProviderSettings
from taskcore_adapters.http.errors import status_of
from taskcore_adapters.http.mounting import prefixed
from taskcore_adapters.web.routing import PageRoute, page
from taskcore_adapters.web.session import (
    PAGE_HEADERS,
    Visit,
    Web,
    apply_cookies,
    safe_next,
    session_cookies,
)

security_log = logging.getLogger("taskcore.security")
"""Failed single sign-ons are logged here (the provider and the reason; never a code or
a token)."""

STATE_COOKIE: Final = "tc_oidc"
STATE_SECONDS: Final = 600
"""How long a started sign-in may take at the provider."""
EXPIRED: Final = "This sign-in expired or was not started here; try again"
DENIED: Final = "The sign-in was cancelled or refused at {provider}"


def policy_of(settings: OidcProviderSettings) -> SignInPolicy:
    """The sign-in policy a provider's settings give."""
    return SignInPolicy(
        allowed_domains=settings.allowed_domains,
        existing_users_only=settings.existing_users_only,
        admin_group=settings.admin_group,
        disable_passwords=settings.disable_passwords,
    )


class StateSeal:
    """Signs and checks the started-sign-in cookie (an HMAC over its JSON body)."""

    def __init__(self, secret: str) -> None:
        self._key = hmac.new(secret.encode(), b"taskcore web oidc state", hashlib.sha256).digest()

    def seal(self, data: dict[str, Any]) -> str:
        body = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode())
        text = body.decode().rstrip("=")
        return text + "." + hmac.new(self._key, text.encode(), hashlib.sha256).hexdigest()

    def open(self, value: str | None, *, now: float) -> dict[str, Any] | None:
        """The sealed data, or ``None`` when missing, forged or expired."""
        text, _, mac = (value or "").partition(".")
        expected = hmac.new(self._key, text.encode(), hashlib.sha256).hexdigest()
        if not text or not hmac.compare_digest(mac.encode(), expected.encode()):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        except (binascii.Error, ValueError):
            return None
        if not isinstance(data, dict) or not isinstance(data.get("exp"), int | float):
            return None
        return data if data["exp"] > now else None


def callback_url(request: Request, name: str) -> str:
    """The absolute address the provider sends the browser back to."""
    path = prefixed(request.scope, f"/login/oidc/{name}/callback")
    return f"{request.url.scheme}://{request.url.netloc}{path}"


class SsoPages:
    """The sign-in pages of the configured providers."""

    def __init__(self, web: Web, configured: tuple[OidcProviderSettings, ...]) -> None:
        from taskcore_adapters.oidc import providers_from  # the sso extra

        self.providers: dict[str, IdentityProvider] = dict(providers_from(configured))
        self.policies = {p.name: policy_of(p) for p in configured}
        self.seal = StateSeal(web.ctx.runtime.settings.resolve_secret_key())

    def provider_of(self, request: Request) -> IdentityProvider:
        found = self.providers.get(str(request.path_params.get("name", "")))
        if found is None:
            raise errors.NotFound("No such sign-in provider")
        return found

    async def start(self, web: Web, visit: Visit, request: Request) -> Response:
        """Send the browser to the provider, remembering the sign-in in a cookie."""
        provider = self.provider_of(request)
        target = safe_next(request.query_params.get("next"))
        try:
            auth = await web.ctx.slow(provider.start, callback_url(request, provider.name))
        except errors.TaskcoreError as exc:
            return failed(web, visit, exc)
        data = {
            "provider": provider.name,
            "state": auth.state,
            "nonce": auth.nonce,
            "verifier": auth.code_verifier,
            "next": target,
            "exp": int(web.core.clock.now().timestamp()) + STATE_SECONDS,
        }
        visit.cookies[STATE_COOKIE] = (self.seal.seal(data), STATE_SECONDS)
        response = RedirectResponse(auth.url, status_code=303, headers=PAGE_HEADERS)
        apply_cookies(visit, response)
        return response

    async def callback(self, web: Web, visit: Visit, request: Request) -> Response:
        """Finish the sign-in: check the answer, validate the ID token, log in."""
        provider = self.provider_of(request)
        now = web.core.clock.now().timestamp()
        started = self.seal.open(request.cookies.get(STATE_COOKIE), now=now)
        visit.cookies[STATE_COOKIE] = ("", 0)
        params = dict(request.query_params.items())
        try:
            if params.get("error"):
                raise errors.SignInFailed(DENIED.format(provider=provider.display_name))
            if started is None or started.get("provider") != provider.name:
                raise errors.SignInFailed(EXPIRED)
            auth = AuthorizationRequest(
                url="",
                state=str(started["state"]),
                nonce=str(started["nonce"]),
                code_verifier=str(started["verifier"]),
            )
            claims = await web.ctx.slow(
                provider.complete,
                auth,
                redirect_uri=callback_url(request, provider.name),
                params=params,
            )
            result = await web.ctx.slow(
                web.core.users.sign_in_external,
                provider=provider.name,
                claims=claims,
                policy=self.policies[provider.name],
            )
        except errors.TaskcoreError as exc:
            security_log.warning(
                "single sign-on failed",
                extra={"event": "sso_failed", "provider": provider.name, "reason": exc.message},
            )
            return failed(web, visit, exc)
        visit.cookies.update(session_cookies(result, web.core.clock.now()))
        return web.redirect(visit, safe_next(str(started.get("next", ""))))


def routes(web: Web) -> list[PageRoute]:
    """The sign-in pages of the configured providers (none without any), and the login
    page's buttons."""
    configured = web.ctx.runtime.settings.oidc_providers
    web.templates.globals["sso_providers"] = [(p.name, p.display_name) for p in configured]
    if not configured:
        return []
    pages = SsoPages(web, configured)
    return [
        PageRoute("/login/oidc/{name}", page(web, pages.start, login=False), methods=["GET"]),
        PageRoute(
            "/login/oidc/{name}/callback", page(web, pages.callback, login=False), methods=["GET"]
        ),
    ]


def failed(web: Web, visit: Visit, exc: errors.TaskcoreError) -> Response:
    """The login page, saying why the sign-in failed."""
    return web.render(
        visit,
        "login.html",
        status=status_of(exc),
        title="Log in",
        values={"username": ""},
        errors={"": exc.message},
        next="/dashboard",
    )
