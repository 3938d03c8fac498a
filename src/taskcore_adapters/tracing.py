"""Optional OpenTelemetry tracing (the ``otel`` extra), off by default.

``TASKCORE_TRACING=otlp`` sends spans to an OpenTelemetry collector with the OTLP/HTTP
exporter, configured by the standard ``OTEL_EXPORTER_OTLP_*`` variables (the endpoint,
headers; ``OTEL_SERVICE_NAME`` names the service, ``taskcore`` by default);
``TASKCORE_TRACING=console`` prints them (to try it out). With tracing on:

- every HTTP request is a server span (OpenTelemetry's ASGI middleware), and
  ``traceparent`` headers from a caller continue its trace;
- every SQL statement is a client span under the span that ran it (``db.system``,
  ``db.statement`` without its parameters);
- every job a worker runs is a span named ``job <name>``, failed when the job raises.

The spans go through a provider of taskcore's own (never the process's global one), so
an application that embeds taskcore keeps its tracing as it is.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter
    from sqlalchemy import Engine
    from starlette.types import ASGIApp

MODES = ("off", "otlp", "console")
"""The values of ``TASKCORE_TRACING``."""

Runner = Callable[[str, Mapping[str, Any]], None]


def provider(mode: str, exporter: SpanExporter | None = None) -> TracerProvider | None:
    """The tracer provider for ``mode`` (``None`` when ``off``), exporting to ``exporter``
    when given (tests) or to the mode's exporter, in batches."""
    if mode == "off":
        return None
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    name = os.environ.get("OTEL_SERVICE_NAME") or "taskcore"
    made = TracerProvider(resource=Resource.create({"service.name": name}))
    if exporter is not None:
        made.add_span_processor(SimpleSpanProcessor(exporter))
    elif mode == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        made.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        made.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return made


def trace_engine(engine: Engine, tracer_provider: TracerProvider) -> None:
    """A client span per SQL statement run on ``engine``."""
    from opentelemetry.trace import SpanKind, Status, StatusCode
    from sqlalchemy import event

    tracer = tracer_provider.get_tracer("taskcore.sql")
    system = engine.dialect.name

    @event.listens_for(engine, "before_cursor_execute")
    def _start(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        span = tracer.start_span(
            statement.split(None, 1)[0].upper() if statement.strip() else "SQL",
            kind=SpanKind.CLIENT,
            attributes={"db.system": system, "db.statement": statement},
        )
        conn.info.setdefault("taskcore.spans", []).append(span)

    @event.listens_for(engine, "after_cursor_execute")
    def _end(conn: Any, *args: Any) -> None:
        spans = conn.info.get("taskcore.spans")
        if spans:
            spans.pop().end()

    @event.listens_for(engine, "handle_error")
    def _fail(context: Any) -> None:
        spans = context.connection.info.get("taskcore.spans") if context.connection else None
        if spans:
            span = spans.pop()
            span.set_status(Status(StatusCode.ERROR, type(context.original_exception).__name__))
            span.end()


def traced_jobs(runner: Runner, tracer_provider: TracerProvider) -> Runner:
    """``runner`` with a span around each job (``job <name>``)."""
    from opentelemetry.trace import SpanKind

    tracer = tracer_provider.get_tracer("taskcore.jobs")

    def run(name: str, args: Mapping[str, Any]) -> None:
        with tracer.start_as_current_span(f"job {name}", kind=SpanKind.CONSUMER):
            runner(name, args)

    return run


def traced_app(app: ASGIApp, tracer_provider: TracerProvider) -> ASGIApp:
    """``app`` behind OpenTelemetry's ASGI middleware: a server span per request."""
    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

    return OpenTelemetryMiddleware(app, tracer_provider=tracer_provider)
