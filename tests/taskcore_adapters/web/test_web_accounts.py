"""The account pages: log in, register, log out, profile, administration, sessions, CSRF
and the pages' security headers."""

from __future__ import annotations

import re

import httpx2
import pytest
from starlette.testclient import TestClient

from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.host import create_app
from taskcore_adapters.web.session import ACCESS_COOKIE, REFRESH_COOKIE
from taskcore_adapters.web.testing import PASSWORD, Browser

PAGES = ["/dashboard", "/profile", "/projects", "/inbox", "/reports"]


def set_cookie_headers(response: httpx2.Response) -> list[str]:
    """Every ``Set-Cookie`` header of a response and the redirects before it."""
    found: list[str] = []
    for one in [*response.history, response]:
        found.extend(one.headers.get_list("set-cookie"))
    return found


class TestPagesRender:
    @pytest.mark.parametrize("url", PAGES)
    def test_logged_in_pages_render(self, browser: Browser, url: str) -> None:
        """Every main page answers 200 with HTML for a logged-in user."""
        browser.register("alice")
        response = browser.get(url)
        assert (200, "text/html; charset=utf-8") == (
            response.status_code,
            response.headers["content-type"],
        )
        assert "alice" in response.text

    @pytest.mark.parametrize("url", [*PAGES, "/admin", "/projects/1", "/tasks/1"])
    def test_anonymous_visitors_go_to_the_login_page(self, browser: Browser, url: str) -> None:
        """A page that needs a login redirects to the login page, coming back afterwards."""
        response = browser.client.get(url, follow_redirects=False)
        assert (303, f"/login?next={url}") == (response.status_code, response.headers["location"])

    def test_root_redirects_by_login_state(self, browser: Browser) -> None:
        """``/`` leads to the login page, then to the dashboard once logged in."""
        assert "/login" == browser.client.get("/", follow_redirects=False).headers["location"]
        browser.register("alice")
        assert "/dashboard" == browser.client.get("/", follow_redirects=False).headers["location"]

    def test_pages_have_labels_for_every_input(self, browser: Browser) -> None:
        """Every visible input, select and textarea of the main pages has a label."""
        browser.register("alice")
        browser.post("/projects", {"name": "Apollo"})
        browser.post("/projects/1/tasks", {"title": "First"})
        for url in [*PAGES, "/projects/1", "/projects/1/members", "/tasks/1", "/register"]:
            html = browser.get(url).text
            ids = re.findall(
                r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*\sid="([^"]+)"', html
            )
            unlabeled = [i for i in ids if f'for="{i}"' not in html]
            controls = re.findall(r"<(?:input|select|textarea)(?![^>]*type=\"hidden\")[^>]*>", html)
            assert ([], len(controls)) == (unlabeled, len(ids)), url


class TestRegister:
    def test_register_logs_in(self, browser: Browser) -> None:
        """Registering creates the account and opens the dashboard, logged in."""
        response = browser.register("alice", full_name="Alice Liddell")
        assert ("/dashboard", "Hello, Alice Liddell") == (
            response.url.path,
            re.search(r"Hello, [^<]+", response.text).group(0),  # type: ignore[union-attr]
        )

    def test_taken_username_is_shown_next_to_the_field_keeping_the_input(
        self, browser: Browser, other_browser: Browser
    ) -> None:
        """A taken username gets the API's message and status, and the form keeps the input."""
        other_browser.register("alice")
        browser.get("/register")
        response = browser.post(
            "/register",
            {
                "username": "alice",
                "email": "second@example.com",
                "full_name": "Second Alice",
                "password": PASSWORD,
                "confirm_password": PASSWORD,
            },
        )
        assert 409 == response.status_code
        assert 'id="f-username-error">Username already exists<' in response.text
        assert 'value="second@example.com"' in response.text
        assert 'value="Second Alice"' in response.text
        assert PASSWORD not in response.text

    def test_short_password_gets_the_core_message(self, browser: Browser) -> None:
        """The password rule is the core's, with its message, next to the password field."""
        browser.get("/register")
        response = browser.post(
            "/register",
            {
                "username": "bob",
                "email": "bob@example.com",
                "full_name": "Bob",
                "password": "short",
                "confirm_password": "short",
            },
        )
        assert 400 == response.status_code
        assert re.search(r'id="f-password-error">[^<]*8', response.text)

    def test_passwords_must_match(self, browser: Browser) -> None:
        """Two different passwords are refused next to the repeat field."""
        browser.get("/register")
        response = browser.post(
            "/register",
            {
                "username": "bob",
                "email": "bob@example.com",
                "full_name": "Bob",
                "password": PASSWORD,
                "confirm_password": PASSWORD + "x",
            },
        )
        assert (400, True) == (
            response.status_code,
            'id="f-confirm_password-error">Passwords do not match<' in response.text,
        )


