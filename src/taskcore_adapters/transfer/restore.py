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

import itertools
import json
import math
import sqlite3
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence, Set
from typing import Any, Final

import attrs

from taskcore.app import Taskcore
from taskcore.errors import TaskcoreError, ValidationError
from taskcore.services.transfer import TransferService
from taskcore.services.users import Principal
from taskcore_adapters import wire_fields as wire
from taskcore_adapters.transfer.instance import FORMAT, MANIFEST, VERSION, Progress
from taskcore_adapters.transfer.project_reader import ProjectDocument
from taskcore_adapters.transfer.reading import Table, export_table

FIELD: Final = "file"
READ_BYTES: Final = 1024 * 1024
CHUNK_TASKS: Final = 5_000
"""Tasks of a project read, imported and completed at a time."""


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
    """Read and check every project's document (a chunk of tasks at a time) without
    changing anything.

    Raises:
        ValidationError: a document is missing or is not a project export.
    """
    manifest = manifest_of(archive)
    people = People(core)
    for listed in manifest["projects"]:
        document = _document(archive, listed)
        for start, chunk in _chunks(document):
            _table(document, chunk, start)
    named = [p["username"] for p in manifest.get("people", ())]
    return Plan(manifest=manifest, missing_people=tuple(n for n in named if people.get(n) is None))


def _document(archive: zipfile.ZipFile, listed: Mapping[str, Any]) -> ProjectDocument:
    document = ProjectDocument(archive, f"{listed['folder']}project.json")
    export_table({**document.head, "tasks": []})  # the format, or ValidationError
    return document


def _chunks(document: ProjectDocument) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """The document's tasks, :data:`CHUNK_TASKS` at a time, each with the number of tasks
    before it."""
    start = 0
    tasks = document.tasks()
    while chunk := list(itertools.islice(tasks, CHUNK_TASKS)):
        yield start, chunk
        start += len(chunk)


def _table(document: ProjectDocument, chunk: list[dict[str, Any]], start: int) -> Table:
    """A chunk's rows as the importer reads them, in the document's order, their line
    numbers counted from the project's first task."""
    table = export_table({**document.head, "tasks": chunk}, parents_first=False)
    return attrs.evolve(table, rows=[(line + start, cells) for line, cells in table.rows])


def restore(
    core: Taskcore,
    admin: Principal,
    archive: zipfile.ZipFile,
    progress: Progress = lambda _: None,
) -> list[ProjectReport]:
    """Create every project of the archive in this instance (see the module's notes);
    ``progress`` counts tasks written. Relations between tasks of different projects are
    restored once every project is in.

    Memory holds one chunk of tasks (:data:`CHUNK_TASKS`) and one project's relations:
    which task each exported task became, and the relations to add at the end, wait in a
    temporary file."""
    manifest = manifest_of(archive)
    transfer = TransferService(transactions=core.transactions, clock=core.clock)  # no jobs
    people = People(core)
    entries = frozenset(archive.namelist())
    reports: list[ProjectReport] = []
    with Scratch() as scratch:
        for listed in manifest["projects"]:
            document = _document(archive, listed)
            report = ProjectReport(
                name=str(document.head["project"]["name"]), exported_id=int(listed["id"])
            )
            reports.append(report)
            restorer = _Project(core, transfer, admin, people, report, entries, scratch)
            restorer.run(archive, listed["folder"], document, progress)
            scratch.add_relations(len(reports) - 1, document.tail().get("relations") or ())
        for index, relation in scratch.relations():
            _relate(core, admin, scratch, reports[index], relation)
    return reports


