"""Response classes: one description gives both the JSON and its schema."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openapi_schema_validator import OAS31Validator, validate

from taskcore.domain.activity import (
    ActivityEntry,
    ActivityStats,
    ActivitySummary,
    ActivityTotals,
    ActivityView,
    DayCount,
    NameCount,
)
from taskcore.domain.attachments import AttachmentStats, AttachmentStatus, AttachmentView, TypeCount
from taskcore.domain.notifications import (
    Channel,
    Notification,
    NotificationPreferences,
    NotificationPriority,
    NotificationStatus,
    NotificationTemplate,
    NotifyEvent,
)
from taskcore.domain.pagination import CursorPage, Page
from taskcore.domain.projects import Priority, ProjectStatus, ProjectView, Role
from taskcore.domain.reports import Report, ReportStatus, ReportType, ReportView
from taskcore.domain.tasks import TaskStatus, TaskView
from taskcore.domain.webhooks import WebhookDelivery, WebhookDeliveryStatus, WebhookView
from taskcore_adapters.http import schemas as s
from taskcore_adapters.http.answers import (
    AttachmentList,
    PreferencesAnswer,
    WebhookCreated,
    WebhookRotated,
    listing,
)
from taskcore_adapters.http.figures import (
    ActivityStatsResponse,
    AttachmentStatsResponse,
    Dashboard,
    ProjectSummary,
)
from taskcore_adapters.http.responses import (
    AttachmentResponse,
    DeliveryResponse,
    ProjectResponse,
    ReportResponse,
    TaskResponse,
    WebhookResponse,
    doc,
    of,
    to_json,
)
from taskcore_adapters.http.routes.activities import (
    activity_response,
    entry_response,
    summary_response,
)
from taskcore_adapters.http.routes.activities import stats_response as activity_stats
from taskcore_adapters.http.routes.attachments import attachment_response, stats_response
from taskcore_adapters.http.routes.notification_templates import template_response
from taskcore_adapters.http.routes.notifications import notification_response
from taskcore_adapters.http.routes.reports import listed_response
from taskcore_adapters.http.routes.webhooks import delivery_response, webhook_response

WHEN = dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.timezone(dt.timedelta(hours=2)))
ATTACHMENT = s.response_schema(AttachmentResponse)
WEBHOOK = s.response_schema(WebhookResponse)
DELIVERY = s.response_schema(DeliveryResponse)


def task() -> TaskView:
    return TaskView(
        id=3,
        project_id=1,
        title="Write",
        description="",
        status=TaskStatus.IN_PROGRESS,
        priority=Priority.HIGH,
        due_date=WHEN,
        completed_at=None,
        estimated_hours=1.5,
        actual_hours=None,
        assignee_id=None,
        labels=("a", "b"),
        watchers=(2,),
        position=1.0,
        created_at=WHEN,
        updated_at=WHEN,
        version=4,
    )


def test_task_json_is_the_wire_object_and_matches_its_schema() -> None:
    body = to_json(of(TaskResponse, task()))
    assert {
        "id": 3,
        "title": "Write",
        "description": "",
        "status": "in_progress",
        "priority": "high",
        "due_date": "2024-05-06T05:08:09",
        "completed_at": None,
        "estimated_hours": 1.5,
        "actual_hours": None,
        "created_at": "2024-05-06T05:08:09",
        "updated_at": "2024-05-06T05:08:09",
        "project_id": 1,
        "assignee_id": None,
        "labels": ["a", "b"],
        "watchers": [2],
        "position": 1.0,
        "version": 4,
        "parent_id": None,
        "subtasks": {
            "total": 0,
            "by_status": {"pending": 0, "in_progress": 0, "completed": 0, "cancelled": 0},
            "estimated_hours": 0.0,
            "actual_hours": 0.0,
            "percent_done": None,
        },
        "assignee_ids": [],
        "blocked": False,
        "custom_fields": {},
    } == body
    validate(body, s.TASK)


def test_project_dates_and_a_missing_role() -> None:
    view = ProjectView(
        id=1,
        name="P",
        description="",
        status=ProjectStatus.ACTIVE,
        priority=Priority.LOW,
        start_date=dt.date(2024, 1, 2),
        end_date=None,
        created_at=WHEN,
        updated_at=WHEN,
        owner_id=2,
        task_count=0,
        version=1,
        role=None,
    )
    body = to_json(of(ProjectResponse, view))
    assert ("2024-01-02", None, None) == (body["start_date"], body["end_date"], body["role"])
    validate(body, s.PROJECT)


def test_enum_values_come_from_the_domain_enums() -> None:
    assert [m.value for m in TaskStatus] == s.TASK["properties"]["status"]["enum"]
    assert [m.value for m in Priority] == s.TASK["properties"]["priority"]["enum"]
    assert [*(m.value for m in Role), None] == s.PROJECT["properties"]["role"]["enum"]
    assert ["string", "null"] == s.PROJECT["properties"]["role"]["type"]


def attachment(status: AttachmentStatus) -> AttachmentView:
    return AttachmentView(
        id=5,
        task_id=3,
        project_id=1,
        uploaded_by=2,
        uploaded_by_username="ann",
        filename="ab12.txt",
        original_filename="notes.txt",
        extension="txt",
        file_size=4,
        mime_type="text/plain",
        file_hash="0" * 64,
        blob_key="k",
        created_at=WHEN,
        status=status,
    )


def test_attachment_status_only_when_quarantined() -> None:
    clean = to_json(attachment_response(attachment(AttachmentStatus.AVAILABLE)))
    held = to_json(attachment_response(attachment(AttachmentStatus.QUARANTINED)))
    assert "status" not in clean
    assert ("2024-05-06T05:08:09", "ann") == (clean["created_at"], clean["uploaded_by_username"])
    assert {**clean, "status": "quarantined"} == held
    validate(clean, ATTACHMENT)
    validate(held, ATTACHMENT)
    assert "status" not in ATTACHMENT["required"]
    assert [AttachmentStatus.QUARANTINED.value] == ATTACHMENT["properties"]["status"]["enum"]


def test_webhook_json_matches_its_schema() -> None:
    view = WebhookView(
        id=1,
        project_id=2,
        url="https://example.com/hook",
        event_types=("task.created",),
        description="",
        is_active=True,
        disabled_reason=None,
        consecutive_failures=0,
        secret_rotating_until=WHEN,
        created_by=None,
        created_at=WHEN,
        updated_at=WHEN,
    )
    body = to_json(webhook_response(view))
    assert (["task.created"], "2024-05-06T05:08:09") == (
        body["event_types"],
        body["secret_rotating_until"],
    )
    validate(body, WEBHOOK)


def delivery(status: WebhookDeliveryStatus) -> WebhookDelivery:
    return WebhookDelivery(
        id=7,
        endpoint_id=1,
        event_id="e",
        event_type="task.created",
        message_id="msg_1",
        payload="{}",
        status=status,
        next_attempt_at=WHEN,
        created_at=WHEN,
        updated_at=WHEN,
    )


def test_delivery_ids_renamed_and_next_attempt_only_while_pending() -> None:
    pending = to_json(delivery_response(delivery(WebhookDeliveryStatus.PENDING)))
    done = to_json(delivery_response(delivery(WebhookDeliveryStatus.DELIVERED)))
    assert (7, 1, "pending") == (pending["id"], pending["webhook_id"], pending["status"])
    assert ("2024-05-06T05:08:09", None) == (pending["next_attempt_at"], done["next_attempt_at"])
    validate(pending, DELIVERY)
    validate(done, DELIVERY)
    assert [m.value for m in WebhookDeliveryStatus] == DELIVERY["properties"]["status"]["enum"]


def test_notification_json_matches_its_schema() -> None:
    note = Notification(
        id=9,
        recipient_email="ann@example.com",
        recipient_id=2,
        status=NotificationStatus.FAILED_CONFIG,
        priority=NotificationPriority.HIGH,
        context_data={"k": 1},
        scheduled_at=WHEN,
        created_at=WHEN,
        next_attempt_at=WHEN,
    )
    body = to_json(notification_response(note))
    assert ("failed_config", "high", None) == (body["status"], body["priority"], body["read_at"])
    assert "attempts" not in body
    validate(body, s.NOTIFICATION)
    properties = s.NOTIFICATION["properties"]
    assert [m.value for m in NotificationStatus] == properties["status"]["enum"]
    assert [m.value for m in NotificationPriority] == properties["priority"]["enum"]


def test_template_json_matches_its_schema() -> None:
    template = NotificationTemplate(
        id=1,
        name="welcome",
        subject_template="Hi {{ name }}",
        body_template="Welcome",
        created_at=WHEN,
        updated_at=WHEN,
    )
    body = to_json(template_response(template))
    assert ("welcome", True, "2024-05-06T05:08:09") == (
        body["name"],
        body["is_active"],
        body["updated_at"],
    )
    validate(body, s.TEMPLATE)


def test_activity_with_and_without_username() -> None:
    entry = ActivityEntry(
        id=4, user_id=None, action="create", entity_type="task", entity_id=3, created_at=WHEN
    )
    view = ActivityView(entry=entry, username="System")
    bare = to_json(entry_response(view))
    named = to_json(activity_response(view))
    assert {**bare, "username": "System"} == named
    assert (None, "2024-05-06T05:08:09") == (bare["user_id"], bare["created_at"])
    validate(bare, s.ACTIVITY_WITHOUT_USERNAME)
    validate(named, s.ACTIVITY)


def test_activity_summary_json_matches_its_schema() -> None:
    summary = ActivitySummary(
        id=1,
        date=dt.date(2024, 5, 6),
        total_activities=3,
        unique_users=2,
        top_actions=[NameCount(name="create", count=2)],
        created_at=WHEN,
        updated_at=WHEN,
    )
    body = to_json(summary_response(summary))
    assert ("2024-05-06", [{"action": "create", "count": 2}]) == (
        body["date"],
        body["top_actions"],
    )
    validate(body, s.ACTIVITY_SUMMARY)
    assert 10 == s.ACTIVITY_SUMMARY["properties"]["top_actions"]["maxItems"]


def report() -> Report:
    return Report(
        id=6,
        name="Weekly",
        type=ReportType.PROJECT,
        parameters={"project_id": 1},
        status=ReportStatus.COMPLETED,
        data={"total": 1},
        requested_by=2,
        created_at=WHEN,
        completed_at=WHEN,
        expires_at=WHEN,
    )


def test_report_keys_renamed_and_file_path_null() -> None:
    body = to_json(of(ReportResponse, report()))
    assert (6, "project", 2, None, None) == (
        body["id"],
        body["report_type"],
        body["generated_by"],
        body["error_message"],
        body["file_path"],
    )
    assert {"total": 1} == body["data"]
    validate(body, s.REPORT)
    properties = s.REPORT["properties"]
    assert [m.value for m in ReportType] == properties["report_type"]["enum"]
    assert [m.value for m in ReportStatus] == properties["status"]["enum"]


def test_listed_report_without_data_and_with_username() -> None:
    body = to_json(listed_response(ReportView(report=report(), requested_by_username=None)))
    assert (None, "Unknown") == (body["data"], body["generated_by_username"])
    full = to_json(of(ReportResponse, report()))
    assert {**full, "data": None, "generated_by_username": "Unknown"} == body
    validate(body, s.REPORT_LISTED)


def test_a_listing_has_its_page_or_its_cursor_never_both() -> None:
    """Paged by number, the list carries ``pagination``; by cursor, ``next_cursor``."""
    views = [attachment(AttachmentStatus.AVAILABLE)]
    paged = to_json(
        listing(AttachmentList, Page(items=views, page=2, per_page=1, total=3), attachment_response)
    )
    sliced = to_json(
        listing(
            AttachmentList,
            CursorPage(items=views, per_page=1, next_cursor=None),
            attachment_response,
        )
    )
    assert {"page": 2, "pages": 3, "per_page": 1, "total": 3} == paged["pagination"]
    assert ({"attachments", "pagination"}, {"attachments", "next_cursor"}) == (
        set(paged),
        set(sliced),
    )
    schema = {
        **s.response_schema(AttachmentList),
        "components": {"schemas": {"Pagination": s.PAGINATION}},
    }
    validate(paged, schema)
    validate(sliced, schema)
    both = {**paged, "next_cursor": None}
    assert not OAS31Validator(schema).is_valid(both)


def test_preferences_list_every_event_and_channel_of_the_domain() -> None:
    """The preferences object has a key per notification event, each with every channel."""
    answer = to_json(PreferencesAnswer(preferences=NotificationPreferences(user_id=1).full()))
    schema = s.response_schema(PreferencesAnswer)["properties"]["preferences"]
    assert [e.value for e in NotifyEvent] == schema["required"] == list(answer["preferences"])
    assert {c.value: True for c in Channel} == answer["preferences"]["mentioned"]
    validate(answer["preferences"], schema)
    assert not OAS31Validator(schema).is_valid({**answer["preferences"], "other": {}})


def test_nested_objects_refuse_other_keys() -> None:
    """An object a class describes, nested or not, lists its keys and no others."""
    stats = AttachmentStats(
        total_count=1,
        total_size=2 * 1024 * 1024,
        by_extension=[TypeCount(value="pdf", count=1, total_size=2 * 1024 * 1024)],
        by_media_type=[TypeCount(value="application/pdf", count=1, total_size=2 * 1024 * 1024)],
    )
    body = to_json(stats_response(stats))
    assert (1, 2.0, [{"extension": "pdf", "count": 1, "total_size": 2097152}]) == (
        body["total_attachments"],
        body["total_size_mb"],
        body["file_types"],
    )
    schema = s.response_schema(AttachmentStatsResponse)
    validate(body, schema)
    body["media_types"][0]["extension"] = "pdf"
    assert not OAS31Validator(schema).is_valid(body)


def test_dashboard_and_summary_check_the_cores_keys() -> None:
    """The quick reports are read into their classes: a key the class lacks fails loudly."""
    dashboard: dict[str, Any] = {
        "user_id": 1,
        "username": "ann",
        "projects": {"total": 1, "active": 1},
        "tasks": {"total": 1, "completed": 0, "pending": 1, "in_progress": 0, "overdue": 1},
        "overdue_tasks": [
            {"id": 3, "title": "t", "due_date": "2024-05-06T05:08:09", "project_id": 1}
        ],
        "generated_at": "2024-05-06T05:08:09",
    }
    assert dashboard == to_json(Dashboard.of(dashboard))
    validate(dashboard, s.response_schema(Dashboard))
    summary = {
        "project": {"id": 1},
        "quick_metrics": {
            "total_tasks": 2,
            "completed_tasks": 1,
            "completion_rate": 50.0,
            "pending_tasks": 1,
            "in_progress_tasks": 0,
            "estimated_hours": 4.0,
            "spent_hours": 2.5,
        },
        "generated_at": "2024-05-06T05:08:09",
        "cache_duration": "none",
    }
    assert summary == to_json(ProjectSummary.of(summary))
    with pytest.raises(TypeError):
        Dashboard.of({**dashboard, "tasks": {**dashboard["tasks"], "blocked": 0}})


def test_webhook_secret_answers() -> None:
    """The created answer has the secret; the rotated one also the old secret's deadline."""
    view = WebhookView(
        id=1,
        project_id=2,
        url="https://example.com/hook",
        event_types=("*",),
        description="",
        is_active=True,
        disabled_reason=None,
        consecutive_failures=0,
        secret_rotating_until=None,
        created_by=None,
        created_at=WHEN,
        updated_at=WHEN,
    )
    shown = webhook_response(view)
    created = to_json(WebhookCreated(message="m", webhook=shown, secret="whsec_x"))
    rotated = to_json(
        WebhookRotated(
            message="m", webhook=shown, secret="whsec_y", previous_secret_expires_at=WHEN
        )
    )
    assert {
        **created,
        "secret": "whsec_y",
        "previous_secret_expires_at": "2024-05-06T05:08:09",
    } == rotated
    validate(created, s.response_schema(WebhookCreated))
    validate(rotated, s.response_schema(WebhookRotated))
    assert not OAS31Validator(s.response_schema(WebhookRotated)).is_valid(created)


