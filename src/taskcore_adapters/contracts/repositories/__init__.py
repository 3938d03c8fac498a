"""The repository contract suite: a unit of work's users, projects (with members) and
tasks repositories, and its commit and rollback.

Subclass :class:`UnitOfWorkContract` and give it one fixture, ``uow_factory``, returning
a :class:`~taskcore.ports.uow.UnitOfWorkFactory` over an empty store::

    import pytest
    from taskcore_adapters.contracts import UnitOfWorkContract

    class TestMyStore(UnitOfWorkContract):
        @pytest.fixture
        def uow_factory(self, tmp_path):
            return MyStore(tmp_path)

Each check stores the records it needs (see :mod:`.records` for helpers to write more
checks of your own). taskcore's own stores (memory, SQLite and PostgreSQL) pass it.
"""

from __future__ import annotations

import pytest

from taskcore.ports.uow import UnitOfWorkFactory
from taskcore_adapters.contracts.repositories.projects import _Members, _Projects
from taskcore_adapters.contracts.repositories.records import add_users
from taskcore_adapters.contracts.repositories.tasks import _TaskQueries, _Tasks
from taskcore_adapters.contracts.repositories.users import _Transactions, _Users

__all__ = ["UnitOfWorkContract"]


class UnitOfWorkContract(_Transactions, _Users, _Projects, _Members, _Tasks, _TaskQueries):
    """Every check of the repository contract the suite covers: users (ids, look-ups
    ignoring case, unique names and e-mails even under concurrent adds, versioned updates,
    pages), projects and their members, tasks (round trips, versioned updates, deletion,
    every criterion and order, offset and keyset pages), and what commit and rollback
    leave visible.

    Subclass it (under a name starting with ``Test``) and override :meth:`uow_factory`.
    """

    @pytest.fixture
    def uow_factory(self) -> UnitOfWorkFactory:
        """A unit-of-work factory over an empty store; override this fixture."""
        raise NotImplementedError("override the `uow_factory` fixture")

    @pytest.fixture
    def user_ids(self, uow_factory: UnitOfWorkFactory) -> list[int]:
        """Three stored users: alice, Bob and carol."""
        return add_users(uow_factory)
