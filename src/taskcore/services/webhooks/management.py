"""Managing webhooks: register, list, read, change, delete, rotate secrets, list
deliveries (project owners and administrators), and removal with the project."""

from __future__ import annotations

from collections.abc import Sequence

from taskcore.domain import webhooks as rules
from taskcore.domain.events import DomainEvent
from taskcore.domain.pagination import Page, PageRequest
from taskcore.domain.values import UNSET, Unset
from taskcore.domain.webhooks import (
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookSecret,
    WebhookView,
)
from taskcore.errors import ProjectNotFound, ValidationError, WebhookLimitReached, WebhookNotFound
from taskcore.services import access
from taskcore.services.access import Actor
from taskcore.services.webhooks.base import WebhooksBase
from taskcore.uow import Work


class Management(WebhooksBase):
    """The owners' use cases on a project's webhooks."""

    def _manage(self, work: Work, actor: Actor, project_id: int, message: str) -> None:
        role = access.visible_role(
            work.uow.projects, actor, project_id, ProjectNotFound(project_id)
        )
        access.require_manage(actor, role, project_id, message)

    def _endpoint(
        self, work: Work, project_id: int, webhook_id: int, *, for_update: bool = False
    ) -> WebhookEndpoint:
        found = work.uow.webhooks.get(webhook_id, for_update=for_update)
        if found is None or found.project_id != project_id:
            raise WebhookNotFound(webhook_id)
        return found

    def create_webhook(
        self,
        actor: Actor,
        project_id: int,
        *,
        url: str | None,
        event_types: Sequence[str] | None = None,
        description: str | None = None,
        is_active: bool = True,
    ) -> WebhookSecret:
        """Register a webhook (project owners and administrators).

        Args:
            actor: The caller.
            project_id: The project whose events are sent.
            url: The HTTPS URL to POST to.
            event_types: Event names wanted; all events (``*``) by default.
            description: Free text.
            is_active: Whether to deliver from now on.

        Returns:
            The webhook and its signing secret, which is never shown again.

        Raises:
            ProjectNotFound: no such project, or the caller is not a member.
            ProjectRoleRequired: the caller is not an owner.
            ValidationError: a bad ``url``, ``event_types`` or ``description``.
            WebhookLimitReached: the project has ``options.max_webhooks`` webhooks.
        """
        target = rules.check_url(url, self.options.policy)
        types = rules.check_event_types(
            [rules.ALL_EVENTS] if event_types is None else list(event_types)
        )
        text = rules.check_description(description)
        secret = rules.new_secret()
        with self._tx() as work:
            self._manage(work, actor, project_id, "Only project owners can manage webhooks")
            if work.uow.webhooks.count(project_id) >= self.options.max_webhooks:
                raise WebhookLimitReached(self.options.max_webhooks)
            now = self._clock.now()
            endpoint = work.uow.webhooks.add(
                WebhookEndpoint(
                    project_id=project_id,
                    url=target.url,
                    event_types=types,
                    description=text,
                    is_active=is_active,
                    secret=secret,
                    created_by=actor.user_id,
                    created_at=now,
                    updated_at=now,
                )
            )
            work.commit()
        return WebhookSecret(webhook=WebhookView.of(endpoint, now), secret=secret)

    def list_webhooks(
        self,
        actor: Actor,
        project_id: int,
        *,
        page: PageRequest = PageRequest(),  # noqa: B008 - immutable
    ) -> Page[WebhookView]:
        """A project's webhooks, oldest first, without their secrets (owners, admins).

        Raises:
            ProjectNotFound: no such project, or the caller is not a member.
            ProjectRoleRequired: the caller is not an owner.
        """
        with self._tx() as work:
            self._manage(work, actor, project_id, "Only project owners can manage webhooks")
            repo = work.uow.webhooks
            total = repo.count(project_id)
            found = repo.find(project_id, offset=page.offset, limit=page.per_page)
        now = self._clock.now()
        return Page(
            items=[WebhookView.of(e, now) for e in found],
            page=page.page,
            per_page=page.per_page,
            total=total,
        )

    def get_webhook(self, actor: Actor, project_id: int, webhook_id: int) -> WebhookView:
        """One webhook, without its secret (owners and administrators).

        Raises:
            ProjectNotFound: no such project, or the caller is not a member.
            ProjectRoleRequired: the caller is not an owner.
            WebhookNotFound: no such webhook in the project.
        """
        with self._tx() as work:
            self._manage(work, actor, project_id, "Only project owners can manage webhooks")
            endpoint = self._endpoint(work, project_id, webhook_id)
        return WebhookView.of(endpoint, self._clock.now())

    def update_webhook(
        self,
        actor: Actor,
        project_id: int,
        webhook_id: int,
        *,
        url: str | Unset | None = UNSET,
        event_types: Sequence[str] | Unset | None = UNSET,
        description: str | Unset | None = UNSET,
        is_active: bool | Unset | None = UNSET,
    ) -> WebhookView:
        """Change a webhook; only the fields given change (owners and administrators).

        Activating a webhook clears its failure count and the reason it was disabled, and
        makes the caller its creator (the person it acts for).

        Raises:
            ProjectNotFound: no such project, or the caller is not a member.
            ProjectRoleRequired: the caller is not an owner.
            WebhookNotFound: no such webhook in the project.
            ValidationError: a bad ``url``, ``event_types``, ``description`` or
                ``is_active``.
        """
        new_url = None if url is UNSET else rules.check_url(url, self.options.policy).url
        types = None if event_types is UNSET else rules.check_event_types(event_types)
        text = None if description is UNSET else rules.check_description(description)
        if is_active is None:
            raise ValidationError("is_active must be true or false", field="is_active")
        with self._tx() as work:
            self._manage(work, actor, project_id, "Only project owners can manage webhooks")
            endpoint = self._endpoint(work, project_id, webhook_id, for_update=True)
            now = self._clock.now()
            if new_url is not None:
                endpoint.url = new_url
            if types is not None:
                endpoint.event_types = types
            if text is not None:
                endpoint.description = text
            if is_active is not UNSET:
                if is_active and not endpoint.is_active:
                    endpoint.consecutive_failures = 0
                    endpoint.disabled_reason = None
                    endpoint.created_by = actor.user_id
                endpoint.is_active = is_active
            endpoint.updated_at = now
            endpoint = work.uow.webhooks.update(endpoint)
            work.commit()
        return WebhookView.of(endpoint, now)

    def delete_webhook(self, actor: Actor, project_id: int, webhook_id: int) -> None:
        """Delete a webhook and its deliveries (owners and administrators).

        Raises:
            ProjectNotFound: no such project, or the caller is not a member.
            ProjectRoleRequired: the caller is not an owner.
            WebhookNotFound: no such webhook in the project.
        """
        with self._tx() as work:
            self._manage(work, actor, project_id, "Only project owners can manage webhooks")
            self._endpoint(work, project_id, webhook_id, for_update=True)
            work.uow.webhooks.delete(webhook_id)
            work.commit()

    def rotate_secret(self, actor: Actor, project_id: int, webhook_id: int) -> WebhookSecret:
        """Give a webhook a new secret; the old one keeps signing for the overlap period,
        so receivers can switch without losing messages (owners and administrators).

        Returns:
            The webhook, the new secret (shown only now) and the end of the overlap.

        Raises:
            ProjectNotFound: no such project, or the caller is not a member.
            ProjectRoleRequired: the caller is not an owner.
            WebhookNotFound: no such webhook in the project.
        """
        secret = rules.new_secret()
        with self._tx() as work:
            self._manage(work, actor, project_id, "Only project owners can manage webhooks")
            endpoint = self._endpoint(work, project_id, webhook_id, for_update=True)
            now = self._clock.now()
            until = now + self.options.rotation_overlap
            endpoint.previous_secret = endpoint.secret
            endpoint.previous_secret_expires_at = until
            endpoint.secret = secret
            endpoint.updated_at = now
            endpoint = work.uow.webhooks.update(endpoint)
            work.commit()
        return WebhookSecret(
            webhook=WebhookView.of(endpoint, now), secret=secret, previous_secret_expires_at=until
        )

    def list_deliveries(
        self,
        actor: Actor,
        project_id: int,
        webhook_id: int,
        *,
        status: str | None = None,
        page: PageRequest = PageRequest(),  # noqa: B008 - immutable
    ) -> Page[WebhookDelivery]:
        """A webhook's deliveries, newest first (owners and administrators).

        Raises:
            ProjectNotFound: no such project, or the caller is not a member.
            ProjectRoleRequired: the caller is not an owner.
            WebhookNotFound: no such webhook in the project.
            ValidationError: an unknown ``status``.
        """
        wanted = None
        if status is not None:
            try:
                wanted = WebhookDeliveryStatus(status)
            except ValueError:
                allowed = [s.value for s in WebhookDeliveryStatus]
                raise ValidationError(
                    f"Invalid status. Must be one of {allowed}", field="status"
                ) from None
        with self._tx() as work:
            self._manage(work, actor, project_id, "Only project owners can manage webhooks")
            self._endpoint(work, project_id, webhook_id)
            return work.uow.webhook_deliveries.find(webhook_id, wanted, page)

    def on_project_deleted(self, work: Work, events: Sequence[DomainEvent]) -> None:
        """In-transaction handler: a deleted project's webhooks go with it."""
        for event in events:
            project_id = rules.project_of(event)
            if project_id is not None:
                work.uow.webhooks.delete_in_project(project_id)
