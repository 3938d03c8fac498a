"""The project webhook endpoints over HTTP, on the selected SQL backend."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from standardwebhooks import Webhook
from starlette.testclient import TestClient
from werkzeug import Request, Response

from taskcore_adapters.bootstrap import Runtime, from_settings
from taskcore_adapters.config import Settings
from taskcore_adapters.security import Argon2PasswordHasher

Account = tuple[int, dict[str, str]]
AccountFactory = Callable[..., Account]

URL = "https://hooks.example.com/taskcore"
WEBHOOK_KEYS = {
    "id",
    "project_id",
    "url",
    "event_types",
    "description",
    "is_active",
    "disabled_reason",
    "consecutive_failures",
    "secret_rotating_until",
    "created_by",
    "created_at",
    "updated_at",
}


def _project(client: TestClient, headers: dict[str, str]) -> int:
    response = client.post("/api/projects", json={"name": "Apollo"}, headers=headers)
    assert 201 == response.status_code, response.text
    project_id: int = response.json()["project"]["id"]
    return project_id


def _create(
    client: TestClient, headers: dict[str, str], project_id: int, **body: Any
) -> dict[str, Any]:
    response = client.post(
        f"/api/projects/{project_id}/webhooks", json={"url": URL, **body}, headers=headers
    )
    assert 201 == response.status_code, response.text
    answer: dict[str, Any] = response.json()
    return answer


class TestManage:
    def test_create_shows_secret_once(self, client: TestClient, account: AccountFactory) -> None:
        """The secret is in the creation answer only; get and list never show it."""
        user_id, headers = account("alice")
        project_id = _project(client, headers)
        created = _create(client, headers, project_id, event_types=["task.created"])
        assert created["secret"].startswith("whsec_")
        assert WEBHOOK_KEYS == set(created["webhook"])
        assert (user_id, ["task.created"], True) == (
            created["webhook"]["created_by"],
            created["webhook"]["event_types"],
            created["webhook"]["is_active"],
        )
        webhook_id = created["webhook"]["id"]
        one = client.get(f"/api/projects/{project_id}/webhooks/{webhook_id}", headers=headers)
        listing = client.get(f"/api/projects/{project_id}/webhooks", headers=headers)
        assert 200 == one.status_code
        assert created["secret"] not in one.text + listing.text
        assert [webhook_id] == [w["id"] for w in listing.json()["webhooks"]]
        assert 1 == listing.json()["pagination"]["total"]

    @pytest.mark.parametrize(
        ("body", "word"),
        [
            ({"url": "https://127.0.0.1/"}, "URL"),
            ({"url": "https://2130706433/"}, "URL"),
            ({"url": "ftp://hooks.example.com/"}, "URL"),
            ({"url": None}, "url"),
            ({"url": URL, "event_types": ["task.exploded"]}, "event type"),
            ({"url": URL, "event_types": "task.created"}, "event_types"),
            ({"url": URL, "is_active": "false"}, "is_active"),
        ],
    )
    def test_invalid_body_is_400(
        self, client: TestClient, account: AccountFactory, body: dict[str, Any], word: str
    ) -> None:
        """Bad input answers 400 naming the field."""
        _, headers = account("alice")
        project_id = _project(client, headers)
        response = client.post(f"/api/projects/{project_id}/webhooks", json=body, headers=headers)
        assert 400 == response.status_code
        assert word.lower() in response.json()["error"].lower()

    def test_roles(self, client: TestClient, account: AccountFactory) -> None:
        """Members and viewers get 403, strangers 404, admins may manage."""
        _, owner = account("alice")
        member_id, member = account("bob")
        viewer_id, viewer = account("carol")
        _, stranger = account("dave")
        project_id = _project(client, owner)
        for user_id, headers, role in (
            (member_id, member, "member"),
            (viewer_id, viewer, "viewer"),
        ):
            invited = client.post(
                f"/api/projects/{project_id}/members",
                json={"user_id": user_id, "role": role},
                headers=owner,
            )
            assert 202 == invited.status_code
            invitation_id = invited.json()["invitation"]["id"]
            accepted = client.post(f"/api/invitations/{invitation_id}/accept", headers=headers)
            assert 200 == accepted.status_code
        path = f"/api/projects/{project_id}/webhooks"
        assert 403 == client.get(path, headers=member).status_code
        assert 403 == client.post(path, json={"url": URL}, headers=viewer).status_code
        assert 404 == client.get(path, headers=stranger).status_code
        assert 401 == client.get(path).status_code

    def test_admin_may_manage(
        self, client: TestClient, account: AccountFactory, admin: AccountFactory
    ) -> None:
        """An administrator who is not a member manages a project's webhooks."""
        _, owner = account("alice")
        _, root = admin()
        project_id = _project(client, owner)
        _create(client, root, project_id)
        listing = client.get(f"/api/projects/{project_id}/webhooks", headers=owner)
        assert 1 == len(listing.json()["webhooks"])

    def test_patch_delete_and_rotate(self, client: TestClient, account: AccountFactory) -> None:
        """PATCH changes the fields given; rotate gives a new secret; DELETE removes."""
        _, headers = account("alice")
        project_id = _project(client, headers)
        created = _create(client, headers, project_id)
        path = f"/api/projects/{project_id}/webhooks/{created['webhook']['id']}"
        patched = client.patch(
            path, json={"description": "CI", "is_active": False}, headers=headers
        )
        assert 200 == patched.status_code, patched.text
        assert ("CI", False, URL) == (
            patched.json()["webhook"]["description"],
            patched.json()["webhook"]["is_active"],
            patched.json()["webhook"]["url"],
        )
        bad = client.patch(path, json={"url": "https://10.0.0.1/"}, headers=headers)
        assert 400 == bad.status_code
        rotated = client.post(path + "/rotate-secret", headers=headers)
        assert 200 == rotated.status_code
        assert rotated.json()["secret"] != created["secret"]
        assert rotated.json()["webhook"]["secret_rotating_until"] is not None
        assert 200 == client.delete(path, headers=headers).status_code
        assert 404 == client.get(path, headers=headers).status_code
        assert 404 == client.get(path + "/deliveries", headers=headers).status_code

    def test_unknown_webhook_is_404(self, client: TestClient, account: AccountFactory) -> None:
        """A webhook id that does not exist in the project is 404."""
        _, headers = account("alice")
        project_id = _project(client, headers)
        path = f"/api/projects/{project_id}/webhooks/999"
        assert 404 == client.get(path, headers=headers).status_code
        assert 404 == client.patch(path, json={"description": "x"}, headers=headers).status_code


