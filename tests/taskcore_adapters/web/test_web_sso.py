"""Single sign-on pages without a provider at hand: the login page's buttons, and the
callback's answers to sign-ins that cannot be finished (the full flow against a real
provider is in tests/e2e/test_oidc_sso.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from taskcore_adapters.bootstrap import from_settings
from taskcore_adapters.config import OidcProviderSettings, Settings
from taskcore_adapters.host import create_app
from taskcore_adapters.security import Argon2PasswordHasher
from taskcore_adapters.web.sso import StateSeal

CORP = OidcProviderSettings(
    name="corp", issuer="https://id.example", client_id="taskcore", display_name="Corp SSO"
)


@pytest.fixture
def client(tmp_path: Path, database_url: str, hasher: Argon2PasswordHasher) -> Iterator[TestClient]:
    runtime = from_settings(
        Settings(
            data_dir=tmp_path,
            database_url=database_url,
            secret_key="y" * 48,
            oidc_providers=(CORP,),
        ),
        password_hasher=hasher,
        migrate=False,
    )
    try:
        with TestClient(create_app(runtime), base_url="http://testserver") as test_client:
            yield test_client
    finally:
        runtime.close()


def test_the_login_page_has_a_button_per_provider(client: TestClient) -> None:
    page = client.get("/login?next=/projects")
    assert 'href="/login/oidc/corp?next=/projects">Sign in with Corp SSO</a>' in page.text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?error=access_denied&state=x", "The sign-in was cancelled or refused at Corp SSO"),
        ("?code=c&state=s", "This sign-in expired or was not started here; try again"),
    ],
)
def test_a_callback_that_cannot_finish_shows_the_reason(
    client: TestClient, query: str, message: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Cancelled at the provider, or no sign-in started in this browser: the login page
    with the reason (401), the started-sign-in cookie is gone, and the security log says
    which provider failed and why."""
    client.cookies.set("tc_oidc", "forged.value")
    with caplog.at_level("WARNING", logger="taskcore.security"):
        answer = client.get("/login/oidc/corp/callback" + query)
    logged = [
        (r.getMessage(), r.__dict__.get("provider"), r.__dict__.get("reason"))
        for r in caplog.records
    ]
    assert [("single sign-on failed", "corp", message)] == logged
    assert (401, True) == (answer.status_code, message in answer.text)
    cleared = [h for h in answer.headers.get_list("set-cookie") if h.startswith("tc_oidc=")]
    assert 1 == len(cleared)
    assert "Max-Age=0" in cleared[0]


def test_an_unknown_provider_is_not_found(client: TestClient) -> None:
    assert 404 == client.get("/login/oidc/other").status_code
    assert 404 == client.get("/login/oidc/other/callback?code=c").status_code


def test_the_started_sign_in_cookie_is_sealed_and_short_lived() -> None:
    """The cookie opens with the key that sealed it, before it expires, unchanged."""
    seal = StateSeal("k" * 48)
    value = seal.seal({"state": "s", "exp": 100})
    body, _, mac = value.partition(".")
    assert {"state": "s", "exp": 100} == seal.open(value, now=99)
    assert [None, None, None, None] == [
        seal.open(value, now=100),
        StateSeal("other" * 10).open(value, now=99),
        seal.open(body + "x." + mac, now=99),
        seal.open(None, now=0),
    ]
