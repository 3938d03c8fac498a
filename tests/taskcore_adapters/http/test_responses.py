"""Response classes: one description gives both the JSON and its schema."""

from __future__ import annotations

import datetime as dt

from openapi_schema_validator import validate

from taskcore.domain.activity import ActivityEntry, ActivitySummary, ActivityView, NameCount
from taskcore.domain.attachments import AttachmentStatus, AttachmentView
from taskcore.domain.notifications import (
    Notification,
    NotificationPriority,
    NotificationStatus,
    NotificationTemplate,
)
from taskcore.domain.projects import Priority, ProjectStatus, ProjectView, Role
from taskcore.domain.reports import Report, ReportStatus, ReportType, ReportView
from taskcore.domain.tasks import TaskStatus, TaskView
from taskcore.domain.webhooks import WebhookDelivery, WebhookDeliveryStatus, WebhookView
from taskcore_adapters.http import schemas as s
from taskcore_adapters.http.responses import ProjectResponse, TaskResponse, of, to_json
from taskcore_adapters.http.routes.activities import activity_json, summary_json
from taskcore_adapters.http.routes.attachments import ATTACHMENT, attachment_json
from taskcore_adapters.http.routes.notification_templates import template_json
from taskcore_adapters.http.routes.notifications import notification_json
from taskcore_adapters.http.routes.reports import listed_json, report_json
from taskcore_adapters.http.routes.webhooks import DELIVERY, WEBHOOK, delivery_json, webhook_json

WHEN = dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.timezone(dt.timedelta(hours=2)))


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
    clean = attachment_json(attachment(AttachmentStatus.AVAILABLE))
    held = attachment_json(attachment(AttachmentStatus.QUARANTINED))
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
    body = webhook_json(view)
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
    pending = delivery_json(delivery(WebhookDeliveryStatus.PENDING))
    done = delivery_json(delivery(WebhookDeliveryStatus.DELIVERED))
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
    body = notification_json(note)
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
    body = template_json(template)
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
    bare = activity_json(view, with_username=False)
    named = activity_json(view)
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
    body = summary_json(summary)
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
    body = report_json(report())
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
    body = listed_json(ReportView(report=report(), requested_by_username=None))
    assert (None, "Unknown") == (body["data"], body["generated_by_username"])
    assert {**report_json(report()), "data": None, "generated_by_username": "Unknown"} == body
    validate(body, s.REPORT_LISTED)
