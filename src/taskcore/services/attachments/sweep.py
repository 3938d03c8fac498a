"""The sweep: bring the file store back in step with the attachment rows.

It retries the recorded blob removals that failed, removes blobs no row refers to (left
by a crash between committing a blob and storing its row) and partial data of uploads
that never finished, and reports rows whose blob is missing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import attrs

from taskcore.domain.files import blob_key_created
from taskcore.ports.jobs import JobSpec
from taskcore.services.attachments.blobs import Blobs
from taskcore.services.attachments.common import AreaPart

log = logging.getLogger(__name__)

SWEEP_BATCH: Final = 500
"""How many keys or rows the sweep handles per query."""

DEFAULT_GRACE: Final = dt.timedelta(hours=24)
"""How old a blob without a row (or partial data) must be before the sweep removes it.
It must exceed the longest upload: a blob is committed before its row."""

Progress = Callable[[str, int], None]
"""Told how far the sweep is: a step (``removals``, ``files``, ``unfinished uploads``,
``attachments``) and how many of its items it has handled so far."""


def _quiet(step: str, done: int) -> None:
    """Progress that nobody watches."""


SWEEP_FILES: Final = JobSpec(name="attachments.sweep_files", retries=0, timeout_seconds=3600)
"""The periodic job that runs :meth:`AttachmentService.sweep_files`."""


@attrs.frozen(kw_only=True)
class SweepReport:
    """What one run of :meth:`AttachmentService.sweep_files` did and found."""

    deletions_completed: int
    """Recorded blob removals that succeeded now."""
    deletions_pending: int
    """Recorded blob removals still outstanding (they failed again, or were not reached)."""
    orphans_removed: Sequence[str]
    """Keys of blobs no attachment referred to, removed."""
    partials_removed: Sequence[str]
    """Keys whose partial data (an upload that never finished) was removed."""
    unrecognised_keys: Sequence[str]
    """Keys whose age cannot be told (not made by taskcore); left alone."""
    failures: int
    """Removals the file store refused; they are tried again by the next sweep."""
    missing_blobs: Sequence[int]
    """Ids of attachments whose blob is missing from the file store."""


@attrs.frozen(kw_only=True)
class FileSweep(AreaPart):
    """The sweep, documented on :meth:`AttachmentService.sweep_files`."""

    _blobs: Blobs = attrs.field(alias="blobs")

    def sweep(
        self, *, grace: dt.timedelta, check_rows: bool, progress: Progress = _quiet
    ) -> SweepReport:
        """See :meth:`AttachmentService.sweep_files`."""
        cutoff = self._clock.now() - grace
        with self._tx() as work:
            pending = [d.blob_key for d in work.uow.blob_deletions.pending(SWEEP_BATCH * 20)]
        completed = self._blobs.remove(pending)
        progress("removals", len(pending))
        orphans: list[str] = []
        partials: list[str] = []
        unrecognised: list[str] = []
        failures = self._sweep_orphans(cutoff, orphans, unrecognised, progress)
        failures += self._sweep_partials(cutoff, partials, unrecognised, progress)
        missing = self._missing_blobs(progress) if check_rows else []
        with self._tx() as work:
            still_pending = work.uow.blob_deletions.count()
        return SweepReport(
            deletions_completed=completed,
            deletions_pending=still_pending,
            orphans_removed=orphans,
            partials_removed=partials,
            unrecognised_keys=unrecognised,
            failures=failures,
            missing_blobs=missing,
        )

    def run_job(self, args: Mapping[str, Any]) -> None:
        """See :meth:`AttachmentService.run_sweep_job`."""
        grace = dt.timedelta(
            seconds=float(args.get("grace_seconds", DEFAULT_GRACE.total_seconds()))
        )
        report = self.sweep(grace=grace, check_rows=bool(args.get("check_rows", True)))
        log.info(
            "file sweep: %d removals completed, %d pending, %d orphans and %d unfinished "
            "uploads removed, %d failures, attachments without a file: %s",
            report.deletions_completed,
            report.deletions_pending,
            len(report.orphans_removed),
            len(report.partials_removed),
            report.failures,
            list(report.missing_blobs),
        )

    def _sweep_orphans(
        self, cutoff: dt.datetime, removed: list[str], unrecognised: list[str], progress: Progress
    ) -> int:
        """Remove the blobs older than ``cutoff`` no attachment refers to; returns how many
        removals failed."""
        failures = 0
        batch: list[str] = []
        seen = 0
        for key in self._files.keys():  # noqa: SIM118 - a FileStore, not a dict
            seen += 1
            if seen % SWEEP_BATCH == 0:
                progress("files", seen)
            created = blob_key_created(key)
            if created is None:
                unrecognised.append(key)
            elif created <= cutoff:
                batch.append(key)
            if len(batch) >= SWEEP_BATCH:
                failures += self._remove_orphans(batch, removed)
                batch = []
        if batch:
            failures += self._remove_orphans(batch, removed)
        progress("files", seen)
        return failures

    def _sweep_partials(
        self, cutoff: dt.datetime, removed: list[str], unrecognised: list[str], progress: Progress
    ) -> int:
        """Remove partial data older than ``cutoff``; returns how many removals failed."""
        failures = 0
        seen = 0
        for key in self._files.partial_keys():
            seen += 1
            created = blob_key_created(key)
            if created is None:
                unrecognised.append(key)
            elif created <= cutoff:
                if self._blobs.try_delete(key):
                    removed.append(key)
                else:
                    failures += 1
        progress("unfinished uploads", seen)
        return failures

    def _remove_orphans(self, keys: Sequence[str], removed: list[str]) -> int:
        """Delete those of ``keys`` no attachment refers to; returns how many failed."""
        with self._tx() as work:
            known = work.uow.attachments.referenced_keys(keys)
        failed = 0
        for key in keys:
            if key in known:
                continue
            if self._blobs.try_delete(key):
                removed.append(key)
            else:
                failed += 1
        return failed

    def _missing_blobs(self, progress: Progress) -> list[int]:
        missing: list[int] = []
        after = 0
        checked = 0
        while True:
            with self._tx() as work:
                rows = work.uow.attachments.blob_keys(after_id=after, limit=SWEEP_BATCH)
            if not rows:
                return missing
            missing.extend(ident for ident, key in rows if self._files.size(key) is None)
            checked += len(rows)
            progress("attachments", checked)
            after = rows[-1][0]
