"""Contract suites for third-party adapters: the checks taskcore's own adapters pass,
packaged for yours.

Each suite is a class of pytest tests written against a port. Subclass it in your test
suite (under a name starting with ``Test``) and override its fixtures with your
adapter (one for most suites; a mailer or a queue also shows what it delivered or
runs); pytest runs every check against it::

    import pytest
    from taskcore_adapters.contracts import FileStoreContract

    class TestMyStore(FileStoreContract):
        @pytest.fixture
        def store(self, tmp_path):
            return MyStore(tmp_path)

- :class:`UnitOfWorkContract` (fixture ``uow_factory``): the users, projects (with
  members) and tasks repositories of :class:`taskcore.ports.uow.UnitOfWork`, commit and
  rollback; :mod:`taskcore_adapters.contracts.repositories.records` helps write more.
- :class:`FileStoreContract` (fixture ``store``): :class:`taskcore.ports.files.FileStore`.
- :class:`EventBusContract` (fixture ``bus``): :class:`taskcore.ports.events.EventBus`.
- :class:`MailerContract` (fixtures ``mailer``, ``delivered`` and ``refusing``):
  :class:`taskcore.ports.mail.Mailer`; :class:`Delivered` is what the backing system
  received.
- :class:`JobQueueContract` (fixtures ``queue``, ``run_queued`` and ``failed_jobs``; the
  queue runs its jobs through the suite's ``runner``, a :class:`JobRecorder`):
  :class:`taskcore.ports.jobs.JobQueue`.

The suites need pytest (``pip install 'taskcore[testing]'``). The pytest plugin
:mod:`taskcore_adapters.pytest_plugin`, registered when taskcore is installed, adds a
``taskcore_runtime`` fixture for application tests.
"""

from __future__ import annotations

from taskcore_adapters.contracts.events import EventBusContract
from taskcore_adapters.contracts.files import FileStoreContract
from taskcore_adapters.contracts.jobs import JobQueueContract, JobRecorder
from taskcore_adapters.contracts.mail import Delivered, MailerContract
from taskcore_adapters.contracts.repositories import UnitOfWorkContract

__all__ = [
    "Delivered",
    "EventBusContract",
    "FileStoreContract",
    "JobQueueContract",
    "JobRecorder",
    "MailerContract",
    "UnitOfWorkContract",
]
