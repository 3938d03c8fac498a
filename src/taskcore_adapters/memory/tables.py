"""The tables of the in-memory store: the data of one taskcore, and its id allocator."""

from __future__ import annotations

import datetime as dt

import attrs

from taskcore.domain.access_tokens import AccessToken
from taskcore.domain.activity import ActivityEntry, ActivitySummary
from taskcore.domain.attachments import Attachment, BlobDeletion
from taskcore.domain.calendar_feeds import CalendarFeed
from taskcore.domain.comments import Comment
from taskcore.domain.custom_fields import FieldDefinition
from taskcore.domain.events import DomainEvent
from taskcore.domain.identities import ExternalIdentity
from taskcore.domain.import_mapping import ImportRun
from taskcore.domain.invitations import Invitation
from taskcore.domain.notifications import Notification, NotificationTemplate
from taskcore.domain.projects import Membership, Project
from taskcore.domain.recurrence import TaskRecurrence
from taskcore.domain.relations import TaskRelation
from taskcore.domain.reminders import DigestSubscription, TaskReminder
from taskcore.domain.reports import Report
from taskcore.domain.sessions import AuthSession
from taskcore.domain.tasks import Task
from taskcore.domain.teams import Team, TeamGrant, TeamMembership
from taskcore.domain.time_entries import RunningTimer, TimeEntry
from taskcore.domain.users import User
from taskcore.domain.webhooks import WebhookDelivery, WebhookEndpoint
from taskcore.ports.deliveries import Delivery
from taskcore_adapters.memory.notifications import original_templates
from taskcore_adapters.memory.sessions import StoredRefreshToken


@attrs.define
class Tables:
    """Every table of an in-memory taskcore: dictionaries keyed as the SQL tables are.

    A transaction works on a deep copy (:meth:`InMemoryStore.snapshot`), so the
    repositories over it change it freely.
    """

    users: dict[int, User] = attrs.field(factory=dict)
    identities: dict[int, ExternalIdentity] = attrs.field(factory=dict)
    revoked: dict[str, dt.datetime] = attrs.field(factory=dict)
    sessions: dict[str, AuthSession] = attrs.field(factory=dict)
    refresh_tokens: dict[str, StoredRefreshToken] = attrs.field(factory=dict)
    access_tokens: dict[int, AccessToken] = attrs.field(factory=dict)
    projects: dict[int, Project] = attrs.field(factory=dict)
    members: dict[tuple[int, int], Membership] = attrs.field(factory=dict)
    invitations: dict[int, Invitation] = attrs.field(factory=dict)
    teams: dict[int, Team] = attrs.field(factory=dict)
    team_members: dict[tuple[int, int], TeamMembership] = attrs.field(factory=dict)
    team_grants: dict[tuple[int, int], TeamGrant] = attrs.field(factory=dict)
    tasks: dict[int, Task] = attrs.field(factory=dict)
    task_relations: dict[int, TaskRelation] = attrs.field(factory=dict)
    custom_fields: dict[int, FieldDefinition] = attrs.field(factory=dict)
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
    time_entries: dict[int, TimeEntry] = attrs.field(factory=dict)
    timers: dict[int, RunningTimer] = attrs.field(factory=dict)
    calendar_feeds: dict[int, CalendarFeed] = attrs.field(factory=dict)
    recurrences: dict[int, TaskRecurrence] = attrs.field(factory=dict)
    reminders: dict[int, TaskReminder] = attrs.field(factory=dict)
    digests: dict[int, DigestSubscription] = attrs.field(factory=dict)
    import_runs: dict[int, ImportRun] = attrs.field(factory=dict)
    import_rows: dict[int, list[tuple[int, dict[str, str]]]] = attrs.field(factory=dict)
    import_sources: dict[tuple[int, str, str], int] = attrs.field(factory=dict)
    next_id: dict[str, int] = attrs.field(factory=dict)

    def allocate(self, table: str) -> int:
        """The next id of ``table`` (1, 2, ...; never reused)."""
        value = self.next_id.get(table, 0) + 1
        self.next_id[table] = value
        return value
