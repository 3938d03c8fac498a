"""The repository contract of project invitations, on every adapter."""

from __future__ import annotations

import datetime as dt

import pytest

from taskcore import errors
from taskcore.domain.invitations import Invitation, InvitationCriteria, InvitationStatus
from taskcore.domain.pagination import Keyset
from taskcore.domain.projects import Membership, Project, Role
from taskcore.domain.users import User
from taskcore.ports.uow import UnitOfWorkFactory

NOW = dt.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)
TTL = dt.timedelta(days=14)


@pytest.fixture
def ids(uow_factory: UnitOfWorkFactory) -> dict[str, int]:
    """alice (owner of Apollo and Zeus), bob and carol; the two projects' ids."""
    found: dict[str, int] = {}
    with uow_factory() as uow:
        for name in ("alice", "bob", "carol"):
            user = uow.users.add(
                User(
                    username=name,
                    email=f"{name}@example.com",
                    password_hash="hash",
                    full_name=name.title(),
                    created_at=NOW,
                )
            )
            found[name] = user.key
        for name in ("Apollo", "Zeus"):
            project = uow.projects.add(
                Project(name=name, owner_id=found["alice"], created_at=NOW, updated_at=NOW)
            )
            uow.projects.add_member(
                Membership(
                    project_id=project.key, user_id=found["alice"], role=Role.OWNER, added_at=NOW
                )
            )
            found[name] = project.key
        uow.commit()
    return found


def invitation(
    project_id: int, user_id: int, invited_by: int, *, at: dt.datetime = NOW, **changes: object
) -> Invitation:
    made = Invitation(
        project_id=project_id,
        user_id=user_id,
        role=Role.VIEWER,
        invited_by=invited_by,
        created_at=at,
        expires_at=at + TTL,
    )
    for key, value in changes.items():
        setattr(made, key, value)
    return made


