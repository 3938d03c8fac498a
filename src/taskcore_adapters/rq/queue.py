"""``JobQueue`` on rq: retries with intervals, timeouts, scheduled and unique jobs."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError
from rq.serializers import JSONSerializer

from taskcore.errors import Unavailable
from taskcore.ports.jobs import JobSpec
from taskcore_adapters.logs import request_id

EXECUTE = "taskcore_adapters.rq.execute.execute"
"""The function every rq job calls: it runs the named job in the worker's runtime."""


DEFAULT_LANE = "default"
"""The name that selects the queue of taskcore's own jobs (``--lanes default``)."""

LANES = ("mail", "webhooks", "imports")
"""The lanes of the library's jobs, in the order workers serve them after the default."""

_NOT_IN_RQ_IDS = re.compile(r"[^A-Za-z0-9_-]")


def rq_job_id(job_id: str) -> str:
    """``job_id`` as rq accepts it (letters, digits, ``_`` and ``-`` only): any other
    character becomes ``_<hex code>_``, so distinct ids stay distinct in practice
    (handler names such as ``notifications.task_assigned`` hold dots)."""
    return _NOT_IN_RQ_IDS.sub(lambda found: f"_{ord(found.group()):x}_", job_id)


class RqJobQueue:
    """Enqueues jobs on an rq queue; ``taskcore worker`` runs them.

    Each job is the function :data:`EXECUTE` with the job name and its JSON arguments,
    serialised as JSON (never pickle). Retries use rq's ``Retry`` with the spec's
    intervals (the worker must run its scheduler for the pauses); a job that exhausts
    them lands in rq's failed-job registry.

    A job whose spec names a lane (one that reaches another server: ``mail``,
    ``webhooks``) goes to that lane's own rq queue, ``<queue_name>-<lane>``; the others to
    ``queue_name``. Workers take jobs from :attr:`queues` in that order (taskcore's own
    jobs first, then mail, then webhooks), or from the lanes they are given, so slow
    receivers never sit in front of the jobs of another lane and a worker can be given to
    one lane alone (``taskcore worker --lanes webhooks``).

    Args:
        connection: The Redis client.
        queue_name: rq queue name (tests use one per run).
    """

    def __init__(self, connection: Redis, *, queue_name: str = "taskcore") -> None:
        self.connection = connection
        self.queue = Queue(queue_name, connection=connection, serializer=JSONSerializer)
        self._lanes = {
            lane: Queue(f"{queue_name}-{lane}", connection=connection, serializer=JSONSerializer)
            for lane in LANES
        }

    def lane(self, name: str | None) -> Queue:
        """The rq queue of a lane (``None``: taskcore's own jobs)."""
        if name is None or name == DEFAULT_LANE:
            return self.queue
        found = self._lanes.get(name)
        if found is None:
            found = Queue(
                f"{self.queue.name}-{name}", connection=self.connection, serializer=JSONSerializer
            )
            self._lanes[name] = found
        return found

    @property
    def queues(self) -> list[Queue]:
        """Every queue, in the order workers take jobs from them."""
        return [self.queue, *self._lanes.values()]

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
            # rq job ids are global to the Redis database: prefix them with the queue name
            # so deployments (and test runs) sharing a server never collide.
            "job_id": None if job_id is None else rq_job_id(f"{self.queue.name}-{job_id}"),
            "unique": job_id is not None,
            "retry": retry,
            "job_timeout": spec.timeout_seconds,
            "description": spec.name,
            "failure_ttl": 30 * 86400,
        }
        queued_by = request_id()
        if queued_by is not None:  # the worker logs the job's lines with it
            options["meta"] = {"request_id": queued_by}
        queue = self.lane(spec.lane)
        try:
            # rq's scheduler compares with the wall clock; a time already past runs now.
            if run_at is not None and run_at > dt.datetime.now(dt.UTC):
                queue.enqueue_at(run_at.astimezone(dt.UTC), EXECUTE, **options)
            else:
                queue.enqueue(EXECUTE, **options)
        except DuplicateJobError:
            return False
        except RedisError as exc:
            raise Unavailable("Job queue unavailable") from exc
        return True
