"""The project and membership endpoints over HTTP, on the selected SQL backend."""

from __future__ import annotations

import base64
import datetime as dt
import json
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from taskcore.domain.events import DomainEvent
from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.sql.events import decode
from taskcore_adapters.sql.tables import outbox

Account = tuple[int, dict[str, str]]
AccountFactory = Callable[..., Account]

PROJECT_KEYS = {
    "id",
    "name",
    "description",
    "status",
    "priority",
    "start_date",
    "end_date",
    "created_at",
    "updated_at",
    "owner_id",
    "task_count",
}
"""The original's 11 keys."""
NEW_PROJECT_KEYS = {"version", "role"}
MEMBER_KEYS = {"project_id", "user_id", "username", "full_name", "role", "added_at"}
FRAMEWORK_404 = {
    "error": "Not Found",
    "message": "404 Not Found: The requested URL was not found on the server. If you entered "
    "the URL manually please check your spelling and try again.",
}
STATUS_ERROR = "Invalid status. Must be one of ['active', 'completed', 'archived']"
PRIORITY_ERROR = "Invalid priority. Must be one of ['low', 'medium', 'high', 'critical']"
DATE_ERROR = "Invalid date format. Use YYYY-MM-DD"
ROLE_ERROR = "Invalid role. Must be one of ['owner', 'member', 'viewer']"
STALE = {"error": "The resource was modified; reload and retry"}
NO_MATCH = {"error": "If-Match does not match the current version"}
SECRET_KEY = "x" * 48


