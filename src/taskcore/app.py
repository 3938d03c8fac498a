"""The composition of the core: build every service from the ports it is handed."""

from __future__ import annotations

import attrs

from taskcore.ports.clock import Clock
from taskcore.ports.events import EventBus
from taskcore.ports.security import PasswordHasher, TokenService
from taskcore.ports.uow import UnitOfWorkFactory
from taskcore.services.comments import CommentService
from taskcore.services.projects import ProjectService
from taskcore.services.tasks import TaskService
from taskcore.services.users import UserService
from taskcore.uow import Transactions


@attrs.frozen(kw_only=True)
class Taskcore:
    """A ready taskcore instance: one attribute per use-case area.

    Instances share nothing; several can live in one process.
    """

    users: UserService
    projects: ProjectService
    tasks: TaskService
    comments: CommentService
    transactions: Transactions


def build(
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    password_hasher: PasswordHasher,
    token_service: TokenService,
    event_bus: EventBus | None = None,
) -> Taskcore:
    """Assemble taskcore from its ports.

    Args:
        uow_factory: Makes a unit of work per use-case call.
        clock: Source of the current time (aware UTC).
        password_hasher: Hashes and verifies passwords.
        token_service: Mints and verifies access tokens.
        event_bus: Receives events after commit, if given.

    Returns:
        The assembled instance.
    """
    transactions = Transactions(uow_factory, event_bus)
    return Taskcore(
        users=UserService(
            transactions=transactions,
            clock=clock,
            hasher=password_hasher,
            tokens=token_service,
        ),
        projects=ProjectService(transactions=transactions, clock=clock),
        tasks=TaskService(transactions=transactions, clock=clock),
        comments=CommentService(transactions=transactions, clock=clock),
        transactions=transactions,
    )
