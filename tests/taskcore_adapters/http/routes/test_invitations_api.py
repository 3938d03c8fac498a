"""Invitations to projects over HTTP: inviting (also through POST /members), listing,
accepting, declining, revoking, and who may do which. Every answer is checked against the
OpenAPI document by the client fixture."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import update
from starlette.testclient import TestClient

from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.sql.tables import project_invitations

Account = tuple[int, dict[str, str]]
AccountFactory = Callable[..., Account]

INVITED = "Invitation sent; the user becomes a member by accepting it"


@pytest.fixture
def team(account: AccountFactory) -> dict[str, Account]:
    return {name: account(name) for name in ("alice", "bob", "carol", "dave")}


@pytest.fixture
def project_id(client: TestClient, team: dict[str, Account]) -> int:
    """Alice's project, with carol as a member (invited and accepted)."""
    alice = team["alice"][1]
    created = client.post("/api/projects", headers=alice, json={"name": "Apollo"})
    found: int = created.json()["project"]["id"]
    invitation = invite(client, alice, found, team["carol"][0])
    accepted = client.post(f"/api/invitations/{invitation['id']}/accept", headers=team["carol"][1])
    assert 200 == accepted.status_code, accepted.text
    return found


def invite(
    client: TestClient, headers: dict[str, str], project_id: int, user_id: int, role: str = "member"
) -> dict[str, Any]:
    response = client.post(
        f"/api/projects/{project_id}/invitations",
        headers=headers,
        json={"user_id": user_id, "role": role},
    )
    assert 201 == response.status_code, response.text
    assert INVITED == response.json()["message"]
    invitation: dict[str, Any] = response.json()["invitation"]
    return invitation


def error_of(response: Any) -> tuple[int, Any]:
    return response.status_code, response.json()


class TestFlow:
    def test_invite_list_accept(
        self, client: TestClient, team: dict[str, Account], project_id: int
    ) -> None:
        """Bob is invited as a viewer, sees it among his invitations, accepts and reads the
        project; his list is then empty and the owner's shows it accepted."""
        alice, (bob_id, bob) = team["alice"][1], team["bob"]
        made = invite(client, alice, project_id, bob_id, "viewer")
        assert ("pending", "viewer", "Apollo", "alice") == (
            made["status"],
            made["role"],
            made["project_name"],
            made["invited_by_username"],
        )
        assert 404 == client.get(f"/api/projects/{project_id}", headers=bob).status_code
        mine = client.get("/api/invitations", headers=bob).json()
        assert [made["id"]] == [i["id"] for i in mine["invitations"]]
        assert 1 == mine["pagination"]["total"]
        accepted = client.post(f"/api/invitations/{made['id']}/accept", headers=bob)
        assert (200, "viewer") == (accepted.status_code, accepted.json()["member"]["role"])
        assert (
            "viewer"
            == client.get(f"/api/projects/{project_id}", headers=bob).json()["project"]["role"]
        )
        assert [] == client.get("/api/invitations", headers=bob).json()["invitations"]
        shown = client.get(f"/api/invitations/{made['id']}", headers=alice).json()["invitation"]
        assert "accepted" == shown["status"]
        assert shown["responded_at"] is not None

    def test_decline_and_revoke(
        self, client: TestClient, team: dict[str, Account], project_id: int
    ) -> None:
        """A declined or revoked invitation cannot be accepted (409) and adds no one."""
        alice, (bob_id, bob), (dave_id, dave) = team["alice"][1], team["bob"], team["dave"]
        for_bob = invite(client, alice, project_id, bob_id)
        for_dave = invite(client, alice, project_id, dave_id)
        declined = client.post(f"/api/invitations/{for_bob['id']}/decline", headers=bob)
        revoked = client.post(f"/api/invitations/{for_dave['id']}/revoke", headers=alice)
        assert [("declined", "Invitation declined"), ("revoked", "Invitation revoked")] == [
            (r.json()["invitation"]["status"], r.json()["message"]) for r in (declined, revoked)
        ]
        late_bob = client.post(f"/api/invitations/{for_bob['id']}/accept", headers=bob)
        late_dave = client.post(f"/api/invitations/{for_dave['id']}/accept", headers=dave)
        assert (409, "invitation_not_pending") == (
            late_bob.status_code,
            late_bob.json()["code"],
        )
        assert (409, "The invitation is no longer pending (it is revoked)") == (
            late_dave.status_code,
            late_dave.json()["error"],
        )
        members = client.get(f"/api/projects/{project_id}/members", headers=alice).json()
        assert 2 == members["pagination"]["total"]

    def test_expired_invitation_cannot_be_accepted(
        self, client: TestClient, runtime: Runtime, team: dict[str, Account], project_id: int
    ) -> None:
        """Past its expiry an invitation is 409 ``invitation_expired``, shown as expired,
        and no longer among the user's invitations."""
        alice, (bob_id, bob) = team["alice"][1], team["bob"]
        made = invite(client, alice, project_id, bob_id)
        assert runtime.engine is not None
        with runtime.engine.begin() as conn:
            conn.execute(
                update(project_invitations)
                .where(project_invitations.c.id == made["id"])
                .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
            )
        response = client.post(f"/api/invitations/{made['id']}/accept", headers=bob)
        assert (409, {"error": "The invitation has expired", "code": "invitation_expired"}) == (
            error_of(response)
        )
        assert [] == client.get("/api/invitations", headers=bob).json()["invitations"]
        listed = client.get(f"/api/projects/{project_id}/invitations", headers=alice).json()
        assert ["expired", "accepted"] == [i["status"] for i in listed["invitations"]]
        pending = client.get(
            f"/api/projects/{project_id}/invitations?pending=true", headers=alice
        ).json()
        assert 0 == pending["pagination"]["total"]
        assert 404 == client.get(f"/api/projects/{project_id}", headers=bob).status_code

    def test_lists_page_by_number_and_cursor(
        self, client: TestClient, account: AccountFactory, team: dict[str, Account], project_id: int
    ) -> None:
        alice = team["alice"][1]
        for n in range(3):
            invite(client, alice, project_id, account(f"guest{n}")[0])
        url = f"/api/projects/{project_id}/invitations?per_page=2"
        first = client.get(f"{url}&cursor=", headers=alice).json()
        rest = client.get(f"{url}&cursor={first['next_cursor']}", headers=alice).json()
        numbered = client.get(f"{url}&page=2", headers=alice).json()
        assert [["guest2", "guest1"], ["guest0", "carol"], None] == [
            [i["username"] for i in first["invitations"]],
            [i["username"] for i in rest["invitations"]],
            rest["next_cursor"],
        ]
        assert {"page": 2, "pages": 2, "per_page": 2, "total": 4} == numbered["pagination"]
        bad = client.get("/api/invitations?cursor=nonsense", headers=alice)
        assert (400, {"error": "Invalid cursor"}) == error_of(bad)


