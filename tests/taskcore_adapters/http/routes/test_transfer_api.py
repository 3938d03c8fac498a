"""A project's export over HTTP (JSON, CSV, zip with files) and from the pages, on the
selected SQL backend."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import attrs
import pytest
from starlette.testclient import TestClient

from taskcore.domain.transfer import CSV_COLUMNS, FORMAT
from taskcore_adapters.web.session import ACCESS_COOKIE

Account = tuple[int, dict[str, str]]
NOTES = b"meeting notes\n" * 50


@attrs.frozen
class Setup:
    alice: Account
    bob: Account
    carol: Account
    project_id: int
    parent_id: int
    child_id: int
    attachment_id: int


def ok(response: Any, status: int = 201) -> dict[str, Any]:
    assert status == response.status_code, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def setup(client: TestClient, account: Callable[..., Account]) -> Setup:
    """Alice owns a project where Bob is a member: a task with labels, Bob as assignee
    and watcher, a subtask, a comment and a text file; Carol is an outsider."""
    alice, bob, carol = account("alice"), account("bob"), account("carol")
    project_id = ok(client.post("/api/projects", json={"name": "Moving"}, headers=alice[1]))[
        "project"
    ]["id"]
    invited = ok(
        client.post(
            f"/api/projects/{project_id}/members",
            json={"user_id": bob[0], "role": "member"},
            headers=alice[1],
        ),
        202,
    )
    ok(client.post(f"/api/invitations/{invited['invitation']['id']}/accept", headers=bob[1]), 200)
    parent = ok(
        client.post(
            f"/api/projects/{project_id}/tasks",
            json={
                "title": '=HYPERLINK("x")',
                "description": "Pack, label\nand move",
                "labels": ["boxes", "urgent"],
                "assignee_id": bob[0],
                "watchers": [bob[0]],
                "priority": "high",
            },
            headers=alice[1],
        )
    )["task"]
    child = ok(
        client.post(
            f"/api/projects/{project_id}/tasks",
            json={"title": "Tape", "parent_id": parent["id"]},
            headers=bob[1],
        )
    )["task"]
    ok(
        client.post(
            f"/api/tasks/{parent['id']}/comments", json={"content": "On it"}, headers=bob[1]
        )
    )
    file = ok(
        client.post(
            f"/api/tasks/{parent['id']}/attachments",
            files={"file": ("notes.txt", NOTES, "text/plain")},
            headers=alice[1],
        )
    )
    attachment_id = (file.get("attachment") or file)["id"]
    return Setup(alice, bob, carol, project_id, parent["id"], child["id"], attachment_id)


def export(client: TestClient, setup: Setup, fmt: str, who: Account | None = None) -> Any:
    headers = (who or setup.bob)[1]
    return client.get(
        f"/api/projects/{setup.project_id}/export", params={"format": fmt}, headers=headers
    )


class TestJsonExport:
    def test_everything_with_people_by_username(self, client: TestClient, setup: Setup) -> None:
        """A member's JSON export holds the project, its members by username, its tasks
        with subtasks, labels, assignees, watchers, comments and attachments' metadata."""
        response = export(client, setup, "json")
        assert 200 == response.status_code
        assert response.headers["content-type"].startswith("application/json")
        assert "attachment" in response.headers["content-disposition"]
        doc = response.json()
        assert (FORMAT, 1, "Moving", "alice") == (
            doc["format"],
            doc["version"],
            doc["project"]["name"],
            doc["project"]["owner"],
        )
        assert {("alice", "owner"), ("bob", "member")} == {
            (m["username"], m["role"]) for m in doc["members"]
        }
        assert ["boxes", "urgent"] == doc["labels"]
        parent, child = doc["tasks"]
        assert (setup.parent_id, None, ["bob"], ["bob"], "high") == (
            parent["id"],
            parent["parent_id"],
            parent["assignees"],
            parent["watchers"],
            parent["priority"],
        )
        assert (setup.child_id, setup.parent_id) == (child["id"], child["parent_id"])
        assert [("bob", "On it")] == [(c["author"], c["content"]) for c in parent["comments"]]
        (attachment,) = parent["attachments"]
        assert ("notes.txt", len(NOTES), "alice") == (
            attachment["original_filename"],
            attachment["file_size"],
            attachment["uploaded_by"],
        )
        assert "file" not in attachment

    def test_relations_and_custom_fields(self, client: TestClient, setup: Setup) -> None:
        """The export holds the project's custom fields and the relations from its tasks."""
        defined = client.post(
            f"/api/projects/{setup.project_id}/custom-fields",
            json={"key": "size", "label": "Size", "type": "number"},
            headers=setup.alice[1],
        )
        assert 201 == defined.status_code, defined.text
        related = client.post(
            f"/api/tasks/{setup.child_id}/relations",
            json={"kind": "blocks", "task_id": setup.parent_id},
            headers=setup.alice[1],
        )
        assert 201 == related.status_code, related.text
        doc = export(client, setup, "json").json()
        assert [("size", "Size", False)] == [
            (f["key"], f["label"], f["required"]) for f in doc["custom_fields"]
        ]
        assert [("blocks", setup.child_id, setup.parent_id)] == [
            (r["kind"], r["source_id"], r["target_id"]) for r in doc["relations"]
        ]
        assert all("custom_fields" in t for t in doc["tasks"])

    def test_outsiders_and_bad_formats(self, client: TestClient, setup: Setup) -> None:
        """An outsider is told the project does not exist; no token is 401; an unknown
        format is a 400 naming ``format``."""
        assert 404 == export(client, setup, "json", setup.carol).status_code
        assert 401 == client.get(f"/api/projects/{setup.project_id}/export").status_code
        refused = export(client, setup, "xml")
        assert 400 == refused.status_code
        assert "format" in refused.json()["error"]


