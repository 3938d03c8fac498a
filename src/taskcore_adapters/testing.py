"""Test support shipped with the library: a taskcore on the in-memory adapters, with helpers
to create users and projects in one line. For your own tests as much as for ours."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from taskcore.app import Taskcore, build
from taskcore.domain.events import DomainEvent
from taskcore.domain.projects import ProjectView
from taskcore.services.users import Principal
from taskcore_adapters.memory import (
    FakeTokenService,
    InMemoryStore,
    ManualClock,
    PlainPasswordHasher,
)


@attrs.define
class World:
    """One in-memory taskcore, its store and its clock."""

    core: Taskcore
    store: InMemoryStore
    clock: ManualClock

    @classmethod
    def create(cls) -> World:
        store, clock = InMemoryStore(), ManualClock()
        core = build(
            uow_factory=store,
            clock=clock,
            password_hasher=PlainPasswordHasher(),
            token_service=FakeTokenService(),
        )
        return cls(core=core, store=store, clock=clock)

    def user(self, name: str, *, admin: bool = False) -> Principal:
        """Register a user and return them as an authenticated caller."""
        view = self.core.users.register(
            username=name,
            email=f"{name}@example.com",
            password="correct horse",  # noqa: S106 - test support
            full_name=name.title(),
            is_admin=admin,
        )
        return Principal(user_id=view.id, username=view.username, is_admin=view.is_admin)

    def project(
        self,
        owner: Principal,
        *,
        members: Sequence[Principal] = (),
        viewers: Sequence[Principal] = (),
        name: str = "Apollo",
    ) -> ProjectView:
        """A project owned by ``owner`` with the given members and viewers."""
        project = self.core.projects.create_project(owner, name=name)
        for member in members:
            self.core.projects.add_member(owner, project.id, user_id=member.user_id)
        for viewer in viewers:
            self.core.projects.add_member(owner, project.id, user_id=viewer.user_id, role="viewer")
        return project

    def events(self) -> list[DomainEvent]:
        """Every event in the outbox, oldest first."""
        with self.store() as uow:
            return list(uow.outbox.pending(100_000))

    def event_names(self) -> list[str]:
        """The names of every event in the outbox, oldest first."""
        return [e.name for e in self.events()]
