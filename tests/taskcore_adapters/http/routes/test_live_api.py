"""Live updates over HTTP: the project and inbox streams (Server-Sent Events), read
through the test client while the application runs on the selected SQL backend."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
import pytest
from starlette.testclient import TestClient

from taskcore_adapters.bootstrap import Runtime, from_settings
from taskcore_adapters.config import Settings
from taskcore_adapters.http.routes.live import LiveOptions
from taskcore_adapters.live.stream import StreamOptions
from taskcore_adapters.security import Argon2PasswordHasher
from taskcore_adapters.web.session import ACCESS_COOKIE

Account = tuple[int, dict[str, str]]

FAST = LiveOptions(interval=0.02, stream=StreamOptions(heartbeat=0.1, recheck=0.3))
DEADLINE = 5.0
"""Seconds a test waits for an expected message before failing (never reached when
the stream works: each event arrives within a reading round)."""


@attrs.frozen
class Message:
    """One Server-Sent Event."""

    event: str
    data: Any
    id: str | None


class Stream:
    """The messages of an open stream, read as they come (heartbeats are skipped)."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self.heartbeats = 0

    def next(self, deadline: float = DEADLINE) -> Message:
        """The next message; fails after ``deadline`` seconds."""
        started = time.monotonic()
        fields: dict[str, str] = {}
        for line in self._lines:
            assert time.monotonic() - started < deadline, "no message in time"
            if line.startswith(":"):
                self.heartbeats += 1
            elif line == "":
                if "event" in fields:
                    return Message(fields["event"], json.loads(fields["data"]), fields.get("id"))
                fields = {}
            else:
                name, _, value = line.partition(": ")
                fields[name] = value
        raise AssertionError("the stream ended")

    def until(self, event: str) -> tuple[list[Message], Message]:
        """Messages up to the next ``event`` one: those before it, and it."""
        before: list[Message] = []
        while True:
            found = self.next()
            if found.event == event:
                return before, found
            before.append(found)


@pytest.fixture
def live(client: TestClient) -> TestClient:
    """The test client, its application serving streams with short timings."""
    client.app.state.live_options = FAST  # type: ignore[attr-defined]
    return client


@contextmanager
def opened(
    client: TestClient, path: str, headers: dict[str, str], last: str | None = None
) -> Iterator[Stream]:
    extra = {"Accept": "text/event-stream", **({"Last-Event-ID": last} if last else {})}
    with client.stream("GET", path, headers={**headers, **extra}) as response:
        assert 200 == response.status_code
        assert response.headers["content-type"].startswith("text/event-stream")
        yield Stream(response.iter_lines())


def project(client: TestClient, owner: dict[str, str]) -> int:
    response = client.post("/api/projects", json={"name": "Live"}, headers=owner)
    assert 201 == response.status_code, response.text
    return int(response.json()["project"]["id"])


def join(client: TestClient, owner: dict[str, str], project_id: int, who: Account) -> None:
    response = client.post(
        f"/api/projects/{project_id}/members",
        headers=owner,
        json={"user_id": who[0], "role": "member"},
    )
    assert 202 == response.status_code, response.text
    invitation = response.json()["invitation"]["id"]
    accepted = client.post(f"/api/invitations/{invitation}/accept", headers=who[1])
    assert 200 == accepted.status_code, accepted.text


def new_task(client: TestClient, headers: dict[str, str], project_id: int, title: str) -> int:
    response = client.post(
        f"/api/projects/{project_id}/tasks", json={"title": title}, headers=headers
    )
    assert 201 == response.status_code, response.text
    return int(response.json()["task"]["id"])


@pytest.fixture
def team(live: TestClient, account: Callable[..., Account]) -> tuple[Account, Account, int]:
    """Alice owns a project Bob is a member of."""
    alice, bob = account("alice"), account("bob")
    project_id = project(live, alice[1])
    join(live, alice[1], project_id, bob)
    return alice, bob, project_id


