"""The work structure under random sequences of changes (hypothesis state machine on the
in-memory adapters, and again on SQLite): parents never form a cycle and stay within five
levels; roll-ups always equal their children's sums; blocking and precedence never form a
cycle; completed blockers never block."""

from __future__ import annotations

import tempfile

import hypothesis.strategies as st
from hypothesis import settings
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from taskcore import errors
from taskcore.domain.pagination import PageRequest
from taskcore.domain.task_fields import SUBTASK_DEPTH_MAX
from taskcore.domain.tasks import SubtaskRollup, Task, TaskStatus
from taskcore.services.tasks import TaskFilters
from taskcore_adapters.testing import World

STATUSES = st.sampled_from(list(TaskStatus))
KINDS = st.sampled_from(["blocks", "blocked_by", "precedes", "follows", "relates"])
EVERYTHING = TaskFilters(sort="created_at", order="asc")
ALL = PageRequest(per_page=100)


class WorkStructureMachine(RuleBasedStateMachine):
    tasks_made = Bundle("tasks")

    def __init__(self) -> None:
        super().__init__()
        self.world = self.make_world()
        self.owner = self.world.user("olivia")
        self.project = self.world.project(self.owner).id
        self.alive: set[int] = set()

    @initialize(target=tasks_made)
    def first(self) -> int:
        task = self.world.core.tasks.create_task(self.owner, self.project, title="root")
        self.alive.add(task.id)
        return task.id

    def make_world(self) -> World:
        return World.create()

    def _stored(self) -> dict[int, Task]:
        with self.world.core.transactions(read_only=True) as work:
            uow = work.uow
            return {t: found for t in self.alive if (found := uow.tasks.get(t)) is not None}

    @rule(target=tasks_made, parent=tasks_made, status=STATUSES, hours=st.integers(0, 5))
    def create(self, parent: int, status: TaskStatus, hours: int) -> int:
        tasks = self.world.core.tasks
        refused: str | None = None
        try:
            task = tasks.create_task(
                self.owner,
                self.project,
                title="t",
                parent_id=parent if parent in self.alive else None,
                status=status,
                estimated_hours=hours,
            )
        except errors.ValidationError as exc:
            refused = exc.field
            task = tasks.create_task(self.owner, self.project, title="t", status=status)
        assert refused in (None, "parent_id")
        self.alive.add(task.id)
        return task.id

    @rule(task=tasks_made, parent=st.one_of(st.none(), tasks_made))
    def reparent(self, task: int, parent: int | None) -> None:
        if task not in self.alive or (parent is not None and parent not in self.alive):
            return
        refused: str | None = None
        try:
            self.world.core.tasks.update_task(self.owner, task, parent_id=parent)
        except errors.ValidationError as exc:
            refused = exc.field
        assert refused in (None, "parent_id")

    @rule(task=tasks_made, other=tasks_made, kind=KINDS)
    def relate(self, task: int, other: int, kind: str) -> None:
        if task not in self.alive or other not in self.alive:
            return
        refused: str | None = None
        try:
            self.world.core.tasks.add_relation(self.owner, task, kind=kind, other_id=other)
        except errors.ValidationError as exc:
            refused = exc.field
        except errors.Conflict:
            refused = "conflict"
        assert refused in (None, "task_id", "conflict")

    @rule(task=tasks_made, status=STATUSES, override=st.booleans())
    def set_status(self, task: int, status: TaskStatus, override: bool) -> None:
        if task not in self.alive:
            return
        try:
            self.world.core.tasks.update_task(
                self.owner, task, status=status, override_blockers=override
            )
        except errors.TaskBlocked:
            assert status == "completed"
            assert not override

    @precondition(lambda self: len(self.alive) > 1)
    @rule(task=tasks_made)
    def delete(self, task: int) -> None:
        if task not in self.alive:
            return
        stored = self._stored()
        below = {t for t in stored if task in self._ancestors(stored, t)}
        self.world.core.tasks.delete_task(self.owner, task, cascade=True)
        self.alive -= below | {task}

    @staticmethod
    def _ancestors(stored: dict[int, Task], task_id: int) -> list[int]:
        chain: list[int] = []
        current = stored[task_id].parent_id
        while current is not None:
            assert current not in chain, "a cycle of parents"
            chain.append(current)
            current = stored[current].parent_id
        return chain

    @invariant()
    def trees_are_acyclic_and_shallow(self) -> None:
        stored = self._stored()
        assert set(stored) == self.alive
        for task_id in stored:
            assert len(self._ancestors(stored, task_id)) < SUBTASK_DEPTH_MAX

    @invariant()
    def rollups_equal_the_children(self) -> None:
        stored = self._stored()
        views = self.world.core.tasks.list_tasks(
            self.owner, self.project, filters=EVERYTHING, page=ALL
        )
        for view in views.items:
            children = [t for t in stored.values() if t.parent_id == view.id]
            assert SubtaskRollup.of_tasks(children) == view.subtasks

    @invariant()
    def dependencies_are_acyclic_and_only_open_blockers_block(self) -> None:
        tasks = self.world.core.tasks
        stored = self._stored()
        edges: dict[int, set[int]] = {t: set() for t in stored}
        blocked: set[int] = set()
        for task_id in stored:
            for relation in tasks.list_relations(self.owner, task_id, page=ALL).items:
                if relation.kind in ("blocks", "precedes"):
                    edges[task_id].add(relation.task_id)
                if relation.kind == "blocked_by" and relation.task_status.is_open:
                    blocked.add(task_id)
        for start, targets in edges.items():
            seen, frontier = set(), list(targets)
            while frontier:
                current = frontier.pop()
                assert current != start, "a cycle of dependencies"
                if current not in seen:
                    seen.add(current)
                    frontier.extend(edges[current])
        views = tasks.list_tasks(self.owner, self.project, filters=EVERYTHING, page=ALL)
        assert blocked == {v.id for v in views.items if v.blocked}


WorkStructureMachine.TestCase.settings = settings(
    max_examples=15, stateful_step_count=20, deadline=None
)
TestWorkStructure = WorkStructureMachine.TestCase


class SqliteWorkStructureMachine(WorkStructureMachine):
    """The same machine with the SQL repositories, on a fresh SQLite database."""

    def make_world(self) -> World:
        from taskcore_adapters.sql import SqlAlchemyUnitOfWorkFactory, make_engine
        from taskcore_adapters.sql.tables import metadata

        self._folder = tempfile.TemporaryDirectory()
        self._engine = make_engine(f"sqlite:///{self._folder.name}/machine.db")
        metadata.create_all(self._engine)
        return World.create(wrap_uow=lambda _: SqlAlchemyUnitOfWorkFactory(self._engine))

    def teardown(self) -> None:
        self._engine.dispose()
        self._folder.cleanup()


SqliteWorkStructureMachine.TestCase.settings = settings(
    max_examples=8, stateful_step_count=20, deadline=None
)
TestSqliteWorkStructure = SqliteWorkStructureMachine.TestCase
