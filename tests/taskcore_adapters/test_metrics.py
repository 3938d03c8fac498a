"""Job metrics and the request id jobs carry from the request that queued them."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from rq.job import Job

from taskcore.ports.jobs import JobSpec
from taskcore_adapters import logs, metrics
from taskcore_adapters.rq import RqJobQueue


def _value(name: str, **labels: str) -> float:
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_jobs_are_timed_and_their_failures_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker's runner records each run's duration, counts the runs that raise, and runs
    with the request id of the request that queued the job on its log lines."""
    seen: list[str | None] = []

    def runner(name: str, args: Mapping[str, Any]) -> None:
        seen.append(logs.request_id())
        if args.get("fail"):
            raise RuntimeError("job failed")

    monkeypatch.setattr(metrics, "_queued_by", lambda: "req-9")
    name = f"test.job_{uuid.uuid4().hex[:6]}"
    run = metrics.observed(runner)
    run(name, {})
    with pytest.raises(RuntimeError):
        run(name, {"fail": True})
    assert (2.0, 1.0, ["req-9", "req-9"], None) == (
        _value("taskcore_job_duration_seconds_count", job=name),
        _value("taskcore_job_failures_total", job=name),
        seen,
        logs.request_id(),
    )


def test_jobs_run_in_process_are_timed_too(tmp_path: Path) -> None:
    """Without a queue (``taskcore serve`` alone), the jobs its lanes run are timed into
    the same metric as a worker's, once each."""
    from taskcore_adapters import Settings, from_settings

    settings = Settings(data_dir=tmp_path, secret_key="s" * 40)
    with from_settings(settings) as runtime:
        before = _value("taskcore_job_duration_seconds_count", job="reports.generate")
        admin = runtime.core.users.register(
            username="root",
            email="r@example.com",
            password="long enough pw",
            full_name="Root",
            is_admin=True,
        )
        actor = runtime.core.as_user(admin.id)
        runtime.core.reports.create_report(actor, name="s", report_type="system")
        after = _value("taskcore_job_duration_seconds_count", job="reports.generate")
    assert 1.0 == after - before


def test_login_failures_are_counted_from_the_security_log() -> None:
    """Only the security log's ``login_failed`` events count as failed logins."""
    import logging

    metrics.count_login_failures()
    before = _value("taskcore_logins_failed_total")
    security = logging.getLogger("taskcore.security")
    security.warning("login failed", extra={"event": "login_failed"})
    security.warning("something else", extra={"event": "refresh_token_reused"})
    assert 1.0 == _value("taskcore_logins_failed_total") - before


@pytest.mark.parametrize(
    ("header", "ok"),
    [(None, False), ("Bearer " + "t" * 20, True), ("Bearer " + "t" * 19, False), ("t" * 20, False)],
)
def test_authorised(header: str | None, ok: bool) -> None:
    """Only ``Bearer <token>`` opens /metrics."""
    assert ok == metrics.authorised("t" * 20, header)


@pytest.mark.redis
def test_a_queued_job_carries_the_request_id(redis_url: str) -> None:
    """A job queued on Redis while a request id is bound keeps it in its ``meta``."""
    queue = RqJobQueue.from_url(redis_url, queue_name=f"taskcore-test-{uuid.uuid4().hex[:10]}")
    spec = JobSpec(name="test.job")
    try:
        with logs.bound_request_id("req-77"):
            queue.enqueue(spec, {}, job_id="with-id")
        queue.enqueue(spec, {}, job_id="without-id")
        ids = queue.queue.get_job_ids()
        metas = {
            Job.fetch(i, connection=queue.connection, serializer=queue.queue.serializer).meta.get(
                "request_id"
            )
            for i in ids
        }
    finally:
        queue.queue.empty()  # type: ignore[no-untyped-call]
        queue.connection.close()
    assert {"req-77", None} == metas
