"""Removing attachments' blobs from the file store, with a durable record of what is left.

A blob whose removal is recorded (``uow.blob_deletions``) is removed right away; what
fails stays recorded, and :meth:`~taskcore.services.attachments.AttachmentService.sweep_files`
retries it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterator

import attrs

from taskcore.errors import TaskcoreError
from taskcore.services.attachments.common import AreaPart

log = logging.getLogger(__name__)


@attrs.frozen(kw_only=True)
class Blobs(AreaPart):
    """Removes blobs from the file store and keeps the record of pending removals."""

    def remove(self, keys: Collection[str]) -> int:
        """Remove recorded blobs from the store and forget those removed; returns how many.

        Never raises a taskcore error: what fails stays recorded for the sweep.
        """
        if not keys:
            return 0
        done: list[str] = []
        failed: dict[str, str] = {}
        for key in keys:
            try:
                self._files.delete(key)
            except TaskcoreError as exc:
                log.warning("could not remove blob %s; the sweep will retry", key, exc_info=True)
                failed[key] = f"{type(exc).__name__}: {exc}"
            else:
                done.append(key)
        try:
            with self._tx() as work:
                work.uow.blob_deletions.forget(done)
                for key, error in failed.items():
                    work.uow.blob_deletions.record_failure(key, error)
                work.commit()
        except TaskcoreError:
            log.warning("could not update the blob removal records", exc_info=True)
        return len(done)

    def try_delete(self, key: str) -> bool:
        """Delete one blob; ``False`` (and a warning logged) when the file store fails."""
        try:
            self._files.delete(key)
        except TaskcoreError:
            log.warning("could not remove blob %s", key, exc_info=True)
            return False
        return True

    def discard(self, key: str) -> None:
        """Remove the blob of an upload whose row was not stored; if that fails, record
        its removal; if that fails too, the orphan sweep will find it."""
        if self.try_delete(key):
            return
        try:
            with self._tx() as work:
                work.uow.blob_deletions.add([key], self._clock.now())
                work.commit()
        except TaskcoreError:
            log.warning("could not record the removal of blob %s", key, exc_info=True)


def close_chunks(chunks: Iterator[bytes]) -> None:
    """Close a file store's reader, if it can be closed."""
    close: Callable[[], object] | None = getattr(chunks, "close", None)
    if close is not None:
        close()
