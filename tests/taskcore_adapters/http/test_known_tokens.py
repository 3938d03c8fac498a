"""The callers of verified tokens a process keeps between change notices (KnownTokens)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from taskcore.services.users import Principal
from taskcore_adapters.http import context
from taskcore_adapters.http.context import KnownTokens


class FakeListener:
    def __init__(self) -> None:
        self.live = True
        self.callbacks: list[Callable[[], None]] = []

    def subscribe(self, topic: str, callback: Callable[[], None]) -> None:
        self.callbacks.append(callback)


def principal(minutes: float = 15) -> Principal:
    return Principal(
        user_id=1,
        username="u",
        is_admin=False,
        token_id="t",
        token_expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=minutes),
    )


def known(monkeypatch: pytest.MonkeyPatch, listener: Any) -> KnownTokens:
    monkeypatch.setattr(context, "change_listener", lambda engine: listener)
    return KnownTokens(SimpleNamespace(engine=None, keyring=None))  # type: ignore[arg-type]


def test_without_change_notices_nothing_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = known(monkeypatch, None)
    tokens.put("a", principal(), tokens.generation)
    assert tokens.get("a") is None


def test_a_notice_drops_everything_and_a_raced_read_is_not_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    listener = FakeListener()
    tokens = known(monkeypatch, listener)
    who = principal()
    tokens.put("a", who, tokens.generation)
    assert who == tokens.get("a")
    before = tokens.generation
    for callback in listener.callbacks:  # a logout somewhere
        callback()
    assert tokens.get("a") is None
    tokens.put("a", who, before)  # read before the notice: not kept
    assert tokens.get("a") is None
    tokens.put("a", who, tokens.generation)
    listener.live = False  # notices lost: nothing is trusted
    assert tokens.get("a") is None


def test_an_expired_token_is_never_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = known(monkeypatch, FakeListener())
    tokens.put("a", principal(minutes=-1), tokens.generation)
    assert tokens.get("a") is None
