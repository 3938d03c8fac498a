"""The notification endpoints over HTTP, on the selected SQL backend.

Mail goes to the development mailer: ``.eml`` files in the data directory's ``mail`` folder.
"""

from __future__ import annotations

import email
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from taskcore_adapters.bootstrap import Runtime

Account = tuple[int, dict[str, str]]
AccountFactory = Callable[..., Account]

NOTIFICATION_KEYS = {
    "id",
    "recipient_email",
    "recipient_id",
    "subject",
    "body",
    "notification_type",
    "status",
    "priority",
    "context_data",
    "scheduled_at",
    "sent_at",
    "created_at",
    "error_message",
    "retry_count",
}
"""The original's 14 keys (``read_at`` is new)."""
TEMPLATE_KEYS = {
    "id",
    "name",
    "subject_template",
    "body_template",
    "notification_type",
    "is_active",
    "created_at",
    "updated_at",
}
ADMIN_REQUIRED = {"error": "Admin privileges required"}
ACCESS_DENIED = {"error": "Access denied"}


def answer(response: Any) -> tuple[int, Any]:
    """The status and JSON body of an answer."""
    return response.status_code, response.json()


def mails(runtime: Runtime, tmp_path: Path) -> list[email.message.Message]:
    """The messages the development mailer wrote, oldest first, once the mail lane has
    sent what was queued (sends run off the request's thread)."""
    assert runtime.core.jobs.drain(10), "the mail lane did not finish"
    folder = tmp_path / "mail"
    files = sorted(folder.glob("*.eml")) if folder.exists() else []
    return [email.message_from_bytes(f.read_bytes()) for f in files]


@pytest.fixture
def people(account: AccountFactory, admin: AccountFactory) -> tuple[Account, Account, Account]:
    """An administrator and two users."""
    return admin(), account("bob"), account("carol")


People = tuple[Account, Account, Account]


