"""The comment endpoints over HTTP, on the selected SQL backend."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from taskcore.domain.events import DomainEvent
from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.sql.events import decode
from taskcore_adapters.sql.tables import outbox

Account = tuple[int, dict[str, str]]
AccountFactory = Callable[..., Account]

COMMENT_KEYS = {"id", "content", "created_at", "updated_at", "task_id", "author_id", "author_name"}
"""The original's keys, ``author_name`` included."""
NEW_COMMENT_KEYS = {"project_id", "mentions", "version"}
TASK_MISSING = {"error": "Task not found or access denied"}
NOT_FOUND = {"error": "Comment not found"}
EDIT_DENIED = {"error": "You do not have permission to edit this comment"}
DELETE_DENIED = {"error": "You do not have permission to delete this comment"}
STALE = {"error": "The resource was modified; reload and retry"}
FRAMEWORK_404 = {
    "error": "Not Found",
    "message": "404 Not Found: The requested URL was not found on the server. If you entered "
    "the URL manually please check your spelling and try again.",
}


def now_naive() -> dt.datetime:
    """The current time as naive UTC, the wire's datetime form."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def error_of(response: Any) -> tuple[int, Any]:
    """The status and JSON body of an answer."""
    return response.status_code, response.json()


def post(
    client: TestClient, headers: dict[str, str], task_id: int, content: str = "Looks good"
) -> dict[str, Any]:
    """Comment on a task, asserting success; returns the comment object."""
    response = client.post(
        f"/api/tasks/{task_id}/comments", headers=headers, json={"content": content}
    )
    assert 201 == response.status_code, response.text
    comment: dict[str, Any] = response.json()["comment"]
    return comment


def read(client: TestClient, headers: dict[str, str], comment_id: int) -> dict[str, Any]:
    """A comment as read through the API, asserting success."""
    response = client.get(f"/api/comments/{comment_id}", headers=headers)
    assert 200 == response.status_code, response.text
    comment: dict[str, Any] = response.json()["comment"]
    return comment


def listed(client: TestClient, headers: dict[str, str], task_id: int) -> list[str]:
    """The contents of a task's comments, in the order listed."""
    response = client.get(f"/api/tasks/{task_id}/comments", headers=headers)
    assert 200 == response.status_code, response.text
    return [c["content"] for c in response.json()["comments"]]


def events(runtime: Runtime) -> list[DomainEvent]:
    """Every event recorded in the outbox so far (published or not), oldest first."""
    assert runtime.engine is not None
    with runtime.engine.connect() as conn:
        rows = conn.execute(select(outbox.c.name, outbox.c.payload).order_by(outbox.c.id)).all()
    return [decode(row.name, row.payload) for row in rows]


@pytest.fixture
def team(account: AccountFactory) -> dict[str, Account]:
    """Four accounts: the owner alice, the member bob, the viewer carol, the outsider dave."""
    return {name: account(name) for name in ("alice", "bob", "carol", "dave")}


@pytest.fixture
def project(client: TestClient, team: dict[str, Account]) -> int:
    """A project of alice's with bob as member and carol as viewer; returns its id."""
    alice = team["alice"][1]
    response = client.post("/api/projects", headers=alice, json={"name": "Apollo"})
    project_id: int = response.json()["project"]["id"]
    for name, role in (("bob", "member"), ("carol", "viewer")):
        invited = client.post(
            f"/api/projects/{project_id}/members",
            headers=alice,
            json={"user_id": team[name][0], "role": role},
        )
        invitation_id = invited.json()["invitation"]["id"]
        client.post(f"/api/invitations/{invitation_id}/accept", headers=team[name][1])
    return project_id


def new_task(client: TestClient, headers: dict[str, str], project_id: int) -> int:
    """Create a task in the project; returns its id."""
    response = client.post(
        f"/api/projects/{project_id}/tasks", headers=headers, json={"title": "Launch"}
    )
    assert 201 == response.status_code, response.text
    task_id: int = response.json()["task"]["id"]
    return task_id


@pytest.fixture
def task(client: TestClient, team: dict[str, Account], project: int) -> int:
    """A task in the shared project; returns its id."""
    return new_task(client, team["alice"][1], project)


