"""Case 9, pages: a project's board of 500 tasks rendered server-side.

One project on the embedded SQLite database holds 500 tasks, 125 per status (so each
column shows its first 100 cards): two labels each, one or two of five members assigned,
a due date on half of them (some overdue), two custom-field values on a fifth, 20 parents
with two subtasks each and 10 ``blocks`` relations. The owner's board
(``GET /projects/{id}``) is requested through the application in process, straight over
ASGI (no socket, no HTTP client), and timed from the request to the last byte of the
page.

Rows:

- ``board page (500 tasks)``: the whole page: session, the use-case calls, the template;
  goal: median ≤ 50 ms (the web pages' goal in issue 24);
- ``use-case reads of the board``: the same calls the page makes (the project, its
  members, the four columns with ``tasks.list_columns``), without rendering;
- ``baseline: plain SQL and a bare page of the same cards``: the baseline, the least any
  server-rendered board of these cards costs: one plain SQLAlchemy Core ``SELECT`` of id
  and title per column (first 100 in board order) and a jinja2 loop writing them as
  links, no session, no access check, nothing else on the card;
- the same three as CPU time of the process (``time.process_time``), which a loaded
  machine inflates far less than wall time.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jinja2
from sqlalchemy import Engine, func, select
from starlette.testclient import TestClient

from benchmarks.runner import CaseResult, Context, Goal, Row
from taskcore.domain.invitations import InvitationView
from taskcore.domain.pagination import PageRequest
from taskcore.domain.projects import Priority
from taskcore.domain.tasks import TaskStatus
from taskcore.services.tasks import TaskDraft, TaskFilters
from taskcore.services.users import Principal
from taskcore_adapters.bootstrap import Runtime, from_settings
from taskcore_adapters.config import Settings
from taskcore_adapters.host import create_app
from taskcore_adapters.sql.tables import notification_queue, tasks
from taskcore_adapters.web.testing import PASSWORD, Browser

NAME = "pages"
TITLE = "Case 9: pages (a board of 500 tasks rendered server-side)"
TASKS = 500
GOAL_MS = 50.0
PEOPLE = ("ana", "ben", "chloe", "dev", "eli")
LABELS = ("backend", "frontend", "docs", "ops", "design", "urgent")

BARE = jinja2.Environment(autoescape=True).from_string(
    "<!doctype html><title>{{ name }}</title><main>{% for status, cards in columns %}"
    "<section><h2>{{ status }}</h2><ol>{% for task in cards %}"
    '<li><a href="/tasks/{{ task.id }}">{{ task.title }}</a></li>'
    "{% endfor %}</ol></section>{% endfor %}</main>"
)
"""The baseline's template: the cards' titles as links, column by column."""


@contextlib.contextmanager
def runtime_on_sqlite() -> Iterator[Runtime]:
    """A migrated runtime on a fresh SQLite file, the embedded default."""
    work = Path(tempfile.mkdtemp(prefix="taskcore-bench-pages-"))
    try:
        settings = Settings(
            data_dir=work,
            secret_key=secrets.token_urlsafe(48),
            auth_rate_per_address="10000/minute",
            failed_login_rate="10000/minute",
            account_failed_login_rate="10000/minute",
        )
        runtime = from_settings(settings, migrate=True)
        try:
            yield runtime
        finally:
            runtime.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def principal(runtime: Runtime, username: str) -> Principal:
    users = runtime.core.users
    found: Principal = users.authenticate(users.login(username=username, password=PASSWORD).token)
    return found


def fill(runtime: Runtime, browser: Browser) -> int:
    """The project of 500 tasks described above, owned by ``owner``; its id."""
    browser.register("owner")
    for name in PEOPLE:
        browser.client.cookies.clear()
        browser.register(name)
    browser.client.cookies.clear()
    browser.login("owner")
    core = runtime.core
    owner = principal(runtime, "owner")
    project = core.projects.create_project(owner, name="Apollo", description="The board").id
    people = [principal(runtime, name).user_id for name in PEOPLE]
    for name, user_id in zip(PEOPLE, people, strict=True):
        invitation = core.projects.add_or_invite(owner, project, user_id=user_id, role="member")
        if isinstance(invitation, InvitationView):
            core.projects.accept_invitation(principal(runtime, name), invitation.id)
    core.tasks.define_field(owner, project, key="points", label="Points", field_type="number")
    core.tasks.define_field(owner, project, key="team", label="Team", field_type="text")
    now = dt.datetime.now(dt.UTC)
    statuses = list(TaskStatus)
    priorities = list(Priority)
    drafts = [
        TaskDraft(
            title=f"Task {n}: make the rocket {LABELS[n % len(LABELS)]}-ready",
            description=f"**Step {n}**\n\n- check\n- ship",
            status=statuses[n % len(statuses)],
            priority=priorities[n % len(priorities)],
            due_date=(now + dt.timedelta(days=(n % 20) - 5)) if n % 2 else None,
            labels=[LABELS[n % len(LABELS)], LABELS[(n + 1) % len(LABELS)]],
            assignee_ids=[people[n % len(people)]]
            + ([people[(n + 2) % len(people)]] if n % 3 == 0 else []),
        )
        for n in range(TASKS - 40)
    ]
    made = core.tasks.import_tasks(owner, project, drafts)
    ids = [t.id for t in made]
    for parent in ids[:20]:
        for step in range(2):
            core.tasks.create_task(owner, project, title=f"Step {step}", parent_id=parent)
    for source, target in zip(ids[20:30], ids[30:40], strict=True):
        core.tasks.add_relation(owner, source, other_id=target, kind="blocks")
    for task_id in ids[::5]:
        core.tasks.update_task(
            owner, task_id, custom_fields={"points": task_id % 8, "team": "core"}
        )
    return project


class AsgiGet:
    """GET a page from an ASGI app in process, with the browser's cookies, to its last
    byte (one event loop for every call)."""

    def __init__(self, app: Any, cookies: dict[str, str]) -> None:
        self._app = app
        self._cookie = "; ".join(f"{k}={v}" for k, v in cookies.items()).encode()
        self._loop = asyncio.new_event_loop()

    def close(self) -> None:
        self._loop.close()

    def __call__(self, path: str) -> tuple[int, bytes]:
        return self._loop.run_until_complete(self._get(path))

    async def _get(self, path: str) -> tuple[int, bytes]:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"testserver"), (b"cookie", self._cookie)],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        status = 0
        body: list[bytes] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                body.append(message.get("body", b""))

        await self._app(scope, receive, send)
        return status, b"".join(body)


def settle(runtime: Runtime, log: Callable[[str], None], limit: float = 300.0) -> None:
    """Wait until the background mail senders have sent the notifications the filling
    queued (they would otherwise take turns with the page for the database)."""
    engine = runtime.engine
    if engine is None:
        return
    waiting = select(func.count()).where(notification_queue.c.status.in_(("pending", "sending")))
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            left = conn.execute(waiting).scalar_one()
        if not left:
            return
        log(f"waiting for {left} notification e-mails to go out")
        time.sleep(2)
    raise RuntimeError("the notification e-mails of the filling were not sent in time")


def timed(work: Callable[[], object], rounds: int) -> tuple[list[float], list[float]]:
    """Milliseconds of wall time and of process CPU time per call of ``work``, after a
    warm-up of five calls."""
    for _ in range(5):
        work()
    wall, cpu = [], []
    for _ in range(rounds):
        start, used = time.perf_counter(), time.process_time()
        work()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - used) * 1000)
    return wall, cpu


def bare_board(engine: Engine, project: int) -> bytes:
    """The baseline: each column's first 100 cards (id, title) by plain SQL, written as
    links by a bare template."""
    with engine.connect() as conn:
        columns = [
            (
                status.value,
                conn.execute(
                    select(tasks.c.id, tasks.c.title)
                    .where(tasks.c.project_id == project, tasks.c.status == status.value)
                    .order_by(tasks.c.position)
                    .limit(100)
                ).all(),
            )
            for status in TaskStatus
        ]
    return BARE.render(name="Apollo", columns=columns).encode()


def board_reads(runtime: Runtime, owner: Principal, project: int) -> list[tuple[Any, Any]]:
    """The use-case calls of the board page, without rendering: the project, its members
    and the four columns."""
    core = runtime.core
    core.projects.get_project(owner, project)
    core.projects.list_members(owner, project, page=PageRequest(per_page=100))
    board = TaskFilters(sort="position", order="asc")
    return [
        (status.value, found.items)
        for status, found in core.tasks.list_columns(owner, project, filters=board)
    ]


def measure(rounds: int, log: Callable[[str], None]) -> dict[str, list[float]]:
    """The three rows' times, interleaved round by round."""
    with runtime_on_sqlite() as runtime:
        app = create_app(runtime)
        with TestClient(app, base_url="http://testserver") as client:
            browser = Browser(client)
            log(f"filling a project with {TASKS} tasks")
            project = fill(runtime, browser)
            owner = principal(runtime, "owner")
            settle(runtime, log)
            get = AsgiGet(app, dict(client.cookies.items()))
            try:
                status, page = get(f"/projects/{project}")
                if status != 200 or page.count(b'class="task-card"') != 400:
                    raise RuntimeError(f"the board answered {status} without its 400 cards")
                engine = runtime.engine
                if engine is None:
                    raise RuntimeError("the runtime has no SQL engine")
                if bare_board(engine, project).count(b"<li>") != 400:
                    raise RuntimeError("the baseline did not write the 400 cards")
                calls: dict[str, Callable[[], object]] = {
                    "page": lambda: get(f"/projects/{project}"),
                    "reads": lambda: board_reads(runtime, owner, project),
                    "bare": lambda: bare_board(engine, project),
                }
                out: dict[str, list[float]] = {}
                log(f"{rounds} rounds of each")
                for _ in range(rounds // 10):
                    for key, call in calls.items():
                        wall, cpu = timed(call, 10)
                        out.setdefault(key, []).extend(wall)
                        out.setdefault(f"{key} cpu", []).extend(cpu)
            finally:
                get.close()
    return out


def run(ctx: Context) -> CaseResult:
    rounds = 30 if ctx.quick else 200
    result = CaseResult(
        case=NAME,
        title=TITLE,
        parameters={
            "tasks in the project": TASKS,
            "cards on the board": 400,
            "database": "SQLite (embedded default)",
            "rounds": rounds,
        },
    )
    times = measure(rounds, ctx.log)
    base = "baseline: plain SQL and a bare page of the same cards"
    cpu_base = f"{base}, CPU time"
    goal = Goal(on="value", op="<=", target=GOAL_MS, text=f"median ≤ {GOAL_MS:.0f} ms")
    result.rows = [
        Row(base, "ms", times["bare"], higher_is_better=False),
        Row("use-case reads of the board", "ms", times["reads"], False, base),
        Row("board page (500 tasks)", "ms", times["page"], False, base, goal),
        Row(cpu_base, "ms", times["bare cpu"], higher_is_better=False),
        Row("use-case reads of the board, CPU time", "ms", times["reads cpu"], False, cpu_base),
        Row("board page (500 tasks), CPU time", "ms", times["page cpu"], False, cpu_base),
    ]
    result.notes.append(
        "Timed in process over ASGI (no socket, no HTTP client); the page includes the "
        "session lookup, the use-case reads and the jinja2 template."
    )
    return result
