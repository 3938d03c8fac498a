"""Browser sessions for the web pages: token cookies, CSRF tokens and page rendering.

A login keeps the access token and the refresh token of ``UserService.login`` in two
``HttpOnly``, ``SameSite=Lax`` cookies (``Secure`` over HTTPS). When the access token has
expired the refresh token renews both, once, through ``UserService.refresh``. When another
tab renewed them a moment earlier (``RefreshSuperseded``) the cookies are kept and the page
sends the browser to repeat the request (:meth:`Web.retry`), which then carries the cookies
the other tab's answer set.

Every form carries a CSRF token: an HMAC, under a key derived from the server's signing
key, of the login session's id, or, before login, of a random value kept in a cookie. Every
``POST`` is refused with 403 unless its token matches.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote, unquote

import attrs
import jinja2
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from taskcore import errors
from taskcore.app import Taskcore
from taskcore.domain.pagination import PageRequest
from taskcore.services.users import LoginResult, Principal, UserView
from taskcore_adapters.http.context import HttpContext
from taskcore_adapters.http.errors import status_of
from taskcore_adapters.http.mounting import prefixed, root_path, route_path
from taskcore_adapters.http.parsing import whole_number

ACCESS_COOKIE: Final = "tc_access"
REFRESH_COOKIE: Final = "tc_refresh"
ANON_COOKIE: Final = "tc_anon"
NOTICE_COOKIE: Final = "tc_notice"
NOTICE_MAX: Final = 300
RETRY_COOKIE: Final = "tc_retry"
RETRY_LIMIT: Final = 3
"""How many times in a row a request is repeated because its refresh token was superseded."""
RETRY_SECONDS: Final = 60
"""How long the count of repeated requests is kept."""
CSRF_FIELD: Final = "csrf_token"

PAGE_CSP: Final = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
"""The pages' Content-Security-Policy: scripts, styles and images from this origin only;
no inline script or style anywhere; scripts connect only to this origin (the live board's
event stream and its refresh)."""

PAGE_HEADERS: Final = {
    "Content-Security-Policy": PAGE_CSP,
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
}

CSRF_REFUSED: Final = "The form has expired or did not come from this site; reload and try again"

TEMPLATES: Final = Path(__file__).parent / "templates"


class CsrfRefused(Exception):
    """A ``POST`` without a valid CSRF token."""


class LoginRequired(Exception):
    """The page needs a logged-in user and there is none (or the session ended)."""


def environment() -> jinja2.Environment:
    """The template environment: autoescaping on for everything, undefined names fail."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@attrs.define
class Visit:
    """One request to a page: who asks, their CSRF token, and cookies to set on the answer."""

    request: Request
    principal: Principal | None
    me: UserView | None
    csrf: str
    cookies: dict[str, tuple[str, int]] = attrs.field(factory=dict)
    """Cookies to set: name → (value, max-age seconds; 0 deletes)."""
    notice: str | None = None
    """A message from the previous step (``Project created.``), shown once."""
    form: FormData = attrs.field(factory=FormData)
    """The submitted form of a ``POST`` (empty otherwise)."""
    superseded: bool = False
    """The access token had expired and the refresh token was renewed a moment ago by
    another request (another tab): the session lives, this request's cookies are old."""

    def field(self, name: str) -> str:
        """A text field of the submitted form ('' when absent)."""
        return form_value(self.form, name)

    @property
    def actor(self) -> Principal:
        """The logged-in caller.

        Raises:
            LoginRequired: nobody is logged in.
        """
        if self.principal is None:
            raise LoginRequired()
        return self.principal


