"""Use cases of the notifications area, on the in-memory adapters."""

from __future__ import annotations

import logging

import pytest

from taskcore import errors
from taskcore.domain.notifications import (
    IN_APP,
    NotificationStatus,
    plain_text,
)
from taskcore.domain.pagination import PageRequest
from taskcore.domain.tasks import TaskStatus
from taskcore.ports.mail import OutgoingMail
from taskcore.services.notifications import (
    DISPATCH,
    SEND,
    PlaceholderRenderer,
)
from taskcore.services.users import Principal
from taskcore_adapters.memory import RecordingMailer
from taskcore_adapters.testing import World


@pytest.fixture
def world() -> World:
    """A fresh in-memory taskcore with a recording mailer."""
    return World.create()


@pytest.fixture
def admin(world: World) -> Principal:
    """An administrator."""
    return world.user("root", admin=True)


@pytest.fixture
def bob(world: World) -> Principal:
    """An ordinary user."""
    return world.user("bob")


def status_of(world: World, admin: Principal, notification_id: int) -> NotificationStatus:
    return world.core.notifications.get_notification(admin, notification_id).status


class TestSend:
    def test_admin_only(self, world: World, bob: Principal) -> None:
        """N1 is for administrators only (it was a public relay in the original)."""
        with pytest.raises(errors.AdminRequired):
            world.core.notifications.send_notification(
                bob, recipient_id=bob.user_id, notification_type="email"
            )

    @pytest.mark.parametrize(
        ("recipient", "kind", "message"),
        [
            (None, "email", "recipient_id is required"),
            (0, "email", "recipient_id is required"),
            (1, "", "notification_type is required"),
        ],
    )
    def test_required_fields(
        self, world: World, admin: Principal, recipient: int | None, kind: str, message: str
    ) -> None:
        """Missing recipient or type is refused with the original's text."""
        with pytest.raises(errors.ValidationError) as caught:
            world.core.notifications.send_notification(
                admin, recipient_id=recipient, notification_type=kind
            )
        assert message == caught.value.message

    def test_unknown_recipient(self, world: World, admin: Principal) -> None:
        """An unknown recipient is ``Recipient user not found``."""
        with pytest.raises(errors.UserNotFound) as caught:
            world.core.notifications.send_notification(
                admin, recipient_id=999, notification_type="email"
            )
        assert "Recipient user not found" == caught.value.message

    def test_sends_email_after_commit(self, world: World, admin: Principal, bob: Principal) -> None:
        """A queued e-mail is sent by its job with a Message-ID from its id."""
        sent = world.core.notifications.send_notification(
            admin,
            recipient_id=bob.user_id,
            notification_type="email",
            subject="Hi",
            body="plain body",
            priority="high",
        )
        assert [
            OutgoingMail(
                to="bob@example.com",
                subject="Hi",
                text="plain body",
                message_id=f"<notification-{sent.id}@taskcore>",
            )
        ] == world.mailer.sent
        found = world.core.notifications.get_notification(bob, sent.key)
        assert (NotificationStatus.SENT, world.clock.now(), 1) == (
            found.status,
            found.sent_at,
            found.attempts,
        )

    def test_template_overrides_subject_and_body(
        self, world: World, admin: Principal, bob: Principal
    ) -> None:
        """An active template named in N1 provides the subject and body."""
        world.core.notifications.send_notification(
            admin,
            recipient_id=bob.user_id,
            notification_type="email",
            subject="ignored",
            template_name="task_completed",
            context_data={"task_title": "Ship"},
        )
        (mail,) = world.mailer.sent
        assert ("Task Completed: Ship", True) == (mail.subject, mail.html is not None)

    def test_scheduled_later_waits_for_dispatch(
        self, world: World, admin: Principal, bob: Principal
    ) -> None:
        """A notification scheduled in an hour is sent by the dispatch after that hour."""
        later = "2026-01-01T13:00:00"  # naive means UTC, as in the original
        sent = world.core.notifications.send_notification(
            admin, recipient_id=bob.user_id, notification_type="email", scheduled_at=later
        )
        assert 0 == world.core.notifications.dispatch()
        world.clock.advance(hours=1)
        assert 1 == world.core.notifications.dispatch()
        assert NotificationStatus.SENT == status_of(world, admin, sent.key)

    def test_bad_schedule_and_priority(
        self, world: World, admin: Principal, bob: Principal
    ) -> None:
        """An unparseable time or unknown priority is a 400 naming the field."""
        notes = world.core.notifications
        with pytest.raises(errors.ValidationError) as caught:
            notes.send_notification(
                admin, recipient_id=bob.user_id, notification_type="email", scheduled_at="soon"
            )
        assert "scheduled_at" == caught.value.field
        with pytest.raises(errors.ValidationError) as caught:
            notes.send_notification(
                admin, recipient_id=bob.user_id, notification_type="email", priority="urgent"
            )
        assert "priority" == caught.value.field

    def test_other_types_never_stay_pending(
        self, world: World, admin: Principal, bob: Principal
    ) -> None:
        """In-app notifications are delivered at once; unknown types fail at once."""
        notes = world.core.notifications
        in_app = notes.send_notification(admin, recipient_id=bob.user_id, notification_type=IN_APP)
        sms = notes.send_notification(admin, recipient_id=bob.user_id, notification_type="sms")
        assert (NotificationStatus.SENT, NotificationStatus.FAILED, []) == (
            in_app.status,
            sms.status,
            world.mailer.sent,
        )


