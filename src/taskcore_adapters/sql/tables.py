"""The schema, as SQLAlchemy Core tables. Alembic migrations are written against it."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from taskcore.domain.invitations import InvitationStatus
from taskcore.domain.projects import Priority, ProjectStatus, Role
from taskcore.domain.relations import RelationKind
from taskcore.domain.reports import ReportStatus, ReportType
from taskcore.domain.tasks import TaskStatus
from taskcore_adapters.sql.types import UtcDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(80), nullable=False),
    Column("email", String(120), nullable=False),
    # The keys every lookup uses (NFKC + case folding, computed by the core), and the
    # skeleton new usernames are checked against for look-alikes.
    Column("username_key", String(255), nullable=False),
    Column("email_key", String(255), nullable=False),
    Column("username_skeleton", String(255), nullable=False),
    # NULL for an account without a password (created from an external identity).
    Column("password_hash", String(255), nullable=True),
    Column("full_name", String(200), nullable=True),
    Column("is_active", Boolean, nullable=False, default=True),
    Column("is_admin", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_login", UtcDateTime, nullable=True),
    Column("login_count", Integer, nullable=False, default=0),
    Column("tokens_valid_after", UtcDateTime, nullable=True),
    Column("version", Integer, nullable=False, default=1),
    # The IANA time zone the user's dates are computed in (the time area's).
    Column("timezone", String(64), nullable=False, default="UTC", server_default="UTC"),
)
Index("uq_users_username_key", users.c.username_key, unique=True)
Index("uq_users_email_key", users.c.email_key, unique=True)
Index("ix_users_username_skeleton", users.c.username_skeleton)

# A provider's account (provider, subject) linked to a user; ``email`` as the provider
# last gave it (informational: links are by subject).
user_identities = Table(
    "user_identities",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("provider", String(50), nullable=False),
    Column("subject", String(255), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("email", String(255), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_seen_at", UtcDateTime, nullable=True),
)
Index(
    "uq_user_identities_provider_subject",
    user_identities.c.provider,
    user_identities.c.subject,
    unique=True,
)

revoked_tokens = Table(
    "revoked_tokens",
    metadata,
    Column("token_id", String(100), primary_key=True),
    Column("user_id", Integer, nullable=False, index=True),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
)

auth_sessions = Table(
    "auth_sessions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
    Column("revoked_reason", String(50), nullable=True),
)

# Personal access tokens: the SHA-256 digest of the secret, never the secret. Revoked rows
# stay (their reason is history); ``last_used_*`` is written at most once a minute.
access_tokens = Table(
    "access_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "user_id",
        Integer,
        ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("name", String(100), nullable=False),
    Column("digest", String(64), nullable=False, unique=True),
    Column("scopes", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("last_used_at", UtcDateTime, nullable=True),
    Column("last_used_from", String(64), nullable=True),
    Column("revoked_at", UtcDateTime, nullable=True),
    Column("revoked_reason", String(50), nullable=True),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column(
        "session_id",
        String(32),
        ForeignKey("auth_sessions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("created_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime, nullable=True),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(32), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("payload", Text, nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("published_at", UtcDateTime, nullable=True, index=True),
)


def _one_of(column: str, values: type[Priority | ProjectStatus | Role | TaskStatus]) -> str:
    allowed = ", ".join(f"'{v.value}'" for v in values)
    return f"{column} IN ({allowed})"


projects = Table(
    "projects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("status", String(20), nullable=False, index=True),
    Column("priority", String(10), nullable=False),
    Column("start_date", Date, nullable=True),
    Column("end_date", Date, nullable=True),
    Column("owner_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("created_at", UtcDateTime, nullable=False, index=True),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False, default=1),
    CheckConstraint(_one_of("status", ProjectStatus), name="status"),
    CheckConstraint(_one_of("priority", Priority), name="priority"),
)

project_members = Table(
    "project_members",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column(
        "user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("role", String(10), nullable=False),
    Column("added_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("project_id", "user_id"),
    CheckConstraint(_one_of("role", Role), name="role"),
)

# -- teams: groups of users with a role in projects -----------------------------------------

teams = Table(
    "teams",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False),
    # The name as uniqueness compares it (NFKC + case folding, computed by the core).
    Column("name_key", String(255), nullable=False, unique=True),
    Column("description", Text, nullable=False, default=""),
    Column("created_by", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

team_members = Table(
    "team_members",
    metadata,
    Column("team_id", Integer, ForeignKey("teams.id", ondelete="CASCADE"), nullable=False),
    Column(
        "user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("role", String(10), nullable=False),
    Column("added_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("team_id", "user_id"),
    CheckConstraint("role IN ('admin', 'member')", name="role"),
)

project_teams = Table(
    "project_teams",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column(
        "team_id", Integer, ForeignKey("teams.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("role", String(10), nullable=False),
    Column("added_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("project_id", "team_id"),
    CheckConstraint(_one_of("role", Role), name="role"),
)

# -- project invitations ----------------------------------------------------------------------

project_invitations = Table(
    "project_invitations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column(
        "user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("role", String(10), nullable=False),
    Column("invited_by", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("status", String(10), nullable=False),
    Column("responded_at", UtcDateTime, nullable=True),
    CheckConstraint(_one_of("role", Role), name="role"),
    CheckConstraint(
        "status IN ({})".format(", ".join(f"'{v.value}'" for v in InvitationStatus)),
        name="status",
    ),
)
Index(
    "ix_project_invitations_project_id_created_at",
    project_invitations.c.project_id,
    project_invitations.c.created_at,
)
Index(
    "uq_project_invitations_pending",
    project_invitations.c.project_id,
    project_invitations.c.user_id,
    unique=True,
    sqlite_where=project_invitations.c.status == "pending",
    postgresql_where=project_invitations.c.status == "pending",
)
"""A user has at most one pending invitation to a project."""

tasks = Table(
    "tasks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("status", String(20), nullable=False, index=True),
    Column("priority", String(10), nullable=False, index=True),
    Column("due_date", UtcDateTime, nullable=True, index=True),
    Column("completed_at", UtcDateTime, nullable=True),
    Column("estimated_hours", Float, nullable=True),
    Column("actual_hours", Float, nullable=True),
    Column(
        "assignee_id",
        Integer,
        ForeignKey("users.id", ondelete="SET NULL"),
        nullable=True,
        index=True,
    ),
    Column("position", Float, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False, default=1),
    Column("parent_id", Integer, ForeignKey("tasks.id"), nullable=True, index=True),
    CheckConstraint(_one_of("status", TaskStatus), name="status"),
    CheckConstraint(_one_of("priority", Priority), name="priority"),
    CheckConstraint("(status = 'completed') = (completed_at IS NOT NULL)", name="completed_at"),
    CheckConstraint("estimated_hours IS NULL OR estimated_hours >= 0", name="estimated_hours"),
    CheckConstraint("actual_hours IS NULL OR actual_hours >= 0", name="actual_hours"),
)
# Both lead with project_id, so they also index the foreign key: a board column in position
# order, and a project's tasks newest first.
Index("ix_tasks_project_id_status_position", tasks.c.project_id, tasks.c.status, tasks.c.position)
Index("ix_tasks_project_id_created_at", tasks.c.project_id, tasks.c.created_at)
Index("ix_tasks_project_id_due_date_id", tasks.c.project_id, tasks.c.due_date, tasks.c.id)

task_labels = Table(
    "task_labels",
    metadata,
    Column("task_id", Integer, ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False),
    Column("label", String(50), nullable=False, index=True),
    PrimaryKeyConstraint("task_id", "label"),
)

task_watchers = Table(
    "task_watchers",
    metadata,
    Column("task_id", Integer, ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False),
    Column(
        "user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    PrimaryKeyConstraint("task_id", "user_id"),
)

# A task's assignees in order (``tasks.assignee_id`` keeps the first of them); "my tasks"
# looks them up by user.
task_assignees = Table(
    "task_assignees",
    metadata,
    Column("task_id", Integer, ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False),
    Column(
        "user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("position", Integer, nullable=False),
    PrimaryKeyConstraint("task_id", "user_id"),
)

# Relations between tasks, each stored once from source to target; a task's relations are
# found by either end, the open blockers of a task by its target side.
task_relations = Table(
    "task_relations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),
    Column("source_id", Integer, ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False),
    Column("target_id", Integer, ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False),
    Column("lag_days", Integer, nullable=True),
    Column("created_by", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint(
        "kind IN ({})".format(", ".join(f"'{k.value}'" for k in RelationKind)), name="kind"
    ),
    CheckConstraint("source_id <> target_id", name="not_self"),
)
Index(
    "ix_task_relations_source_id_target_id_kind",
    task_relations.c.source_id,
    task_relations.c.target_id,
    task_relations.c.kind,
    unique=True,
)
Index("ix_task_relations_target_id_kind", task_relations.c.target_id, task_relations.c.kind)

# Custom fields: each project's definitions, and the tasks' values in typed columns (text,
# URL, single select and dates as ISO text in value_text; numbers and user ids in
# value_number; booleans in value_bool; a multi select's options as a JSON array in
# value_json), so filters use an index on (field_id, value) and pages ordered by a field
# read (field_id, value, task_id) in order (see field_order.py).
task_field_definitions = Table(
    "task_field_definitions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(40), nullable=False),
    Column("label", String(100), nullable=False),
    Column("type", String(20), nullable=False),
    Column("required", Boolean, nullable=False, default=False),
    Column("options", Text, nullable=False, default="[]"),
    Column("position", Integer, nullable=False, default=0),
    Column("created_at", UtcDateTime, nullable=False),
)
Index(
    "ix_task_field_definitions_project_id_key",
    task_field_definitions.c.project_id,
    task_field_definitions.c.key,
    unique=True,
)

task_field_values = Table(
    "task_field_values",
    metadata,
    Column("task_id", Integer, ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False),
    Column(
        "field_id",
        Integer,
        ForeignKey("task_field_definitions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("value_text", String(2000), nullable=True),
    Column("value_number", Float, nullable=True),
    Column("value_bool", Boolean, nullable=True),
    Column("value_json", Text, nullable=True),
    PrimaryKeyConstraint("task_id", "field_id"),
)
Index(
    "ix_task_field_values_field_id_value_number_task_id",
    task_field_values.c.field_id,
    task_field_values.c.value_number,
    task_field_values.c.task_id,
)
Index(
    "ix_task_field_values_field_id_value_text_task_id",
    task_field_values.c.field_id,
    task_field_values.c.value_text,
    task_field_values.c.task_id,
)
Index(
    "ix_task_field_values_field_id_value_bool_task_id",
    task_field_values.c.field_id,
    task_field_values.c.value_bool,
    task_field_values.c.task_id,
)

comments = Table(
    "comments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("task_id", Integer, ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False),
    Column("author_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("content", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False, default=1),
)
# Leads with task_id, so it also indexes the foreign key; a task's comments oldest first.
Index("ix_comments_task_id_created_at", comments.c.task_id, comments.c.created_at)

event_deliveries = Table(
    "event_deliveries",
    metadata,
    Column("event_id", String(32), primary_key=True),
    Column("handler", String(100), primary_key=True),
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
)
Index("ix_event_deliveries_due", event_deliveries.c.status, event_deliveries.c.next_attempt_at)

attachments = Table(
    "attachments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # Not ON DELETE CASCADE: a cascade would drop the rows and lose their blob keys. The
    # check is deferred to the commit, so a task can be deleted before its attachments in
    # the same transaction (the attachments handler runs at commit), but a transaction that
    # leaves attachments of a deleted task behind cannot commit.
    Column(
        "task_id",
        Integer,
        ForeignKey("tasks.id", deferrable=True, initially="DEFERRED"),
        nullable=False,
    ),
    Column("uploaded_by", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("filename", String(255), nullable=False),
    Column("original_filename", String(255), nullable=False),
    Column("extension", String(16), nullable=False),
    Column("file_size", BigInteger, nullable=False),
    Column("mime_type", String(100), nullable=False),
    Column("file_hash", String(64), nullable=False),
    Column("blob_key", String(512), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    # ``available`` or ``quarantined`` (not scanned for malware: never served).
    Column("status", String(16), nullable=False, server_default="available"),
    CheckConstraint("file_size >= 0", name="file_size"),
)
# Leads with task_id, so it also indexes the foreign key; a task's attachments newest first.
Index("ix_attachments_task_id_created_at", attachments.c.task_id, attachments.c.created_at)

# Bytes each user's attachments and uploads in progress take, for the storage quota.
# Reservations are ``UPDATE ... SET used_bytes = used_bytes + n WHERE used_bytes + n <=
# quota``, so concurrent uploads cannot exceed it. No foreign key: the row only counts.
attachment_usage = Table(
    "attachment_usage",
    metadata,
    Column("user_id", Integer, primary_key=True, autoincrement=False),
    Column("used_bytes", BigInteger, nullable=False),
    CheckConstraint("used_bytes >= 0", name="used_bytes"),
)

blob_deletions = Table(
    "blob_deletions",
    metadata,
    Column("blob_key", String(512), primary_key=True),
    Column("requested_at", UtcDateTime, nullable=False, index=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=True),
)

# The activity log. ``user_id`` has no foreign key: entries outlive what they name, and
# submitted entries may name users of another system.
activity_logs = Table(
    "activity_logs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, nullable=True, index=True),
    Column("action", String(50), nullable=False, index=True),
    Column("entity_type", String(50), nullable=False),
    Column("entity_id", Integer, nullable=False),
    Column("details", JSON(none_as_null=True), nullable=True),
    Column("ip_address", String(45), nullable=True),
    Column("user_agent", String(500), nullable=True),
    Column("session_id", String(100), nullable=True),
    Column("service_name", String(50), nullable=False),
    Column("created_at", UtcDateTime, nullable=False, index=True),
)
Index(
    "ix_activity_logs_entity_type_entity_id", activity_logs.c.entity_type, activity_logs.c.entity_id
)

activity_summaries = Table(
    "activity_summaries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("date", Date, nullable=False, unique=True),
    Column("total_activities", Integer, nullable=False, default=0),
    Column("unique_users", Integer, nullable=False, default=0),
    Column("top_actions", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# Notifications: the original's ``notification_queue`` columns, plus ``attempts``,
# ``next_attempt_at`` (when the next delivery attempt is due, or when a claim expires) and
# ``read_at`` (in-app notifications).
notification_queue = Table(
    "notification_queue",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("recipient_email", String(255), nullable=False),
    Column("recipient_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("subject", String(500), nullable=False),
    Column("body", Text, nullable=False),
    Column("notification_type", String(50), nullable=False),
    Column("status", String(20), nullable=False),
    Column("priority", String(10), nullable=False),
    Column("context_data", JSON(none_as_null=True), nullable=True),
    Column("scheduled_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("error_message", Text, nullable=True),
    Column("retry_count", Integer, nullable=False, default=0),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("read_at", UtcDateTime, nullable=True),
    CheckConstraint(
        "status IN ('pending', 'sending', 'sent', 'failed', 'failed_config')", name="status"
    ),
    CheckConstraint("priority IN ('low', 'normal', 'high')", name="priority"),
)
Index(
    "ix_notification_queue_status_scheduled_at",
    notification_queue.c.status,
    notification_queue.c.scheduled_at,
)
Index(
    "ix_notification_queue_status_next_attempt_at",
    notification_queue.c.status,
    notification_queue.c.next_attempt_at,
)

notification_templates = Table(
    "notification_templates",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("subject_template", String(500), nullable=False),
    Column("body_template", Text, nullable=False),
    Column("notification_type", String(50), nullable=False),
    Column("is_active", Boolean, nullable=False, default=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

notification_preferences = Table(
    "notification_preferences",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("event", String(30), nullable=False),
    Column("in_app", Boolean, nullable=False),
    Column("email", Boolean, nullable=False),
    PrimaryKeyConstraint("user_id", "event"),
)

reports = Table(
    "reports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("report_type", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("parameters", JSON, nullable=False),
    Column("data", JSON(none_as_null=True), nullable=True),
    Column("error", Text, nullable=True),
    Column("requested_by", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False, index=True),
    Column("completed_at", UtcDateTime, nullable=True),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
    CheckConstraint(
        "report_type IN (" + ", ".join(f"'{t.value}'" for t in ReportType) + ")", name="type"
    ),
    CheckConstraint(
        "status IN (" + ", ".join(f"'{v.value}'" for v in ReportStatus) + ")", name="status"
    ),
)
# Leads with requested_by, so it also indexes the foreign key; a user's reports newest first.
Index("ix_reports_requested_by_created_at", reports.c.requested_by, reports.c.created_at)
# Throughput and cycle-time figures read one project's tasks by completion time.
Index("ix_tasks_project_id_completed_at", tasks.c.project_id, tasks.c.completed_at)

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "project_id",
        Integer,
        ForeignKey("projects.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("url", String(2048), nullable=False),
    Column("event_types", JSON, nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("is_active", Boolean, nullable=False, default=True),
    Column("disabled_reason", String(500), nullable=True),
    Column("consecutive_failures", Integer, nullable=False, default=0),
    Column("secret", String(200), nullable=False),
    Column("previous_secret", String(200), nullable=True),
    Column("previous_secret_expires_at", UtcDateTime, nullable=True),
    Column(
        "created_by",
        Integer,
        ForeignKey("users.id", ondelete="SET NULL"),
        nullable=True,
        index=True,
    ),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "endpoint_id",
        Integer,
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("event_id", String(32), nullable=False),
    Column("event_type", String(100), nullable=False),
    Column("message_id", String(100), nullable=False),
    Column("payload", Text, nullable=False),
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_status_code", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # While an attempt runs, when its claim lapses; when the latest attempt started (the
    # project's concurrency and rate budgets count these).
    Column("claimed_until", UtcDateTime, nullable=True),
    Column("attempted_at", UtcDateTime, nullable=True),
    CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="status"),
)
# One delivery per event and endpoint; leads with endpoint_id, so it indexes the foreign key.
Index(
    "uq_webhook_deliveries_endpoint_id_event_id",
    webhook_deliveries.c.endpoint_id,
    webhook_deliveries.c.event_id,
    unique=True,
)
Index(
    "ix_webhook_deliveries_endpoint_id_created_at",
    webhook_deliveries.c.endpoint_id,
    webhook_deliveries.c.created_at,
)
Index(
    "ix_webhook_deliveries_due", webhook_deliveries.c.status, webhook_deliveries.c.next_attempt_at
)
Index(
    "ix_webhook_deliveries_endpoint_id_claimed_until",
    webhook_deliveries.c.endpoint_id,
    webhook_deliveries.c.claimed_until,
)
Index(
    "ix_webhook_deliveries_endpoint_id_attempted_at",
    webhook_deliveries.c.endpoint_id,
    webhook_deliveries.c.attempted_at,
)

# The first answer to a POST carrying an ``Idempotency-Key``, per user and key, replayed to
# its retries until ``expires_at``. ``status_code`` is NULL while the first request runs.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(255), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("headers", Text, nullable=True),
    Column("body", LargeBinary, nullable=True),
    Column("claimed_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
    PrimaryKeyConstraint("user_id", "key"),
)

# -- time: entries, timers ------------------------------------------------------------------

time_entries = Table(
    "time_entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("task_id", Integer, ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("work_date", Date, nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("billable", Boolean, nullable=False, default=False),
    Column("capped", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False, default=1),
    CheckConstraint("minutes >= 1 AND minutes <= 1440", name="minutes"),
)
# Lead with task_id and user_id, so they also index the foreign keys: a task's entries (and
# its sum), and a person's entries by day (their timesheet).
Index("ix_time_entries_task_id_work_date", time_entries.c.task_id, time_entries.c.work_date)
Index("ix_time_entries_user_id_work_date", time_entries.c.user_id, time_entries.c.work_date)

# At most one running timer per person: the primary key is the person.
time_timers = Table(
    "time_timers",
    metadata,
    Column(
        "user_id",
        Integer,
        ForeignKey("users.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column(
        "task_id",
        Integer,
        ForeignKey("tasks.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("started_at", UtcDateTime, nullable=False),
    Column("note", Text, nullable=False, default=""),
)

# -- time: calendar feeds, recurring tasks ---------------------------------------------------

# One feed per user; only the SHA-256 of its secret is kept (looked up by it).
calendar_feeds = Table(
    "calendar_feeds",
    metadata,
    Column(
        "user_id",
        Integer,
        ForeignKey("users.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("secret_digest", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
)

# A recurring task's rule and its place in the series, one row per task (the task's own
# table is the task area's). ``next_task_id`` is set once the next occurrence exists.
task_recurrences = Table(
    "task_recurrences",
    metadata,
    Column(
        "task_id",
        Integer,
        ForeignKey("tasks.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("rule", String(500), nullable=False),
    Column("mode", String(20), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("series_start", UtcDateTime, nullable=False),
    Column("occurrence", Integer, nullable=False, default=1),
    Column(
        "previous_task_id",
        Integer,
        ForeignKey("tasks.id", ondelete="SET NULL"),
        nullable=True,
        index=True,
    ),
    Column(
        "next_task_id",
        Integer,
        ForeignKey("tasks.id", ondelete="SET NULL"),
        nullable=True,
        index=True,
    ),
    Column(
        "created_by",
        Integer,
        ForeignKey("users.id", ondelete="SET NULL"),
        nullable=True,
        index=True,
    ),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False, default=1),
    CheckConstraint("mode IN ('due_date', 'completion')", name="mode"),
    CheckConstraint("occurrence >= 1", name="occurrence"),
)

# -- time: reminders --------------------------------------------------------------------------

# ``fire_at`` is when a reminder is due (kept in step with its task's due date for relative
# ones); the job claims one with ``UPDATE ... SET sent_at WHERE sent_at IS NULL``.
task_reminders = Table(
    "task_reminders",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("task_id", Integer, ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False),
    Column(
        "created_by",
        Integer,
        ForeignKey("users.id", ondelete="SET NULL"),
        nullable=True,
        index=True,
    ),
    Column("remind_at", UtcDateTime, nullable=True),
    Column("before_minutes", Integer, nullable=True),
    Column("fire_at", UtcDateTime, nullable=True),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("skipped", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint("(remind_at IS NULL) <> (before_minutes IS NULL)", name="kind"),
)
Index("ix_task_reminders_task_id", task_reminders.c.task_id)
Index("ix_task_reminders_sent_at_fire_at", task_reminders.c.sent_at, task_reminders.c.fire_at)

# Daily digests: who gets one, at which local hour, and the local day it last went out
# (claimed with ``UPDATE ... WHERE last_sent_on IS NULL OR last_sent_on < :day``).
digest_subscriptions = Table(
    "digest_subscriptions",
    metadata,
    Column(
        "user_id",
        Integer,
        ForeignKey("users.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("hour", Integer, nullable=False),
    Column("last_sent_on", Date, nullable=True),
    CheckConstraint("hour >= 0 AND hour <= 23", name="hour"),
)

# -- data in and out: import runs, their staged rows, the sources of imported tasks -------

import_runs = Table(
    "import_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("source", String(200), nullable=False),
    Column("mapping", JSON, nullable=False),
    Column("status", String(20), nullable=False),
    Column("total", Integer, nullable=False),
    Column("done", Integer, nullable=False),
    Column("created", Integer, nullable=False),
    Column("updated", Integer, nullable=False),
    Column("skipped", Integer, nullable=False),
    Column("problems", JSON, nullable=False),
    Column("error", Text, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
Index("ix_import_runs_status_updated_at", import_runs.c.status, import_runs.c.updated_at)

# A run's rows as read from its file (cells by column), kept until the run is done.
import_rows = Table(
    "import_rows",
    metadata,
    Column("run_id", Integer, ForeignKey("import_runs.id", ondelete="CASCADE"), nullable=False),
    Column("line", Integer, nullable=False),
    Column("cells", JSON, nullable=False),
    PrimaryKeyConstraint("run_id", "line"),
)

# Which task an item of a source became: a later import of the same source updates it.
import_sources = Table(
    "import_sources",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("source", String(200), nullable=False),
    Column("external_id", String(200), nullable=False),
    Column(
        "task_id",
        Integer,
        ForeignKey("tasks.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    PrimaryKeyConstraint("project_id", "source", "external_id"),
)
