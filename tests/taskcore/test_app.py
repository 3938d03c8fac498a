"""The composed core: acting as a user without a login (``Taskcore.as_user``)."""

from __future__ import annotations

import pytest

from taskcore import errors
from taskcore_adapters.testing import World


def test_as_user_acts_with_the_stored_rights() -> None:
    world = World.create()
    alice = world.user("alice")
    root = world.user("root", admin=True)
    acting = world.core.as_user(alice.user_id)
    assert (acting.user_id, acting.username, acting.is_admin) == (alice.user_id, "alice", False)
    project = world.core.projects.create_project(acting, name="Apollo")
    assert project.owner_id == alice.user_id
    assert world.core.as_user(root.user_id).is_admin


def test_as_user_refuses_missing_and_deactivated_users() -> None:
    world = World.create()
    root = world.user("root", admin=True)
    bob = world.user("bob")
    with pytest.raises(errors.UserNotFound):
        world.core.as_user(9999)
    world.core.users.admin_update(root, bob.user_id, is_active=False)
    with pytest.raises(errors.AccountDisabled):
        world.core.as_user(bob.user_id)
