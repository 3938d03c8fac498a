"""``Idempotency-Key`` on creating POSTs over HTTP (T66), on the selected SQL backend."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from starlette.testclient import TestClient

from taskcore.services.tasks import TaskService

Account = tuple[int, dict[str, str]]
AccountFactory = Callable[..., Account]

KEY = "0b7f3c9e-5a4d-4e8b-9c1f-2d6a8e0f1b3c"


def new_project(client: TestClient, headers: dict[str, str], name: str = "Apollo") -> int:
    """Create a project; returns its id."""
    response = client.post("/api/projects", headers=headers, json={"name": name})
    assert 201 == response.status_code, response.text
    project_id: int = response.json()["project"]["id"]
    return project_id


def task_titles(client: TestClient, headers: dict[str, str], project_id: int) -> list[str]:
    """The titles of the project's tasks."""
    response = client.get(f"/api/projects/{project_id}/tasks", headers=headers)
    assert 200 == response.status_code, response.text
    return sorted(task["title"] for task in response.json()["tasks"])


@pytest.fixture
def alice(account: AccountFactory) -> dict[str, str]:
    """The bearer headers of a fresh user."""
    return account("alice")[1]


def with_key(headers: dict[str, str], key: str = KEY) -> dict[str, str]:
    """``headers`` plus the idempotency key."""
    return {**headers, "Idempotency-Key": key}


def test_same_key_and_body_replays_the_first_answer(
    client: TestClient, alice: dict[str, str]
) -> None:
    """A retry gets the first answer byte for byte, and only one task exists."""
    project = new_project(client, alice)
    url = f"/api/projects/{project}/tasks"
    first = client.post(url, headers=with_key(alice), json={"title": "Launch"})
    second = client.post(url, headers=with_key(alice), json={"title": "Launch"})
    assert 201 == first.status_code, first.text
    assert (201, first.content) == (second.status_code, second.content)
    assert first.headers["etag"] == second.headers["etag"]
    assert first.headers["content-type"] == second.headers["content-type"]
    assert "true" == second.headers["idempotent-replayed"]
    assert "idempotent-replayed" not in first.headers
    assert ["Launch"] == task_titles(client, alice, project)


def test_same_key_with_another_body_is_refused(client: TestClient, alice: dict[str, str]) -> None:
    """Reusing a key for a different request is a 422 naming the header; nothing is created."""
    project = new_project(client, alice)
    url = f"/api/projects/{project}/tasks"
    assert 201 == client.post(url, headers=with_key(alice), json={"title": "A"}).status_code
    reused = client.post(url, headers=with_key(alice), json={"title": "B"})
    assert 422 == reused.status_code
    assert "Idempotency-Key" in reused.json()["error"]
    other_path = client.post(
        f"/api/projects/{new_project(client, alice, 'Gemini')}/tasks",
        headers=with_key(alice),
        json={"title": "A"},
    )
    assert 422 == other_path.status_code
    assert ["A"] == task_titles(client, alice, project)


def test_without_a_key_every_post_acts(client: TestClient, alice: dict[str, str]) -> None:
    """Without the header the route behaves as before: two posts, two tasks."""
    project = new_project(client, alice)
    url = f"/api/projects/{project}/tasks"
    for _ in range(2):
        assert 201 == client.post(url, headers=alice, json={"title": "Twice"}).status_code
    assert ["Twice", "Twice"] == task_titles(client, alice, project)


def test_keys_belong_to_their_user(client: TestClient, account: AccountFactory) -> None:
    """Two users using the same key each get their own project."""
    alice, bob = account("alice")[1], account("bob")[1]
    first = client.post("/api/projects", headers=with_key(alice), json={"name": "Same"})
    second = client.post("/api/projects", headers=with_key(bob), json={"name": "Same"})
    assert (201, 201) == (first.status_code, second.status_code)
    assert first.json()["project"]["id"] != second.json()["project"]["id"]


def test_comments_replay(client: TestClient, alice: dict[str, str]) -> None:
    """A retried comment is stored once."""
    project = new_project(client, alice)
    task = client.post(f"/api/projects/{project}/tasks", headers=alice, json={"title": "T"})
    url = f"/api/tasks/{task.json()['task']['id']}/comments"
    answers = [
        client.post(url, headers=with_key(alice), json={"content": "Looks good"}) for _ in range(3)
    ]
    assert [201] * 3 == [a.status_code for a in answers]
    assert 1 == len({a.content for a in answers})
    listed = client.get(url, headers=alice).json()
    assert 1 == len(listed["comments"])


