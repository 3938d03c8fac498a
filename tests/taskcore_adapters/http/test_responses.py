"""Response classes: one description gives both the JSON and its schema."""

from __future__ import annotations

import datetime as dt

from openapi_schema_validator import validate

from taskcore.domain.projects import Priority, ProjectStatus, ProjectView, Role
from taskcore.domain.tasks import TaskStatus, TaskView
from taskcore_adapters.http import schemas as s
from taskcore_adapters.http.responses import ProjectResponse, TaskResponse, of, to_json

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
