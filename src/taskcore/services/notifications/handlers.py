"""The event handlers (registered by :func:`taskcore.app.build`): a task assigned or
completed, a comment, an @mention and an invitation notify the people concerned, in the
app and by e-mail as each prefers."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from taskcore.domain import notifications as rules
from taskcore.domain.comments import mentioned_names
from taskcore.domain.events import (
    CommentAdded,
    CommentEvent,
    DomainEvent,
    InvitationEvent,
    MemberInvited,
    TaskAssigned,
    TaskEvent,
    TaskStatusChanged,
    UserMentioned,
)
from taskcore.domain.notifications import (
    BUILTIN_TEMPLATES,
    EMAIL,
    IN_APP,
    Channel,
    NotificationTemplate,
    NotifyEvent,
)
from taskcore.errors import ValidationError
from taskcore.ports.uow import UnitOfWork
from taskcore.services.notifications.base import user_context
from taskcore.services.notifications.delivery import Delivery
from taskcore.services.notifications.templates import Templates
from taskcore.uow import Work

log = logging.getLogger(__name__)

INVITATION_SUBJECT = "You have been invited to a project on taskcore"
"""The subject of every invitation notification: fixed, never another user's text."""

INVITATION_BODY = (
    "Hello,\n\n"
    "A user of taskcore has invited you to join a project. Sign in to taskcore and open\n"
    "Invitations to see who invited you and to which project, and to accept or decline.\n"
    "Until you accept, you are not a member and nothing of the project is shared with you.\n\n"
    "If you did not expect this, you can decline the invitation or ignore this message.\n"
)
"""The body of the invitation e-mail: fixed text, naming neither project nor inviter."""


