"""Request ids, the access log, /metrics, and what a trusted proxy's X-Forwarded-Proto
changes (the scheme: Secure cookies and HSTS)."""

from __future__ import annotations

import io
import json
import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from taskcore_adapters import logs
from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.host import create_app
from taskcore_adapters.http.headers import HSTS
from taskcore_adapters.http.origin import forwarded_scheme, parse_networks
from taskcore_adapters.web.testing import Browser

TOKEN = "metrics-token-" + "m" * 20
PASSWORD = "correct horse battery"


@pytest.fixture
def lines() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The JSON lines every logger writes during the test, parsed."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logs.formatter("json"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def access_lines(parsed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line for line in parsed if line["logger"] == "taskcore.access"]


class TestAccessLog:
    def test_one_line_per_request_with_the_route_template(
        self, client: TestClient, lines: Callable[[], list[dict[str, Any]]]
    ) -> None:
        """Each request writes one access line: method, route template, path, status,
        duration and the request id the response returns."""
        response = client.get("/api/tasks/12345")
        missing = client.get("/no/such/page")
        found = access_lines(lines())
        assert [
            ("GET", "/api/tasks/{task_id}", "/api/tasks/12345", 401),
            ("GET", "unmatched", "/no/such/page", 404),
        ] == [(line["method"], line["route"], line["path"], line["status"]) for line in found]
        assert [response.headers["x-request-id"], missing.headers["x-request-id"]] == [
            line["request_id"] for line in found
        ]
        assert all(isinstance(line["duration_ms"], float) for line in found)

    def test_an_offered_request_id_is_kept_and_on_every_line(
        self, client: TestClient, lines: Callable[[], list[dict[str, Any]]]
    ) -> None:
        """A client's X-Request-ID comes back and marks every line of its request: the
        security log's failed login (written in the thread pool) and the access line."""
        client.post("/api/register", json=_user("alice"))
        response = client.post(
            "/api/login",
            json={"username": "alice", "password": "wrong password!"},
            headers={"X-Request-ID": "trace-42"},
        )
        assert (401, "trace-42") == (response.status_code, response.headers["x-request-id"])
        mine = [line for line in lines() if line.get("request_id") == "trace-42"]
        assert {("taskcore.security", "login_failed"), ("taskcore.access", None)} <= {
            (line["logger"], line.get("event")) for line in mine
        }

    def test_a_forged_request_id_is_replaced(self, client: TestClient) -> None:
        """An X-Request-ID that is not plain (a newline, too long) is replaced."""
        response = client.get("/livez", headers={"X-Request-ID": "a" * 200})
        assert response.headers["x-request-id"] not in ("", "a" * 200)

    def test_a_refused_host_is_logged(
        self, runtime: Runtime, lines: Callable[[], list[dict[str, Any]]]
    ) -> None:
        """A request refused for its Host header still gets its access line and id."""
        with TestClient(create_app(runtime)) as client:
            response = client.get("/livez", headers={"Host": "evil.example"})
        (line,) = access_lines(lines())
        assert (400, 400, "unmatched", response.headers["x-request-id"]) == (
            response.status_code,
            line["status"],
            line["route"],
            line["request_id"],
        )


def _user(name: str) -> dict[str, str]:
    return {
        "username": name,
        "email": f"{name}@example.com",
        "password": PASSWORD,
        "full_name": name.title(),
    }


@pytest.fixture
def metered(runtime: Runtime) -> Iterator[TestClient]:
    """A client of the application with metrics on (``/metrics`` is no API operation, so
    not checked against the OpenAPI document)."""
    served = attrs.evolve(runtime, settings=attrs.evolve(runtime.settings, metrics_token=TOKEN))
    with TestClient(create_app(served)) as client:
        yield client


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