class TestInvitationRepository:
    def test_add_get_view_round_trip(
        self, uow_factory: UnitOfWorkFactory, ids: dict[str, int]
    ) -> None:
        """A stored invitation reads back equal, with aware UTC times; its view carries
        the project's name and both usernames."""
        with uow_factory() as uow:
            added = uow.invitations.add(invitation(ids["Apollo"], ids["bob"], ids["alice"]))
            uow.commit()
        with uow_factory() as uow:
            assert added == uow.invitations.get(added.key)
            view = uow.invitations.view(added.key)
            assert uow.invitations.get(999) is None
            assert uow.invitations.view(999) is None
        assert view is not None
        assert (
            "Apollo",
            "bob",
            "alice",
            Role.VIEWER,
            InvitationStatus.PENDING,
            NOW + TTL,
            None,
        ) == (
            view.project_name,
            view.username,
            view.invited_by_username,
            view.role,
            view.status,
            view.expires_at,
            view.responded_at,
        )
        assert dt.UTC == view.created_at.tzinfo

    def test_one_pending_invitation_per_user_and_project(
        self, uow_factory: UnitOfWorkFactory, ids: dict[str, int]
    ) -> None:
        """A second pending invitation is refused; once the first is answered, another
        may be added; other projects and users are independent."""
        with uow_factory() as uow:
            first = uow.invitations.add(invitation(ids["Apollo"], ids["bob"], ids["alice"]))
            uow.commit()
        with uow_factory() as uow:
            with pytest.raises(errors.InvitationPending):
                uow.invitations.add(invitation(ids["Apollo"], ids["bob"], ids["alice"]))
            uow.invitations.add(invitation(ids["Zeus"], ids["bob"], ids["alice"]))
            uow.invitations.add(invitation(ids["Apollo"], ids["carol"], ids["alice"]))
            assert first == uow.invitations.pending(ids["Apollo"], ids["bob"])
            assert uow.invitations.set_status(first.key, InvitationStatus.DECLINED, NOW)
            second = uow.invitations.add(invitation(ids["Apollo"], ids["bob"], ids["alice"]))
            uow.commit()
        with uow_factory() as uow:
            pending = uow.invitations.pending(ids["Apollo"], ids["bob"])
            assert pending is not None
            assert second.key == pending.key
            assert 4 == uow.invitations.count(InvitationCriteria())

    def test_unknown_project_or_user(
        self, uow_factory: UnitOfWorkFactory, ids: dict[str, int]
    ) -> None:
        with uow_factory() as uow:
            with pytest.raises(errors.ProjectNotFound):
                uow.invitations.add(invitation(999, ids["bob"], ids["alice"]))
            with pytest.raises(errors.UserNotFound):
                uow.invitations.add(invitation(ids["Apollo"], 999, ids["alice"]))

    def test_set_status_only_moves_pending_invitations(
        self, uow_factory: UnitOfWorkFactory, ids: dict[str, int]
    ) -> None:
        """The first answer wins; a second finds it no longer pending and changes nothing."""
        later = NOW + dt.timedelta(hours=1)
        with uow_factory() as uow:
            added = uow.invitations.add(invitation(ids["Apollo"], ids["bob"], ids["alice"]))
            assert uow.invitations.set_status(added.key, InvitationStatus.ACCEPTED, later)
            assert not uow.invitations.set_status(added.key, InvitationStatus.REVOKED, NOW)
            assert not uow.invitations.set_status(999, InvitationStatus.REVOKED, NOW)
            uow.commit()
        with uow_factory() as uow:
            stored = uow.invitations.get(added.key, for_update=True)
        assert stored is not None
        assert (InvitationStatus.ACCEPTED, later) == (stored.status, stored.responded_at)

    def test_find_and_count_newest_first(
        self, uow_factory: UnitOfWorkFactory, ids: dict[str, int]
    ) -> None:
        """Listings filter by project, by user and by still-acceptable, newest first, and
        page by offset and by keyset alike."""
        with uow_factory() as uow:
            made = []
            for minutes, (project, user) in enumerate(
                [("Apollo", "bob"), ("Apollo", "carol"), ("Zeus", "bob"), ("Zeus", "carol")]
            ):
                at = NOW + dt.timedelta(minutes=minutes)
                made.append(
                    uow.invitations.add(invitation(ids[project], ids[user], ids["alice"], at=at))
                )
            uow.invitations.set_status(made[2].key, InvitationStatus.DECLINED, NOW)
            uow.commit()
        with uow_factory() as uow:
            repo = uow.invitations
            apollo = InvitationCriteria(project_id=ids["Apollo"])
            assert [made[1].key, made[0].key] == [i.id for i in repo.find(apollo, limit=10)]
            bobs = InvitationCriteria(user_id=ids["bob"], pending_at=NOW)
            assert ([made[0].key], 1) == (
                [i.id for i in repo.find(bobs, limit=10)],
                repo.count(bobs),
            )
            # An invitation whose expiry has come is not acceptable any more.
            expired = InvitationCriteria(user_id=ids["bob"], pending_at=NOW + TTL)
            assert 0 == repo.count(expired)
            everything = InvitationCriteria()
            assert [made[3].key, made[2].key] == [i.id for i in repo.find(everything, limit=2)]
            assert [made[1].key] == [i.id for i in repo.find(everything, offset=2, limit=1)]
            after = Keyset(value=made[2].created_at, id=made[2].key)
            assert [made[1].key, made[0].key] == [
                i.id for i in repo.find(everything, limit=5, after=after)
            ]

    def test_delete_in_project(self, uow_factory: UnitOfWorkFactory, ids: dict[str, int]) -> None:
        with uow_factory() as uow:
            uow.invitations.add(invitation(ids["Apollo"], ids["bob"], ids["alice"]))
            uow.invitations.add(invitation(ids["Apollo"], ids["carol"], ids["alice"]))
            kept = uow.invitations.add(invitation(ids["Zeus"], ids["bob"], ids["alice"]))
            assert 2 == uow.invitations.delete_in_project(ids["Apollo"])
            uow.commit()
        with uow_factory() as uow:
            assert [kept.key] == [
                i.id for i in uow.invitations.find(InvitationCriteria(), limit=10)
            ]
