"""The repository contract of the work structure (subtasks), on every adapter."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import attrs
import pytest

from taskcore.domain.custom_fields import (
    FieldDefinition,
    FieldType,
    FilterOp,
    field_sort,
    parse_filter,
)
from taskcore.domain.pagination import Keyset
from taskcore.domain.projects import Membership, Project, Role
from taskcore.domain.relations import RelationKind, TaskRelation
from taskcore.domain.tasks import (
    SubtaskRollup,
    Task,
    TaskCriteria,
    TaskOrder,
    TaskSort,
    TaskStatus,
)
from taskcore.domain.users import User
from taskcore.ports.uow import UnitOfWork, UnitOfWorkFactory

NOW = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
_OWNERS = itertools.count(1)


def _task(project_id: int, **changes: Any) -> Task:
    task = Task(project_id=project_id, title="t", created_at=NOW, updated_at=NOW)
    return attrs.evolve(task, **changes)


def _project(uow: UnitOfWork) -> tuple[int, int]:
    """A user and a project they own; returns both ids."""
    name = f"owner{next(_OWNERS)}"
    user = uow.users.add(
        User(
            username=name,
            email=f"{name}@example.com",
            password_hash="h",
            full_name="U",
            created_at=NOW,
        )
    )
    project = uow.projects.add(Project(name="p", owner_id=user.key, created_at=NOW, updated_at=NOW))
    uow.projects.add_member(
        Membership(project_id=project.key, user_id=user.key, role=Role.OWNER, added_at=NOW)
    )
    return user.key, project.key


@pytest.fixture
def tree(uow_factory: UnitOfWorkFactory) -> dict[str, int]:
    """root > (a > (a1, a2 > a21), b); and a lone task. Returns the ids by name."""
    with uow_factory() as uow:
        _, project = _project(uow)
        ids: dict[str, int] = {"project": project}

        def add(name: str, parent: str | None, **changes: Any) -> None:
            parent_id = None if parent is None else ids[parent]
            ids[name] = uow.tasks.add(_task(project, parent_id=parent_id, **changes)).key

        add("root", None)
        add("a", "root", estimated_hours=2.5, actual_hours=1.0)
        add("b", "root", status=TaskStatus.COMPLETED, completed_at=NOW, estimated_hours=1.0)
        add("a1", "a", status=TaskStatus.CANCELLED)
        add("a2", "a")
        add("a21", "a2")
        add("lone", None)
        uow.commit()
    return ids


class TestSubtasks:
    def test_parent_round_trip(self, uow_factory: UnitOfWorkFactory, tree: dict[str, int]) -> None:
        """A task's parent is stored, read back and changed like any field."""
        with uow_factory() as uow:
            a21 = uow.tasks.get(tree["a21"])
            assert a21 is not None
            assert tree["a2"] == a21.parent_id
            moved = uow.tasks.update(attrs.evolve(a21, parent_id=None))
            uow.commit()
        with uow_factory() as uow:
            again = uow.tasks.get(tree["a21"])
            assert again is not None
            assert (None, moved.version) == (again.parent_id, again.version)

    def test_lineage(self, uow_factory: UnitOfWorkFactory, tree: dict[str, int]) -> None:
        """The lineage is the task, then its ancestors up to the top; empty for no task."""
        with uow_factory() as uow:
            assert [tree["a21"], tree["a2"], tree["a"], tree["root"]] == uow.tasks.lineage(
                tree["a21"]
            )
            assert [tree["lone"]] == uow.tasks.lineage(tree["lone"])
            assert [] == uow.tasks.lineage(10_000)

    def test_descendants_deepest_first(
        self, uow_factory: UnitOfWorkFactory, tree: dict[str, int]
    ) -> None:
        """Every task below, the deepest level first (by id within a level)."""
        with uow_factory() as uow:
            below = [t.key for t in uow.tasks.descendants(tree["root"])]
            assert [tree["a21"], tree["a1"], tree["a2"], tree["a"], tree["b"]] == below
            assert [] == uow.tasks.descendants(tree["lone"])

    def test_rollups(self, uow_factory: UnitOfWorkFactory, tree: dict[str, int]) -> None:
        """Roll-ups count direct subtasks by status and sum their hours, in one call."""
        with uow_factory() as uow:
            found = uow.tasks.rollups([tree["root"], tree["a"], tree["lone"], tree["b"]])
        assert {tree["root"], tree["a"]} == set(found)
        root = found[tree["root"]]
        assert (2, 1, 1, 3.5, 1.0, 50) == (
            root.total,
            root.by_status.pending,
            root.by_status.completed,
            root.estimated_hours,
            root.actual_hours,
            root.percent_done,
        )
        a = found[tree["a"]]
        assert (2, 1, 0) == (a.total, a.by_status.cancelled, a.percent_done)

    def test_rollup_equals_children(
        self, uow_factory: UnitOfWorkFactory, tree: dict[str, int]
    ) -> None:
        """A stored roll-up is the roll-up of the stored children."""
        with uow_factory() as uow:
            found = uow.tasks.rollups([tree["root"]])[tree["root"]]
            children = [
                t for t in uow.tasks.descendants(tree["root"]) if t.parent_id == tree["root"]
            ]
        assert SubtaskRollup.of_tasks(children) == found

    def test_filters(self, uow_factory: UnitOfWorkFactory, tree: dict[str, int]) -> None:
        """parent_id lists direct subtasks; top_level true/false splits the rest."""
        order = TaskOrder(sort=TaskSort.CREATED_AT, descending=False)
        project = tree["project"]
        with uow_factory() as uow:

            def ids(**criteria: Any) -> list[int]:
                chosen = TaskCriteria(project_id=project, **criteria)
                found = uow.tasks.find(chosen, order, limit=50)
                assert len(found) == uow.tasks.count(chosen)
                return sorted(t.key for t in found)

            assert sorted([tree["a"], tree["b"]]) == ids(parent_id=tree["root"])
            assert sorted([tree["root"], tree["lone"]]) == ids(top_level=True)
            assert 5 == len(ids(top_level=False))

    def test_delete_many(self, uow_factory: UnitOfWorkFactory, tree: dict[str, int]) -> None:
        """A whole subtree goes in one call, labels and all; the rest stays."""
        with uow_factory() as uow:
            a2 = uow.tasks.get(tree["a2"])
            assert a2 is not None
            uow.tasks.update(attrs.evolve(a2, labels=("x",)))
            gone = [t.key for t in uow.tasks.descendants(tree["a"])] + [tree["a"]]
            uow.tasks.delete_many(gone)
            uow.commit()
        with uow_factory() as uow:
            assert all(uow.tasks.get(i) is None for i in gone)
            assert [tree["b"]] == [t.key for t in uow.tasks.descendants(tree["root"])]

    def test_project_deletion_takes_trees(
        self, uow_factory: UnitOfWorkFactory, tree: dict[str, int]
    ) -> None:
        """Deleting every task of a project works with subtasks among them."""
        with uow_factory() as uow:
            gone = uow.tasks.delete_in_project(tree["project"])
            uow.commit()
        assert 7 == len(gone)


