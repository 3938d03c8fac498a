"""Project webhooks: managed by owners; events become signed deliveries, retried and
eventually failed, with endpoints disabled on 410 or too many failures."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from taskcore.domain import webhooks as rules
from taskcore.domain.pagination import PageRequest
from taskcore.domain.webhooks import UrlPolicy, WebhookDeliveryStatus
from taskcore.errors import (
    ProjectNotFound,
    ProjectRoleRequired,
    ValidationError,
    WebhookLimitReached,
    WebhookNotFound,
)
from taskcore.ports.jobs import JobSpec
from taskcore.ports.webhooks import WebhookRequest, WebhookResponse
from taskcore.services.users import Principal
from taskcore.services.webhooks import CREATOR_LEFT, NO_SENDER, WebhookOptions
from taskcore_adapters.memory.webhooks import RecordingWebhookSender
from taskcore_adapters.testing import World

URL = "https://hooks.example.com/taskcore"
OK = WebhookResponse(status_code=200)
BROKEN = WebhookResponse(status_code=500)
GONE = WebhookResponse(status_code=410)


@pytest.fixture
def sender() -> RecordingWebhookSender:
    """A sender answering 200 until told otherwise."""
    return RecordingWebhookSender()


@pytest.fixture
def world(sender: RecordingWebhookSender) -> World:
    """An in-memory taskcore with the recording sender and short retry rules."""
    return World.create(
        webhook_sender=sender,
        webhook_options=WebhookOptions(max_attempts=3, backoff_seconds=(10, 60), disable_after=2),
    )


@pytest.fixture
def owner(world: World) -> Principal:
    """The owner of the project."""
    return world.user("olivia")


@pytest.fixture
def project_id(world: World, owner: Principal) -> int:
    """A project owned by ``owner``."""
    return world.project(owner).id


def _task(world: World, owner: Principal, project_id: int, title: str = "Launch") -> int:
    return world.core.tasks.create_task(owner, project_id=project_id, title=title).id


class TestManagement:
    def test_create_returns_secret_once(
        self, world: World, owner: Principal, project_id: int
    ) -> None:
        """Creating a webhook returns a whsec_ secret of 32 bytes; get never shows it."""
        created = world.core.webhooks.create_webhook(
            owner, project_id, url=URL, event_types=["task.created"]
        )
        assert created.secret.startswith("whsec_")
        assert 32 == len(rules.secret_key(created.secret))
        view = world.core.webhooks.get_webhook(owner, project_id, created.webhook.id)
        assert not hasattr(view, "secret")
        assert ("task.created",) == view.event_types

    def test_default_event_types_are_all(
        self, world: World, owner: Principal, project_id: int
    ) -> None:
        """Without event_types a webhook subscribes to every event."""
        created = world.core.webhooks.create_webhook(owner, project_id, url=URL)
        assert ("*",) == created.webhook.event_types

    @pytest.mark.parametrize(
        ("url", "event_types", "field"),
        [
            ("https://127.0.0.1/", ["*"], "url"),
            ("http://hooks.example.com/", ["*"], "url"),
            (URL, [], "event_types"),
            (URL, ["task.exploded"], "event_types"),
            (URL, ["user.logged_in"], "event_types"),
        ],
    )
    def test_invalid_input_names_the_field(
        self, world: World, owner: Principal, url: str, event_types: list[str], field: str
    ) -> None:
        """Bad URLs and unknown event names are refused, naming the field."""
        project_id = world.project(owner).id
        with pytest.raises(ValidationError) as caught:
            world.core.webhooks.create_webhook(owner, project_id, url=url, event_types=event_types)
        assert field == caught.value.field

    def test_members_are_refused_and_strangers_see_nothing(
        self, world: World, owner: Principal
    ) -> None:
        """Members and viewers get a permission error; non-members are told the project
        does not exist."""
        member, viewer, stranger = world.user("mia"), world.user("vic"), world.user("sam")
        project = world.project(owner, members=[member], viewers=[viewer])
        for caller in (member, viewer):
            with pytest.raises(ProjectRoleRequired):
                world.core.webhooks.list_webhooks(caller, project.id)
            with pytest.raises(ProjectRoleRequired):
                world.core.webhooks.create_webhook(caller, project.id, url=URL)
        with pytest.raises(ProjectNotFound):
            world.core.webhooks.list_webhooks(stranger, project.id)

    def test_admin_manages_any_project(
        self, world: World, owner: Principal, project_id: int
    ) -> None:
        """An administrator who is not a member may manage a project's webhooks."""
        admin = world.user("ada", admin=True)
        created = world.core.webhooks.create_webhook(admin, project_id, url=URL)
        page = world.core.webhooks.list_webhooks(owner, project_id)
        assert [created.webhook.id] == [w.id for w in page.items]
        assert admin.user_id == page.items[0].created_by

    def test_update_and_delete(self, world: World, owner: Principal, project_id: int) -> None:
        """Update changes only the fields given; delete removes the webhook."""
        webhook_id = world.core.webhooks.create_webhook(owner, project_id, url=URL).webhook.id
        updated = world.core.webhooks.update_webhook(
            owner, project_id, webhook_id, description="CI", event_types=["task.updated"]
        )
        assert ("CI", ("task.updated",), URL) == (
            updated.description,
            updated.event_types,
            updated.url,
        )
        world.core.webhooks.delete_webhook(owner, project_id, webhook_id)
        with pytest.raises(WebhookNotFound):
            world.core.webhooks.get_webhook(owner, project_id, webhook_id)

    def test_webhook_of_another_project_is_not_found(
        self, world: World, owner: Principal, project_id: int
    ) -> None:
        """A webhook id is looked up within the project named in the call."""
        other = world.project(owner, name="Gemini").id
        webhook_id = world.core.webhooks.create_webhook(owner, other, url=URL).webhook.id
        with pytest.raises(WebhookNotFound):
            world.core.webhooks.get_webhook(owner, project_id, webhook_id)

    def test_list_is_paginated(self, world: World, owner: Principal, project_id: int) -> None:
        """Webhooks are listed oldest first, one page at a time."""
        ids = [
            world.core.webhooks.create_webhook(owner, project_id, url=f"{URL}/{n}").webhook.id
            for n in range(3)
        ]
        page = world.core.webhooks.list_webhooks(
            owner, project_id, page=PageRequest(page=2, per_page=2)
        )
        assert ([ids[2]], 3) == ([w.id for w in page.items], page.total)

    def test_project_deletion_removes_webhooks(
        self, world: World, owner: Principal, project_id: int
    ) -> None:
        """Deleting a project deletes its webhooks in the same transaction."""
        world.core.webhooks.create_webhook(owner, project_id, url=URL)
        world.core.projects.delete_project(owner, project_id)
        with world.store() as uow:
            assert 0 == uow.webhooks.count(project_id)


