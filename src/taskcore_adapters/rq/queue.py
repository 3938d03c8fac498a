"""``JobQueue`` on rq: retries with intervals, timeouts, scheduled and unique jobs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError
from rq.serializers import JSONSerializer

from taskcore.errors import Unavailable
from taskcore.ports.jobs import JobSpec

EXECUTE = "taskcore_adapters.rq.execute.execute"
"""The function every rq job calls: it runs the named job in the worker's runtime."""


class RqJobQueue:
    """Enqueues jobs on an rq queue; ``taskcore worker`` runs them.

    Each job is the function :data:`EXECUTE` with the job name and its JSON arguments,
    serialised as JSON (never pickle). Retries use rq's ``Retry`` with the spec's
    intervals (the worker must run its scheduler for the pauses); a job that exhausts
    them lands in rq's failed-job registry.

    Args:
        connection: The Redis client.
        queue_name: rq queue name (tests use one per run).
    """

    def __init__(self, connection: Redis, *, queue_name: str = "taskcore") -> None:
        self.connection = connection
        self.queue = Queue(queue_name, connection=connection, serializer=JSONSerializer)

    @classmethod
    def from_url(cls, url: str, *, queue_name: str = "taskcore") -> RqJobQueue:
        """A queue on the Redis server at ``url``."""
        return cls(
            Redis.from_url(url, socket_connect_timeout=5, socket_timeout=10),
            queue_name=queue_name,
        )

    def enqueue(
        self,
        spec: JobSpec,
        args: Mapping[str, Any],
        *,
        job_id: str | None = None,
        run_at: dt.datetime | None = None,
    ) -> bool:
        retry = (
            Retry(max=spec.retries, interval=list(spec.backoff_seconds) or 0)
            if spec.retries > 0
            else None
        )
        options: dict[str, Any] = {
            "args": (spec.name, dict(args)),
            "job_id": job_id,
            "unique": job_id is not None,
            "retry": retry,
            "job_timeout": spec.timeout_seconds,
            "description": spec.name,
            "failure_ttl": 30 * 86400,
        }
        try:
            if run_at is not None:
                self.queue.enqueue_at(run_at.astimezone(dt.UTC), EXECUTE, **options)
            else:
                self.queue.enqueue(EXECUTE, **options)
        except DuplicateJobError:
            return False
        except RedisError as exc:
            raise Unavailable("Job queue unavailable") from exc
        return True
