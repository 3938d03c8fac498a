"""Events through the real Redis: committed writes reach their handler once, nothing lost."""

from __future__ import annotations

import pytest
from redis import Redis
from rq.registry import FailedJobRegistry

from taskcore.domain.events import DomainEvent, UserRegistered
from taskcore.services.events import HandlerSpec
from taskcore.uow import Work
from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.rq import RqJobQueue
from taskcore_adapters.worker import run

pytestmark = pytest.mark.redis


class Effects:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, work: Work, event: DomainEvent) -> None:
        self.seen.append(event.event_id)


def register(runtime: Runtime, name: str) -> None:
    runtime.core.users.register(
        username=name, email=f"{name}@example.com", password="long enough", full_name="N"
    )


def test_committed_events_run_in_the_worker_once(runtime: Runtime, queue: RqJobQueue) -> None:
    """Events of committed writes wait in Redis and run once in the worker, twice run or not."""
    effects = Effects()
    runtime.core.events.register(
        HandlerSpec(name="effects", events=(UserRegistered,), func=effects)
    )
    runtime.core.jobs.use_queue(queue)
    register(runtime, "alice")
    register(runtime, "bob")
    assert ([], 2) == (effects.seen, queue.queue.count)
    run(runtime, queue, burst=True)
    run(runtime, queue, burst=True)
    assert 2 == len(set(effects.seen)) == len(effects.seen)
    assert 0 == FailedJobRegistry(queue=queue.queue).count


def test_redis_down_at_enqueue_loses_nothing(runtime: Runtime, queue: RqJobQueue) -> None:
    """A write committed while Redis is unreachable is still handled once Redis is back."""
    effects = Effects()
    runtime.core.events.register(
        HandlerSpec(name="effects", events=(UserRegistered,), func=effects)
    )
    down = RqJobQueue(Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1))
    runtime.core.jobs.use_queue(down)
    register(runtime, "carol")  # the commit succeeds; the enqueue fails and is logged
    assert [] == effects.seen
    runtime.core.jobs.use_queue(queue)
    run(runtime, queue, burst=True)
    assert 1 == len(effects.seen)
