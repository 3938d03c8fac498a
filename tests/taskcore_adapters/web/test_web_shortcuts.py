"""Keyboard shortcuts: their script and help list come with every page of a logged-in
person, from /static."""

from __future__ import annotations

from taskcore_adapters.web.testing import Browser


def test_shortcuts_for_logged_in_pages_only(browser: Browser) -> None:
    """The help dialog lists the keys and the script is external; the login page has
    neither."""
    login = browser.get("/login").text
    assert 'id="shortcuts"' not in login
    browser.register("alice")
    page = browser.get("/dashboard").text
    assert '<script src="/static/shortcuts.js" defer></script>' in page
    help_list = page.split('<dialog id="shortcuts"', 1)[1].split("</dialog>", 1)[0]
    for key in ("/", "n", "j", "k", "o", "?"):
        assert f"<kbd>{key}</kbd>" in help_list
    script = browser.client.get("/static/shortcuts.js")
    assert (200, True) == (script.status_code, "showModal" in script.text)