class TestAddComment:
    """POST /api/tasks/{id}/comments (C1)."""

    def test_created_comment_shape(
        self, client: TestClient, team: dict[str, Account], project: int, task: int
    ) -> None:
        """A comment answers 201 with the message, the original keys and three more."""
        bob_id, bob = team["bob"]
        before = now_naive()
        response = client.post(
            f"/api/tasks/{task}/comments", headers=bob, json={"content": "  Ready to go  "}
        )
        body = response.json()
        comment = body["comment"]
        assert 201 == response.status_code
        assert COMMENT_KEYS | NEW_COMMENT_KEYS == set(comment)
        assert {
            "message": "Comment added successfully",
            "comment": {
                "id": comment["id"],
                "content": "Ready to go",
                "created_at": comment["created_at"],
                "updated_at": comment["created_at"],
                "task_id": task,
                "author_id": bob_id,
                "author_name": "bob",
                "project_id": project,
                "mentions": [],
                "version": 1,
            },
        } == body
        created = dt.datetime.fromisoformat(comment["created_at"])
        assert before - dt.timedelta(seconds=1) <= created <= now_naive() + dt.timedelta(seconds=1)
        assert f'"{comment["id"]}-1"' == response.headers["etag"]

    def test_mentions_of_members(
        self, client: TestClient, team: dict[str, Account], task: int, runtime: Runtime
    ) -> None:
        """``@username`` of project members is listed and notified; others are plain text."""
        comment = post(
            client, team["alice"][1], task, "@Bob and @carol, see @dave. Also @alice and bob@x.io"
        )
        assert ["bob", "carol", "alice"] == comment["mentions"]
        mentioned = [
            e.details["username"] for e in events(runtime) if e.name == "comment.user_mentioned"
        ]
        assert ["bob", "carol"] == mentioned

    @pytest.mark.parametrize("body", [{"text": "x"}, {"content": ""}, {"content": " \n "}])
    def test_content_is_required(
        self, client: TestClient, team: dict[str, Account], task: int, body: dict[str, Any]
    ) -> None:
        """Missing or blank content is ``Comment content is required``."""
        response = client.post(f"/api/tasks/{task}/comments", headers=team["bob"][1], json=body)
        assert (400, {"error": "Comment content is required"}) == error_of(response)

    @pytest.mark.parametrize(
        ("content", "error"),
        [
            (5, "content must be a string"),
            (["x"], "content must be a string"),
            ("x\x00", "content must be a string without NUL characters"),
            ("x" * 20_001, "content must be at most 20000 characters"),
        ],
    )
    def test_bad_content(
        self, client: TestClient, team: dict[str, Account], task: int, content: Any, error: str
    ) -> None:
        """Wrong types and over-long text are a 400 naming the field."""
        response = client.post(
            f"/api/tasks/{task}/comments", headers=team["bob"][1], json={"content": content}
        )
        assert (400, {"error": error}) == error_of(response)

    def test_longest_content_fits(
        self, client: TestClient, team: dict[str, Account], task: int
    ) -> None:
        """Content of exactly 20,000 characters is stored."""
        assert 20_000 == len(post(client, team["bob"][1], task, "c" * 20_000)["content"])

    def test_task_is_checked_before_content(
        self, client: TestClient, team: dict[str, Account], task: int
    ) -> None:
        """An unknown task or a non-member is 404, even with empty content."""
        unknown = client.post(
            "/api/tasks/4242/comments", headers=team["bob"][1], json={"content": ""}
        )
        outsider = client.post(
            f"/api/tasks/{task}/comments", headers=team["dave"][1], json={"content": ""}
        )
        assert [(404, TASK_MISSING), (404, TASK_MISSING)] == [error_of(unknown), error_of(outsider)]

    @pytest.mark.parametrize("raw", [b"{}", b"[]", b"null", b"0"])
    def test_falsy_body_comes_first(
        self, client: TestClient, team: dict[str, Account], raw: bytes
    ) -> None:
        """A falsy body is ``Invalid JSON payload``, before the task is looked up."""
        response = client.post(
            "/api/tasks/4242/comments",
            headers={**team["bob"][1], "Content-Type": "application/json"},
            content=raw,
        )
        assert (400, {"error": "Invalid JSON payload"}) == error_of(response)

    def test_viewer_may_not_comment(
        self, client: TestClient, team: dict[str, Account], task: int
    ) -> None:
        """A viewer reads but cannot comment."""
        response = client.post(
            f"/api/tasks/{task}/comments", headers=team["carol"][1], json={"content": "hi"}
        )
        assert (403, {"error": "You do not have permission to comment on this task"}) == error_of(
            response
        )

    def test_admin_may_comment(self, client: TestClient, task: int, admin: AccountFactory) -> None:
        """An administrator comments on any task."""
        _, root = admin("root")
        assert "root" == post(client, root, task)["author_name"]

    def test_failed_comments_save_nothing(
        self, client: TestClient, team: dict[str, Account], task: int
    ) -> None:
        """Refused comments leave nothing behind."""
        bob = team["bob"][1]
        for body in ({"content": ""}, {"content": 1}, {"content": "x" * 20_001}):
            client.post(f"/api/tasks/{task}/comments", headers=bob, json=body)
        client.post(f"/api/tasks/{task}/comments", headers=team["carol"][1], json={"content": "x"})
        assert [] == listed(client, bob, task)

    def test_needs_a_token(self, client: TestClient, task: int) -> None:
        """Without a token nothing is added."""
        response = client.post(f"/api/tasks/{task}/comments", json={"content": "x"})
        assert (401, {"error": "Token is missing"}) == error_of(response)


