"""Invitations to projects: a user joins only by accepting; who may do what; expiry; the
notifications an invitation makes, and notifications to users who are not members."""

from __future__ import annotations

import datetime as dt

import pytest

from taskcore import errors
from taskcore.domain.events import TaskAssigned, UserMentioned
from taskcore.domain.invitations import InvitationStatus
from taskcore.domain.pagination import CursorRequest, PageRequest
from taskcore.domain.projects import Role
from taskcore.services.notifications import INVITATION_BODY, INVITATION_SUBJECT
from taskcore.uow import Work
from taskcore_adapters.testing import World

EVIL_NAME = "<b>URGENT</b> verify your account at evil.example"


@pytest.fixture
def world() -> World:
    return World.create()


class TestLifecycle:
    def test_invited_user_accepts_and_becomes_member(self, world: World) -> None:
        """The invitee sees the pending invitation, accepts it and is a member with its
        role; the events record the invitation, the acceptance and the membership."""
        alice, bob = world.user("alice"), world.user("bob")
        project = world.project(alice)
        invitation = world.core.projects.invite_member(
            alice, project.id, user_id=bob.user_id, role="viewer"
        )
        assert (InvitationStatus.PENDING, Role.VIEWER, alice.user_id, "Apollo", "alice") == (
            invitation.status,
            invitation.role,
            invitation.invited_by,
            invitation.project_name,
            invitation.invited_by_username,
        )
        with pytest.raises(errors.ProjectNotFound):
            world.core.projects.get_project(bob, project.id)
        mine = world.core.projects.my_invitations(bob)
        assert [invitation.id] == [i.id for i in mine.items]
        member = world.core.projects.accept_invitation(bob, invitation.id)
        assert (bob.user_id, Role.VIEWER) == (member.user_id, member.role)
        assert Role.VIEWER is world.core.projects.get_project(bob, project.id).role
        assert 0 == world.core.projects.my_invitations(bob).total
        assert InvitationStatus.ACCEPTED is (
            world.core.projects.get_invitation(alice, invitation.id).status
        )
        names = world.event_names()
        assert [
            "project.member_invited",
            "project.invitation_accepted",
            "project.member_added",
        ] == names[-3:]
        accepted = world.events()[-1]
        assert (bob.user_id, invitation.id) == (
            accepted.actor_id,
            accepted.details["invitation_id"],
        )

    def test_declined_invitation_adds_no_one(self, world: World) -> None:
        """A declined invitation cannot be accepted afterwards; the user is no member."""
        alice, bob = world.user("alice"), world.user("bob")
        project = world.project(alice)
        invitation = world.core.projects.invite_member(alice, project.id, user_id=bob.user_id)
        declined = world.core.projects.decline_invitation(bob, invitation.id)
        assert InvitationStatus.DECLINED is declined.status
        assert declined.responded_at == world.clock.now()
        with pytest.raises(errors.InvitationNotPending) as late:
            world.core.projects.accept_invitation(bob, invitation.id)
        assert "The invitation is no longer pending (it is declined)" == late.value.message
        assert 1 == world.core.projects.list_members(alice, project.id).total
        assert "project.invitation_declined" == world.event_names()[-1]

    def test_revoked_invitation_cannot_be_accepted(self, world: World) -> None:
        """The owner revokes a pending invitation; accepting it then fails."""
        alice, bob = world.user("alice"), world.user("bob")
        project = world.project(alice)
        invitation = world.core.projects.invite_member(alice, project.id, user_id=bob.user_id)
        revoked = world.core.projects.revoke_invitation(alice, invitation.id)
        assert InvitationStatus.REVOKED is revoked.status
        with pytest.raises(errors.InvitationNotPending):
            world.core.projects.accept_invitation(bob, invitation.id)
        with pytest.raises(errors.InvitationNotPending):
            world.core.projects.revoke_invitation(alice, invitation.id)
        assert 0 == world.core.projects.my_invitations(bob).total

    def test_expired_invitation_cannot_be_accepted(self, world: World) -> None:
        """After 14 days an invitation is expired: not listed as the user's, refused on
        accepting, shown as expired to the owner, and a new one may be sent."""
        alice, bob = world.user("alice"), world.user("bob")
        project = world.project(alice)
        invitation = world.core.projects.invite_member(alice, project.id, user_id=bob.user_id)
        assert invitation.expires_at == world.clock.now() + dt.timedelta(days=14)
        world.clock.advance(days=14)
        with pytest.raises(errors.InvitationExpired):
            world.core.projects.accept_invitation(bob, invitation.id)
        assert 0 == world.core.projects.my_invitations(bob).total
        listed = world.core.projects.list_invitations(alice, project.id)
        assert [InvitationStatus.EXPIRED] == [i.status for i in listed.items]
        assert 0 == world.core.projects.list_invitations(alice, project.id, pending=True).total
        again = world.core.projects.invite_member(alice, project.id, user_id=bob.user_id)
        world.core.projects.accept_invitation(bob, again.id)
        statuses = {
            i.id: i.status for i in world.core.projects.list_invitations(alice, project.id).items
        }
        assert {
            invitation.id: InvitationStatus.EXPIRED,
            again.id: InvitationStatus.ACCEPTED,
        } == statuses

    def test_admin_adds_directly_and_revokes_the_pending_invitation(self, world: World) -> None:
        """An administrator's direct addition makes the pending invitation revoked."""
        alice, bob = world.user("alice"), world.user("bob")
        root = world.user("root", admin=True)
        project = world.project(alice)
        invitation = world.core.projects.invite_member(alice, project.id, user_id=bob.user_id)
        world.core.projects.add_or_invite(root, project.id, user_id=bob.user_id)
        assert InvitationStatus.REVOKED is (
            world.core.projects.get_invitation(bob, invitation.id).status
        )
        assert Role.MEMBER is world.core.projects.get_project(bob, project.id).role

    def test_owner_add_or_invite_invites(self, world: World) -> None:
        """For an owner, adding a member is inviting them: no membership yet."""
        alice, bob = world.user("alice"), world.user("bob")
        project = world.project(alice)
        made = world.core.projects.add_or_invite(alice, project.id, user_id=bob.user_id)
        assert made.user_id == bob.user_id
        assert 1 == world.core.projects.list_members(alice, project.id).total
        assert 1 == world.core.projects.my_invitations(bob).total

    def test_deleting_the_project_deletes_its_invitations(self, world: World) -> None:
        alice, bob = world.user("alice"), world.user("bob")
        project = world.project(alice)
        invitation = world.core.projects.invite_member(alice, project.id, user_id=bob.user_id)
        world.core.projects.delete_project(alice, project.id)
        assert 0 == world.core.projects.my_invitations(bob).total
        with pytest.raises(errors.InvitationNotFound):
            world.core.projects.accept_invitation(bob, invitation.id)