class TestLogin:
    def test_wrong_password_keeps_the_username(
        self, browser: Browser, other_browser: Browser
    ) -> None:
        """A wrong password answers 401 with the API's message and keeps the username."""
        other_browser.register("alice")
        response = browser.login("alice", "wrong password")
        assert 401 == response.status_code
        assert 'value="alice"' in response.text
        assert "f-password-error" in response.text

    def test_login_sets_http_only_lax_cookies_and_follows_next(
        self, browser: Browser, other_browser: Browser
    ) -> None:
        """The tokens go into HttpOnly, SameSite=Lax cookies (not Secure over plain HTTP),
        and the login goes on to the page asked for."""
        other_browser.register("alice")
        browser.get("/login?next=/projects")
        response = browser.post(
            "/login", {"username": "alice", "password": PASSWORD, "next": "/projects"}
        )
        assert "/projects" == response.url.path
        cookies = [c for c in set_cookie_headers(response) if c.startswith("tc_access=")]
        assert 1 == len(cookies)
        flags = cookies[0].lower()
        assert ("httponly" in flags, "samesite=lax" in flags, "secure" in flags) == (
            True,
            True,
            False,
        )

    def test_cookies_are_secure_over_https(self, runtime: Runtime) -> None:
        """Served over HTTPS, the session cookies are Secure."""
        runtime.core.users.register(
            username="alice", email="a@example.com", password=PASSWORD, full_name="A"
        )
        with TestClient(create_app(runtime), base_url="https://testserver") as client:
            browser = Browser(client)
            response = browser.login("alice")
        cookies = [c for c in set_cookie_headers(response) if c.startswith("tc_")]
        assert cookies
        assert all("secure" in c.lower() for c in cookies)

    def test_forwarded_proto_from_an_untrusted_peer_is_ignored(
        self, browser: Browser, other_browser: Browser
    ) -> None:
        """``X-Forwarded-Proto: https`` from a peer that is not a trusted proxy does not make
        the request HTTPS (test_observability.py: from a trusted one it does)."""
        other_browser.register("alice")
        browser.get("/login")
        response = browser.client.post(
            "/login",
            data={"username": "alice", "password": PASSWORD, "csrf_token": browser.csrf},
            headers={"X-Forwarded-Proto": "https"},
            follow_redirects=False,
        )
        cookies = [c for c in response.headers.get_list("set-cookie") if c.startswith("tc_")]
        assert cookies
        assert not any("secure" in c.lower() for c in cookies)

    def test_next_never_leaves_the_site(self, browser: Browser, other_browser: Browser) -> None:
        """A ``next`` pointing at another site is replaced by the dashboard."""
        other_browser.register("alice")
        browser.get("/login")
        response = browser.post(
            "/login",
            {"username": "alice", "password": PASSWORD, "next": "//evil.example/"},
            follow_redirects=False,
        )
        assert "/dashboard" == response.headers["location"]

    def test_expired_access_token_is_renewed_with_the_refresh_token(self, browser: Browser) -> None:
        """Without a valid access token the refresh cookie renews the session once."""
        browser.register("alice")
        old_refresh = browser.client.cookies[REFRESH_COOKIE]
        browser.client.cookies.set(
            ACCESS_COOKIE, "expired-or-garbage", domain="testserver.local", path="/"
        )
        response = browser.get("/profile")
        assert 200 == response.status_code
        assert old_refresh != browser.client.cookies[REFRESH_COOKIE]
        assert "expired-or-garbage" != browser.client.cookies[ACCESS_COOKIE]

    def test_ended_session_sends_back_to_login(self, browser: Browser, runtime: Runtime) -> None:
        """When neither token works any more the cookies are cleared and the login shown."""
        browser.register("alice")
        browser.client.cookies.set(ACCESS_COOKIE, "garbage", domain="testserver.local", path="/")
        browser.client.cookies.set(REFRESH_COOKIE, "garbage", domain="testserver.local", path="/")
        response = browser.client.get("/dashboard", follow_redirects=False)
        assert (303, "/login?next=/dashboard") == (
            response.status_code,
            response.headers["location"],
        )