class TestCsvExport:
    def test_one_row_per_task_formulas_neutralised(self, client: TestClient, setup: Setup) -> None:
        """The CSV has the documented columns, a row per task, lists joined, and a title
        a spreadsheet would run as a formula prefixed with a quote."""
        response = export(client, setup, "csv")
        assert 200 == response.status_code
        assert response.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert list(CSV_COLUMNS) == list(rows[0].keys())
        assert ['\'=HYPERLINK("x")', "Tape"] == [r["title"] for r in rows]
        assert ("boxes, urgent", "bob", "Pack, label\nand move") == (
            rows[0]["labels"],
            rows[0]["assignees"],
            rows[0]["description"],
        )
        assert str(setup.parent_id) == rows[1]["parent_id"]

    def test_custom_fields_are_columns(self, client: TestClient, setup: Setup) -> None:
        """Each custom field of the project is a ``cf.<key>`` column after the documented
        ones: multi-select options joined, no value empty."""
        for field in (
            {"key": "size", "label": "Size", "type": "number"},
            {"key": "tags", "label": "Tags", "type": "multi_select", "options": ["a", "b"]},
        ):
            defined = client.post(
                f"/api/projects/{setup.project_id}/custom-fields",
                json=field,
                headers=setup.alice[1],
            )
            assert 201 == defined.status_code, defined.text
        edited = client.put(
            f"/api/tasks/{setup.parent_id}",
            json={"custom_fields": {"size": 3, "tags": ["a", "b"]}},
            headers=setup.alice[1],
        )
        assert 200 == edited.status_code, edited.text
        rows = list(csv.DictReader(io.StringIO(export(client, setup, "csv").text)))
        assert [*CSV_COLUMNS, "cf.size", "cf.tags"] == list(rows[0].keys())
        assert [("3.0", "a, b"), ("", "")] == [(r["cf.size"], r["cf.tags"]) for r in rows]


class TestZipExport:
    def test_document_csv_and_files(self, client: TestClient, setup: Setup) -> None:
        """The zip holds project.json (attachments naming their file), tasks.csv and
        each attachment's bytes."""
        response = export(client, setup, "zip")
        assert 200 == response.status_code
        archive = zipfile.ZipFile(io.BytesIO(response.content))
        doc = json.loads(archive.read("project.json"))
        (attachment,) = doc["tasks"][0]["attachments"]
        assert f"attachments/{setup.attachment_id}/notes.txt" == attachment["file"]
        assert NOTES == archive.read(attachment["file"])
        assert archive.read("tasks.csv").decode().startswith(",".join(CSV_COLUMNS[:3]))


class TestPageExport:
    def test_the_board_links_the_exports_and_they_download(
        self, client: TestClient, setup: Setup
    ) -> None:
        """The board links the three exports; each downloads under the session cookie."""
        client.cookies.set(ACCESS_COOKIE, setup.bob[1]["Authorization"].removeprefix("Bearer "))
        try:
            board = client.get(f"/projects/{setup.project_id}")
            assert 200 == board.status_code
            for fmt in ("json", "csv", "zip"):
                link = f"/projects/{setup.project_id}/export?format={fmt}"
                assert f'href="{link}"' in board.text
                assert 200 == client.get(link).status_code
        finally:
            client.cookies.clear()