class TestSend:
    def test_n1_queues_and_sends(
        self, client: TestClient, runtime: Runtime, people: People, tmp_path: Path
    ) -> None:
        """N1 answers 201 with the id; the e-mail is written with its Message-ID."""
        (_, root), (bob_id, _), _ = people
        response = client.post(
            "/api/notifications/send",
            headers=root,
            json={
                "recipient_id": bob_id,
                "notification_type": "email",
                "subject": "Hello",
                "body": "Hi there",
                "context_data": {"k": 1},
            },
        )
        status, body = answer(response)
        assert (201, "Notification queued successfully") == (status, body["message"])
        (message,) = mails(runtime, tmp_path)
        assert (
            "bob@example.com",
            "Hello",
            f"<notification-{body['notification_id']}@taskcore>",
        ) == (
            message["To"],
            message["Subject"],
            message["Message-ID"],
        )

    @pytest.mark.parametrize(
        ("payload", "expected"),
        [
            ({}, (400, {"error": "Invalid JSON payload"})),
            ({"notification_type": "email"}, (400, {"error": "recipient_id is required"})),
            ({"recipient_id": 2}, (400, {"error": "notification_type is required"})),
            (
                {"recipient_id": 999, "notification_type": "email"},
                (404, {"error": "Recipient user not found"}),
            ),
            (
                {"recipient_id": 2, "notification_type": "email", "context_data": [1]},
                (400, {"error": "context_data must be an object"}),
            ),
        ],
    )
    def test_n1_errors(
        self, client: TestClient, people: People, payload: dict[str, Any], expected: Any
    ) -> None:
        """N1's documented errors keep the original's texts."""
        (_, root), _, _ = people
        assert expected == answer(
            client.post("/api/notifications/send", headers=root, json=payload)
        )

    def test_n1_n2_n7_n8_admin_only(self, client: TestClient, people: People) -> None:
        """The formerly public endpoints need a token (401) and an admin (403)."""
        _, (_, bob), _ = people
        for path in (
            "/api/notifications/send",
            "/api/notifications/send-template",
            "/api/webhooks/task-assigned",
            "/api/webhooks/task-completed",
        ):
            assert (401, {"error": "Token is missing"}) == answer(client.post(path, json={}))
            assert (403, ADMIN_REQUIRED) == answer(client.post(path, headers=bob, json={}))

    def test_n2_renders_template(
        self, client: TestClient, runtime: Runtime, people: People, tmp_path: Path
    ) -> None:
        """N2 renders the template with escaped HTML and answers 201."""
        (_, root), (bob_id, _), _ = people
        response = client.post(
            "/api/notifications/send-template",
            headers=root,
            json={
                "recipient_id": bob_id,
                "template_name": "task_assigned",
                "context": {"task_title": "<b>T</b>"},
            },
        )
        status, body = answer(response)
        assert (201, "Template notification queued successfully") == (status, body["message"])
        (message,) = mails(runtime, tmp_path)
        html = next(p for p in message.walk() if p.get_content_type() == "text/html").get_payload(
            decode=True
        )
        assert b"&lt;b&gt;T&lt;/b&gt;" in html

    def test_n2_errors(self, client: TestClient, people: People) -> None:
        """N2: missing fields and unknown templates."""
        (_, root), (bob_id, _), _ = people

        def post(payload: dict[str, Any]) -> tuple[int, Any]:
            return answer(
                client.post("/api/notifications/send-template", headers=root, json=payload)
            )

        assert (400, {"error": "recipient_id is required"}) == post({"template_name": "x"})
        assert (400, {"error": "template_name is required"}) == post({"recipient_id": bob_id})
        assert (400, {"error": "Failed to render template"}) == post(
            {"recipient_id": bob_id, "template_name": "nope"}
        )
        assert (404, {"error": "Recipient user not found"}) == post(
            {"recipient_id": 999, "template_name": "task_assigned"}
        )

    def test_n7_n8(
        self, client: TestClient, runtime: Runtime, people: People, tmp_path: Path
    ) -> None:
        """N7 and N8 queue their templates directly and answer the original's message."""
        (_, root), (bob_id, _), _ = people
        assigned = client.post(
            "/api/webhooks/task-assigned",
            headers=root,
            json={"assignee_id": bob_id, "task_title": "T"},
        )
        completed = client.post(
            "/api/webhooks/task-completed",
            headers=root,
            json={"project_owner_id": bob_id, "task_title": "T"},
        )
        assert [(200, {"message": "Notification queued"})] * 2 == [
            answer(assigned),
            answer(completed),
        ]
        # Two mail threads send them, so they may be written in either order.
        assert ["Task Assigned: T", "Task Completed: T"] == sorted(
            m["Subject"] for m in mails(runtime, tmp_path)
        )
        assert (400, {"error": "Webhook processing failed"}) == answer(
            client.post("/api/webhooks/task-assigned", headers=root, json={"assignee_id": bob_id})
        )
        assert (400, {"error": "Webhook processing failed"}) == answer(
            client.post("/api/webhooks/task-completed", headers=root)
        )


