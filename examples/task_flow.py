"""The whole task flow as a library, on memory and on a SQLite file.

A project owner invites a teammate, they create tasks, comment, attach a file (kept in a
memory file store), finish a task and read a project report, while an event handler
reports each completed task.

Run: python examples/task_flow.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from taskcore.domain.events import CommentAdded, TaskStatusChanged
from taskcore.domain.projects import Priority
from taskcore.domain.tasks import TaskStatus
from taskcore.services.users import Principal
from taskcore_adapters import Runtime, Settings, from_settings, in_memory
from taskcore_adapters.memory import InMemoryFileStore


def sign_up(rt: Runtime, username: str) -> Principal:
    """Register an account and log in; the principal is who calls the use cases."""
    users = rt.core.users
    password = "a long and private passphrase"
    users.register(
        username=username, email=f"{username}@example.com", password=password, full_name=username
    )
    return users.authenticate(users.login(username=username, password=password).token)


def task_flow(rt: Runtime) -> list[str]:
    """Run the flow on ``rt``; returns what the event handlers saw."""
    seen: list[str] = []
    rt.events.subscribe(
        TaskStatusChanged,
        lambda event: seen.append(f"completed task {event.entity_id}"),
        when=lambda event: event.new_status == "completed",
    )
    rt.events.subscribe(CommentAdded, lambda event: seen.append(f"comment on {event.task_id}"))

    core = rt.core
    ada, bob = sign_up(rt, "ada"), sign_up(rt, "bob")

    project = core.projects.create_project(ada, name="Website launch", priority=Priority.HIGH)
    invitation = core.projects.invite_member(ada, project.id, user_id=bob.user_id)
    core.projects.accept_invitation(bob, invitation.id)
    members = core.projects.list_members(ada, project.id)
    print(f"project {project.name!r}: {[m.username for m in members.items]}")

    copy = core.tasks.create_task(
        ada, project.id, title="Write the copy", assignee_id=bob.user_id, labels=["content"]
    )
    core.tasks.create_task(ada, project.id, title="Choose the fonts", priority=Priority.LOW)

    comment = core.comments.add_comment(bob, copy.id, content="Draft is ready, @ada")
    print(f"comment {comment.id} mentions {list(comment.mentions)}")
    attachment = core.attachments.upload_attachment(
        bob, copy.id, filename="draft.txt", content=[b"Welcome to the launch.\n"]
    )
    print(f"attached {attachment.original_filename} ({attachment.file_size} bytes)")
    core.tasks.update_task(bob, copy.id, status=TaskStatus.COMPLETED)

    report = core.reports.create_report(
        ada, name="Launch status", report_type="project", parameters={"project_id": project.id}
    )
    assert report.data is not None  # jobs run inline: the report is ready
    print(f"report {report.name!r}: {report.status.value}, sections {sorted(report.data)}")
    print(f"events handled: {seen}")
    return seen


def main() -> None:
    with in_memory() as rt:
        print("-- in memory")
        assert task_flow(rt) == ["comment on 1", "completed task 1"]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp))  # a SQLite file, migrated on first use
        with from_settings(settings, file_store=InMemoryFileStore()) as rt:
            print(f"-- on {settings.effective_database_url}")
            assert task_flow(rt) == ["comment on 1", "completed task 1"]


if __name__ == "__main__":
    main()