@pytest.fixture
def people(uow_factory: UnitOfWorkFactory) -> tuple[int, list[int]]:
    """A project and three users who are members of it."""
    with uow_factory() as uow:
        owner, project = _project(uow)
        others = []
        for name in ("p1", "p2"):
            user = uow.users.add(
                User(
                    username=name,
                    email=f"{name}@example.com",
                    password_hash="h",
                    full_name=name,
                    created_at=NOW,
                )
            )
            uow.projects.add_member(
                Membership(project_id=project, user_id=user.key, role=Role.MEMBER, added_at=NOW)
            )
            others.append(user.key)
        uow.commit()
    return project, [owner, *others]


class TestAssignees:
    def test_order_round_trip(
        self, uow_factory: UnitOfWorkFactory, people: tuple[int, list[int]]
    ) -> None:
        """Assignees read back in their order, the first as assignee_id; updates and
        batches store them too."""
        project, (a, b, c) = people
        with uow_factory() as uow:
            one = uow.tasks.add(_task(project, assignee_ids=(c, a, b)))
            batch = uow.tasks.add_many([_task(project, assignee_ids=(b, c)), _task(project)])
            uow.commit()
        with uow_factory() as uow:
            read = uow.tasks.get(one.key)
            assert read is not None
            assert ((c, a, b), c) == (read.assignee_ids, read.assignee_id)
            read.assign((b,))
            uow.tasks.update(read)
            uow.commit()
        with uow_factory() as uow:
            again = uow.tasks.get(one.key)
            first = uow.tasks.get(batch[0].key)
            assert again is not None
            assert first is not None
            assert ((b,), b) == (again.assignee_ids, again.assignee_id)
            assert (b, c) == first.assignee_ids

    def test_assignee_criterion_matches_any(
        self, uow_factory: UnitOfWorkFactory, people: tuple[int, list[int]]
    ) -> None:
        """The assignee criterion keeps tasks where the user is any of the assignees."""
        project, (a, b, c) = people
        order = TaskOrder(sort=TaskSort.CREATED_AT, descending=False)
        with uow_factory() as uow:
            first = uow.tasks.add(_task(project, assignee_ids=(a, b))).key
            second = uow.tasks.add(_task(project, assignee_ids=(b,))).key
            uow.tasks.add(_task(project, assignee_ids=(c,)))
            found = uow.tasks.find(TaskCriteria(assignee_id=b, member_id=b), order, limit=10)
            assert [first, second] == [t.key for t in found]
            assert 1 == uow.tasks.count(TaskCriteria(assignee_id=a))

    def test_release_member_keeps_the_others(
        self, uow_factory: UnitOfWorkFactory, people: tuple[int, list[int]]
    ) -> None:
        """A released member leaves every list of the project; the next one is first."""
        project, (_, b, c) = people
        later = NOW + dt.timedelta(hours=1)
        with uow_factory() as uow:
            shared = uow.tasks.add(_task(project, assignee_ids=(b, c)))
            uow.tasks.add(_task(project, assignee_ids=(c,)))
            released = uow.tasks.release_member(project, b, later)
            assert [(shared.key, (c,), c, 2, later)] == [
                (t.key, t.assignee_ids, t.assignee_id, t.version, t.updated_at) for t in released
            ]
            stored = uow.tasks.get(shared.key)
            assert stored is not None
            assert (c,) == stored.assignee_ids


