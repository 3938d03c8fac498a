"""Notification templates: the administrators' management of them, and rendering."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from taskcore.domain import notifications as rules
from taskcore.domain.notifications import NotificationTemplate
from taskcore.domain.values import UNSET, Unset
from taskcore.errors import TemplateNotFound
from taskcore.services.access import Actor, require_admin
from taskcore.services.notifications.base import NotificationsBase


class PlaceholderRenderer:
    """The minimal :class:`~taskcore.ports.mail.TemplateRenderer`: plain
    ``{{key}}`` substitution (spaces inside the braces allowed), escaping values in HTML.

    Unknown placeholders are left as written; there are no conditionals or loops. Hosts
    that want full templates pass a sandboxed jinja renderer instead.
    """

    _PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")

    def render(self, source: str, context: Mapping[str, Any], *, html: bool) -> str:
        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in context:
                return match.group(0)
            text = str(context[name])
            return _escape(text) if html else text

        return self._PLACEHOLDER.sub(value, source)

    def check(self, source: str, field: str) -> None:
        """Every text is a valid placeholder template."""


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


class Templates(NotificationsBase):
    """Managing and rendering notification templates."""

    def list_templates(self, actor: Actor) -> Sequence[NotificationTemplate]:
        """Every active template, by id (any authenticated user)."""
        with self._tx() as work:
            return work.uow.notification_templates.active()

    def get_template(self, actor: Actor, template_id: int) -> NotificationTemplate:
        """One template, active or not (administrators only).

        Raises:
            AdminRequired: the caller is not an administrator.
            TemplateNotFound: ``Template not found``.
        """
        require_admin(actor)
        with self._tx() as work:
            found = work.uow.notification_templates.get(template_id)
        if found is None:
            raise TemplateNotFound(template_id)
        return found

    def create_template(
        self,
        actor: Actor,
        *,
        name: str | None,
        subject_template: str | None,
        body_template: str | None,
        notification_type: str | None,
    ) -> NotificationTemplate:
        """Create an active template (administrators only; checked before the input).

        Raises:
            AdminRequired: ``Admin privileges required``.
            ValidationError: ``<field> is required``, too long, or not a valid template.
            TemplateNameExists: another template has the name.
        """
        require_admin(actor)
        template_name = rules.check_text(name, "name", rules.MAX_NAME_LENGTH)
        subject = rules.check_text(subject_template, "subject_template", rules.MAX_SUBJECT_LENGTH)
        body = rules.check_text(body_template, "body_template", rules.MAX_BODY_LENGTH)
        kind = rules.check_text(notification_type, "notification_type", rules.MAX_TYPE_LENGTH)
        self._renderer.check(subject, "subject_template")
        self._renderer.check(body, "body_template")
        now = self._clock.now()
        with self._tx() as work:
            stored = work.uow.notification_templates.add(
                NotificationTemplate(
                    name=template_name,
                    subject_template=subject,
                    body_template=body,
                    notification_type=kind,
                    is_active=True,
                    created_at=now,
                    updated_at=now,
                )
            )
            work.commit()
        return stored

    def update_template(
        self,
        actor: Actor,
        template_id: int,
        *,
        name: str | Unset = UNSET,
        subject_template: str | Unset = UNSET,
        body_template: str | Unset = UNSET,
        notification_type: str | Unset = UNSET,
        is_active: bool | Unset = UNSET,
    ) -> NotificationTemplate:
        """Change a template; fields left ``UNSET`` keep their value (administrators only).

        Raises:
            AdminRequired: the caller is not an administrator.
            TemplateNotFound: ``Template not found``.
            ValidationError: an empty, too long or malformed value.
            TemplateNameExists: another template has the new name.
        """
        require_admin(actor)
        changes: dict[str, Any] = {}
        if name is not UNSET:
            changes["name"] = rules.check_text(name, "name", rules.MAX_NAME_LENGTH)
        if subject_template is not UNSET:
            changes["subject_template"] = rules.check_text(
                subject_template, "subject_template", rules.MAX_SUBJECT_LENGTH
            )
            self._renderer.check(changes["subject_template"], "subject_template")
        if body_template is not UNSET:
            changes["body_template"] = rules.check_text(
                body_template, "body_template", rules.MAX_BODY_LENGTH
            )
            self._renderer.check(changes["body_template"], "body_template")
        if notification_type is not UNSET:
            changes["notification_type"] = rules.check_text(
                notification_type, "notification_type", rules.MAX_TYPE_LENGTH
            )
        if is_active is not UNSET:
            changes["is_active"] = is_active
        with self._tx() as work:
            repo = work.uow.notification_templates
            current = repo.get(template_id)
            if current is None:
                raise TemplateNotFound(template_id)
            if not changes:
                return current
            stored = repo.update(attrs.evolve(current, **changes, updated_at=self._clock.now()))
            work.commit()
        return stored

    def deactivate_template(self, actor: Actor, template_id: int) -> NotificationTemplate:
        """Deactivate a template: it is no longer listed or used (administrators only).

        Raises:
            AdminRequired: the caller is not an administrator.
            TemplateNotFound: ``Template not found``.
        """
        return self.update_template(actor, template_id, is_active=False)

    def _render(
        self, template: NotificationTemplate, context: Mapping[str, Any]
    ) -> tuple[str, str]:
        subject = self._renderer.render(template.subject_template, context, html=False)
        is_html = "<html" in template.body_template.lower()
        body = self._renderer.render(template.body_template, context, html=is_html)
        return " ".join(subject.split()), body