class TestListComments:
    """GET /api/tasks/{id}/comments (C2)."""

    def test_oldest_first_with_pagination(
        self, client: TestClient, team: dict[str, Account], task: int
    ) -> None:
        """Comments come oldest first with the pagination block; viewers may read."""
        for n in range(3):
            post(client, team["alice"][1], task, f"c{n}")
        body = client.get(f"/api/tasks/{task}/comments", headers=team["carol"][1]).json()
        assert ["c0", "c1", "c2"] == [c["content"] for c in body["comments"]]
        assert {"page": 1, "pages": 1, "per_page": 20, "total": 3} == body["pagination"]
        assert all(COMMENT_KEYS | NEW_COMMENT_KEYS == set(c) for c in body["comments"])

    def test_pages_and_cursor(
        self, client: TestClient, team: dict[str, Account], task: int
    ) -> None:
        """Comments page by number and by cursor, stable while new ones arrive."""
        alice = team["alice"][1]
        for n in range(5):
            post(client, alice, task, f"c{n}")
        url = f"/api/tasks/{task}/comments?per_page=2"
        second = client.get(f"{url}&page=2", headers=alice).json()
        assert ["c2", "c3"] == [c["content"] for c in second["comments"]]
        seen: list[tuple[int, str]] = []
        cursor = ""
        while True:
            body = client.get(f"{url}&cursor={cursor}", headers=alice).json()
            seen.extend((c["id"], c["content"]) for c in body["comments"])
            if body["next_cursor"] is None:
                break
            cursor = body["next_cursor"]
            post(client, alice, task, "late")
        assert [f"c{n}" for n in range(5)] == [content for _, content in seen[:5]]
        assert {"late"} >= {content for _, content in seen[5:]}
        assert len(seen) == len({comment_id for comment_id, _ in seen})

    def test_invalid_cursor(self, client: TestClient, team: dict[str, Account], task: int) -> None:
        """A cursor that was not made for comments is refused."""
        response = client.get(f"/api/tasks/{task}/comments?cursor=abc", headers=team["bob"][1])
        assert (400, {"error": "Invalid cursor"}) == error_of(response)

    def test_outsider_and_unknown_task(
        self, client: TestClient, team: dict[str, Account], task: int
    ) -> None:
        """A non-member and an unknown task both get ``Task not found or access denied``."""
        dave = team["dave"][1]
        assert [(404, TASK_MISSING), (404, TASK_MISSING)] == [
            error_of(client.get(f"/api/tasks/{task}/comments", headers=dave)),
            error_of(client.get("/api/tasks/4242/comments", headers=team["bob"][1])),
        ]


