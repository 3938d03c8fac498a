"""Test support shipped with the library: a taskcore on the in-memory adapters, with helpers
to create users and projects in one line. For your own tests as much as for ours."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence

import attrs

from taskcore.app import Taskcore, build
from taskcore.domain.attachments import DEFAULT_MAX_UPLOAD_BYTES, DEFAULT_USER_QUOTA_BYTES
from taskcore.domain.events import DomainEvent
from taskcore.domain.projects import MemberView, ProjectView
from taskcore.ports.files import FileStore
from taskcore.ports.mail import Mailer
from taskcore.ports.scanning import MalwareScanner
from taskcore.ports.uow import UnitOfWorkFactory
from taskcore.ports.webhooks import WebhookSender
from taskcore.services.users import Principal
from taskcore.services.webhooks import WebhookOptions
from taskcore_adapters.mail.templates import JinjaTemplateRenderer
from taskcore_adapters.memory import (
    FakeTokenService,
    InMemoryFileStore,
    InMemoryStore,
    ManualClock,
    PlainPasswordHasher,
    RecordingMailer,
)
from taskcore_adapters.rrule import DateutilRecurrenceRules


@attrs.define
class World:
    """One in-memory taskcore, its store, its clock, its file store and its mailer."""

    core: Taskcore
    store: InMemoryStore
    clock: ManualClock
    files: FileStore = attrs.field(factory=InMemoryFileStore)
    mailer: RecordingMailer = attrs.field(factory=RecordingMailer)

    @classmethod
    def create(
        cls,
        *,
        files: FileStore | None = None,
        max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
        wrap_uow: Callable[[InMemoryStore], UnitOfWorkFactory] | None = None,
        webhook_sender: WebhookSender | None = None,
        webhook_options: WebhookOptions | None = None,
        mailer: Mailer | None = None,
        mail_max_attempts: int = 5,
        user_quota_bytes: int | None = DEFAULT_USER_QUOTA_BYTES,
        malware_scanner: MalwareScanner | None = None,
        refresh_reuse_grace: dt.timedelta = dt.timedelta(seconds=10),
        job_lanes: Mapping[str, int] | None = None,
    ) -> World:
        """A fresh world.

        Args:
            files: The file store for attachments (a fresh ``InMemoryFileStore`` by default).
            max_upload_bytes: The largest attachment accepted.
            wrap_uow: Wraps the store's unit-of-work factory, to inject faults.
            webhook_sender: Sends webhooks (e.g. a ``RecordingWebhookSender``); without
                one, webhook deliveries wait.
            webhook_options: Webhook URL rules and delivery limits.
            mailer: Sends notification e-mail instead of the world's ``RecordingMailer``
                (which then records nothing).
            mail_max_attempts: Delivery attempts of one e-mail before it fails.
            user_quota_bytes: Each user's storage quota for attachments (``None``: none).
            malware_scanner: Scans uploaded files (by default none).
            refresh_reuse_grace: How long a replayed refresh token is only refused, not
                treated as reuse (10 seconds; zero disables the grace period).
            job_lanes: Threads per lane of jobs that reach other servers (mail,
                webhooks); by default none, so they run in the calling thread and a test
                sees their effect as soon as the call returns.
        """
        store, clock = InMemoryStore(), ManualClock()
        file_store = InMemoryFileStore() if files is None else files
        recorder = RecordingMailer()
        core = build(
            uow_factory=store if wrap_uow is None else wrap_uow(store),
            clock=clock,
            password_hasher=PlainPasswordHasher(),
            token_service=FakeTokenService(),
            file_store=file_store,
            max_upload_bytes=max_upload_bytes,
            webhook_sender=webhook_sender,
            webhook_options=webhook_options,
            mailer=mailer or recorder,
            template_renderer=JinjaTemplateRenderer(),
            mail_max_attempts=mail_max_attempts,
            user_quota_bytes=user_quota_bytes,
            malware_scanner=malware_scanner,
            refresh_reuse_grace=refresh_reuse_grace,
            job_lanes=job_lanes,
            recurrence_rules=DateutilRecurrenceRules(),
        )
        return cls(core=core, store=store, clock=clock, files=file_store, mailer=recorder)

    def user(self, name: str, *, admin: bool = False) -> Principal:
        """Register a user and return them as an authenticated caller."""
        view = self.core.users.register(
            username=name,
            email=f"{name}@example.com",
            password="correct horse",  # noqa: S106  # nosec B106
            full_name=name.title(),
            is_admin=admin,
        )
        return Principal(user_id=view.id, username=view.username, is_admin=admin)

    def project(
        self,
        owner: Principal,
        *,
        members: Sequence[Principal] = (),
        viewers: Sequence[Principal] = (),
        name: str = "Apollo",
    ) -> ProjectView:
        """A project owned by ``owner`` with the given members and viewers.

        They are added directly, without invitations, as an administrator would add them
        (the events name ``owner`` as the actor); :meth:`join` goes through an invitation.
        """
        project = self.core.projects.create_project(owner, name=name)
        setup = attrs.evolve(owner, is_admin=True)
        for member in members:
            self.core.projects.add_member(setup, project.id, user_id=member.user_id)
        for viewer in viewers:
            self.core.projects.add_member(setup, project.id, user_id=viewer.user_id, role="viewer")
        return project

    def join(
        self, owner: Principal, project_id: int, user: Principal, *, role: str = "member"
    ) -> MemberView:
        """Make ``user`` a member: ``owner`` invites them and they accept."""
        invitation = self.core.projects.invite_member(
            owner, project_id, user_id=user.user_id, role=role
        )
        return self.core.projects.accept_invitation(user, invitation.id)

    def events(self) -> list[DomainEvent]:
        """Every event in the outbox, oldest first."""
        return self.store.events()

    def event_names(self) -> list[str]:
        """The names of every event in the outbox, oldest first."""
        return [e.name for e in self.events()]