class TestRefusals:
    def test_invite_errors(self, world: World) -> None:
        """Duplicate pending invitation and existing member are conflicts; unknown and
        deactivated users are not found; a bad role names the field."""
        alice, bob, carol = world.user("alice"), world.user("bob"), world.user("carol")
        root = world.user("root", admin=True)
        project = world.project(alice, members=[carol])
        world.core.projects.invite_member(alice, project.id, user_id=bob.user_id)
        with pytest.raises(errors.InvitationPending):
            world.core.projects.invite_member(alice, project.id, user_id=bob.user_id)
        with pytest.raises(errors.MemberAlreadyExists):
            world.core.projects.invite_member(alice, project.id, user_id=carol.user_id)
        with pytest.raises(errors.UserNotFound):
            world.core.projects.invite_member(alice, project.id, user_id=999)
        with pytest.raises(errors.ValidationError) as bad:
            world.core.projects.invite_member(alice, project.id, user_id=bob.user_id, role="x")
        assert "role" == bad.value.field
        dave = world.user("dave")
        world.core.users.admin_update(root, dave.user_id, is_active=False)
        with pytest.raises(errors.UserNotFound):
            world.core.projects.invite_member(alice, project.id, user_id=dave.user_id)

    def test_who_may_invite(self, world: World) -> None:
        """Members and viewers may not invite (403); outsiders are told the project does
        not exist (404); administrators may."""
        alice, bob, carol, mallory = (world.user(n) for n in ("alice", "bob", "carol", "mal"))
        root = world.user("root", admin=True)
        target = world.user("target")
        project = world.project(alice, members=[bob], viewers=[carol])
        for who in (bob, carol):
            with pytest.raises(errors.ProjectRoleRequired):
                world.core.projects.invite_member(who, project.id, user_id=target.user_id)
            with pytest.raises(errors.ProjectRoleRequired):
                world.core.projects.list_invitations(who, project.id)
        with pytest.raises(errors.ProjectNotFound):
            world.core.projects.invite_member(mallory, project.id, user_id=target.user_id)
        with pytest.raises(errors.ProjectNotFound):
            world.core.projects.list_invitations(mallory, project.id)
        made = world.core.projects.invite_member(root, project.id, user_id=target.user_id)
        assert root.user_id == made.invited_by

    def test_only_the_invitee_answers(self, world: World) -> None:
        """Nobody but the invitee accepts or declines (the owner and an administrator
        included); others are told the invitation does not exist."""
        alice, bob, mallory = world.user("alice"), world.user("bob"), world.user("mallory")
        root = world.user("root", admin=True)
        project = world.project(alice)
        invitation = world.core.projects.invite_member(alice, project.id, user_id=bob.user_id)
        for who in (alice, mallory, root):
            with pytest.raises(errors.InvitationNotFound):
                world.core.projects.accept_invitation(who, invitation.id)
            with pytest.raises(errors.InvitationNotFound):
                world.core.projects.decline_invitation(who, invitation.id)
        with pytest.raises(errors.InvitationNotFound):
            world.core.projects.get_invitation(mallory, invitation.id)
        with pytest.raises(errors.InvitationNotFound):
            world.core.projects.accept_invitation(bob, 999)
        assert InvitationStatus.PENDING is (
            world.core.projects.get_invitation(bob, invitation.id).status
        )

    def test_who_may_revoke(self, world: World) -> None:
        """Only the project's owners and administrators revoke; the invitee declines."""
        alice, bob, carol, mallory = (world.user(n) for n in ("alice", "bob", "carol", "mal"))
        root = world.user("root", admin=True)
        project = world.project(alice, members=[carol])
        invitation = world.core.projects.invite_member(alice, project.id, user_id=bob.user_id)
        with pytest.raises(errors.ProjectRoleRequired):
            world.core.projects.revoke_invitation(carol, invitation.id)
        for who in (mallory, bob):
            with pytest.raises(errors.InvitationNotFound):
                world.core.projects.revoke_invitation(who, invitation.id)
        assert InvitationStatus.REVOKED is (
            world.core.projects.revoke_invitation(root, invitation.id).status
        )