@attrs.define
class Web:
    """What every page handler needs: the HTTP context, the templates and the CSRF key."""

    ctx: HttpContext
    templates: jinja2.Environment = attrs.field(factory=environment)
    key: bytes = b""

    @classmethod
    def of(cls, ctx: HttpContext) -> Web:
        """The web context of ``ctx``, with a CSRF key derived from the signing key."""
        secret = ctx.runtime.settings.resolve_secret_key().encode()
        key = hmac.new(secret, b"taskcore web csrf", hashlib.sha256).digest()
        return cls(ctx, key=key)

    @property
    def core(self) -> Taskcore:
        """The taskcore instance."""
        return self.ctx.runtime.core

    # -- sessions -------------------------------------------------------------------------

    def _csrf_for(self, binding: str) -> str:
        return hmac.new(self.key, binding.encode(), hashlib.sha256).hexdigest()

    async def visit(self, request: Request) -> Visit:
        """Who is asking, renewing an expired access token with the refresh token."""
        cookies: dict[str, tuple[str, int]] = {}
        principal: Principal | None = None
        me: UserView | None = None
        superseded = False
        users = self.core.users
        access = request.cookies.get(ACCESS_COOKIE)
        refresh = request.cookies.get(REFRESH_COOKIE)
        if access:
            try:
                principal, me = users.verify_token(access)
            except errors.AuthenticationFailed:
                principal = None
        if principal is None and refresh:
            try:
                result = users.refresh(refresh)
                principal, me = users.verify_token(result.token)
                cookies.update(session_cookies(result, self.core.clock.now()))
            except errors.RefreshSuperseded:
                principal, superseded = None, True
            except errors.TaskcoreError:
                principal = None
        if principal is None and (access or refresh) and not superseded:
            cookies.update(cleared_cookies())
        if principal is not None and RETRY_COOKIE in request.cookies:
            cookies[RETRY_COOKIE] = ("", 0)
        if principal is not None:
            binding = "s:" + (principal.session_id or principal.token_id or "")
        else:
            anon = request.cookies.get(ANON_COOKIE) or ""
            if len(anon) < 32:
                anon = secrets.token_urlsafe(32)
                cookies[ANON_COOKIE] = (anon, -1)
            binding = "a:" + anon
        notice = unquote(request.cookies.get(NOTICE_COOKIE, ""))[:NOTICE_MAX] or None
        if notice is not None:
            cookies[NOTICE_COOKIE] = ("", 0)
        return Visit(
            request, principal, me, self._csrf_for(binding), cookies, notice, superseded=superseded
        )

    def check_csrf(self, visit: Visit, token: str | None) -> None:
        """Refuse a form whose CSRF token is not the visit's.

        Raises:
            CsrfRefused: the token is missing or wrong.
        """
        if not token or not hmac.compare_digest(token, visit.csrf):
            raise CsrfRefused()

    # -- answers ----------------------------------------------------------------------------

    def retry(self, visit: Visit) -> Response | None:
        """Have the browser repeat a request whose refresh token another tab renewed a
        moment ago, so that it comes back with the cookies that tab's answer set: a
        ``GET`` (or ``HEAD``) with ``303 See Other`` to the same address, a ``POST`` with
        ``307 Temporary Redirect``, which resends the same form (nothing of it ran; its
        CSRF token stays valid, since the session is the same). The cookies are kept.

        Returns:
            The redirect; ``None`` when the visit was not superseded, or the request was
            repeated :data:`RETRY_LIMIT` times already (the browser never got the new
            cookies: the page then answers as for an expired session, cookies kept).
        """
        if not visit.superseded:
            return None
        raw = visit.request.cookies.get(RETRY_COOKIE, "")[:3]
        tries = whole_number(raw) or 0
        if tries >= RETRY_LIMIT:
            return None
        visit.cookies[RETRY_COOKIE] = (str(tries + 1), RETRY_SECONDS)
        target = visit.request.url.path
        if visit.request.url.query:
            target += "?" + visit.request.url.query
        status = 307 if visit.request.method == "POST" else 303
        response = RedirectResponse(target, status_code=status, headers=PAGE_HEADERS)
        apply_cookies(visit, response)
        return response

    def render(
        self, visit: Visit, template: str, *, status: int = 200, **context: Any
    ) -> HTMLResponse:
        """A page rendered from ``template``, with the page headers and pending cookies."""
        unread = 0
        if visit.principal is not None and "unread" not in context:
            unread = self.core.notifications.inbox(
                visit.principal, page=PageRequest(per_page=1), unread_only=True
            ).unread_count
        page = self.templates.get_template(template).render(
            unread=unread,
            visit=visit,
            me=visit.me,
            csrf=visit.csrf,
            csrf_field=CSRF_FIELD,
            path=route_path(visit.request.scope),
            root=root_path(visit.request.scope),
            **context,
        )
        page = with_prefix(page, root_path(visit.request.scope))
        response = HTMLResponse(page, status_code=status, headers=PAGE_HEADERS)
        apply_cookies(visit, response)
        return response

    def redirect(self, visit: Visit, url: str, *, notice: str | None = None) -> Response:
        """A ``303 See Other`` to ``url`` (a local path), with a notice to show there."""
        if notice:
            visit.cookies[NOTICE_COOKIE] = (quote(notice[:NOTICE_MAX]), 60)
        target = prefixed(visit.request.scope, url)
        response = RedirectResponse(target, status_code=303, headers=PAGE_HEADERS)
        apply_cookies(visit, response)
        return response

    def problem(self, visit: Visit, exc: errors.TaskcoreError) -> HTMLResponse:
        """An error page for a core error (not found, forbidden, ...), with its status."""
        return self.render(
            visit, "error.html", status=status_of(exc), message=exc.message, title="Error"
        )