def _relation(kind: RelationKind, source: int, target: int, **changes: Any) -> TaskRelation:
    return TaskRelation(kind=kind, source_id=source, target_id=target, created_at=NOW, **changes)


class TestRelations:
    def test_stored_once_seen_from_both_sides(
        self, uow_factory: UnitOfWorkFactory, tree: dict[str, int]
    ) -> None:
        """A relation reads back by id and by its ends, and lists from either task."""
        a, b = tree["a"], tree["b"]
        with uow_factory() as uow:
            stored = uow.tasks.add_relation(_relation(RelationKind.PRECEDES, a, b, lag_days=3))
            uow.commit()
        with uow_factory() as uow:
            assert stored == uow.tasks.get_relation(stored.key)
            assert stored == uow.tasks.find_relation(a, b, RelationKind.PRECEDES)
            assert uow.tasks.find_relation(b, a, RelationKind.PRECEDES) is None
            from_a = uow.tasks.related(a, visible_to=None, limit=10)
            from_b = uow.tasks.related(b, visible_to=None, limit=10)
            assert [("precedes", b, 3)] == [
                (r.view(a).kind, r.task_id, r.relation.lag_days) for r in from_a
            ]
            assert [("follows", a)] == [(r.view(b).kind, r.task_id) for r in from_b]
            assert 1 == uow.tasks.count_related(b, visible_to=None)

    def test_visibility_bounds_the_list(
        self, uow_factory: UnitOfWorkFactory, tree: dict[str, int], people: tuple[int, list[int]]
    ) -> None:
        """visible_to keeps only relations whose other task is in the user's projects."""
        elsewhere = people[0]
        outsider = people[1][1]
        with uow_factory() as uow:
            other = uow.tasks.add(_task(elsewhere)).key
            uow.tasks.add_relation(_relation(RelationKind.RELATES, tree["a"], other))
            uow.tasks.add_relation(_relation(RelationKind.RELATES, tree["a"], tree["b"]))
            uow.commit()
        with uow_factory() as uow:
            assert 2 == uow.tasks.count_related(tree["a"], visible_to=None)
            seen = uow.tasks.related(tree["a"], visible_to=outsider, limit=10)
            assert [other] == [r.task_id for r in seen]
            assert 1 == uow.tasks.count_related(tree["a"], visible_to=outsider)

    def test_dependencies_blockers_and_filter(
        self, uow_factory: UnitOfWorkFactory, tree: dict[str, int]
    ) -> None:
        """depends_on follows blocks and precedes; open blockers block, completed ones
        do not; the blocked criterion agrees."""
        root, a, b, lone = tree["root"], tree["a"], tree["b"], tree["lone"]
        order = TaskOrder(sort=TaskSort.CREATED_AT, descending=False)
        with uow_factory() as uow:
            uow.tasks.add_relation(_relation(RelationKind.BLOCKS, a, lone))
            uow.tasks.add_relation(_relation(RelationKind.PRECEDES, lone, root))
            uow.tasks.add_relation(_relation(RelationKind.BLOCKS, b, root))
            uow.tasks.add_relation(_relation(RelationKind.RELATES, root, a))
            assert uow.tasks.depends_on(a, root)
            assert not uow.tasks.depends_on(root, a)
            assert [(a, tree["project"])] == uow.tasks.open_blockers(lone)
            assert [] == uow.tasks.open_blockers(root)
            # The views' facts: the same roll-ups as rollups(), and the blocked tasks.
            rollups, blocked_ids = uow.tasks.view_facts([root, a, b, lone])
            assert {lone} == blocked_ids
            assert uow.tasks.rollups([root, a, b, lone]) == rollups
            assert {root, a} == set(rollups)
            blocked = TaskCriteria(project_id=tree["project"], blocked=True)
            assert [lone] == [t.key for t in uow.tasks.find(blocked, order, limit=10)]
            assert 6 == uow.tasks.count(attrs.evolve(blocked, blocked=False))

    def test_deleting_tasks_deletes_relations(
        self, uow_factory: UnitOfWorkFactory, tree: dict[str, int]
    ) -> None:
        with uow_factory() as uow:
            kept = uow.tasks.add_relation(_relation(RelationKind.RELATES, tree["a"], tree["b"]))
            gone = uow.tasks.add_relation(_relation(RelationKind.BLOCKS, tree["b"], tree["lone"]))
            uow.tasks.delete_many([tree["lone"]])
            assert uow.tasks.get_relation(gone.key) is None
            uow.tasks.delete_relation(kept.key)
            assert 0 == uow.tasks.count_related(tree["a"], visible_to=None)
            uow.commit()

    def test_rewriting_a_tasks_children_keeps_its_relations(
        self, uow_factory: UnitOfWorkFactory, tree: dict[str, int]
    ) -> None:
        """An update that rewrites labels, watchers, assignees and custom fields leaves the
        task's relations alone (from either side)."""
        with uow_factory() as uow:
            out = uow.tasks.add_relation(_relation(RelationKind.BLOCKS, tree["a"], tree["b"]))
            into = uow.tasks.add_relation(_relation(RelationKind.RELATES, tree["lone"], tree["a"]))
            uow.commit()
        with uow_factory() as uow:
            task = uow.tasks.get(tree["a"])
            assert task is not None
            uow.tasks.update(attrs.evolve(task, labels=("kept",)), children_changed=True)
            uow.commit()
        with uow_factory() as uow:
            assert out == uow.tasks.get_relation(out.key)
            assert into == uow.tasks.get_relation(into.key)
            assert 2 == uow.tasks.count_related(tree["a"], visible_to=None)


