"""Typed events: their stored ``details`` and rebuilding them from it."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest

from taskcore.domain.events import (
    EVENT_TYPES,
    AttachmentUploaded,
    DomainEvent,
    MemberAdded,
    ProjectCreated,
    TaskDeleted,
    TaskStatusChanged,
    UserAdminUpdated,
    change,
    event_class,
)

NOW = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)


class TestDetails:
    def test_fields_in_declaration_order(self) -> None:
        """``details`` holds the event's fields in the order they are declared."""
        event = TaskStatusChanged(
            occurred_at=NOW,
            actor_id=1,
            entity_id=5,
            project_id=2,
            title="T",
            old_status="todo",
            new_status="completed",
            assignee_id=None,
        )
        assert [
            ("project_id", 2),
            ("title", "T"),
            ("old", "todo"),
            ("new", "completed"),
            ("assignee_id", None),
        ] == list(event.details.items())

    def test_renamed_field_is_stored_under_its_key(self) -> None:
        """A project's name is stored as ``name`` (the class's own ``name`` is its type)."""
        event = ProjectCreated(
            occurred_at=NOW, actor_id=1, entity_id=2, project_id=2, project_name="P", owner_id=1
        )
        assert {"project_id": 2, "name": "P", "owner_id": 1} == event.details
        assert "project.created" == event.name

    def test_unset_optional_fields_are_left_out(self) -> None:
        """Optional fields appear only when set."""
        base = {"filename": "a.txt", "task_id": 3, "project_id": 2, "file_size": 10}
        clean = AttachmentUploaded(
            occurred_at=NOW,
            actor_id=1,
            entity_id=4,
            filename="a.txt",
            task_id=3,
            project_id=2,
            file_size=10,
        )
        held = attrs.evolve(clean, quarantined=True)
        assert base == clean.details
        assert {**base, "quarantined": True} == held.details
        flags = UserAdminUpdated(
            occurred_at=NOW, actor_id=1, entity_id=4, is_admin=change(False, True)
        )
        assert {"is_admin": {"old": False, "new": True}} == flags.details
        whole = TaskDeleted(
            occurred_at=NOW, actor_id=1, entity_id=4, project_id=2, title="T", with_project=True
        )
        assert {"project_id": 2, "title": "T", "with_project": True} == whole.details


class TestRestore:
    def _restore(self, name: str, details: dict[str, object]) -> DomainEvent:
        return DomainEvent.restore(
            name,
            event_id="e1",
            occurred_at=NOW,
            actor_id=1,
            entity_id=2,
            entity_version=None,
            details=details,
        )

    def test_round_trip(self) -> None:
        """An event rebuilt from its name and details equals the original."""
        event = MemberAdded(
            occurred_at=NOW,
            actor_id=1,
            entity_id=2,
            event_id="e1",
            project_id=2,
            user_id=3,
            role="member",
            invitation_id=7,
        )
        assert event == self._restore(event.name, event.details)

    def test_stored_keys_fill_typed_fields(self) -> None:
        """Renamed keys land in their fields; unknown keys are ignored; a missing optional
        field takes its default."""
        restored = self._restore(
            "task.status_changed",
            {
                "project_id": 2,
                "title": "T",
                "old": "todo",
                "new": "completed",
                "assignee_id": 4,
                "added_later": True,
            },
        )
        assert isinstance(restored, TaskStatusChanged)
        assert ("todo", "completed", 4) == (
            restored.old_status,
            restored.new_status,
            restored.assignee_id,
        )
        member = self._restore("project.member_added", {"project_id": 2, "user_id": 3, "role": "x"})
        assert isinstance(member, MemberAdded)
        assert None is member.invitation_id

    def test_unknown_name_or_missing_field(self) -> None:
        """An unknown name, or stored details without a required field, raise KeyError."""
        with pytest.raises(KeyError):
            self._restore("task.exploded", {})
        with pytest.raises(KeyError):
            self._restore("user.registered", {})

    def test_every_name_maps_to_its_class(self) -> None:
        """Each event class is found by its name, and the names are unique."""
        assert len(EVENT_TYPES) == len({cls.name for cls in EVENT_TYPES})
        assert all(event_class(cls.name) is cls for cls in EVENT_TYPES)