class TestGetComment:
    """GET /api/comments/{id} (C3)."""

    @pytest.mark.parametrize("who", ["alice", "bob", "carol"])
    def test_members_read_it(
        self, client: TestClient, team: dict[str, Account], task: int, who: str
    ) -> None:
        """Every member of the project reads the comment, tagged with its version."""
        comment = post(client, team["bob"][1], task)
        response = client.get(f"/api/comments/{comment['id']}", headers=team[who][1])
        assert (200, {"comment": comment}, f'"{comment["id"]}-1"') == (
            response.status_code,
            response.json(),
            response.headers["etag"],
        )

    def test_outsider_is_told_it_does_not_exist(
        self, client: TestClient, team: dict[str, Account], task: int
    ) -> None:
        """A non-member gets the same 404 for an existing comment as for a missing one."""
        comment = post(client, team["bob"][1], task)
        response = client.get(f"/api/comments/{comment['id']}", headers=team["dave"][1])
        missing = client.get("/api/comments/4242", headers=team["dave"][1])
        assert [(404, NOT_FOUND)] * 2 == [error_of(response), error_of(missing)]

    def test_admin_reads_any_comment(
        self, client: TestClient, team: dict[str, Account], task: int, admin: AccountFactory
    ) -> None:
        """An administrator reads comments (the original refused them)."""
        comment = post(client, team["bob"][1], task)
        assert comment == read(client, admin()[1], comment["id"])

    def test_unknown_comment(self, client: TestClient, team: dict[str, Account]) -> None:
        """An id nobody has is ``Comment not found``."""
        response = client.get("/api/comments/4242", headers=team["bob"][1])
        assert (404, NOT_FOUND) == error_of(response)

    @pytest.mark.parametrize("comment_id", ["-1", "x", str(2**31), str(10**30)])
    def test_malformed_or_huge_id(
        self, client: TestClient, team: dict[str, Account], comment_id: str
    ) -> None:
        """A path id that is not a storable non-negative integer is the framework 404."""
        response = client.get(f"/api/comments/{comment_id}", headers=team["bob"][1])
        assert (404, FRAMEWORK_404) == error_of(response)