def forged(order: str, value: Any, item_id: Any) -> str:
    """A cursor forged by hand, in the format the server writes."""
    raw = json.dumps({"o": order, "v": value, "i": item_id}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def now_naive() -> dt.datetime:
    """The current time as naive UTC, the wire's datetime form."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def create(client: TestClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    """Create a project (name ``Apollo`` unless given); returns the project object."""
    response = client.post("/api/projects", headers=headers, json={"name": "Apollo", **fields})
    assert 201 == response.status_code, response.text
    project: dict[str, Any] = response.json()["project"]
    return project


def read(client: TestClient, headers: dict[str, str], project_id: int) -> dict[str, Any]:
    """A project as its owner reads it, asserting success."""
    response = client.get(f"/api/projects/{project_id}", headers=headers)
    assert 200 == response.status_code, response.text
    project: dict[str, Any] = response.json()["project"]
    return project


INVITED = "Invitation sent; the user becomes a member by accepting it"


def join(
    client: TestClient, owner: dict[str, str], project_id: int, invitee: Account, role: str
) -> None:
    """Make ``invitee`` a member with ``role``: the owner's ``POST /members`` invites them
    (202) and they accept the invitation, asserting success."""
    response = client.post(
        f"/api/projects/{project_id}/members",
        headers=owner,
        json={"user_id": invitee[0], "role": role},
    )
    assert 202 == response.status_code, response.text
    invitation_id = response.json()["invitation"]["id"]
    accepted = client.post(f"/api/invitations/{invitation_id}/accept", headers=invitee[1])
    assert 200 == accepted.status_code, accepted.text


def error_of(response: Any) -> tuple[int, Any]:
    """The status and JSON body of an answer."""
    return response.status_code, response.json()


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
def shared(client: TestClient, team: dict[str, Account]) -> dict[str, Any]:
    """A project of alice's with bob as member and carol as viewer."""
    _, alice = team["alice"]
    project = create(client, alice)
    join(client, alice, project["id"], team["bob"], "member")
    join(client, alice, project["id"], team["carol"], "viewer")
    return project


class TestCreateProject:
    """POST /api/projects (P2)."""

    def test_created_project_shape(self, client: TestClient, account: AccountFactory) -> None:
        """A creation answers 201 with the message and the 11 original keys plus two."""
        alice_id, alice = account()
        before = now_naive()
        response = client.post(
            "/api/projects",
            headers=alice,
            json={
                "name": "Apollo",
                "description": "To the moon",
                "status": "active",
                "priority": "high",
                "start_date": "2026-01-01",
                "end_date": "2026-12-31",
            },
        )
        body = response.json()
        project = body["project"]
        assert 201 == response.status_code
        assert PROJECT_KEYS | NEW_PROJECT_KEYS == set(project)
        assert {
            "message": "Project created successfully",
            "project": {
                "id": project["id"],
                "name": "Apollo",
                "description": "To the moon",
                "status": "active",
                "priority": "high",
                "start_date": "2026-01-01",
                "end_date": "2026-12-31",
                "created_at": project["created_at"],
                "updated_at": project["created_at"],
                "owner_id": alice_id,
                "task_count": 0,
                "version": 1,
                "role": "owner",
            },
        } == body
        created = dt.datetime.fromisoformat(project["created_at"])
        assert before - dt.timedelta(seconds=1) <= created <= now_naive() + dt.timedelta(seconds=1)
        assert f'"{project["id"]}-1"' == response.headers["etag"]

    def test_defaults(self, client: TestClient, account: AccountFactory) -> None:
        """Only a name given: active, medium, empty description, no dates."""
        _, alice = account()
        project = create(client, alice)
        assert ("active", "medium", "", None, None) == (
            project["status"],
            project["priority"],
            project["description"],
            project["start_date"],
            project["end_date"],
        )

    def test_name_and_description_are_trimmed(
        self, client: TestClient, account: AccountFactory
    ) -> None:
        """White space around the name and the description is removed."""
        _, alice = account()
        project = create(client, alice, name="  Apollo \t", description="  moon  ")
        assert ("Apollo", "moon") == (project["name"], project["description"])

    @pytest.mark.parametrize("body", [{"description": "x"}, {"name": ""}, {"name": "  \n "}])
    def test_name_is_required(
        self, client: TestClient, account: AccountFactory, body: dict[str, Any]
    ) -> None:
        """A missing or blank name is ``Project name is required``."""
        _, alice = account()
        response = client.post("/api/projects", headers=alice, json=body)
        assert (400, {"error": "Project name is required"}) == error_of(response)

    @pytest.mark.parametrize("field", ["start_date", "end_date"])
    @pytest.mark.parametrize("value", ["2026/01/01", "2026-13-01", "01-01-2026", "2026-01-01T00"])
    def test_invalid_date(
        self, client: TestClient, account: AccountFactory, field: str, value: str
    ) -> None:
        """A date that is not ``YYYY-MM-DD`` is refused with the original's text."""
        _, alice = account()
        response = client.post("/api/projects", headers=alice, json={"name": "A", field: value})
        assert (400, {"error": DATE_ERROR}) == error_of(response)

    def test_empty_dates_are_no_dates(self, client: TestClient, account: AccountFactory) -> None:
        """Empty or null dates are ignored, as in the original."""
        _, alice = account()
        project = create(client, alice, start_date="", end_date=None)
        assert (None, None) == (project["start_date"], project["end_date"])

    def test_invalid_status_and_priority(self, client: TestClient, account: AccountFactory) -> None:
        """Unknown status and priority values list the allowed ones in Python notation."""
        _, alice = account()
        status = client.post("/api/projects", headers=alice, json={"name": "A", "status": "done"})
        priority = client.post(
            "/api/projects", headers=alice, json={"name": "A", "priority": "urgent"}
        )
        assert [(400, {"error": STATUS_ERROR}), (400, {"error": PRIORITY_ERROR})] == [
            error_of(status),
            error_of(priority),
        ]

    def test_checks_run_in_the_original_order(
        self, client: TestClient, account: AccountFactory
    ) -> None:
        """Name, then dates, then status, then priority."""
        _, alice = account()
        answers = [
            client.post("/api/projects", headers=alice, json=body).json()
            for body in (
                {"name": " ", "start_date": "x", "status": "x", "priority": "x"},
                {"name": "A", "end_date": "x", "status": "x", "priority": "x"},
                {"name": "A", "status": "x", "priority": "x"},
                {"name": "A", "priority": "x"},
            )
        ]
        assert [
            {"error": "Project name is required"},
            {"error": DATE_ERROR},
            {"error": STATUS_ERROR},
            {"error": PRIORITY_ERROR},
        ] == answers

    def test_end_date_before_start_date(self, client: TestClient, account: AccountFactory) -> None:
        """A project cannot end before it starts (the original accepted it)."""
        _, alice = account()
        response = client.post(
            "/api/projects",
            headers=alice,
            json={"name": "A", "start_date": "2026-02-01", "end_date": "2026-01-31"},
        )
        assert (400, {"error": "End date cannot be before start date"}) == error_of(response)

    def test_one_day_project(self, client: TestClient, account: AccountFactory) -> None:
        """Start and end on the same day is fine."""
        _, alice = account()
        project = create(client, alice, start_date="2026-02-01", end_date="2026-02-01")
        assert ("2026-02-01", "2026-02-01") == (project["start_date"], project["end_date"])

    @pytest.mark.parametrize(
        ("field", "value", "error"),
        [
            ("name", 5, "name must be a string"),
            ("name", ["A"], "name must be a string"),
            ("description", 1.5, "description must be a string"),
            ("status", True, "status must be a string"),
            ("start_date", 20260101, "start_date must be a string"),
            ("name", "Apollo\x00", "name must be a string without NUL characters"),
        ],
    )
    def test_wrong_json_types(
        self, client: TestClient, account: AccountFactory, field: str, value: Any, error: str
    ) -> None:
        """A value of the wrong JSON type is a 400 naming the field (the original gave 500)."""
        _, alice = account()
        body = {"name": "A", field: value}
        response = client.post("/api/projects", headers=alice, json=body)
        assert (400, {"error": error}) == error_of(response)

    def test_null_description_is_empty(self, client: TestClient, account: AccountFactory) -> None:
        """A null description is stored as the empty description."""
        _, alice = account()
        assert "" == create(client, alice, description=None)["description"]

    @pytest.mark.parametrize(
        ("field", "size", "error"),
        [
            ("name", 201, "name must be at most 200 characters"),
            ("description", 20_001, "description must be at most 20000 characters"),
        ],
    )
    def test_too_long(
        self, client: TestClient, account: AccountFactory, field: str, size: int, error: str
    ) -> None:
        """Over-long text is a 400 naming the field, never a database error."""
        _, alice = account()
        body = {"name": "A", field: "x" * size}
        response = client.post("/api/projects", headers=alice, json=body)
        assert (400, {"error": error}) == error_of(response)

    def test_longest_values_fit(self, client: TestClient, account: AccountFactory) -> None:
        """Text exactly at each limit is stored as given."""
        _, alice = account()
        project = create(client, alice, name="n" * 200, description="d" * 20_000)
        assert (200, 20_000) == (len(project["name"]), len(project["description"]))

    @pytest.mark.parametrize("raw", [b"{}", b"[]", b"null", b"0", b'""', b"false"])
    def test_falsy_body(self, client: TestClient, account: AccountFactory, raw: bytes) -> None:
        """A body that parses to a falsy value is ``Invalid JSON payload``."""
        _, alice = account()
        response = client.post(
            "/api/projects",
            headers={**alice, "Content-Type": "application/json"},
            content=raw,
        )
        assert (400, {"error": "Invalid JSON payload"}) == error_of(response)

    @pytest.mark.parametrize(
        ("raw", "error"),
        [
            (b"{not json", "Request body must be valid JSON"),
            (b'{"name": "A", "priority": NaN}', "Request body must be valid JSON"),
            (b'{"name": "A", "description": Infinity}', "Request body must be valid JSON"),
            (b'["A"]', "Request body must be a JSON object"),
            (b'{"name": "A\\ud800"}', "name must be valid Unicode text"),
        ],
    )
    def test_bad_bodies(
        self, client: TestClient, account: AccountFactory, raw: bytes, error: str
    ) -> None:
        """Bodies that are not a JSON object are a 400 (the original answered 500)."""
        _, alice = account()
        response = client.post(
            "/api/projects",
            headers={**alice, "Content-Type": "application/json"},
            content=raw,
        )
        assert (400, {"error": error}) == error_of(response)

    def test_unknown_keys_are_ignored(self, client: TestClient, account: AccountFactory) -> None:
        """Keys the original did not read (owner, counts, ids) change nothing."""
        alice_id, alice = account()
        project = create(client, alice, id=999, owner_id=12345, task_count=7, version=9)
        assert (alice_id, 0, 1) == (project["owner_id"], project["task_count"], project["version"])
        assert 999 != project["id"]

    def test_failed_creations_save_nothing(
        self, client: TestClient, account: AccountFactory
    ) -> None:
        """Refused creations leave no project behind."""
        _, alice = account()
        for body in (
            {"name": ""},
            {"name": "A", "status": "x"},
            {"name": "A", "start_date": "2026-02-02", "end_date": "2026-02-01"},
            {"name": "A" * 201},
        ):
            assert 400 == client.post("/api/projects", headers=alice, json=body).status_code
        listing = client.get("/api/projects", headers=alice).json()
        assert ([], 0) == (listing["projects"], listing["pagination"]["total"])

    def test_needs_a_token(self, client: TestClient) -> None:
        """Without a token nothing is created."""
        response = client.post("/api/projects", json={"name": "A"})
        assert (401, {"error": "Token is missing"}) == error_of(response)


class TestGetProject:
    """GET /api/projects/{id} (P3)."""

    def test_owner_reads_it(self, client: TestClient, account: AccountFactory) -> None:
        """The owner gets the project, tagged with its version."""
        _, alice = account()
        project = create(client, alice)
        response = client.get(f"/api/projects/{project['id']}", headers=alice)
        assert (200, {"project": project}, f'"{project["id"]}-1"') == (
            response.status_code,
            response.json(),
            response.headers["etag"],
        )

    @pytest.mark.parametrize(("who", "role"), [("bob", "member"), ("carol", "viewer")])
    def test_members_read_it_with_their_role(
        self,
        client: TestClient,
        team: dict[str, Account],
        shared: dict[str, Any],
        who: str,
        role: str,
    ) -> None:
        """Members and viewers see the project and their own role in it."""
        project = read(client, team[who][1], shared["id"])
        assert (shared["name"], role) == (project["name"], project["role"])

    def test_outsider_gets_404(
        self, client: TestClient, team: dict[str, Account], shared: dict[str, Any]
    ) -> None:
        """A non-member is told the project does not exist, never 403."""
        response = client.get(f"/api/projects/{shared['id']}", headers=team["dave"][1])
        assert (404, {"error": "Project not found"}) == error_of(response)

    def test_admin_reads_any_project(
        self, client: TestClient, shared: dict[str, Any], admin: AccountFactory
    ) -> None:
        """An administrator who is not a member sees the project with a null role."""
        _, root = admin()
        project = read(client, root, shared["id"])
        assert (shared["id"], None) == (project["id"], project["role"])

    def test_unknown_project(self, client: TestClient, account: AccountFactory) -> None:
        """An id nobody has is ``Project not found``, up to the largest row id."""
        _, alice = account()
        answers = [
            error_of(client.get(f"/api/projects/{pid}", headers=alice)) for pid in (4242, 2**31 - 1)
        ]
        assert [(404, {"error": "Project not found"})] * 2 == answers

    @pytest.mark.parametrize("project_id", ["-1", "abc", "1.5", str(2**31), str(10**30)])
    def test_malformed_or_huge_id(
        self, client: TestClient, account: AccountFactory, project_id: str
    ) -> None:
        """A path id that is not a storable non-negative integer is the framework 404."""
        _, alice = account()
        response = client.get(f"/api/projects/{project_id}", headers=alice)
        assert (404, FRAMEWORK_404) == error_of(response)

    def test_task_count(self, client: TestClient, account: AccountFactory) -> None:
        """``task_count`` counts the project's tasks live."""
        _, alice = account()
        project = create(client, alice)
        for title in ("a", "b", "c"):
            client.post(
                f"/api/projects/{project['id']}/tasks", headers=alice, json={"title": title}
            )
        assert 3 == read(client, alice, project["id"])["task_count"]

    def test_needs_a_token(self, client: TestClient, account: AccountFactory) -> None:
        """Without a token the project is not shown."""
        _, alice = account()
        project = create(client, alice)
        response = client.get(f"/api/projects/{project['id']}")
        assert (401, {"error": "Token is missing"}) == error_of(response)


class TestListProjects:
    """GET /api/projects (P1)."""

    def test_only_the_callers_projects_newest_first(
        self, client: TestClient, account: AccountFactory
    ) -> None:
        """A user lists the projects they belong to, newest first, with a pagination block."""
        bob_id, bob = account("bob")
        _, alice = account("alice")
        first = create(client, alice, name="first")
        create(client, bob, name="bob's own")
        shared = create(client, bob, name="shared")
        join(
            client,
            bob,
            shared["id"],
            (client.get("/api/users/me", headers=alice).json()["user"]["id"], alice),
            "viewer",
        )
        second = create(client, alice, name="second")
        body = client.get("/api/projects", headers=alice).json()
        assert [second["id"], shared["id"], first["id"]] == [p["id"] for p in body["projects"]]
        assert {"page": 1, "pages": 1, "per_page": 20, "total": 3} == body["pagination"]
        assert ["owner", "viewer", "owner"] == [p["role"] for p in body["projects"]]
        assert bob_id == body["projects"][1]["owner_id"]

    def test_numbered_pages(self, client: TestClient, account: AccountFactory) -> None:
        """``page`` and ``per_page`` slice the list; the block reports the whole list."""
        _, alice = account()
        ids = [create(client, alice, name=f"p{n}")["id"] for n in range(5)]
        pages = [
            client.get(f"/api/projects?per_page=2&page={n}", headers=alice).json()
            for n in (1, 2, 3, 4)
        ]
        assert [[ids[4], ids[3]], [ids[2], ids[1]], [ids[0]], []] == [
            [p["id"] for p in page["projects"]] for page in pages
        ]
        assert [{"page": n, "pages": 3, "per_page": 2, "total": 5} for n in (1, 2, 3, 4)] == [
            page["pagination"] for page in pages
        ]

    @pytest.mark.parametrize(
        ("query", "page", "per_page"),
        [
            ("", 1, 20),
            ("?per_page=0", 1, 20),
            ("?per_page=-5&page=-1", 1, 20),
            ("?per_page=1000", 1, 100),
            ("?per_page=abc&page=xyz", 1, 20),
            (f"?page={10**30}", 2**31 - 1, 20),
        ],
    )
    def test_page_parameters_are_normalised(
        self, client: TestClient, account: AccountFactory, query: str, page: int, per_page: int
    ) -> None:
        """Out-of-range or unparseable values fall back, and the block shows what was used."""
        _, alice = account()
        create(client, alice)
        body = client.get(f"/api/projects{query}", headers=alice).json()
        assert (page, per_page) == (body["pagination"]["page"], body["pagination"]["per_page"])

    def test_status_filter(self, client: TestClient, account: AccountFactory) -> None:
        """``status`` keeps only the projects with that status."""
        _, alice = account()
        create(client, alice, name="a")
        done = create(client, alice, name="b", status="completed")
        body = client.get("/api/projects?status=completed", headers=alice).json()
        assert ([done["id"]], 1) == (
            [p["id"] for p in body["projects"]],
            body["pagination"]["total"],
        )

    def test_invalid_status_filter(self, client: TestClient, account: AccountFactory) -> None:
        """An unknown status filter is the status error."""
        _, alice = account()
        response = client.get("/api/projects?status=done", headers=alice)
        assert (400, {"error": STATUS_ERROR}) == error_of(response)

    def test_all_projects_for_admins(
        self, client: TestClient, account: AccountFactory, admin: AccountFactory
    ) -> None:
        """``all=true`` lists every project for an administrator, with a null role."""
        _, alice = account("alice")
        _, bob = account("bob")
        ids = {create(client, alice)["id"], create(client, bob)["id"]}
        _, root = admin()
        body = client.get("/api/projects?all=true", headers=root).json()
        own = client.get("/api/projects", headers=root).json()
        assert (ids, {None}, []) == (
            {p["id"] for p in body["projects"]},
            {p["role"] for p in body["projects"]},
            own["projects"],
        )

    def test_all_projects_needs_an_admin(self, client: TestClient, account: AccountFactory) -> None:
        """``all=true`` from an ordinary user is ``Admin privileges required``."""
        _, alice = account()
        response = client.get("/api/projects?all=true", headers=alice)
        assert (403, {"error": "Admin privileges required"}) == error_of(response)

    def test_all_must_be_a_boolean(self, client: TestClient, account: AccountFactory) -> None:
        """``all`` other than true or false is a 400."""
        _, alice = account()
        response = client.get("/api/projects?all=yes", headers=alice)
        assert (400, {"error": "Invalid all. Must be one of ['true', 'false']"}) == error_of(
            response
        )

    def test_cursor_pages(self, client: TestClient, account: AccountFactory) -> None:
        """With ``cursor`` the answer carries ``next_cursor`` (null at the end), no block."""
        _, alice = account()
        ids = [create(client, alice, name=f"p{n}")["id"] for n in range(5)]
        seen: list[list[int]] = []
        cursor = ""
        while True:
            body = client.get(f"/api/projects?per_page=2&cursor={cursor}", headers=alice).json()
            assert "pagination" not in body
            seen.append([p["id"] for p in body["projects"]])
            if body["next_cursor"] is None:
                break
            cursor = body["next_cursor"]
        assert [[ids[4], ids[3]], [ids[2], ids[1]], [ids[0]]] == seen

    def test_cursor_paging_is_stable_while_projects_are_added(
        self, client: TestClient, account: AccountFactory
    ) -> None:
        """Projects created between slices neither repeat nor hide older ones."""
        _, alice = account()
        ids = [create(client, alice, name=f"p{n}")["id"] for n in range(7)]
        seen: list[int] = []
        cursor = ""
        while True:
            body = client.get(f"/api/projects?per_page=2&cursor={cursor}", headers=alice).json()
            seen.extend(p["id"] for p in body["projects"])
            create(client, alice, name="late")
            if body["next_cursor"] is None:
                break
            cursor = body["next_cursor"]
        assert list(reversed(ids)) == seen

    @pytest.mark.parametrize(
        "cursor",
        [
            "garbage",
            "eyJvIjoieCJ9",
            "%%%",
            forged("projects:created_at:desc", "2026-01-01T00:00:00+00:00", 10**30),
            forged("projects:created_at:desc", "2026-01-01T00:00:00", 1),
            forged("projects:created_at:desc", "9999-12-31T23:59:59-05:00", 1),
            forged("projects:created_at:asc", "2026-01-01T00:00:00+00:00", 1),
        ],
    )
    def test_invalid_cursor(self, client: TestClient, account: AccountFactory, cursor: str) -> None:
        """A cursor that was not made for this list is ``Invalid cursor``."""
        _, alice = account()
        response = client.get(f"/api/projects?cursor={cursor}", headers=alice)
        assert (400, {"error": "Invalid cursor"}) == error_of(response)

    def test_cursor_of_another_list(self, client: TestClient, account: AccountFactory) -> None:
        """A members-list cursor does not page projects."""
        bob = account("bob")
        _, alice = account("alice")
        project = create(client, alice)
        join(client, alice, project["id"], bob, "member")
        members = client.get(
            f"/api/projects/{project['id']}/members?per_page=1&cursor=", headers=alice
        ).json()
        response = client.get(f"/api/projects?cursor={members['next_cursor']}", headers=alice)
        assert (400, {"error": "Invalid cursor"}) == error_of(response)

    def test_needs_a_token(self, client: TestClient) -> None:
        """Without a token nothing is listed."""
        assert (401, {"error": "Token is missing"}) == error_of(client.get("/api/projects"))


class TestUpdateProject:
    """PUT /api/projects/{id} (P4)."""

    def test_update(self, client: TestClient, account: AccountFactory) -> None:
        """Given fields change, the version and updated_at move, the ETag follows."""
        _, alice = account()
        project = create(client, alice, start_date="2026-01-01")
        response = client.put(
            f"/api/projects/{project['id']}",
            headers=alice,
            json={"name": " Artemis ", "status": "completed", "priority": "low"},
        )
        body = response.json()
        updated = body["project"]
        assert (200, "Project updated successfully") == (response.status_code, body["message"])
        assert {
            **project,
            "name": "Artemis",
            "status": "completed",
            "priority": "low",
            "updated_at": updated["updated_at"],
            "version": 2,
        } == updated
        assert updated["updated_at"] > project["updated_at"]
        assert f'"{project["id"]}-2"' == response.headers["etag"]

    def test_updated_at_is_bumped_without_changes(
        self, client: TestClient, account: AccountFactory
    ) -> None:
        """A PUT that changes no value still bumps ``updated_at``, as in the original."""
        _, alice = account()
        project = create(client, alice)
        response = client.put(
            f"/api/projects/{project['id']}", headers=alice, json={"name": "Apollo"}
        )
        assert response.json()["project"]["updated_at"] > project["updated_at"]

    def test_unknown_keys_are_ignored(self, client: TestClient, account: AccountFactory) -> None:
        """Keys the original did not read change nothing."""
        alice_id, alice = account()
        project = create(client, alice)
        response = client.put(
            f"/api/projects/{project['id']}",
            headers=alice,
            json={"owner_id": 999, "id": 5, "task_count": 3, "created_at": "2000-01-01"},
        )
        updated = response.json()["project"]
        assert (200, project["id"], alice_id, 0, project["created_at"]) == (
            response.status_code,
            updated["id"],
            updated["owner_id"],
            updated["task_count"],
            updated["created_at"],
        )

    @pytest.mark.parametrize("value", ["", None])
    def test_dates_can_be_cleared(
        self, client: TestClient, account: AccountFactory, value: str | None
    ) -> None:
        """An empty or null date clears it."""
        _, alice = account()
        project = create(client, alice, start_date="2026-01-01", end_date="2026-02-01")
        updated = client.put(
            f"/api/projects/{project['id']}",
            headers=alice,
            json={"start_date": value, "end_date": value},
        ).json()["project"]
        assert (None, None) == (updated["start_date"], updated["end_date"])

    def test_null_description_clears_it(self, client: TestClient, account: AccountFactory) -> None:
        """A null description becomes empty (the original answered 500)."""
        _, alice = account()
        project = create(client, alice, description="text")
        updated = client.put(
            f"/api/projects/{project['id']}", headers=alice, json={"description": None}
        ).json()["project"]
        assert "" == updated["description"]

    @pytest.mark.parametrize("name", ["", "   ", None])
    def test_name_cannot_be_emptied(
        self, client: TestClient, account: AccountFactory, name: str | None
    ) -> None:
        """An empty, blank or null name is ``Project name cannot be empty``."""
        _, alice = account()
        project = create(client, alice)
        response = client.put(f"/api/projects/{project['id']}", headers=alice, json={"name": name})
        assert (400, {"error": "Project name cannot be empty"}) == error_of(response)

    def test_checks_run_in_order(self, client: TestClient, account: AccountFactory) -> None:
        """Name, then status, then priority, then the dates."""
        _, alice = account()
        project = create(client, alice)
        answers = [
            client.put(f"/api/projects/{project['id']}", headers=alice, json=body).json()
            for body in (
                {"name": "", "status": "x", "priority": "x", "start_date": "x"},
                {"status": "x", "priority": "x", "start_date": "x"},
                {"priority": "x", "start_date": "x"},
                {"start_date": "x"},
                {"end_date": "2026-01-01", "start_date": "2026-02-01"},
            )
        ]
        assert [
            {"error": "Project name cannot be empty"},
            {"error": STATUS_ERROR},
            {"error": PRIORITY_ERROR},
            {"error": DATE_ERROR},
            {"error": "End date cannot be before start date"},
        ] == answers

    def test_end_date_checked_against_the_stored_start(
        self, client: TestClient, account: AccountFactory
    ) -> None:
        """Changing only the end date still refuses one before the stored start date."""
        _, alice = account()
        project = create(client, alice, start_date="2026-03-01")
        response = client.put(
            f"/api/projects/{project['id']}", headers=alice, json={"end_date": "2026-02-28"}
        )
        assert (400, {"error": "End date cannot be before start date"}) == error_of(response)

    def test_nothing_is_saved_on_failure(self, client: TestClient, account: AccountFactory) -> None:
        """A refused update leaves every field, the version and updated_at as they were."""
        _, alice = account()
        project = create(client, alice)
        for body in (
            {"name": "New", "status": "x"},
            {"name": "New", "description": "d", "priority": "x"},
            {"name": "New", "end_date": "bad"},
            {"name": "New", "description": "d" * 20_001},
            {"name": "New", "status": 3},
        ):
            assert (
                400
                == client.put(
                    f"/api/projects/{project['id']}", headers=alice, json=body
                ).status_code
            )
        assert project == read(client, alice, project["id"])

    def test_falsy_body_is_checked_before_existence(
        self, client: TestClient, account: AccountFactory
    ) -> None:
        """``{}`` is ``Invalid JSON payload`` even for a project that does not exist."""
        _, alice = account()
        response = client.put("/api/projects/4242", headers=alice, json={})
        assert (400, {"error": "Invalid JSON payload"}) == error_of(response)

    def test_unknown_project(self, client: TestClient, account: AccountFactory) -> None:
        """Updating a project nobody has is ``Project not found``."""
        _, alice = account()
        response = client.put("/api/projects/4242", headers=alice, json={"name": "x"})
        assert (404, {"error": "Project not found"}) == error_of(response)

    @pytest.mark.parametrize("who", ["bob", "carol"])
    def test_members_and_viewers_may_not_update(
        self, client: TestClient, team: dict[str, Account], shared: dict[str, Any], who: str
    ) -> None:
        """Only owners change the project: members and viewers get 403."""
        response = client.put(
            f"/api/projects/{shared['id']}", headers=team[who][1], json={"name": "x"}
        )
        assert (403, {"error": "Only project owners can update the project"}) == error_of(response)
        assert shared["name"] == read(client, team["alice"][1], shared["id"])["name"]

    def test_outsider_gets_404(
        self, client: TestClient, team: dict[str, Account], shared: dict[str, Any]
    ) -> None:
        """A non-member is told the project does not exist."""
        response = client.put(
            f"/api/projects/{shared['id']}", headers=team["dave"][1], json={"name": "x"}
        )
        assert (404, {"error": "Project not found"}) == error_of(response)

    def test_admin_may_update(
        self, client: TestClient, shared: dict[str, Any], admin: AccountFactory
    ) -> None:
        """An administrator changes any project."""
        _, root = admin()
        response = client.put(f"/api/projects/{shared['id']}", headers=root, json={"name": "x"})
        assert (200, "x") == (response.status_code, response.json()["project"]["name"])


class TestDeleteProject:
    """DELETE /api/projects/{id} (P5)."""

    def test_delete(self, client: TestClient, account: AccountFactory) -> None:
        """The owner deletes the project; it is gone from reads and lists."""
        _, alice = account()
        project = create(client, alice)
        response = client.delete(f"/api/projects/{project['id']}", headers=alice)
        assert (200, {"message": "Project deleted successfully"}) == error_of(response)
        assert (404, {"error": "Project not found"}) == error_of(
            client.get(f"/api/projects/{project['id']}", headers=alice)
        )
        assert [] == client.get("/api/projects", headers=alice).json()["projects"]

    def test_tasks_and_comments_go_with_it(
        self, client: TestClient, account: AccountFactory, runtime: Runtime
    ) -> None:
        """Deleting a project deletes its tasks and their comments, with events recorded."""
        _, alice = account()
        project = create(client, alice)
        other = create(client, alice, name="other")
        task_ids = []
        comment_ids = []
        for title in ("a", "b"):
            task = client.post(
                f"/api/projects/{project['id']}/tasks", headers=alice, json={"title": title}
            ).json()["task"]
            task_ids.append(task["id"])
            comment = client.post(
                f"/api/tasks/{task['id']}/comments", headers=alice, json={"content": "hi"}
            ).json()["comment"]
            comment_ids.append(comment["id"])
        kept = client.post(
            f"/api/projects/{other['id']}/tasks", headers=alice, json={"title": "kept"}
        ).json()["task"]
        kept_comment = client.post(
            f"/api/tasks/{kept['id']}/comments", headers=alice, json={"content": "stays"}
        ).json()["comment"]
        assert 200 == client.delete(f"/api/projects/{project['id']}", headers=alice).status_code
        assert [(404, {"error": "Task not found"})] * 2 == [
            error_of(client.get(f"/api/tasks/{tid}", headers=alice)) for tid in task_ids
        ]
        assert [(404, {"error": "Comment not found"})] * 2 == [
            error_of(client.get(f"/api/comments/{cid}", headers=alice)) for cid in comment_ids
        ]
        assert 200 == client.get(f"/api/comments/{kept_comment['id']}", headers=alice).status_code
        recorded = [(e.name, e.entity_id) for e in events(runtime)]
        assert [("task.deleted", task_ids[0]), ("task.deleted", task_ids[1])] == [
            r for r in recorded if r[0] == "task.deleted"
        ]
        deleted = [e for e in events(runtime) if e.name == "project.deleted"]
        assert [(project["id"], task_ids)] == [
            (e.entity_id, e.details["task_ids"]) for e in deleted
        ]

    @pytest.mark.parametrize("who", ["bob", "carol"])
    def test_members_and_viewers_may_not_delete(
        self, client: TestClient, team: dict[str, Account], shared: dict[str, Any], who: str
    ) -> None:
        """Only owners delete the project."""
        response = client.delete(f"/api/projects/{shared['id']}", headers=team[who][1])
        assert (403, {"error": "Only project owners can delete the project"}) == error_of(response)
        assert shared["id"] == read(client, team["alice"][1], shared["id"])["id"]

    def test_outsider_gets_404(
        self, client: TestClient, team: dict[str, Account], shared: dict[str, Any]
    ) -> None:
        """A non-member is told the project does not exist."""
        response = client.delete(f"/api/projects/{shared['id']}", headers=team["dave"][1])
        assert (404, {"error": "Project not found"}) == error_of(response)

    def test_admin_may_delete(
        self, client: TestClient, shared: dict[str, Any], admin: AccountFactory
    ) -> None:
        """An administrator deletes any project."""
        _, root = admin()
        assert 200 == client.delete(f"/api/projects/{shared['id']}", headers=root).status_code

    def test_unknown_project(self, client: TestClient, account: AccountFactory) -> None:
        """Deleting a project nobody has is ``Project not found``."""
        _, alice = account()
        response = client.delete("/api/projects/4242", headers=alice)
        assert (404, {"error": "Project not found"}) == error_of(response)


class TestProjectPreconditions:
    """ETag and If-Match on projects."""

    def test_matching_if_match_updates(self, client: TestClient, account: AccountFactory) -> None:
        """A PUT with the current ETag succeeds and returns the next one."""
        _, alice = account()
        project = create(client, alice)
        tag = client.get(f"/api/projects/{project['id']}", headers=alice).headers["etag"]
        response = client.put(
            f"/api/projects/{project['id']}",
            headers={**alice, "If-Match": tag},
            json={"name": "B"},
        )
        assert (200, f'"{project["id"]}-2"') == (response.status_code, response.headers["etag"])

    def test_stale_if_match_changes_nothing(
        self, client: TestClient, account: AccountFactory
    ) -> None:
        """A PUT with an outdated ETag is 412 and the project keeps the other change."""
        _, alice = account()
        project = create(client, alice)
        stale = f'"{project["id"]}-1"'
        client.put(f"/api/projects/{project['id']}", headers=alice, json={"name": "B"})
        current = read(client, alice, project["id"])
        response = client.put(
            f"/api/projects/{project['id']}",
            headers={**alice, "If-Match": stale},
            json={"name": "C"},
        )
        assert (412, STALE) == error_of(response)
        assert current == read(client, alice, project["id"])

    @pytest.mark.parametrize("header", ["garbage", '"1"', 'W/"{id}-1"', '"{other}-1"', "1-1", ""])
    def test_malformed_if_match_is_412(
        self, client: TestClient, account: AccountFactory, header: str
    ) -> None:
        """An If-Match naming no version of this project (weak tags included) is 412."""
        _, alice = account()
        project = create(client, alice)
        value = header.format(id=project["id"], other=project["id"] + 1)
        response = client.put(
            f"/api/projects/{project['id']}",
            headers={**alice, "If-Match": value},
            json={"name": "C"},
        )
        assert (412, NO_MATCH) == error_of(response)
        assert project == read(client, alice, project["id"])

    def test_star_matches_any_version(self, client: TestClient, account: AccountFactory) -> None:
        """``If-Match: *`` accepts whatever version the project has."""
        _, alice = account()
        project = create(client, alice)
        client.put(f"/api/projects/{project['id']}", headers=alice, json={"name": "B"})
        response = client.put(
            f"/api/projects/{project['id']}", headers={**alice, "If-Match": "*"}, json={"name": "C"}
        )
        assert (200, 3) == (response.status_code, response.json()["project"]["version"])

    def test_list_of_tags(self, client: TestClient, account: AccountFactory) -> None:
        """A list of tags matches when one of them is the current version."""
        _, alice = account()
        project = create(client, alice)
        pid = project["id"]
        client.put(f"/api/projects/{pid}", headers=alice, json={"name": "B"})
        hit = client.put(
            f"/api/projects/{pid}",
            headers={**alice, "If-Match": f'"{pid}-1", "{pid}-2", "{pid}-7"'},
            json={"name": "C"},
        )
        miss = client.put(
            f"/api/projects/{pid}",
            headers={**alice, "If-Match": f'"{pid}-1", "{pid}-2"'},
            json={"name": "D"},
        )
        assert [200, 412] == [hit.status_code, miss.status_code]
        assert "C" == read(client, alice, pid)["name"]

    def test_stale_delete_is_refused(self, client: TestClient, account: AccountFactory) -> None:
        """A DELETE with an outdated ETag is 412 and the project stays."""
        _, alice = account()
        project = create(client, alice)
        client.put(f"/api/projects/{project['id']}", headers=alice, json={"name": "B"})
        response = client.delete(
            f"/api/projects/{project['id']}", headers={**alice, "If-Match": f'"{project["id"]}-1"'}
        )
        assert (412, STALE) == error_of(response)
        assert "B" == read(client, alice, project["id"])["name"]

    def test_current_delete_succeeds(self, client: TestClient, account: AccountFactory) -> None:
        """A DELETE with the current ETag deletes."""
        _, alice = account()
        project = create(client, alice)
        response = client.delete(
            f"/api/projects/{project['id']}", headers={**alice, "If-Match": f'"{project["id"]}-1"'}
        )
        assert 200 == response.status_code

    def test_without_if_match_the_last_write_wins(
        self, client: TestClient, account: AccountFactory
    ) -> None:
        """Unconditional updates all apply, in order."""
        _, alice = account()
        project = create(client, alice)
        for name in ("B", "C", "D"):
            client.put(f"/api/projects/{project['id']}", headers=alice, json={"name": name})
        assert ("D", 4) == tuple(read(client, alice, project["id"])[k] for k in ("name", "version"))


class TestMembers:
    """The membership endpoints of a project."""

    def test_list_members_in_joining_order(
        self, client: TestClient, team: dict[str, Account], shared: dict[str, Any]
    ) -> None:
        """Any member lists the members, the owner first, with their names and roles."""
        body = client.get(f"/api/projects/{shared['id']}/members", headers=team["carol"][1]).json()
        assert [
            (team["alice"][0], "alice", "Alice", "owner"),
            (team["bob"][0], "bob", "Bob", "member"),
            (team["carol"][0], "carol", "Carol", "viewer"),
        ] == [(m["user_id"], m["username"], m["full_name"], m["role"]) for m in body["members"]]
        assert all(MEMBER_KEYS == set(m) for m in body["members"])
        assert {"page": 1, "pages": 1, "per_page": 20, "total": 3} == body["pagination"]

    def test_members_by_page_and_cursor(
        self, client: TestClient, team: dict[str, Account], shared: dict[str, Any]
    ) -> None:
        """Members page by number and by cursor alike."""
        alice = team["alice"][1]
        url = f"/api/projects/{shared['id']}/members?per_page=2"
        second = client.get(f"{url}&page=2", headers=alice).json()
        first = client.get(f"{url}&cursor=", headers=alice).json()
        rest = client.get(f"{url}&cursor={first['next_cursor']}", headers=alice).json()
        assert [["carol"], ["alice", "bob"], ["carol"], None] == [
            [m["username"] for m in second["members"]],
            [m["username"] for m in first["members"]],
            [m["username"] for m in rest["members"]],
            rest["next_cursor"],
        ]

    def test_outsider_cannot_list_members(
        self, client: TestClient, team: dict[str, Account], shared: dict[str, Any]
    ) -> None:
        """A non-member is told the project does not exist."""
        response = client.get(f"/api/projects/{shared['id']}/members", headers=team["dave"][1])
        assert (404, {"error": "Project not found"}) == error_of(response)

    def test_add_member_invites(
        self, client: TestClient, team: dict[str, Account], shared: dict[str, Any]
    ) -> None:
        """An owner's addition is an invitation (202; default role member): the user is no
        member until they accept, and then sees the project with that role."""
        dave_id, dave = team["dave"]
        response = client.post(
            f"/api/projects/{shared['id']}/members",
            headers=team["alice"][1],
            json={"user_id": dave_id},
        )
        body = response.json()
        assert (202, INVITED) == (response.status_code, body["message"])
        invitation = body["invitation"]
        assert {
            "project_id": shared["id"],
            "project_name": shared["name"],
            "user_id": dave_id,
            "username": "dave",
            "role": "member",
            "invited_by": team["alice"][0],
            "invited_by_username": "alice",
            "status": "pending",
            "responded_at": None,
        } == {k: v for k, v in invitation.items() if k not in ("id", "created_at", "expires_at")}
        assert 404 == client.get(f"/api/projects/{shared['id']}", headers=dave).status_code
        accepted = client.post(f"/api/invitations/{invitation['id']}/accept", headers=dave)
        assert (200, "Invitation accepted", dave_id, "member") == (
            accepted.status_code,
            accepted.json()["message"],
            accepted.json()["member"]["user_id"],
            accepted.json()["member"]["role"],
        )
        assert "member" == read(client, dave, shared["id"])["role"]

    @pytest.mark.parametrize(
        ("body", "status", "error"),
        [
            ({"role": "member"}, 400, "user_id is required"),
            ({"user_id": None}, 400, "user_id is required"),
            ({"user_id": "4"}, 400, "user_id must be an integer"),
            ({"user_id": 4242}, 404, "User not found"),
            ({"user_id": 4242, "role": "boss"}, 400, ROLE_ERROR),
            ({"user_id": 2**31}, 400, "user_id must be a valid id"),
            ({"user_id": 2**70}, 400, "user_id must be a valid id"),
        ],
    )
    def test_add_member_errors(
        self,
        *,
        client: TestClient,
        team: dict[str, Account],
        shared: dict[str, Any],
        body: dict[str, Any],
        status: int,
        error: str,
    ) -> None:
        """Bad additions name what is wrong; the role is checked before the user."""
        response = client.post(
            f"/api/projects/{shared['id']}/members", headers=team["alice"][1], json=body
        )
        assert (status, {"error": error}) == error_of(response)

    def test_add_existing_member(
        self, client: TestClient, team: dict[str, Account], shared: dict[str, Any]
    ) -> None:
        """Adding a member twice is a 409."""
        response = client.post(
            f"/api/projects/{shared['id']}/members",
            headers=team["alice"][1],
            json={"user_id": team["bob"][0], "role": "viewer"},
        )
        assert (409, {"error": "User is already a member of the project"}) == error_of(response)

    @pytest.mark.parametrize("who", ["bob", "carol"])
    def test_only_owners_add_members(
        self, client: TestClient, team: dict[str, Account], shared: dict[str, Any], who: str
    ) -> None:
        """Members and viewers cannot add members."""
        response = client.post(
            f"/api/projects/{shared['id']}/members",
            headers=team[who][1],
            json={"user_id": team["dave"][0]},
        )
        assert (403, {"error": "Only project owners can manage members"}) == error_of(response)

    def test_change_role(
        self, client: TestClient, team: dict[str, Account], shared: dict[str, Any]
    ) -> None:
        """The owner promotes a viewer, who may then write."""
        carol_id, carol = team["carol"]
        response = client.put(
            f"/api/projects/{shared['id']}/members/{carol_id}",
            headers=team["alice"][1],
            json={"role": "member"},
        )
        assert (200, "Member updated successfully", "member") == (
            response.status_code,
            response.json()["message"],
            response.json()["member"]["role"],
        )
        task = client.post(
            f"/api/projects/{shared['id']}/tasks", headers=carol, json={"title": "mine"}
        )
        assert 201 == task.status_code

    @pytest.mark.parametrize(
        ("body", "error"),
        [({}, "Invalid JSON payload"), ({"x": 1}, "role is required"), ({"role": "x"}, ROLE_ERROR)],
    )
    def test_change_role_errors(
        self,
        client: TestClient,
        team: dict[str, Account],
        shared: dict[str, Any],
        body: dict[str, Any],
        error: str,
    ) -> None:
        """A role change needs a valid role."""
        response = client.put(
            f"/api/projects/{shared['id']}/members/{team['bob'][0]}",
            headers=team["alice"][1],
            json=body,
        )
        assert (400, {"error": error}) == error_of(response)

    def test_change_role_of_non_member(
        self, client: TestClient, team: dict[str, Account], shared: dict[str, Any]
    ) -> None:
        """Changing the role of someone outside the project is ``Member not found``."""
        response = client.put(
            f"/api/projects/{shared['id']}/members/{team['dave'][0]}",
            headers=team["alice"][1],
            json={"role": "member"},
        )
        assert (404, {"error": "Member not found"}) == error_of(response)

    def test_last_owner_stays(
        self, client: TestClient, team: dict[str, Account], shared: dict[str, Any]
    ) -> None:
        """The only owner can be neither demoted nor removed; with a second owner, can."""
        alice_id, alice = team["alice"]
        url = f"/api/projects/{shared['id']}/members"
        demote = client.put(f"{url}/{alice_id}", headers=alice, json={"role": "member"})
        leave = client.delete(f"{url}/{alice_id}", headers=alice)
        last = {"error": "A project must keep at least one owner"}
        assert [(409, last), (409, last)] == [error_of(demote), error_of(leave)]
        client.put(f"{url}/{team['bob'][0]}", headers=alice, json={"role": "owner"})
        assert (
            200
            == client.put(f"{url}/{alice_id}", headers=alice, json={"role": "member"}).status_code
        )

    def test_remove_member_unassigns_their_tasks(
        self, client: TestClient, team: dict[str, Account], shared: dict[str, Any]
    ) -> None:
        """A removed member loses access and their tasks there are unassigned."""
        bob_id, bob = team["bob"]
        alice = team["alice"][1]
        task = client.post(
            f"/api/projects/{shared['id']}/tasks",
            headers=alice,
            json={"title": "t", "assignee_id": bob_id},
        ).json()["task"]
        response = client.delete(f"/api/projects/{shared['id']}/members/{bob_id}", headers=alice)
        assert (200, {"message": "Member removed successfully"}) == error_of(response)
        assert (
            None
            is client.get(f"/api/tasks/{task['id']}", headers=alice).json()["task"]["assignee_id"]
        )
        assert 404 == client.get(f"/api/projects/{shared['id']}", headers=bob).status_code

    def test_members_may_leave(
        self, client: TestClient, team: dict[str, Account], shared: dict[str, Any]
    ) -> None:
        """A viewer removes themself; removing someone else needs an owner."""
        carol_id, carol = team["carol"]
        url = f"/api/projects/{shared['id']}/members"
        other = client.delete(f"{url}/{team['bob'][0]}", headers=carol)
        own = client.delete(f"{url}/{carol_id}", headers=carol)
        assert [(403, {"error": "Only project owners can manage members"}), 200] == [
            error_of(other),
            own.status_code,
        ]

    def test_remove_non_member(
        self, client: TestClient, team: dict[str, Account], shared: dict[str, Any]
    ) -> None:
        """Removing someone outside the project is ``Member not found``."""
        response = client.delete(
            f"/api/projects/{shared['id']}/members/{team['dave'][0]}", headers=team["alice"][1]
        )
        assert (404, {"error": "Member not found"}) == error_of(response)

    def test_admin_manages_members(
        self,
        client: TestClient,
        team: dict[str, Account],
        shared: dict[str, Any],
        admin: AccountFactory,
    ) -> None:
        """An administrator adds and removes members of any project."""
        _, root = admin()
        url = f"/api/projects/{shared['id']}/members"
        added = client.post(url, headers=root, json={"user_id": team["dave"][0], "role": "viewer"})
        removed = client.delete(f"{url}/{team['dave'][0]}", headers=root)
        assert [201, 200] == [added.status_code, removed.status_code]

    def test_membership_events(
        self,
        client: TestClient,
        team: dict[str, Account],
        shared: dict[str, Any],
        runtime: Runtime,
    ) -> None:
        """Membership changes are recorded in the outbox."""
        alice = team["alice"][1]
        url = f"/api/projects/{shared['id']}/members"
        client.put(f"{url}/{team['carol'][0]}", headers=alice, json={"role": "member"})
        client.delete(f"{url}/{team['carol'][0]}", headers=alice)
        names = [e.name for e in events(runtime) if e.name.startswith("project.")]
        assert [
            "project.created",
            "project.member_invited",
            "project.invitation_accepted",
            "project.member_added",
            "project.member_invited",
            "project.invitation_accepted",
            "project.member_added",
            "project.member_role_changed",
            "project.member_removed",
        ] == names


PERMISSIONS = [
    # (role, action, expected status)
    ("owner", "read", 200),
    ("owner", "write_task", 201),
    ("owner", "update_project", 200),
    ("owner", "manage_members", 202),  # an invitation: the user joins by accepting
    ("member", "read", 200),
    ("member", "write_task", 201),
    ("member", "update_project", 403),
    ("member", "manage_members", 403),
    ("viewer", "read", 200),
    ("viewer", "write_task", 403),
    ("viewer", "update_project", 403),
    ("viewer", "manage_members", 403),
    ("outsider", "read", 404),
    ("outsider", "write_task", 404),
    ("outsider", "update_project", 404),
    ("outsider", "manage_members", 404),
    ("admin", "read", 200),
    ("admin", "write_task", 201),
    ("admin", "update_project", 200),
    ("admin", "manage_members", 201),
]


class TestPermissionTable:
    """The roles table of docs/projects-and-tasks.md, end to end."""

    @pytest.mark.parametrize(("role", "action", "status"), PERMISSIONS)
    def test_role_may_or_may_not(
        self,
        *,
        client: TestClient,
        account: AccountFactory,
        admin: AccountFactory,
        role: str,
        action: str,
        status: int,
    ) -> None:
        """Each role gets the documented status for each kind of action."""
        _, owner = account("owner")
        newcomer_id, _ = account("newcomer")
        project = create(client, owner)
        if role == "owner":
            headers = owner
        elif role == "admin":
            headers = admin()[1]
        else:
            someone = account("someone")
            headers = someone[1]
            if role != "outsider":
                join(client, owner, project["id"], someone, role)
        url = f"/api/projects/{project['id']}"
        response = {
            "read": lambda: client.get(url, headers=headers),
            "write_task": lambda: client.post(f"{url}/tasks", headers=headers, json={"title": "t"}),
            "update_project": lambda: client.put(url, headers=headers, json={"name": "x"}),
            "manage_members": lambda: client.post(
                f"{url}/members", headers=headers, json={"user_id": newcomer_id}
            ),
        }[action]()
        assert status == response.status_code, response.text


ENDPOINTS = [
    ("GET", "/api/projects"),
    ("POST", "/api/projects"),
    ("GET", "/api/projects/1"),
    ("PUT", "/api/projects/1"),
    ("DELETE", "/api/projects/1"),
    ("GET", "/api/projects/1/members"),
    ("POST", "/api/projects/1/members"),
    ("PUT", "/api/projects/1/members/1"),
    ("DELETE", "/api/projects/1/members/1"),
    ("GET", "/api/projects/1/tasks"),
    ("POST", "/api/projects/1/tasks"),
    ("GET", "/api/tasks"),
    ("GET", "/api/tasks/1"),
    ("PUT", "/api/tasks/1"),
    ("DELETE", "/api/tasks/1"),
    ("PUT", "/api/tasks/1/watch"),
    ("DELETE", "/api/tasks/1/watch"),
    ("POST", "/api/tasks/1/verify"),
    ("POST", "/api/tasks/1/comments"),
    ("GET", "/api/tasks/1/comments"),
    ("GET", "/api/comments/1"),
    ("PUT", "/api/comments/1"),
    ("DELETE", "/api/comments/1"),
    ("GET", "/api/comments/count/1"),
    ("POST", "/api/comments/bulk-delete"),
]
"""Every project, membership, task and comment endpoint."""


def token_for(user_id: int) -> dict[str, str]:
    """Bearer headers with a token signed by hand for ``user_id`` (valid for an hour)."""
    issued = int(time.time())
    token = jwt.encode(
        {"user_id": user_id, "iat": issued, "exp": issued + 3600}, SECRET_KEY, algorithm="HS256"
    )
    return {"Authorization": f"Bearer {token}"}


class TestEveryEndpoint:
    """What every project, task and comment endpoint has in common."""

    @pytest.mark.parametrize(("method", "path"), ENDPOINTS)
    def test_needs_a_token(self, client: TestClient, method: str, path: str) -> None:
        """Without a token every endpoint answers 401 ``Token is missing``."""
        response = client.request(method, path, json={"name": "x"})
        assert (401, {"error": "Token is missing"}) == error_of(response)

    @pytest.mark.parametrize(("method", "path"), ENDPOINTS)
    def test_bad_token(self, client: TestClient, method: str, path: str) -> None:
        """A forged token is 401 ``Token is invalid or expired`` everywhere."""
        response = client.request(
            method, path, json={"name": "x"}, headers={"Authorization": "Bearer forged"}
        )
        assert (401, {"error": "Token is invalid or expired"}) == error_of(response)

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            (m, p)
            for m, p in ENDPOINTS
            if m in ("POST", "PUT") and not p.endswith(("/watch", "/verify", "/bulk-delete"))
        ],
    )
    def test_oversize_body(
        self, client: TestClient, account: AccountFactory, method: str, path: str
    ) -> None:
        """A JSON body over 1 MiB is 413 on every endpoint that reads one."""
        _, alice = account()
        raw = b'{"name": "' + b"x" * (1024 * 1024) + b'"}'
        response = client.request(
            method, path, content=raw, headers={**alice, "Content-Type": "application/json"}
        )
        assert (413, {"error": "Request body too large"}) == error_of(response)

    @pytest.mark.parametrize(
        ("method", "path"),
        [("GET", "/api/projects"), ("POST", "/api/projects"), ("GET", "/api/tasks/1/comments")],
    )
    def test_database_down_is_503(
        self,
        unreachable_runtime: Runtime,
        serve: Callable[[Runtime], TestClient],
        method: str,
        path: str,
    ) -> None:
        """With the database unreachable the answer is 503 with Retry-After, not 500."""
        client = serve(unreachable_runtime)
        response = client.request(method, path, json={"name": "x"}, headers=token_for(1))
        assert (503, {"error": "Database unavailable"}, "5") == (
            response.status_code,
            response.json(),
            response.headers.get("retry-after"),
        )
