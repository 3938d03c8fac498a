"""Importing an instance export a chunk of tasks at a time: the same projects as in one
go, whatever the chunk size (a subtask whose parent comes in a later chunk included), a
project's document read line by line (or whole when laid out otherwise), and memory that
does not grow with the size of a project."""

from __future__ import annotations

import io
import json
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import pytest

from taskcore.domain.transfer import comparable
from taskcore.errors import ValidationError
from taskcore.services.tasks.inputs import TaskDraft
from taskcore.services.users import Principal
from taskcore_adapters.bootstrap import Runtime, from_settings
from taskcore_adapters.config import Settings
from taskcore_adapters.transfer import restore as restoring
from taskcore_adapters.transfer.instance import project_ids, write_instance
from taskcore_adapters.transfer.project_reader import ProjectDocument

PASSWORD = "correct horse battery"


def instance(folder: Path) -> Runtime:
    return from_settings(Settings(data_dir=folder, secret_key="k" * 40))


def admin(rt: Runtime) -> Principal:
    view, _ = rt.core.users.create_admin(username="ada", email="a@example.com", password=PASSWORD)
    return Principal(user_id=view.id, username="ada", is_admin=True)


def seed(rt: Runtime, ada: Principal, tasks: int) -> None:
    """A project of ``tasks`` tasks with a custom field, comments, a chain of subtasks,
    relations, and a first task moved under the newest one."""
    core = rt.core
    project = core.projects.create_project(ada, name="Big")
    core.tasks.define_field(ada, project.id, key="size", label="Size", field_type="number")
    made = [
        core.tasks.create_task(
            ada,
            project.id,
            title=f"task {n}",
            description="x" * 200,
            labels=[f"l{n % 3}"],
            custom_fields={"size": n},
        ).id
        for n in range(tasks)
    ]
    core.tasks.update_task(ada, made[0], parent_id=made[-1])  # parent comes later
    core.tasks.update_task(ada, made[2], parent_id=made[1])
    core.comments.add_comment(ada, made[1], content="a comment")
    core.tasks.add_relation(ada, made[3], kind="blocks", other_id=made[-2])


def exported(rt: Runtime, ada: Principal, target: Path) -> list[dict[str, Any]]:
    write_instance(rt.core, ada, target, project_ids(rt.core, ada))
    with zipfile.ZipFile(target) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        return [
            comparable(json.loads(archive.read(f"{p['folder']}project.json")))
            for p in manifest["projects"]
        ]


@pytest.mark.parametrize("chunk", [1, 4, 1000])
def test_any_chunk_size_restores_the_same_projects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(restoring, "CHUNK_TASKS", chunk)
    with instance(tmp_path / "source") as rt:
        ada = admin(rt)
        seed(rt, ada, tasks=9)
        before = exported(rt, ada, tmp_path / "first.zip")
    with instance(tmp_path / "target") as rt:
        ada = admin(rt)
        with zipfile.ZipFile(tmp_path / "first.zip") as archive:
            (report,) = restoring.restore(rt.core, ada, archive)
        after = exported(rt, ada, tmp_path / "second.zip")
    assert (9, 0, []) == (report.tasks, report.skipped, report.problems)
    assert before == after


def test_a_document_is_read_line_by_line_or_whole() -> None:
    streamed = {
        "format": "taskcore.project",
        "project": {"name": "P"},
        "tasks": [{"id": 1, "title": "a"}, {"id": 2, "title": "b"}],
        "labels": ["x"],
        "relations": [{"id": 7}],
    }
    lines = (
        '{\n  "format": "taskcore.project",\n  "project": {"name": "P"},\n  "tasks": [\n'
        '    {"id": 1, "title": "a"},\n    {"id": 2, "title": "b"}\n  ],\n'
        '  "labels": ["x"],\n  "relations": [{"id": 7}]\n}\n'
    )
    for text in (lines, json.dumps(streamed, indent=2), json.dumps(streamed)):
        document = ProjectDocument(archive_of(text), "project.json")
        assert {"format": "taskcore.project", "project": {"name": "P"}} == document.head
        assert streamed["tasks"] == list(document.tasks()) == list(document.tasks())
        assert {"labels": ["x"], "relations": [{"id": 7}]} == document.tail()


def test_a_broken_task_line_names_the_document_and_the_task() -> None:
    text = '{\n  "format": "taskcore.project",\n  "tasks": [\n    {"id": 1},\n    {"id": \n  ]\n}\n'
    document = ProjectDocument(archive_of(text), "p/project.json")
    tasks = document.tasks()
    assert {"id": 1} == next(tasks)
    with pytest.raises(ValidationError, match=r"p/project.json \(task 2\)") as caught:
        next(tasks)
    assert "file" == caught.value.field


def archive_of(text: str) -> zipfile.ZipFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("project.json", text)
        archive.writestr("p/project.json", text)
    return zipfile.ZipFile(io.BytesIO(buffer.getvalue()))


def restore_peak(tmp_path: Path, tasks: int) -> int:
    """The peak of Python's allocations while importing a project of ``tasks`` tasks
    (each with a long description and a label; made in one batch)."""
    source, target = tmp_path / f"s{tasks}", tmp_path / f"t{tasks}"
    with instance(source) as rt:
        ada = admin(rt)
        project = rt.core.projects.create_project(ada, name="Big")
        drafts = [
            TaskDraft(title=f"task {n}", description="x" * 2000, labels=[f"l{n % 3}"])
            for n in range(tasks)
        ]
        rt.core.tasks.import_tasks(ada, project.id, drafts)
        write_instance(rt.core, ada, source / "out.zip", [project.id])
    with instance(target) as rt, zipfile.ZipFile(source / "out.zip") as archive:
        ada = admin(rt)
        tracemalloc.start()
        try:
            restoring.restore(rt.core, ada, archive)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()


def test_memory_does_not_grow_with_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With chunks of 20 tasks, a project of 400 tasks peaks near where one of 100 does
    (read whole, the larger peaks at several times the smaller)."""
    monkeypatch.setattr(restoring, "CHUNK_TASKS", 20)
    small, large = restore_peak(tmp_path, 100), restore_peak(tmp_path, 400)
    assert large < small * 1.5, (small, large)
