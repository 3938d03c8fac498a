"""Optional OpenTelemetry tracing: a server span per request with the SQL statements under
it, a span per job, and nothing at all when tracing is off (the default)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from starlette.testclient import TestClient

from taskcore_adapters import Settings, from_settings, tracing
from taskcore_adapters.config import ConfigError
from taskcore_adapters.host import create_app


def test_requests_and_their_statements_are_spans(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exporter = InMemorySpanExporter()
    made = tracing.provider("console", exporter)
    assert made is not None
    monkeypatch.setattr(tracing, "provider", lambda mode, exporter=None: made)
    settings = Settings(data_dir=tmp_path, secret_key="s" * 40, tracing="console")
    with from_settings(settings) as runtime, TestClient(create_app(runtime)) as client:
        exporter.clear()  # the migration's statements
        body = {"username": "ada", "email": "ada@example.com", "password": "long enough pw"}
        assert 201 == client.post("/api/register", json={**body, "full_name": "Ada"}).status_code
        spans = exporter.get_finished_spans()
        (server,) = [s for s in spans if s.kind is SpanKind.SERVER]
        statements = [s for s in spans if s.kind is SpanKind.CLIENT]
        assert "POST /api/register" == server.name
        assert statements, "no SQL span"
        assert {server.context.span_id} == {s.parent.span_id for s in statements if s.parent}
        attributes = [dict(s.attributes or {}) for s in statements]
        assert any("INSERT INTO users" in str(a["db.statement"]) for a in attributes)
        assert {"sqlite"} == {a["db.system"] for a in attributes}

        def broken(name: str, args: Mapping[str, Any]) -> None:
            raise ZeroDivisionError

        failed = tracing.traced_jobs(broken, made)
        with pytest.raises(ZeroDivisionError):
            failed("reports.generate", {})
        job = exporter.get_finished_spans()[-1]
        assert ("job reports.generate", StatusCode.ERROR) == (job.name, job.status.status_code)


def test_off_by_default_and_checked(tmp_path: Path) -> None:
    with from_settings(Settings(data_dir=tmp_path, secret_key="s" * 40)) as runtime:
        assert runtime.tracer_provider is None
    assert "otlp" == Settings.from_env({"TASKCORE_TRACING": "OTLP"}).tracing
    with pytest.raises(ConfigError, match="TASKCORE_TRACING"):
        Settings.from_env({"TASKCORE_TRACING": "jaeger"})
