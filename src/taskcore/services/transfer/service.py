"""TransferService: the use cases of data in and out."""

from __future__ import annotations

from taskcore.ports.clock import Clock
from taskcore.services.jobs import Jobs
from taskcore.services.scopes import guarded
from taskcore.services.transfer.exporting import Exporting
from taskcore.services.transfer.importing import Importing
from taskcore.services.transfer.sources import ImportedTasks
from taskcore.uow import Transactions


@guarded("tasks", reads=("export_project", "stream_project", "preview_import", "imported_tasks"))
class TransferService(Exporting, Importing, ImportedTasks):
    """Exporting projects and importing work into them.

    Args:
        transactions: Opens units of work.
        clock: Source of the current time.
        jobs: Where import runs are queued (``None``: imports cannot be started).
    """

    def __init__(
        self, *, transactions: Transactions, clock: Clock, jobs: Jobs | None = None
    ) -> None:
        Exporting.__init__(self, transactions=transactions, clock=clock)
        Importing.__init__(self, transactions=transactions, clock=clock, jobs=jobs)
        ImportedTasks.__init__(self, transactions=transactions)
