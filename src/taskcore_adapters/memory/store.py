"""An in-memory database with serialisable transactions (one at a time, copy on begin)."""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import threading
from collections.abc import Callable, Collection, Sequence
from types import TracebackType
from typing import Any, Self, TypeVar

import attrs

from taskcore.domain import identifiers
from taskcore.domain.activity import ActivityEntry, ActivitySummary
from taskcore.domain.attachments import Attachment, BlobDeletion
from taskcore.domain.comments import Comment, CommentView
from taskcore.domain.events import DomainEvent
from taskcore.domain.invitations import Invitation
from taskcore.domain.notifications import Notification, NotificationTemplate
from taskcore.domain.pagination import Keyset, Page, PageRequest, SortValue, follows
from taskcore.domain.projects import (
    Membership,
    MemberView,
    Project,
    ProjectAccess,
    ProjectCriteria,
    ProjectView,
    Role,
)
from taskcore.domain.reports import Report
from taskcore.domain.sessions import AuthSession
from taskcore.domain.tasks import Task, TaskCriteria, TaskOrder, TaskStatus
from taskcore.domain.users import User
from taskcore.domain.webhooks import WebhookDelivery, WebhookEndpoint
from taskcore.errors import (
    CommentNotFound,
    EmailAlreadyExists,
    MemberAlreadyExists,
    ProjectNotFound,
    TaskNotFound,
    UsernameAlreadyExists,
    UserNotFound,
    VersionMismatch,
)
from taskcore.ports.deliveries import Delivery, DeliveryStatus
from taskcore_adapters.memory.activity import InMemoryActivityRepository
from taskcore_adapters.memory.attachments import (
    InMemoryAttachmentRepository,
    InMemoryBlobDeletionRepository,
)
from taskcore_adapters.memory.deliveries import InMemoryDeliveryRepository
from taskcore_adapters.memory.invitations import InMemoryInvitationRepository
from taskcore_adapters.memory.notifications import (
    InMemoryNotificationRepository,
    InMemoryPreferenceRepository,
    InMemoryTemplateRepository,
    original_templates,
)
from taskcore_adapters.memory.reports import InMemoryReportQueries, InMemoryReportRepository
from taskcore_adapters.memory.sessions import InMemorySessionRepository, StoredRefreshToken
from taskcore_adapters.memory.webhooks import (
    InMemoryWebhookDeliveryRepository,
    InMemoryWebhookRepository,
)

T = TypeVar("T")


@attrs.define
class _Tables:
    users: dict[int, User] = attrs.field(factory=dict)
    revoked: dict[str, dt.datetime] = attrs.field(factory=dict)
    sessions: dict[str, AuthSession] = attrs.field(factory=dict)
    refresh_tokens: dict[str, StoredRefreshToken] = attrs.field(factory=dict)
    projects: dict[int, Project] = attrs.field(factory=dict)
    members: dict[tuple[int, int], Membership] = attrs.field(factory=dict)
    invitations: dict[int, Invitation] = attrs.field(factory=dict)
    tasks: dict[int, Task] = attrs.field(factory=dict)
    comments: dict[int, Comment] = attrs.field(factory=dict)
    attachments: dict[int, Attachment] = attrs.field(factory=dict)
    blob_deletions: dict[str, BlobDeletion] = attrs.field(factory=dict)
    attachment_usage: dict[int, int] = attrs.field(factory=dict)
    reports: dict[int, Report] = attrs.field(factory=dict)
    outbox: list[tuple[DomainEvent, dt.datetime | None]] = attrs.field(factory=list)
    activity: dict[int, ActivityEntry] = attrs.field(factory=dict)
    activity_summaries: dict[dt.date, ActivitySummary] = attrs.field(factory=dict)
    deliveries: dict[tuple[str, str], Delivery] = attrs.field(factory=dict)
    webhooks: dict[int, WebhookEndpoint] = attrs.field(factory=dict)
    webhook_deliveries: dict[int, WebhookDelivery] = attrs.field(factory=dict)
    notifications: dict[int, Notification] = attrs.field(factory=dict)
    notification_templates: dict[int, NotificationTemplate] = attrs.field(
        factory=original_templates
    )
    notification_preferences: dict[tuple[int, str], dict[str, bool]] = attrs.field(factory=dict)
    next_id: dict[str, int] = attrs.field(factory=dict)

    def allocate(self, table: str) -> int:
        value = self.next_id.get(table, 0) + 1
        self.next_id[table] = value
        return value


