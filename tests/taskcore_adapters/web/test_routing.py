"""Where pages run their use cases: a page that does not wait on the client is a plain
function, run in the thread pool as the API's use cases are (a safe request's on the read
threads), never on the event loop, where a slow query would hold up every other request
of the worker."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Any

import pytest

from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.http import threads
from taskcore_adapters.web.testing import Browser


def _where(calls: list[tuple[bool, bool]], func: Callable[..., Any]) -> Callable[..., Any]:
    """``func``, noting for each call whether it ran on an event loop and on the read
    threads."""

    @functools.wraps(func)
    def noted(*args: Any, **kwargs: Any) -> Any:
        try:
            asyncio.get_running_loop()
            on_loop = True
        except RuntimeError:
            on_loop = False
        calls.append((on_loop, threads.reading()))
        return func(*args, **kwargs)

    return noted


def test_pages_run_use_cases_in_the_thread_pool(
    runtime: Runtime, browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    browser.register("alice")
    projects = runtime.core.projects
    listed: list[tuple[bool, bool]] = []
    created: list[tuple[bool, bool]] = []
    monkeypatch.setattr(projects, "list_projects", _where(listed, projects.list_projects))
    monkeypatch.setattr(projects, "create_project", _where(created, projects.create_project))
    assert browser.get("/projects").status_code == 200
    answer = browser.post("/projects", {"name": "Threads", "description": ""})
    assert answer.status_code == 200
    assert "Threads" in answer.text
    # (on an event loop?, on the read threads?): the list is a read, the creation a write.
    assert listed[0] == (False, True)
    assert created == [(False, False)]
