"""``taskcore export`` and ``taskcore import``: a whole instance (or selected projects)
out to one zip, and back into an instance (see docs/import-export.md)."""

from __future__ import annotations

import contextlib
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from taskcore_adapters.cli.progress import counter
from taskcore_adapters.config import Settings

if TYPE_CHECKING:
    from taskcore_adapters.bootstrap import Runtime
    from taskcore_adapters.transfer.restore import ProjectReport

AS_HELP = (
    "The administrator the command acts as (username); the active administrator with "
    "the smallest id when not given."
)
PROBLEMS_SHOWN = 20


@contextlib.contextmanager
def _runtime() -> Iterator[Runtime]:
    from taskcore_adapters.bootstrap import from_settings

    runtime = from_settings(Settings.from_env(), migrate=None)
    try:
        yield runtime
    finally:
        runtime.close()


@click.command(
    "export",
    short_help="Export the instance (or some projects) to a zip.",
    help="Export every project (or those --project names) to one zip: each project's own "
    "export (project.json, tasks.csv, attachments' files) under projects/<id>/ and a "
    "manifest.json naming the projects and the people they name. Written entry by entry, "
    "so memory holds one project at a time.",
)
@click.option(
    "--project",
    "projects",
    type=click.IntRange(min=1),
    multiple=True,
    metavar="ID",
    help="Export this project (repeat for more); every project when not given.",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The zip to write (replaced only once the export is complete).",
)
@click.option("--as", "acting", metavar="USERNAME", help=AS_HELP)
def export(projects: tuple[int, ...], output: Path, acting: str | None) -> int:
    from taskcore_adapters.transfer.instance import acting_admin, project_ids, write_instance

    partial = output.with_name(output.name + ".partial")
    with _runtime() as runtime:
        core = runtime.core
        admin = acting_admin(core, acting)
        chosen = project_ids(core, admin, projects)
        try:
            with counter("exporting projects", len(chosen)) as bar:
                manifest = write_instance(core, admin, partial, chosen, bar.update)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    os.replace(partial, output)
    listed = manifest["projects"]
    missing = sum(p["missing_files"] for p in listed)
    click.echo(
        f"exported {len(listed)} projects ({sum(p['tasks'] for p in listed)} tasks, "
        f"{sum(p['attachments'] for p in listed)} attachments) to {output}"
    )
    if missing:
        click.echo(f"attachments whose file could not be read (see missing.txt): {missing}")
        return 1
    return 0


@click.command(
    "import",
    short_help="Import an instance export into this instance.",
    help="Create every project of an instance export (taskcore export) in this instance: "
    "members, custom fields, tasks and subtasks, comments, attachments, relations. People "
    "are matched by username to this instance's accounts; make the accounts first (--dry-run "
    "lists those missing). Exit status 1 when something was left out.",
)
@click.argument(
    "archive", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)
)
@click.option(
    "--dry-run", is_flag=True, help="Only read and check the export, and say what is missing."
)
@click.option("--as", "acting", metavar="USERNAME", help=AS_HELP)
def import_(archive: Path, dry_run: bool, acting: str | None) -> int:
    from taskcore_adapters.transfer.instance import acting_admin
    from taskcore_adapters.transfer.restore import plan, restore

    with _runtime() as runtime, _open(archive) as source:
        core = runtime.core
        admin = acting_admin(core, acting)
        checked = plan(core, source)
        listed = checked.manifest["projects"]
        for project in listed:
            click.echo(
                f"project {project['name']!r} (exported id {project['id']}): "
                f"{project['tasks']} tasks, {project['comments']} comments, "
                f"{project['attachments']} attachments"
            )
        for name in checked.missing_people:
            click.echo(f"no account here for {name!r}: the tasks naming them are left out")
        if dry_run:
            click.echo(f"dry run: {len(listed)} projects read, nothing changed")
            return 1 if checked.missing_people else 0
        with counter("importing tasks", sum(p["tasks"] for p in listed)) as bar:
            reports = restore(core, admin, source, bar.update)
    return _summary(reports)


def _summary(reports: list[ProjectReport]) -> int:
    incomplete = False
    for report in reports:
        click.echo(
            f"project {report.name!r}: id {report.project_id}, {report.tasks} tasks, "
            f"{report.skipped} left out, {report.attachments} attachments"
        )
        for problem in report.problems[:PROBLEMS_SHOWN]:
            click.echo(f"  problem: {problem}")
        if len(report.problems) > PROBLEMS_SHOWN:
            click.echo(f"  … and {len(report.problems) - PROBLEMS_SHOWN} more problems")
        incomplete = incomplete or bool(report.skipped or report.problems)
    return 1 if incomplete else 0


@contextlib.contextmanager
def _open(path: Path) -> Iterator[zipfile.ZipFile]:
    from taskcore.errors import ValidationError

    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise ValidationError(f"{path} is not a zip: {exc}", field="file") from exc
    with archive:
        yield archive


COMMANDS: tuple[click.Command, ...] = (export, import_)