@pytest.mark.parametrize("key", ["", "x" * 256, " padded", "tab\tinside"])
def test_invalid_key_is_a_400_naming_the_header(
    client: TestClient, alice: dict[str, str], key: str
) -> None:
    """An empty, too long or non-printable key is refused before anything runs."""
    response = client.post("/api/projects", headers=with_key(alice, key), json={"name": "X"})
    assert 400 == response.status_code
    assert "Idempotency-Key" in response.json()["error"]
    assert [] == client.get("/api/projects", headers=alice).json()["projects"]


def test_an_error_releases_the_key(client: TestClient, alice: dict[str, str]) -> None:
    """A refused request stores nothing: the corrected request with the same key runs."""
    project = new_project(client, alice)
    url = f"/api/projects/{project}/tasks"
    refused = client.post(url, headers=with_key(alice), json={"title": "T", "status": "bogus"})
    assert 400 == refused.status_code
    accepted = client.post(url, headers=with_key(alice), json={"title": "T"})
    assert 201 == accepted.status_code
    assert ["T"] == task_titles(client, alice, project)


def test_a_key_needs_authentication(client: TestClient) -> None:
    """The header does not get around authentication."""
    response = client.post("/api/projects", headers={"Idempotency-Key": KEY}, json={"name": "X"})
    assert 401 == response.status_code


def test_same_key_while_running_is_a_409_then_a_replay(
    client: TestClient, alice: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the first request runs, a duplicate gets 409 with Retry-After; afterwards the
    replay; the task is created once."""
    project = new_project(client, alice)
    url = f"/api/projects/{project}/tasks"
    entered, finish = threading.Event(), threading.Event()
    original = TaskService.create_task

    def held(self: TaskService, *args: Any, **kwargs: Any) -> Any:
        entered.set()
        assert finish.wait(10)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(TaskService, "create_task", held)
    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(client.post, url, headers=with_key(alice), json={"title": "Once"})
        assert entered.wait(10)
        duplicate = client.post(url, headers=with_key(alice), json={"title": "Once"})
        finish.set()
        answer = first.result(timeout=10)
    assert 409 == duplicate.status_code
    assert "Idempotency-Key" in duplicate.json()["error"]
    assert "1" == duplicate.headers["retry-after"]
    assert 201 == answer.status_code
    monkeypatch.setattr(TaskService, "create_task", original)
    replay = client.post(url, headers=with_key(alice), json={"title": "Once"})
    assert (201, answer.content) == (replay.status_code, replay.content)
    assert ["Once"] == task_titles(client, alice, project)


def test_racing_duplicates_execute_once(client: TestClient, alice: dict[str, str]) -> None:
    """Eight simultaneous requests with one key: one task; every 201 is the same answer and
    the others are 409."""
    project = new_project(client, alice)
    url = f"/api/projects/{project}/tasks"
    start = threading.Barrier(8)

    def attempt(_: int) -> tuple[int, bytes]:
        start.wait(10)
        response = client.post(url, headers=with_key(alice), json={"title": "Race"})
        return response.status_code, response.content

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(attempt, range(8)))
    assert {201, 409} >= {status for status, _ in results}
    assert 1 == len({body for status, body in results if status == 201})
    assert ["Race"] == task_titles(client, alice, project)


def test_the_header_is_documented(client: TestClient) -> None:
    """Creating POSTs document the optional header and its 409 and 422 answers."""
    spec = client.get("/openapi.json").json()
    operation = spec["paths"]["/api/projects/{project_id}/tasks"]["post"]
    header = next(p for p in operation["parameters"] if p["name"] == "Idempotency-Key")
    assert ("header", False) == (header["in"], header["required"])
    assert {"400", "409", "422"} <= set(operation["responses"])
    assert "get" not in spec["paths"]["/api/projects/{project_id}/tasks"] or all(
        p["name"] != "Idempotency-Key"
        for p in spec["paths"]["/api/projects/{project_id}/tasks"]["get"].get("parameters", [])
    )
