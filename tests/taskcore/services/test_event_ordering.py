"""Ordering per aggregate (T58): 100 quick updates of one task, their event deliveries,
webhooks and notification jobs run in a shuffled order; consumers still end with the
database's state because task events carry the task's version."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Mapping
from typing import Any

import pytest
from sqlalchemy import Engine

from taskcore.domain.events import TaskUpdated
from taskcore.domain.pagination import PageRequest
from taskcore.domain.tasks import TaskStatus
from taskcore.ports.jobs import JobSpec
from taskcore_adapters.memory.webhooks import RecordingWebhookSender
from taskcore_adapters.sql import SqlAlchemyUnitOfWorkFactory
from taskcore_adapters.sql.events import decode, encode
from taskcore_adapters.testing import World

UPDATES = 100
URL = "https://hooks.example.com/taskcore"


class ShuffledQueue:
    """A job queue that holds jobs and runs them in a random order (at-least-once,
    out-of-order delivery, as concurrent rq workers and retries produce)."""

    def __init__(self, seed: int) -> None:
        self.jobs: list[tuple[str, dict[str, Any]]] = []
        self._ids: set[str] = set()
        self._random = random.Random(seed)

    def enqueue(
        self,
        spec: JobSpec,
        args: Mapping[str, Any],
        *,
        job_id: str | None = None,
        run_at: dt.datetime | None = None,
    ) -> bool:
        if job_id is not None:
            if job_id in self._ids:
                return False
            self._ids.add(job_id)
        self.jobs.append((spec.name, dict(args)))
        return True

    def drain(self, world: World) -> int:
        """Run every job, newly queued ones included, picking each at random."""
        ran = 0
        while self.jobs:
            name, args = self.jobs.pop(self._random.randrange(len(self.jobs)))
            world.core.run_job(name, args)
            ran += 1
        return ran


def title(step: int) -> str:
    """The task's title after update ``step``."""
    return f"Step {step:03d}"


@pytest.fixture
def sender() -> RecordingWebhookSender:
    """A webhook receiver answering 200."""
    return RecordingWebhookSender()


@pytest.fixture
def world(sender: RecordingWebhookSender, engine: Engine) -> World:
    """A taskcore on the selected SQL backend whose webhooks go to the recording receiver
    (the in-memory store copies itself per transaction: too slow for hundreds of jobs)."""
    return World.create(
        webhook_sender=sender, wrap_uow=lambda _: SqlAlchemyUnitOfWorkFactory(engine)
    )


def latest_by_version(bodies: list[dict[str, Any]], task_id: int) -> dict[str, Any]:
    """A receiver's view of the task: every changed field is taken from the event with the
    highest ``entity_version`` seen for that field, whatever the arrival order."""
    state: dict[str, Any] = {}
    seen: dict[str, int] = {}
    for body in bodies:
        data = body["data"]
        if data["entity_id"] != task_id or body["type"] != "task.updated":
            continue
        version: int = data["entity_version"]
        for field, change in data["changes"].items():
            if version >= seen.get(field, 0):
                seen[field], state[field] = version, change["new"]
        state["version"] = max(version, state.get("version", 0))
    return state


def last_arrival_wins(bodies: list[dict[str, Any]], task_id: int) -> dict[str, Any]:
    """A receiver that ignores versions: the last delivery of each field wins."""
    state: dict[str, Any] = {}
    for body in bodies:
        data = body["data"]
        if data["entity_id"] == task_id and body["type"] == "task.updated":
            state.update({field: c["new"] for field, c in data["changes"].items()})
    return state


def test_out_of_order_deliveries_end_in_the_database_state(
    world: World, sender: RecordingWebhookSender
) -> None:
    """Shuffled webhook deliveries of 100 updates carry increasing versions; a receiver
    ordering by version ends with the database's task, and in-app notifications list the
    assignments in the order they happened, each once."""
    owner = world.user("olivia")
    bob, carol = world.user("bob"), world.user("carol")
    project = world.project(owner, members=[bob, carol])
    world.core.webhooks.create_webhook(owner, project.id, url=URL, event_types=["*"])
    task = world.core.tasks.create_task(owner, project.id, title=title(0))
    queue = ShuffledQueue(seed=58)
    world.core.jobs.use_queue(queue)

    assignees = [bob if step % 2 else carol for step in range(1, UPDATES + 1)]
    for step, assignee in enumerate(assignees, start=1):
        world.clock.advance(milliseconds=1)
        world.core.tasks.update_task(
            owner, task.id, title=title(step), assignee_id=assignee.user_id
        )
    assert queue.drain(world) > UPDATES

    stored = world.core.tasks.get_task(owner, task.id)
    assert (title(UPDATES), assignees[-1].user_id, UPDATES + 1) == (
        stored.title,
        stored.assignee_id,
        stored.version,
    )

    bodies = [json.loads(request.body) for request in sender.requests]
    updates = [b["data"]["entity_version"] for b in bodies if b["type"] == "task.updated"]
    assert list(range(2, UPDATES + 2)) == sorted(updates)  # each version delivered once
    assert updates != sorted(updates), "the deliveries were not out of order"

    expected = {
        "title": stored.title,
        "assignee_id": stored.assignee_id,
        "assignee_ids": list(stored.assignee_ids),
        "version": stored.version,
    }
    assert expected == latest_by_version(bodies, task.id)
    naive = last_arrival_wins(bodies, task.id)
    assert (stored.title, stored.assignee_id) != (naive["title"], naive["assignee_id"])

    for user, parity in ((bob, 1), (carol, 0)):
        inbox = world.core.notifications.inbox(user, page=PageRequest(per_page=100))
        newest_first = [title(s) for s in range(UPDATES, 0, -1) if s % 2 == parity]
        shown = [_title_in(n.subject + n.body) for n in inbox.page.items]
        assert newest_first == shown


def _title_in(text: str) -> str:
    """The ``Step NNN`` title a notification mentions."""
    start = text.index("Step ")
    return text[start : start + len("Step 000")]


def test_every_task_event_carries_the_version_it_produced(
    world: World, sender: RecordingWebhookSender
) -> None:
    """Creation, changes, reassignment on member removal and deletion carry increasing
    versions; the deletion's is above every change's."""
    owner, bob = world.user("olivia"), world.user("bob")
    project = world.project(owner, members=[bob])
    world.core.webhooks.create_webhook(owner, project.id, url=URL, event_types=["*"])
    task = world.core.tasks.create_task(owner, project.id, title="t", assignee_id=bob.user_id)
    world.core.tasks.update_task(owner, task.id, status=TaskStatus.COMPLETED)
    world.core.projects.remove_member(owner, project.id, bob.user_id)
    world.core.tasks.delete_task(owner, task.id)
    versions = [
        (body["type"], body["data"].get("entity_version"))
        for body in (json.loads(r.body) for r in sender.requests)
        if body["data"].get("entity_type") == "task"
    ]
    assert [
        ("task.created", 1),
        ("task.assigned", 1),
        ("task.updated", 2),
        ("task.status_changed", 2),
        ("task.assigned", 3),
        ("task.deleted", 4),
    ] == versions


def test_events_keep_their_version_through_the_outbox() -> None:
    """The outbox encoding keeps ``entity_version``; rows written without it read as None."""
    event = TaskUpdated(
        occurred_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        actor_id=1,
        entity_id=2,
        project_id=3,
        title="T",
        changes={},
        entity_version=7,
    )
    assert event == decode(event.name, encode(event))
    older = json.loads(encode(event))
    del older["entity_version"]
    assert None is decode(event.name, json.dumps(older)).entity_version
