"""The activity-log endpoints L1-L9: codes, shapes, filters, caps and jobs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from taskcore_adapters.bootstrap import Runtime

Account = tuple[int, dict[str, str]]

ACTIVITY_KEYS = {
    "id",
    "user_id",
    "action",
    "entity_type",
    "entity_id",
    "details",
    "ip_address",
    "user_agent",
    "created_at",
    "session_id",
    "service_name",
}


def submit(client: TestClient, headers: dict[str, str], **body: Any) -> Any:
    """POST an entry; returns the response."""
    payload = {"action": "export", "entity_type": "report", "entity_id": 1, **body}
    return client.post("/api/activities", json=payload, headers=headers)


class TestSubmit:
    def test_admin_submits(self, client: TestClient, admin: Callable[..., Account]) -> None:
        """L1: an administrator's entry is stored and answered 201 with its id."""
        _, headers = admin()
        response = submit(
            client,
            headers,
            user_id=None,
            details={"rows": 3, "password": "x"},
            session_id="s-1",
            ip_address="192.0.2.1",
        )
        assert 201 == response.status_code
        body = response.json()
        assert "Activity logged successfully" == body["message"]
        listed = client.get("/api/activities?action=export", headers=headers).json()
        entry = listed["activities"][0]
        assert (body["activity_id"], {"rows": 3}, "unknown", "System", "192.0.2.1") == (
            entry["id"],
            entry["details"],
            entry["service_name"],
            entry["username"],
            entry["ip_address"],
        )

    def test_anonymous_and_non_admins_cannot_submit(
        self, client: TestClient, account: Callable[..., Account]
    ) -> None:
        """L1 without a token is 401; from a non-admin 403; nothing is stored."""
        _, headers = account()
        assert 401 == submit(client, {}).status_code
        forbidden = submit(client, headers)
        assert (403, {"error": "Admin privileges required"}) == (
            forbidden.status_code,
            forbidden.json(),
        )

    @pytest.mark.parametrize(
        ("body", "message"),
        [
            ({}, "Invalid JSON payload"),
            ({"entity_type": "x", "entity_id": 1}, "action is required"),
            ({"action": "x", "entity_id": 1}, "entity_type is required"),
            ({"action": "x", "entity_type": "y"}, "entity_id is required"),
            (
                {"action": "x", "entity_type": "y", "entity_id": None},
                "entity_id must be an integer",
            ),
            ({"action": "x", "entity_type": "y", "entity_id": "7"}, "entity_id must be an integer"),
            (
                {"action": "x", "entity_type": "y", "entity_id": 1, "user_id": 1.5},
                "user_id must be an integer",
            ),
            (
                {"action": "x", "entity_type": "y", "entity_id": 1, "details": "text"},
                "details must be an object",
            ),
            ({"action": 1, "entity_type": "y", "entity_id": 1}, "action must be a string"),
        ],
    )
    def test_bad_bodies(
        self,
        client: TestClient,
        admin: Callable[..., Account],
        body: dict[str, Any],
        message: str,
    ) -> None:
        """L1 refuses empty bodies, missing keys and wrong types with 400 naming the field."""
        _, headers = admin()
        response = client.post("/api/activities", json=body, headers=headers)
        assert (400, message) == (response.status_code, response.json()["error"])

    def test_not_json(self, client: TestClient, admin: Callable[..., Account]) -> None:
        """L1 with a body that is not JSON is 400."""
        _, headers = admin()
        response = client.post(
            "/api/activities",
            content=b"action=x",
            headers={**headers, "Content-Type": "application/json"},
        )
        assert 400 == response.status_code


class TestWrittenByRequests:
    def test_every_write_is_logged_with_its_origin(
        self, client: TestClient, account: Callable[..., Account], admin: Callable[..., Account]
    ) -> None:
        """Registering, logging in and creating a project through the API each leave one
        entry with the user, the client address and the User-Agent (the routes run these
        use cases in the thread pool, which copies the request's context)."""
        user_id, headers = account("alice")
        created = client.post(
            "/api/projects",
            json={"name": "Apollo"},
            headers={**headers, "User-Agent": "Probe/1.0"},
        )
        assert 201 == created.status_code
        _, root = admin()
        listed = client.get(f"/api/activities/user/{user_id}", headers=root).json()["activities"]
        summary = [
            (a["action"], a["entity_type"], a["ip_address"], a["user_agent"]) for a in listed
        ]
        assert [
            ("create", "project", "testclient", "Probe/1.0"),
            ("login", "user", "testclient", "testclient"),
            ("create", "user", "testclient", "testclient"),
        ] == summary
        assert {"username": "alice"} == listed[2]["details"]
        assert all("taskcore" == a["service_name"] for a in listed)


