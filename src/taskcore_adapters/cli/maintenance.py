"""``taskcore sweep-files`` and ``taskcore requeue-failed``: bringing files and event
deliveries back in step."""

from __future__ import annotations

import datetime as dt

import click

from taskcore_adapters.cli.progress import bar, steps
from taskcore_adapters.config import Settings


@click.command(
    "sweep-files",
    short_help="Retry file removals, remove orphaned files, report missing ones.",
    help="Bring the attachment files in step with the database: retry recorded removals, "
    "remove files no attachment refers to and unfinished uploads older than the grace "
    "period, and report attachments whose file is missing (exit status 1).",
)
@click.option(
    "--grace-hours",
    type=click.FloatRange(min=0),
    default=24.0,
    help="Leave files younger than this alone (longer than the slowest upload).",
)
@click.option(
    "--skip-row-check",
    is_flag=True,
    help="Do not look up each attachment's file (one store lookup per attachment).",
)
def sweep_files(grace_hours: float, skip_row_check: bool) -> int:
    from taskcore_adapters.bootstrap import from_settings

    runtime = from_settings(Settings.from_env(), migrate=None)
    try:
        # The file store is listed as the sweep goes: counts per step, not a bar.
        report = runtime.core.attachments.sweep_files(
            grace=dt.timedelta(hours=grace_hours),
            check_rows=not skip_row_check,
            progress=steps(),
        )
    finally:
        runtime.close()
    print(f"blob removals completed: {report.deletions_completed}")
    print(f"blob removals still pending: {report.deletions_pending}")
    print(f"orphaned blobs removed: {len(report.orphans_removed)}")
    print(f"unfinished uploads removed: {len(report.partials_removed)}")
    print(f"removals that failed (retried next time): {report.failures}")
    if report.unrecognised_keys:
        print(f"keys not made by taskcore, left alone: {len(report.unrecognised_keys)}")
    if report.missing_blobs:
        ids = ", ".join(str(i) for i in report.missing_blobs)
        print(f"attachments whose file is missing: {ids}")
        return 1
    return 0


@click.command(
    "requeue-failed",
    short_help="Make failed event deliveries pending again.",
    help="Make failed event deliveries pending again, with their attempts counted from "
    "zero, once their cause is fixed; the server's or the worker's next relay round queues "
    "them.",
)
@click.option("--event", metavar="ID", help="Only the deliveries of this event.")
@click.option("--handler", metavar="NAME", help="Only the deliveries to this handler.")
def requeue_failed(event: str | None, handler: str | None) -> int:
    from taskcore_adapters.bootstrap import from_settings

    runtime = from_settings(Settings.from_env(), migrate=None)
    events = runtime.core.events
    try:
        names = [handler] if handler is not None else events.handler_names
        count = 0
        with bar("requeueing, handler by handler", names) as chosen:
            for name in chosen:
                count += events.requeue_failed(True, event_id=event, handler=name)
    finally:
        runtime.close()
    print(f"failed deliveries requeued: {count}")
    return 0


COMMANDS = (sweep_files, requeue_failed)