class TestProjectStream:
    def test_sees_cards_added_edited_moved_deleted_by_another(
        self, live: TestClient, team: tuple[Account, Account, int]
    ) -> None:
        """A member's stream carries another member's task changes, in order, each
        with an id."""
        alice, bob, project_id = team
        with opened(live, f"/api/projects/{project_id}/events", bob[1]) as stream:
            ready = stream.next()
            assert "ready" == ready.event
            assert ready.id == ready.data["cursor"]
            task_id = new_task(live, alice[1], project_id, "Card")
            live.put(f"/api/tasks/{task_id}", json={"title": "Card 2"}, headers=alice[1])
            live.put(f"/api/tasks/{task_id}", json={"status": "in_progress"}, headers=alice[1])
            live.delete(f"/api/tasks/{task_id}", headers=alice[1])
            before, gone = stream.until("task.deleted")
        seen = [*before, gone]
        names = [m.event for m in seen]
        assert "task.created" == names[0]
        assert "task.status_changed" in names
        assert "task.updated" in names
        assert {task_id} == {m.data["entity_id"] for m in seen}
        assert "Card" == seen[0].data["details"]["title"]
        assert all(m.id for m in seen)

    def test_resumes_after_a_reconnect_without_missing_anything(
        self, live: TestClient, team: tuple[Account, Account, int]
    ) -> None:
        """Reconnecting with the last id received delivers exactly what happened while
        disconnected, even events that came before the first one of the old stream was
        read."""
        alice, bob, project_id = team
        with opened(live, f"/api/projects/{project_id}/events", bob[1]) as stream:
            stream.next()
            first = new_task(live, alice[1], project_id, "One")
            received = stream.next()
            assert first == received.data["entity_id"]
        later = [new_task(live, alice[1], project_id, f"Task {n}") for n in range(3)]
        path = f"/api/projects/{project_id}/events"
        with opened(live, path, bob[1], last=received.id) as stream:
            assert "ready" == stream.next().event
            caught_up = [stream.next() for _ in range(3)]
            last = new_task(live, alice[1], project_id, "Live again")
            fresh = stream.next()
        assert later == [m.data["entity_id"] for m in caught_up]
        assert last == fresh.data["entity_id"]

    def test_events_from_another_process_arrive(
        self,
        live: TestClient,
        team: tuple[Account, Account, int],
        runtime: Runtime,
        tmp_path: Path,
        hasher: Argon2PasswordHasher,
    ) -> None:
        """A change committed by another taskcore on the same database (as another server
        process would) reaches the stream: events come from the database."""
        alice, bob, project_id = team
        assert runtime.engine is not None
        other = from_settings(
            Settings(
                data_dir=tmp_path / "other",
                database_url=runtime.engine.url.render_as_string(hide_password=False),
                secret_key=runtime.settings.secret_key,
            ),
            password_hasher=hasher,
            migrate=False,
        )
        try:
            token = alice[1]["Authorization"].removeprefix("Bearer ")
            principal = other.core.users.authenticate(token)
            with opened(live, f"/api/projects/{project_id}/events", bob[1]) as stream:
                stream.next()
                made = other.core.tasks.create_task(principal, project_id, title="Elsewhere")
                message = stream.next()
        finally:
            other.close()
        assert ("task.created", made.id) == (message.event, message.data["entity_id"])

    def test_other_projects_and_outsiders(
        self,
        live: TestClient,
        team: tuple[Account, Account, int],
        account: Callable[..., Account],
    ) -> None:
        """Another project's events stay out of the stream; an outsider gets 404, a
        request without a token 401."""
        alice, bob, project_id = team
        carol = account("carol")
        elsewhere = project(live, carol[1])
        path = f"/api/projects/{project_id}/events"
        wants = {"Accept": "text/event-stream"}
        assert 404 == live.get(path, headers={**carol[1], **wants}).status_code
        assert 401 == live.get(path, headers=wants).status_code
        assert 406 == live.get(path, headers=bob[1]).status_code
        with opened(live, f"/api/projects/{project_id}/events", bob[1]) as stream:
            stream.next()
            new_task(live, carol[1], elsewhere, "Not yours")
            mine = new_task(live, alice[1], project_id, "Yours")
            assert mine == stream.next().data["entity_id"]

    def test_a_removed_member_is_cut_off(
        self, live: TestClient, team: tuple[Account, Account, int]
    ) -> None:
        """When a member is removed, their stream says so and ends."""
        alice, bob, project_id = team
        with opened(live, f"/api/projects/{project_id}/events", bob[1]) as stream:
            stream.next()
            removed = live.delete(f"/api/projects/{project_id}/members/{bob[0]}", headers=alice[1])
            assert removed.status_code in (200, 204), removed.text
            _, closed = stream.until("closed")
        assert {"reason": "access"} == closed.data

    def test_a_member_removed_from_the_granting_team_is_cut_off(
        self, live: TestClient, account: Callable[..., Account]
    ) -> None:
        """A stream followed through a team's role ends when its subscriber leaves the
        team's membership."""
        alice, carol = account("alice"), account("carol")
        project_id = project(live, alice[1])
        made = live.post("/api/teams", json={"name": "Live team"}, headers=alice[1])
        team_id = made.json()["team"]["id"]
        live.post(f"/api/teams/{team_id}/members", json={"username": "carol"}, headers=alice[1])
        granted = live.post(
            f"/api/projects/{project_id}/teams", json={"team_id": team_id}, headers=alice[1]
        )
        assert 201 == granted.status_code, granted.text
        with opened(live, f"/api/projects/{project_id}/events", carol[1]) as stream:
            stream.next()
            path = f"/api/teams/{team_id}/members/{carol[0]}"
            assert 200 == live.delete(path, headers=alice[1]).status_code
            _, closed = stream.until("closed")
        assert {"reason": "access"} == closed.data

    def test_heartbeats_while_idle(
        self, live: TestClient, team: tuple[Account, Account, int]
    ) -> None:
        """An idle stream sends comment lines."""
        _, bob, project_id = team
        with opened(live, f"/api/projects/{project_id}/events", bob[1]) as stream:
            stream.next()
            for line in stream._lines:
                if line.startswith(":"):
                    break

    @pytest.mark.parametrize(("where", "value"), [("Last-Event-ID", "nonsense"), ("after", "12+")])
    def test_a_bad_cursor_is_refused_naming_it(
        self, live: TestClient, team: tuple[Account, Account, int], where: str, value: str
    ) -> None:
        """A resume point no stream sends is a 400 naming the header or parameter."""
        _, bob, project_id = team
        path = f"/api/projects/{project_id}/events"
        headers = {**bob[1], "Accept": "text/event-stream"}
        if where == "after":
            response = live.get(path, params={"after": value}, headers=headers)
        else:
            response = live.get(path, headers={**headers, where: value})
        assert 400 == response.status_code
        assert where in response.json()["error"]

    def test_streams_per_user_are_capped(
        self, live: TestClient, team: tuple[Account, Account, int]
    ) -> None:
        """Beyond the cap a user's next stream is refused with 429 and Retry-After."""
        live.app.state.live_options = attrs.evolve(FAST, max_streams_per_user=1)  # type: ignore[attr-defined]
        _, bob, project_id = team
        path = f"/api/projects/{project_id}/events"
        wants = {**bob[1], "Accept": "text/event-stream"}
        with opened(live, path, bob[1]) as stream:
            stream.next()
            refused = live.get(path, headers=wants)
            assert 429 == refused.status_code
            assert "Retry-After" in refused.headers
        # The place is given back when the server has seen the stream end, which it
        # learns after the client closes: a refused client retries, as this one does.
        deadline = time.monotonic() + 10
        while True:
            with live.stream("GET", path, headers=wants) as response:
                if response.status_code == 200:
                    assert "ready" == Stream(response.iter_lines()).next().event
                    break
                assert 429 == response.status_code
            assert time.monotonic() < deadline, "the closed stream's place was never given back"
            time.sleep(0.05)


