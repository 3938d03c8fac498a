"""Drive the web pages from tests like a person with a browser would.

:class:`Browser` wraps a Starlette test client: it keeps cookies, reads the CSRF token out
of the last page it loaded and sends it with every form::

    with TestClient(create_app(runtime)) as client:
        browser = Browser(client)
        browser.register("alice")
        browser.post("/projects", {"name": "Apollo"})
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import httpx2
    from starlette.testclient import TestClient

PASSWORD: Final = "correct horse battery"  # noqa: S105
"""The password :meth:`Browser.register` and :meth:`Browser.login` use by default."""

_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


class Browser:
    """A test client used like a browser: cookies kept, CSRF token taken from pages."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.csrf = ""

    def get(self, url: str, **kwargs: Any) -> httpx2.Response:
        """Load a page (following redirects) and remember its CSRF token."""
        response = self.client.get(url, **kwargs)
        found = (
            _CSRF.search(response.text)
            if "html" in response.headers.get("content-type", "")
            else None
        )
        if found:
            self.csrf = found.group(1)
        return response

    def post(self, url: str, data: dict[str, str] | None = None, **kwargs: Any) -> httpx2.Response:
        """Submit a form with the current CSRF token, and remember the next page's token."""
        response = self.client.post(url, data={"csrf_token": self.csrf, **(data or {})}, **kwargs)
        found = _CSRF.search(response.text)
        if found:
            self.csrf = found.group(1)
        return response

    def register(
        self, username: str, *, full_name: str | None = None, password: str = PASSWORD
    ) -> httpx2.Response:
        """Register (and so log in) through the register page."""
        self.get("/register")
        return self.post(
            "/register",
            {
                "username": username,
                "email": f"{username}@example.com",
                "full_name": full_name or username.title(),
                "password": password,
                "confirm_password": password,
            },
        )

    def login(self, username: str, password: str = PASSWORD) -> httpx2.Response:
        """Log in through the login page."""
        self.get("/login")
        return self.post("/login", {"username": username, "password": password})

    def upload(
        self, url: str, filename: str, content: bytes, media_type: str = "text/plain"
    ) -> httpx2.Response:
        """Send an upload form: the CSRF token first, then the file (as browsers do)."""
        response = self.client.post(
            url,
            data={"csrf_token": self.csrf},
            files={"file": (filename, content, media_type)},
        )
        found = _CSRF.search(response.text)
        if found:
            self.csrf = found.group(1)
        return response
