"""A project's export written one task at a time holds the same document, CSV and files
as the export built in memory."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator

from taskcore.domain.transfer import document
from taskcore.services.users import Principal
from taskcore_adapters import in_memory
from taskcore_adapters.transfer.writing import csv_text, write_project, write_project_stream

PASSWORD = "correct horse battery"


def test_the_streamed_export_is_the_export() -> None:
    with in_memory() as rt:
        core = rt.core
        view, _ = core.users.create_admin(username="ada", email="a@example.com", password=PASSWORD)
        ada = Principal(user_id=view.id, username="ada", is_admin=True)
        project = core.projects.create_project(ada, name="Launch")
        core.tasks.define_field(ada, project.id, key="size", label="Size", field_type="number")
        tasks = [
            core.tasks.create_task(
                ada, project.id, title=f"t{n}", labels=[f"l{n % 3}"], custom_fields={"size": n}
            )
            for n in range(7)
        ]
        core.tasks.create_task(ada, project.id, title="sub", parent_id=tasks[0].id)
        core.comments.add_comment(ada, tasks[1].id, content="first")
        core.attachments.upload_attachment(ada, tasks[2].id, filename="a.txt", content=[b"ab"])
        core.tasks.add_relation(ada, tasks[3].id, kind="blocks", other_id=tasks[4].id)

        def opener(attachment_id: int) -> Iterator[bytes]:
            return iter(core.attachments.open_download(ada, attachment_id).chunks)

        export = core.transfer.export_project(ada, project.id)
        built, streamed = io.BytesIO(), io.BytesIO()
        with zipfile.ZipFile(built, "w") as archive:
            write_project(archive, export, opener)
        with (
            zipfile.ZipFile(streamed, "w") as archive,
            core.transfer.stream_project(ada, project.id) as stream,
        ):
            written = write_project_stream(archive, stream, opener)
    with zipfile.ZipFile(built) as one, zipfile.ZipFile(streamed) as other:
        first = json.loads(one.read("project.json"))
        second = json.loads(other.read("project.json"))
        second["exported_at"] = first["exported_at"]
        assert first == document(export, with_files=True)
        assert first == second
        assert one.read("tasks.csv") == other.read("tasks.csv") == csv_text(export).encode()
        assert sorted(one.namelist()) == sorted(other.namelist())
        assert [b"ab"] == [other.read(n) for n in other.namelist() if "attachments/" in n]
    assert (8, 1, 1, {"ada"}, []) == (
        written.tasks,
        written.comments,
        written.attachments,
        written.people,
        written.missing,
    )