class TestMetrics:
    def test_off_without_a_token(self, client: TestClient) -> None:
        """Without TASKCORE_METRICS_TOKEN there is no /metrics."""
        assert 404 == client.get("/metrics").status_code

    def test_the_token_is_required(self, metered: TestClient) -> None:
        """With a token, /metrics answers only ``Authorization: Bearer <token>``."""
        client = metered
        assert [401, 401, 200] == [
            client.get("/metrics", headers=headers).status_code
            for headers in (
                {},
                {"Authorization": "Bearer " + TOKEN[:-1]},
                {"Authorization": "Bearer " + TOKEN},
            )
        ]

    def test_scraped_while_requests_run(self, metered: TestClient) -> None:
        """Scrapes taken while other threads send requests parse, and count those requests
        by route template and status, failed and throttled logins, and the database's
        figures."""
        client = metered
        auth = {"Authorization": "Bearer " + TOKEN}
        before = _samples(client.get("/metrics", headers=auth).text)
        client.post("/api/register", json=_user("bob"))
        done = threading.Event()

        def traffic() -> None:
            for _ in range(20):
                client.get("/api/tasks/7")
                client.post("/api/login", json={"username": "bob", "password": "not it!!"})
            done.set()

        sender = threading.Thread(target=traffic)
        sender.start()
        scrapes = []
        while not done.is_set():
            scrapes.append(_samples(client.get("/metrics", headers=auth).text))
        sender.join()
        after = _samples(client.get("/metrics", headers=auth).text)
        assert scrapes  # each parsed while requests ran

        def delta(name: str, **labels: str) -> float:
            key = (name, tuple(sorted(labels.items())))
            return after.get(key, 0.0) - before.get(key, 0.0)

        tasks = {"method": "GET", "route": "/api/tasks/{task_id}", "status": "401"}
        assert 20 == delta("taskcore_http_requests_total", **tasks)
        assert 20 == delta("taskcore_http_request_duration_seconds_count", **tasks)
        assert 20 == delta("taskcore_logins_failed_total")
        assert 0 == after[("taskcore_http_requests_in_flight", ())] - 1  # the scrape itself
        assert ("taskcore_outbox_backlog", ()) in after
        assert ("taskcore_outbox_oldest_undelivered_age_seconds", ()) in after
        assert ("taskcore_mails", (("state", "failed"),)) in after
        assert ("taskcore_event_deliveries", (("state", "failed"),)) in after
        assert after[("taskcore_db_pool_connections_max", ())] >= 1


class TestForwardedProto:
    def test_hsts_and_secure_cookies_from_a_trusted_proxy(
        self, runtime: Runtime, serve: Callable[[Runtime], TestClient]
    ) -> None:
        """Behind a trusted proxy that terminated TLS, responses carry HSTS and session
        cookies are Secure."""
        proxied = attrs.evolve(
            runtime, settings=attrs.evolve(runtime.settings, trusted_proxies=("10.0.0.0/8",))
        )
        app = create_app(proxied)
        with TestClient(app, client=("10.0.0.2", 5000)) as client:
            response = client.get("/livez", headers={"X-Forwarded-Proto": "https"})
            plain = client.get("/livez", headers={"X-Forwarded-Proto": "http"})
        assert (HSTS, None) == (
            response.headers.get("strict-transport-security"),
            plain.headers.get("strict-transport-security"),
        )
        runtime.core.users.register(
            username="alice", email="a@example.com", password=PASSWORD, full_name="A"
        )
        with TestClient(app, client=("10.0.0.2", 5000)) as client:
            client.headers["X-Forwarded-Proto"] = "https"
            login = Browser(client).login("alice")
        cookies = [c for c in login.headers.get_list("set-cookie") if c.startswith("tc_")]
        assert cookies
        assert all("; secure" in c.lower() for c in cookies)

    def test_ignored_from_anyone_else(
        self, runtime: Runtime, serve: Callable[[Runtime], TestClient]
    ) -> None:
        """From a peer that is not a trusted proxy, X-Forwarded-Proto changes nothing."""
        with TestClient(create_app(runtime), client=("10.0.0.2", 5000)) as client:
            response = client.get("/livez", headers={"X-Forwarded-Proto": "https"})
        assert None is response.headers.get("strict-transport-security")


@pytest.mark.parametrize(
    ("peer", "header", "expected"),
    [
        ("10.0.0.2", "https", "https"),
        ("10.0.0.2", "HTTPS, http", "https"),
        ("10.0.0.2", "http", "http"),
        ("10.0.0.2", "gopher", None),
        ("10.0.0.2", None, None),
        ("203.0.113.9", "https", None),
        ("testclient", "https", None),
        (None, "https", None),
    ],
)
def test_forwarded_scheme(peer: str | None, header: str | None, expected: str | None) -> None:
    """Only a trusted proxy's first X-Forwarded-Proto value counts, and only http/https."""
    assert expected == forwarded_scheme(peer, header, parse_networks(["10.0.0.0/8"]))
