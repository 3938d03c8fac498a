"""Single sign-on against a real OpenID Connect provider: the certified ``oidc-provider``
(Node.js, tests/e2e/oidc/provider.js) on a loopback port, and ``taskcore serve``
configured to use it.

The provider's packages come from ``TASKCORE_TEST_OIDC_DIR`` (``nox -s e2e`` installs
them there with ``npm ci``), or are installed into a cache folder on first use. Without
Node.js the tests skip, and fail when ``CI`` is set.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

import attrs
import httpx2
import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.e2e

SOURCES = Path(__file__).parent / "oidc"
CLIENT_ID = "taskcore"
CLIENT_SECRET = "taskcore test secret/with:odd=characters"
STARTUP_SECONDS = 30


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so the single sign-on tests must run)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def provider_dir() -> Path:
    """A folder with the provider script and its installed packages."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        _missing("Node.js and npm are not installed (apt-get install -y nodejs npm)")
    lock = (SOURCES / "package-lock.json").read_bytes()
    default = Path(tempfile.gettempdir()) / f"taskcore-oidc-{hashlib.sha256(lock).hexdigest()[:12]}"
    target = Path(os.environ.get("TASKCORE_TEST_OIDC_DIR") or default)
    if not (target / "node_modules" / "oidc-provider").is_dir():
        target.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(SOURCES / name, target / name)
        subprocess.run(
            [str(npm), "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=target,
            check=True,
            timeout=300,
        )
    script = target / f"provider-{os.getpid()}.js"
    shutil.copy(SOURCES / "provider.js", script)
    return script


def _taskcore() -> list[str]:
    script = Path(sys.executable).parent / "taskcore"
    return [str(script)] if script.exists() else [sys.executable, "-m", "taskcore_adapters.cli"]


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/health", timeout=2) as response:  # noqa: S310
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@attrs.frozen
class Stack:
    """The running provider and server."""

    issuer: str
    base: str


def _start_provider(
    script: Path, redirect_uri: str, log: IO[bytes]
) -> tuple[subprocess.Popen[bytes], str]:
    env = {
        **os.environ,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_REDIRECT_URIS": redirect_uri,
    }
    proc = subprocess.Popen(
        [str(shutil.which("node")), str(script)], env=env, stdout=subprocess.PIPE, stderr=log
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()
    if not line.startswith("READY "):
        proc.kill()
        log.flush()
        pytest.fail(f"the OpenID provider did not start: {line!r}")
    return proc, line.split()[1]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The provider with one client, and ``taskcore serve`` using it as ``corp``."""
    script = provider_dir()
    data = tmp_path_factory.mktemp("sso-data")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (data / "processes.log").open("wb")
    provider, issuer = _start_provider(script, base + "/login/oidc/corp/callback", log)
    secret_file = data / "client-secret"
    secret_file.write_text(CLIENT_SECRET + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKCORE_")}
    env.update(
        TASKCORE_DATA_DIR=str(data),
        TASKCORE_OIDC_PROVIDERS="corp",
        TASKCORE_OIDC_CORP_ISSUER=issuer,
        TASKCORE_OIDC_CORP_CLIENT_ID=CLIENT_ID,
        TASKCORE_OIDC_CORP_CLIENT_SECRET_FILE=str(secret_file),
        TASKCORE_OIDC_CORP_DISPLAY_NAME="Corp SSO",
        TASKCORE_OIDC_CORP_SCOPES="openid email profile groups",
        TASKCORE_OIDC_CORP_ADMIN_GROUP="taskcore-admins",
        TASKCORE_OIDC_CORP_ALLOWED_DOMAINS="corp.example",
    )
    server = subprocess.Popen(
        [
            *_taskcore(),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _healthy(base):
            if server.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail("server did not start:\n" + (data / "processes.log").read_text())
            time.sleep(0.1)
        yield Stack(issuer=issuer, base=base)
    finally:
        for proc in (server, provider):
            proc.terminate()
            proc.wait(timeout=15)
        if provider.stdout is not None:
            provider.stdout.close()
        log.close()
        script.unlink(missing_ok=True)


def _sign_in_at_provider(
    client: httpx2.Client, page: httpx2.Response, login: str, password: str, action: str = "login"
) -> httpx2.Response:
    """Post the provider's login form on ``page`` and follow the redirects back."""
    form_action = re.search(r'<form method="post" action="([^"]+)"', page.text)
    assert form_action is not None, page.text
    url = str(page.url.join(form_action.group(1)))
    return client.post(url, data={"login": login, "password": password, "action": action})


class TestCodeFlowOverHttp:
    def test_sign_in_creates_the_account_and_logs_in(self, stack: Stack) -> None:
        """The whole code flow with an HTTP client: taskcore's button, the provider's
        login form, back to taskcore's callback, then the dashboard as the new user, an
        administrator by the provider's group; the session works like a password login's."""
        with httpx2.Client(follow_redirects=True, timeout=20) as client:
            login_page = client.get(stack.base + "/login")
            assert 'href="/login/oidc/corp?next=/dashboard"' in login_page.text
            at_provider = client.get(stack.base + "/login/oidc/corp?next=/dashboard")
            assert at_provider.url.host == "127.0.0.1"
            assert str(at_provider.url).startswith(stack.issuer + "/interaction/")
            landed = _sign_in_at_provider(client, at_provider, "alice", "wonderland")
            assert (200, "/dashboard") == (landed.status_code, landed.url.path)
            me = client.get(
                stack.base + "/api/users/me",
                headers={"Authorization": "Bearer " + client.cookies["tc_access"]},
            )
        assert me.status_code == 200, me.text
        body = me.json()["user"]
        assert ("alice", "alice@corp.example", True) == (
            body["username"],
            body["email"],
            body["is_admin"],
        )

    def test_cancelling_and_replaying_show_the_reason(self, stack: Stack) -> None:
        """Cancelling at the provider, and an answer without the started sign-in (another
        browser), each show the login page with the reason: never a server error."""
        with httpx2.Client(follow_redirects=True, timeout=20) as client:
            at_provider = client.get(stack.base + "/login/oidc/corp")
            back = _sign_in_at_provider(client, at_provider, "", "", action="cancel")
            assert (401, "/login/oidc/corp/callback") == (back.status_code, back.url.path)
            assert "cancelled or refused at Corp SSO" in back.text
            at_provider = client.get(stack.base + "/login/oidc/corp")
            client.cookies.delete("tc_oidc")
            replayed = _sign_in_at_provider(client, at_provider, "alice", "wonderland")
        assert replayed.status_code == 401
        assert "This sign-in expired or was not started here" in replayed.text

    def test_an_unverified_address_of_an_existing_account_is_refused(self, stack: Stack) -> None:
        """bob's provider does not vouch for his address: his existing local account is
        not taken over."""
        with httpx2.Client(follow_redirects=True, timeout=20) as client:
            registered = client.get(stack.base + "/register")
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', registered.text)
            assert csrf is not None
            client.post(
                stack.base + "/register",
                data={
                    "csrf_token": csrf.group(1),
                    "username": "bob",
                    "email": "bob@corp.example",
                    "full_name": "Bob",
                    "password": "a long passphrase 9",
                    "confirm_password": "a long passphrase 9",
                },
            )
            client.cookies.clear()
            at_provider = client.get(stack.base + "/login/oidc/corp")
            back = _sign_in_at_provider(client, at_provider, "bob", "builder")
        assert back.status_code == 401
        assert "did not say the address is verified" in back.text


def test_sign_in_with_the_provider_in_chromium(chromium: Browser, stack: Stack) -> None:
    """In the browser: the login page's button, the provider's form, the dashboard."""
    from playwright.sync_api import expect

    context = chromium.new_context(base_url=stack.base)
    page = context.new_page()
    page.goto("/login")
    page.get_by_role("link", name="Sign in with Corp SSO").click()
    page.wait_for_url(stack.issuer + "/interaction/**")
    page.get_by_label("Login").fill("alice")
    page.get_by_label("Password").fill("wonderland")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Alice Liddell")
    context.close()