class TestListing:
    def test_lists_are_paginated_newest_first(self, world: World) -> None:
        """A project's invitations and a user's invitations page by number and by cursor,
        newest first, without repeats."""
        alice = world.user("alice")
        guests = [world.user(f"guest{i}") for i in range(5)]
        project = world.project(alice)
        others = [world.project(alice, name=f"P{i}") for i in range(3)]
        for guest in guests:
            world.clock.advance(seconds=1)
            world.core.projects.invite_member(alice, project.id, user_id=guest.user_id)
        for other in others:
            world.clock.advance(seconds=1)
            world.core.projects.invite_member(alice, other.id, user_id=guests[0].user_id)
        first = world.core.projects.list_invitations(
            alice, project.id, page=PageRequest(page=1, per_page=2)
        )
        assert (5, 3) == (first.total, first.pages)
        assert ["guest4", "guest3"] == [i.username for i in first.items]
        seen: list[str] = []
        cursor = ""
        while True:
            part = world.core.projects.list_invitations(
                alice, project.id, page=CursorRequest(after=cursor, per_page=2)
            )
            seen.extend(i.username for i in part.items)
            if part.next_cursor is None:
                break
            cursor = part.next_cursor
        assert [f"guest{i}" for i in range(4, -1, -1)] == seen
        mine = world.core.projects.my_invitations(guests[0], page=PageRequest(per_page=2))
        assert (4, ["P2", "P1"]) == (mine.total, [i.project_name for i in mine.items])