class TestEditComment:
    """PUT /api/comments/{id} (C4)."""

    def test_author_edits(self, client: TestClient, team: dict[str, Account], task: int) -> None:
        """The author changes the text; updated_at, version and ETag move on."""
        bob = team["bob"][1]
        comment = post(client, bob, task)
        response = client.put(
            f"/api/comments/{comment['id']}", headers=bob, json={"content": " Changed "}
        )
        body = response.json()
        edited = body["comment"]
        assert (200, "Comment updated successfully") == (response.status_code, body["message"])
        assert {
            **comment,
            "content": "Changed",
            "updated_at": edited["updated_at"],
            "version": 2,
        } == edited
        assert edited["updated_at"] > comment["updated_at"]
        assert f'"{comment["id"]}-2"' == response.headers["etag"]

    def test_admin_edits(
        self, client: TestClient, team: dict[str, Account], task: int, admin: AccountFactory
    ) -> None:
        """An administrator edits any comment."""
        comment = post(client, team["bob"][1], task)
        response = client.put(
            f"/api/comments/{comment['id']}", headers=admin()[1], json={"content": "moderated"}
        )
        assert (200, "moderated") == (response.status_code, response.json()["comment"]["content"])

    @pytest.mark.parametrize(
        ("who", "refusal"),
        [("alice", (403, EDIT_DENIED)), ("carol", (403, EDIT_DENIED)), ("dave", (404, NOT_FOUND))],
    )
    def test_others_may_not_edit(
        self,
        client: TestClient,
        team: dict[str, Account],
        task: int,
        who: str,
        refusal: tuple[int, Any],
    ) -> None:
        """The owner and a viewer cannot edit someone else's comment (403); an outsider is
        told it does not exist (404)."""
        comment = post(client, team["bob"][1], task)
        response = client.put(
            f"/api/comments/{comment['id']}", headers=team[who][1], json={"content": "x"}
        )
        assert refusal == error_of(response)
        assert comment == read(client, team["bob"][1], comment["id"])

    @pytest.mark.parametrize(
        ("body", "error"),
        [
            ({"text": "x"}, "No content provided for update"),
            ({"content": ""}, "Comment content cannot be empty"),
            ({"content": "   "}, "Comment content cannot be empty"),
            ({"content": None}, "Comment content cannot be empty"),
            ({"content": 3}, "content must be a string"),
            ({"content": "x" * 20_001}, "content must be at most 20000 characters"),
        ],
    )
    def test_bad_content(
        self,
        client: TestClient,
        team: dict[str, Account],
        task: int,
        body: dict[str, Any],
        error: str,
    ) -> None:
        """Missing, empty and malformed content is a 400 and nothing changes."""
        bob = team["bob"][1]
        comment = post(client, bob, task)
        response = client.put(f"/api/comments/{comment['id']}", headers=bob, json=body)
        assert (400, {"error": error}) == error_of(response)
        assert comment == read(client, bob, comment["id"])

    def test_order_of_checks(self, client: TestClient, team: dict[str, Account], task: int) -> None:
        """Body first, then existence, then permission, then content."""
        comment = post(client, team["bob"][1], task)
        url = f"/api/comments/{comment['id']}"
        assert [
            (400, {"error": "Invalid JSON payload"}),
            (404, NOT_FOUND),
            (403, EDIT_DENIED),
        ] == [
            error_of(client.put("/api/comments/4242", headers=team["bob"][1], json={})),
            error_of(client.put("/api/comments/4242", headers=team["bob"][1], json={"x": 1})),
            error_of(client.put(url, headers=team["alice"][1], json={"x": 1})),
        ]

    def test_if_match(self, client: TestClient, team: dict[str, Account], task: int) -> None:
        """A stale If-Match is 412 and changes nothing; the current one succeeds."""
        bob = team["bob"][1]
        comment = post(client, bob, task)
        url = f"/api/comments/{comment['id']}"
        first = client.put(
            url, headers={**bob, "If-Match": f'"{comment["id"]}-1"'}, json={"content": "A"}
        )
        stale = client.put(
            url, headers={**bob, "If-Match": f'"{comment["id"]}-1"'}, json={"content": "B"}
        )
        assert [200, (412, STALE)] == [first.status_code, error_of(stale)]
        assert "A" == read(client, bob, comment["id"])["content"]

    def test_edit_records_new_mentions(
        self, client: TestClient, team: dict[str, Account], task: int, runtime: Runtime
    ) -> None:
        """An edit notifies only the members newly mentioned."""
        bob = team["bob"][1]
        comment = post(client, bob, task, "hey @alice")
        client.put(
            f"/api/comments/{comment['id']}", headers=bob, json={"content": "hey @alice @carol"}
        )
        mentioned = [
            e.details["username"] for e in events(runtime) if e.name == "comment.user_mentioned"
        ]
        assert ["alice", "carol"] == mentioned


