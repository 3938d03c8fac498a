"""Data in and out: exporting a project (exporting.py) and importing tasks from files
(importing.py, jobs.py); service.py joins them into TransferService."""

from taskcore.services.transfer.service import TransferService

__all__ = ["TransferService"]