class InMemoryStore:
    """The data of one in-memory taskcore; call it to get a unit of work.

    Transactions are serialised by a lock, so concurrent callers behave as if each ran
    alone, as under SERIALIZABLE isolation.
    """

    def __init__(self) -> None:
        self._tables = _Tables()
        self._lock = threading.RLock()

    def __call__(self, *, read_only: bool = False) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self, read_only=read_only)

    @property
    def lock(self) -> threading.RLock:
        """The lock that serialises transactions."""
        return self._lock

    def events(self) -> list[DomainEvent]:
        """Every event ever committed to the outbox, oldest first (published or not)."""
        with self._lock:
            return [event for event, _ in self._tables.outbox]

    def snapshot(self) -> _Tables:
        """A private copy of every table."""
        return copy.deepcopy(self._tables)

    def install(self, tables: _Tables) -> None:
        """Replace every table (on commit)."""
        self._tables = tables


class InMemoryUnitOfWork:
    """A transaction over an :class:`InMemoryStore` (see ``taskcore.ports.uow``)."""

    users: InMemoryUserRepository
    revoked_tokens: InMemoryRevokedTokenRepository
    sessions: InMemorySessionRepository
    projects: InMemoryProjectRepository
    invitations: InMemoryInvitationRepository
    tasks: InMemoryTaskRepository
    comments: InMemoryCommentRepository
    attachments: InMemoryAttachmentRepository
    blob_deletions: InMemoryBlobDeletionRepository
    reports: InMemoryReportRepository
    report_queries: InMemoryReportQueries
    outbox: InMemoryOutbox
    activity: InMemoryActivityRepository
    deliveries: InMemoryDeliveryRepository
    webhooks: InMemoryWebhookRepository
    webhook_deliveries: InMemoryWebhookDeliveryRepository
    notifications: InMemoryNotificationRepository
    notification_templates: InMemoryTemplateRepository
    notification_preferences: InMemoryPreferenceRepository

    def __init__(self, store: InMemoryStore, *, read_only: bool = False) -> None:
        self._store = store
        self._tables: _Tables | None = None
        self._read_only = read_only

    def __enter__(self) -> Self:
        self._store.lock.acquire()
        self._tables = self._store.snapshot()
        self._rebind()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._tables = None
        self._store.lock.release()

    def commit(self) -> None:
        """Install this transaction's copy as the store's data."""
        if self._tables is None:
            raise RuntimeError("commit outside the unit of work")
        if self._read_only:
            raise RuntimeError("commit of a read-only unit of work")
        self._store.install(self._tables)
        self._tables = self._store.snapshot()
        self._rebind()

    def rollback(self) -> None:
        """Throw away this transaction's changes."""
        self._tables = self._store.snapshot()
        self._rebind()

    def _rebind(self) -> None:
        if self._tables is None:
            raise RuntimeError("unit of work is not open")
        self.users = InMemoryUserRepository(self._tables)
        self.revoked_tokens = InMemoryRevokedTokenRepository(self._tables)
        self.sessions = InMemorySessionRepository(
            self._tables.sessions, self._tables.refresh_tokens, self._tables.users
        )
        self.projects = InMemoryProjectRepository(self._tables)
        self.invitations = InMemoryInvitationRepository(
            self._tables.invitations,
            self._tables.projects,
            self._tables.users,
            self._tables.allocate,
        )
        self.tasks = InMemoryTaskRepository(self._tables)
        self.comments = InMemoryCommentRepository(self._tables)
        self.attachments = InMemoryAttachmentRepository(self._tables)
        self.blob_deletions = InMemoryBlobDeletionRepository(self._tables)
        self.reports = InMemoryReportRepository(self._tables)
        self.report_queries = InMemoryReportQueries(self._tables)
        self.outbox = InMemoryOutbox(self._tables)
        self.activity = InMemoryActivityRepository(
            self._tables.activity,
            self._tables.activity_summaries,
            self._tables.users,
            self._tables.allocate,
        )
        self.deliveries = InMemoryDeliveryRepository(self._tables.deliveries)
        self.webhooks = InMemoryWebhookRepository(
            self._tables.webhooks, self._tables.webhook_deliveries, self._tables.allocate
        )
        self.webhook_deliveries = InMemoryWebhookDeliveryRepository(
            self._tables.webhook_deliveries, self._tables.allocate, self._tables.webhooks
        )
        tables = self._tables
        self.notifications = InMemoryNotificationRepository(
            tables.notifications, lambda: tables.allocate("notification_queue")
        )
        self.notification_templates = InMemoryTemplateRepository(tables.notification_templates)
        self.notification_preferences = InMemoryPreferenceRepository(
            tables.notification_preferences
        )


