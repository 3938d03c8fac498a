"""``taskcore requeue-failed``: failed event deliveries requeued from the command line, on
the embedded profile, then delivered once by the next relay round."""

from __future__ import annotations

from pathlib import Path

import pytest

from taskcore.domain.events import DomainEvent
from taskcore.domain.pagination import PageRequest
from taskcore.ports.deliveries import Delivery, DeliveryStatus
from taskcore.services.notifications import NotificationService
from taskcore.services.users import Principal
from taskcore.uow import Work
from taskcore_adapters import cli
from taskcore_adapters.bootstrap import Runtime, from_settings
from taskcore_adapters.config import Settings
from taskcore_adapters.memory import ManualClock

SECRET_KEY = "k" * 40
HANDLER = "notifications.comment_added"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An embedded data folder the command reads through the environment."""
    monkeypatch.setenv("TASKCORE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TASKCORE_SECRET_KEY", SECRET_KEY)
    return tmp_path


def open_runtime(data_dir: Path, clock: ManualClock | None = None) -> Runtime:
    return from_settings(Settings(data_dir=data_dir, secret_key=SECRET_KEY), clock=clock)


def deliveries(runtime: Runtime, status: DeliveryStatus) -> list[Delivery]:
    page = runtime.core.events.list_deliveries(True, status, PageRequest(per_page=100))
    return [d for d in page.items if d.handler == HANDLER]


def poison(self: NotificationService, event: DomainEvent, work: Work) -> None:
    raise RuntimeError("poison payload")


def seed(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A comment whose notification handler fails on every attempt (a bug, fixed once this
    returns), so its delivery ends failed. Returns the event id."""
    clock = ManualClock()  # in the past: whatever it schedules is due for the real clock
    with monkeypatch.context() as patch:
        patch.setattr(NotificationService, "on_comment_added", poison)
        runtime = open_runtime(data_dir, clock)
        try:
            core = runtime.core
            view = core.users.register(
                username="alice", email="alice@example.com", password="correct horse", full_name="A"
            )
            alice = Principal(user_id=view.id, username="alice", is_admin=False)
            task = core.tasks.create_task(
                alice, core.projects.create_project(alice, name="P").id, title="t"
            )
            core.comments.add_comment(alice, task.id, content="hello")
            for _ in range(12):
                clock.advance(hours=2)
                core.tick()
            [failed] = deliveries(runtime, DeliveryStatus.FAILED)
        finally:
            runtime.close()
    assert "RuntimeError: poison payload" == failed.last_error
    return failed.event_id


def test_requeued_delivery_succeeds_once_after_the_fix(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """After the fix the command requeues the failed delivery (exit 0, count printed);
    the next relay round delivers it once, and a second requeue finds nothing."""
    event_id = seed(data_dir, monkeypatch)
    assert 0 == cli.main(["requeue-failed", "--event", event_id, "--handler", HANDLER])
    assert "failed deliveries requeued: 1" in capsys.readouterr().out
    runtime = open_runtime(data_dir)
    try:
        [pending] = deliveries(runtime, DeliveryStatus.PENDING)
        assert (event_id, 0) == (pending.event_id, pending.attempts)
        runtime.core.tick()
        runtime.core.tick()
        [done] = deliveries(runtime, DeliveryStatus.DONE)
        assert (event_id, 1, None) == (done.event_id, done.attempts, done.last_error)
        assert [] == deliveries(runtime, DeliveryStatus.FAILED)
    finally:
        runtime.close()
    assert 0 == cli.main(["requeue-failed"])
    assert "failed deliveries requeued: 0" in capsys.readouterr().out


def test_filters_and_unknown_handler(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Another event's id requeues nothing; an unknown handler name is an error (exit 2)
    that changes nothing."""
    seed(data_dir, monkeypatch)
    assert 0 == cli.main(["requeue-failed", "--event", "0" * 32])
    assert "failed deliveries requeued: 0" in capsys.readouterr().out
    assert 2 == cli.main(["requeue-failed", "--handler", "no.such.handler"])
    assert "no.such.handler" in capsys.readouterr().err
    runtime = open_runtime(data_dir)
    try:
        assert 1 == len(deliveries(runtime, DeliveryStatus.FAILED))
    finally:
        runtime.close()