class TestDeleteComment:
    """DELETE /api/comments/{id} (C5)."""

    @pytest.mark.parametrize("who", ["bob", "alice"])
    def test_author_or_owner_deletes(
        self, client: TestClient, team: dict[str, Account], task: int, who: str
    ) -> None:
        """The author and the project owner delete; the comment is gone."""
        comment = post(client, team["bob"][1], task)
        response = client.delete(f"/api/comments/{comment['id']}", headers=team[who][1])
        assert (200, {"message": "Comment deleted successfully"}) == error_of(response)
        assert (404, NOT_FOUND) == error_of(
            client.get(f"/api/comments/{comment['id']}", headers=team["bob"][1])
        )

    def test_admin_deletes(
        self, client: TestClient, team: dict[str, Account], task: int, admin: AccountFactory
    ) -> None:
        """An administrator deletes any comment."""
        comment = post(client, team["bob"][1], task)
        assert (
            200 == client.delete(f"/api/comments/{comment['id']}", headers=admin()[1]).status_code
        )

    @pytest.mark.parametrize(
        ("who", "refusal"), [("carol", (403, DELETE_DENIED)), ("dave", (404, NOT_FOUND))]
    )
    def test_others_may_not_delete(
        self,
        client: TestClient,
        team: dict[str, Account],
        task: int,
        who: str,
        refusal: tuple[int, Any],
    ) -> None:
        """A viewer cannot delete someone else's comment (403); an outsider is told it does
        not exist (404)."""
        comment = post(client, team["bob"][1], task)
        response = client.delete(f"/api/comments/{comment['id']}", headers=team[who][1])
        assert refusal == error_of(response)
        assert comment == read(client, team["bob"][1], comment["id"])

    def test_member_may_not_delete_anothers(
        self, client: TestClient, team: dict[str, Account], task: int
    ) -> None:
        """A member who is not the author cannot delete."""
        comment = post(client, team["alice"][1], task)
        response = client.delete(f"/api/comments/{comment['id']}", headers=team["bob"][1])
        assert (403, DELETE_DENIED) == error_of(response)

    def test_unknown_comment(self, client: TestClient, team: dict[str, Account]) -> None:
        """Deleting a comment nobody has is ``Comment not found``."""
        response = client.delete("/api/comments/4242", headers=team["bob"][1])
        assert (404, NOT_FOUND) == error_of(response)

    def test_stale_if_match(self, client: TestClient, team: dict[str, Account], task: int) -> None:
        """A DELETE with an outdated ETag is 412 and the comment stays."""
        bob = team["bob"][1]
        comment = post(client, bob, task)
        edited = client.put(f"/api/comments/{comment['id']}", headers=bob, json={"content": "v2"})
        response = client.delete(
            f"/api/comments/{comment['id']}", headers={**bob, "If-Match": f'"{comment["id"]}-1"'}
        )
        assert (412, STALE) == error_of(response)
        assert edited.json()["comment"] == read(client, bob, comment["id"])

    def test_deletion_is_recorded(
        self, client: TestClient, team: dict[str, Account], task: int, runtime: Runtime
    ) -> None:
        """The deletion is recorded with the task and a snippet of the text."""
        comment = post(client, team["bob"][1], task, "x" * 80)
        client.delete(f"/api/comments/{comment['id']}", headers=team["bob"][1])
        deleted = [e for e in events(runtime) if e.name == "comment.deleted"]
        assert [(comment["id"], task, "x" * 50)] == [
            (e.entity_id, e.details["task_id"], e.details["content_snippet"]) for e in deleted
        ]


class TestCountComments:
    """GET /api/comments/count/{task_id} (C6), now behind a token and task access."""

    def test_count(self, client: TestClient, team: dict[str, Account], task: int) -> None:
        """Any member gets the task's comment count."""
        for n in range(3):
            post(client, team["bob"][1], task, f"c{n}")
        response = client.get(f"/api/comments/count/{task}", headers=team["carol"][1])
        assert (200, {"task_id": task, "comment_count": 3}) == error_of(response)

    def test_needs_a_token_and_access(
        self, client: TestClient, team: dict[str, Account], task: int
    ) -> None:
        """Anonymous callers get 401 (the original was public); non-members and unknown
        tasks 404."""
        assert [
            (401, {"error": "Token is missing"}),
            (404, TASK_MISSING),
            (404, TASK_MISSING),
        ] == [
            error_of(client.get(f"/api/comments/count/{task}")),
            error_of(client.get(f"/api/comments/count/{task}", headers=team["dave"][1])),
            error_of(client.get("/api/comments/count/4242", headers=team["bob"][1])),
        ]


