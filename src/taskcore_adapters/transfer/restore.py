"""Importing a whole instance's export (:mod:`taskcore_adapters.transfer.instance`) into
this instance: each project is created again, its members added, its custom fields
defined, its tasks and comments written by the importer of taskcore's own format (in
chunks, as an import run), then the values the importer does not carry (positions,
actual hours, custom-field values), attachments and relations.

People are matched by **username** to this instance's accounts, as the importer does: a
project is created by its exported owner when that account exists (by the acting
administrator otherwise); comments are written by their authors and attachments uploaded
by their uploaders (by the administrator when the account is missing). Everything else is
done as the acting administrator. A task naming a person this instance lacks (assignee,
watcher, comment author) is left out and reported, as the importer does; the dry run
lists those people first.
"""

from __future__ import annotations

import json
import math
import zipfile
from collections.abc import Iterator, Mapping, Sequence, Set
from typing import Any, Final

import attrs

from taskcore.app import Taskcore
from taskcore.errors import TaskcoreError, ValidationError
from taskcore.services.transfer import TransferService
from taskcore.services.transfer.importing import MAX_ROWS
from taskcore.services.users import Principal
from taskcore_adapters import wire_fields as wire
from taskcore_adapters.transfer.instance import FORMAT, MANIFEST, VERSION, Progress
from taskcore_adapters.transfer.reading import export_table

FIELD: Final = "file"
READ_BYTES: Final = 1024 * 1024


@attrs.define
class ProjectReport:
    """What importing one project did."""

    name: str
    exported_id: int
    project_id: int | None = None
    tasks: int = 0
    skipped: int = 0
    attachments: int = 0
    problems: list[str] = attrs.Factory(list)


@attrs.frozen
class Plan:
    """The dry run: what the archive holds and who this instance lacks."""

    manifest: Mapping[str, Any]
    missing_people: tuple[str, ...]


def manifest_of(archive: zipfile.ZipFile) -> dict[str, Any]:
    """The archive's manifest.

    Raises:
        ValidationError: (``file``) not a taskcore instance export, or a later version.
    """
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except (KeyError, ValueError) as exc:
        raise ValidationError(f"Not a taskcore instance export: {exc}", field=FIELD) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValidationError(f"Not a taskcore instance export (format {FORMAT})", field=FIELD)
    if manifest.get("version") != VERSION:
        raise ValidationError(f"Unknown version {manifest.get('version')!r}", field=FIELD)
    return manifest


class People:
    """This instance's accounts by username, looked up once each."""

    def __init__(self, core: Taskcore) -> None:
        self._core = core
        self._known: dict[str, Principal | None] = {}

    def get(self, username: str) -> Principal | None:
        if username not in self._known:
            with self._core.transactions(read_only=True) as work:
                user = work.uow.users.get_by_username(username)
            self._known[username] = (
                None
                if user is None or not user.is_active
                else Principal(user_id=user.key, username=user.username, is_admin=user.is_admin)
            )
        return self._known[username]


def plan(core: Taskcore, archive: zipfile.ZipFile) -> Plan:
    """Read and check every project's document without changing anything.

    Raises:
        ValidationError: a document is missing or is not a project export.
    """
    manifest = manifest_of(archive)
    people = People(core)
    for listed in manifest["projects"]:
        export_table(_document(archive, listed))
    named = [p["username"] for p in manifest.get("people", ())]
    return Plan(manifest=manifest, missing_people=tuple(n for n in named if people.get(n) is None))


def _document(archive: zipfile.ZipFile, listed: Mapping[str, Any]) -> dict[str, Any]:
    name = f"{listed['folder']}project.json"
    try:
        with archive.open(name) as stream:
            doc = json.load(stream)
    except (KeyError, ValueError) as exc:
        raise ValidationError(f"{name}: {exc}", field=FIELD) from exc
    if not isinstance(doc, dict):
        raise ValidationError(f"{name} is not a project export", field=FIELD)
    return doc


