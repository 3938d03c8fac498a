"""A whole instance's export (or selected projects'): one zip holding each project's own
zip export under ``projects/<id>/`` and a ``manifest.json`` listing them, written entry by
entry (one task in memory at a time, attachments chunk by chunk).

People are named by username, as in a project's export; the manifest lists everyone the
projects name (username, email, full name; never a password) so that the accounts can be
made on the receiving instance before :mod:`taskcore_adapters.transfer.restore` imports.
"""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Final

from taskcore.app import Taskcore
from taskcore.domain.pagination import PageRequest
from taskcore.errors import ValidationError
from taskcore.services.users import Principal
from taskcore_adapters.transfer.writing import write_project_stream

FORMAT: Final = "taskcore.instance"
VERSION: Final = 1
MANIFEST: Final = "manifest.json"

Progress = Callable[[int], None]
"""Told how many more units (projects, tasks) are done."""


def acting_admin(core: Taskcore, username: str | None) -> Principal:
    """The administrator an export or an import acts as: ``username``'s account, or the
    active administrator with the smallest id.

    Raises:
        ValidationError: (``as``) no such active administrator, or none at all.
    """
    with core.transactions(read_only=True) as work:
        users = work.uow.users
        if username is not None:
            user = users.get_by_username(username)
            if user is None or not (user.is_admin and user.is_active):
                raise ValidationError(f"{username!r} is not an active administrator", field="as")
        else:
            user = _first_admin(users.list)
            if user is None:
                raise ValidationError(
                    "no active administrator: create one with taskcore create-admin", field="as"
                )
        return Principal(user_id=user.key, username=user.username, is_admin=True)


def _first_admin(listing: Callable[[PageRequest], Any]) -> Any:
    number = 1
    while True:
        page = listing(PageRequest(page=number, per_page=100))
        admins = [u for u in page.items if u.is_admin and u.is_active]
        if admins:
            return min(admins, key=lambda u: u.key)
        if number >= page.pages:
            return None
        number += 1


def project_ids(core: Taskcore, actor: Principal, chosen: Sequence[int] = ()) -> list[int]:
    """The projects to export, oldest first: ``chosen`` (each checked to exist) or all."""
    if chosen:
        for project_id in chosen:
            core.projects.get_project(actor, project_id)  # ProjectNotFound names it
        return sorted(set(chosen))
    found: list[int] = []
    number = 1
    while True:
        page = core.projects.list_projects(
            actor, all=True, page=PageRequest(page=number, per_page=100)
        )
        found.extend(p.id for p in page.items)
        if number >= page.pages:
            return sorted(found)
        number += 1


def write_instance(
    core: Taskcore,
    actor: Principal,
    target: Path,
    projects: Sequence[int],
    progress: Progress = lambda _: None,
) -> dict[str, Any]:
    """Write the projects' exports and the manifest to the zip ``target``.

    Returns:
        The manifest.
    """
    listed: list[dict[str, Any]] = []
    people: set[str] = set()

    def opener(attachment_id: int) -> Iterator[bytes]:
        return iter(core.attachments.open_download(actor, attachment_id).chunks)

    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for project_id in projects:
            folder = f"projects/{project_id}/"
            with core.transfer.stream_project(actor, project_id) as stream:
                written = write_project_stream(archive, stream, opener, prefix=folder)
            people |= written.people
            listed.append(
                {
                    "id": project_id,
                    "name": stream.head.project.name,
                    "folder": folder,
                    "tasks": written.tasks,
                    "comments": written.comments,
                    "attachments": written.attachments,
                    "missing_files": len(written.missing),
                }
            )
            progress(1)
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "exported_at": core.clock.now().astimezone(dt.UTC).isoformat(),
            "exported_by": actor.username,
            "projects": listed,
            "people": _accounts(core, sorted(people)),
        }
        archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2))
    return manifest


def _accounts(core: Taskcore, usernames: Iterable[str]) -> list[dict[str, Any]]:
    """Username, email and full name of each account (``#<id>``: an account gone)."""
    rows: list[dict[str, Any]] = []
    with core.transactions(read_only=True) as work:
        for name in usernames:
            user = None if name.startswith("#") else work.uow.users.get_by_username(name)
            rows.append(
                {
                    "username": name,
                    "email": None if user is None else user.email,
                    "full_name": None if user is None else user.full_name,
                }
            )
    return rows
