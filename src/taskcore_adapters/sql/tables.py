"""The schema, as SQLAlchemy Core tables. Alembic migrations are written against it."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    func,
)

from taskcore.domain.projects import Priority, ProjectStatus, Role
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
    Column("password_hash", String(255), nullable=False),
    Column("full_name", String(200), nullable=True),
    Column("is_active", Boolean, nullable=False, default=True),
    Column("is_admin", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_login", UtcDateTime, nullable=True),
    Column("login_count", Integer, nullable=False, default=0),
    Column("tokens_valid_after", UtcDateTime, nullable=True),
    Column("version", Integer, nullable=False, default=1),
)
Index("uq_users_username_lower", func.lower(users.c.username), unique=True)
Index("uq_users_email_lower", func.lower(users.c.email), unique=True)

revoked_tokens = Table(
    "revoked_tokens",
    metadata,
    Column("token_id", String(100), primary_key=True),
    Column("user_id", Integer, nullable=False, index=True),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
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
    CheckConstraint("file_size >= 0", name="file_size"),
)
# Leads with task_id, so it also indexes the foreign key; a task's attachments newest first.
Index("ix_attachments_task_id_created_at", attachments.c.task_id, attachments.c.created_at)

blob_deletions = Table(
    "blob_deletions",
    metadata,
    Column("blob_key", String(512), primary_key=True),
    Column("requested_at", UtcDateTime, nullable=False, index=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=True),
)