def restore(
    core: Taskcore,
    admin: Principal,
    archive: zipfile.ZipFile,
    progress: Progress = lambda _: None,
) -> list[ProjectReport]:
    """Create every project of the archive in this instance (see the module's notes);
    ``progress`` counts tasks written. Relations between tasks of different projects are
    restored once every project is in."""
    manifest = manifest_of(archive)
    transfer = TransferService(transactions=core.transactions, clock=core.clock)  # no jobs
    people = People(core)
    entries = frozenset(archive.namelist())
    reports: list[ProjectReport] = []
    tasks: dict[int, int] = {}
    relations: list[tuple[ProjectReport, Mapping[str, Any]]] = []
    for listed in manifest["projects"]:
        doc = _document(archive, listed)
        report = ProjectReport(name=str(doc["project"]["name"]), exported_id=int(listed["id"]))
        reports.append(report)
        restorer = _Project(core, transfer, admin, people, report, entries)
        tasks.update(restorer.run(archive, listed["folder"], doc, progress))
        relations.extend((report, r) for r in doc.get("relations", ()))
    for report, relation in relations:
        _relate(core, admin, tasks, report, relation)
    return reports


def _relate(
    core: Taskcore,
    admin: Principal,
    tasks: Mapping[int, int],
    report: ProjectReport,
    relation: Mapping[str, Any],
) -> None:
    source, target = tasks.get(relation["source_id"]), tasks.get(relation["target_id"])
    if source is None or target is None:
        report.problems.append(f"relation {relation['id']}: a task it joins was not imported")
        return
    try:
        core.tasks.add_relation(
            admin, source, kind=relation["kind"], other_id=target, lag_days=relation["lag_days"]
        )
    except TaskcoreError as exc:
        report.problems.append(f"relation {relation['id']}: {exc}")