def _field(project: int, key: str, kind: FieldType, **changes: Any) -> FieldDefinition:
    return FieldDefinition(
        project_id=project, key=key, label=key.title(), type=kind, created_at=NOW, **changes
    )


class TestCustomFields:
    def test_definitions_and_typed_values(
        self, uow_factory: UnitOfWorkFactory, people: tuple[int, list[int]]
    ) -> None:
        """Values of every type read back as stored; a renamed key keeps them; deleting a
        definition deletes its values."""
        project, (a, _, _) = people
        with uow_factory() as uow:
            defs = {
                kind: uow.tasks.add_field(
                    _field(project, kind.value, kind, options=("x", "y", "z"), position=i)
                )
                for i, kind in enumerate(FieldType)
            }
            values = {
                "text": "hello",
                "number": 2.5,
                "date": "2026-05-01",
                "boolean": False,
                "single_select": "y",
                "multi_select": ("x", "z"),
                "user": a,
                "url": "https://example.com",
            }
            task = uow.tasks.add(_task(project, custom_fields=dict(values)))
            uow.commit()
        with uow_factory() as uow:
            read = uow.tasks.get(task.key)
            assert read is not None
            assert values == read.custom_fields
            assert [d.key for d in uow.tasks.fields_of([project])] == [k.value for k in FieldType]
            renamed = attrs.evolve(defs[FieldType.TEXT], key="note", label="Note")
            uow.tasks.update_field(renamed)
            assert 1 == uow.tasks.delete_field(defs[FieldType.NUMBER].ident)
            uow.commit()
        with uow_factory() as uow:
            again = uow.tasks.get(task.key)
            assert again is not None
            assert "hello" == again.custom_fields["note"]
            assert "number" not in again.custom_fields
            assert renamed == uow.tasks.get_field(renamed.ident)

    def test_filters(self, uow_factory: UnitOfWorkFactory, people: tuple[int, list[int]]) -> None:
        """eq, gte, lte and in on typed values; multi selects match any chosen option."""
        project, _ = people
        order = TaskOrder(sort=TaskSort.CREATED_AT, descending=False)
        with uow_factory() as uow:
            points = uow.tasks.add_field(_field(project, "points", FieldType.NUMBER))
            tags = uow.tasks.add_field(
                _field(project, "tags", FieldType.MULTI_SELECT, options=("a", "b"))
            )
            ids = [
                uow.tasks.add(_task(project, custom_fields={"points": n, "tags": t})).key
                for n, t in ((1.0, ("a",)), (5.0, ("b",)), (8.0, ("a", "b")))
            ]
            uow.tasks.add(_task(project))

            def found(key: str, definition: FieldDefinition, op: FilterOp, raw: str) -> list[int]:
                criteria = TaskCriteria(
                    project_id=project, custom=((key, parse_filter(definition, op, raw)),)
                )
                tasks = uow.tasks.find(criteria, order, limit=10)
                assert len(tasks) == uow.tasks.count(criteria)
                return [t.key for t in tasks]

            assert [ids[1]] == found("points", points, FilterOp.EQ, "5")
            assert ids[1:] == found("points", points, FilterOp.GTE, "5")
            assert ids[:2] == found("points", points, FilterOp.LTE, "5")
            assert [ids[0], ids[2]] == found("points", points, FilterOp.IN, "1,8")
            assert [ids[0], ids[2]] == found("tags", tags, FilterOp.EQ, "a")