def session_cookies(result: LoginResult, now: dt.datetime) -> dict[str, tuple[str, int]]:
    """The cookies holding a login's tokens, kept until the login session ends."""
    lasts = max(int((result.refresh_expires_at - now).total_seconds()), 1)
    return {ACCESS_COOKIE: (result.token, lasts), REFRESH_COOKIE: (result.refresh_token, lasts)}


def cleared_cookies() -> dict[str, tuple[str, int]]:
    """Instructions deleting the session cookies."""
    return {ACCESS_COOKIE: ("", 0), REFRESH_COOKIE: ("", 0)}


def apply_cookies(visit: Visit, response: Response) -> None:
    """Set the visit's pending cookies on ``response``: HttpOnly, SameSite=Lax, and Secure
    when the request came over HTTPS. A max-age of -1 makes a cookie for the browser
    session, 0 deletes it."""
    secure = is_https(visit.request)
    for name, (value, max_age) in visit.cookies.items():
        if max_age == 0:
            response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="lax")
        else:
            response.set_cookie(
                name,
                value,
                max_age=None if max_age < 0 else max_age,
                path="/",
                secure=secure,
                httponly=True,
                samesite="lax",
            )


def is_https(request: Request) -> bool:
    """Whether the browser reached us over HTTPS: directly, or through a trusted proxy
    that terminated TLS and said so in ``X-Forwarded-Proto`` (``RequestOrigin`` then made
    the request's scheme ``https``; the header from anyone else is ignored)."""
    return request.url.scheme == "https"


def login_url(request: Request) -> str:
    """The login page, coming back to the requested page afterwards (``next`` is the
    page's path inside the application; :meth:`Web.redirect` adds the prefix)."""
    target = route_path(request.scope)
    if request.url.query:
        target += "?" + request.url.query
    return prefixed(request.scope, "/login?next=" + quote(target, safe="/"))


_LOCAL_URL = re.compile(r"""(\s(?:href|src|action|formaction)=")/(?!/)""")


def with_prefix(page: str, root: str) -> str:
    """``page`` with the application's own absolute URLs (``href="/projects"``,
    ``src``, ``action``, ``formaction``) under the prefix it is served at, so templates
    write plain paths and work mounted anywhere. Only the templates' markup can hold such
    an attribute: autoescaping turns a quote in any value into ``&#34;``."""
    if not root:
        return page
    return _LOCAL_URL.sub(lambda match: match.group(1) + root + "/", page)


def safe_next(value: str | None) -> str:
    """A local path to go to after login (never another site)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/dashboard"
    return value


def form_value(form: Mapping[str, Any], name: str) -> str:
    """A text field of a submitted form ('' when absent or not text)."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


def field_errors(
    exc: errors.TaskcoreError, fields: Mapping[type[errors.TaskcoreError], str] | None = None
) -> dict[str, str]:
    """The message of ``exc`` keyed by the form field it concerns (``""``: the whole form).

    A ``ValidationError`` names its field; other errors are placed by ``fields`` (the first
    matching error family wins).
    """
    name = exc.field if isinstance(exc, errors.ValidationError) else None
    if name is None:
        for family, target in (fields or {}).items():
            if isinstance(exc, family):
                name = target
                break
    return {name or "": exc.message}