@attrs.define
class _Project:
    core: Taskcore
    transfer: TransferService
    admin: Principal
    people: People
    report: ProjectReport
    entries: frozenset[str]

    def run(
        self, archive: zipfile.ZipFile, folder: str, doc: Mapping[str, Any], progress: Progress
    ) -> dict[int, int]:
        """Import one project; the new task id of each exported task id imported."""
        project_id = self._create(doc)
        required = self._fields(project_id, doc.get("custom_fields", ()))
        source = f"taskcore:{self.report.exported_id}"
        order = self._tasks(project_id, source, doc, progress)
        found = self.transfer.imported_tasks(
            self.admin, project_id, source=source, external_ids=[str(t["id"]) for t in doc["tasks"]]
        )
        tasks = {int(old): new for old, new in found.items()}
        placed = _positions(order, set(found))
        for task in doc["tasks"]:
            new = tasks.get(int(task["id"]))
            if new is not None:
                self._complete(new, task, placed.get(str(task["id"])))
                self._attach(archive, folder, new, task.get("attachments", ()))
        for field_id in required:
            self.core.tasks.change_field(self.admin, project_id, field_id, required=True)
        status = doc["project"]["status"]
        if status != "active":
            self.core.projects.update_project(
                self.admin, project_id, status=wire.project_status(status)
            )
        return tasks

    def _create(self, doc: Mapping[str, Any]) -> int:
        p = doc["project"]
        owner = self.people.get(str(p["owner"]))
        if owner is None:
            self.report.problems.append(f"owner {p['owner']!r} has no account here")
        project = self.core.projects.create_project(
            owner or self.admin,
            name=p["name"],
            description=p["description"],
            priority=wire.priority(p["priority"]),
            start_date=wire.project_date(p["start_date"], "start_date"),
            end_date=wire.project_date(p["end_date"], "end_date"),
        )
        self.report.project_id = project.id
        for member in doc.get("members", ()):
            person = self.people.get(str(member["username"]))
            if person is None:
                self.report.problems.append(f"member {member['username']!r} has no account here")
            elif member["username"] != p["owner"]:
                try:
                    self.core.projects.add_member(
                        self.admin, project.id, user_id=person.user_id, role=member["role"]
                    )
                except TaskcoreError as exc:  # the administrator who made it, a bad role
                    self.report.problems.append(f"member {member['username']!r}: {exc}")
        return project.id

    def _fields(self, project_id: int, fields: Sequence[Mapping[str, Any]]) -> list[int]:
        """Define the custom fields, required ones not yet (the importer writes tasks
        without values); the ids of those to make required at the end."""
        required: list[int] = []
        for field in fields:
            made = self.core.tasks.define_field(
                self.admin,
                project_id,
                key=field["key"],
                label=field["label"],
                field_type=field["type"],
                options=field.get("options") or None,
            )
            if field.get("required") and made.id is not None:
                required.append(made.id)
        return required

    def _tasks(
        self, project_id: int, source: str, doc: Mapping[str, Any], progress: Progress
    ) -> list[tuple[str, str]]:
        """Write the tasks and comments; the rows' (external id, status), in order."""
        table = export_table(doc)
        rows = table.rows
        for start in range(0, len(rows), MAX_ROWS):
            part = rows[start : start + MAX_ROWS]
            run = self.transfer.start_import(
                self.admin,
                project_id,
                source=source,
                header=table.header,
                rows=part,
                mapping=table.mapping,
            )
            done = 0
            while self.transfer.write_chunk(run.key):
                now = self.transfer.get_import(self.admin, run.key)
                progress(now.done - done)
                done = now.done
            final = self.transfer.get_import(self.admin, run.key)
            progress(len(part) - done)
            self.report.tasks += final.created
            self.report.skipped += final.skipped
            self.report.problems.extend(
                f"task on line {p['line']}: {p['field']}: {p['reason']}" for p in final.problems
            )
        return [(cells["id"], cells["status"]) for _, cells in rows]

    def _complete(self, task_id: int, task: Mapping[str, Any], placed: float | None) -> None:
        """What the importer does not write: the position (unless the importer placed
        the task there: ``placed``), actual hours, custom fields."""
        changes: dict[str, Any] = {}
        if task["position"] != placed:
            changes["position"] = task["position"]
        if task.get("actual_hours") is not None:
            changes["actual_hours"] = wire.hours(task["actual_hours"], "actual_hours")
        if task.get("custom_fields"):
            changes["custom_fields"] = task["custom_fields"]
        if not changes:
            return
        try:
            self.core.tasks.update_task(self.admin, task_id, **changes)
        except TaskcoreError as exc:
            self.report.problems.append(f"task {task['id']}: {exc}")

    def _attach(
        self,
        archive: zipfile.ZipFile,
        folder: str,
        task_id: int,
        attachments: Sequence[Mapping[str, Any]],
    ) -> None:
        for item in attachments:
            entry = f"{folder}{item.get('file') or ''}"
            if entry not in self.entries:
                self.report.problems.append(f"attachment {item['id']}: no file in the export")
                continue
            uploader = self.people.get(str(item["uploaded_by"])) or self.admin
            try:
                self.core.attachments.upload_attachment(
                    uploader,
                    task_id,
                    filename=item["original_filename"],
                    content=_chunks(archive, entry),
                    declared_type=item.get("mime_type"),
                )
            except TaskcoreError as exc:
                self.report.problems.append(f"attachment {item['id']}: {exc}")
            else:
                self.report.attachments += 1


def _positions(order: Sequence[tuple[str, str]], imported: Set[str]) -> dict[str, float]:
    """Where the importer placed the tasks of a new project: each at the end of its
    status column (the whole number after the last), in row order."""
    last: dict[str, float] = {}
    placed: dict[str, float] = {}
    for external_id, status in order:
        if external_id in imported:
            end = last.get(status)
            last[status] = placed[external_id] = 1.0 if end is None else math.floor(end) + 1.0
    return placed


def _chunks(archive: zipfile.ZipFile, entry: str) -> Iterator[bytes]:
    with archive.open(entry) as stream:
        while chunk := stream.read(READ_BYTES):
            yield chunk
