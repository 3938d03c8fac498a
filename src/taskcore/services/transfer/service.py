"""TransferService: the use cases of data in and out."""

from __future__ import annotations

from taskcore.ports.clock import Clock
from taskcore.services.transfer.exporting import Exporting
from taskcore.uow import Transactions


class TransferService(Exporting):
    """Exporting projects and importing work into them.

    Args:
        transactions: Opens units of work.
        clock: Source of the current time.
    """

    def __init__(self, *, transactions: Transactions, clock: Clock) -> None:
        super().__init__(transactions=transactions, clock=clock)
