"""The health endpoints: the gateway's ``/health`` and one per original service."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest
from starlette.testclient import TestClient

from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.http.routes import health

SERVICES = [
    "user-service",
    "project-task-service",
    "comment-service",
    "attachment-service",
    "notification-service",
    "activity-log-service",
    "reporting-service",
]
AREAS = {
    "user": "user-service",
    "projects": "project-task-service",
    "comments": "comment-service",
    "attachments": "attachment-service",
    "notifications": "notification-service",
    "activities": "activity-log-service",
    "reports": "reporting-service",
}


_NO_REDIS = "redis://127.0.0.1:1/0"
"""A queue URL where nothing listens."""


def naive_utc(text: str) -> dt.datetime:
    """Parse a wire timestamp, asserting it is naive and recent."""
    value = dt.datetime.fromisoformat(text)
    assert value.tzinfo is None
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert now - dt.timedelta(minutes=1) <= value <= now + dt.timedelta(seconds=1)
    return value


class TestOverallHealth:
    """GET /health."""

    def test_healthy(self, client: TestClient) -> None:
        """All dependencies up: 200 with the seven service names and each check."""
        response = client.get("/health")
        body = response.json()
        naive_utc(body["timestamp"])
        assert (200, "application/json") == (
            response.status_code,
            response.headers["content-type"],
        )
        assert {
            "status": "healthy",
            "timestamp": body["timestamp"],
            "services": SERVICES,
            "checks": {"database": "ok", "queue": "inline"},
        } == body

    def test_needs_no_token(self, client: TestClient) -> None:
        """Health is public, and a bad token does not matter."""
        response = client.get("/health", headers={"Authorization": "Bearer nonsense"})
        assert 200 == response.status_code

    def test_database_down(
        self, unreachable_runtime: Runtime, serve: Callable[[Runtime], TestClient]
    ) -> None:
        """An unreachable database is 503 ``unhealthy`` with Retry-After."""
        response = serve(unreachable_runtime).get("/health")
        body = response.json()
        assert (503, "5") == (response.status_code, response.headers.get("retry-after"))
        assert {
            "status": "unhealthy",
            "timestamp": body["timestamp"],
            "services": SERVICES,
            "checks": {"database": "unavailable", "queue": "inline"},
        } == body


class TestAreaHealth:
    """GET /health/{area}, in the shape of each original service."""

    @pytest.mark.parametrize("area", ["user", "projects", "comments"])
    def test_plain_services(self, client: TestClient, area: str) -> None:
        """The plain services answer status, service and timestamp."""
        response = client.get(f"/health/{area}")
        body = response.json()
        naive_utc(body["timestamp"])
        assert (
            200,
            {"status": "healthy", "service": AREAS[area], "timestamp": body["timestamp"]},
        ) == (
            response.status_code,
            body,
        )

    @pytest.mark.parametrize(
        ("area", "counts"),
        [("notifications", {}), ("reports", {"total_reports": 0, "pending_reports": 0})],
    )  # activities: test_activities
    def test_services_with_a_queue(
        self, client: TestClient, area: str, counts: dict[str, int]
    ) -> None:
        """The queue-backed services add ``redis`` (``inline`` without a queue server), the
        reporting service its report counts."""
        response = client.get(f"/health/{area}")
        body = response.json()
        naive_utc(body["timestamp"])
        assert (
            200,
            {
                "status": "healthy",
                "service": AREAS[area],
                "timestamp": body["timestamp"],
                "redis": "inline",
                **counts,
            },
        ) == (response.status_code, body)

    def test_report_counts(self, client: TestClient, runtime: Runtime) -> None:
        """The reporting health counts every report and the pending ones."""
        runtime.core.users.create_admin(
            username="root", email="root@example.com", password="long enough pw"
        )
        actor = runtime.core.users.authenticate(
            runtime.core.users.login(username="root", password="long enough pw").token
        )
        runtime.core.reports.create_report(actor, name="all", report_type="system")
        body = client.get("/health/reports").json()
        assert (1, 0) == (body["total_reports"], body["pending_reports"])

    def test_attachments(self, client: TestClient, tmp_path: Path) -> None:
        """The attachment service adds the upload directory and whether it is writable."""
        response = client.get("/health/attachments")
        body = response.json()
        naive_utc(body["timestamp"])
        assert (
            200,
            {
                "status": "healthy",
                "service": "attachment-service",
                "timestamp": body["timestamp"],
                "upload_directory": str((tmp_path / "files").absolute()),
                "upload_dir_writable": True,
            },
        ) == (response.status_code, body)

    @pytest.mark.parametrize("area", list(AREAS))
    def test_database_down(
        self, unreachable_runtime: Runtime, serve: Callable[[Runtime], TestClient], area: str
    ) -> None:
        """An unreachable database is 503 ``unhealthy`` naming the check, with Retry-After."""
        response = serve(unreachable_runtime).get(f"/health/{area}")
        assert (
            503,
            "5",
            {"status": "unhealthy", "service": AREAS[area], "error": "database unavailable"},
        ) == (response.status_code, response.headers.get("retry-after"), response.json())

    @pytest.mark.parametrize("path", ["/health", *(f"/health/{a}" for a in AREAS)])
    def test_failure_does_not_leak_details(
        self, unreachable_runtime: Runtime, serve: Callable[[Runtime], TestClient], path: str
    ) -> None:
        """The unhealthy body carries no exception text, host, port or driver name."""
        text = serve(unreachable_runtime).get(path).text.lower()
        leaks = [
            word
            for word in ("127.0.0.1", "psycopg", "connection", "refused", "postgres", "error)")
            if word in text
        ]
        assert [] == leaks

    def test_unknown_area(self, client: TestClient) -> None:
        """An area that does not exist is the framework 404."""
        response = client.get("/health/nothing")
        assert (404, "Not Found") == (response.status_code, response.json()["error"])


class TestProbes:
    """GET /livez and GET /readyz, the probes of an orchestrator."""

    def test_live_touches_no_dependency(
        self, unreachable_runtime: Runtime, serve: Callable[[Runtime], TestClient]
    ) -> None:
        """``/livez`` is 200 even with the database down: it only shows the process answers."""
        response = serve(unreachable_runtime).get("/livez")
        assert (200, {"status": "alive"}) == (response.status_code, response.json())

    def test_ready(self, client: TestClient) -> None:
        """Database up and no queue server: ready."""
        response = client.get("/readyz")
        assert (200, {"status": "ready", "checks": {"database": "ok", "queue": "inline"}}) == (
            response.status_code,
            response.json(),
        )

    def test_database_down_is_unready(
        self, unreachable_runtime: Runtime, serve: Callable[[Runtime], TestClient]
    ) -> None:
        """An unreachable database is 503 ``unready`` with Retry-After and no details."""
        response = serve(unreachable_runtime).get("/readyz")
        assert (
            503,
            "5",
            {"status": "unready", "checks": {"database": "unavailable", "queue": "inline"}},
        ) == (response.status_code, response.headers.get("retry-after"), response.json())

    def test_queue_down_is_unready(
        self, runtime: Runtime, serve: Callable[[Runtime], TestClient]
    ) -> None:
        """A queue URL where nothing listens makes the probe 503 with the queue unavailable."""
        down = attrs.evolve(runtime, settings=attrs.evolve(runtime.settings, queue_url=_NO_REDIS))
        body = serve(down).get("/readyz").json()
        assert {"database": "ok", "queue": "unavailable"} == body["checks"]

    @pytest.mark.redis
    def test_queue_up_is_ready(
        self, runtime: Runtime, serve: Callable[[Runtime], TestClient], redis_url: str
    ) -> None:
        """A reachable Redis is ``connected``."""
        up = attrs.evolve(runtime, settings=attrs.evolve(runtime.settings, queue_url=redis_url))
        response = serve(up).get("/readyz")
        assert (200, "connected") == (response.status_code, response.json()["checks"]["queue"])

    def test_a_hanging_database_is_unready_within_the_timeout(
        self,
        runtime: Runtime,
        serve: Callable[[Runtime], TestClient],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """A database that does not answer makes the probe 503 after its timeout, not when
        the database gives up."""
        release = threading.Event()
        monkeypatch.setattr(health, "READY_TIMEOUT_SECONDS", 0.05)
        monkeypatch.setattr(health, "_database_ok", lambda runtime: release.wait(5))
        client = serve(runtime)
        started = time.perf_counter()
        try:
            response = client.get("/readyz")
        finally:
            release.set()
        assert (503, "unavailable") == (
            response.status_code,
            response.json()["checks"]["database"],
        )
        assert time.perf_counter() - started < 2