def test_activity_stats_json_matches_its_schema() -> None:
    totals = ActivityTotals(
        total=3,
        unique_users=1,
        top_actions=[NameCount(name="create", count=3)],
        top_entity_types=[NameCount(name="task", count=3)],
    )
    days = [DayCount(date=dt.date(2024, 5, d), count=0) for d in range(1, 8)]
    body = to_json(activity_stats(ActivityStats(period_days=30, totals=totals, daily=days)))
    assert ([{"entity_type": "task", "count": 3}], "2024-05-01") == (
        body["top_entity_types"],
        body["daily_activity"][0]["date"],
    )
    validate(body, s.response_schema(ActivityStatsResponse))


# -- the conversion is the per-field walk it replaced ---------------------------------------


def walked(value: Any) -> Any:
    """``value`` as the former per-object walk over ``attrs.fields`` wrote it."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {walked(key): walked(item) for key, item in value.items()}
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [walked(item) for item in value]
    if attrs.has(type(value)):
        return {
            f.name: walked(getattr(value, f.name))
            for f in attrs.fields(type(value))
            if not (f.metadata.get("unless") and getattr(value, f.metadata["unless"]) is not None)
            and (getattr(value, f.name) is not None or not f.metadata.get("omitted"))
        }
    return value


class Level(enum.IntEnum):
    LOW = 1


class Name(str):
    """A ``str`` subclass that is not an enum: kept as it is."""


@attrs.frozen(kw_only=True)
class Empty:
    """No fields at all."""


@attrs.frozen(kw_only=True)
class Inner:
    value: Any


@attrs.frozen(kw_only=True)
class Outer:
    only: Any = attrs.field(default=None, metadata=doc(omitted=True))
    cursor: Any = attrs.field(default=None, metadata=doc(unless="only"))
    value: Any
    inner: Inner | None = None


SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=5)
    | st.builds(Name, st.text(max_size=5))
    | st.sampled_from([*TaskStatus, *Priority, Level.LOW])
    | st.datetimes(
        min_value=dt.datetime(1900, 1, 1),  # noqa: DTZ001 - hypothesis takes naive bounds
        max_value=dt.datetime(2100, 1, 1),  # noqa: DTZ001
        timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=-3))]),
    )
    | st.dates()
    | st.builds(Empty)
)
KEYS = st.text(max_size=3) | st.sampled_from(list(TaskStatus)) | st.integers() | st.dates()
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(KEYS, inner, max_size=3)
        | st.builds(Inner, value=inner)
    ),
    max_leaves=12,
)


@settings(max_examples=50, deadline=None)
@given(
    only=st.none() | VALUES,
    cursor=st.none() | VALUES,
    value=VALUES,
    inner=st.none() | st.builds(Inner, value=VALUES),
)
def test_to_json_writes_what_the_field_walk_wrote(
    only: Any, cursor: Any, value: Any, inner: Inner | None
) -> None:
    response = Outer(only=only, cursor=cursor, value=value, inner=inner)
    assert walked(response) == to_json(response)


def test_omitted_and_unless_rules() -> None:
    assert {"cursor": None, "value": 1, "inner": None} == to_json(Outer(value=1))
    assert {"only": 2, "value": 1, "inner": {"value": []}} == to_json(
        Outer(only=2, cursor="c", value=1, inner=Inner(value=()))
    )
    assert {} == to_json(Empty())


def test_subclasses_of_plain_types_are_told_apart_from_enums() -> None:
    body = to_json(Inner(value=[Name("n"), Level.LOW, True, TaskStatus.PENDING]))
    assert [["n", Name], [1, int], [True, bool], ["pending", str]] == [
        [item, type(item)] for item in body["value"]
    ]


def test_of_copies_by_name_and_source_whatever_is_given() -> None:
    view = task()
    full = of(TaskResponse, view)
    titled = of(TaskResponse, view, title="Other", blocked=True)
    assert ("Write", False, "Other", True) == (
        full.title,
        full.blocked,
        titled.title,
        titled.blocked,
    )
    assert full == of(TaskResponse, view)