class TestDelivery:
    def test_event_is_signed_and_delivered(
        self, world: World, sender: RecordingWebhookSender, owner: Principal, project_id: int
    ) -> None:
        """A matching event is POSTed once with a Standard Webhooks signature."""
        created = world.core.webhooks.create_webhook(
            owner, project_id, url=URL, event_types=["task.created"]
        )
        task_id = _task(world, owner, project_id)
        assert 1 == len(sender.requests)
        request = sender.requests[0]
        body = json.loads(request.body)
        assert ("task.created", "task", task_id, owner.user_id, project_id) == (
            body["type"],
            body["data"]["entity_type"],
            body["data"]["entity_id"],
            body["data"]["actor_id"],
            body["data"]["project_id"],
        )
        assert rules.verify(created.secret, request.headers, request.body, world.clock.now())
        deliveries = world.core.webhooks.list_deliveries(owner, project_id, created.webhook.id)
        assert [WebhookDeliveryStatus.DELIVERED] == [d.status for d in deliveries.items]
        assert request.headers["webhook-id"] == deliveries.items[0].message_id

    def test_unwanted_and_foreign_events_are_not_sent(
        self, world: World, sender: RecordingWebhookSender, owner: Principal, project_id: int
    ) -> None:
        """Events of other types or other projects, and inactive webhooks, send nothing."""
        world.core.webhooks.create_webhook(
            owner, project_id, url=URL, event_types=["comment.added"]
        )
        world.core.webhooks.create_webhook(owner, project_id, url=URL, is_active=False)
        other = world.project(owner, name="Gemini").id
        _task(world, owner, project_id)
        _task(world, owner, other)
        assert [] == sender.requests

    def test_failures_are_retried_with_the_same_id_then_failed(
        self, world: World, sender: RecordingWebhookSender, owner: Principal, project_id: int
    ) -> None:
        """A 500 is retried after the back-off with the same webhook-id until the last
        attempt, then the delivery is failed."""
        sender.answer(BROKEN)
        webhook_id = world.core.webhooks.create_webhook(owner, project_id, url=URL).webhook.id
        _task(world, owner, project_id)
        assert 0 == world.core.webhooks.retry_due()
        world.clock.advance(seconds=10)
        assert 1 == world.core.webhooks.retry_due()
        world.clock.advance(seconds=59)
        assert 0 == world.core.webhooks.retry_due()
        world.clock.advance(seconds=1)
        assert 1 == world.core.webhooks.retry_due()
        world.clock.advance(days=1)
        assert 0 == world.core.webhooks.retry_due()
        assert 3 == len(sender.requests)
        assert 1 == len({r.headers["webhook-id"] for r in sender.requests})
        [delivery] = world.core.webhooks.list_deliveries(owner, project_id, webhook_id).items
        assert (WebhookDeliveryStatus.FAILED, 3, 500) == (
            delivery.status,
            delivery.attempts,
            delivery.last_status_code,
        )
        assert (
            1 == world.core.webhooks.get_webhook(owner, project_id, webhook_id).consecutive_failures
        )

    def test_success_after_failure_resets_nothing_but_delivers(
        self, world: World, sender: RecordingWebhookSender, owner: Principal, project_id: int
    ) -> None:
        """A retry that gets a 2xx marks the delivery delivered after two attempts."""
        sender.answer(WebhookResponse(error="Timed out"), OK)
        webhook_id = world.core.webhooks.create_webhook(owner, project_id, url=URL).webhook.id
        _task(world, owner, project_id)
        world.clock.advance(seconds=10)
        world.core.webhooks.retry_due()
        [delivery] = world.core.webhooks.list_deliveries(owner, project_id, webhook_id).items
        assert (WebhookDeliveryStatus.DELIVERED, 2, None) == (
            delivery.status,
            delivery.attempts,
            delivery.last_error,
        )

    def test_gone_disables_at_once(
        self, world: World, sender: RecordingWebhookSender, owner: Principal, project_id: int
    ) -> None:
        """A 410 answer fails the delivery and disables the webhook immediately."""
        sender.answer(GONE)
        webhook_id = world.core.webhooks.create_webhook(owner, project_id, url=URL).webhook.id
        _task(world, owner, project_id)
        _task(world, owner, project_id, "Second")
        view = world.core.webhooks.get_webhook(owner, project_id, webhook_id)
        assert (False, "The receiver answered 410 Gone") == (view.is_active, view.disabled_reason)
        assert 1 == len(sender.requests)

    def test_disabled_after_consecutive_failed_deliveries(
        self, world: World, sender: RecordingWebhookSender, owner: Principal, project_id: int
    ) -> None:
        """After ``disable_after`` deliveries in a row fail, the webhook is disabled;
        activating it again clears the count."""
        sender.answer(BROKEN)
        webhook_id = world.core.webhooks.create_webhook(owner, project_id, url=URL).webhook.id
        _task(world, owner, project_id, "One")
        _task(world, owner, project_id, "Two")
        for _ in range(3):
            world.clock.advance(minutes=5)
            world.core.webhooks.retry_due()
        view = world.core.webhooks.get_webhook(owner, project_id, webhook_id)
        assert (False, 2) == (view.is_active, view.consecutive_failures)
        assert view.disabled_reason is not None
        again = world.core.webhooks.update_webhook(owner, project_id, webhook_id, is_active=True)
        assert (True, 0, None) == (
            again.is_active,
            again.consecutive_failures,
            again.disabled_reason,
        )

    def test_url_is_checked_again_before_sending(self, sender: RecordingWebhookSender) -> None:
        """A stored URL the current policy refuses fails the attempt without sending."""
        loose = WebhookOptions(policy=UrlPolicy(allow_http=True), max_attempts=1)
        world = World.create(webhook_sender=sender, webhook_options=loose)
        owner = world.user("olivia")
        project_id = world.project(owner).id
        webhook_id = world.core.webhooks.create_webhook(
            owner, project_id, url="http://hooks.example.com/"
        ).webhook.id
        world.core.webhooks.options = WebhookOptions(max_attempts=1)
        _task(world, owner, project_id)
        [delivery] = world.core.webhooks.list_deliveries(owner, project_id, webhook_id).items
        assert [] == sender.requests
        assert WebhookDeliveryStatus.FAILED == delivery.status
        assert "scheme" in (delivery.last_error or "")

    def test_without_sender_deliveries_wait(self) -> None:
        """Without a sender a delivery stays pending, says why, and uses no attempt."""
        world = World.create()
        owner = world.user("olivia")
        project_id = world.project(owner).id
        webhook_id = world.core.webhooks.create_webhook(owner, project_id, url=URL).webhook.id
        _task(world, owner, project_id)
        [delivery] = world.core.webhooks.list_deliveries(owner, project_id, webhook_id).items
        assert (WebhookDeliveryStatus.PENDING, 0, NO_SENDER) == (
            delivery.status,
            delivery.attempts,
            delivery.last_error,
        )

    def test_rotation_signs_with_both_secrets(
        self, world: World, sender: RecordingWebhookSender, owner: Principal, project_id: int
    ) -> None:
        """After a rotation both secrets verify until the overlap ends; then only the new."""
        created = world.core.webhooks.create_webhook(owner, project_id, url=URL)
        rotated = world.core.webhooks.rotate_secret(owner, project_id, created.webhook.id)
        assert rotated.previous_secret_expires_at == world.clock.now() + dt.timedelta(hours=24)
        _task(world, owner, project_id)
        request = sender.requests[-1]
        now = world.clock.now()
        assert 2 == len(request.headers["webhook-signature"].split())
        assert rules.verify(created.secret, request.headers, request.body, now)
        assert rules.verify(rotated.secret, request.headers, request.body, now)
        world.clock.advance(hours=25)
        _task(world, owner, project_id, "Later")
        later = sender.requests[-1]
        assert not rules.verify(created.secret, later.headers, later.body, world.clock.now())
        assert rules.verify(rotated.secret, later.headers, later.body, world.clock.now())

    def test_deliveries_filter_by_status(
        self, world: World, sender: RecordingWebhookSender, owner: Principal, project_id: int
    ) -> None:
        """Deliveries can be listed by status; an unknown status names the field."""
        webhook_id = world.core.webhooks.create_webhook(owner, project_id, url=URL).webhook.id
        _task(world, owner, project_id)
        service = world.core.webhooks
        assert 1 == service.list_deliveries(owner, project_id, webhook_id, status="delivered").total
        assert 0 == service.list_deliveries(owner, project_id, webhook_id, status="failed").total
        with pytest.raises(ValidationError) as caught:
            service.list_deliveries(owner, project_id, webhook_id, status="lost")
        assert "status" == caught.value.field

    def test_lost_job_is_recovered_by_the_periodic_job(
        self, world: World, sender: RecordingWebhookSender, owner: Principal, project_id: int
    ) -> None:
        """A delivery whose job was lost is sent by the periodic retry job."""
        world.core.webhooks.create_webhook(owner, project_id, url=URL)
        world.core.jobs.use_queue(_Losing(world, "webhooks.deliver"))
        _task(world, owner, project_id)
        assert [] == sender.requests
        world.core.jobs.use_queue(_Losing(world, None))
        world.core.jobs.run("webhooks.retry_due", {})
        assert 1 == len(sender.requests)


