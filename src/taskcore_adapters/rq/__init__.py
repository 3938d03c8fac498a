"""Background jobs on Redis with rq: the queue adapter and the worker."""

from taskcore_adapters.rq.queue import RqJobQueue

__all__ = ["RqJobQueue"]
