"""Importing tasks over HTTP on the selected SQL backend: the dry run, the background run
with its progress, re-imports that update instead of duplicating, hostile files, and the
round trip of a project export into another project."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import attrs
import pytest
from starlette.testclient import TestClient

from taskcore.domain.transfer import comparable

Account = tuple[int, dict[str, str]]

CSV = (
    "Key,Summary,Status,Priority,Assignee,Tags,Due,Notes\n"
    'A-1,Pack the boxes,To Do,High,bob,"boxes, urgent",2026-04-01,Fragile first\n'
    "A-2,Book the van,In Progress,Normal,alice,,2026-03-20,\n"
    "A-3,Clean the flat,Done,Low,,cleaning,,\n"
)
"""A small realistic export of another tracker: its own words for statuses and priorities."""


@attrs.frozen
class Team:
    alice: Account
    bob: Account
    carol: Account
    project_id: int


def ok(response: Any, status: int) -> dict[str, Any]:
    assert status == response.status_code, response.text
    body: dict[str, Any] = response.json()
    return body


def new_project(client: TestClient, owner: Account, name: str) -> int:
    return int(
        ok(client.post("/api/projects", json={"name": name}, headers=owner[1]), 201)["project"][
            "id"
        ]
    )


@pytest.fixture
def team(client: TestClient, account: Callable[..., Account]) -> Team:
    """Alice owns a project Bob is a member of; Carol is an outsider."""
    alice, bob, carol = account("alice"), account("bob"), account("carol")
    project_id = new_project(client, alice, "Moving")
    invited = ok(
        client.post(
            f"/api/projects/{project_id}/members",
            json={"user_id": bob[0], "role": "member"},
            headers=alice[1],
        ),
        202,
    )
    ok(client.post(f"/api/invitations/{invited['invitation']['id']}/accept", headers=bob[1]), 200)
    return Team(alice, bob, carol, project_id)


def send(
    client: TestClient,
    who: Account,
    project_id: int,
    data: bytes,
    **fields: str,
) -> Any:
    return client.post(
        f"/api/projects/{project_id}/imports",
        files={"file": ("tasks.csv", data, "text/csv")},
        data=fields,
        headers=who[1],
    )


def finished(client: TestClient, who: Account, run_id: int) -> dict[str, Any]:
    """The run once done (it runs in a lane of its own)."""
    deadline = time.monotonic() + 30
    while True:
        run = ok(client.get(f"/api/imports/{run_id}", headers=who[1]), 200)["import_run"]
        if run["status"] in ("done", "failed") or time.monotonic() > deadline:
            return run  # type: ignore[no-any-return]
        time.sleep(0.02)


def titles(client: TestClient, who: Account, project_id: int) -> dict[str, dict[str, Any]]:
    tasks = ok(
        client.get(f"/api/projects/{project_id}/tasks", params={"per_page": 100}, headers=who[1]),
        200,
    )["tasks"]
    return {t["title"]: t for t in tasks}


class TestDryRun:
    def test_previews_without_changing_anything(self, client: TestClient, team: Team) -> None:
        """The dry run guesses the mapping from the header, counts the rows, samples them
        with their statuses and priorities mapped, and creates nothing."""
        preview = ok(send(client, team.alice, team.project_id, CSV.encode(), dry_run="true"), 200)
        assert (True, 3, 3, 0) == (
            preview["dry_run"],
            preview["total"],
            preview["valid"],
            preview["invalid"],
        )
        assert {
            "external_id": "Key",
            "title": "Summary",
            "status": "Status",
            "priority": "Priority",
            "assignees": "Assignee",
            "labels": "Tags",
            "due_date": "Due",
            "description": "Notes",
        } == preview["mapping"]
        first, second, third = preview["sample"]
        assert ("A-1", "pending", "high", [team.bob[0]], ["boxes", "urgent"]) == (
            first["external_id"],
            first["status"],
            first["priority"],
            first["assignee_ids"],
            first["labels"],
        )
        assert ("in_progress", "medium") == (second["status"], second["priority"])
        assert ("completed", "low") == (third["status"], third["priority"])
        assert {} == titles(client, team.alice, team.project_id)

    def test_every_problem_with_its_line_and_field(self, client: TestClient, team: Team) -> None:
        """Each problem names its line and field; a good row stays good; nothing is
        dropped silently."""
        data = (
            b"title,status,assignees,due_date\n"
            b"Fine,done,bob,2026-01-01\n"
            b"=cmd|' /C calc'!A0,nonsense,carol,someday\n"
            b",todo,,\n"
        )
        preview = ok(send(client, team.alice, team.project_id, data, dry_run="true"), 200)
        assert (3, 1, 2) == (preview["total"], preview["valid"], preview["invalid"])
        found = {(p["line"], p["field"]) for p in preview["problems"]}
        assert {
            (3, "title"),
            (3, "status"),
            (3, "assignees"),
            (3, "due_date"),
            (4, "title"),
        } == found
        assert any("formula" in p["reason"] for p in preview["problems"])
        assert preview["problem_count"] == len(preview["problems"])

    def test_an_explicit_mapping_is_checked(self, client: TestClient, team: Team) -> None:
        """A mapping naming a column the file lacks, or an unknown field, is a 400 naming
        it; a mapping without a title column too."""
        for mapping, field in (
            ({"title": "Nope"}, "mapping.title"),
            ({"title": "Summary", "colour": "Status"}, "mapping.colour"),
            ({"status": "Status"}, "mapping.title"),
        ):
            refused = send(
                client,
                team.alice,
                team.project_id,
                CSV.encode(),
                dry_run="true",
                mapping=json.dumps(mapping),
            )
            assert 400 == refused.status_code, mapping
            assert field in refused.json()["error"]


class TestHostileFiles:
    @pytest.mark.parametrize(
        ("data", "words"),
        [
            ("title\nCafé\n".encode("latin-1"), "not UTF-8"),
            (b"", "empty"),
            (b"title\n" + b"x" * 70_000 + b"\n", "longer than"),
            (b'title\n"unclosed\n', "Line"),
            (b"title,title\nA,B\n", "column"),
            (b"title\nA,B,C\n", "cells"),
            (b"title\x00\nA\n", "NUL"),
        ],
    )
    def test_refused_with_a_clear_error(
        self, client: TestClient, team: Team, data: bytes, words: str
    ) -> None:
        """Wrong encodings, empty files, huge cells, broken quotes, bad headers and
        ragged rows are 400s naming the file and saying what is wrong."""
        refused = send(client, team.alice, team.project_id, data, dry_run="true")
        assert 400 == refused.status_code
        assert words in refused.json()["error"]

    def test_utf16_and_a_bom_are_read(self, client: TestClient, team: Team) -> None:
        """UTF-16 with a byte-order mark, and UTF-8 with one, are text like any other."""
        for data in ("title\nÉté\n".encode("utf-16"), b"\xef\xbb\xbftitle\n\xc3\x89t\xc3\xa9\n"):
            preview = ok(send(client, team.alice, team.project_id, data, dry_run="true"), 200)
            assert "Été" == preview["sample"][0]["title"]

    def test_deep_json_is_refused(self, client: TestClient, team: Team) -> None:
        """A JSON file nested deeper than any export is refused before it is read."""
        deep = ("[" * 5000 + "]" * 5000).encode()
        refused = send(client, team.alice, team.project_id, deep, format="taskcore")
        assert 400 == refused.status_code
        assert "JSON" in refused.json()["error"]


class TestRun:
    def test_runs_in_the_background_and_reports_progress(
        self, client: TestClient, team: Team
    ) -> None:
        """A real run answers 202 with the run; it ends done with every row counted, and
        the tasks are there, mapped."""
        started = ok(send(client, team.alice, team.project_id, CSV.encode()), 202)
        run = finished(client, team.alice, started["import_run"]["id"])
        assert ("done", 3, 3, 3, 0, 0) == (
            run["status"],
            run["total"],
            run["done"],
            run["created"],
            run["updated"],
            run["skipped"],
        )
        made = titles(client, team.alice, team.project_id)
        assert {"Pack the boxes", "Book the van", "Clean the flat"} == set(made)
        assert ("high", team.bob[0], "pending") == (
            made["Pack the boxes"]["priority"],
            made["Pack the boxes"]["assignee_id"],
            made["Pack the boxes"]["status"],
        )

    def test_running_it_again_updates_instead_of_duplicating(
        self, client: TestClient, team: Team
    ) -> None:
        """The same source imported again updates the tasks it made, by external id."""
        first = ok(send(client, team.alice, team.project_id, CSV.encode(), source="tracker"), 202)
        finished(client, team.alice, first["import_run"]["id"])
        changed = CSV.replace("Pack the boxes,To Do", "Pack the boxes,Done")
        again = ok(
            send(client, team.alice, team.project_id, changed.encode(), source="tracker"), 202
        )
        run = finished(client, team.alice, again["import_run"]["id"])
        assert (0, 3) == (run["created"], run["updated"])
        made = titles(client, team.alice, team.project_id)
        assert 3 == len(made)
        assert "completed" == made["Pack the boxes"]["status"]

    def test_who_may_import_and_follow(self, client: TestClient, team: Team) -> None:
        """An outsider may neither import nor see the run; no token is 401."""
        assert 404 == send(client, team.carol, team.project_id, CSV.encode()).status_code
        started = ok(send(client, team.bob, team.project_id, CSV.encode()), 202)
        run_id = started["import_run"]["id"]
        assert 404 == client.get(f"/api/imports/{run_id}", headers=team.carol[1]).status_code
        assert 200 == client.get(f"/api/imports/{run_id}", headers=team.alice[1]).status_code
        assert 401 == client.get(f"/api/imports/{run_id}").status_code
        finished(client, team.bob, run_id)


class TestRoundTrip:
    def test_export_import_export(self, client: TestClient, team: Team) -> None:
        """A project exported, imported into another project and exported again gives the
        same tasks, except for ids and times (subtasks keep their parents, comments their
        authors)."""
        first_run = ok(send(client, team.alice, team.project_id, CSV.encode()), 202)
        finished(client, team.alice, first_run["import_run"]["id"])
        made = titles(client, team.alice, team.project_id)
        ok(
            client.post(
                f"/api/projects/{team.project_id}/tasks",
                json={
                    "title": "Tape",
                    "parent_id": made["Pack the boxes"]["id"],
                    "watchers": [team.bob[0]],
                },
                headers=team.bob[1],
            ),
            201,
        )
        for who, text in ((team.bob, "On it"), (team.alice, "Thanks, @bob")):
            ok(
                client.post(
                    f"/api/tasks/{made['Pack the boxes']['id']}/comments",
                    json={"content": text},
                    headers=who[1],
                ),
                201,
            )
        exported = client.get(f"/api/projects/{team.project_id}/export", headers=team.alice[1])
        other = new_project(client, team.alice, "Moving")
        invited = ok(
            client.post(
                f"/api/projects/{other}/members",
                json={"user_id": team.bob[0], "role": "member"},
                headers=team.alice[1],
            ),
            202,
        )
        ok(
            client.post(
                f"/api/invitations/{invited['invitation']['id']}/accept", headers=team.bob[1]
            ),
            200,
        )
        started = ok(send(client, team.alice, other, exported.content, format="taskcore"), 202)
        run = finished(client, team.alice, started["import_run"]["id"])
        assert (4, 0) == (run["created"], run["skipped"]), run["problems"]
        again = client.get(f"/api/projects/{other}/export", headers=team.alice[1]).json()

        def tasks_only(doc: dict[str, Any]) -> dict[str, Any]:
            kept = comparable(doc)
            for task in kept["tasks"]:
                task.pop("position", None)
            return kept

        first = exported.json()
        assert tasks_only(first)["tasks"] == tasks_only(again)["tasks"]
        assert first["labels"] == again["labels"]
        (packed,) = [t for t in again["tasks"] if t["title"] == "Pack the boxes"]
        assert [("bob", "On it"), ("alice", "Thanks, @bob")] == [
            (c["author"], c["content"]) for c in packed["comments"]
        ]
        assert {t["id"] for t in first["tasks"]}.isdisjoint({t["id"] for t in again["tasks"]})