class TestSendTemplate:
    def test_renders_and_escapes_html(self, world: World, admin: Principal) -> None:
        """Values are escaped in the HTML body (S-11) but not in the subject."""
        target = world.user("eve")
        sent = world.core.notifications.send_template(
            admin,
            recipient_id=target.user_id,
            template_name="task_assigned",
            context={"task_title": "<script>x</script>", "project_name": "P"},
        )
        (mail,) = world.mailer.sent
        assert "Task Assigned: <script>x</script>" == mail.subject
        assert mail.html is not None
        assert "&lt;script&gt;x&lt;/script&gt;" in mail.html
        assert "<script>" not in mail.html
        assert "Hello Eve," in mail.html
        assert "{{assigned_by}}" in mail.html  # unknown placeholders stay, as in the original
        assert {
            "task_title": "<script>x</script>",
            "project_name": "P",
            "user_name": "Eve",
            "user_email": "eve@example.com",
        } == sent.context_data

    def test_unknown_or_inactive_template(
        self, world: World, admin: Principal, bob: Principal
    ) -> None:
        """An unknown or deactivated template is ``Failed to render template``."""
        notes = world.core.notifications
        with pytest.raises(errors.ValidationError) as caught:
            notes.send_template(admin, recipient_id=bob.user_id, template_name="nope")
        assert "Failed to render template" == caught.value.message
        notes.deactivate_template(admin, 1)
        with pytest.raises(errors.ValidationError):
            notes.send_template(admin, recipient_id=bob.user_id, template_name="task_assigned")

    def test_admin_only_and_required(self, world: World, admin: Principal, bob: Principal) -> None:
        """N2 is admin-only; recipient_id and template_name are required."""
        notes = world.core.notifications
        with pytest.raises(errors.AdminRequired):
            notes.send_template(bob, recipient_id=bob.user_id, template_name="task_assigned")
        with pytest.raises(errors.ValidationError) as caught:
            notes.send_template(admin, recipient_id=bob.user_id, template_name=None)
        assert "template_name is required" == caught.value.message