class InMemoryUserRepository:
    """Users in memory (see ``taskcore.ports.repositories.UserRepository``)."""

    def __init__(self, tables: _Tables) -> None:
        self._t = tables

    def _check_unique(self, user: User) -> None:
        for other in self._t.users.values():
            if other.id == user.id:
                continue
            if other.username_key == user.username_key:
                raise UsernameAlreadyExists()
            if other.email_key == user.email_key:
                raise EmailAlreadyExists()

    def add(self, user: User) -> User:
        self._check_unique(user)
        stored = attrs.evolve(user, id=self._t.allocate("users"), version=1)
        self._t.users[stored.key] = stored
        return copy.deepcopy(stored)

    def get(self, user_id: int) -> User | None:
        found = self._t.users.get(user_id)
        return copy.deepcopy(found) if found else None

    def get_by_username(self, username: str) -> User | None:
        wanted = identifiers.username_key(username)
        for user in self._t.users.values():
            if user.username_key == wanted:
                return copy.deepcopy(user)
        return None

    def get_by_email(self, email: str) -> User | None:
        wanted = identifiers.email_key(email)
        for user in self._t.users.values():
            if user.email_key == wanted:
                return copy.deepcopy(user)
        return None

    def get_by_skeleton(self, skeleton: str) -> User | None:
        for user in sorted(self._t.users.values(), key=lambda u: u.key):
            if user.username_skeleton == skeleton:
                return copy.deepcopy(user)
        return None

    def update(self, user: User) -> User:
        current = self._t.users.get(user.key)
        if current is None:
            raise UserNotFound(user.key)
        if current.version != user.version:
            raise VersionMismatch()
        self._check_unique(user)
        stored = attrs.evolve(user, version=user.version + 1)
        self._t.users[user.key] = stored
        return copy.deepcopy(stored)

    def record_login(self, user_id: int, when: dt.datetime) -> User:
        current = self._t.users.get(user_id)
        if current is None:
            raise UserNotFound(user_id)
        current.login_count += 1
        current.last_login = when
        return copy.deepcopy(current)

    def list(self, page: PageRequest) -> Page[User]:
        ordered = sorted(self._t.users.values(), key=lambda u: u.key)
        chunk = ordered[page.offset : page.offset + page.per_page]
        return Page(
            items=[copy.deepcopy(u) for u in chunk],
            page=page.page,
            per_page=page.per_page,
            total=len(ordered),
        )

    def count_active_admins(self) -> int:
        return sum(1 for u in self._t.users.values() if u.is_admin and u.is_active)


def _window(
    items: Sequence[T],
    key: Callable[[T], tuple[SortValue, int]],
    *,
    descending: bool,
    offset: int,
    limit: int,
    after: Keyset | None,
) -> list[T]:
    """Order items by ``key`` (values, then ids; ``None`` values last) and cut a page."""
    present = [i for i in items if key(i)[0] is not None]
    missing = [i for i in items if key(i)[0] is None]
    sort_key: Callable[[T], Any] = key
    present.sort(key=sort_key, reverse=descending)
    missing.sort(key=lambda i: key(i)[1], reverse=descending)
    ordered = present + missing
    if after is not None:
        return [i for i in ordered if follows(*key(i), after, descending=descending)][:limit]
    return ordered[offset : offset + limit]