def test_rename_option(uow_factory: UnitOfWorkFactory, people: tuple[int, list[int]]) -> None:
    """Renaming an option rewrites the single and multi select values holding it."""
    project, _ = people
    with uow_factory() as uow:
        one = uow.tasks.add_field(
            _field(project, "stage", FieldType.SINGLE_SELECT, options=("a", "b"))
        )
        many = uow.tasks.add_field(
            _field(project, "tags", FieldType.MULTI_SELECT, options=("a", "b"))
        )
        task = uow.tasks.add(_task(project, custom_fields={"stage": "a", "tags": ("a", "b")}))
        other = uow.tasks.add(_task(project, custom_fields={"stage": "b"}))
        renamed_one = attrs.evolve(one, options=("z", "b"))
        renamed_many = attrs.evolve(many, options=("z", "b"))
        uow.tasks.update_field(renamed_one)
        uow.tasks.update_field(renamed_many)
        assert 1 == uow.tasks.rename_option(renamed_one, "a", "z")
        assert 1 == uow.tasks.rename_option(renamed_many, "a", "z")
        uow.commit()
    with uow_factory() as uow:
        read, untouched = uow.tasks.get(task.key), uow.tasks.get(other.key)
        assert read is not None
        assert untouched is not None
        assert {"stage": "z", "tags": ("z", "b")} == read.custom_fields
        assert {"stage": "b"} == untouched.custom_fields


@pytest.mark.parametrize("descending", [False, True])
def test_custom_field_order_pages_by_cursor(
    uow_factory: UnitOfWorkFactory, people: tuple[int, list[int]], descending: bool
) -> None:
    """Ordered by a custom field (tasks without a value last, ties by id), keyset slices
    of two cover every task once, in order."""
    project, _ = people
    with uow_factory() as uow:
        points = uow.tasks.add_field(_field(project, "points", FieldType.NUMBER))
        made = [
            uow.tasks.add(_task(project, custom_fields={} if n is None else {"points": n})).key
            for n in (3.0, None, 1.0, 3.0, 2.0)
        ]
        order = TaskOrder(descending=descending, custom=field_sort(points))
        criteria = TaskCriteria(project_id=project)
        seen: list[int] = []
        after = None
        while True:
            page = uow.tasks.find(criteria, order, limit=2, after=after)
            seen.extend(t.key for t in page)
            if len(page) < 2:
                break
            last = page[-1]
            after = Keyset(value=order.value(last), id=last.key)
    three, none, one, three_again, two = made
    if descending:
        assert [three_again, three, two, one, none] == seen
    else:
        assert [one, two, three, three_again, none] == seen