class Scratch:
    """A temporary SQLite file beside the import: the new id of each exported task, the
    exported ids met so far, and the relations to add once every project is in."""

    def __init__(self) -> None:
        self._db = sqlite3.connect("")  # a private on-disk database, gone when closed
        self._db.executescript(
            "CREATE TABLE ids (old INTEGER PRIMARY KEY, new INTEGER);"
            "CREATE TABLE seen (old TEXT PRIMARY KEY);"
            "CREATE TABLE relations (n INTEGER PRIMARY KEY, report INTEGER, body TEXT);"
        )

    def __enter__(self) -> Scratch:
        return self

    def __exit__(self, *exc: object) -> None:
        self._db.close()

    def add_ids(self, pairs: Mapping[int, int]) -> None:
        self._db.executemany("INSERT OR REPLACE INTO ids VALUES (?, ?)", pairs.items())

    def new_ids(self, old: Iterable[int]) -> dict[int, int]:
        found: dict[int, int] = {}
        for key in old:
            row = self._db.execute("SELECT new FROM ids WHERE old = ?", (key,)).fetchone()
            if row is not None:
                found[key] = int(row[0])
        return found

    def see(self, external_ids: Iterable[str]) -> None:
        self._db.executemany("INSERT OR IGNORE INTO seen VALUES (?)", ((e,) for e in external_ids))

    def seen(self, external_id: str) -> bool:
        query = "SELECT 1 FROM seen WHERE old = ?"
        return self._db.execute(query, (external_id,)).fetchone() is not None

    def add_relations(self, report: int, relations: Iterable[Mapping[str, Any]]) -> None:
        self._db.executemany(
            "INSERT INTO relations (report, body) VALUES (?, ?)",
            ((report, json.dumps(r)) for r in relations),
        )

    def relations(self) -> Iterator[tuple[int, dict[str, Any]]]:
        last = 0
        while rows := self._db.execute(
            "SELECT n, report, body FROM relations WHERE n > ? ORDER BY n LIMIT 500", (last,)
        ).fetchall():
            for n, report, body in rows:
                last = n
                yield int(report), json.loads(body)