@pytest.fixture
def receiver_runtime(
    tmp_path: Path, database_url: str, hasher: Argon2PasswordHasher, httpserver: HTTPServer
) -> Iterator[Runtime]:
    """A runtime whose webhooks may reach the loopback receiver (and nothing else local)."""
    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        secret_key="x" * 48,
        auth_rate_per_address="10000/minute",
        webhook_allow_http=True,
        webhook_allow_hosts=(f"127.0.0.1:{httpserver.port}",),
        webhook_timeout_seconds=2,
    )
    runtime = from_settings(settings, password_hasher=hasher, migrate=False)
    try:
        yield runtime
    finally:
        runtime.close()


class TestDeliveries:
    def test_event_reaches_receiver_and_is_listed(
        self,
        receiver_runtime: Runtime,
        serve: Callable[[Runtime], TestClient],
        httpserver: HTTPServer,
    ) -> None:
        """Creating a task POSTs a verifiable message; the delivery is listed as delivered."""
        received: list[Request] = []

        def record(request: Request) -> Response:
            received.append(request)
            return Response("ok", 200)

        httpserver.expect_request("/hook", method="POST").respond_with_handler(record)
        client = serve(receiver_runtime)
        register = {
            "username": "alice",
            "email": "a@example.com",
            "password": "correct horse battery",
            "full_name": "Alice",
        }
        registered = client.post("/api/register", json=register)
        assert 201 == registered.status_code, registered.text
        token = client.post("/api/login", json=register).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        project_id = _project(client, headers)
        answer = client.post(
            f"/api/projects/{project_id}/webhooks",
            json={
                "url": f"http://127.0.0.1:{httpserver.port}/hook",
                "event_types": ["task.created"],
            },
            headers=headers,
        )
        assert 201 == answer.status_code, answer.text
        created = answer.json()
        task = client.post(
            f"/api/projects/{project_id}/tasks", json={"title": "Launch"}, headers=headers
        )
        assert 201 == task.status_code, task.text
        assert receiver_runtime.core.jobs.drain(10), "the webhooks lane did not finish"
        assert 1 == len(received)
        payload = Webhook(created["secret"]).verify(
            received[0].get_data(), dict(received[0].headers)
        )
        assert ("task.created", task.json()["task"]["id"]) == (
            payload["type"],
            payload["data"]["entity_id"],
        )
        listing = client.get(
            f"/api/projects/{project_id}/webhooks/{created['webhook']['id']}/deliveries",
            headers=headers,
        )
        [delivery] = listing.json()["deliveries"]
        assert ("delivered", 1, 200, received[0].headers["webhook-id"]) == (
            delivery["status"],
            delivery["attempts"],
            delivery["last_status_code"],
            delivery["message_id"],
        )
        bad = client.get(
            f"/api/projects/{project_id}/webhooks/{created['webhook']['id']}/deliveries",
            params={"status": "lost"},
            headers=headers,
        )
        assert 400 == bad.status_code


def test_the_webhook_after_the_cap_is_refused_with_409(
    tmp_path: Path,
    database_url: str,
    hasher: Argon2PasswordHasher,
    serve: Callable[[Runtime], TestClient],
) -> None:
    """With room for two webhooks, the third answers 409 naming the limit (documented)."""
    runtime = from_settings(
        Settings(
            data_dir=tmp_path / "capped",
            database_url=database_url,
            secret_key="k" * 48,
            auth_rate_per_address="10000/minute",
            webhooks_per_project=2,
        ),
        password_hasher=hasher,
    )
    try:
        client = serve(runtime)
        register = {
            "username": "alice",
            "email": "a@example.com",
            "password": "correct horse battery",
            "full_name": "Alice",
        }
        assert 201 == client.post("/api/register", json=register).status_code
        token = client.post("/api/login", json=register).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        project_id = _project(client, headers)
        answers = [
            client.post(
                f"/api/projects/{project_id}/webhooks",
                json={"url": f"https://hooks.example.com/{n}"},
                headers=headers,
            )
            for n in range(3)
        ]
        assert [201, 201, 409] == [a.status_code for a in answers]
        assert {"error": "A project may have at most 2 webhooks"} == answers[2].json()
    finally:
        runtime.close()