class TestReading:
    def test_n3_status(self, client: TestClient, runtime: Runtime, people: People) -> None:
        """N3: the recipient and admins read it; others are denied; unknown is 404."""
        (_, root), (bob_id, bob), (_, carol) = people
        sent = client.post(
            "/api/notifications/send",
            headers=root,
            json={"recipient_id": bob_id, "notification_type": "email"},
        ).json()["notification_id"]
        assert runtime.core.jobs.drain(10), "the mail lane did not finish"
        status, body = answer(client.get(f"/api/notifications/{sent}/status", headers=bob))
        assert (200, NOTIFICATION_KEYS | {"read_at"}, "sent", "normal") == (
            status,
            set(body["notification"]),
            body["notification"]["status"],
            body["notification"]["priority"],
        )
        assert 200 == client.get(f"/api/notifications/{sent}/status", headers=root).status_code
        assert (404, {"error": "Notification not found"}) == answer(
            client.get(f"/api/notifications/{sent}/status", headers=carol)
        )
        assert (404, {"error": "Notification not found"}) == answer(
            client.get("/api/notifications/999/status", headers=bob)
        )

    def test_n4_list(self, client: TestClient, people: People) -> None:
        """N4: newest first, paged (default 20, cap 100); self or admin only."""
        (_, root), (bob_id, bob), (_, carol) = people
        ids = [
            client.post(
                "/api/notifications/send",
                headers=root,
                json={"recipient_id": bob_id, "notification_type": "in_app", "subject": str(i)},
            ).json()["notification_id"]
            for i in range(3)
        ]
        status, body = answer(
            client.get(f"/api/notifications/user/{bob_id}?per_page=2", headers=bob)
        )
        assert (200, [ids[2], ids[1]], {"page": 1, "pages": 2, "per_page": 2, "total": 3}) == (
            status,
            [n["id"] for n in body["notifications"]],
            body["pagination"],
        )
        capped = client.get(f"/api/notifications/user/{bob_id}?per_page=500", headers=root)
        assert 100 == capped.json()["pagination"]["per_page"]
        assert (403, ACCESS_DENIED) == answer(
            client.get(f"/api/notifications/user/{bob_id}", headers=carol)
        )


class TestTemplates:
    def test_n5_lists_active_templates(self, client: TestClient, people: People) -> None:
        """N5: any user sees the active templates, the original two to begin with."""
        _, (_, bob), _ = people
        status, body = answer(client.get("/api/notification-templates", headers=bob))
        assert (200, ["task_assigned", "task_completed"]) == (
            status,
            [t["name"] for t in body["templates"]],
        )
        assert TEMPLATE_KEYS == set(body["templates"][0])

    def test_n6_create_and_manage(self, client: TestClient, people: People) -> None:
        """N6 creates (201), a duplicate is 409; PUT/PATCH change and DELETE deactivates."""
        (_, root), (_, bob), _ = people
        payload = {
            "name": "digest",
            "subject_template": "Digest",
            "body_template": "Hello {{ user_name }}",
            "notification_type": "email",
            "is_active": False,
        }
        status, body = answer(
            client.post("/api/notification-templates", headers=root, json=payload)
        )
        assert (201, "Template created successfully", True) == (
            status,
            body["message"],
            body["template"]["is_active"],
        )
        template_id = body["template"]["id"]
        assert (
            409
            == client.post("/api/notification-templates", headers=root, json=payload).status_code
        )
        url = f"/api/notification-templates/{template_id}"
        assert (
            "daily"
            == client.patch(url, headers=root, json={"name": "daily"}).json()["template"]["name"]
        )
        assert (
            "Daily"
            == client.put(url, headers=root, json={"subject_template": "Daily"}).json()["template"][
                "subject_template"
            ]
        )
        status, body = answer(client.delete(url, headers=root))
        assert (200, False) == (status, body["template"]["is_active"])
        names = [
            t["name"]
            for t in client.get("/api/notification-templates", headers=bob).json()["templates"]
        ]
        assert "daily" not in names
        assert (200, False) == (
            client.get(url, headers=root).status_code,
            client.get(url, headers=root).json()["template"]["is_active"],
        )
        assert 404 == client.delete("/api/notification-templates/999", headers=root).status_code

    def test_n6_errors(self, client: TestClient, people: People) -> None:
        """Admin checked before the body; then the original's required-field texts."""
        (_, root), (_, bob), _ = people
        assert (403, ADMIN_REQUIRED) == answer(
            client.post("/api/notification-templates", headers=bob, content=b"not json")
        )
        assert (400, {"error": "Invalid JSON payload"}) == answer(
            client.post("/api/notification-templates", headers=root, json={})
        )
        assert (400, {"error": "subject_template is required"}) == answer(
            client.post("/api/notification-templates", headers=root, json={"name": "x"})
        )
        bad = client.post(
            "/api/notification-templates",
            headers=root,
            json={
                "name": "x",
                "subject_template": "s",
                "body_template": "{% for %}",
                "notification_type": "email",
            },
        )
        assert 400 == bad.status_code
        assert (
            403
            == client.patch(
                "/api/notification-templates/1", headers=bob, json={"name": "y"}
            ).status_code
        )


