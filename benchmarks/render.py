"""Rendering in process: a page of 100 tasks and one task, from read models to bytes.

Times the two halves of answering a list (the response classes turned into JSON-ready
values, then those values written by :class:`~taskcore_adapters.http.wire.JSON`) and the
whole, without a server, and prints the median of each. Run with
``python -m benchmarks.render``.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable
from typing import Any

from taskcore.domain.projects import Priority
from taskcore.domain.tasks import TaskStatus, TaskView
from taskcore_adapters.http.responses import (
    StatusCountsResponse,
    SubtasksResponse,
    TaskResponse,
    of,
    to_json,
)
from taskcore_adapters.http.wire import JSON

WHEN = dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.UTC)
ROUNDS = 200


def task(number: int) -> TaskView:
    """A task with every kind of value: enums, instants, lists, custom fields, text."""
    return TaskView(
        id=number,
        project_id=1,
        title=f"Task number {number} — write the report",
        description="Some description with unicode: é, ü, 日本",
        status=TaskStatus.IN_PROGRESS,
        priority=Priority.HIGH,
        due_date=WHEN,
        completed_at=None,
        estimated_hours=1.5,
        actual_hours=None,
        assignee_id=2,
        labels=("backend", "urgent"),
        watchers=(2, 3),
        position=float(number),
        created_at=WHEN,
        updated_at=WHEN,
        version=4,
        custom_fields={"points": 3, "team": "core"},
    )


def task_json(view: TaskView) -> dict[str, Any]:
    """A task's JSON object, built as the tasks routes build it."""
    rollup = view.subtasks
    subtasks = of(SubtasksResponse, rollup, by_status=of(StatusCountsResponse, rollup.by_status))
    return to_json(of(TaskResponse, view, subtasks=subtasks))


def page(views: list[TaskView]) -> dict[str, Any]:
    """A page's body: its tasks and the pagination block."""
    return {
        "tasks": [task_json(v) for v in views],
        "pagination": {"page": 1, "pages": 1, "per_page": 100, "total": len(views)},
    }


def median_ms(work: Callable[[], object], rounds: int = ROUNDS) -> float:
    """The median wall time of ``work`` in milliseconds, after a warm-up."""
    for _ in range(10):
        work()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    views = [task(n) for n in range(1, 101)]
    body = page(views)
    one = task_json(views[0])
    render = JSON(None).render
    rows = {
        "100 tasks: response classes to JSON values": median_ms(lambda: page(views)),
        "100 tasks: JSON values to bytes": median_ms(lambda: render(body)),
        "100 tasks: whole": median_ms(lambda: render(page(views))),
        "1 task: response classes to JSON values": median_ms(lambda: task_json(views[0])),
        "1 task: JSON values to bytes": median_ms(lambda: render(one)),
        "1 task: whole": median_ms(lambda: render(task_json(views[0]))),
    }
    for name, value in rows.items():
        print(f"{name:<45} {value:8.3f} ms")


if __name__ == "__main__":
    main()
