"""The profile page's time zone and daily digest form."""

from __future__ import annotations

from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.web.testing import Browser

CHECKED = 'name="digest" value="1" checked'


def test_the_form_sets_zone_and_digest(browser: Browser) -> None:
    """Saving sets both through the use cases; the page then shows what is stored."""
    browser.register("alice")
    before = browser.get("/profile").text
    assert ('value="UTC"' in before, CHECKED in before) == (True, False)
    saved = browser.post(
        "/profile/schedule", {"timezone": "Europe/Paris", "digest": "1", "hour": "7"}
    )
    assert "Time zone and digest saved." in saved.text
    after = browser.get("/profile").text
    assert ('value="Europe/Paris"', '<option value="7" selected>', CHECKED) == tuple(
        part
        for part in ('value="Europe/Paris"', '<option value="7" selected>', CHECKED)
        if part in after
    )
    browser.post("/profile/schedule", {"timezone": "Europe/Paris", "hour": "7"})
    assert CHECKED not in browser.get("/profile").text  # the digest is off again


def test_a_bad_value_saves_nothing_and_names_its_field(browser: Browser) -> None:
    """An unknown zone or a bad hour is shown on its field (400), and neither value is
    saved."""
    browser.register("alice")
    browser.get("/profile")
    zone = browser.post("/profile/schedule", {"timezone": "Mars/Olympus", "hour": "8"})
    hour = browser.post(
        "/profile/schedule", {"timezone": "Europe/Paris", "digest": "1", "hour": "25"}
    )
    assert (400, True) == (zone.status_code, 'id="s-timezone-error"' in zone.text)
    assert (400, True) == (hour.status_code, 'id="s-hour-error"' in hour.text)
    page = browser.get("/profile").text
    assert ('value="UTC"' in page, CHECKED in page) == (True, False)


def test_an_account_without_a_password_is_offered_no_password_form(
    browser: Browser, runtime: Runtime
) -> None:
    """Someone who signs in only through an identity provider sees that they have no
    password, not a form that can only fail; a password account still sees the form."""
    from taskcore.domain.identities import ExternalClaims, SignInPolicy
    from taskcore_adapters.web.session import session_cookies

    signed_in = runtime.core.users.sign_in_external(
        provider="corp",
        claims=ExternalClaims(subject="42", email="ann@example.com", email_verified=True),
        policy=SignInPolicy(),
    )
    for name, (value, _) in session_cookies(signed_in, runtime.core.clock.now()).items():
        browser.client.cookies.set(name, value)
    page = browser.get("/profile").text
    assert ("has no password to change" in page, 'action="/profile/password"' in page) == (
        True,
        False,
    )
    browser.client.cookies.clear()
    browser.register("alice")
    assert 'action="/profile/password"' in browser.get("/profile").text