class TestInbox:
    def test_assignment_reaches_inbox_and_mail(
        self, client: TestClient, runtime: Runtime, account: AccountFactory, tmp_path: Path
    ) -> None:
        """Assigning a task notifies the assignee in the inbox and by e-mail."""
        _, alice = account("alice")
        bob_id, bob = account("bob")
        project = client.post("/api/projects", headers=alice, json={"name": "P"}).json()["project"]
        # Bob wants no notification of invitations: only the assignment's remain.
        off = {"project_invited": {"in_app": False, "email": False}}
        client.put("/api/notifications/preferences", headers=bob, json={"preferences": off})
        invited = client.post(
            f"/api/projects/{project['id']}/members", headers=alice, json={"user_id": bob_id}
        )
        invitation_id = invited.json()["invitation"]["id"]
        client.post(f"/api/invitations/{invitation_id}/accept", headers=bob)
        created = client.post(
            f"/api/projects/{project['id']}/tasks",
            headers=alice,
            json={"title": "Write", "assignee_id": bob_id},
        )
        assert 201 == created.status_code, created.text
        status, body = answer(client.get("/api/notifications/inbox", headers=bob))
        assert (200, 1, ["Task Assigned: Write"]) == (
            status,
            body["unread_count"],
            [n["subject"] for n in body["notifications"]],
        )
        assert ["bob@example.com"] == [m["To"] for m in mails(runtime, tmp_path)]

    def test_read_and_read_all(self, client: TestClient, people: People) -> None:
        """One notification is marked read, then all; others' are not found."""
        (_, root), (bob_id, bob), (_, carol) = people
        ids = [
            client.post(
                "/api/notifications/send",
                headers=root,
                json={"recipient_id": bob_id, "notification_type": "in_app"},
            ).json()["notification_id"]
            for _ in range(3)
        ]
        status, body = answer(client.post(f"/api/notifications/{ids[0]}/read", headers=bob))
        assert (200, True) == (status, body["notification"]["read_at"] is not None)
        unread = client.get("/api/notifications/inbox?unread=true", headers=bob).json()
        assert ([ids[2], ids[1]], 2) == (
            [n["id"] for n in unread["notifications"]],
            unread["unread_count"],
        )
        assert (404, {"error": "Notification not found"}) == answer(
            client.post(f"/api/notifications/{ids[1]}/read", headers=carol)
        )
        status, body = answer(client.post("/api/notifications/read-all", headers=bob))
        assert (200, 2) == (status, body["updated_count"])
        assert 0 == client.get("/api/notifications/inbox", headers=bob).json()["unread_count"]
        assert 401 == client.get("/api/notifications/inbox").status_code

    def test_preferences(self, client: TestClient, people: People) -> None:
        """Preferences default to on, change partially, and refuse unknown keys."""
        _, (_, bob), _ = people
        status, body = answer(client.get("/api/notifications/preferences", headers=bob))
        assert (200, {"in_app": True, "email": True}) == (
            status,
            body["preferences"]["mentioned"],
        )
        status, body = answer(
            client.put(
                "/api/notifications/preferences",
                headers=bob,
                json={"preferences": {"mentioned": {"email": False}}},
            )
        )
        assert (200, {"in_app": True, "email": False}) == (
            status,
            body["preferences"]["mentioned"],
        )
        assert {"in_app": True, "email": False} == client.get(
            "/api/notifications/preferences", headers=bob
        ).json()["preferences"]["mentioned"]
        bad: dict[str, Any]
        for bad in ({"preferences": {"nope": {}}}, {"preferences": 3}, {"x": 1}):
            assert (
                400
                == client.put("/api/notifications/preferences", headers=bob, json=bad).status_code
            )