def _relate(
    core: Taskcore,
    admin: Principal,
    scratch: Scratch,
    report: ProjectReport,
    relation: Mapping[str, Any],
) -> None:
    tasks = scratch.new_ids([relation["source_id"], relation["target_id"]])
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
    scratch: Scratch

    def run(
        self,
        archive: zipfile.ZipFile,
        folder: str,
        document: ProjectDocument,
        progress: Progress,
    ) -> None:
        """Import one project: its tasks and comments chunk by chunk, then, reading the
        tasks again, what the importer does not write."""
        head = document.head
        project_id = self._create(head)
        required = self._fields(project_id, head.get("custom_fields", ()))
        source = f"taskcore:{self.report.exported_id}"
        early: list[tuple[str, str]] = []
        for start, chunk in _chunks(document):
            table = _table(document, chunk, start)
            early.extend(self._hold_parents(table))
            self._import(project_id, source, table, progress)
        self._adopt(project_id, source, early)
        last: dict[str, float] = {}
        for start, chunk in _chunks(document):
            order = [
                (cells["id"], cells["status"]) for _, cells in _table(document, chunk, start).rows
            ]
            found = self.transfer.imported_tasks(
                self.admin, project_id, source=source, external_ids=[t for t, _ in order]
            )
            self.scratch.add_ids({int(old): new for old, new in found.items()})
            placed = _positions(order, set(found), last)
            for task in chunk:
                new = found.get(str(task["id"]))
                if new is not None:
                    self._complete(new, task, placed.get(str(task["id"])))
                    self._attach(archive, folder, new, task.get("attachments", ()))
        for field_id in required:
            self.core.tasks.change_field(self.admin, project_id, field_id, required=True)
        status = head["project"]["status"]
        if status != "active":
            self.core.projects.update_project(
                self.admin, project_id, **wire.project_arguments({"status": status})
            )

    def _hold_parents(self, table: Table) -> list[tuple[str, str]]:
        """Subtasks whose parent comes later in the document (a task moved under a newer
        one) are imported without it, in their place, and given it once every chunk is
        in: their rows lose the parent here; returns (subtask, parent) of each."""
        ids = [cells["id"] for _, cells in table.rows]
        outside = {c["parent_id"] for _, c in table.rows if c["parent_id"]} - set(ids)
        earlier = {parent for parent in outside if self.scratch.seen(parent)}
        before: set[str] = set()
        held = []
        for _, cells in table.rows:
            parent = cells["parent_id"]
            if parent and parent not in before and parent not in earlier:
                held.append((cells["id"], parent))
                cells["parent_id"] = ""
            before.add(cells["id"])
        self.scratch.see(ids)
        return held

    def _adopt(self, project_id: int, source: str, held: list[tuple[str, str]]) -> None:
        if not held:
            return
        found = self.transfer.imported_tasks(
            self.admin, project_id, source=source, external_ids={i for pair in held for i in pair}
        )
        for child, parent in held:
            if child not in found:
                continue
            if parent not in found:
                self.report.problems.append(f"task {child}: its parent {parent} was not imported")
                continue
            try:
                self.core.tasks.update_task(self.admin, found[child], parent_id=found[parent])
            except TaskcoreError as exc:
                self.report.problems.append(f"task {child}: {exc}")

    def _create(self, doc: Mapping[str, Any]) -> int:
        p = doc["project"]
        owner = self.people.get(str(p["owner"]))
        if owner is None:
            self.report.problems.append(f"owner {p['owner']!r} has no account here")
        project = self.core.projects.create_project(
            owner or self.admin,
            name=p["name"],
            description=p["description"],
            **wire.project_arguments(
                {
                    "priority": p["priority"],
                    "start_date": p["start_date"],
                    "end_date": p["end_date"],
                }
            ),
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

    def _import(self, project_id: int, source: str, table: Table, progress: Progress) -> None:
        """Write a chunk's tasks and comments as one import run."""
        run = self.transfer.start_import(
            self.admin,
            project_id,
            source=source,
            header=table.header,
            rows=table.rows,
            mapping=table.mapping,
        )
        done = 0
        while self.transfer.write_chunk(run.key):
            now = self.transfer.get_import(self.admin, run.key)
            progress(now.done - done)
            done = now.done
        final = self.transfer.get_import(self.admin, run.key)
        progress(len(table.rows) - done)
        self.report.tasks += final.created
        self.report.skipped += final.skipped
        self.report.problems.extend(
            f"task on line {p['line']}: {p['field']}: {p['reason']}" for p in final.problems
        )

    def _complete(self, task_id: int, task: Mapping[str, Any], placed: float | None) -> None:
        """What the importer does not write: the position (unless the importer placed
        the task there: ``placed``), actual hours, custom fields."""
        changes: dict[str, Any] = {}
        if task["position"] != placed:
            changes["position"] = task["position"]
        if task.get("actual_hours") is not None:
            changes["actual_hours"] = task["actual_hours"]
        if task.get("custom_fields"):
            changes["custom_fields"] = task["custom_fields"]
        if not changes:
            return
        try:
            self.core.tasks.update_task(self.admin, task_id, **wire.task_arguments(changes))
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
                    content=_file_chunks(archive, entry),
                    declared_type=item.get("mime_type"),
                )
            except TaskcoreError as exc:
                self.report.problems.append(f"attachment {item['id']}: {exc}")
            else:
                self.report.attachments += 1


def _positions(
    order: Sequence[tuple[str, str]], imported: Set[str], last: dict[str, float]
) -> dict[str, float]:
    """Where the importer placed the tasks of a new project: each at the end of its
    status column (the whole number after the last), in row order; ``last`` holds each
    column's end across the chunks."""
    placed: dict[str, float] = {}
    for external_id, status in order:
        if external_id in imported:
            end = last.get(status)
            last[status] = placed[external_id] = 1.0 if end is None else math.floor(end) + 1.0
    return placed


def _file_chunks(archive: zipfile.ZipFile, entry: str) -> Iterator[bytes]:
    with archive.open(entry) as stream:
        while chunk := stream.read(READ_BYTES):
            yield chunk