class _Losing:
    """A job queue that runs every job at once, except that it loses one kind."""

    def __init__(self, world: World, lose: str | None) -> None:
        self._world = world
        self._lose = lose

    def enqueue(self, spec: JobSpec, args: Mapping[str, Any], **_: object) -> bool:
        if spec.name != self._lose:
            self._world.core.jobs.run(spec.name, args)
        return True


class _Reentrant:
    """A sender that, while sending the first request, runs ``during`` (another attempt
    of the same project happening at the same time, as another thread or worker would)."""

    def __init__(self) -> None:
        self.requests: list[WebhookRequest] = []
        self.during: Callable[[], None] | None = None

    def send(self, request: WebhookRequest) -> WebhookResponse:
        self.requests.append(request)
        during, self.during = self.during, None
        if during is not None:
            during()
        return OK


class TestProjectBudget:
    """One project's webhooks cannot take every delivery slot: a cap on webhooks, on
    attempts running at once and on attempts per minute."""

    def test_a_project_has_at_most_max_webhooks(self) -> None:
        """The next webhook after the cap is refused with WebhookLimitReached (409); other
        projects are not affected; deleting one makes room."""
        world = World.create(webhook_options=WebhookOptions(max_webhooks=3))
        owner = world.user("olivia")
        project_id = world.project(owner).id
        ids = [
            world.core.webhooks.create_webhook(owner, project_id, url=URL).webhook.id
            for _ in range(3)
        ]
        with pytest.raises(WebhookLimitReached, match="at most 3 webhooks"):
            world.core.webhooks.create_webhook(owner, project_id, url=URL)
        other = world.project(owner, name="Gemini").id
        world.core.webhooks.create_webhook(owner, other, url=URL)
        world.core.webhooks.delete_webhook(owner, project_id, ids[0])
        world.core.webhooks.create_webhook(owner, project_id, url=URL)

    def test_attempts_over_the_concurrency_budget_wait_for_a_running_one(self) -> None:
        """With room for one attempt at a time, an attempt of the same project that starts
        while another runs is put off (no attempt counted, nothing sent) and sent as soon
        as the running one finishes; another project's attempt is not held up."""
        sender = _Reentrant()
        world = World.create(
            webhook_sender=sender, webhook_options=WebhookOptions(project_concurrency=1)
        )
        owner = world.user("olivia")
        busy, calm = world.project(owner).id, world.project(owner, name="Calm").id
        world.core.webhooks.create_webhook(owner, busy, url=URL, event_types=["task.created"])
        world.core.webhooks.create_webhook(owner, calm, url=URL, event_types=["task.created"])
        seen: list[tuple[int, int]] = []

        def meanwhile() -> None:
            # A second task of the busy project and one of the calm project, while the
            # first attempt of the busy project is running.
            _task(world, owner, busy, "Second")
            seen.append((len(sender.requests), 0))
            _task(world, owner, calm, "Calm")
            seen.append((len(sender.requests), 0))

        sender.during = meanwhile
        _task(world, owner, busy, "First")
        titles = [json.loads(r.body)["data"]["title"] for r in sender.requests]
        # The busy project's second attempt waited; the calm project's did not.
        assert [(1, 0), (2, 0)] == seen
        assert ["First", "Calm", "Second"] == titles
        statuses = {
            d.status
            for w in world.core.webhooks.list_webhooks(owner, busy).items
            for d in world.core.webhooks.list_deliveries(owner, busy, w.id).items
        }
        assert {WebhookDeliveryStatus.DELIVERED} == statuses

    def test_attempts_over_the_rate_budget_wait_for_the_next_minute(
        self, sender: RecordingWebhookSender
    ) -> None:
        """Two attempts a minute: the third task's delivery is put off until the minute
        has passed, then sent once."""
        world = World.create(
            webhook_sender=sender, webhook_options=WebhookOptions(project_rate_per_minute=2)
        )
        owner = world.user("olivia")
        project_id = world.project(owner).id
        webhook_id = world.core.webhooks.create_webhook(owner, project_id, url=URL).webhook.id
        for title in ("One", "Two", "Three"):
            _task(world, owner, project_id, title)
        assert 2 == len(sender.requests)
        world.clock.advance(seconds=30)
        world.core.webhooks.retry_due()
        assert 2 == len(sender.requests)
        world.clock.advance(seconds=31)
        assert 1 == world.core.webhooks.retry_due()
        assert 3 == len(sender.requests)
        deliveries = world.core.webhooks.list_deliveries(owner, project_id, webhook_id).items
        assert [1, 1, 1] == [d.attempts for d in deliveries]
        assert {WebhookDeliveryStatus.DELIVERED} == {d.status for d in deliveries}


