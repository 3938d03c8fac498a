"""Personal access tokens: creation rules, scopes enforced by the use cases, revocation."""

from __future__ import annotations

import datetime as dt
import inspect

import attrs
import pytest

from taskcore import errors
from taskcore.domain.pagination import PageRequest
from taskcore.services.users import Principal
from taskcore.services.users.tokens import CreatedAccessToken
from taskcore_adapters.testing import World

PAGE = PageRequest()
WEEK = dt.timedelta(days=7)


@pytest.fixture
def world() -> World:
    """A fresh in-memory world."""
    return World.create()


def create(
    world: World, owner: Principal, *scopes: str, lasts: dt.timedelta = WEEK
) -> CreatedAccessToken:
    return world.core.users.create_token(
        owner, name="ci", scopes=list(scopes), expires_at=world.clock.now() + lasts
    )


def caller(world: World, secret: str) -> Principal:
    principal: Principal = world.core.users.authenticate(secret, address="192.0.2.7")
    return principal


def test_a_token_is_shown_once_stored_hashed_and_authenticates(world: World) -> None:
    """The secret has the prefix, is nowhere in the store, and authenticates as its owner
    with the token's scopes (``write`` implying ``read``)."""
    alice = world.user("alice")
    created = create(world, alice, "tasks:read", "tasks:write", "comments:read")
    principal = caller(world, created.secret)
    stored = world.store.snapshot().access_tokens[created.token.id]
    assert (True, 50) == (created.secret.startswith("tcp_"), len(created.secret))
    assert created.secret not in repr(stored)
    assert (alice.user_id, frozenset({"tasks:write", "comments:read"}), False) == (
        principal.user_id,
        principal.scopes,
        principal.is_admin,
    )
    listed = world.core.users.list_my_tokens(alice, PAGE)
    assert [(created.token.id, ("comments:read", "tasks:write"))] == [
        (t.id, t.scopes) for t in listed.items
    ]


@pytest.mark.parametrize(
    ("scopes", "lasts", "field"),
    [
        (["tasks:read"], dt.timedelta(days=367), "expires_at"),
        (["tasks:read"], -dt.timedelta(seconds=1), "expires_at"),
        ([], WEEK, "scopes"),
        (["tasks:delete"], WEEK, "scopes"),
        (["wiki:read"], WEEK, "scopes"),
        (["admin:read"], WEEK, "scopes"),
    ],
)
def test_bad_requests_name_their_field(
    world: World, scopes: list[str], lasts: dt.timedelta, field: str
) -> None:
    """Expiry beyond a year or past, no or unknown scopes, and the admin scope for a
    non-administrator are refused, naming the field."""
    alice = world.user("alice")
    with pytest.raises(errors.ValidationError) as caught:
        create(world, alice, *scopes, lasts=lasts)
    assert field == caught.value.field


def test_expiry_is_mandatory_and_name_required(world: World) -> None:
    alice = world.user("alice")
    users = world.core.users
    with pytest.raises(errors.ValidationError, match="expires_at is required"):
        users.create_token(alice, name="ci", scopes=["tasks:read"], expires_at=None)
    with pytest.raises(errors.ValidationError, match="name is required"):
        users.create_token(alice, name=" ", scopes=["tasks:read"], expires_at=None)


def test_read_scope_reads_but_does_not_write(world: World) -> None:
    """A ``tasks:read`` token lists tasks; creating one, or reading comments, needs
    scopes it lacks."""
    alice = world.user("alice")
    project = world.project(alice)
    token = caller(world, create(world, alice, "tasks:read").secret)
    world.core.tasks.create_task(alice, project.id, title="Launch")
    assert 1 == world.core.tasks.list_tasks(token, project.id).total
    with pytest.raises(errors.ScopeRequired, match="tasks:write") as caught:
        world.core.tasks.create_task(token, project.id, title="Nope")
    assert "tasks:write" == caught.value.scope
    with pytest.raises(errors.ScopeRequired, match="comments:read"):
        world.core.comments.list_comments(token, 1)


def test_a_token_never_does_more_than_its_owner(world: World) -> None:
    """A viewer's ``tasks:write`` token cannot write; an administrator's token without the
    admin scope is not an administrator."""
    owner, viewer = world.user("owner"), world.user("viewer")
    root = world.user("root", admin=True)
    project = world.project(owner, viewers=[viewer])
    token = caller(world, create(world, viewer, "tasks:write").secret)
    with pytest.raises(errors.ProjectRoleRequired):
        world.core.tasks.create_task(token, project.id, title="Nope")
    plain = caller(world, create(world, root, "tasks:write").secret)
    admin = caller(world, create(world, root, "tasks:read", "admin:read").secret)
    with pytest.raises(errors.ScopeRequired):
        world.core.users.list_users(plain, PAGE)
    with pytest.raises(errors.ProjectNotFound):
        world.core.projects.get_project(plain, project.id)
    assert (False, True, 3) == (
        plain.is_admin,
        admin.is_admin,
        world.core.users.list_users(admin, PAGE).total,
    )


def test_tokens_cannot_manage_the_account_or_other_tokens(world: World) -> None:
    alice = world.user("alice")
    token = caller(world, create(world, alice, "tasks:write").secret)
    assert "alice" == world.core.users.get_me(token).username
    with pytest.raises(errors.ScopeRequired, match="log in"):
        create(world, token, "tasks:read")
    with pytest.raises(errors.ScopeRequired):
        world.core.users.change_password(token, current_password="x", new_password="y")