class InMemoryProjectRepository:
    """Projects and memberships in memory (see ``taskcore.ports.repositories``)."""

    def __init__(self, tables: _Tables) -> None:
        self._t = tables

    def add(self, project: Project) -> Project:
        if project.owner_id not in self._t.users:
            raise UserNotFound(project.owner_id)
        stored = attrs.evolve(project, id=self._t.allocate("projects"), version=1)
        self._t.projects[stored.key] = stored
        return copy.deepcopy(stored)

    def get(self, project_id: int, *, for_update: bool = False) -> Project | None:
        found = self._t.projects.get(project_id)
        return copy.deepcopy(found) if found else None

    def update(self, project: Project) -> Project:
        current = self._t.projects.get(project.key)
        if current is None:
            raise ProjectNotFound(project.key)
        if current.version != project.version:
            raise VersionMismatch()
        stored = attrs.evolve(project, version=project.version + 1)
        self._t.projects[project.key] = stored
        return copy.deepcopy(stored)

    def delete(self, project_id: int) -> None:
        self._t.projects.pop(project_id, None)
        for key in [k for k in self._t.members if k[0] == project_id]:
            del self._t.members[key]

    def _role(self, project_id: int, user_id: int) -> Role | None:
        found = self._t.members.get((project_id, user_id))
        return found.role if found else None

    def access(self, project_id: int, user_id: int) -> ProjectAccess | None:
        if project_id not in self._t.projects:
            return None
        return ProjectAccess(project_id=project_id, role=self._role(project_id, user_id))

    def _view(self, project: Project, viewer_id: int) -> ProjectView:
        return ProjectView(
            id=project.key,
            name=project.name,
            description=project.description,
            status=project.status,
            priority=project.priority,
            start_date=project.start_date,
            end_date=project.end_date,
            created_at=project.created_at,
            updated_at=project.updated_at,
            owner_id=project.owner_id,
            task_count=sum(1 for t in self._t.tasks.values() if t.project_id == project.id),
            version=project.version,
            role=self._role(project.key, viewer_id),
        )

    def view(self, project_id: int, *, viewer_id: int) -> ProjectView | None:
        found = self._t.projects.get(project_id)
        return self._view(found, viewer_id) if found else None

    def _matching(self, criteria: ProjectCriteria) -> list[Project]:
        return [
            p
            for p in self._t.projects.values()
            if (criteria.member_id is None or (p.key, criteria.member_id) in self._t.members)
            and (criteria.status is None or p.status is criteria.status)
        ]

    def find(
        self,
        criteria: ProjectCriteria,
        *,
        offset: int = 0,
        limit: int,
        after: Keyset | None = None,
    ) -> Sequence[ProjectView]:
        page = _window(
            self._matching(criteria),
            lambda p: (p.created_at, p.key),
            descending=True,
            offset=offset,
            limit=limit,
            after=after,
        )
        return [self._view(p, criteria.viewer_id) for p in page]

    def count(self, criteria: ProjectCriteria) -> int:
        return len(self._matching(criteria))

    def add_member(self, membership: Membership) -> None:
        if membership.project_id not in self._t.projects:
            raise ProjectNotFound(membership.project_id)
        if membership.user_id not in self._t.users:
            raise UserNotFound(membership.user_id)
        key = (membership.project_id, membership.user_id)
        if key in self._t.members:
            raise MemberAlreadyExists()
        self._t.members[key] = membership

    def _member_view(self, membership: Membership) -> MemberView:
        user = self._t.users[membership.user_id]
        return MemberView(
            project_id=membership.project_id,
            user_id=membership.user_id,
            username=user.username,
            full_name=user.full_name,
            role=membership.role,
            added_at=membership.added_at,
        )

    def member(self, project_id: int, user_id: int) -> MemberView | None:
        found = self._t.members.get((project_id, user_id))
        return self._member_view(found) if found else None

    def set_role(self, project_id: int, user_id: int, role: Role) -> None:
        found = self._t.members.get((project_id, user_id))
        if found is not None:
            self._t.members[project_id, user_id] = attrs.evolve(found, role=role)

    def remove_member(self, project_id: int, user_id: int) -> None:
        self._t.members.pop((project_id, user_id), None)

    def member_roles(self, project_id: int, user_ids: Collection[int]) -> dict[int, Role]:
        return {uid: m.role for uid in user_ids if (m := self._t.members.get((project_id, uid)))}

    def owner_ids(self, project_id: int) -> Sequence[int]:
        return sorted(
            uid
            for (pid, uid), m in self._t.members.items()
            if pid == project_id and m.role is Role.OWNER
        )

    def members_named(self, project_id: int, usernames: Collection[str]) -> Sequence[MemberView]:
        wanted = {name.lower() for name in usernames}
        return [
            self._member_view(m)
            for (pid, uid), m in sorted(self._t.members.items())
            if pid == project_id and self._t.users[uid].username.lower() in wanted
        ]

    def find_members(
        self, project_id: int, *, offset: int = 0, limit: int, after: Keyset | None = None
    ) -> Sequence[MemberView]:
        page = _window(
            [m for (pid, _), m in self._t.members.items() if pid == project_id],
            lambda m: (m.added_at, m.user_id),
            descending=False,
            offset=offset,
            limit=limit,
            after=after,
        )
        return [self._member_view(m) for m in page]

    def count_members(self, project_id: int) -> int:
        return sum(1 for pid, _ in self._t.members if pid == project_id)