class TestInboxStream:
    def test_carries_the_callers_new_notifications(
        self, live: TestClient, team: tuple[Account, Account, int]
    ) -> None:
        """The in-app notification of a task assigned to the caller arrives on their inbox
        stream; one for someone else (Bob assigning Alice) does not."""
        alice, bob, project_id = team
        with opened(live, "/api/notifications/events", bob[1]) as stream:
            stream.next()
            for by, to, title in ((bob, alice, "For Alice"), (alice, bob, "For Bob")):
                response = live.post(
                    f"/api/projects/{project_id}/tasks",
                    json={"title": title, "assignee_id": to[0]},
                    headers=by[1],
                )
                assert 201 == response.status_code, response.text
            message = stream.next()
        assert "notification" == message.event
        assert "For Bob" in json.dumps(message.data)


class TestPageStream:
    def test_the_session_cookie_opens_the_board_stream(
        self, live: TestClient, team: tuple[Account, Account, int]
    ) -> None:
        """The board's stream works with the session cookie, and refuses without one."""
        alice, bob, project_id = team
        token = bob[1]["Authorization"].removeprefix("Bearer ")
        wants = {"Accept": "text/event-stream"}
        assert 401 == live.get(f"/projects/{project_id}/live", headers=wants).status_code
        live.cookies.set(ACCESS_COOKIE, token)
        try:
            with opened(live, f"/projects/{project_id}/live", {}) as stream:
                stream.next()
                made = new_task(live, alice[1], project_id, "Seen on the board")
                assert made == stream.next().data["entity_id"]
        finally:
            live.cookies.clear()
