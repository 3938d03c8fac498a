"""``taskcore export`` and ``taskcore import``: a whole instance out to one zip and into
an empty database (SQLite, and PostgreSQL in the postgres tier), and the round trip:
exporting what was imported gives the same archive except for ids and times."""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from taskcore.domain.projects import Priority, ProjectStatus
from taskcore.domain.tasks import TaskStatus
from taskcore.domain.transfer import comparable
from taskcore.services.users import Principal
from taskcore_adapters import cli
from taskcore_adapters.bootstrap import Runtime, from_settings
from taskcore_adapters.config import Settings

SECRET_KEY = "k" * 40
PASSWORD = "correct horse battery"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No TASKCORE_* variable but the secret key."""
    for name in list(os.environ):
        if name.startswith("TASKCORE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TASKCORE_SECRET_KEY", SECRET_KEY)
    return monkeypatch


def use(env: pytest.MonkeyPatch, data: Path, database_url: str | None = None) -> None:
    """Point the command (and :func:`runtime`) at an instance."""
    env.setenv("TASKCORE_DATA_DIR", str(data))
    if database_url is None:
        env.delenv("TASKCORE_DATABASE_URL", raising=False)
    else:
        env.setenv("TASKCORE_DATABASE_URL", database_url)


def runtime() -> Runtime:
    return from_settings(Settings.from_env())


def accounts(rt: Runtime) -> dict[str, Principal]:
    """alice (an administrator), bob and carol."""
    users = rt.core.users
    alice, _ = users.create_admin(username="alice", email="alice@example.com", password=PASSWORD)
    found = {"alice": Principal(user_id=alice.id, username="alice", is_admin=True)}
    for name in ("bob", "carol"):
        view = users.register(
            username=name, email=f"{name}@example.com", password=PASSWORD, full_name=name.title()
        )
        found[name] = Principal(user_id=view.id, username=name, is_admin=False)
    return found


def seed(rt: Runtime) -> None:
    """Two projects: subtasks, assignees, watchers, labels, comments by two people, an
    attachment, custom fields (one required), relations within and across projects,
    actual hours, a task moved after a later one, and a completed project."""
    people = accounts(rt)
    alice, bob = people["alice"], people["bob"]
    core = rt.core
    moving = core.projects.create_project(alice, name="Moving", description="To the coast")
    core.projects.add_member(alice, moving.id, user_id=bob.user_id, role="member")
    core.projects.add_member(alice, moving.id, user_id=people["carol"].user_id, role="viewer")
    core.tasks.define_field(alice, moving.id, key="size", label="Size", field_type="number")
    core.tasks.define_field(
        alice, moving.id, key="room", label="Room", field_type="single_select",
        options=["kitchen", "attic"], required=True,
    )  # fmt: skip
    pack = core.tasks.create_task(
        alice, moving.id, title="Pack", priority=Priority.HIGH, estimated_hours=3,
        assignee_ids=[bob.user_id], labels=["boxes", "urgent"],
        custom_fields={"size": 3, "room": "kitchen"},
    )  # fmt: skip
    label = core.tasks.create_task(
        bob, moving.id, title="Label the boxes", parent_id=pack.id, status=TaskStatus.IN_PROGRESS,
        custom_fields={"room": "attic"}, actual_hours=1.5,
    )  # fmt: skip
    core.tasks.update_task(alice, pack.id, watchers=[alice.user_id, bob.user_id])
    core.comments.add_comment(bob, pack.id, content="On it")
    core.comments.add_comment(alice, pack.id, content="Thanks @bob")
    core.attachments.upload_attachment(
        alice, pack.id, filename="list.txt", content=[b"tape\n", b"boxes\n"]
    )
    core.tasks.add_relation(bob, label.id, kind="blocks", other_id=pack.id)
    garden = core.projects.create_project(bob, name="Garden", priority=Priority.LOW)
    core.projects.add_member(alice, garden.id, user_id=alice.user_id, role="viewer")
    weed = core.tasks.create_task(bob, garden.id, title="Weed", status=TaskStatus.COMPLETED)
    core.tasks.add_relation(bob, weed.id, kind="relates", other_id=pack.id)
    mow = core.tasks.create_task(bob, garden.id, title="Mow")
    core.tasks.create_task(bob, garden.id, title="Rake")
    core.tasks.update_task(bob, mow.id, position=2.5)  # after Rake: not where imports place it
    core.projects.update_project(bob, garden.id, status=ProjectStatus.COMPLETED)


def run(*args: str) -> int:
    return cli.main(list(args))


def read(path: Path) -> dict[str, Any]:
    """The archive's manifest and each project's document, and every file's bytes."""
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        docs = [
            json.loads(archive.read(f"{p['folder']}project.json")) for p in manifest["projects"]
        ]
        files = sorted(archive.read(name) for name in archive.namelist() if "/attachments/" in name)
    return {"manifest": manifest, "docs": docs, "files": files}


def normalised(export: dict[str, Any]) -> dict[str, Any]:
    """Without ids and times (relations across projects by project and task position)."""
    manifest = export["manifest"]
    positions = {
        t["id"]: (n, k) for n, d in enumerate(export["docs"]) for k, t in enumerate(d["tasks"])
    }
    return {
        "projects": [
            {k: v for k, v in p.items() if k not in ("id", "folder")} for p in manifest["projects"]
        ],
        "people": manifest["people"],
        "docs": [comparable(d) for d in export["docs"]],
        "links": [
            [(positions.get(r["source_id"]), positions.get(r["target_id"])) for r in d["relations"]]
            for d in export["docs"]
        ],
        "files": export["files"],
    }


