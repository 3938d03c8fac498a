"""Notification e-mail sent by rq workers against the real Redis server."""

# rq leaves some of its own functions untyped.
# mypy: disable-error-code="no-untyped-call"

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from rq.registry import FailedJobRegistry, ScheduledJobRegistry
from rq.serializers import JSONSerializer

from taskcore import errors
from taskcore.app import Taskcore, build
from taskcore.domain.notifications import NotificationStatus
from taskcore.services.users import Principal
from taskcore_adapters.memory import (
    FakeTokenService,
    InMemoryStore,
    ManualClock,
    PlainPasswordHasher,
    RecordingMailer,
)
from taskcore_adapters.rq import RqJobQueue
from taskcore_adapters.rq import execute as rq_execute
from taskcore_adapters.worker import Worker

pytestmark = pytest.mark.redis


@pytest.fixture
def queue(redis_url: str) -> Iterator[RqJobQueue]:
    """A queue with a name of its own, emptied afterwards."""
    q = RqJobQueue.from_url(redis_url, queue_name=f"taskcore-test-{uuid.uuid4().hex[:10]}")
    yield q
    for rq_queue in q.queues:
        rq_queue.empty()
        for registry in (FailedJobRegistry(queue=rq_queue), ScheduledJobRegistry(queue=rq_queue)):
            for job_id in registry.get_job_ids():
                registry.remove(job_id, delete_job=True)
    q.connection.close()


def work(queue: RqJobQueue) -> None:
    Worker(queue.queues, connection=queue.connection, serializer=JSONSerializer).work(burst=True)


def test_sent_by_worker_and_retried_by_dispatch(queue: RqJobQueue) -> None:
    """The send job runs in the worker; a retry after a 4xx is queued by the dispatch."""
    clock, mailer = ManualClock(), RecordingMailer()
    core: Taskcore = build(
        uow_factory=InMemoryStore(),
        clock=clock,
        password_hasher=PlainPasswordHasher(),
        token_service=FakeTokenService(),
        job_queue=queue,
        mailer=mailer,
    )
    rq_execute.install(core.run_job)
    root = core.users.register(
        username="root", email="root@example.com", password="long enough", full_name="R"
    )
    actor = Principal(user_id=root.id, username="root", is_admin=True)
    mailer.fail_with.append(errors.MailTemporaryFailure("SMTP 451 later"))
    sent = core.notifications.send_notification(
        actor, recipient_id=root.id, notification_type="email", subject="Hi"
    )
    assert 0 == mailer.attempts  # nothing is sent in the request's process
    work(queue)
    assert NotificationStatus.PENDING == core.notifications.get_notification(actor, sent.key).status
    clock.advance(seconds=30)
    assert 1 == core.notifications.dispatch()
    work(queue)
    final = core.notifications.get_notification(actor, sent.key)
    assert (NotificationStatus.SENT, 2, ["Hi"]) == (
        final.status,
        final.attempts,
        [m.subject for m in mailer.sent],
    )