class TestWebhooks:
    def test_task_assigned_queues_template_directly(
        self, world: World, admin: Principal, bob: Principal
    ) -> None:
        """N7 queues the task_assigned template with the original's defaults."""
        world.core.notifications.task_assigned(admin, assignee_id=bob.user_id, task_title="T")
        (mail,) = world.mailer.sent
        assert mail.html is not None
        assert ("Task Assigned: T", True, True) == (
            mail.subject,
            "Unknown Project" in mail.html,
            "Not specified" in mail.html,
        )

    def test_task_completed_defaults_to_today(
        self, world: World, admin: Principal, bob: Principal
    ) -> None:
        """N8 queues task_completed; the completion date defaults to today (UTC)."""
        sent = world.core.notifications.task_completed(
            admin, project_owner_id=bob.user_id, task_title="T"
        )
        assert sent.context_data is not None
        assert ("2026-01-01", "System") == (
            sent.context_data["completion_date"],
            sent.context_data["completed_by"],
        )

    def test_missing_values_and_admin_only(
        self, world: World, admin: Principal, bob: Principal
    ) -> None:
        """A missing value is ``Webhook processing failed``; non-admins are refused."""
        notes = world.core.notifications
        with pytest.raises(errors.ValidationError) as caught:
            notes.task_assigned(admin, assignee_id=bob.user_id, task_title=None)
        assert "Webhook processing failed" == caught.value.message
        with pytest.raises(errors.ValidationError):
            notes.task_completed(admin, project_owner_id=None, task_title="T")
        with pytest.raises(errors.AdminRequired):
            notes.task_completed(bob, project_owner_id=bob.user_id, task_title="T")


class TestReading:
    def test_status_access(self, world: World, admin: Principal, bob: Principal) -> None:
        """The recipient and admins read a notification; to others it does not exist."""
        notes = world.core.notifications
        sent = notes.send_notification(admin, recipient_id=bob.user_id, notification_type="email")
        assert sent.id == notes.get_notification(bob, sent.key).id
        eve = world.user("eve")
        for notification_id in (sent.key, 999):
            with pytest.raises(errors.NotificationNotFound) as caught:
                notes.get_notification(eve, notification_id)
            assert "Notification not found" == caught.value.message
        with pytest.raises(errors.NotificationNotFound):
            notes.get_notification(admin, 999)

    def test_list_for_user_newest_first(
        self, world: World, admin: Principal, bob: Principal
    ) -> None:
        """A user's list is newest first and paged; others are denied."""
        notes = world.core.notifications
        ids = []
        for _ in range(3):
            ids.append(
                notes.send_notification(
                    admin, recipient_id=bob.user_id, notification_type="email"
                ).id
            )
            world.clock.advance(seconds=1)
        page = notes.list_for_user(bob, bob.user_id, page=PageRequest(page=1, per_page=2))
        assert ([ids[2], ids[1]], 3) == ([n.id for n in page.items], page.total)
        with pytest.raises(errors.PermissionDenied):
            notes.list_for_user(bob, admin.user_id)


class TestTemplates:
    def test_admin_checked_before_input(self, world: World, bob: Principal) -> None:
        """A non-admin is refused even with empty input."""
        with pytest.raises(errors.AdminRequired):
            world.core.notifications.create_template(
                bob, name=None, subject_template=None, body_template=None, notification_type=None
            )

    def test_create_update_deactivate(self, world: World, admin: Principal) -> None:
        """Templates are created active, renamed, and disappear from the list when off."""
        notes = world.core.notifications
        created = notes.create_template(
            admin,
            name="digest",
            subject_template="Digest for {{ user_name }}",
            body_template="{% for t in tasks %}{{ t }}{% endfor %}",
            notification_type="email",
        )
        assert ["task_assigned", "task_completed", "digest"] == [
            t.name for t in notes.list_templates(admin)
        ]
        renamed = notes.update_template(admin, created.key, name="daily")
        assert ("daily", True) == (renamed.name, renamed.is_active)
        notes.deactivate_template(admin, created.key)
        assert "daily" not in [t.name for t in notes.list_templates(admin)]
        assert not notes.get_template(admin, created.key).is_active

    def test_duplicate_and_malformed(self, world: World, admin: Principal) -> None:
        """A taken name is a conflict; a malformed template or a missing field a 400."""
        notes = world.core.notifications
        with pytest.raises(errors.TemplateNameExists):
            notes.create_template(
                admin,
                name="task_assigned",
                subject_template="s",
                body_template="b",
                notification_type="email",
            )
        with pytest.raises(errors.ValidationError) as caught:
            notes.create_template(
                admin,
                name="x",
                subject_template="s",
                body_template="{% if %}",
                notification_type="email",
            )
        assert "body_template" == caught.value.field
        with pytest.raises(errors.ValidationError) as caught:
            notes.create_template(
                admin, name="x", subject_template="", body_template="b", notification_type="e"
            )
        assert "subject_template is required" == caught.value.message
        with pytest.raises(errors.TemplateNotFound):
            notes.update_template(admin, 999, name="y")

    def test_sandbox_refuses_internals(
        self, world: World, admin: Principal, bob: Principal
    ) -> None:
        """A template reaching for Python internals fails to render instead of running."""
        notes = world.core.notifications
        notes.create_template(
            admin,
            name="evil",
            subject_template="s",
            body_template="{{ ''.__class__.__mro__[1].__subclasses__() }}",
            notification_type="email",
        )
        with pytest.raises(errors.ValidationError) as caught:
            notes.send_template(admin, recipient_id=bob.user_id, template_name="evil")
        assert "Failed to render template" == caught.value.message