class InMemoryTaskRepository:
    """Tasks in memory (see ``taskcore.ports.repositories.TaskRepository``)."""

    def __init__(self, tables: _Tables) -> None:
        self._t = tables

    def add(self, task: Task) -> Task:
        if task.project_id not in self._t.projects:
            raise ProjectNotFound(task.project_id)
        stored = attrs.evolve(task, id=self._t.allocate("tasks"), version=1)
        self._t.tasks[stored.key] = stored
        return copy.deepcopy(stored)

    def add_many(self, tasks: Sequence[Task]) -> list[Task]:
        missing = next((t.project_id for t in tasks if t.project_id not in self._t.projects), None)
        if missing is not None:
            raise ProjectNotFound(missing)
        return [self.add(task) for task in tasks]

    def get(self, task_id: int) -> Task | None:
        found = self._t.tasks.get(task_id)
        return copy.deepcopy(found) if found else None

    def project_id_of(self, task_id: int) -> int | None:
        found = self._t.tasks.get(task_id)
        return found.project_id if found else None

    def update(self, task: Task, *, children_changed: bool = True) -> Task:
        current = self._t.tasks.get(task.key)
        if current is None:
            raise TaskNotFound(task.key)
        if current.version != task.version:
            raise VersionMismatch()
        stored = attrs.evolve(task, version=task.version + 1)
        self._t.tasks[task.key] = stored
        return copy.deepcopy(stored)

    def delete(self, task_id: int) -> None:
        self._t.tasks.pop(task_id, None)

    def delete_in_project(self, project_id: int) -> Sequence[Task]:
        gone = sorted(
            (t for t in self._t.tasks.values() if t.project_id == project_id), key=lambda t: t.key
        )
        for task in gone:
            del self._t.tasks[task.key]
        return gone

    def last_position(self, project_id: int, status: TaskStatus) -> float | None:
        return max(
            (
                t.position
                for t in self._t.tasks.values()
                if t.project_id == project_id and t.status is status
            ),
            default=None,
        )

    def release_member(self, project_id: int, user_id: int, now: dt.datetime) -> Sequence[Task]:
        released: list[Task] = []
        for task in sorted(self._t.tasks.values(), key=lambda t: t.key):
            if task.project_id != project_id:
                continue
            if user_id in task.watchers:
                task.watchers = tuple(w for w in task.watchers if w != user_id)
            if task.assignee_id == user_id:
                task.assignee_id = None
                task.updated_at = now
                task.version += 1
                released.append(copy.deepcopy(task))
        return released

    def _matching(self, criteria: TaskCriteria) -> list[Task]:
        return [
            t
            for t in self._t.tasks.values()
            if criteria.matches(t)
            and (
                criteria.member_id is None or (t.project_id, criteria.member_id) in self._t.members
            )
        ]

    def find(
        self,
        criteria: TaskCriteria,
        order: TaskOrder,
        *,
        offset: int = 0,
        limit: int,
        after: Keyset | None = None,
    ) -> Sequence[Task]:
        page = _window(
            self._matching(criteria),
            lambda t: (order.value(t), t.key),
            descending=order.descending,
            offset=offset,
            limit=limit,
            after=after,
        )
        return [copy.deepcopy(t) for t in page]

    def count(self, criteria: TaskCriteria) -> int:
        return len(self._matching(criteria))


