"""The simulated clients of the load cases, run by locust in a process of its own.

``python -m benchmarks.load`` writes a JSON spec (server URLs, tokens, task ids, rates)
and names it in ``LOAD_SPEC``; this file reads it at import, and when locust quits it
writes every request it made (route name, status, milliseconds, wall-clock time of the
answer) and a few counters to ``LOAD_OUT``. The runner computes percentiles and checks
from that file, not from locust's own statistics. A user without a cached ETag for a task
reads it first (counted as a read).

User classes (named on locust's command line):

- ``MixUser``: the T77/T79 mix. Weights 40 GET a task, 20 list a page of tasks (60 %
  reads), 25 update a task with ``If-Match`` (a stale cached ETag answers 412; the user
  retries with the ETag of the 412 answer), 10 comment, 5 upload a 100-KiB file.
  Updates and comments go to a small set of "hot" tasks with watchers, so updates
  contend and comments notify.
- ``BaselineUser``: reads one row by id from the bare Starlette app
  (``benchmarks.baseline_app``) at the same time, as the same-run baseline.
- ``ReadUser``: GET a task and list tasks only (the background traffic of T78).
- ``StormUser``: wrong-password logins for one account at a fixed total rate (T78).
"""

from __future__ import annotations

import json
import os
import secrets
import time
from pathlib import Path
from typing import Any

from locust import FastHttpUser, between, constant_throughput, events, task

from benchmarks.load.names import (
    BASELINE,
    BASELINE_USERS,
    GET_TASK,
    LIST_TASKS,
    POST_COMMENT,
    POST_LOGIN,
    POST_UPLOAD,
    PUT_TASK,
)

SPEC: dict[str, Any] = (
    json.loads(Path(os.environ["LOAD_SPEC"]).read_text()) if "LOAD_SPEC" in os.environ else {}
)
UPLOAD_BYTES = 100 * 1024
UPDATE_TRIES = 5
RECORDS: dict[str, dict[str, list[float]]] = {}
COUNTERS: dict[str, int] = {"update_retries": 0, "updates_given_up": 0}


def _record(
    *,
    name: str,
    response_time: float,
    response: Any = None,
    **kwargs: Any,
) -> None:
    status = int(getattr(response, "status_code", 0) or 0)
    found = RECORDS.setdefault(name, {"status": [], "ms": [], "at": []})
    found["status"].append(status)
    found["ms"].append(round(response_time, 2))
    found["at"].append(round(time.time(), 3))


def _dump(**kwargs: Any) -> None:
    out = os.environ.get("LOAD_OUT")
    if out:
        Path(out).write_text(json.dumps({"records": RECORDS, "counters": COUNTERS}))


events.request.add_listener(_record)  # type: ignore[no-untyped-call]  # no hints there
events.quitting.add_listener(_dump)  # type: ignore[no-untyped-call]


def _etag(answer: Any) -> str:
    """The ``ETag`` of an answer, or ``*`` (any version) when it has none."""
    value = answer.headers.get("ETag") if answer.headers else None
    return value if isinstance(value, str) else "*"


def _random_id() -> int:
    low, high = int(SPEC.get("id_min", 1)), int(SPEC.get("id_max", 1))
    return low + secrets.randbelow(high - low + 1)


def _hot_id() -> int:
    hot: list[int] = SPEC.get("hot", [1])
    return hot[secrets.randbelow(len(hot))]


class _Authenticated(FastHttpUser):
    abstract = True
    host = SPEC.get("taskcore")
    _next = 0

    def on_start(self) -> None:
        tokens: list[str] = SPEC["tokens"]
        token = tokens[_Authenticated._next % len(tokens)]
        _Authenticated._next += 1
        self.auth = {"Authorization": f"Bearer {token}"}

    def get_task(self) -> None:
        self.client.get(f"/api/tasks/{_random_id()}", headers=self.auth, name=GET_TASK)

    def list_tasks(self) -> None:
        page = 1 + secrets.randbelow(20)
        self.client.get(
            f"/api/projects/{SPEC['listed']}/tasks?per_page=20&page={page}",
            headers=self.auth,
            name=LIST_TASKS,
        )


class MixUser(_Authenticated):
    """The T77/T79 mix (see the module docstring)."""

    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        super().on_start()
        self.etags: dict[int, str] = {}
        self.sent = 0

    @task(40)
    def read_task(self) -> None:
        self.get_task()

    @task(20)
    def read_list(self) -> None:
        self.list_tasks()

    @task(25)
    def update_task(self) -> None:
        task_id = _hot_id()
        tag = self.etags.get(task_id)
        if tag is None:
            first = self.client.get(f"/api/tasks/{task_id}", headers=self.auth, name=GET_TASK)
            tag = _etag(first)
        self.sent += 1
        body = {"title": f"Updated {self.sent}", "priority": ("low", "high")[self.sent % 2]}
        for attempt in range(UPDATE_TRIES):
            answer = self.client.put(
                f"/api/tasks/{task_id}",
                json=body,
                headers={**self.auth, "If-Match": tag},
                name=PUT_TASK,
            )
            if answer.status_code == 200:
                self.etags[task_id] = _etag(answer)
                return
            if answer.status_code != 412:
                return
            COUNTERS["update_retries"] += attempt < UPDATE_TRIES - 1
            tag = _etag(answer)
        self.etags.pop(task_id, None)
        COUNTERS["updates_given_up"] += 1

    @task(10)
    def comment(self) -> None:
        self.sent += 1
        self.client.post(
            f"/api/tasks/{_hot_id()}/comments",
            json={"content": f"Load comment {self.sent}"},
            headers=self.auth,
            name=POST_COMMENT,
        )

    @task(5)
    def upload(self) -> None:
        boundary = secrets.token_hex(12)
        content = (b"load test line\n" * (UPLOAD_BYTES // 15 + 1))[:UPLOAD_BYTES]
        body = (
            (
                f"--{boundary}\r\n"
                'Content-Disposition: form-data; name="file"; filename="load.txt"\r\n'
                "Content-Type: text/plain\r\n\r\n"
            ).encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        self.client.post(
            f"/api/tasks/{_random_id()}/attachments",
            data=body,  # type: ignore[arg-type]  # locust's hint says str; bytes are sent as is
            headers={**self.auth, "Content-Type": f"multipart/form-data; boundary={boundary}"},
            name=POST_UPLOAD,
        )


class BaselineUser(FastHttpUser):
    """Reads one task row by id from the bare Starlette app, under the same load."""

    host = SPEC.get("baseline")
    fixed_count = BASELINE_USERS
    wait_time = between(0.25, 0.75)

    @task
    def read(self) -> None:
        self.client.get(f"/tasks/{_random_id()}", name=BASELINE)


class ReadUser(_Authenticated):
    """Background reads while the login storm runs (T78)."""

    wait_time = between(0.5, 1.0)

    @task(2)
    def read_task(self) -> None:
        self.get_task()

    @task(1)
    def read_list(self) -> None:
        self.list_tasks()


class StormUser(FastHttpUser):
    """Wrong-password logins for one account; together the storm users make
    ``storm_rate`` attempts per second (T78)."""

    host = SPEC.get("taskcore")
    fixed_count = int(SPEC.get("storm_users", 0))
    wait_time = constant_throughput(
        max(1.0, float(SPEC.get("storm_rate", 1))) / max(1, int(SPEC.get("storm_users", 1)))
    )

    @task
    def login(self) -> None:
        self.client.post(
            "/api/login",
            json={"username": SPEC.get("victim", "victim"), "password": secrets.token_hex(8)},
            name=POST_LOGIN,
        )