class TestDelivery:
    def test_jobs_registered(self, world: World) -> None:
        """The send job and the every-minute dispatch are registered."""
        assert {SEND.name, DISPATCH.name} <= set(world.core.jobs.names)
        assert DISPATCH.name in [job.spec.name for job in world.core.jobs.periodic]

    def test_temporary_failure_is_retried_after_backoff(
        self, world: World, admin: Principal, bob: Principal
    ) -> None:
        """A 4xx is retried after its back-off and then sent; both attempts count."""
        world.mailer.fail_with.append(errors.MailTemporaryFailure("SMTP 451 try later"))
        sent = world.core.notifications.send_notification(
            admin, recipient_id=bob.user_id, notification_type="email"
        )
        first = world.core.notifications.get_notification(admin, sent.key)
        assert (NotificationStatus.PENDING, 1, "SMTP 451 try later") == (
            first.status,
            first.retry_count,
            first.error_message,
        )
        assert 0 == world.core.notifications.dispatch()
        world.clock.advance(seconds=30)
        assert 1 == world.core.notifications.dispatch()
        final = world.core.notifications.get_notification(admin, sent.key)
        assert (NotificationStatus.SENT, 2, 1, 1) == (
            final.status,
            final.attempts,
            final.retry_count,
            len(world.mailer.sent),
        )

    def test_gives_up_after_max_attempts(self, admin: Principal) -> None:
        """After the configured attempts a temporary failure becomes failed."""
        world = World.create(mail_max_attempts=2)
        root = world.user("root2", admin=True)
        target = world.user("ann")
        world.mailer.fail_with.extend(
            [errors.MailTemporaryFailure("down"), errors.MailTemporaryFailure("down")]
        )
        sent = world.core.notifications.send_notification(
            root, recipient_id=target.user_id, notification_type="email"
        )
        world.clock.advance(minutes=1)
        world.core.notifications.dispatch()
        world.clock.advance(hours=2)
        assert 0 == world.core.notifications.dispatch()
        final = world.core.notifications.get_notification(root, sent.key)
        assert (NotificationStatus.FAILED, 2, 2) == (
            final.status,
            final.attempts,
            world.mailer.attempts,
        )
        assert final.error_message is not None
        assert "gave up after 2 attempts" in final.error_message

    def test_permanent_failure_is_not_retried(
        self, world: World, admin: Principal, bob: Principal
    ) -> None:
        """A 5xx marks the notification failed with the code, with no retry."""
        world.mailer.fail_with.append(errors.MailRejected("SMTP 550 no such user", code=550))
        sent = world.core.notifications.send_notification(
            admin, recipient_id=bob.user_id, notification_type="email"
        )
        world.clock.advance(hours=3)
        assert 0 == world.core.notifications.dispatch()
        final = world.core.notifications.get_notification(admin, sent.key)
        assert (NotificationStatus.FAILED, "SMTP 550 no such user", 1) == (
            final.status,
            final.error_message,
            world.mailer.attempts,
        )

    def test_configuration_failure(
        self,
        world: World,
        admin: Principal,
        bob: Principal,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """A 535 ends failed_config after one attempt, with an error-level log."""
        world.mailer.fail_with.append(errors.MailConfigurationError("535 auth failed", code=535))
        with caplog.at_level(logging.ERROR, logger="taskcore.services.notifications"):
            sent = world.core.notifications.send_notification(
                admin, recipient_id=bob.user_id, notification_type="email"
            )
        world.clock.advance(hours=3)
        assert 0 == world.core.notifications.dispatch()
        assert NotificationStatus.FAILED_CONFIG == status_of(world, admin, sent.key)
        assert 1 == world.mailer.attempts
        assert ["ERROR"] == [r.levelname for r in caplog.records]

    def test_no_mailer_is_a_configuration_failure(self, bob: Principal) -> None:
        """Without a mailer, e-mail ends failed_config rather than vanishing."""
        from taskcore.app import build
        from taskcore_adapters.memory import (
            FakeTokenService,
            InMemoryStore,
            ManualClock,
            PlainPasswordHasher,
        )

        core = build(
            uow_factory=InMemoryStore(),
            clock=ManualClock(),
            password_hasher=PlainPasswordHasher(),
            token_service=FakeTokenService(),
        )
        root = core.users.register(
            username="root", email="r@example.com", password="long enough", full_name="R"
        )
        actor = Principal(user_id=root.id, username="root", is_admin=True)
        sent = core.notifications.send_notification(
            actor, recipient_id=root.id, notification_type="email"
        )
        assert core.jobs.drain(10), "the mail lane did not finish"
        core.close()
        assert (
            NotificationStatus.FAILED_CONFIG
            == core.notifications.get_notification(actor, sent.key).status
        )

    def test_claim_prevents_second_send(
        self, world: World, admin: Principal, bob: Principal
    ) -> None:
        """Running the send job again for a sent notification sends nothing."""
        sent = world.core.notifications.send_notification(
            admin, recipient_id=bob.user_id, notification_type="email"
        )
        assert None is world.core.notifications.deliver(sent.key)
        world.core.run_job(SEND.name, {"notification_id": sent.key})
        assert 1 == len(world.mailer.sent)

    def test_crash_after_send_resends_with_same_message_id(self, admin: Principal) -> None:
        """A run that dies after the server accepted is redone after its claim expires,
        with the same Message-ID, and ends sent."""
        recorder = RecordingMailer()

        class DyingMailer:
            def __init__(self) -> None:
                self.dead = False

            def send(self, mail: OutgoingMail) -> None:
                recorder.send(mail)
                if not self.dead:
                    self.dead = True
                    raise RuntimeError("worker killed")

        world = World.create(mailer=DyingMailer())
        root = world.user("root2", admin=True)
        target = world.user("ann")
        sent = world.core.notifications.send_notification(
            root, recipient_id=target.user_id, notification_type="email"
        )
        assert NotificationStatus.SENDING == status_of(world, root, sent.key)
        assert 0 == world.core.notifications.dispatch()
        world.clock.advance(minutes=4)
        assert 1 == world.core.notifications.dispatch()
        assert NotificationStatus.SENT == status_of(world, root, sent.key)
        assert [f"<notification-{sent.id}@taskcore>"] * 2 == [m.message_id for m in recorder.sent]


class TestEvents:
    def test_assignment_notifies_assignee_by_preference(self, world: World) -> None:
        """Assigning notifies the assignee in app and by mail; not when self-assigned."""
        alice, bob = world.user("alice"), world.user("bob")
        project = world.project(alice, members=[bob])
        world.core.tasks.create_task(alice, project.id, title="A", assignee_id=bob.user_id)
        world.core.tasks.create_task(alice, project.id, title="B", assignee_id=alice.user_id)
        assert ["bob@example.com"] == [m.to for m in world.mailer.sent]
        inbox = world.core.notifications.inbox(bob)
        assert (1, "Task Assigned: A") == (inbox.unread_count, inbox.page.items[0].subject)
        assert 0 == world.core.notifications.inbox(alice).unread_count

    def test_preferences_switch_channels_off(self, world: World) -> None:
        """With e-mail off for assignments, only the in-app notification is made."""
        alice, bob = world.user("alice"), world.user("bob")
        project = world.project(alice, members=[bob])
        world.core.notifications.update_preferences(bob, {"task_assigned": {"email": False}})
        world.core.tasks.create_task(alice, project.id, title="A", assignee_id=bob.user_id)
        assert ([], 1) == (world.mailer.sent, world.core.notifications.inbox(bob).unread_count)

    def test_completion_notifies_owners_not_actor(self, world: World) -> None:
        """Completing a task notifies the project owner and assignee, not the completer."""
        alice, bob = world.user("alice"), world.user("bob")
        project = world.project(alice, members=[bob])
        task = world.core.tasks.create_task(alice, project.id, title="A", assignee_id=bob.user_id)
        world.mailer.sent.clear()
        world.core.tasks.update_task(bob, task.id, status=TaskStatus.COMPLETED)
        assert [("alice@example.com", "Task Completed: A")] == [
            (m.to, m.subject) for m in world.mailer.sent
        ]

    def test_every_assignee_hears_of_completion_and_comments(self, world: World) -> None:
        """With several assignees, each is told of a comment and of the completion."""
        alice, bob, carol = world.user("alice"), world.user("bob"), world.user("carol")
        project = world.project(alice, members=[bob, carol])
        task = world.core.tasks.create_task(
            alice, project.id, title="A", assignee_ids=[bob.user_id, carol.user_id]
        )
        world.mailer.sent.clear()
        world.core.comments.add_comment(alice, task.id, content="status?")
        world.core.tasks.update_task(alice, task.id, status=TaskStatus.COMPLETED)
        assert sorted(
            (to, subject)
            for to in ("bob@example.com", "carol@example.com")
            for subject in ("New comment on A", "Task Completed: A")
        ) == sorted((m.to, m.subject) for m in world.mailer.sent)

    def test_comments_and_mentions(self, world: World) -> None:
        """A comment notifies assignee and watchers once; a mention notifies the member."""
        alice, bob, carol = world.user("alice"), world.user("bob"), world.user("carol")
        project = world.project(alice, members=[bob, carol])
        task = world.core.tasks.create_task(
            alice, project.id, title="A", assignee_id=bob.user_id, watchers=[carol.user_id]
        )
        world.mailer.sent.clear()
        world.core.comments.add_comment(alice, task.id, content="ping @carol")
        assert sorted(
            [
                ("bob@example.com", "New comment on A"),
                ("carol@example.com", "Alice mentioned you on A"),
            ]
        ) == sorted((m.to, m.subject) for m in world.mailer.sent)


class TestInbox:
    def test_read_and_read_all(self, world: World, admin: Principal, bob: Principal) -> None:
        """Marking one read lowers the unread count; read-all marks the rest."""
        notes = world.core.notifications
        first, _, _ = (
            notes.send_notification(admin, recipient_id=bob.user_id, notification_type=IN_APP)
            for _ in range(3)
        )
        read = notes.mark_read(bob, first.key)
        assert world.clock.now() == read.read_at
        assert (2, 2) == (
            notes.inbox(bob, unread_only=True).page.total,
            notes.inbox(bob).unread_count,
        )
        assert 2 == notes.mark_all_read(bob)
        assert 0 == notes.inbox(bob).unread_count
        with pytest.raises(errors.NotificationNotFound):
            notes.mark_read(admin, first.key)

    def test_bad_preferences(self, world: World, bob: Principal) -> None:
        """Unknown events or channels and non-boolean values are refused."""
        notes = world.core.notifications
        for changes in (
            {"nope": {"email": False}},
            {"mentioned": {"sms": False}},
            {"mentioned": {"email": "no"}},
        ):
            with pytest.raises(errors.ValidationError):
                notes.update_preferences(bob, changes)
        assert all(all(c.values()) for c in notes.preferences(bob).full().values())


class TestRules:
    def test_placeholder_renderer_is_the_originals_safely(self) -> None:
        """The core renderer substitutes ``{{key}}``, escapes HTML, keeps unknown keys."""
        renderer = PlaceholderRenderer()
        assert "<p>&lt;b&gt; {{other}}</p>" == renderer.render(
            "<p>{{ name }} {{other}}</p>", {"name": "<b>"}, html=True
        )
        assert "<b>" == renderer.render("{{name}}", {"name": "<b>"}, html=False)

    def test_plain_text_of_html(self) -> None:
        """The text alternative drops tags and decodes entities."""
        assert "Hello &\nA\nB\n" == plain_text("<html><p>Hello &amp;</p><ul><li>A</li><li>B</li>")
