"""End-to-end fixtures: ``taskcore serve`` as a real process on a free loopback port, and
Debian's headless Chromium driven by Playwright.

The browser is the system's (``/usr/bin/chromium``, or ``TASKCORE_E2E_CHROMIUM``); without
it, or without Playwright, the tests skip, and fail when ``CI`` is set. ``nox -s e2e``
installs both.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

ADMIN_PASSWORD = "operator passphrase 1"
"""The password of the administrator the server starts with (``root``)."""

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
"""Where the tests leave screenshots of the pages (committed, so docs stay current)."""

Shoot = Callable[["Page", str], None]
"""Takes the screenshots of a page (see the ``shoot`` fixture)."""


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so the end-to-end tests must run)")
    pytest.skip(reason)


def chromium_path() -> str:
    """The Chromium executable, skipping (or failing under CI) without one."""
    path = os.environ.get("TASKCORE_E2E_CHROMIUM") or shutil.which("chromium") or ""
    if not path or not Path(path).exists():
        _missing("Chromium is not installed (apt-get install -y chromium)")
    return path


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _command() -> list[str]:
    script = Path(sys.executable).parent / "taskcore"
    return [str(script)] if script.exists() else [sys.executable, "-m", "taskcore_adapters.cli"]


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/health", timeout=2) as response:  # noqa: S310
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A ``taskcore serve`` process on the embedded defaults, in a fresh data folder, with
    an administrator ``root``; yields its base URL."""
    data = tmp_path_factory.mktemp("e2e-data")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKCORE_")}
    env["TASKCORE_DATA_DIR"] = str(data)
    env["TASKCORE_MAX_UPLOAD_BYTES"] = str(1024 * 1024)
    subprocess.run(
        [
            *_command(),
            "create-admin",
            "--username",
            "root",
            "--email",
            "root@example.com",
            "--password",
            ADMIN_PASSWORD,
        ],
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    port = free_port()
    log = (data / "server.log").open("wb")
    proc = subprocess.Popen(
        [
            *_command(),
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
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    try:
        while not _healthy(base):
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail("server did not start:\n" + (data / "server.log").read_text())
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        log.close()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Headless Chromium (the system's), driven by Playwright."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright is not installed (the `e2e` dependency group)")
    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox"]
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def screenshot_dir() -> Path:
    """The folder for page screenshots (created if needed)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def shoot(screenshot_dir: Path) -> Shoot:
    """``shoot(page, name)`` leaves full-page screenshots of the page as it is,
    ``<name>.png`` in the light scheme and ``<name>-dark.png`` with Chromium emulating
    ``prefers-color-scheme: dark``; the page is left light."""

    def take(page: Page, name: str) -> None:
        page.emulate_media(color_scheme="light")
        page.screenshot(path=str(screenshot_dir / f"{name}.png"), full_page=True)
        page.emulate_media(color_scheme="dark")
        page.screenshot(path=str(screenshot_dir / f"{name}-dark.png"), full_page=True)
        page.emulate_media(color_scheme="light")

    return take