class TestNotifications:
    def test_invitation_mail_carries_no_text_of_the_inviter(self, world: World) -> None:
        """The e-mail to the invitee has a fixed subject and body: no project name, no
        inviter name; the in-app notification names both."""
        alice, bob = world.user("alice"), world.user("bob")
        project = world.core.projects.create_project(alice, name=EVIL_NAME)
        world.core.projects.invite_member(alice, project.id, user_id=bob.user_id)
        [mail] = world.mailer.sent
        assert (INVITATION_SUBJECT, INVITATION_BODY, None) == (mail.subject, mail.text, mail.html)
        assert "evil" not in mail.subject.lower() + mail.text.lower()
        assert "Alice" not in mail.text
        [note] = world.core.notifications.inbox(bob).page.items
        assert INVITATION_SUBJECT == note.subject
        assert EVIL_NAME in note.body
        assert "Alice" in note.body

    def test_invitation_follows_preferences(self, world: World) -> None:
        """With invitation e-mail switched off, only the in-app notification is made."""
        alice, bob = world.user("alice"), world.user("bob")
        project = world.project(alice)
        world.core.notifications.update_preferences(bob, {"project_invited": {"email": False}})
        world.core.projects.invite_member(alice, project.id, user_id=bob.user_id)
        assert ([], 1) == (world.mailer.sent, world.core.notifications.inbox(bob).unread_count)

    def test_non_members_get_no_notification_about_project_content(self, world: World) -> None:
        """An assignment or a mention delivered after the user left the project tells them
        nothing: no mail carries the task's title or the comment to a non-member."""
        alice, bob = world.user("alice"), world.user("bob")
        project = world.project(alice, members=[bob])
        task = world.core.tasks.create_task(alice, project.id, title=EVIL_NAME)
        world.core.projects.remove_member(alice, project.id, bob.user_id)
        world.mailer.sent.clear()
        now = world.clock.now()
        late = [
            TaskAssigned(
                occurred_at=now,
                actor_id=alice.user_id,
                entity_id=task.id,
                project_id=project.id,
                title=EVIL_NAME,
                old_assignee_id=None,
                assignee_id=bob.user_id,
            ),
            UserMentioned(
                occurred_at=now,
                actor_id=alice.user_id,
                entity_id=1,
                project_id=project.id,
                task_id=task.id,
                content_snippet=EVIL_NAME,
                user_id=bob.user_id,
                username="bob",
            ),
        ]
        notes = world.core.notifications
        with world.store() as uow:
            work = Work(uow)
            notes.on_task_assigned(work, late[0])
            notes.on_user_mentioned(work, late[1])
            work.commit()
        assert ([], 0) == (world.mailer.sent, notes.inbox(bob).page.total)

    def test_members_still_get_assignment_notifications(self, world: World) -> None:
        """The membership check keeps notifying members."""
        alice, bob = world.user("alice"), world.user("bob")
        project = world.project(alice, members=[bob])
        world.core.tasks.create_task(alice, project.id, title="Write", assignee_id=bob.user_id)
        assert ["Task Assigned: Write"] == [m.subject for m in world.mailer.sent]