class InMemoryCommentRepository:
    """Comments in memory (see ``taskcore.ports.repositories.CommentRepository``)."""

    def __init__(self, tables: _Tables) -> None:
        self._t = tables

    def add(self, comment: Comment) -> Comment:
        if comment.task_id not in self._t.tasks:
            raise TaskNotFound(comment.task_id)
        stored = attrs.evolve(comment, id=self._t.allocate("comments"), version=1)
        self._t.comments[stored.key] = stored
        return copy.deepcopy(stored)

    def _view(self, comment: Comment) -> CommentView:
        author = self._t.users.get(comment.author_id)
        return CommentView(
            id=comment.key,
            task_id=comment.task_id,
            project_id=self._t.tasks[comment.task_id].project_id,
            author_id=comment.author_id,
            author_name=author.username if author else "Unknown",
            content=comment.content,
            created_at=comment.created_at,
            updated_at=comment.updated_at,
            version=comment.version,
        )

    def get(self, comment_id: int) -> CommentView | None:
        found = self._t.comments.get(comment_id)
        return self._view(found) if found else None

    def update(self, comment: Comment) -> Comment:
        current = self._t.comments.get(comment.key)
        if current is None:
            raise CommentNotFound(comment.key)
        if current.version != comment.version:
            raise VersionMismatch()
        stored = attrs.evolve(comment, version=comment.version + 1)
        self._t.comments[comment.key] = stored
        return copy.deepcopy(stored)

    def delete(self, comment_id: int) -> None:
        self._t.comments.pop(comment_id, None)

    def _delete_where(self, keep: Callable[[Comment], bool]) -> int:
        gone = [k for k, c in self._t.comments.items() if not keep(c)]
        for key in gone:
            del self._t.comments[key]
        return len(gone)

    def delete_for_task(self, task_id: int) -> int:
        return self._delete_where(lambda c: c.task_id != task_id)

    def delete_in_project(self, project_id: int) -> int:
        tasks = {t.key for t in self._t.tasks.values() if t.project_id == project_id}
        return self._delete_where(lambda c: c.task_id not in tasks)

    def find(
        self, task_id: int, *, offset: int = 0, limit: int, after: Keyset | None = None
    ) -> Sequence[CommentView]:
        page = _window(
            [c for c in self._t.comments.values() if c.task_id == task_id],
            lambda c: (c.created_at, c.key),
            descending=False,
            offset=offset,
            limit=limit,
            after=after,
        )
        return [self._view(c) for c in page]

    def count(self, task_id: int) -> int:
        return sum(1 for c in self._t.comments.values() if c.task_id == task_id)


class InMemoryRevokedTokenRepository:
    """Revoked tokens in memory."""

    def __init__(self, tables: _Tables) -> None:
        self._t = tables

    def revoke(self, token_id: str, *, user_id: int, expires_at: dt.datetime) -> None:
        self._t.revoked[token_id] = expires_at

    def is_revoked(self, token_id: str) -> bool:
        return token_id in self._t.revoked

    def purge_expired(self, now: dt.datetime) -> int:
        gone = [k for k, exp in self._t.revoked.items() if exp <= now]
        for key in gone:
            del self._t.revoked[key]
        return len(gone)


class InMemoryOutbox:
    """The outbox in memory."""

    def __init__(self, tables: _Tables) -> None:
        self._t = tables

    def append(
        self, events: Sequence[DomainEvent], *, published_at: dt.datetime | None = None
    ) -> None:
        self._t.outbox.extend((e, published_at) for e in events)

    def pending(self, limit: int) -> Sequence[DomainEvent]:
        return list(itertools.islice((e for e, done in self._t.outbox if done is None), limit))

    def mark_published(self, event_ids: Sequence[str], when: dt.datetime) -> None:
        wanted = set(event_ids)
        self._t.outbox = [
            (e, when if e.event_id in wanted and done is None else done)
            for e, done in self._t.outbox
        ]

    def get(self, event_id: str) -> DomainEvent | None:
        return next((e for e, _ in self._t.outbox if e.event_id == event_id), None)

    def _unsettled(self) -> set[str]:
        """Ids of events with a pending or failed delivery."""
        return {d.event_id for d in self._t.deliveries.values() if d.status != DeliveryStatus.DONE}

    def purgeable(self, published_before: dt.datetime, limit: int) -> Sequence[str]:
        unsettled = self._unsettled()
        old = sorted(
            (done, n, e.event_id)
            for n, (e, done) in enumerate(self._t.outbox)
            if done is not None and done < published_before and e.event_id not in unsettled
        )
        return [event_id for _, _, event_id in old[:limit]]

    def delete_settled(self, event_ids: Sequence[str]) -> int:
        wanted = set(event_ids) - self._unsettled()
        kept = [
            (e, done)
            for e, done in self._t.outbox
            if not (done is not None and e.event_id in wanted)
        ]
        gone = len(self._t.outbox) - len(kept)
        self._t.outbox = kept
        return gone