class TestList:
    def test_admin_lists_with_username_and_pagination(
        self, client: TestClient, admin: Callable[..., Account], account: Callable[..., Account]
    ) -> None:
        """L2: newest first, with ``username`` and the pagination block (default 50)."""
        alice_id, _ = account("alice")
        _, headers = admin("root")
        body = client.get("/api/activities", headers=headers).json()
        first = body["activities"][0]
        assert ACTIVITY_KEYS | {"username"} == set(first)
        assert ("login", "root") == (first["action"], first["username"])
        assert {"page": 1, "pages": 1, "per_page": 50, "total": 4} == body["pagination"]
        assert alice_id in [a["user_id"] for a in body["activities"]]

    def test_filters(
        self, client: TestClient, admin: Callable[..., Account], account: Callable[..., Account]
    ) -> None:
        """L2 filters by user, action, entity type and id; zero ids are ignored."""
        alice_id, _ = account("alice")
        _, headers = admin()

        def total(query: str) -> int:
            response = client.get(f"/api/activities?{query}", headers=headers)
            assert 200 == response.status_code
            result: int = response.json()["pagination"]["total"]
            return result

        assert [2, 1, 4, 1, 4, 4, 0] == [
            total(f"user_id={alice_id}"),
            total(f"user_id={alice_id}&action=login"),
            total("entity_type=user"),
            total(f"entity_type=user&entity_id={alice_id}&action=create"),
            total("user_id=0&entity_id=0"),
            total("user_id=abc"),
            total("action=nothing"),
        ]

    def test_dates(self, client: TestClient, admin: Callable[..., Account]) -> None:
        """L2 date bounds accept ISO dates and times; malformed ones are 400."""
        _, headers = admin()
        today = dt.datetime.now(dt.UTC).date()
        tomorrow = (today + dt.timedelta(days=1)).isoformat()

        def get(query: str) -> Any:
            return client.get(f"/api/activities?{query}", headers=headers)

        assert [2, 0, 2] == [
            get(f"start_date={today.isoformat()}").json()["pagination"]["total"],
            get(f"start_date={tomorrow}").json()["pagination"]["total"],
            get(f"end_date={tomorrow}T00:00:00Z").json()["pagination"]["total"],
        ]
        for name in ("start_date", "end_date"):
            response = get(f"{name}=26/11/2026")
            assert (400, f"Invalid {name} format") == (
                response.status_code,
                response.json()["error"],
            )

    def test_per_page_cap(self, client: TestClient, admin: Callable[..., Account]) -> None:
        """L2 caps ``per_page`` at 1,000."""
        _, headers = admin()
        body = client.get("/api/activities?per_page=5000", headers=headers).json()
        assert 1000 == body["pagination"]["per_page"]

    def test_admin_only(self, client: TestClient, account: Callable[..., Account]) -> None:
        """L2 is 401 without a token and 403 for others."""
        _, headers = account()
        assert [401, 403] == [
            client.get("/api/activities").status_code,
            client.get("/api/activities", headers=headers).status_code,
        ]


class TestUserAndEntity:
    def test_user_list_self_admin_and_others(
        self, client: TestClient, account: Callable[..., Account], admin: Callable[..., Account]
    ) -> None:
        """L3: self and admins read a user's entries (no ``username``); others get 403."""
        alice_id, alice = account("alice")
        _, bob = account("bob")
        _, root = admin()
        mine = client.get(f"/api/activities/user/{alice_id}?action=login", headers=alice)
        theirs = client.get(f"/api/activities/user/{alice_id}", headers=bob)
        by_admin = client.get(f"/api/activities/user/{alice_id}?per_page=500", headers=root)
        assert 200 == mine.status_code
        assert ACTIVITY_KEYS == set(mine.json()["activities"][0])
        assert 1 == mine.json()["pagination"]["total"]
        assert (403, {"error": "Access denied"}) == (theirs.status_code, theirs.json())
        assert (2, 200) == (
            by_admin.json()["pagination"]["total"],
            by_admin.json()["pagination"]["per_page"],
        )
        assert 401 == client.get(f"/api/activities/user/{alice_id}").status_code

    def test_entity_list(
        self, client: TestClient, account: Callable[..., Account], admin: Callable[..., Account]
    ) -> None:
        """L4: an object's entries with ``username``, admins only, capped at 200."""
        alice_id, alice = account("alice")
        _, root = admin()
        response = client.get(f"/api/activities/entity/user/{alice_id}?per_page=999", headers=root)
        body = response.json()
        assert (200, 2, 200) == (
            response.status_code,
            body["pagination"]["total"],
            body["pagination"]["per_page"],
        )
        assert {"alice"} == {a["username"] for a in body["activities"]}
        assert (
            403 == client.get(f"/api/activities/entity/user/{alice_id}", headers=alice).status_code
        )
        assert 401 == client.get(f"/api/activities/entity/user/{alice_id}").status_code