class TestLogout:
    def test_logout_is_a_post_that_ends_the_session(
        self, browser: Browser, runtime: Runtime
    ) -> None:
        """GET /logout is not allowed; the POST revokes the tokens and clears the cookies."""
        browser.register("alice")
        token = browser.client.cookies[ACCESS_COOKIE]
        assert 405 == browser.client.get("/logout").status_code
        browser.get("/dashboard")
        response = browser.post("/logout")
        assert "/login" == response.url.path
        assert "You are logged out." in response.text
        api = browser.client.get("/api/users/me", headers={"Authorization": f"Bearer {token}"})
        assert 401 == api.status_code
        assert "/login" == browser.client.get("/dashboard").url.path


class TestCsrf:
    def test_a_post_without_the_token_is_refused(self, browser: Browser, runtime: Runtime) -> None:
        """A form posted without its CSRF token is refused with 403 and changes nothing."""
        browser.register("alice")
        response = browser.client.post("/projects", data={"name": "Forged"})
        assert 403 == response.status_code
        alice = runtime.core.users.login(username="alice", password=PASSWORD)
        actor = runtime.core.users.authenticate(alice.token)
        assert 0 == runtime.core.projects.list_projects(actor).total

    def test_another_sessions_token_is_refused(
        self, browser: Browser, other_browser: Browser
    ) -> None:
        """A token is bound to its session: another user's token does not work."""
        browser.register("alice")
        other_browser.register("bob")
        response = browser.client.post(
            "/projects", data={"name": "Forged", "csrf_token": other_browser.csrf}
        )
        assert 403 == response.status_code

    def test_login_without_the_token_is_refused(
        self, browser: Browser, other_browser: Browser
    ) -> None:
        """Even the login form needs its token (no login CSRF)."""
        other_browser.register("alice")
        response = browser.client.post("/login", data={"username": "alice", "password": PASSWORD})
        assert 403 == response.status_code

    def test_logout_without_the_token_is_refused(self, browser: Browser) -> None:
        """Logging someone out needs the token too."""
        browser.register("alice")
        assert 403 == browser.client.post("/logout").status_code
        assert "/dashboard" == browser.get("/dashboard").url.path

    def test_upload_without_the_token_is_refused(self, browser: Browser) -> None:
        """An upload without its token is refused and stores nothing."""
        browser.register("alice")
        browser.post("/projects", {"name": "Apollo"})
        browser.post("/projects/1/tasks", {"title": "First"})
        response = browser.client.post(
            "/tasks/1/attachments", files={"file": ("a.txt", b"hello", "text/plain")}
        )
        assert 403 == response.status_code
        assert "No attachments." in browser.get("/tasks/1").text

    def test_upload_with_another_sessions_token_is_refused(
        self, browser: Browser, other_browser: Browser
    ) -> None:
        """An upload carrying someone else's token is refused and stores nothing."""
        other_browser.register("mallory")
        browser.register("alice")
        browser.post("/projects", {"name": "Apollo"})
        browser.post("/projects/1/tasks", {"title": "First"})
        response = browser.client.post(
            "/tasks/1/attachments",
            data={"csrf_token": other_browser.csrf},
            files={"file": ("a.txt", b"hello", "text/plain")},
        )
        assert 403 == response.status_code
        assert "No attachments." in browser.get("/tasks/1").text