class TestCreatorAccess:
    """A webhook acts for its creator: it stops when they may no longer manage the
    project, and whoever re-activates it becomes its creator."""

    @pytest.fixture
    def setup(self, world: World, owner: Principal) -> tuple[int, Principal, int]:
        creator = world.user("cora")
        project_id = world.project(owner, members=[creator]).id
        world.core.projects.change_member_role(owner, project_id, creator.user_id, role="owner")
        webhook_id = world.core.webhooks.create_webhook(creator, project_id, url=URL).webhook.id
        return project_id, creator, webhook_id

    @pytest.mark.parametrize("loss", ["demoted", "removed", "deactivated"])
    def test_a_creator_losing_access_disables_the_webhook(
        self,
        world: World,
        sender: RecordingWebhookSender,
        owner: Principal,
        setup: tuple[int, Principal, int],
        loss: str,
    ) -> None:
        """Demoted to member, removed, or deactivated: the next event sends nothing, the
        webhook is disabled saying why and the delivery failed."""
        project_id, creator, webhook_id = setup
        _task(world, owner, project_id, "Before")
        assert 1 == len(sender.requests)
        if loss == "demoted":
            world.core.projects.change_member_role(
                owner, project_id, creator.user_id, role="member"
            )
        elif loss == "removed":
            world.core.projects.remove_member(owner, project_id, creator.user_id)
        else:
            world.core.users.admin_update(
                world.user("root", admin=True), creator.user_id, is_active=False
            )
        sent = len(sender.requests)
        _task(world, owner, project_id, "After")
        assert sent == len(sender.requests)
        view = world.core.webhooks.get_webhook(owner, project_id, webhook_id)
        assert (False, CREATOR_LEFT) == (view.is_active, view.disabled_reason)
        newest = world.core.webhooks.list_deliveries(owner, project_id, webhook_id).items[0]
        assert WebhookDeliveryStatus.FAILED == newest.status

    def test_an_owner_reactivating_it_becomes_its_creator(
        self,
        world: World,
        sender: RecordingWebhookSender,
        owner: Principal,
        setup: tuple[int, Principal, int],
    ) -> None:
        """After the creator left, an owner turns it on again: it delivers, for them."""
        project_id, creator, webhook_id = setup
        world.core.projects.remove_member(owner, project_id, creator.user_id)
        _task(world, owner, project_id, "Dropped")
        view = world.core.webhooks.update_webhook(owner, project_id, webhook_id, is_active=True)
        assert (True, owner.user_id) == (view.is_active, view.created_by)
        _task(world, owner, project_id, "Sent")
        assert "Sent" == json.loads(sender.requests[-1].body)["data"]["title"]

    def test_an_administrator_creator_keeps_it_running(
        self, world: World, sender: RecordingWebhookSender, owner: Principal, project_id: int
    ) -> None:
        """An administrator manages every project, member or not."""
        root = world.user("root", admin=True)
        world.core.webhooks.create_webhook(root, project_id, url=URL)
        _task(world, owner, project_id)
        assert 1 == len(sender.requests)
