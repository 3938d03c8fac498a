"""Single sign-on settings: ``TASKCORE_OIDC_PROVIDERS`` and each provider's
``TASKCORE_OIDC_<NAME>_*`` variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from taskcore_adapters.config import ConfigError, OidcProviderSettings, Settings


def test_providers_are_read_in_order_with_their_options(tmp_path: Path) -> None:
    """Each named provider gets its issuer (without a trailing slash), client, button
    label and policy; the client secret may come from a file; unset options default."""
    secret = tmp_path / "secret"
    secret.write_text("from a file\n")
    settings = Settings.from_env(
        {
            "TASKCORE_OIDC_PROVIDERS": "corp, Google",
            "TASKCORE_OIDC_CORP_ISSUER": "https://id.corp.example/realms/main/",
            "TASKCORE_OIDC_CORP_CLIENT_ID": "taskcore",
            "TASKCORE_OIDC_CORP_CLIENT_SECRET_FILE": str(secret),
            "TASKCORE_OIDC_CORP_DISPLAY_NAME": "Corp SSO",
            "TASKCORE_OIDC_CORP_SCOPES": "email profile groups",
            "TASKCORE_OIDC_CORP_ALLOWED_DOMAINS": "corp.example, @Corp.Example.org",
            "TASKCORE_OIDC_CORP_ADMIN_GROUP": "taskcore-admins",
            "TASKCORE_OIDC_CORP_DISABLE_PASSWORDS": "true",
            "TASKCORE_OIDC_GOOGLE_ISSUER": "https://accounts.google.com",
            "TASKCORE_OIDC_GOOGLE_CLIENT_ID": "123.apps",
            "TASKCORE_OIDC_GOOGLE_CLIENT_SECRET": "direct",
            "TASKCORE_OIDC_GOOGLE_EXISTING_USERS_ONLY": "yes",
        }
    )
    corp, google = settings.oidc_providers
    assert corp == OidcProviderSettings(
        name="corp",
        issuer="https://id.corp.example/realms/main",
        client_id="taskcore",
        client_secret="from a file",
        display_name="Corp SSO",
        scopes=("openid", "email", "profile", "groups"),
        allowed_domains=("corp.example", "corp.example.org"),
        admin_group="taskcore-admins",
        disable_passwords=True,
    )
    assert ("Google", "direct", True, ("openid", "email", "profile"), None) == (
        google.display_name,
        google.client_secret,
        google.existing_users_only,
        google.scopes,
        google.admin_group,
    )
    assert "direct" not in repr(google)
    assert () == Settings.from_env({}).oidc_providers


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TASKCORE_OIDC_PROVIDERS": "My IdP"}, "TASKCORE_OIDC_PROVIDERS"),
        ({"TASKCORE_OIDC_PROVIDERS": "a,a"}, "TASKCORE_OIDC_PROVIDERS"),
        ({"TASKCORE_OIDC_PROVIDERS": "a"}, "TASKCORE_OIDC_A_ISSUER is required"),
        (
            {"TASKCORE_OIDC_PROVIDERS": "a", "TASKCORE_OIDC_A_ISSUER": "https://id.example"},
            "TASKCORE_OIDC_A_CLIENT_ID is required",
        ),
        (
            {
                "TASKCORE_OIDC_PROVIDERS": "a",
                "TASKCORE_OIDC_A_ISSUER": "http://id.example",
                "TASKCORE_OIDC_A_CLIENT_ID": "c",
            },
            "TASKCORE_OIDC_A_ISSUER must be an https URL",
        ),
        (
            {
                "TASKCORE_OIDC_PROVIDERS": "a",
                "TASKCORE_OIDC_A_ISSUER": "https://id.example",
                "TASKCORE_OIDC_A_CLIENT_ID": "c",
                "TASKCORE_OIDC_A_CLIENT_SECRET": "s",
                "TASKCORE_OIDC_A_CLIENT_SECRET_FILE": "/nonexistent",
            },
            "TASKCORE_OIDC_A_CLIENT_SECRET or TASKCORE_OIDC_A_CLIENT_SECRET_FILE, not both",
        ),
        (
            {
                "TASKCORE_OIDC_PROVIDERS": "a",
                "TASKCORE_OIDC_A_ISSUER": "https://id.example",
                "TASKCORE_OIDC_A_CLIENT_ID": "c",
                "TASKCORE_OIDC_A_EXISTING_USERS_ONLY": "maybe",
            },
            "TASKCORE_OIDC_A_EXISTING_USERS_ONLY must be true or false",
        ),
    ],
)
def test_bad_settings_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_an_http_issuer_is_allowed_on_this_machine_only() -> None:
    settings = Settings.from_env(
        {
            "TASKCORE_OIDC_PROVIDERS": "dev",
            "TASKCORE_OIDC_DEV_ISSUER": "http://127.0.0.1:8080",
            "TASKCORE_OIDC_DEV_CLIENT_ID": "c",
        }
    )
    assert "http://127.0.0.1:8080" == settings.oidc_providers[0].issuer