class TestOddInput:
    def test_out_of_range_and_odd_values(
        self, client: TestClient, admin: Callable[..., Account]
    ) -> None:
        """Huge ids and periods, NUL characters and odd paging never reach the database as
        errors: they match nothing, are capped, or are 400."""
        _, headers = admin()
        huge = 10**30
        answers = [
            client.get(f"/api/activities?user_id={huge}&entity_id={huge}", headers=headers),
            client.get(f"/api/activities?page={huge}&per_page=-3", headers=headers),
            client.get("/api/activities/entity/user%00x/1", headers=headers),
            client.get(f"/api/activities/entity/{'u' * 300}/1", headers=headers),
            client.get("/api/activities?action=a%00b", headers=headers),
            client.get(f"/api/activities/stats?days={huge}", headers=headers),
            client.get("/api/activities/stats?days=-5", headers=headers),
            client.get(f"/api/activities/summaries?days={huge}", headers=headers),
        ]
        assert [200, 200, 400, 200, 400, 200, 200, 200] == [a.status_code for a in answers]
        assert (0, 50) == (
            answers[0].json()["pagination"]["total"],
            answers[1].json()["pagination"]["per_page"],
        )
        assert (36500, 30) == (answers[5].json()["period_days"], answers[6].json()["period_days"])


class TestStatsAndSummaries:
    def test_stats(self, client: TestClient, admin: Callable[..., Account]) -> None:
        """L5: totals over 30 days by default and seven daily counts, oldest first."""
        _, headers = admin()
        body = client.get("/api/activities/stats", headers=headers).json()
        today = dt.datetime.now(dt.UTC).date()
        assert (30, 2, 1) == (body["period_days"], body["total_activities"], body["unique_users"])
        assert [{"action": "create", "count": 1}, {"action": "login", "count": 1}] == body[
            "top_actions"
        ]
        assert [{"entity_type": "user", "count": 2}] == body["top_entity_types"]
        assert [(today - dt.timedelta(days=6 - n)).isoformat() for n in range(7)] == [
            d["date"] for d in body["daily_activity"]
        ]
        assert 2 == body["daily_activity"][-1]["count"]
        other = client.get("/api/activities/stats?days=7", headers=headers).json()
        assert 7 == other["period_days"]

    def test_summaries_and_generation(
        self, client: TestClient, runtime: Runtime, admin: Callable[..., Account]
    ) -> None:
        """L8 starts a summary job (202 with its id); L6 lists the summaries newest first."""
        _, headers = admin()
        today = dt.datetime.now(dt.UTC).date().isoformat()
        started = client.post(
            "/api/activities/generate-summary",
            json={"start_date": today, "end_date": today},
            headers=headers,
        )
        assert 202 == started.status_code
        assert "Summary generation task started" == started.json()["message"]
        assert started.json()["task_id"]
        listed = client.get("/api/activities/summaries", headers=headers).json()["summaries"]
        assert [(today, 2, 1)] == [
            (s["date"], s["total_activities"], s["unique_users"]) for s in listed
        ]
        assert [{"action": "create", "count": 1}, {"action": "login", "count": 1}] == listed[0][
            "top_actions"
        ]
        again = client.post("/api/activities/generate-summary", headers=headers)
        assert 202 == again.status_code

    @pytest.mark.parametrize(
        ("body", "message"),
        [
            ({"start_date": "2026-02-30"}, "Invalid start_date format"),
            ({"end_date": 5}, "Invalid end_date format"),
            (
                {"start_date": "2026-01-02", "end_date": "2026-01-01"},
                "start_date must not be after end_date",
            ),
            ({"end_date": "2999-01-01"}, "end_date must not be in the future"),
        ],
    )
    def test_generation_checks_dates(
        self,
        client: TestClient,
        admin: Callable[..., Account],
        body: dict[str, Any],
        message: str,
    ) -> None:
        """L8 refuses malformed and impossible ranges with 400."""
        _, headers = admin()
        response = client.post("/api/activities/generate-summary", json=body, headers=headers)
        assert (400, message) == (response.status_code, response.json()["error"])

    def test_cleanup(self, client: TestClient, admin: Callable[..., Account]) -> None:
        """L7 starts the cleanup job: 202 with the original message and a job id; recent
        entries stay."""
        _, headers = admin()
        response = client.post("/api/activities/cleanup", headers=headers)
        assert 202 == response.status_code
        assert "Cleanup task started" == response.json()["message"]
        assert 2 == client.get("/api/activities", headers=headers).json()["pagination"]["total"]

    def test_admin_only(self, client: TestClient, account: Callable[..., Account]) -> None:
        """L5-L8 are 401 without a token and 403 for others."""
        _, headers = account()
        calls = [
            ("GET", "/api/activities/stats"),
            ("GET", "/api/activities/summaries"),
            ("POST", "/api/activities/cleanup"),
            ("POST", "/api/activities/generate-summary"),
        ]
        codes = [
            (client.request(m, p).status_code, client.request(m, p, headers=headers).status_code)
            for m, p in calls
        ]
        assert [(401, 403)] * 4 == codes


class TestHealth:
    def test_activity_health_counts(
        self, client: TestClient, account: Callable[..., Account]
    ) -> None:
        """L9: the activity health check adds ``redis`` and the total and last-24-hour
        entry counts to the plain answer."""
        account()
        body = client.get("/health/activities").json()
        assert {
            "status": "healthy",
            "service": "activity-log-service",
            "timestamp": body["timestamp"],
            "redis": "inline",
            "total_logs": 2,
            "recent_logs_24h": 2,
        } == body