class TestBulkDelete:
    """POST /api/comments/bulk-delete (C7), now for administrators only."""

    def test_deletes_the_comments_of_the_given_tasks(
        self,
        client: TestClient,
        team: dict[str, Account],
        project: int,
        admin: AccountFactory,
        runtime: Runtime,
    ) -> None:
        """Every comment of the given tasks goes, others stay; each deletion is recorded."""
        alice = team["alice"][1]
        first, second, kept = (new_task(client, alice, project) for _ in range(3))
        for task_id, count in ((first, 2), (second, 1), (kept, 1)):
            for n in range(count):
                post(client, alice, task_id, f"c{n}")
        response = client.post(
            "/api/comments/bulk-delete",
            headers=admin()[1],
            json={"task_ids": [first, second, first, 4242, 0]},
        )
        assert (200, {"message": "Successfully deleted 3 comments", "deleted_count": 3}) == (
            error_of(response)
        )
        assert [[], [], ["c0"]] == [listed(client, alice, t) for t in (first, second, kept)]
        assert 3 == len([e for e in events(runtime) if e.name == "comment.deleted"])

    def test_many_comments(
        self, client: TestClient, team: dict[str, Account], task: int, admin: AccountFactory
    ) -> None:
        """More comments than one batch are all deleted."""
        for n in range(105):
            post(client, team["bob"][1], task, f"c{n}")
        response = client.post(
            "/api/comments/bulk-delete", headers=admin()[1], json={"task_ids": [task]}
        )
        assert 105 == response.json()["deleted_count"]

    def test_nothing_to_delete(self, client: TestClient, admin: AccountFactory) -> None:
        """Unknown task ids delete nothing."""
        response = client.post(
            "/api/comments/bulk-delete", headers=admin()[1], json={"task_ids": [4242]}
        )
        assert (200, {"message": "Successfully deleted 0 comments", "deleted_count": 0}) == (
            error_of(response)
        )

    def test_needs_an_admin(self, client: TestClient, team: dict[str, Account], task: int) -> None:
        """Anonymous callers get 401 and ordinary users 403 (the original was public)."""
        comment = post(client, team["alice"][1], task)
        body = {"task_ids": [task]}
        assert [
            (401, {"error": "Token is missing"}),
            (403, {"error": "Admin privileges required"}),
        ] == [
            error_of(client.post("/api/comments/bulk-delete", json=body)),
            error_of(client.post("/api/comments/bulk-delete", headers=team["alice"][1], json=body)),
        ]
        assert comment == read(client, team["alice"][1], comment["id"])

    @pytest.mark.parametrize(
        ("body", "error"),
        [
            ({}, "No task IDs provided"),
            ({"task_ids": []}, "No task IDs provided"),
            ({"task_ids": None}, "No task IDs provided"),
            ({"other": [1]}, "No task IDs provided"),
            ({"task_ids": [1, "2"]}, "task_ids must be an array of ids"),
            ({"task_ids": 1}, "task_ids must be an array of ids"),
            ({"task_ids": [2**31]}, "task_ids must be an array of ids"),
            ({"task_ids": list(range(1, 1002))}, "At most 1000 task IDs per request"),
        ],
    )
    def test_bad_bodies(
        self, client: TestClient, admin: AccountFactory, body: dict[str, Any], error: str
    ) -> None:
        """Missing, empty or malformed task ids are a 400."""
        response = client.post("/api/comments/bulk-delete", headers=admin()[1], json=body)
        assert (400, {"error": error}) == error_of(response)


class TestCascades:
    """Comments go when their task or project goes."""

    def test_deleting_a_task_deletes_its_comments(
        self, client: TestClient, team: dict[str, Account], task: int, runtime: Runtime
    ) -> None:
        """After the task is deleted its comments answer 404 and the count is recorded."""
        alice = team["alice"][1]
        comments = [post(client, alice, task, f"c{n}")["id"] for n in range(2)]
        client.delete(f"/api/tasks/{task}", headers=alice)
        assert [(404, NOT_FOUND)] * 2 == [
            error_of(client.get(f"/api/comments/{cid}", headers=alice)) for cid in comments
        ]
        assert (404, TASK_MISSING) == error_of(
            client.get(f"/api/tasks/{task}/comments", headers=alice)
        )
        deleted = [e for e in events(runtime) if e.name == "task.deleted"]
        assert [2] == [e.details["comments_deleted"] for e in deleted]

    def test_deleting_a_project_deletes_its_comments(
        self,
        client: TestClient,
        team: dict[str, Account],
        project: int,
        task: int,
        runtime: Runtime,
    ) -> None:
        """After the project is deleted the comments of its tasks answer 404."""
        alice = team["alice"][1]
        comment = post(client, alice, task)
        client.delete(f"/api/projects/{project}", headers=alice)
        assert (404, NOT_FOUND) == error_of(
            client.get(f"/api/comments/{comment['id']}", headers=alice)
        )
        names = [e.name for e in events(runtime) if e.name in ("task.deleted", "project.deleted")]
        assert ["task.deleted", "project.deleted"] == names