def test_revoked_expired_and_tampered_tokens_fail(world: World) -> None:
    alice = world.user("alice")
    revoked, expiring, kept = (create(world, alice, "tasks:read") for _ in range(3))
    world.core.users.revoke_my_token(alice, revoked.token.id)
    world.clock.advance(days=6)
    short = create(world, alice, "tasks:read", lasts=dt.timedelta(hours=1))
    world.clock.advance(hours=2)
    tampered = kept.secret[:-7] + ("A" if kept.secret[-7] != "A" else "B") + kept.secret[-6:]
    for secret in (revoked.secret, short.secret, tampered, "tcp_short"):
        with pytest.raises(errors.TokenInvalid):
            caller(world, secret)
    assert alice.user_id == caller(world, expiring.secret).user_id
    listed = world.core.users.list_my_tokens(alice, PAGE).items
    assert [(short.token.id, True), (kept.token.id, False), (expiring.token.id, False)] == [
        (t.id, t.expired) for t in listed
    ]


def test_only_owners_and_admins_revoke(world: World) -> None:
    """Another user's token is not found for a non-admin; an administrator lists and
    revokes anyone's."""
    alice, bob = world.user("alice"), world.user("bob")
    root = world.user("root", admin=True)
    created = create(world, alice, "tasks:read")
    with pytest.raises(errors.AccessTokenNotFound):
        world.core.users.revoke_my_token(bob, created.token.id)
    with pytest.raises(errors.AdminRequired):
        world.core.users.revoke_token(bob, created.token.id)
    listed = world.core.users.list_tokens(root, PAGE, user_id=alice.user_id)
    world.core.users.revoke_token(root, created.token.id)
    with pytest.raises(errors.AccessTokenNotFound):
        world.core.users.revoke_token(root, created.token.id)
    with pytest.raises(errors.TokenInvalid):
        caller(world, created.secret)
    assert [created.token.id] == [t.id for t in listed.items]
    assert ["access_token.created", "access_token.revoked"] == [
        n for n in world.event_names() if n.startswith("access_token.")
    ]


def test_deactivation_and_a_chosen_password_change_revoke(world: World) -> None:
    root = world.user("root", admin=True)
    alice, bob = world.user("alice"), world.user("bob")
    alices = create(world, alice, "tasks:read")
    bobs_kept, bobs_revoked = create(world, bob, "tasks:read"), None
    world.core.users.change_password(
        bob, current_password="correct horse", new_password="another long secret"
    )
    assert bob.user_id == caller(world, bobs_kept.secret).user_id
    bobs_revoked = bobs_kept
    world.core.users.change_password(
        bob,
        current_password="another long secret",
        new_password="a third long secret",
        revoke_tokens=True,
    )
    world.core.users.admin_update(root, alice.user_id, is_active=False)
    world.core.users.admin_update(root, alice.user_id, is_active=True)
    for secret in (alices.secret, bobs_revoked.secret):
        with pytest.raises(errors.TokenInvalid):
            caller(world, secret)


def test_last_use_is_recorded_at_most_once_a_minute(world: World) -> None:
    alice = world.user("alice")
    created = create(world, alice, "tasks:read")
    first = world.clock.now()
    caller(world, created.secret)
    world.clock.advance(seconds=30)
    world.core.users.authenticate(created.secret, address="198.51.100.1")
    seen = world.core.users.list_my_tokens(alice, PAGE).items[0]
    world.clock.advance(seconds=31)
    world.core.users.authenticate(created.secret, address="198.51.100.1")
    later = world.core.users.list_my_tokens(alice, PAGE).items[0]
    assert (first, "192.0.2.7") == (seen.last_used_at, seen.last_used_from)
    assert (world.clock.now(), "198.51.100.1") == (later.last_used_at, later.last_used_from)


def test_every_use_case_taking_a_caller_checks_scopes(world: World) -> None:
    """Each public use case with an ``actor`` of every service is wrapped by the scope
    check, so a use case added later cannot forget it."""
    unchecked = [
        f"{area}.{name}"
        for area in attrs.fields_dict(type(world.core))
        if not area.startswith("_")
        for name, method in inspect.getmembers(getattr(world.core, area), inspect.ismethod)
        if not name.startswith("_")
        and "actor" in inspect.signature(method).parameters
        and getattr(method, "__scope__", None) is None
    ]
    assert [] == unchecked


def test_creating_and_revoking_are_in_the_owners_activity_log(world: World) -> None:
    """The entries name the token by id and name; nothing secret is in them."""
    alice = world.user("alice")
    created = create(world, alice, "tasks:read")
    world.core.users.revoke_my_token(alice, created.token.id)
    found = world.core.activity.user_activities(alice, alice.user_id, page=PAGE).items
    entries = [(v.entry.action, v.entry.details) for v in found][:2]
    assert [
        ("revoke_access_token", {"id": created.token.id, "name": "ci", "reason": "revoked"}),
        (
            "create_access_token",
            {
                "id": created.token.id,
                "name": "ci",
                "scopes": ["tasks:read"],
                "expires_at": created.token.expires_at.isoformat(),
            },
        ),
    ] == entries


@pytest.mark.parametrize(
    "value", ["next week", "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+14:00", 7]
)
def test_unreadable_or_extreme_expiries_are_refused(world: World, value: object) -> None:
    alice = world.user("alice")
    with pytest.raises(errors.ValidationError) as caught:
        world.core.users.create_token(alice, name="ci", scopes=["tasks:read"], expires_at=value)  # type: ignore[arg-type]
    assert "expires_at" == caught.value.field