class TestHeaders:
    def test_pages_have_a_csp_without_inline_scripts_or_styles(self, browser: Browser) -> None:
        """Pages allow scripts and styles from this origin only, and use no inline ones."""
        browser.register("alice")
        browser.post("/projects", {"name": "Apollo"})
        browser.post("/projects/1/tasks", {"title": "First"})
        for url in [*PAGES, "/projects/1", "/projects/1/members", "/tasks/1"]:
            response = browser.get(url)
            csp = response.headers["content-security-policy"]
            assert "script-src 'self'" in csp
            assert "style-src 'self'" in csp
            assert "unsafe-inline" not in csp
            assert [] == re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", response.text), url
            assert [] == re.findall(r"\sstyle=", response.text), url
            assert [] == re.findall(r"\son[a-z]+=", response.text), url
            assert "no-store" == response.headers["cache-control"]

    def test_the_api_keeps_its_strict_csp(self, browser: Browser) -> None:
        """JSON answers keep the API's ``default-src 'none'`` policy."""
        response = browser.client.get("/health")
        assert response.headers["content-security-policy"].startswith("default-src 'none'")

    def test_static_files_are_served(self, browser: Browser) -> None:
        """The stylesheet and the board script come from /static."""
        css = browser.client.get("/static/app.css")
        script = browser.client.get("/static/board.js")
        assert (200, 200) == (css.status_code, script.status_code)
        assert css.headers["content-type"].startswith("text/css")
        assert ":focus-visible" in css.text


class TestProfile:
    def test_profile_change(self, browser: Browser, runtime: Runtime) -> None:
        """Name and e-mail change through ``users.update_profile``."""
        browser.register("alice")
        browser.get("/profile")
        response = browser.post("/profile", {"full_name": "Alice L", "email": "al@example.com"})
        assert "Profile saved." in response.text
        assert 'value="al@example.com"' in response.text

    def test_taken_email_keeps_the_input(self, browser: Browser, other_browser: Browser) -> None:
        """Another account's address is refused next to the field, keeping what was typed."""
        other_browser.register("bob")
        browser.register("alice")
        browser.get("/profile")
        response = browser.post("/profile", {"full_name": "New Name", "email": "bob@example.com"})
        assert 409 == response.status_code
        assert 'id="p-email-error">Email already exists<' in response.text
        assert 'value="New Name"' in response.text

    def test_password_change(self, browser: Browser, other_browser: Browser) -> None:
        """A wrong current password is refused; a right one changes it and keeps the
        session."""
        browser.register("alice")
        browser.get("/profile")
        wrong = browser.post(
            "/profile/password", {"current_password": "nope", "new_password": "another pass 1"}
        )
        assert (401, True) == (
            wrong.status_code,
            'id="pw-current_password-error">Current password is incorrect<' in wrong.text,
        )
        right = browser.post(
            "/profile/password",
            {"current_password": PASSWORD, "new_password": "another pass 1"},
        )
        assert ("/profile", "Password changed.") == (
            right.url.path,
            "Password changed." if "Password changed." in right.text else "",
        )
        assert 200 == other_browser.login("alice", "another pass 1").status_code


class TestAdmin:
    def test_admin_page_is_for_admins(self, browser: Browser) -> None:
        """A non-administrator gets the core's 403 message."""
        browser.register("alice")
        response = browser.get("/admin")
        assert (403, True) == (response.status_code, "Admin privileges required" in response.text)

    def test_admin_lists_pages_and_changes_accounts(
        self, browser: Browser, runtime: Runtime
    ) -> None:
        """An administrator pages through accounts and deactivates and promotes them."""
        users = runtime.core.users
        users.create_admin(username="root", email="root@example.com", password=PASSWORD)
        for n in range(30):
            users.register(
                username=f"user{n}", email=f"u{n}@example.com", password=PASSWORD, full_name="U"
            )
        browser.login("root")
        first = browser.get("/admin")
        assert "Page 1 of 2" in first.text
        second = browser.get("/admin?page=2")
        assert "user29" in second.text
        target = users.login(username="user29", password=PASSWORD).user.id
        browser.post(f"/admin/users/{target}", {"action": "deactivate", "page": "2"})
        done = browser.post(f"/admin/users/{target}", {"action": "grant_admin", "page": "2"})
        assert "user29 updated." in done.text
        root_actor = users.authenticate(users.login(username="root", password=PASSWORD).token)
        view = users.get_user(root_actor, target)
        assert (False, True) == (view.is_active, view.is_admin)

    def test_last_admin_cannot_revoke_themself(self, browser: Browser, runtime: Runtime) -> None:
        """The core's last-admin rule shows as a notice."""
        view, _ = runtime.core.users.create_admin(
            username="root", email="root@example.com", password=PASSWORD
        )
        browser.login("root")
        browser.get("/admin")
        response = browser.post(f"/admin/users/{view.id}", {"action": "revoke_admin"})
        assert "Cannot remove or deactivate the last active admin" in response.text
        assert "Revoke admin" in response.text