def round_trip(env: pytest.MonkeyPatch, tmp_path: Path, target_url: str | None) -> None:
    use(env, tmp_path / "source")
    with runtime() as rt:
        seed(rt)
    first, second = tmp_path / "first.zip", tmp_path / "second.zip"
    assert 0 == run("export", "-o", str(first))
    use(env, tmp_path / "target", target_url)
    with runtime() as rt:
        accounts(rt)
    assert 0 == run("import", str(first), "--dry-run")
    assert 0 == run("import", str(first), "--as", "alice")
    assert 0 == run("export", "--output", str(second))
    before, after = read(first), read(second)
    assert normalised(before) == normalised(after)
    times = [[t["created_at"] for t in d["tasks"]] for d in before["docs"]]
    assert times != [[t["created_at"] for t in d["tasks"]] for d in after["docs"]]
    moving, garden = after["docs"]
    pack, label = moving["tasks"]
    assert (
        ["alice", "bob", "carol"],
        {"size": 3, "room": "kitchen"},
        ["bob", "alice"],
        ["list.txt"],
        pack["id"],
        [True],
        ["blocks"],
        "completed",
        [b"tape\nboxes\n"],
        [("Weed", 1.0), ("Mow", 2.5), ("Rake", 2.0)],
    ) == (
        sorted(m["username"] for m in moving["members"]),
        pack["custom_fields"],
        [c["author"] for c in pack["comments"]],
        [a["original_filename"] for a in pack["attachments"]],
        label["parent_id"],
        [f["required"] for f in moving["custom_fields"] if f["key"] == "room"],
        [r["kind"] for r in moving["relations"]],
        garden["project"]["status"],
        after["files"],
        [(t["title"], t["position"]) for t in garden["tasks"]],
    )
    assert [[True, False]] == [
        [r["target_id"] == t["id"] for t in moving["tasks"]] for r in garden["relations"]
    ]  # across projects


def test_the_round_trip_sqlite_to_sqlite(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Export an instance, import it into an empty SQLite database, export again: the
    same archive except for ids and times."""
    round_trip(env, tmp_path, None)


@pytest.mark.postgres
def test_the_round_trip_sqlite_to_postgres(
    env: pytest.MonkeyPatch, tmp_path: Path, new_postgres_database: Callable[[str], str]
) -> None:
    """The migration path from the embedded default: the same round trip into an empty
    (migrated) PostgreSQL database."""
    round_trip(env, tmp_path, new_postgres_database("cli_transfer"))


def test_selected_projects_only(
    env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--project exports that project and the people it names; on a standard error that
    is no terminal, the progress bar is only its label, once."""
    use(env, tmp_path / "source")
    with runtime() as rt:
        seed(rt)
    out = tmp_path / "one.zip"
    capsys.readouterr()
    assert 0 == run("export", "--project", "2", "-o", str(out))
    assert "exporting projects\n" == capsys.readouterr().err
    exported = read(out)
    assert (["Garden"], ["alice", "bob"]) == (
        [p["name"] for p in exported["manifest"]["projects"]],
        [p["username"] for p in exported["manifest"]["people"]],
    )


def test_people_missing_here_are_listed_and_their_tasks_left_out(
    env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Into an instance with only alice: the dry run names bob and carol (status 1); the
    import creates both projects, leaves out the tasks naming bob with their reasons, and
    ends with status 1."""
    use(env, tmp_path / "source")
    with runtime() as rt:
        seed(rt)
    out = tmp_path / "all.zip"
    assert 0 == run("export", "-o", str(out))
    use(env, tmp_path / "target")
    with runtime() as rt:
        rt.core.users.create_admin(username="alice", email="a@example.com", password=PASSWORD)
    capsys.readouterr()
    assert 1 == run("import", str(out), "--dry-run")
    dry = capsys.readouterr().out
    assert ["'bob'", "'carol'"] == [
        line.split()[4].rstrip(":") for line in dry.splitlines() if line.startswith("no account")
    ]
    assert 1 == run("import", str(out))
    done = capsys.readouterr().out.splitlines()
    assert {
        "project 'Moving': id 1, 0 tasks, 2 left out, 0 attachments",
        "  problem: task on line 1: assignees: 'bob' is not a member of the project",
        "  problem: task on line 2: parent: no earlier row or import has the id '1'",
        "project 'Garden': id 2, 3 tasks, 0 left out, 0 attachments",
        "  problem: owner 'bob' has no account here",
        "  problem: member 'alice': User is already a member of the project",
    } <= set(done)
    with runtime() as rt:
        alice = Principal(user_id=1, username="alice", is_admin=True)
        names = [p.name for p in rt.core.projects.list_projects(alice, all=True).items]
    assert ["Garden", "Moving"] == sorted(names)


def test_mistakes_are_one_line(
    env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No administrator, an --as that is no administrator, a file that is not a zip or
    not an instance export: status 2 and one line each."""
    use(env, tmp_path / "data")
    out = str(tmp_path / "x.zip")
    not_zip = tmp_path / "notes.txt"
    not_zip.write_text("hello", encoding="utf-8")
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("project.json", "{}")
    assert 2 == run("export", "-o", out)
    with runtime() as rt:
        accounts(rt)
    capsys.readouterr()
    cases = [
        (["export", "-o", out, "--as", "bob"], "'bob' is not an active administrator"),
        (["export", "-o", out, "--project", "99"], "not found"),
        (["import", str(not_zip)], "is not a zip"),
        (["import", str(other)], "Not a taskcore instance export"),
    ]
    for args, expected in cases:
        code = run(*args)
        err = capsys.readouterr().err
        lines = [line for line in err.splitlines() if line.startswith("taskcore: error:")]
        assert (2, 1, True) == (code, len(lines), expected in err), (args, err)
    assert not (tmp_path / "x.zip").exists()
    assert not (tmp_path / "x.zip.partial").exists()