class TestRefusals:
    @pytest.mark.parametrize(
        ("body", "status", "error"),
        [
            ({"role": "member"}, 400, "user_id is required"),
            ({"user_id": 4242}, 404, "User not found"),
            ({"user_id": 4242, "role": "boss"}, 400, None),
        ],
    )
    def test_bad_invitations(
        self,
        *,
        client: TestClient,
        team: dict[str, Account],
        project_id: int,
        body: dict[str, Any],
        status: int,
        error: str | None,
    ) -> None:
        response = client.post(
            f"/api/projects/{project_id}/invitations", headers=team["alice"][1], json=body
        )
        assert status == response.status_code
        if error is not None:
            assert error == response.json()["error"]

    def test_duplicates_and_members_are_conflicts(
        self, client: TestClient, team: dict[str, Account], project_id: int
    ) -> None:
        """A second pending invitation and an invitation of a member are 409, through
        either endpoint."""
        alice = team["alice"][1]
        invite(client, alice, project_id, team["bob"][0])
        again = client.post(
            f"/api/projects/{project_id}/members",
            headers=alice,
            json={"user_id": team["bob"][0]},
        )
        member = client.post(
            f"/api/projects/{project_id}/invitations",
            headers=alice,
            json={"user_id": team["carol"][0]},
        )
        assert [
            (409, "The user already has a pending invitation to this project"),
            (409, "User is already a member of the project"),
        ] == [(r.status_code, r.json()["error"]) for r in (again, member)]

    def test_who_may_do_what(
        self, client: TestClient, team: dict[str, Account], project_id: int
    ) -> None:
        """Members cannot invite, list or revoke (403); outsiders are told the project or
        invitation does not exist (404); only the invitee accepts or declines."""
        alice, carol, dave = team["alice"][1], team["carol"][1], team["dave"][1]
        made = invite(client, alice, project_id, team["bob"][0])
        url = f"/api/projects/{project_id}/invitations"
        answers = [
            client.post(url, headers=carol, json={"user_id": team["dave"][0]}).status_code,
            client.get(url, headers=carol).status_code,
            client.post(f"/api/invitations/{made['id']}/revoke", headers=carol).status_code,
            client.post(url, headers=dave, json={"user_id": team["dave"][0]}).status_code,
            client.get(url, headers=dave).status_code,
            client.get(f"/api/invitations/{made['id']}", headers=dave).status_code,
            client.post(f"/api/invitations/{made['id']}/revoke", headers=dave).status_code,
            client.post(f"/api/invitations/{made['id']}/accept", headers=alice).status_code,
            client.post(f"/api/invitations/{made['id']}/decline", headers=dave).status_code,
            client.post("/api/invitations/999/accept", headers=dave).status_code,
            client.get("/api/invitations").status_code,
        ]
        assert [403, 403, 403, 404, 404, 404, 404, 404, 404, 404, 401] == answers

    def test_admin_adds_directly(
        self,
        client: TestClient,
        admin: AccountFactory,
        team: dict[str, Account],
        project_id: int,
    ) -> None:
        """An administrator's POST /members adds at once (201), as before."""
        _, root = admin()
        response = client.post(
            f"/api/projects/{project_id}/members", headers=root, json={"user_id": team["bob"][0]}
        )
        assert (201, "Member added successfully") == (
            response.status_code,
            response.json()["message"],
        )
        assert 200 == client.get(f"/api/projects/{project_id}", headers=team["bob"][1]).status_code