class EventHandlers(Delivery, Templates):
    """Notifications made from domain events."""

    @staticmethod
    def notifies_assignment(event: DomainEvent) -> bool:
        """Whether a ``task.assigned`` event notifies anyone (not a self-assignment)."""
        if not isinstance(event, TaskAssigned):
            return False
        return event.assignee_id is not None and event.assignee_id != event.actor_id

    @staticmethod
    def notifies_completion(event: DomainEvent) -> bool:
        """Whether a ``task.status_changed`` event notifies anyone (a completion)."""
        return isinstance(event, TaskStatusChanged) and event.new_status == "completed"

    def on_task_assigned(self, work: Work, event: DomainEvent) -> None:
        """``task.assigned``: notify the new assignee (unless they assigned themselves)."""
        if not isinstance(event, TaskAssigned) or not self.notifies_assignment(event):
            return
        assignee = event.assignee_id
        if assignee is None:  # pragma: no cover - notifies_assignment says there is one
            return
        uow = work.uow
        if not _is_member(uow, event.project_id, assignee):
            return
        task = uow.tasks.get(event.entity_id)
        due = task.due_date if task is not None else None
        self._notify(
            work,
            user_id=assignee,
            what=NotifyEvent.TASK_ASSIGNED,
            template_name=rules.TASK_ASSIGNED,
            context={
                "task_title": event.title,
                "project_name": _project_name(uow, event.project_id),
                "assigned_by": _actor_name(uow, event.actor_id),
                "due_date": due.date().isoformat() if due is not None else "Not specified",
            },
            links=_links(event),
            now=event.occurred_at,
        )

    def on_task_status_changed(self, work: Work, event: DomainEvent) -> None:
        """``task.status_changed`` to completed: notify the project's owners and every
        assignee of the task (not whoever completed it)."""
        if not isinstance(event, TaskStatusChanged) or not self.notifies_completion(event):
            return
        uow = work.uow
        project_id = event.project_id
        recipients: list[int] = list(uow.projects.owner_ids(project_id))
        task = uow.tasks.get(event.entity_id)
        if task is not None:
            recipients.extend(task.assignee_ids)
        elif event.assignee_id is not None:  # deleted since: the event names its assignee
            recipients.append(event.assignee_id)
        context = {
            "task_title": event.title,
            "project_name": _project_name(uow, project_id),
            "completed_by": _actor_name(uow, event.actor_id),
            "completion_date": event.occurred_at.date().isoformat(),
        }
        for user_id in dict.fromkeys(recipients):
            if user_id != event.actor_id and _is_member(uow, project_id, user_id):
                self._notify(
                    work,
                    user_id=user_id,
                    what=NotifyEvent.TASK_COMPLETED,
                    template_name=rules.TASK_COMPLETED,
                    context=context,
                    links=_links(event),
                    now=event.occurred_at,
                )

    def on_comment_added(self, work: Work, event: DomainEvent) -> None:
        """``comment.added``: notify the task's assignees and watchers, except the author
        and anyone the comment mentions (they are told by the mention)."""
        if not isinstance(event, CommentAdded):
            return
        uow = work.uow
        task = uow.tasks.get(event.task_id)
        if task is None:
            return
        comment = uow.comments.get(event.entity_id)
        mentioned = set(mentioned_names(comment.content)) if comment is not None else set()
        recipients = [*task.assignee_ids, *task.watchers]
        context = {
            "task_title": task.title,
            "project_name": _project_name(uow, task.project_id),
            "author": _actor_name(uow, event.actor_id),
            "snippet": event.content_snippet,
        }
        for user_id in dict.fromkeys(recipients):
            if user_id == event.actor_id:
                continue
            user = uow.users.get(user_id)
            if user is None or user.username.lower() in mentioned:
                continue
            if not _is_member(uow, task.project_id, user_id):
                continue
            self._notify(
                work,
                user_id=user_id,
                what=NotifyEvent.COMMENT_ADDED,
                template_name=rules.COMMENT_ADDED,
                context=context,
                links=_links(event),
                now=event.occurred_at,
            )

    def on_user_mentioned(self, work: Work, event: DomainEvent) -> None:
        """``comment.user_mentioned``: notify the mentioned member (never the author)."""
        if not isinstance(event, UserMentioned) or event.user_id == event.actor_id:
            return
        user_id = event.user_id
        uow = work.uow
        if not _is_member(uow, event.project_id, user_id):
            return
        task = uow.tasks.get(event.task_id)
        self._notify(
            work,
            user_id=user_id,
            what=NotifyEvent.MENTIONED,
            template_name=rules.USER_MENTIONED,
            context={
                "task_title": task.title if task is not None else "",
                "project_name": _project_name(uow, event.project_id),
                "author": _actor_name(uow, event.actor_id),
                "snippet": event.content_snippet,
            },
            links=_links(event),
            now=event.occurred_at,
        )

    def on_member_invited(self, work: Work, event: DomainEvent) -> None:
        """``project.member_invited``: tell the invited user, in the app and by e-mail as
        they prefer.

        The invitee is not a member, so the e-mail carries no text another user wrote: its
        subject and body are fixed (:data:`INVITATION_SUBJECT`, :data:`INVITATION_BODY`),
        naming neither the project nor the inviter, and no stored template can change them.
        The in-app notification, read after signing in, names both.
        """
        if not isinstance(event, MemberInvited):
            return
        user_id = event.user_id
        uow = work.uow
        user = uow.users.get(user_id)
        if user is None or not user.is_active:
            return
        prefs = uow.notification_preferences.get(user_id)
        links = {**_links(event), "invitation_id": event.invitation_id}
        data = {**links, "event": NotifyEvent.PROJECT_INVITED.value}
        now = event.occurred_at
        if prefs.wants(NotifyEvent.PROJECT_INVITED, Channel.IN_APP):
            inviter = _actor_name(uow, event.actor_id)
            project = _project_name(uow, event.project_id)
            self._queue(
                work,
                user,
                kind=IN_APP,
                subject=INVITATION_SUBJECT,
                body=f"{inviter} invited you to join the project “{project}” as "
                f"{event.role}. Accept or decline it under "
                "Invitations.",
                priority=rules.NotificationPriority.NORMAL,
                context=data,
                scheduled_at=now,
                now=now,
            )
        if prefs.wants(NotifyEvent.PROJECT_INVITED, Channel.EMAIL):
            self._queue(
                work,
                user,
                kind=EMAIL,
                subject=INVITATION_SUBJECT,
                body=INVITATION_BODY,
                priority=rules.NotificationPriority.NORMAL,
                context=data,
                scheduled_at=now,
                now=now,
            )

    def _notify(
        self,
        work: Work,
        *,
        user_id: int,
        what: NotifyEvent,
        template_name: str,
        context: Mapping[str, Any],
        links: Mapping[str, Any],
        now: dt.datetime,
    ) -> None:
        """Notify one user about ``what`` through the channels they want."""
        uow = work.uow
        user = uow.users.get(user_id)
        if user is None or not user.is_active:
            return
        prefs = uow.notification_preferences.get(user_id)
        channels = [c for c in Channel if prefs.wants(what, c)]
        if not channels:
            return
        merged = {**context, **user_context(user)}
        subject, body = self._event_message(uow, template_name, merged)
        data = {**links, "event": what.value}
        if Channel.IN_APP in channels:
            self._queue(
                work,
                user,
                kind=IN_APP,
                subject=subject,
                body=rules.plain_text(body) if "<html" in body.lower() else body,
                priority=rules.NotificationPriority.NORMAL,
                context=data,
                scheduled_at=now,
                now=now,
            )
        if Channel.EMAIL in channels:
            self._queue(
                work,
                user,
                kind=EMAIL,
                subject=subject,
                body=body,
                priority=rules.NotificationPriority.NORMAL,
                context={**merged, **data},
                scheduled_at=now,
                now=now,
            )

    def _event_message(
        self, uow: UnitOfWork, template_name: str, context: Mapping[str, Any]
    ) -> tuple[str, str]:
        """Subject and body from the active stored template of that name, or the built-in
        one (also when the stored one fails to render)."""
        stored = uow.notification_templates.get_by_name(template_name)
        if stored is not None and stored.is_active:
            try:
                subject, body = self._render(stored, context)
                return subject[: rules.MAX_SUBJECT_LENGTH], body
            except ValidationError:
                log.warning("template %s failed to render; using the built-in one", template_name)
        subject_source, body_source = BUILTIN_TEMPLATES[template_name]
        builtin = NotificationTemplate(
            name=template_name,
            subject_template=subject_source,
            body_template=body_source,
            created_at=self._clock.now(),
            updated_at=self._clock.now(),
        )
        subject, body = self._render(builtin, context)
        return subject[: rules.MAX_SUBJECT_LENGTH], body


def _is_member(uow: UnitOfWork, project_id: object, user_id: int) -> bool:
    """Whether the user is a member of the project now (when the notification is made).

    Notifications about a project's content (titles, comments: other users' free text) go
    only to its members, so a user who left or was removed meanwhile is told nothing.
    """
    if not isinstance(project_id, int):
        return False
    found = uow.projects.access(project_id, user_id)
    return found is not None and found.role is not None


def _actor_name(uow: UnitOfWork, user_id: int | None) -> str:
    user = uow.users.get(user_id) if user_id is not None else None
    if user is None:
        return "System"
    return user.full_name or user.username


def _project_name(uow: UnitOfWork, project_id: object) -> str:
    project = uow.projects.get(project_id) if isinstance(project_id, int) else None
    return project.name if project is not None else "Unknown Project"


def _links(event: DomainEvent) -> dict[str, Any]:
    """What an in-app client needs to link the notification to its subject."""
    links: dict[str, Any] = {"event_id": event.event_id}
    if isinstance(event, TaskEvent | CommentEvent | InvitationEvent):
        links["project_id"] = event.project_id
    if isinstance(event, CommentEvent):
        links["task_id"] = event.task_id
    links[f"{event.entity_type}_id"] = event.entity_id
    return links
